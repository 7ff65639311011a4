"""Group chats the bot belongs to: added, greeted once, removed, migrated to a supergroup."""

from __future__ import annotations

from dataclasses import dataclass

from bot.clock import iso
from bot.db import Database


@dataclass(frozen=True)
class GroupChat:
    chat_id: int
    type: str
    title: str
    active: bool
    greeted: bool


async def bot_added(db: Database, chat_id: int, chat_type: str, title: str, now: object) -> bool:
    """Record that the bot is in this group; True the first time, when it should greet."""
    stamp = iso(now)  # type: ignore[arg-type]
    async with db.transaction() as conn:
        cursor = await conn.execute("SELECT greeted FROM chats WHERE chat_id = ?", (chat_id,))
        row = await cursor.fetchone()
        if row is None:
            await conn.execute(
                "INSERT INTO chats (chat_id, type, title, active, greeted, added_at, updated_at)"
                " VALUES (?, ?, ?, 1, 1, ?, ?)",
                (chat_id, chat_type, title, stamp, stamp),
            )
            return True
        await conn.execute(
            "UPDATE chats SET active = 1, title = ?, type = ?, greeted = 1, updated_at = ?"
            " WHERE chat_id = ?",
            (title, chat_type, stamp, chat_id),
        )
        return not row["greeted"]


async def bot_removed(db: Database, chat_id: int, now: object) -> None:
    await db.execute(
        "UPDATE chats SET active = 0, updated_at = ? WHERE chat_id = ?",
        (iso(now), chat_id),  # type: ignore[arg-type]
    )


async def migrated(db: Database, old_id: int, new_id: int, now: object) -> None:
    """A group became a supergroup: move its row (and everything keyed on it) to the new id."""
    async with db.transaction() as conn:
        cursor = await conn.execute("SELECT 1 FROM chats WHERE chat_id = ?", (new_id,))
        if await cursor.fetchone() is not None:
            await conn.execute("DELETE FROM chats WHERE chat_id = ?", (old_id,))
            return
        await conn.execute(
            "UPDATE chats SET chat_id = ?, type = 'supergroup', updated_at = ? WHERE chat_id = ?",
            (new_id, iso(now), old_id),  # type: ignore[arg-type]
        )


async def get(db: Database, chat_id: int) -> GroupChat | None:
    row = await db.fetchone(
        "SELECT chat_id, type, title, active, greeted FROM chats WHERE chat_id = ?", (chat_id,)
    )
    if row is None:
        return None
    return GroupChat(row[0], row[1], row[2], bool(row[3]), bool(row[4]))
