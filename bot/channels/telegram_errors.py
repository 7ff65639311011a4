"""The one error handler: details and the update id to the log, one kind sentence to the chat."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import Forbidden
from telegram.ext import ContextTypes

from bot import texts
from bot.channels.telegram_delivery import single_attempt

log = logging.getLogger(__name__)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the failure; tell the person once, in Vietnamese, without any technical detail."""
    update_id = update.update_id if isinstance(update, Update) else None
    log.error("error while handling update %s", update_id, exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    if isinstance(context.error, Forbidden):
        return  # the person blocked the bot: nobody is listening
    try:
        with single_attempt():  # if Telegram is what failed, the apology would fail too
            if update.callback_query is not None:
                await update.callback_query.answer(texts.ERROR_GENERIC, show_alert=True)
            else:
                await context.bot.send_message(update.effective_chat.id, texts.ERROR_GENERIC)
    except Exception:  # the apology itself failed (network down): the log already has it
        log.warning("could not tell chat about error in update %s", update_id)
