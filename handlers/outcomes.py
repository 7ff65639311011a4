"""Showing the core's `Reply` to the person who wrote or pressed: through the channel's one
reply path, with a refused screen owed as a notice; then the bell and the broadcast to start.
The one way handlers answer (tests/test_layout_rules.py).
"""

from __future__ import annotations

import logging

from telegram import Message, Update

from bot import notices
from bot.delivery import Outcome
from bot.inbox import EVENT
from bot.media import MediaRef
from bot.reply import Menu, Pressed, Reply
from bot.rich import Rich
from bot.screens import Screen
from bot.services import Services
from handlers.common import chat_address, local_chat_id, menu_for, person_id

log = logging.getLogger(__name__)


async def show(update: Update, svc: Services, reply: Reply, *, answer: bool = True) -> None:
    """Hand the reply to the channel (bot/channels/telegram_delivery.py: answer the press,
    then edit or send, then what follows), then ring the bell and start a broadcast, last,
    once the card says it is sending.

    The channel already tries again through 429s and 5xx for `[delivery]
    reply_retry_seconds` (SharedBudget). If Telegram still refuses for a while, the screen is
    owed as a notice and sent as soon as Telegram takes messages again: the step is applied,
    so the person must see it. A refusal that waiting cannot mend goes to the error handler,
    which logs it and tells the person in one kind sentence.

    `answer=False`: a second message for the same press, which was answered already."""
    chat = update.effective_chat
    if chat is None:
        return
    query = update.callback_query
    pressed = None
    if query is not None and answer:
        message = query.message if isinstance(query.message, Message) else None
        pressed = Pressed(
            query.id,
            message.message_id if message is not None else None,
            bool(message is not None and (message.photo or message.document)),
        )
    menu: Menu = ()
    if reply.menu and not reply.screen.buttons and update.effective_user is not None:
        menu = await menu_for(svc, await person_id(update, svc))
    assert svc.channel is not None, "the wiring sets the channel when it builds the bot"
    result = await svc.channel.send(chat_address(chat), reply, pressed=pressed, menu=menu)
    if result.outcome in (Outcome.THROTTLED, Outcome.TEMPORARY):
        if update.effective_user is None or not reply.screen.has_text:
            log.warning("reply to chat %s lost: %s", chat.id, result.description)
            return
        log.warning("reply to chat %s owed as a notice: %s", chat.id, result.description)
        await notices.owe_screen(
            svc.db,
            await local_chat_id(svc, chat),
            await person_id(update, svc),
            event(update),
            reply.screen,
            reply.photo if isinstance(reply.photo, MediaRef) else None,  # a made file: not kept
            svc.clock.now(),
        )
        svc.bell.ring()
        return
    if result.outcome == Outcome.GONE:  # blocked or left meanwhile: nobody is listening
        log.info("reply to chat %s not delivered: %s", chat.id, result.description)
        return
    if result.outcome != Outcome.SENT:
        raise ReplyRefused(result.description)
    if reply.wake:
        svc.bell.ring()
    if reply.enqueue is not None:
        await svc.delivery.enqueue(reply.enqueue)


class ReplyRefused(Exception):
    """Telegram refused a reply for good (a bad request): for the error handler."""


async def say(
    update: Update, svc: Services, screen: Screen | Rich | str, *, menu: bool = False
) -> None:
    """Answer with a new message (a text alone is a screen without options); `menu` shows
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
