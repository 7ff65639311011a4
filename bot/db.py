"""The one SQLite connection: PRAGMAs, numbered migrations, and transactions.

aiosqlite runs the connection on its own thread and serialises calls, but coroutines that
share a connection also share its transaction. So every write goes through `transaction()`
(or `execute()`, a one-statement transaction), which holds an asyncio lock: one writer at a
time, and a reader never sees another coroutine's half-finished transaction as its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import sqlite3
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Any

import aiosqlite

from bot.private_files import private_dir, private_file, tighten

log = logging.getLogger(__name__)
_MIGRATION_NAME = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")


def migrations() -> list[tuple[int, str, str]]:
    """The numbered migrations shipped in bot/migrations, in order: (number, name, sql)."""
    found = []
    for entry in resources.files("bot.migrations").iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    found.sort()
    numbers = [n for n, _, _ in found]
    if numbers != list(range(1, len(numbers) + 1)):
        raise RuntimeError(f"migrations must be numbered 001, 002, … without gaps: {numbers}")
    return found


class Database:
    """An open aiosqlite connection with WAL, foreign keys and the schema migrated."""

    def __init__(self, path: Path | str, *, schema: int | None = None) -> None:
        self.path = path
        self.schema = schema  # migrate up to this version only (None: every migration)
        self._conn: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()

    @property
    def conn(self) -> aiosqlite.Connection:
        if self._conn is None:
            raise RuntimeError("database is not open")
        return self._conn

    async def open(self) -> Database:
        self._make_private()
        # isolation_level=None: we issue BEGIN/COMMIT ourselves, so nothing is implicit.
        connection = aiosqlite.connect(str(self.path), isolation_level=None)
        try:
            self._conn = await connection
        except BaseException:
            # aiosqlite stops its worker thread with a future on this loop: wait for the
            # thread, or it may answer after the loop closed and print "Event loop is
            # closed" under the one line start-up failures end with (tests/test_startup.py).
            worker = getattr(connection, "_thread", None)
            if worker is not None:
                await asyncio.to_thread(worker.join, 2.0)
            raise
        self._conn.row_factory = aiosqlite.Row
        await self._conn.execute("PRAGMA journal_mode=WAL")
        # NORMAL in WAL never corrupts and survives a killed process; only power loss can
        # drop the last commits, which is acceptable for a ward bot.
        await self._conn.execute("PRAGMA synchronous=NORMAL")
        await self._conn.execute("PRAGMA foreign_keys=ON")
        await self._conn.execute("PRAGMA busy_timeout=5000")
        # What is deleted or overwritten (a finished update's JSON, an erased person) is
        # zeroed on disk, not merely marked free: a copy of the file must not give it back.
        await self._conn.execute("PRAGMA secure_delete=ON")
        await self.migrate()
        return self

    async def forget_old_pages(self) -> None:
        """Copy the WAL into the database and empty it: the WAL still holds the pages as they
        were before a deletion until a checkpoint, so after an erasure it must not wait for
        SQLite's automatic one (every 1,000 pages)."""
        async with self._lock:  # never inside another coroutine's open transaction
            await self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def _make_private(self) -> None:
        """Create the database file 0600 (its folder 0700) before SQLite opens it, and
        tighten an older one: SQLite gives the -wal and -shm files the database's mode."""
        name = str(self.path)
        if name in ("", ":memory:") or name.startswith("file:"):
            return
        path = Path(name)
        private_dir(path.parent)
        private_file(path)
        for suffix in ("-wal", "-shm", "-journal"):  # left by an older version, or a crash
            companion = path.with_name(path.name + suffix)
            if companion.exists():
                tighten(companion)

    async def close(self) -> None:
        if self._conn is not None:
            await self._conn.close()
            self._conn = None

    async def __aenter__(self) -> Database:
        return await self.open()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def schema_version(self) -> int:
        row = await self.fetchone("PRAGMA user_version")
        return int(row[0]) if row else 0

    async def migrate(self) -> int:
        """Apply every migration newer than the stored schema version; return the version."""
        current = await self.schema_version()
        for number, name, sql in migrations():
            if number <= current or (self.schema is not None and number > self.schema):
                continue
            log.info("applying migration %s", name)
            async with self._lock:
                # executescript would COMMIT first; wrapping keeps each migration atomic.
                await self.conn.executescript(
                    f"BEGIN IMMEDIATE;\n{sql}\nPRAGMA user_version = {number};\nCOMMIT;"
                )
            current = number
        return current

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """BEGIN IMMEDIATE … COMMIT under the writer lock; ROLLBACK on any exception."""
        async with self._lock:
            try:
                await self.conn.execute("BEGIN IMMEDIATE")
            except asyncio.CancelledError:
                # Cancelled while the BEGIN waited in aiosqlite's queue: it runs all the
                # same. Queue a ROLLBACK behind it before the lock goes.
                await self._close_open_transaction()
                raise
            try:
                yield self.conn
            except BaseException:
                await self.conn.execute("ROLLBACK")
                raise
            else:
                try:
                    await self.conn.execute("COMMIT")
                except BaseException:  # refused: a deferred constraint, a full disk
                    await self._close_open_transaction()
                    raise

    async def _close_open_transaction(self) -> None:
        """ROLLBACK whatever may be open (nothing is fine): a transaction left open makes
        every later BEGIN fail with "cannot start a transaction within a transaction"."""
        with contextlib.suppress(sqlite3.Error):
            await self.conn.execute("ROLLBACK")

    async def execute(self, sql: str, params: Iterable[Any] = ()) -> int:
        """Run one write statement as its own (implicit) transaction; return lastrowid.

        In autocommit mode SQLite makes a lone statement atomic by itself, so this is one
        trip to aiosqlite's thread instead of three (BEGIN, statement, COMMIT); the writer
        lock keeps it out of another coroutine's open transaction."""
        async with self._lock:
            cursor = await self.conn.execute(sql, tuple(params))
            return cursor.lastrowid or 0

    async def fetchone(self, sql: str, params: Iterable[Any] = ()) -> aiosqlite.Row | None:
        """The first row, or None. Meant for queries that return one row (by key, LIMIT 1)."""
        rows = await self.conn.execute_fetchall(sql, tuple(params))
        return next(iter(rows), None)

    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[aiosqlite.Row]:
        # execute_fetchall: one trip to aiosqlite's thread instead of execute, fetch, close.
        return list(await self.conn.execute_fetchall(sql, tuple(params)))

    async def fetchval(self, sql: str, params: Iterable[Any] = ()) -> Any:
        row = await self.fetchone(sql, params)
        return None if row is None else row[0]
