"""The database: PRAGMAs, migrations with a schema version, atomic transactions."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.db import Database, migrations

from .conftest import database_at


async def test_open_sets_pragmas_and_migrates(tmp_path: Path) -> None:
    async with Database(tmp_path / "a.sqlite3") as db:
        assert (await db.fetchval("PRAGMA journal_mode")) == "wal"
        assert (await db.fetchval("PRAGMA foreign_keys")) == 1
        assert await db.schema_version() == len(migrations())
        tables = {
            r[0] for r in await db.fetchall("SELECT name FROM sqlite_master WHERE type='table'")
        }
        assert "chats" in tables


async def test_migrate_is_idempotent(tmp_path: Path) -> None:
    path = tmp_path / "b.sqlite3"
    async with Database(path) as db:
        await db.execute("INSERT INTO chats (chat_id, type, title) VALUES (-1, 'group', 'Tổ 1')")
    async with Database(path) as db:  # reopening applies nothing twice and keeps the data
        assert await db.fetchval("SELECT title FROM chats WHERE chat_id = -1") == "Tổ 1"
        assert await db.migrate() == len(migrations())


async def test_transaction_rolls_back_on_error(tmp_path: Path) -> None:
    async with Database(tmp_path / "c.sqlite3") as db:
        with pytest.raises(RuntimeError):
            async with db.transaction() as conn:
                await conn.execute("INSERT INTO chats (chat_id, type) VALUES (-2, 'group')")
                raise RuntimeError("boom")
        assert await db.fetchval("SELECT COUNT(*) FROM chats") == 0


async def test_concurrent_transactions_do_not_interleave(tmp_path: Path) -> None:
    async with Database(tmp_path / "d.sqlite3") as db:

        async def move(chat_id: int) -> None:
            async with db.transaction() as conn:
                await conn.execute(
                    "INSERT INTO chats (chat_id, type) VALUES (?, 'group')", (chat_id,)
                )
                await asyncio.sleep(0)  # give the other coroutines a chance to barge in
                if chat_id % 2:
                    raise ValueError(chat_id)

        results = await asyncio.gather(*(move(-i) for i in range(1, 21)), return_exceptions=True)
        assert sum(isinstance(r, ValueError) for r in results) == 10
        count = await db.fetchval("SELECT COUNT(*) FROM chats")
        assert count == 10  # only the even ones, each rolled back alone


def test_migrations_are_numbered_without_gaps() -> None:
    numbers = [n for n, _, _ in migrations()]
    assert numbers == list(range(1, len(numbers) + 1))


async def test_a_transaction_cancelled_while_beginning_leaves_none_open(tmp_path: Path) -> None:
    """Cancelled while its BEGIN waits in aiosqlite's queue (a getUpdates stopped at
    shutdown): the BEGIN still runs, so the transaction must be closed before the lock goes,
    or every later transaction fails with "cannot start a transaction within a transaction"."""
    async with Database(tmp_path / "c.sqlite3") as db:
        entered = False

        async def write() -> None:
            nonlocal entered
            async with db.transaction() as conn:
                entered = True
                await conn.execute("INSERT INTO kv (k, v) VALUES ('lost', '1')")

        await db.execute("CREATE TABLE kv (k TEXT PRIMARY KEY, v TEXT)")
        for _ in range(5):
            task = asyncio.create_task(write())
            await asyncio.sleep(0)  # it now waits for its BEGIN
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
        assert not entered
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO kv (k, v) VALUES ('kept', '1')")
        assert await db.fetchval("SELECT group_concat(k) FROM kv") == "kept"


async def test_a_refused_commit_leaves_no_transaction_open(tmp_path: Path) -> None:
    """A COMMIT can fail (here a deferred foreign key; in life a full disk): the changes are
    rolled back and the next transaction works."""
    import sqlite3

    async with Database(tmp_path / "f.sqlite3") as db:
        await db.execute("CREATE TABLE parent (id INTEGER PRIMARY KEY)")
        await db.execute("CREATE TABLE child (parent INTEGER REFERENCES parent(id))")
        with pytest.raises(sqlite3.IntegrityError):
            async with db.transaction() as conn:
                await conn.execute("PRAGMA defer_foreign_keys = ON")
                await conn.execute("INSERT INTO child (parent) VALUES (42)")
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO parent (id) VALUES (1)")
        assert await db.fetchval("SELECT COUNT(*) FROM child") == 0
        assert await db.fetchval("SELECT COUNT(*) FROM parent") == 1


async def test_the_inbox_keeps_its_updates_and_the_guard_its_marks_across_008(
    tmp_path: Path,
) -> None:
    """Migration 008 keys the inbox by (channel, id) and numbers it: an update left unfinished
    by the previous release is replayed under the number its flow mark already holds, and a
    new update is numbered above every old one."""
    import sqlite3

    from bot.clock import SystemClock, iso

    now = iso(SystemClock().now())  # within the window in which a repeat is spotted
    path = tmp_path / "old.sqlite3"
    database_at(path, 7)
    conn = sqlite3.connect(path)
    unfinished = '{"update_id": 41, "message": {"from": {"id": 5003}, "text": "/baocao"}}'
    conn.executemany(
        "INSERT INTO inbox (update_id, chat_id, payload, received_at, attempts, done_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        [(40, 5003, "", now, 1, now), (41, 5003, unfinished, now, 1, None)],
    )
    conn.execute("INSERT INTO flow_marks (user_id, event_id, outcome) VALUES (5003, 41, '{}')")
    conn.commit()
    conn.close()
    from bot.inbox import Inbox, InboxWriter

    async with Database(path) as db:
        rows = await db.fetchall(
            "SELECT seq, channel, external_id, chat, sender, payload, done_at FROM inbox"
            " ORDER BY seq"
        )
        assert [tuple(r) for r in rows] == [
            (40, "telegram", "40", "5003", None, "", now),
            (41, "telegram", "41", "5003", "5003", unfinished, None),
        ]
        inbox = Inbox(db, SystemClock())
        again = await inbox.take_unfinished("telegram")
        assert [(p.seq, p.external_id, p.payload) for p in again] == [(41, "41", unfinished)]
        # (011 then numbered the person locally: the mark follows them)
        lan = await db.fetchval("SELECT local_id FROM addresses WHERE external_id = '5003'")
        assert await db.fetchval("SELECT event_id FROM flow_marks WHERE user_id = ?", (lan,)) == 41
        writer = InboxWriter(inbox)
        await writer.load()
        assert writer.accept("telegram", "41", "5003", "5003", "{}") is None  # still known
        assert writer.accept("telegram", "42", "5003", "5003", "{}") == 42
        # the trigger that forgets a finished step's answer follows the new key
        await inbox.write([], [41])
        assert await db.fetchval("SELECT outcome FROM flow_marks WHERE user_id = ?", (lan,)) == ""
