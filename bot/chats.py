"""Group chats the bot belongs to: added, greeted once, removed, migrated to a supergroup,
and linked to a tổ dân phố (so scheduled messages for that tổ reach its group).

A removal only marks the group inactive: its link is kept, so adding the bot back restores
it, and a migration to a supergroup carries the link to the new chat id.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot import units
from bot.clock import iso
from bot.config import Config
from bot.db import Database
from bot.people import (
    Role,
    Unit,
    at_least,
    audit_conn,
    can_act_for_unit,
    code_key,
    role_of,
    units_for,
)
from bot.screens import page_of


@dataclass(frozen=True)
class GroupChat:
    chat_id: int
    type: str
    title: str
    active: bool
    greeted: bool
    unit_id: int | None = None


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
    """A group became a supergroup: move its row (and everything keyed on it) to the new id.

    If the new id is already recorded (its my_chat_member update came first), the old row's
    link to a tổ is carried over unless the new row has one of its own."""
    stamp = iso(now)  # type: ignore[arg-type]
    async with db.transaction() as conn:
        cursor = await conn.execute("SELECT 1 FROM chats WHERE chat_id = ?", (new_id,))
        if await cursor.fetchone() is not None:
            await conn.execute(
                "UPDATE chats SET (unit_id, linked_by, linked_at) ="
                " (SELECT o.unit_id, o.linked_by, o.linked_at FROM chats o WHERE o.chat_id = ?),"
                " updated_at = ? WHERE chat_id = ? AND unit_id IS NULL"
                " AND EXISTS (SELECT 1 FROM chats o WHERE o.chat_id = ? AND o.unit_id IS NOT NULL)",
                (old_id, stamp, new_id, old_id),
            )
            await conn.execute("DELETE FROM chats WHERE chat_id = ?", (old_id,))
            return
        await conn.execute(
            "UPDATE chats SET chat_id = ?, type = 'supergroup', updated_at = ? WHERE chat_id = ?",
            (new_id, stamp, old_id),
        )


async def get(db: Database, chat_id: int) -> GroupChat | None:
    row = await db.fetchone(
        "SELECT chat_id, type, title, active, greeted, unit_id FROM chats WHERE chat_id = ?",
        (chat_id,),
    )
    if row is None:
        return None
    return GroupChat(row[0], row[1], row[2], bool(row[3]), bool(row[4]), row[5])


async def ensure_group(db: Database, chat_id: int, chat_type: str, title: str, now: object) -> None:
    """Record a group we hear from but missed the joining of (the bot was added while down):
    no greeting then, it would come out of the blue."""
    stamp = iso(now)  # type: ignore[arg-type]
    await db.execute(
        "INSERT INTO chats (chat_id, type, title, active, greeted, added_at, updated_at)"
        " VALUES (?, ?, ?, 1, 1, ?, ?) ON CONFLICT(chat_id) DO UPDATE SET active = 1,"
        " title = excluded.title, type = excluded.type, updated_at = excluded.updated_at",
        (chat_id, chat_type, title, stamp, stamp),
    )


async def link(db: Database, chat_id: int, unit_id: int, by: int, now: datetime) -> None:
    """Link the group to a tổ (audited). The caller checked `by` may act for that tổ and,
    if the group was linked to another tổ, for that one too."""
    stamp = iso(now)
    async with db.transaction() as conn:
        cursor = await conn.execute("SELECT unit_id FROM chats WHERE chat_id = ?", (chat_id,))
        before = await cursor.fetchone()
        await conn.execute(
            "UPDATE chats SET unit_id = ?, linked_by = ?, linked_at = ?, updated_at = ?"
            " WHERE chat_id = ?",
            (unit_id, by, stamp, stamp, chat_id),
        )
        previous = before[0] if before is not None else None
        await audit_conn(
            conn,
            by,
            "group.link",
            now,
            target=f"chat:{chat_id}",
            detail=f"unit:{unit_id}" + (f" was:{previous}" if previous else ""),
        )


@dataclass(frozen=True)
class GroupListing:
    chat_id: int
    title: str
    active: bool
    unit_code: str | None
    unit_name: str | None


async def groups(db: Database) -> list[GroupListing]:
    """Every group the bot knows: linked ones first (by tổ code), then the unlinked."""
    rows = await db.fetchall(
        "SELECT c.chat_id, c.title, c.active, u.code, u.name FROM chats c"
        " LEFT JOIN units u ON u.id = c.unit_id"
        " WHERE c.type IN ('group', 'supergroup')"
    )
    listing = [GroupListing(int(r[0]), r[1], bool(r[2]), r[3], r[4]) for r in rows]
    return sorted(
        listing,
        key=lambda g: (g.unit_code is None, code_key(g.unit_code or ""), not g.active, g.title),
    )


_GROUPS = (
    " FROM chats c LEFT JOIN units u ON u.id = c.unit_id WHERE c.type IN ('group', 'supergroup')"
)


async def count_groups(db: Database) -> int:
    return int(await db.fetchval("SELECT COUNT(*)" + _GROUPS))


async def groups_page(db: Database, offset: int, limit: int) -> list[GroupListing]:
    """One page of `groups`, in about the same order, sorted by SQLite (see units.UNIT_ORDER)."""
    rows = await db.fetchall(
        "SELECT c.chat_id, c.title, c.active, u.code, u.name" + _GROUPS + " ORDER BY"
        " u.code IS NULL, rtrim(u.code, '0123456789'), length(u.code), u.code, c.active DESC,"
        " c.title, c.chat_id LIMIT ? OFFSET ?",
        (limit, offset),
    )
    return [GroupListing(int(r[0]), r[1], bool(r[2]), r[3], r[4]) for r in rows]


async def linked_chat_ids(db: Database, unit_id: int) -> list[int]:
    """The active groups of one tổ: where a push for that tổ goes."""
    rows = await db.fetchall(
        "SELECT chat_id FROM chats WHERE unit_id = ? AND active = 1 ORDER BY chat_id", (unit_id,)
    )
    return [int(r[0]) for r in rows]


# ---------------------------------------------------------------- who may link which group


class LinkVerdict(StrEnum):
    REFUSED = "refused"  # not their tổ, or the group is another (active) tổ's
    ALREADY = "already"  # the group is linked to this tổ already
    LINK = "link"


async def link_verdict(
    db: Database, config: Config, user_id: int, chat_id: int, unit_id: int
) -> LinkVerdict:
    """May `user_id` link group `chat_id` to `unit_id`? They must be able to act for that
    tổ, and for the tổ the group is linked to now if it is another, still active one: a
    leader cannot take another tổ's group."""
    if not await can_act_for_unit(db, config, user_id, unit_id):
        return LinkVerdict.REFUSED
    group = await get(db, chat_id)
    current = group.unit_id if group else None
    if current == unit_id:
        return LinkVerdict.ALREADY
    linked = await units.get_unit(db, current) if current is not None else None
    if (
        linked is not None
        and linked.active
        and not await can_act_for_unit(db, config, user_id, linked.id)
    ):
        return LinkVerdict.REFUSED
    return LinkVerdict.LINK


async def link_choices(
    db: Database, config: Config, user_id: int, page: int, size: int
) -> tuple[list[Unit], int, bool]:
    """One page of the tổ this person may link a group to, how many there are, and whether
    they are an officer (who may link any tổ: read one page at a time, as there may be many)."""
    if at_least(await role_of(db, config, user_id), Role.OFFICER):
        total = await units.count_units(db)
        _, offset = page_of(page, total, size)
        return await units.units_page(db, offset, size), total, True
    mine = await units_for(db, config, user_id)  # a leader's own few
    return mine[page * size : (page + 1) * size], len(mine), False
