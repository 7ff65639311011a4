"""Sending what the core queued in `notices`, through whichever channel the bot runs on.

One task per application: each round it takes the oldest due notice of each chat, at most
`[delivery] per_chat_per_second` per chat and `global_per_second` in all, renders it from the
current state of the database, sends it with the channel's `send_screen` and acts on the
classified `Result`, the same classes the broadcast outbox acts on: THROTTLED pauses every
notice for `retry_after`; GONE (blocked, deleted, chat not found) and MIGRATED give the notice
up for good; PERMANENT (refused as it is) gives it up and logs it; TEMPORARY (a timeout: it
may or may not have arrived) tries again later, sooner and for longer when a person is waiting
for it (an owed screen). Between rounds it waits for the notice bell or a second.

It knows no channel: the Telegram calls and the classification of their errors are in
`bot/channels/telegram_delivery.py`, as for broadcasts.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

from bot import notices
from bot.delivery import Channel, Mode, Outcome
from bot.notices import RenderContext
from bot.reply import Pressed, Reply
from bot.services import Services

log = logging.getLogger(__name__)
OWED_SCREEN_ATTEMPTS = 40  # 2 s, 4 s, … then every 5 minutes: about three hours in all
MEDIA_EVERY = 30.0  # seconds between looks for photos still to download


class NoticeSender:
    """The paced sender of `notices` rows (and the trigger of photo downloads)."""

    def __init__(
        self,
        svc: Services,
        channel: Channel,
        alive: Callable[[], bool],
        download: Callable[[], Coroutine[Any, Any, int]] | None = None,
    ) -> None:
        self.svc = svc
        self.channel = channel
        self.alive = alive  # False once the application stops: the loop ends
        self.download = download
        self._next_for_chat: dict[int, float] = {}
        self._paused_until = 0.0
        self._task: asyncio.Task[None] | None = None
        self._downloads: set[asyncio.Task[int]] = set()

    def wake(self) -> None:
        self.svc.bell.ring()

    def start(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self.run(), name="notices")

    async def stop(self) -> None:
        """End the loop and the downloads beside it (at shutdown, before the database
        closes): what they left is picked up again at the next start."""
        tasks = [t for t in (self._task, *self._downloads) if t is not None and not t.done()]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=2.0)

    async def run(self) -> None:
        """Send until the application stops; never dies of one bad notice."""
        last_media = 0.0
        while self.alive():
            try:
                sent = await self.send_due()
                if self.svc.bell.take_media() or time.monotonic() - last_media > MEDIA_EVERY:
                    last_media = time.monotonic()
                    self._download_beside()
            except Exception:
                log.exception("notice sender round failed")
                sent = 0
            if sent:
                continue
            await self.svc.bell.wait(timeout=1.0)

    def _download_beside(self) -> None:
        """Downloads run beside the notices, not before them: one may take seconds."""
        if self.download is None or not self.alive():
            return
        task: asyncio.Task[int] = asyncio.get_running_loop().create_task(
            self.download(), name="media-download"
        )
        self._downloads.add(task)  # a reference, so that it is not collected half-way
        task.add_done_callback(self._downloads.discard)

    async def send_due(self) -> int:
        """One round: the oldest due notice of every chat that may receive one now."""
        svc = self.svc
        if time.monotonic() < self._paused_until:
            return 0
        rows = await notices.next_per_chat(svc.db, svc.clock.now())
        per_chat = 1.0 / max(svc.config.delivery.per_chat_per_second, 0.01)
        spacing = 1.0 / max(svc.config.delivery.global_per_second, 0.1)
        ctx = RenderContext(svc.db, svc.content, svc.config)
        sent = 0
        for row in rows:
            notice = notices.Notice(
                int(row[0]), int(row[1]), str(row[2]), int(row[3]), _json(row[4]), int(row[5])
            )
            if self._next_for_chat.get(notice.chat_id, 0.0) > time.monotonic():
                continue
            if not await self._send_one(ctx, notice):
                break  # the channel asked everyone to wait
            self._next_for_chat[notice.chat_id] = time.monotonic() + per_chat
            sent += 1
            await asyncio.sleep(spacing)
        return sent

    async def _send_one(self, ctx: RenderContext, notice: notices.Notice) -> bool:
        """Send one notice and record what became of it; False when sending must pause."""
        svc = self.svc
        db, now = svc.db, svc.clock.now()
        rendered = await notices.render(ctx, notice)
        if rendered is None:
            await notices.mark_failed(db, notice.id, "stale")
            return True
        address = await svc.directory.address_of(notice.chat_id)
        if address is None:  # nobody to reach any more (erased meanwhile)
            await notices.mark_failed(db, notice.id, "gone")
            return True
        if rendered.edit is not None and not self.channel.edits:
            await notices.mark_failed(db, notice.id, "stale")  # nothing shown can change
            return True
        if rendered.edit is not None:  # a card shown before, brought up to date in place
            reply = Reply(rendered.screen, replace=True)
            pressed: Pressed | None = Pressed("", rendered.edit)
        else:
            reply, pressed = Reply(rendered.screen, photo=rendered.photo), None
        result = await self.channel.send(address, reply, pressed=pressed, mode=Mode.ONCE)
        match result.outcome:
            case Outcome.SENT:
                await notices.mark_sent(db, notice.id, now, result.message_id)
            case Outcome.THROTTLED:
                self._paused_until = time.monotonic() + result.retry_after
                await notices.postpone(db, notice.id, now + timedelta(seconds=result.retry_after))
                return False
            case Outcome.GONE | Outcome.MIGRATED:
                await notices.mark_failed(db, notice.id, "gone")
            case Outcome.PERMANENT if rendered.edit is not None:  # deleted, say: nothing lost
                log.info("card %s (%s) not edited: %s", notice.id, notice.kind, result.description)
                await notices.mark_failed(db, notice.id, "bad")
            case Outcome.PERMANENT:
                log.error("notice %s (%s) refused: %s", notice.id, notice.kind, result.description)
                await notices.mark_failed(db, notice.id, "bad")
            case Outcome.TEMPORARY:
                # It may or may not have arrived; sending again risks a duplicate, not a loss.
                log.warning("notice %s: %s; will retry", notice.id, result.description)
                attempts = svc.config.delivery.max_attempts
                if notice.kind == notices.SCREEN:
                    # A person is waiting for this screen: try again soon, and for hours.
                    delay = timedelta(seconds=min(300, 2 * 2**notice.attempts))
                    attempts = max(attempts, OWED_SCREEN_ATTEMPTS)
                else:
                    delay = timedelta(seconds=30 * (notice.attempts + 1))
                await notices.retry_later(db, notice.id, now, delay, attempts)
        return True


def _json(text: str) -> dict[str, Any]:
    value = json.loads(text)
    return value if isinstance(value, dict) else {}
