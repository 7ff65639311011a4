"""Misinformation tip handlers: /baotin for anyone registered, /xulytin and "Đã xử lý" for
officers. The tipster's messages while a tip is in progress reach `TipFlow.message` through
the flow router in handlers/reports.py (`route`), which also handles /huy.
"""

from __future__ import annotations

from telegram import (
    Message,
    MessageOriginChannel,
    MessageOriginChat,
    MessageOriginHiddenUser,
    MessageOriginUser,
    Update,
)
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

from bot import texts, tips
from bot.people import Role
from bot.services import Services, services
from bot.tips import TipFlow, TipInput
from handlers.auth import command, requires
from handlers.common import incoming_file, is_private, person_id
from handlers.outcomes import event as _event
from handlers.outcomes import say, show


def tip_flow(svc: Services) -> TipFlow:
    return TipFlow(svc.db, svc.config, svc.clock)


def tip_input(message: Message) -> TipInput | None:
    """Describe a message as a tip: forwarded, a screenshot, a link or pasted text."""
    text = message.text or message.caption or ""
    file = incoming_file(message)
    origin = _origin(message)
    if origin:
        return TipInput("forward", text, origin, file)
    if file:
        return TipInput("photo", text, "", file)
    if not text:
        return None
    entities = message.entities or message.caption_entities or ()
    has_link = any(e.type in ("url", "text_link") for e in entities) or "http" in text.lower()
    return TipInput("link" if has_link else "text", text)


def _origin(message: Message) -> str:
    origin = message.forward_origin
    if origin is None:
        return ""
    if isinstance(origin, MessageOriginUser):
        return origin.sender_user.full_name
    if isinstance(origin, MessageOriginHiddenUser):
        return origin.sender_user_name
    if isinstance(origin, MessageOriginChat):
        return origin.sender_chat.title or ""
    if isinstance(origin, MessageOriginChannel):
        return origin.chat.title or ""
    return "?"


async def tip_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/baotin: report a suspicious post (registered people only)."""
    user = update.effective_user
    message = update.effective_message
    if user is None or message is None:
        return
    svc = services(context)
    if not is_private(update):
        await say(update, svc, texts.PRIVATE_ONLY)
        return
    await show(update, svc, await tip_flow(svc).start(await person_id(update, svc), _event(update)))


@requires(Role.RESIDENT, private_only=True)  # a tip and its queue are never shown in a group
async def tip_press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`tip:nonote` for the tipster; the queue buttons only for officers."""
    query = update.callback_query
    if query is None or query.data is None or update.effective_user is None:
        return
    if tips.is_officer_data(query.data):
        await _officer_tip_press(update, context)
        return
    svc = services(context)
    outcome = await tip_flow(svc).press(await person_id(update, svc), query.data, _event(update))
    await show(update, svc, outcome)


@requires(Role.OFFICER, "tips.handle", private_only=True)
async def _officer_tip_press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None and update.effective_user is not None
    svc = services(context)
    outcome = await tip_flow(svc).press(await person_id(update, svc), query.data, _event(update))
    await show(update, svc, outcome)


@command("xulytin", "tips.queue")
async def tip_queue_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/xulytin: the open tips, each with a button to open it and mark it handled."""
    if update.effective_message is None:
        return
    svc = services(context)
    await say(update, svc, await tip_flow(svc).queue_screen())


def register(app: Application) -> None:
    """Tip commands and buttons (before the catch-alls)."""
    app.add_handler(CommandHandler("baotin", tip_command))
    app.add_handler(CommandHandler("xulytin", tip_queue_command))
    app.add_handler(CallbackQueryHandler(tip_press, pattern=r"^tip:"))
