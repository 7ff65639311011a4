"""The Zalo channel's one send: a `Reply` as plain numbered text, classified into an `Outcome`.

Zalo shows no buttons, no formatting and no edits (bot/numbered.py renders every screen for
that: text within 2,000 characters, split at paragraph boundaries, options as "1. …" lines
remembered per address so that a reply "2" is the same press as a tap on Telegram). A toast
becomes a line of text; a card that Telegram would edit in place (a broadcast's progress, a
review card closed by another officer) is simply not shown again. Photos go by URL: with
`[web] public_url` unset there is none, and the caption goes as text saying so.

Errors are classified like Telegram's: 429 throttled, 5xx, Zalo's own 403 ("internal server
error") and a failed connection temporary, "chat not found" gone, other 4xx permanent. A
reply is tried again through throttling and temporary failures for `[delivery]
reply_retry_seconds`; the outbox's paced sends (Mode.PACED) are held to `[zalo] per_second`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence

from bot import numbered, texts
from bot.addresses import ZALO, Address
from bot.channels.zalo_api import ZaloApi, ZaloError
from bot.channels.zalo_media_web import url_of
from bot.clock import Clock
from bot.db import Database
from bot.delivery import Mode, Outcome, OutMessage, Result
from bot.media import Generated, Library, MediaRef
from bot.numbered import NUMBERED, TEXT_TOKEN, Option
from bot.reply import Menu, Pressed, Reply
from bot.screens import Button, Screen

log = logging.getLogger(__name__)

_PHOTO = "\x00photo:"  # in the list of what to send: a photo by this URL, not a text
_GONE = ("chat not found", "user not found", "blocked", "not a follower")
THROTTLE_WAIT = 1.0  # seconds to wait after a 429: Zalo says no more than that it happened


def classify(error: ZaloError) -> Result:
    description = error.description or str(error)
    if error.code == 429:
        return Result(Outcome.THROTTLED, retry_after=error.retry_after or THROTTLE_WAIT,
                      description=description)  # fmt: skip
    if error.code == 0 or error.code >= 500 or error.code in (403, 408):
        return Result(Outcome.TEMPORARY, description=description)
    if any(word in description.lower() for word in _GONE):
        return Result(Outcome.GONE, description=description)
    return Result(Outcome.PERMANENT, description=description)


class Pace:
    """At most `per_second` sends a second, spaced evenly (the outbox's Zalo sends)."""

    def __init__(self, per_second: float) -> None:
        self.interval = 1.0 / per_second
        self._next = 0.0
        self._lock = asyncio.Lock()

    async def wait(self) -> None:
        async with self._lock:
            now = time.monotonic()
            if self._next > now:
                await asyncio.sleep(self._next - now)
            self._next = max(now, self._next) + self.interval


class ZaloChannel:
    """`bot.delivery.Channel` for Zalo addresses."""

    edits = False

    def __init__(
        self,
        api: ZaloApi,
        library: Library,
        db: Database,
        clock: Clock,
        *,
        per_second: float,
        retry_for: float = 60.0,
        public_url: str = "",
        media_key: bytes = b"",
        telegram_too: bool = True,
    ) -> None:
        self.api = api
        self.library = library
        self.db = db
        self.clock = clock
        self.pace = Pace(per_second)
        self.retry_for = retry_for
        self.public_url = public_url.rstrip("/")
        self.media_key = media_key
        self.telegram_too = telegram_too  # whether a photo Zalo misses can be seen there

    async def send(
        self,
        address: Address,
        reply: Reply,
        *,
        pressed: Pressed | None = None,
        menu: Menu = (),
        mode: Mode = Mode.REPLY,
    ) -> Result:
        if address.channel != ZALO:
            raise ValueError(f"not a Zalo address: {address}")
        if mode is not Mode.REPLY and reply.replace and pressed is not None:
            return Result(Outcome.SENT)  # a card edited in place elsewhere: nothing to redo
        chat = address.external_id
        texts_out: list[str] = []
        if pressed is not None and reply.notice:
            texts_out.append(reply.notice)  # what a toast says, as a line of text
        options: tuple[Option, ...] = ()
        screen = reply.screen
        shown_last: Screen | None = None  # the last screen shown: its options are the menu
        if reply.photo is not None:
            texts_out.append(await self._photo(reply.photo))
        if screen.has_text or screen.buttons:
            shown = numbered.render(_with_menu(screen, menu), NUMBERED)
            texts_out += shown.messages
            options, shown_last = shown.options, screen
        for item in reply.more:
            if isinstance(item, OutMessage) and item.media is not None:
                texts_out.append(await self._photo(item.media))
            more = item.as_reply().screen if isinstance(item, OutMessage) else item
            if more.has_text or more.buttons:
                rendered = numbered.render(more, NUMBERED)
                texts_out += rendered.messages
                if not isinstance(item, OutMessage):  # a screen after it (a preview's card)
                    options, shown_last = rendered.options, more
        result = Result(Outcome.SENT)
        for text in texts_out:
            if text.startswith(_PHOTO):
                result = await self._send(chat, mode, photo=text[len(_PHOTO) :])
            else:
                result = await self._send(chat, mode, text=text)
            if result.outcome is not Outcome.SENT:
                return result
        if shown_last is not None:
            now = self.clock.now()
            await numbered.remember(self.db, str(address), options, now, shown_last.takes)
        return result

    async def _photo(self, photo: MediaRef | Generated) -> str:
        """A photo by the URL the bot's web app serves it at; without `[web] public_url`
        (or a copy on disk) there is none to give, and a line says so instead. A picture the
        bot draws (an invite's QR) has no URL: its text (the code to type) stands for it."""
        if isinstance(photo, Generated):
            return texts.ZALO_QR_NOT_SENT
        if self.public_url and self.media_key:
            found = await self.library.locate(photo)
            if found is not None and found.path is not None and found.path.is_file():
                return _PHOTO + url_of(self.public_url, photo, self.media_key)
        return texts.ZALO_PHOTO_NOT_SENT if self.telegram_too else texts.ZALO_PHOTO_NOT_SENT_ALONE

    async def _send(self, chat: str, mode: Mode, *, text: str = "", photo: str = "") -> Result:
        deadline = time.monotonic() + (self.retry_for if mode is Mode.REPLY else 0.0)
        while True:
            if mode is Mode.PACED:
                await self.pace.wait()
            try:
                if photo:
                    await self.api.send_photo(chat, photo)
                else:
                    await self.api.send_message(chat, text)
                return Result(Outcome.SENT)
            except ZaloError as exc:
                result = classify(exc)
            retry = result.outcome in (Outcome.THROTTLED, Outcome.TEMPORARY)
            if not retry or time.monotonic() >= deadline:
                if result.outcome is not Outcome.SENT:
                    log.info("Zalo send to a chat failed: %s", result.description)
                return result
            await asyncio.sleep(min(max(result.retry_after, 0.5), 5.0))


def _with_menu(screen: Screen, menu: Menu) -> Screen:
    """A screen without options shows the main menu's keys as its options (picking one is
    typing its label), as Telegram shows them under the text box."""
    if screen.buttons or not menu:
        return screen
    labels: Sequence[str] = [label for row in menu for label in row]
    buttons = tuple((Button(label, TEXT_TOKEN + label[:50]),) for label in labels)
    return Screen(screen.text, buttons, screen.takes)
