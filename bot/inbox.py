"""The durable inbox: every incoming update is written to SQLite before it is handled.

Telegram forgets an update once `getUpdates` is called with a higher offset, and
python-telegram-bot's Updater does that as soon as the update sits in its in-memory queue. A
process killed between the two would lose what a person just sent. So every update is
recorded here before the next `getUpdates` leaves, marked done after its handlers ran, and on
start-up the unfinished ones are handled again; an update seen twice is ignored. Each update
is known by its channel and the channel's own id of it (Telegram's `update_id`, Zalo's
message id) and numbered by a local sequence, increasing in order of arrival: that number,
not any channel's, is what the exactly-once guard of flow steps (`bot/flows.py`) compares,
and `EVENT` carries it to the handlers of the update being handled. A finished update keeps
only its ids: its JSON (names, texts, forwarded posts, the text of a card an officer pressed a
button on) and its sender are emptied when it is marked done, and so is the answer
`flow_marks` kept in case its step ran again — nobody's words rest in the inbox longer than it
takes to handle them. Secrets never reach it at all (`bot/scrub.py`).
`InboxWriter` batches those writes: one transaction per batch of updates rather than several
database round trips for each.

This module is the channel-free half: rows and JSON. The python-telegram-bot glue (the queue
that records, the processor that keeps each chat in order) is in
`bot/channels/telegram_inbox.py`. The ordering primitive, `ChatSequencer`, is here because it
has nothing to do with Telegram.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Hashable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import timedelta
from typing import TypeVar

from bot.clock import Clock, iso
from bot.db import Database
from bot.scrub import scrub

log = logging.getLogger(__name__)
T = TypeVar("T")

# An update that started handling this many times without finishing is not tried again: it
# most likely crashes the process itself, and retrying forever would keep the bot down. Not
# fewer: an innocent update can be cut short by several crashes in a row when a burst of
# replies waits for Telegram's 30 messages a second (200 leaders pressing at once).
MAX_ATTEMPTS = 10
DUPLICATE_WINDOW = timedelta(days=2)  # Telegram keeps an unconfirmed update for 24 hours
KNOWN_LIMIT = 50_000  # update ids remembered in memory to spot a duplicate

# The inbox sequence number of the update whose handlers are running (set by the channel's
# processor around them; a context variable, so concurrent updates each see their own).
EVENT: ContextVar[int | None] = ContextVar("inbox_event", default=None)

Key = tuple[str, str]  # (channel, the channel's id of the update)


@dataclass(frozen=True)
class Record:
    """An update as the inbox stores it. `chat` and `sender` are the channel's ids, as text."""

    seq: int
    channel: str
    external_id: str
    chat: str | None
    sender: str | None
    payload: str


@dataclass(frozen=True)
class Pending:
    seq: int
    channel: str
    external_id: str
    payload: str
    attempts: int


class Inbox:
    """The `inbox` table: record, finish, list what is unfinished."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    async def write(self, records: list[Record], done: list[int]) -> None:
        """In one transaction: store new updates (one seen before is left as it is) and mark
        updates done (by sequence number)."""
        if not records and not done:
            return
        now = iso(self.clock.now())
        # Done: only the id is needed from now on (to spot a repeat), so what people wrote
        # goes at once; a trigger (migration 005) empties the answer flow_marks kept in
        # case the step ran again, in the same statement.
        mark = (
            "UPDATE inbox SET done_at = ?, payload = '', sender = NULL"
            " WHERE seq = ? AND done_at IS NULL"
        )
        if not records and len(done) == 1:  # the common case when quiet: one round trip
            await self.db.execute(mark, (now, done[0]))
            return
        async with self.db.transaction() as conn:
            if records:
                await conn.executemany(
                    "INSERT OR IGNORE INTO inbox"
                    " (seq, channel, external_id, chat, sender, payload, received_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [
                        (r.seq, r.channel, r.external_id, r.chat, r.sender, r.payload, now)
                        for r in records
                    ],
                )
            if done:
                await conn.executemany(mark, [(now, seq) for seq in done])

    async def last_seq(self) -> int:
        """The highest sequence number ever given (0 for an empty inbox)."""
        row = await self.db.fetchone("SELECT MAX(seq) FROM inbox")
        return int(row[0]) if row and row[0] is not None else 0

    async def recent_keys(self) -> list[Key]:
        """The updates received within DUPLICATE_WINDOW, oldest first: the only ones a
        channel may send again (Telegram after a crash before their offset was confirmed)."""
        since = iso(self.clock.now() - DUPLICATE_WINDOW)
        rows = await self.db.fetchall(
            "SELECT channel, external_id FROM inbox WHERE received_at >= ?"
            " ORDER BY seq DESC LIMIT ?",
            (since, KNOWN_LIMIT),
        )
        return [(str(row[0]), str(row[1])) for row in reversed(rows)]

    async def take_unfinished(self, channel: str) -> list[Pending]:
        """The updates of `channel` to handle again, oldest first, each counted as one more
        attempt. An update that already failed MAX_ATTEMPTS times is closed instead (and
        logged)."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "SELECT seq, external_id, payload, attempts FROM inbox"
                " WHERE done_at IS NULL AND channel = ? ORDER BY seq",
                (channel,),
            )
            rows = list(await cursor.fetchall())
            again: list[Pending] = []
            now = iso(self.clock.now())
            for seq, external_id, payload, attempts in rows:
                if attempts >= MAX_ATTEMPTS:
                    log.error(
                        "%s update %s failed %s times; not handled again",
                        channel,
                        external_id,
                        attempts,
                    )
                    await conn.execute(
                        "UPDATE inbox SET done_at = ?, payload = '', sender = NULL WHERE seq = ?",
                        (now, seq),
                    )
                    continue
                await conn.execute("UPDATE inbox SET attempts = attempts + 1 WHERE seq = ?", (seq,))
                again.append(
                    Pending(int(seq), channel, str(external_id), str(payload), int(attempts) + 1)
                )
            return again

    async def prune(self, keep: timedelta = timedelta(days=7)) -> int:
        """Forget finished updates older than `keep` (Telegram itself keeps them 24 h)."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "DELETE FROM inbox WHERE done_at IS NOT NULL AND done_at < ?",
                (iso(self.clock.now() - keep),),
            )
            return cursor.rowcount

    async def stats(self) -> dict[str, int]:
        row = await self.db.fetchone(
            "SELECT COUNT(*), SUM(done_at IS NULL), SUM(attempts > 1) FROM inbox"
        )
        total, pending, retried = (int(v or 0) for v in (row or (0, 0, 0)))
        return {"total": total, "pending": pending, "retried": retried}


class InboxWriter:
    """The inbox's writes, batched: one transaction per batch instead of several database
    round trips per update (which cost the bot more than handling a content command).

    - `accept` keeps a new update in memory, gives it the next sequence number, and refuses
      a duplicate (a key accepted in this run or recorded within DUPLICATE_WINDOW). It does
      not wait for the disk (the numbers are given here, from the highest on disk at
      `load`, so handling can start with its number before the write): the Telegram
      glue calls `flush` before every getUpdates, so each update is on disk before Telegram
      is told it may forget it, which is the guarantee the inbox exists for. Handling may
      start before that write: a crash in those milliseconds means Telegram sends the update
      again and it is handled again (at least once, never lost).
    - `finish` marks an update done: written at once when the database is free, or with
      the other marks of a busy moment. A crash before the write replays an update that had
      finished: the same at-least-once as a crash while it was being handled, which the
      flows tolerate (tests/test_inbox.py: a replayed step is not applied twice).
    - `flush` writes what is pending; if the database refuses, nothing is lost from memory
      and the caller sees the error (getUpdates then waits and tries again).
    """

    def __init__(self, inbox: Inbox) -> None:
        self.inbox = inbox
        self._records: list[Record] = []
        self._done: list[int] = []
        self._known: set[Key] = set()
        self._known_order: deque[Key] = deque()
        self._last_seq: int | None = None  # known once loaded
        self._lock = asyncio.Lock()
        self._marker: asyncio.Task[None] | None = None

    async def load(self) -> None:
        """Remember the recently recorded updates, to spot a channel sending one again, and
        where the sequence stands. Once, before the first `accept`."""
        if self._last_seq is not None:
            return
        for key in await self.inbox.recent_keys():
            self._remember(key)
        self._last_seq = await self.inbox.last_seq()

    def accept(
        self,
        channel: str,
        external_id: str,
        chat: str | None,
        sender: str | None,
        payload: str,
    ) -> int | None:
        """Keep a new update for the next flush and return its sequence number; None for a
        duplicate."""
        if self._last_seq is None:
            raise RuntimeError("InboxWriter.load() must run before the first update")
        key = (channel, external_id)
        if key in self._known:
            return None
        self._remember(key)
        self._last_seq += 1
        # Secrets (invite tokens) never reach disk; the update in memory keeps them.
        self._records.append(
            Record(self._last_seq, channel, external_id, chat, sender, scrub(payload))
        )
        return self._last_seq

    def finish(self, seq: int) -> None:
        """The update's handlers ran: mark it done, at once when the database is free, else
        with the marks that arrive while it is busy (a group commit: no waiting when quiet,
        one write for many when busy)."""
        self._done.append(seq)
        if self._marker is None:
            self._marker = asyncio.get_running_loop().create_task(self._write_marks())

    @property
    def pending(self) -> int:
        """Writes waiting for the next flush."""
        return len(self._records) + len(self._done)

    async def flush(self) -> None:
        async with self._lock:
            records, self._records = self._records, []
            done, self._done = self._done, []
            try:
                await self.inbox.write(records, done)
            except BaseException:
                self._records[:0] = records
                self._done[:0] = done
                raise

    async def _write_marks(self) -> None:
        try:
            while self._done:
                await self.flush()
        except Exception:
            # Kept in memory: the next mark or the next getUpdates tries again.
            log.exception("could not write the inbox; will try again")
        finally:
            self._marker = None

    def seen(self, key: Key) -> None:
        """An update handled again at start-up: a repeat of it is a duplicate."""
        self._remember(key)

    def _remember(self, key: Key) -> None:
        self._known.add(key)
        self._known_order.append(key)
        if len(self._known_order) > KNOWN_LIMIT:
            self._known.discard(self._known_order.popleft())


class ChatSequencer:
    """Run work for the same key one after another, in the order `run` was called, while
    work for different keys runs concurrently.

    The order is fixed when `run` is *called* (before its first await), so callers that start
    in arrival order keep arrival order. A failure of one item never blocks the next.
    """

    def __init__(self) -> None:
        self._tails: dict[Hashable, asyncio.Future[None]] = {}

    def __len__(self) -> int:
        return len(self._tails)

    async def run(self, key: Hashable | None, work: Awaitable[T]) -> T:
        if key is None:  # nothing to order against (e.g. a poll update)
            return await work
        loop = asyncio.get_running_loop()
        previous = self._tails.get(key)
        mine: asyncio.Future[None] = loop.create_future()
        self._tails[key] = mine
        started = False
        try:
            if previous is not None:
                await asyncio.shield(previous)
            started = True
            return await work
        finally:
            if not started and asyncio.iscoroutine(work):
                work.close()  # cancelled while waiting: the work never ran, say so quietly
            mine.set_result(None)
            if self._tails.get(key) is mine:
                del self._tails[key]
