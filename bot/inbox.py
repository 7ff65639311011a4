"""The durable inbox: every incoming update is written to SQLite before it is handled.

Telegram forgets an update once `getUpdates` is called with a higher offset, and
python-telegram-bot's Updater does that as soon as the update sits in its in-memory queue. A
process killed between the two would lose what a person just sent. So the update is recorded
here (unique `update_id`) before it is queued, marked done after its handlers ran, and on
start-up the unfinished ones are handled again; an update seen twice is ignored.

This module is the channel-free half: rows and JSON. The python-telegram-bot glue (the queue
that records, the processor that keeps each chat in order) is in
`bot/channels/telegram_inbox.py`. The ordering primitive, `ChatSequencer`, is here because it
has nothing to do with Telegram.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Hashable
from dataclasses import dataclass
from datetime import timedelta
from typing import TypeVar

from bot.clock import Clock, iso
from bot.db import Database

log = logging.getLogger(__name__)
T = TypeVar("T")

# An update that started handling this many times without finishing is not tried again: it
# most likely crashes the process itself, and retrying forever would keep the bot down. Not
# fewer: an innocent update can be cut short by several crashes in a row when a burst of
# replies waits for Telegram's 30 messages a second (200 leaders pressing at once).
MAX_ATTEMPTS = 10


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

    async def record(self, update_id: int, chat_id: int | None, payload: str) -> bool:
        """Store a new update; False when this update_id was seen before (a duplicate)."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "INSERT OR IGNORE INTO inbox (update_id, chat_id, payload, received_at)"
                " VALUES (?, ?, ?, ?)",
                (update_id, chat_id, payload, iso(self.clock.now())),
            )
            return cursor.rowcount == 1

    async def done(self, update_id: int) -> None:
        await self.db.execute(
            "UPDATE inbox SET done_at = ? WHERE update_id = ? AND done_at IS NULL",
            (iso(self.clock.now()), update_id),
        )

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
                        "UPDATE inbox SET done_at = ? WHERE update_id = ?", (now, update_id)
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
