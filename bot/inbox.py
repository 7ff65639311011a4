"""The durable inbox: every incoming update is written to SQLite before it is handled.

Telegram forgets an update once `getUpdates` is called with a higher offset, and
python-telegram-bot's Updater does that as soon as the update sits in its in-memory queue. A
process killed between the two would lose what a person just sent. So every update is
recorded here (unique `update_id`) before the next `getUpdates` leaves, marked done after its
handlers ran, and on start-up the unfinished ones are handled again; an update seen twice is
ignored. A finished update keeps only its id: its JSON (names, texts, forwarded posts, the
text of a card an officer pressed a button on) is emptied when it is marked done, and so is
the answer `flow_marks` kept in case its step ran again — nobody's words rest in the inbox
longer than it takes to handle them. Secrets never reach it at all (`bot/scrub.py`).
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


@dataclass(frozen=True)
class Pending:
    update_id: int
    payload: str
    attempts: int


class Inbox:
    """The `inbox` table: record, finish, list what is unfinished."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    async def write(self, records: list[tuple[int, int | None, str]], done: list[int]) -> None:
        """In one transaction: store new updates (update_id, chat_id, payload; one seen
        before is left as it is) and mark updates done."""
        if not records and not done:
            return
        now = iso(self.clock.now())
        # Done: only the id is needed from now on (to spot a repeat), so what people wrote
        # goes at once; a trigger (migration 005) empties the answer flow_marks kept in
        # case the step ran again, in the same statement.
        mark = "UPDATE inbox SET done_at = ?, payload = '' WHERE update_id = ? AND done_at IS NULL"
        if not records and len(done) == 1:  # the common case when quiet: one round trip
            await self.db.execute(mark, (now, done[0]))
            return
        async with self.db.transaction() as conn:
            if records:
                await conn.executemany(
                    "INSERT OR IGNORE INTO inbox (update_id, chat_id, payload, received_at)"
                    " VALUES (?, ?, ?, ?)",
                    [(update_id, chat, payload, now) for update_id, chat, payload in records],
                )
            if done:
                await conn.executemany(mark, [(now, update_id) for update_id in done])

    async def recent_ids(self) -> list[int]:
        """The updates received within DUPLICATE_WINDOW: the only ones Telegram may send
        again (after a crash before their offset was confirmed)."""
        since = iso(self.clock.now() - DUPLICATE_WINDOW)
        rows = await self.db.fetchall(
            "SELECT update_id FROM inbox WHERE received_at >= ? ORDER BY update_id DESC LIMIT ?",
            (since, KNOWN_LIMIT),
        )
        return [int(row[0]) for row in reversed(rows)]

    async def take_unfinished(self) -> list[Pending]:
        """The updates to handle again, oldest first, each counted as one more attempt.

        An update that already failed MAX_ATTEMPTS times is closed instead (and logged)."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "SELECT update_id, payload, attempts FROM inbox WHERE done_at IS NULL"
                " ORDER BY update_id"
            )
            rows = list(await cursor.fetchall())
            again: list[Pending] = []
            now = iso(self.clock.now())
            for update_id, payload, attempts in rows:
                if attempts >= MAX_ATTEMPTS:
                    log.error("update %s failed %s times; not handled again", update_id, attempts)
                    await conn.execute(
                        "UPDATE inbox SET done_at = ?, payload = '' WHERE update_id = ?",
                        (now, update_id),
                    )
                    continue
                await conn.execute(
                    "UPDATE inbox SET attempts = attempts + 1 WHERE update_id = ?", (update_id,)
                )
                again.append(Pending(int(update_id), str(payload), int(attempts) + 1))
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

    - `accept` keeps a new update in memory and refuses a duplicate (an id accepted in this
      run or recorded within DUPLICATE_WINDOW). It does not wait for the disk: the Telegram
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
        self._records: list[tuple[int, int | None, str]] = []
        self._done: list[int] = []
        self._known: set[int] = set()
        self._known_order: deque[int] = deque()
        self._lock = asyncio.Lock()
        self._marker: asyncio.Task[None] | None = None

    async def load(self) -> None:
        """Remember the recently recorded updates, to spot Telegram sending one again."""
        for update_id in await self.inbox.recent_ids():
            self._remember(update_id)

    def accept(self, update_id: int, chat_id: int | None, payload: str) -> bool:
        """Keep a new update for the next flush; False for a duplicate."""
        if update_id in self._known:
            return False
        self._remember(update_id)
        # Secrets (invite tokens) never reach disk; the update in memory keeps them.
        self._records.append((update_id, chat_id, scrub(payload)))
        return True

    def finish(self, update_id: int) -> None:
        """The update's handlers ran: mark it done, at once when the database is free, else
        with the marks that arrive while it is busy (a group commit: no waiting when quiet,
        one write for many when busy)."""
        self._done.append(update_id)
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

    def _remember(self, update_id: int) -> None:
        self._known.add(update_id)
        self._known_order.append(update_id)
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
