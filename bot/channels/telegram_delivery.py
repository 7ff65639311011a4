"""python-telegram-bot glue for the outbox: one send, classified into an `Outcome`.

The outbox (`bot/delivery.py`) never sees an exception: it acts on the class of the answer,
the way RapidPro's courier does. The order of the `except` clauses matters: in PTB
`BadRequest` and `TimedOut` are both subclasses of `NetworkError`, so a bad request must be
caught before the generic network error, or a message Telegram refused for good would be
retried as if the network had failed.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import random
from collections.abc import Callable, Coroutine, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

from telegram import Bot, InlineKeyboardMarkup, InputFile, Message, ReplyKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.ext import BaseRateLimiter

from bot.addresses import TELEGRAM, Address, Kind, telegram
from bot.channels.telegram_numbered import TAKES
from bot.channels.telegram_render import html, inline_markup, screen_html
from bot.delivery import Delivery, Mode, Outcome, OutMessage, Result
from bot.media import Generated, Library, MediaRef
from bot.reply import Menu, Pressed, Reply
from bot.screens import Screen

log = logging.getLogger(__name__)

# Set while the outbox sender's own call is on its way (Mode.PACED, see SharedBudget).
_BROADCASTING: contextvars.ContextVar[bool] = contextvars.ContextVar("broadcasting", default=False)
_UNCOUNTED = frozenset({"sendChatAction", "getUpdates"})
# Set by senders that act on every failure themselves (Mode.ONCE, Mode.PACED): one attempt.
_SINGLE_ATTEMPT: contextvars.ContextVar[bool] = contextvars.ContextVar("single", default=False)
# What a person sees as the bot's answer: retried (see SharedBudget._until_answered).
_RETRIED = ("send", "edit", "answerCallbackQuery", "copyMessage", "forwardMessage")
REPLY_BACKOFF = 0.5  # seconds before the second try after a 5xx or a timeout; doubles
REPLY_BACKOFF_CAP = 8.0

# 400 answers that mean the address no longer exists (as good as a 403).
_GONE_400 = ("chat not found", "user not found", "peer_id_invalid", "chat_write_forbidden")


def retry_seconds(exc: RetryAfter) -> float:
    """RetryAfter.retry_after is an int or a timedelta depending on PTB's settings (22.2+)."""
    value = getattr(exc, "_retry_after", None)
    if value is None:
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def classify(exc: TelegramError) -> Result:
    """The outcome class of one failed Bot API call."""
    if isinstance(exc, RetryAfter):
        return Result(Outcome.THROTTLED, retry_after=retry_seconds(exc), description=exc.message)
    if isinstance(exc, ChatMigrated):
        return Result(
            Outcome.MIGRATED,
            moved_to=telegram(exc.new_chat_id, Kind.GROUP),
            description=exc.message,
        )
    if isinstance(exc, Forbidden):
        return Result(Outcome.GONE, description=exc.message)
    if isinstance(exc, BadRequest):  # before NetworkError: BadRequest is one of them
        text = exc.message.lower()
        if any(marker in text for marker in _GONE_400):
            return Result(Outcome.GONE, description=exc.message)
        return Result(Outcome.PERMANENT, description=exc.message)
    if isinstance(exc, TimedOut | NetworkError):  # may or may not have arrived: try again
        return Result(Outcome.TEMPORARY, description=exc.message)
    return Result(Outcome.PERMANENT, description=exc.message)


class TelegramChannel:
    """`bot.delivery.Channel` over a PTB `Bot`: every message the bot sends leaves through
    `send` (HTML parse mode, whatever the Bot's Defaults)."""

    def __init__(self, bot: Bot, library: Library, *, edits: bool = True) -> None:
        self.bot = bot
        self.library = library  # where the files the core names are (bot/media.py)
        # False where shown messages cannot be replaced ([telegram] buttons = false, as on
        # Zalo): a broadcast's progress card is not edited, its final report still comes.
        self.edits = edits

    async def send(
        self,
        address: Address,
        reply: Reply,
        *,
        pressed: Pressed | None = None,
        menu: Menu = (),
        mode: Mode = Mode.REPLY,
    ) -> Result:
        """The press's notice, then the screen (a file's caption; in place of the pressed
        message where it can be edited; else a new message with its options or `menu`),
        then what follows it. Every failure comes back classified; how often a call is tried
        depends on `mode` (see `SharedBudget`)."""
        chat_id = _chat(address)
        with _mode(mode):
            if pressed is not None and pressed.press_id:
                await self._answer_press(pressed, reply)
            sent: int | None = None
            try:
                if reply.screen.has_text or reply.photo:
                    sent = await self._screen(chat_id, reply, pressed, menu, mode)
                for item in reply.more:
                    if isinstance(item, OutMessage):  # a preview: exactly as recipients get it
                        await self._message(chat_id, item)
                    else:
                        await self._text(chat_id, item)
            except TelegramError as exc:
                return classify(exc)
        return Result(Outcome.SENT, message_id=sent)

    async def _answer_press(self, pressed: Pressed, reply: Reply) -> None:
        try:
            await self.bot.answer_callback_query(
                pressed.press_id, reply.notice or None, show_alert=reply.alert
            )
        except BadRequest:  # a replayed press: the query expired meanwhile
            pass
        except TelegramError as exc:  # only the notice is lost; the screen matters more
            log.info("could not answer a button press: %s", exc)

    async def _screen(
        self, chat_id: int, reply: Reply, pressed: Pressed | None, menu: Menu, mode: Mode
    ) -> int:
        takes = TAKES.set(reply.screen.takes)  # for the numbered renderer, buttons = false
        try:
            return await self._shown(chat_id, reply, pressed, menu, mode)
        finally:
            TAKES.reset(takes)

    async def _shown(
        self, chat_id: int, reply: Reply, pressed: Pressed | None, menu: Menu, mode: Mode
    ) -> int:
        screen = reply.screen
        markup = inline_markup(screen)
        if reply.photo:
            photo = await self._send_file(chat_id, reply.photo, screen_html(screen), markup)
            return photo.message_id
        if reply.replace and pressed is not None and pressed.message_id is not None:
            if await self._replace(chat_id, pressed, screen, markup):
                return pressed.message_id
            if mode is not Mode.REPLY:  # a card edited on its own: the caller decides
                raise BadRequest(f"message {pressed.message_id} can no longer be edited")
        keyboard: InlineKeyboardMarkup | ReplyKeyboardMarkup | None = markup
        if keyboard is None and menu:
            keyboard = ReplyKeyboardMarkup(menu, resize_keyboard=True, is_persistent=True)
        message = await self.bot.send_message(
            chat_id, screen_html(screen), parse_mode=ParseMode.HTML, reply_markup=keyboard
        )
        return message.message_id

    async def _text(self, chat_id: int, screen: Screen) -> Message:
        return await self.bot.send_message(
            chat_id,
            screen_html(screen),
            parse_mode=ParseMode.HTML,
            reply_markup=inline_markup(screen),
        )

    async def _replace(
        self,
        chat_id: int,
        pressed: Pressed,
        screen: Screen,
        markup: InlineKeyboardMarkup | None,
    ) -> bool:
        """Edit the pressed message in place (its caption under a photo or a file); False
        when it cannot be edited any more (too old, deleted)."""
        try:
            if pressed.media:
                await self.bot.edit_message_caption(
                    chat_id=chat_id,
                    message_id=pressed.message_id,
                    caption=screen_html(screen),
                    parse_mode=ParseMode.HTML,
                    reply_markup=markup,
                )
            else:
                await self.bot.edit_message_text(
                    screen_html(screen),
                    chat_id=chat_id,
                    message_id=pressed.message_id,
                    parse_mode=ParseMode.HTML,
                    reply_markup=markup,
                )
        except BadRequest as exc:
            if "not modified" in str(exc).lower():  # the same screen again: it is shown
                return True
            log.info("could not edit message %s: %s", pressed.message_id, exc)
            return False
        return True

    async def _message(self, chat_id: int, message: OutMessage) -> Message:
        """A broadcast's message as recipients get it."""
        body = html(message.text)
        if message.media is not None:
            return await self._send_file(chat_id, message.media, body)
        return await self.bot.send_message(chat_id, body, parse_mode=ParseMode.HTML)

    async def _send_file(
        self,
        chat_id: int,
        ref: MediaRef | Generated,
        caption: str,
        markup: InlineKeyboardMarkup | None = None,
    ) -> Message:
        """A photo or document with an HTML caption: by Telegram's own file id when the file
        came through Telegram, else uploaded from the downloaded copy (or as it was made)."""
        file: str | Path | InputFile
        found = None if isinstance(ref, Generated) else await self.library.locate(ref)
        if isinstance(ref, Generated):
            file = InputFile(ref.data, filename=ref.filename)
        elif found is not None and found.channel == TELEGRAM:
            file = found.source
        elif found is not None and found.path is not None:
            file = found.path
        else:  # erased, or from another channel and not downloaded yet
            raise BadRequest(f"file {ref} is not available to send")
        send = self.bot.send_photo if ref.kind == "photo" else self.bot.send_document
        return await send(
            chat_id, file, caption=caption or None, parse_mode=ParseMode.HTML, reply_markup=markup
        )


def _chat(address: Address) -> int:
    """The Telegram chat id of an address of this channel."""
    if address.channel != TELEGRAM:
        raise ValueError(f"not a Telegram address: {address}")
    return int(address.external_id)


@contextlib.contextmanager
def _mode(mode: Mode) -> Iterator[None]:
    """How the calls made inside are tried: see `Mode` and `SharedBudget`."""
    paced = _BROADCASTING.set(mode is Mode.PACED)
    once = _SINGLE_ATTEMPT.set(mode is not Mode.REPLY)
    try:
        yield
    finally:
        _SINGLE_ATTEMPT.reset(once)
        _BROADCASTING.reset(paced)


class SharedBudget(BaseRateLimiter[None]):
    """Tells the outbox sender about every other message the bot sends, never delaying it.

    Telegram's 30 messages a second are for the whole bot. Replies to people chatting with
    the bot go out at once (a person is waiting) and the broadcast leaves them room: each
    reply is entered in the sender's `Pacer` (overall, for the chat and for the group), and
    waits only if the overall window is full, until its oldest send ages out (hundredths of
    a second), so broadcast plus replies stay under the limit. If a reply meets a 429
    anyway, broadcasts pause for retry_after and the reply is tried again after it; 5xx
    answers and timeouts are tried again with backoff, all within `[delivery]
    reply_retry_seconds` (a person who just pressed a button must see the next screen, and
    the step is already applied). PTB's AIORateLimiter does the opposite: replies queue
    behind the broadcast, one 429 stops every request, and nothing is retried."""

    def __init__(self, delivery: Delivery, retry_for: float = 60.0) -> None:
        self.delivery = delivery
        self.retry_for = retry_for

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        if _BROADCASTING.get():  # the outbox paces itself and handles its own 429s
            return await callback(*args, **kwargs)
        message = endpoint.startswith("send") or endpoint in ("copyMessage", "forwardMessage")
        chat_id: int | None = None  # None: not a message, not counted
        if message and endpoint not in _UNCOUNTED:
            try:
                chat_id = int(data.get("chat_id", 0))
            except (TypeError, ValueError):  # "@channelname": counts overall only
                chat_id = 0
        if _SINGLE_ATTEMPT.get() or not endpoint.startswith(_RETRIED):
            return await self._once(callback, args, kwargs, chat_id, endpoint)
        return await self._until_answered(callback, args, kwargs, chat_id, endpoint)

    async def _once(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        chat_id: int | None,
        endpoint: str,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        try:
            return await self._send(callback, args, kwargs, chat_id)
        except RetryAfter as exc:
            self.delivery.pause_for(retry_seconds(exc))  # the caller decides about retrying
            log.info("429 on %s (single attempt)", endpoint)
            raise

    async def _until_answered(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        chat_id: int | None,
        endpoint: str,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        """A reply a person is waiting for: try again while Telegram asks us to wait (as long
        as it asks: broadcasts pause as long too), or answers 5xx or not at all (backing
        off), until `reply_retry_seconds` have passed; then the last error is raised. A
        timed-out send may have arrived, so a retry risks a duplicate rather than a loss."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.retry_for
        failures = 0
        while True:
            error: TelegramError
            try:
                return await self._send(callback, args, kwargs, chat_id)
            except RetryAfter as exc:
                error, wait = exc, retry_seconds(exc)
                self.delivery.pause_for(wait)
                wait += 0.05
            except BadRequest:
                raise  # Telegram refused this request for good: trying again cannot help
            except NetworkError as exc:  # 5xx, a timeout, a dropped connection
                error = exc
                wait = min(REPLY_BACKOFF_CAP, REPLY_BACKOFF * 2**failures)
                wait *= random.uniform(0.8, 1.2)  # callers that failed together spread out
            failures += 1
            if loop.time() + wait > deadline:
                log.warning("%s failed %d times; giving up on this reply", endpoint, failures)
                raise error
            log.info("%s failed (%d); trying again in %.1f s", endpoint, failures, wait)
            await asyncio.sleep(wait)

    async def _send(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        chat_id: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        """One call; counted in the overall window (from its start to its answer) unless
        `chat_id` is None."""
        if chat_id is None:
            return await callback(*args, **kwargs)
        send = await self.delivery.other_send(chat_id)
        try:
            return await callback(*args, **kwargs)
        finally:
            self.delivery.other_answered(send)
