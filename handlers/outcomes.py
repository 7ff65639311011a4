"""Showing the core's `Reply` in Telegram: answer the button, edit or send, send what
follows, ring the notice bell, start a broadcast. The one way flows' replies reach a chat.
"""

from __future__ import annotations

import logging

from telegram import InlineKeyboardMarkup, Message, ReplyKeyboardMarkup, Update
from telegram.error import BadRequest, NetworkError, RetryAfter, TelegramError

from bot import notices
from bot.channels.telegram_render import inline_markup  # the one renderer handlers use
from bot.delivery import OutMessage
from bot.inbox import EVENT
from bot.reply import Reply
from bot.screens import Screen
from bot.services import Services
from handlers.common import local_chat_id, menu_for, person_id

log = logging.getLogger(__name__)


async def show(update: Update, svc: Services, reply: Reply) -> None:
    """Answer the button, then edit it or send anew, as the core answered; then what follows
    the screen (a broadcast's preview goes out exactly as recipients get it), and a
    broadcast starts last, once the card says it is sending.

    Each call already tries again through 429s and 5xx for `[delivery] reply_retry_seconds`
    (SharedBudget). If Telegram still refuses, the screen is owed as a notice and sent as
    soon as Telegram takes messages again: the step is applied, so the person must see it."""
    query = update.callback_query
    chat = update.effective_chat
    if query is not None:
        try:
            await query.answer(reply.notice or None, show_alert=reply.alert)
        except BadRequest:  # a replayed press: the query expired meanwhile
            pass
        except TelegramError as exc:  # only the toast is lost; the screen matters more
            log.info("could not answer a button press: %s", exc)
    if chat is None:
        return
    if reply.screen.html:  # (empty: an answer emptied once its update was done, or a notice)
        try:
            await _put_on_screen(update, svc, reply, chat.id)
        except BadRequest:
            raise
        except (RetryAfter, NetworkError) as exc:
            if update.effective_user is None:
                raise
            log.warning("reply to chat %s owed as a notice: %s", chat.id, exc)
            await notices.owe_screen(
                svc.db,
                await local_chat_id(svc, chat),
                await person_id(update, svc),
                event(update),
                reply.screen,
                reply.photo,
                svc.clock.now(),
            )
            svc.bell.ring()
            return
    for item in reply.more:
        if isinstance(item, OutMessage):
            await svc.delivery.preview(await local_chat_id(svc, chat), item)
        else:
            await update.get_bot().send_message(
                chat.id, item.html, reply_markup=inline_markup(item)
            )
    if reply.wake:
        svc.bell.ring()
    if reply.enqueue is not None:
        await svc.delivery.enqueue(reply.enqueue)


async def _put_on_screen(update: Update, svc: Services, reply: Reply, chat_id: int) -> None:
    bot = update.get_bot()
    query = update.callback_query
    screen = reply.screen
    markup = inline_markup(screen)
    if reply.photo:
        await bot.send_photo(chat_id, reply.photo, caption=screen.html, reply_markup=markup)
    elif query is not None and reply.replace and isinstance(query.message, Message):
        if not await _edit(query.message, screen, markup):
            await bot.send_message(chat_id, screen.html, reply_markup=markup)
    else:
        reply_markup: InlineKeyboardMarkup | ReplyKeyboardMarkup | None = markup
        if reply_markup is None and reply.menu and update.effective_user is not None:
            reply_markup = await menu_for(svc, await person_id(update, svc))
        await bot.send_message(chat_id, screen.html, reply_markup=reply_markup)


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


async def say(update: Update, svc: Services, screen: Screen | str, *, menu: bool = False) -> None:
    """Answer with a new message (a plain text is a screen without options); `menu` shows
    the person's main menu keyboard with it."""
    shown = screen if isinstance(screen, Screen) else Screen(screen)
    await show(update, svc, Reply(shown, menu=menu))


async def replace_with(update: Update, svc: Services, screen: Screen) -> None:
    """Replace the message a button was pressed on (a new message where that fails)."""
    await show(update, svc, Reply(screen, replace=True))


async def notify(update: Update, svc: Services, text: str) -> None:
    """Answer a button press with a dialog only: the screen stays as it is."""
    await show(update, svc, Reply(notice=text, alert=True))


def event(update: Update) -> int:
    """The number the core guards a step with: the update's place in the inbox (increasing
    in order of arrival, whatever the channel). Without the durable inbox (the benchmarks'
    "ordered" and "sequential" modes) Telegram's own id, which also increases."""
    seq = EVENT.get()
    return update.update_id if seq is None else seq
