"""Broadcast handlers: /guitin (compose), /tinhtrang (follow and account), retry, and the
residents' /tatthongbao, /batthongbao. Also starts and stops the outbox sender.

Parse → ask the core (`bot.compose`, `bot.delivery`) → show its answer. The compose flow's
typed input (the text, a photo, the date for Hẹn giờ) is picked up by `draft_input` in its
own handler group, ahead of everything else, but only while the official's draft is waiting
for exactly that; otherwise the message goes on to the normal handlers untouched.
"""

from __future__ import annotations

import logging
from zoneinfo import ZoneInfo

from telegram import ChatMember, Message, MessageEntity, Update
from telegram.constants import ChatType
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot import compose, delivery, inputs, people, people_ui, schedule_edit, texts
from bot.people import Role
from bot.reply import Reply
from bot.screens import Button, Screen
from bot.services import Services, services
from handlers.auth import command, requires
from handlers.common import (
    incoming_file,
    is_private,
    local_chat_id,
    person_id,
)
from handlers.outcomes import notify, say, show

log = logging.getLogger(__name__)

_MENU_LABELS = {texts.BTN_CONTENT, texts.BTN_SEARCH, texts.BTN_HELP, texts.BTN_REPORT}


# ---------------------------------------------------------------- showing core answers


def _entities(entities: tuple[MessageEntity, ...]) -> list[compose.Entity]:
    return [(e.type, e.offset, e.length, e.url or "") for e in entities]


# ---------------------------------------------------------------- compose


@command("guitin", "broadcast.compose", group_text=texts.BC_PRIVATE_ONLY)
async def compose_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/guitin: start a new broadcast (private chat only: drafts are personal)."""
    if update.effective_user is None:
        return
    svc = services(context)
    await show(update, services(context), await compose.begin(svc, await person_id(update, svc)))


async def draft_input(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Typed input for a draft waiting for it; anything else passes on untouched."""
    message = update.effective_message
    user = update.effective_user
    if message is None or user is None:
        return
    svc = services(context)
    uid = await person_id(update, svc)
    step = await compose.step_of(svc.db, uid)
    if step is None:
        return
    text = message.text or ""
    if text.startswith("/"):  # /huy: the filter lets no other "/" text through
        answer = await compose.cancel(svc, uid)
        if answer is not None:
            await show(update, services(context), answer)
            raise ApplicationHandlerStop
        return
    if step not in compose.TYPED + compose.EDITING:
        return
    if not await compose.still_officer(svc, uid):  # demoted while composing: draft gone
        return
    answer = await _typed(message, svc, uid)
    if answer is None:
        return
    await show(update, services(context), answer)
    raise ApplicationHandlerStop


async def _typed(message: Message, svc: Services, user_id: int) -> Reply | None:
    draft = await compose.load(svc.db, user_id)
    if draft is not None and draft.step in compose.EDITING:  # a schedule's time or last day
        return await schedule_edit.on_text(svc, user_id, draft, message.text or "")
    file = incoming_file(message, images_only=False)
    if file is not None:
        return await compose.on_media(
            svc, user_id, file, message.caption or "", _entities(message.caption_entities)
        )
    if message.text:
        return await compose.on_text(
            svc,
            user_id,
            message.text,
            _entities(message.entities),
        )
    return None


@requires(Role.OFFICER, "broadcast.button", private_only=True)
async def compose_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A compose button (bc:…); the core re-checks it against the stored draft."""
    query = update.callback_query
    if query is None or query.data is None or update.effective_user is None:
        return
    svc = services(context)
    message = query.message
    where = (await local_chat_id(svc, message.chat), message.message_id) if message else (0, 0)
    uid = await person_id(update, svc)
    draft = await compose.load(svc.db, uid)
    if draft is not None and draft.step in compose.EDITING:  # "Đồng ý" to a quiet-hours time
        answer = await schedule_edit.on_button(svc, uid, draft, query.data.split(":")[1:])
    else:
        answer = await compose.on_button(svc, uid, query.data, where)
    await show(update, services(context), answer)


# ---------------------------------------------------------------- following a broadcast


def _status_list(items: list[delivery.Status], tz: ZoneInfo) -> Screen:
    lines = [
        texts.bc_status_line(
            s.id,
            s.created_at.astimezone(tz).strftime("%d/%m %H:%M"),
            s.title,
            s.sent,
            s.total,
            s.done,
            s.schedule_id is not None,
        )
        for s in items
    ]
    buttons = tuple((Button(texts.bc_btn_detail(s.id), f"st:{s.id}"),) for s in items)
    return Screen(texts.bc_status_list(lines), buttons)


@command("tinhtrang", "broadcast.status")
async def status_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/tinhtrang [số]: the recent broadcasts, or one broadcast's report."""
    svc = services(context)
    args = context.args or []
    if args:
        number = inputs.number(args[0].lstrip("#"))  # not "²", not past SQLite's 2**63
        status = await delivery.broadcast_status(svc.db, number) if number is not None else None
        if status is None:
            await say(update, svc, texts.bc_no_such(inputs.shown(args[0], 20)))
            return
        await say(update, svc, delivery.report_screen(status))
        return
    items = await delivery.recent_broadcasts(svc.db)
    if not items:
        await say(update, svc, texts.BC_NONE_YET)
        return
    await say(update, svc, _status_list(items, svc.config.ward.tz))


@requires(Role.OFFICER, "broadcast.status_button", private_only=True)
async def status_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """st:<id> shows a report; st:r:<id> sends the failed ones again."""
    query = update.callback_query
    if query is None or query.data is None:
        return
    svc = services(context)
    parts = query.data.split(":")
    number = inputs.number(parts[-1])  # "²" passes isdigit(), not int()
    if len(parts) == 2 and number is not None:
        status = await delivery.broadcast_status(svc.db, number)
        if status is None:
            await notify(update, svc, texts.BC_STALE)
            return
        await say(update, svc, delivery.report_screen(status))
        return
    if len(parts) == 3 and parts[1] == "r" and number is not None and query.message is not None:
        broadcast_id = number
        status = await delivery.broadcast_status(svc.db, broadcast_id)
        if status is None or not status.done or not status.failed:
            await notify(update, svc, texts.BC_NOTHING_TO_RETRY)
            return
        user_id = await person_id(update, svc)
        where = (await local_chat_id(svc, query.message.chat), query.message.message_id)
        count = await delivery.retry_failed(svc.db, broadcast_id, svc.clock.now(), where)
        await people.audit(
            svc.db,
            user_id,
            "broadcast.retry",
            svc.clock.now(),
            target=f"broadcast:{broadcast_id}",
            detail=str(count),
        )
        status = await delivery.broadcast_status(svc.db, broadcast_id)
        progress = delivery.progress_screen(status) if status is not None else Screen("")
        retrying = texts.bc_retrying(count)
        await show(
            update, svc, Reply(progress, replace=True, notice=retrying, enqueue=broadcast_id)
        )
        return
    await notify(update, svc, texts.BC_STALE)


# ---------------------------------------------------------------- residents' opt-out


async def _notifications(update: Update, context: ContextTypes.DEFAULT_TYPE, on: bool) -> None:
    if update.effective_message is None or update.effective_user is None:
        return
    svc = services(context)
    uid = await person_id(update, svc)
    private = is_private(update)
    await show(
        update, svc, await people_ui.notifications(svc.db, uid, on, private, svc.clock.now())
    )


async def notifications_off(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/tatthongbao: no more non-urgent pushes for this resident."""
    await _notifications(update, context, False)


async def notifications_on(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/batthongbao: non-urgent pushes again."""
    await _notifications(update, context, True)


async def private_membership(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A person blocked (kicked) or unblocked the bot: keep `people.reachable` in step, so an
    unblocked person gets broadcasts again and a blocked one is not even tried."""
    change = update.my_chat_member
    if change is None or change.chat.type != ChatType.PRIVATE:
        return
    status = change.new_chat_member.status
    reachable = status not in (ChatMember.BANNED, ChatMember.LEFT)
    svc = services(context)
    await people.set_reachable(
        svc.db, await local_chat_id(svc, change.chat), reachable, svc.clock.now()
    )


# ---------------------------------------------------------------- registration


def register(app: Application) -> None:
    """Broadcast commands and buttons (before the catch-alls); the draft's input is
    `draft_handler`, the block/unblock watcher `reach_handler` (see handlers/__init__.py)."""
    app.add_handler(CommandHandler("guitin", compose_command))
    app.add_handler(CommandHandler("tinhtrang", status_command))
    app.add_handler(CommandHandler("tatthongbao", notifications_off))
    app.add_handler(CommandHandler("batthongbao", notifications_on))
    app.add_handler(CallbackQueryHandler(compose_button, pattern=r"^bc:"))
    app.add_handler(CallbackQueryHandler(status_button, pattern=r"^st:"))


def draft_handler() -> MessageHandler:
    """A broadcast draft waiting for typed input: the first of the flows (handlers/__init__)."""
    private = filters.ChatType.PRIVATE
    # Only what a draft can take reaches the draft look-up (a database query): typed text,
    # /huy, photos and files. Not the menu buttons, and no other text starting with "/":
    # a command, or a mistyped one ("/trợgiúp"), is not a message for the ward, and the
    # draft keeps waiting.
    draft_input_filter = private & (
        (filters.TEXT & ~filters.Regex(r"^/") & ~filters.Text(sorted(_MENU_LABELS)))
        | filters.Regex(r"(?i)^/(huy|cancel)(@\w+)?(\s|$)")
        | filters.PHOTO
        | filters.Document.ALL
    )
    return MessageHandler(draft_input_filter, draft_input)


def reach_handler() -> ChatMemberHandler:
    """Blocked or unblocked by a person: after groups.bot_membership has seen the update."""
    return ChatMemberHandler(private_membership, ChatMemberHandler.MY_CHAT_MEMBER)
