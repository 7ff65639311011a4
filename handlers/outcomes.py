"""Showing the core's `Outcome` in Telegram: answer the button, edit or send, ring the
notice bell. Shared by the report and tip handlers.
"""

from __future__ import annotations

import logging

from telegram import InlineKeyboardMarkup, Message, ReplyKeyboardMarkup, Update
from telegram.error import BadRequest, NetworkError, RetryAfter, TelegramError
from telegram.ext import ContextTypes

from bot import notices
from bot.flows import Outcome
from bot.inbox import EVENT
from bot.screens import Screen
from bot.services import services
from handlers.common import inline_markup, local_chat_id, menu_for, person_id

log = logging.getLogger(__name__)


async def show(update: Update, context: ContextTypes.DEFAULT_TYPE, outcome: Outcome) -> None:
    """Answer the button, then edit it or send anew, as the core answered.

    Each call already tries again through 429s and 5xx for `[delivery] reply_retry_seconds`
    (SharedBudget). If Telegram still refuses, the screen is owed as a notice and sent as
    soon as Telegram takes messages again: the step is applied, so the person must see it."""
    query = update.callback_query
    chat = update.effective_chat
    if query is not None:
        try:
            await query.answer(outcome.toast or None, show_alert=outcome.alert)
        except BadRequest:  # a replayed press: the query expired meanwhile
            pass
        except TelegramError as exc:  # only the toast is lost; the screen matters more
            log.info("could not answer a button press: %s", exc)
    if chat is None or not outcome.screen.html:  # an emptied answer: nothing to show again
        return
    try:
        await _put_on_screen(update, context, outcome, chat.id)
    except BadRequest:
        raise
    except (RetryAfter, NetworkError) as exc:
        if update.effective_user is None:
            raise
        svc = services(context)
        log.warning("reply to chat %s owed as a notice: %s", chat.id, exc)
        await notices.owe_screen(
            svc.db,
            await local_chat_id(svc, chat),
            await person_id(update, svc),
            event(update),
            outcome.screen,
            outcome.photo,
            svc.clock.now(),
        )
        svc.bell.ring()
        return
    if outcome.wake:
        services(context).bell.ring()


async def _put_on_screen(
    update: Update, context: ContextTypes.DEFAULT_TYPE, outcome: Outcome, chat_id: int
) -> None:
    query = update.callback_query
    screen = outcome.screen
    markup = inline_markup(screen)
    if outcome.photo:
        await context.bot.send_photo(
            chat_id, outcome.photo, caption=screen.html, reply_markup=markup
        )
    elif query is not None and outcome.edit and isinstance(query.message, Message):
        if not await _edit(query.message, screen, markup):
            await context.bot.send_message(chat_id, screen.html, reply_markup=markup)
    else:
        reply_markup: InlineKeyboardMarkup | ReplyKeyboardMarkup | None = markup
        if reply_markup is None and outcome.menu and update.effective_user is not None:
            svc = services(context)
            reply_markup = await menu_for(svc, await person_id(update, svc))
        await context.bot.send_message(chat_id, screen.html, reply_markup=reply_markup)


async def _edit(message: Message, screen: Screen, markup: InlineKeyboardMarkup | None) -> bool:
    """Edit a message in place (its caption for a photo); False if it cannot be edited."""
    html = screen.html
    try:
        if message.photo or message.document:
            await message.edit_caption(html, reply_markup=markup)
        else:
            await message.edit_text(html, reply_markup=markup)
    except BadRequest as exc:
        if "not modified" in str(exc).lower():
            return True
        log.info("could not edit message %s: %s", message.message_id, exc)
        return False
    return True


def event(update: Update) -> int:
    """The number the core guards a step with: the update's place in the inbox (increasing
    in order of arrival, whatever the channel). Without the durable inbox (the benchmarks'
    "ordered" and "sequential" modes) Telegram's own id, which also increases."""
    seq = EVENT.get()
    return update.update_id if seq is None else seq
