"""python-telegram-bot glue for the durable inbox (`bot/inbox.py`).

Three pieces, wired in `bot.app.build_application` through `configure`:

- `DurableQueue`, the Application's update queue: every update PTB's Updater fetched is
  handed to the `InboxWriter` in `put()` (a duplicate, an update Telegram sends again after
  a crash, is dropped here) and queued for handling at once.
- `FlushFirstRequest`, the request PTB uses for getUpdates only: it writes the accepted
  updates to disk before asking for more. Asking for more is what tells Telegram to forget
  the ones before, so no update is ever only in memory once Telegram has let go of it, and a
  whole batch costs one transaction.
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
from telegram.error import NetworkError
from telegram.ext import Application, ApplicationBuilder, BaseUpdateProcessor

from bot.channels.aiohttp_request import AiohttpRequest
from bot.inbox import ChatSequencer, Inbox, InboxWriter

log = logging.getLogger(__name__)

# Updates taken from Telegram and not yet handled: enough to keep the 16 concurrent chats
# busy, few enough that a crash replays only a handful from the inbox.
MAX_BACKLOG = 32


def _chat_of(update: object) -> int | None:
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return update.effective_chat.id
    if update.effective_user is not None:
        return update.effective_user.id
    return None


class DurableQueue(asyncio.Queue):  # type: ignore[type-arg]
    """The update queue that hands each update to the inbox writer before queueing it, and
    holds the Updater back while MAX_BACKLOG updates are taken but not yet handled: beyond
    that, updates wait at Telegram rather than in memory (and in the inbox, where a crash
    would make them all replays)."""

    def __init__(self, writer: InboxWriter) -> None:
        super().__init__()
        self.writer = writer
        self.backlog = 0  # queued and not yet handled (PTB calls task_done after handling)
        self._room = asyncio.Event()

    async def put(self, item: Any) -> None:
        fresh = not isinstance(item, Update) or self.writer.accept(
            item.update_id, _chat_of(item), item.to_json()
        )
        if not fresh:
            log.info("update %s was already received; ignored", item.update_id)
            return
        # Only updates wait for room: PTB's stop signal must get through at once.
        while isinstance(item, Update) and self.backlog >= MAX_BACKLOG:
            self._room.clear()
            await self._room.wait()
        await super().put(item)

    def put_nowait(self, item: Any) -> None:
        super().put_nowait(item)  # put() ends here too
        self.backlog += 1

    def task_done(self) -> None:
        super().task_done()
        self.backlog = max(0, self.backlog - 1)
        if self.backlog < MAX_BACKLOG:
            self._room.set()


class FlushFirstRequest(AiohttpRequest):
    """The getUpdates request: the accepted updates go to disk before Telegram is asked
    for more (and so told to forget them). If the database refuses, the call fails as a
    network error would: PTB waits and tries again, and Telegram keeps the updates."""

    __slots__ = ("writer",)

    def __init__(self, writer: InboxWriter) -> None:
        super().__init__(connection_pool_size=1)
        self.writer = writer

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        try:
            await self.writer.flush()
        except Exception as exc:
            log.exception("could not write the inbox; not fetching updates yet")
            raise NetworkError("the inbox could not be written") from exc
        return await super().do_request(*args, **kwargs)


class OrderedProcessor(BaseUpdateProcessor):
    """Per-chat order, cross-chat concurrency, and "done" in the inbox after handling."""

    def __init__(self, writer: InboxWriter | None, max_concurrent_updates: int = 16) -> None:
        # 16 chats at once: far below the 256 connections of PTB's request pool (no reply
        # waits for a connection), enough to hide Telegram's round trip (16 / 25 ms ≈ 640
        # updates/s), and measured faster than 128 on loopback, where more tasks only add
        # scheduling overhead (bench/updates.py: 205..249 → 269..295 updates/s).
        super().__init__(max_concurrent_updates)
        self.writer = writer
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
        if self.writer is not None and isinstance(update, Update):
            self.writer.finish(update.update_id)

    async def initialize(self) -> None:
        """Nothing to allocate: the inbox lives in the application's database."""

    async def shutdown(self) -> None:
        """Nothing to free."""


async def replay_unfinished(app: Application) -> int:  # type: ignore[type-arg]
    """Queue the updates a previous run received but did not finish; return how many.
    Also loads the recent update ids, to drop what Telegram sends again."""
    queue = app.update_queue
    if not isinstance(queue, DurableQueue):
        return 0
    await queue.writer.load()
    pending = await queue.writer.inbox.take_unfinished()
    for item in pending:
        update = Update.de_json(json.loads(item.payload), app.bot)
        queue.put_nowait(update)  # already recorded: bypass put()
    if pending:
        log.warning("handling %d update(s) again that a previous run did not finish", len(pending))
    return len(pending)


async def flush(app: Application) -> None:  # type: ignore[type-arg]
    """Write the inbox's pending marks (at shutdown, before the database closes)."""
    queue = app.update_queue
    if isinstance(queue, DurableQueue):
        await queue.writer.flush()


UPDATE_MODES = ("durable", "ordered", "sequential")


def configure(
    builder: ApplicationBuilder, inbox: Inbox, mode: str = "durable"
) -> ApplicationBuilder:  # type: ignore[type-arg]
    """Set the update queue, the processor and the getUpdates request on `builder`.

    "durable" (the bot): record every update, per-chat order, chats concurrently.
    "ordered": the same processor without the inbox; "sequential": PTB's default (one update
    at a time, nothing recorded). The last two exist to measure the first (bench/reports.py).
    """
    if mode == "durable":
        writer = InboxWriter(inbox)
        return (
            builder.update_queue(DurableQueue(writer))
            .concurrent_updates(OrderedProcessor(writer))
            .get_updates_request(FlushFirstRequest(writer))
        )
    if mode not in UPDATE_MODES:
        raise ValueError(f"unknown update mode {mode!r}; expected one of {UPDATE_MODES}")
    builder = builder.get_updates_request(AiohttpRequest(connection_pool_size=1))
    if mode == "ordered":
        return builder.concurrent_updates(OrderedProcessor(None))
    return builder
