"""One person on several channels: a code made on one, typed on the other.

A leader registered on Telegram types /themkenh and gets a code (the invites' alphabet and
shape, `bot/invites.py`: 44 bits, kept only as a keyed hash, expiring after LINK_HOURS,
single-use). Typed on Zalo, it makes that Zalo account an address of the same local id: one
person, one role, one set of reports. An account that already holds data of its own (it
registered, or filed something) is not merged away: its owner erases it first (/xoadulieu).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from bot.addresses import Address, Directory
from bot.clock import iso
from bot.db import Database
from bot.invites import code_hash, new_code, normal_code
from bot.people import audit_conn

LINK_HOURS = 24


class Linked(StrEnum):
    OK = "ok"
    UNKNOWN = "unknown"  # no such code: perhaps an invite's
    EXPIRED = "expired"
    USED = "used"
    SAME = "same"  # typed by the account that made it
    TAKEN = "taken"  # the account typing it already holds data of its own


async def create(db: Database, user_id: int, key: bytes, now: datetime) -> str:
    """A new code for `user_id` (any older open one of theirs is replaced)."""
    code = new_code()
    async with db.transaction() as conn:
        await conn.execute(
            "DELETE FROM link_codes WHERE user_id = ? AND used_at IS NULL", (user_id,)
        )
        await conn.execute(
            "INSERT INTO link_codes (code_hash, user_id, created_at, expires_at)"
            " VALUES (?, ?, ?, ?)",
            (
                code_hash(normal_code(code) or "", key),
                user_id,
                iso(now),
                iso(now + timedelta(hours=LINK_HOURS)),
            ),
        )
        await audit_conn(conn, user_id, "link.create", now)
    return code


async def redeem(
    db: Database,
    directory: Directory,
    code: str,
    key: bytes,
    sender: Address,
    now: datetime,
) -> tuple[Linked, int]:
    """Make `sender` an address of the code's owner; (outcome, the owner's local id)."""
    row = await db.fetchone(
        "SELECT user_id, expires_at, used_at FROM link_codes WHERE code_hash = ?",
        (code_hash(code, key),),
    )
    if row is None:
        return Linked.UNKNOWN, 0
    owner = int(row[0])
    if row[2] is not None:
        return Linked.USED, owner
    if str(row[1]) <= iso(now):
        return Linked.EXPIRED, owner
    current = await directory.local(sender)
    if current == owner:
        return Linked.SAME, owner
    if await _holds_data(db, current):
        return Linked.TAKEN, owner
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "UPDATE link_codes SET used_at = ? WHERE code_hash = ? AND used_at IS NULL",
            (iso(now), code_hash(code, key)),
        )
        if cursor.rowcount != 1:
            return Linked.USED, owner
        await conn.execute(
            "UPDATE addresses SET local_id = ? WHERE channel = ? AND external_id = ?",
            (owner, sender.channel, sender.external_id),
        )
        await audit_conn(conn, owner, "link.redeem", now, detail=sender.channel)
    directory.moved(sender, owner, was=current)
    return Linked.OK, owner


async def _holds_data(db: Database, local_id: int) -> bool:
    """Whether anything but its address names this local id (bot.addresses.LOCAL_ID_COLUMNS)."""
    from bot.addresses import LOCAL_ID_COLUMNS

    for table, column in LOCAL_ID_COLUMNS:
        if table in ("audit_log", "flow_marks", "notices", "search_waits"):
            continue  # traces of chatting, not data of its own
        if await db.fetchval(f"SELECT 1 FROM {table} WHERE {column} = ? LIMIT 1", (local_id,)):
            return True
    return False
