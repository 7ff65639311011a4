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
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Chat, Update
from telegram.error import NetworkError
from telegram.ext import Application, ApplicationBuilder, BaseUpdateProcessor

from bot import texts
from bot.addresses import TELEGRAM, telegram
from bot.channels.aiohttp_request import AiohttpRequest
from bot.config import LimitsConfig
from bot.delivery import Mode
from bot.inbox import EVENT, ChatSequencer, Inbox, InboxWriter
from bot.limits import FloodGate, Verdict
from bot.reply import Reply
from bot.screens import Screen
from bot.services import BOT_DATA_KEY, Services

log = logging.getLogger(__name__)

# Updates taken from Telegram and not yet handled: enough to keep the 16 concurrent chats
# busy, few enough that a crash replays only a handful from the inbox. Only the first
# PER_CHAT_COUNTED waiting updates of each chat count: a busy chat (a flood, a group with
# a full per-group send budget) must not hold back the updates of every other chat.
MAX_BACKLOG = 32
PER_CHAT_COUNTED = 2

FloodHandler = Callable[[Update], None]


def _chat_of(update: object) -> int | None:
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return update.effective_chat.id
    if update.effective_user is not None:
        return update.effective_user.id
    return None


def _person_of(update: Update) -> int | None:
    user = update.effective_user
    return user.id if user is not None else _chat_of(update)


class DurableQueue(asyncio.Queue[object]):
    """The update queue that hands each update to the inbox writer before queueing it, lets
    each person in through the flood gate, and holds the Updater back while MAX_BACKLOG
    updates are taken but not yet handled: beyond that, updates wait at Telegram rather
    than in memory (and in the inbox, where a crash would make them all replays).

    An update over a person's limit is recorded (so a repeat is still spotted) and closed at
    once without handling; the first one of a flood is passed to `on_flood` to be answered
    politely. `release(update)` is called by the processor when an update was handled."""

    def __init__(
        self,
        writer: InboxWriter,
        gate: FloodGate | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        self.writer = writer
        self.seqs: dict[int, int] = {}  # update_id → inbox sequence, until it is handled
        defaults = LimitsConfig()
        self.gate = gate or FloodGate(defaults.updates_burst, defaults.updates_per_second)
        self.clock = clock
        self.on_flood: FloodHandler | None = None
        self.backlog = 0  # waiting updates that count against MAX_BACKLOG
        self._waiting: Counter[int | None] = Counter()  # per chat: queued, not yet handled
        self._room = asyncio.Event()

    async def put(self, item: Any) -> None:
        if not isinstance(item, Update):
            await super().put(item)  # PTB's stop signal: never waits for room
            return
        chat, person = _chat_of(item), _person_of(item)
        seq = self.writer.accept(
            TELEGRAM,
            str(item.update_id),
            None if chat is None else str(chat),
            None if person is None else str(person),
            item.to_json(),
        )
        if seq is None:
            log.info("update %s was already received; ignored", item.update_id)
            return
        verdict = self.gate.admit(person, self.clock())
        if verdict != Verdict.ADMIT:
            self.writer.finish(seq)  # recorded, never handled: a flood
            if verdict == Verdict.WARN:
                log.warning("chat %s sends too fast; its updates are dropped", chat)
                if self.on_flood is not None:
                    self.on_flood(item)
            return
        self.seqs[item.update_id] = seq
        while self._counts(chat) and self.backlog >= MAX_BACKLOG:
            self._room.clear()
            await self._room.wait()
        await super().put(item)

    def put_nowait(self, item: Any) -> None:
        super().put_nowait(item)  # put() ends here too
        if isinstance(item, Update):
            chat = _chat_of(item)
            if self._counts(chat):
                self.backlog += 1
            self._waiting[chat] += 1

    def release(self, update: object) -> None:
        """`update` (queued through put or put_nowait) has been handled."""
        if not isinstance(update, Update):
            return
        chat = _chat_of(update)
        self._waiting[chat] -= 1
        if self._waiting[chat] <= 0:
            del self._waiting[chat]
        if self._waiting.get(chat, 0) < PER_CHAT_COUNTED:
            # The chat's count went down by one among its counted places.
            self.backlog = max(0, self.backlog - 1)
        if self.backlog < MAX_BACKLOG:
            self._room.set()

    def _counts(self, chat: int | None) -> bool:
        """Whether one more update of `chat` would count against MAX_BACKLOG."""
        return self._waiting.get(chat, 0) < PER_CHAT_COUNTED


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
    """Per-chat order, cross-chat concurrency, and "done" in the inbox after handling.

    An update waits for its chat's turn *before* it takes one of the concurrent places:
    PTB's own `process_update` takes the place first, so sixteen updates of one busy chat,
    each waiting for the one before, would leave no place for any other chat."""

    def __init__(
        self,
        writer: InboxWriter | None,
        max_concurrent_updates: int = 16,
        queue: DurableQueue | None = None,
    ) -> None:
        # 16 chats at once: far below the 256 connections of PTB's request pool (no reply
        # waits for a connection), enough to hide Telegram's round trip (16 / 25 ms ≈ 640
        # updates/s), and measured faster than 128 on loopback, where more tasks only add
        # scheduling overhead (bench/updates.py: 205..249 → 269..295 updates/s).
        super().__init__(max_concurrent_updates)
        self.writer = writer
        self.queue = queue
        self.sequencer = ChatSequencer()
        self._places = asyncio.Semaphore(max_concurrent_updates)

    # PTB marks process_update @final, but its version takes a concurrency place before the
    # chat's turn (see the class docstring): overriding it is the point of this class.
    async def process_update(  # type: ignore[misc]
        self, update: object, coroutine: Awaitable[Any]
    ) -> None:
        try:
            await self.sequencer.run(_chat_of(update), self._in_place(update, coroutine))
        finally:
            if self.queue is not None:
                self.queue.release(update)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        await self._handle(update, coroutine)  # only reached through process_update

    async def _in_place(self, update: object, coroutine: Awaitable[Any]) -> None:
        async with self._places:
            await self.do_process_update(update, coroutine)

    async def _handle(self, update: object, coroutine: Awaitable[Any]) -> None:
        seq = None
        if self.queue is not None and isinstance(update, Update):
            seq = self.queue.seqs.pop(update.update_id, None)
        token = EVENT.set(seq)  # the handlers' guard reads the inbox number, not Telegram's
        try:
            await coroutine  # handler errors already went to the error handler inside
        except Exception:
            # Failing outside the handlers (e.g. building the context) would fail again on
            # a replay: log it and close the update rather than retry it forever.
            log.exception("update %s could not be processed", getattr(update, "update_id", "?"))
        finally:
            EVENT.reset(token)
        if self.writer is not None and seq is not None:
            self.writer.finish(seq)

    async def initialize(self) -> None:
        """Nothing to allocate: the inbox lives in the application's database."""

    async def shutdown(self) -> None:
        """Nothing to free."""


async def replay_unfinished(app: Application) -> int:
    """Queue the updates a previous run received but did not finish; return how many.
    Also loads the recent update ids, to drop what Telegram sends again."""
    queue = app.update_queue
    if not isinstance(queue, DurableQueue):
        return 0
    await queue.writer.load()
    pending = await queue.writer.inbox.take_unfinished(TELEGRAM)
    for item in pending:
        update = Update.de_json(json.loads(item.payload), app.bot)
        queue.seqs[update.update_id] = item.seq
        queue.put_nowait(update)  # already recorded: bypass put()
    if pending:
        log.warning("handling %d update(s) again that a previous run did not finish", len(pending))
    return len(pending)


def answer_floods(app: Application) -> None:
    """Tell a person who sends too fast, once per flood, in a private chat (in a group the
    bot stays silent rather than add to the noise)."""
    queue = app.update_queue
    if not isinstance(queue, DurableQueue):
        return

    def on_flood(update: Update) -> None:
        chat = update.effective_chat
        svc = app.bot_data.get(BOT_DATA_KEY)
        channel = svc.channel if isinstance(svc, Services) else None
        if chat is not None and chat.type == Chat.PRIVATE and channel is not None:
            # Once: a person sending too fast needs the sentence, not its retries.
            slow_down = Reply(Screen(texts.FLOOD_SLOW_DOWN))
            sent = channel.send(telegram(chat.id), slow_down, mode=Mode.ONCE)
            app.create_task(sent, update=update)

    queue.on_flood = on_flood


def writer_of(app: Application) -> InboxWriter | None:
    """The one inbox writer (its sequence numbers are every channel's), when durable."""
    queue = app.update_queue
    return queue.writer if isinstance(queue, DurableQueue) else None


async def flush(app: Application) -> None:
    """Write the inbox's pending marks (at shutdown, before the database closes)."""
    queue = app.update_queue
    if isinstance(queue, DurableQueue):
        await queue.writer.flush()


UPDATE_MODES = ("durable", "ordered", "sequential")


def configure(
    builder: ApplicationBuilder,
    inbox: Inbox,
    mode: str = "durable",
    gate: FloodGate | None = None,
) -> ApplicationBuilder:
    """Set the update queue, the processor and the getUpdates request on `builder`.

    "durable" (the bot): record every update, per-chat order, chats concurrently.
    "ordered": the same processor without the inbox; "sequential": PTB's default (one update
    at a time, nothing recorded). The last two exist to measure the first (bench/reports.py).
    """
    if mode == "durable":
        writer = InboxWriter(inbox)
        queue = DurableQueue(writer, gate)
        return (
            builder.update_queue(queue)
            .concurrent_updates(OrderedProcessor(writer, queue=queue))
            .get_updates_request(FlushFirstRequest(writer))
        )
    if mode not in UPDATE_MODES:
        raise ValueError(f"unknown update mode {mode!r}; expected one of {UPDATE_MODES}")
    builder = builder.get_updates_request(AiohttpRequest(connection_pool_size=1))
    if mode == "ordered":
        return builder.concurrent_updates(OrderedProcessor(None))
    return builder
