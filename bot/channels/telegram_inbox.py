"""python-telegram-bot glue for the durable inbox (`bot/inbox.py`).

Two pieces, wired in `bot.app.build_application`:

- `DurableQueue`, the Application's update queue. PTB's Updater awaits `put()` for every
  update it fetched and only then moves its offset on (which tells Telegram to forget the
  update), so recording inside `put()` is the one place where an update is on disk before
  Telegram can drop it. Recording in the processor would be too late: by the time a queued
  update reaches it, the next `getUpdates` may already have confirmed it. A duplicate (an
  update Telegram sends again after a crash) is dropped here.
- `OrderedProcessor`, a `BaseUpdateProcessor`: one chat's updates run one after another in
  arrival order, different chats run concurrently; each update is marked done when its
  handlers have run.

`replay_unfinished(app)` (called from `post_init`) queues the updates of a previous run that
never finished, before polling starts, so they keep their place in each chat's order.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import Application, ApplicationBuilder, BaseUpdateProcessor

from bot.inbox import ChatSequencer, Inbox

log = logging.getLogger(__name__)


def _chat_of(update: object) -> int | None:
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return update.effective_chat.id
    if update.effective_user is not None:
        return update.effective_user.id
    return None


class DurableQueue(asyncio.Queue):  # type: ignore[type-arg]
    """The update queue that writes each update to the inbox before queueing it."""

    def __init__(self, inbox: Inbox) -> None:
        super().__init__()
        self.inbox = inbox

    async def put(self, item: Any) -> None:
        if isinstance(item, Update):
            fresh = await self.inbox.record(item.update_id, _chat_of(item), item.to_json())
            if not fresh:
                log.info("update %s was already received; ignored", item.update_id)
                return
        await super().put(item)


class OrderedProcessor(BaseUpdateProcessor):
    """Per-chat order, cross-chat concurrency, and "done" in the inbox after handling."""

    def __init__(self, inbox: Inbox | None, max_concurrent_updates: int = 16) -> None:
        # 16 chats at once: far below the 256 connections of PTB's request pool (no reply
        # waits for a connection), enough to hide Telegram's round trip (16 / 25 ms ≈ 640
        # updates/s), and measured faster than 128 on loopback, where more tasks only add
        # scheduling overhead (bench/updates.py: 205..249 → 269..295 updates/s).
        super().__init__(max_concurrent_updates)
        self.inbox = inbox
        self.sequencer = ChatSequencer()

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        await self.sequencer.run(_chat_of(update), self._handle(update, coroutine))

    async def _handle(self, update: object, coroutine: Awaitable[Any]) -> None:
        try:
            await coroutine  # handler errors already went to the error handler inside
        except Exception:
            # Failing outside the handlers (e.g. building the context) would fail again on
            # a replay: log it and close the update rather than retry it forever.
            log.exception("update %s could not be processed", getattr(update, "update_id", "?"))
        if self.inbox is not None and isinstance(update, Update):
            await self.inbox.done(update.update_id)

    async def initialize(self) -> None:
        """Nothing to allocate: the inbox lives in the application's database."""

    async def shutdown(self) -> None:
        """Nothing to free."""


async def replay_unfinished(app: Application) -> int:  # type: ignore[type-arg]
    """Queue the updates a previous run received but did not finish; return how many."""
    queue = app.update_queue
    if not isinstance(queue, DurableQueue):
        return 0
    pending = await queue.inbox.take_unfinished()
    for item in pending:
        update = Update.de_json(json.loads(item.payload), app.bot)
        queue.put_nowait(update)  # already recorded: bypass put()
    if pending:
        log.warning("handling %d update(s) again that a previous run did not finish", len(pending))
    return len(pending)


UPDATE_MODES = ("durable", "ordered", "sequential")


def configure(
    builder: ApplicationBuilder, inbox: Inbox, mode: str = "durable"
) -> ApplicationBuilder:  # type: ignore[type-arg]
    """Set the update queue and processor on `builder`.

    "durable" (the bot): record every update, per-chat order, chats concurrently.
    "ordered": the same processor without the inbox; "sequential": PTB's default (one update
    at a time, nothing recorded). The last two exist to measure the first (bench/reports.py).
    """
    if mode == "durable":
        return builder.update_queue(DurableQueue(inbox)).concurrent_updates(OrderedProcessor(inbox))
    if mode == "ordered":
        return builder.concurrent_updates(OrderedProcessor(None))
    if mode == "sequential":
        return builder
    raise ValueError(f"unknown update mode {mode!r}; expected one of {UPDATE_MODES}")
