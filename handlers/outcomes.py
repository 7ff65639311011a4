"""Showing the core's `Outcome` in Telegram: answer the button, edit or send, wake the
notice sender. Shared by the report and tip handlers.
"""

from __future__ import annotations

import contextlib
import logging

from telegram import Message, Update
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from bot.flows import Outcome
from bot.screens import Screen
from bot.services import services
from handlers.common import inline_markup, menu_for
from handlers.notices import wake

log = logging.getLogger(__name__)


async def show(update: Update, context: ContextTypes.DEFAULT_TYPE, outcome: Outcome) -> None:
    """Answer the button, then edit it or send anew, as the core answered."""
    query = update.callback_query
    chat = update.effective_chat
    if query is not None:
        with contextlib.suppress(BadRequest):  # a replayed press: the query expired meanwhile
            await query.answer(outcome.toast or None, show_alert=outcome.alert)
    if chat is None:
        return
    screen = outcome.screen
    markup = inline_markup(screen)
    if outcome.photo:
        await context.bot.send_photo(
            chat.id, outcome.photo, caption=screen.html, reply_markup=markup
        )
    elif query is not None and outcome.edit and isinstance(query.message, Message):
        if not await _edit(query.message, screen, markup):
            await context.bot.send_message(chat.id, screen.html, reply_markup=markup)
    else:
        reply_markup = markup
        if reply_markup is None and outcome.menu and update.effective_user is not None:
            reply_markup = await menu_for(services(context), update.effective_user.id)
        await context.bot.send_message(chat.id, screen.html, reply_markup=reply_markup)
    if outcome.wake:
        wake(context)


async def _edit(message: Message, screen: Screen, markup: object) -> bool:
    """Edit a message in place (its caption for a photo); False if it cannot be edited."""
    html = screen.html
    try:
        if message.photo or message.document:
            await message.edit_caption(html, reply_markup=markup)  # type: ignore[arg-type]
        else:
            await message.edit_text(html, reply_markup=markup)  # type: ignore[arg-type]
    except BadRequest as exc:
        if "not modified" in str(exc).lower():
            return True
        log.info("could not edit message %s: %s", message.message_id, exc)
        return False
    return True


def event(update: Update) -> int:
    """The id the core guards a step with: the update's own id."""
    return update.update_id
