"""The one error handler: details and the update id to the log, one kind sentence to the chat."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import Forbidden
from telegram.ext import ContextTypes

from bot import texts
from bot.addresses import Kind, carried, telegram
from bot.delivery import Mode, Outcome
from bot.reply import Pressed, Reply
from bot.screens import Screen
from bot.services import BOT_DATA_KEY, Services

log = logging.getLogger(__name__)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the failure; tell the person once, in Vietnamese, without any technical detail."""
    update_id = update.update_id if isinstance(update, Update) else None
    log.error("error while handling update %s", update_id, exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    if isinstance(context.error, Forbidden):
        return  # the person blocked the bot: nobody is listening
    svc = context.bot_data.get(BOT_DATA_KEY)
    channel = svc.channel if isinstance(svc, Services) else None
    if channel is None:
        return
    query = update.callback_query
    if query is not None:  # the press's alert says it; the screen stays as it was
        reply, pressed = Reply(notice=texts.ERROR_GENERIC, alert=True), Pressed(query.id)
    else:
        reply, pressed = Reply(Screen(texts.ERROR_GENERIC)), None
    chat = update.effective_chat
    kind = Kind.PERSON if chat.type == "private" else Kind.GROUP
    address = carried(chat, kind) or telegram(chat.id, kind)
    try:
        # Once: if Telegram is what failed, the apology would fail too.
        result = await channel.send(address, reply, pressed=pressed, mode=Mode.ONCE)
    except Exception:  # the apology itself failed (shutting down): the log already has it
        log.warning("could not tell chat about error in update %s", update_id)
        return
    if result.outcome is not Outcome.SENT:
        log.warning("could not tell chat about error in update %s: %s", update_id, result)
