"""People and places: roles, tổ dân phố (units), leaders, and the audit log.

Authorisation is decided here and only here (`role_of`), by numeric Telegram user id, never
by username. Admins come from the config and from promotion; the anonymous group admin
(GroupAnonymousBot) is never privileged, whatever the database says.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.clock import iso
from bot.config import Config
from bot.db import Database

ANONYMOUS_ADMIN_ID = 1087968824  # Telegram's GroupAnonymousBot: anyone could be behind it


class Role(StrEnum):
    ADMIN = "admin"
    OFFICER = "officer"
    LEADER = "leader"
    RESIDENT = "resident"


# Which roles include which: an admin can do everything an officer can, and so on.
RANK = {Role.RESIDENT: 0, Role.LEADER: 1, Role.OFFICER: 2, Role.ADMIN: 3}


@dataclass(frozen=True)
class Unit:
    id: int
    code: str
    name: str
    area: str
    active: bool


async def role_of(db: Database, config: Config, user_id: int) -> Role:
    """The one authorisation decision: what this numeric user id may do."""
    if user_id == ANONYMOUS_ADMIN_ID or user_id <= 0:
        return Role.RESIDENT
    if user_id in config.admins.telegram_ids:
        return Role.ADMIN
    stored = await db.fetchval("SELECT role FROM people WHERE user_id = ?", (user_id,))
    return Role(stored) if stored else Role.RESIDENT


def at_least(role: Role, needed: Role) -> bool:
    return RANK[role] >= RANK[needed]


async def leader_units(db: Database, user_id: int) -> list[Unit]:
    """The active units this person actively leads (empty for non-leaders)."""
    rows = await db.fetchall(
        "SELECT u.id, u.code, u.name, u.area, u.active FROM unit_leaders l"
        " JOIN units u ON u.id = l.unit_id"
        " WHERE l.user_id = ? AND l.active = 1 AND u.active = 1 ORDER BY u.name",
        (user_id,),
    )
    return [Unit(r[0], r[1], r[2], r[3], bool(r[4])) for r in rows]


async def officer_ids(db: Database, config: Config) -> list[int]:
    """Everyone who receives officers' notifications: config admins plus stored officers/admins."""
    rows = await db.fetchall(
        "SELECT user_id FROM people WHERE role IN ('officer', 'admin') AND reachable = 1"
    )
    ids = {int(r[0]) for r in rows} | set(config.admins.telegram_ids)
    ids.discard(ANONYMOUS_ADMIN_ID)
    return sorted(ids)


async def audit(
    db: Database,
    actor_id: int,
    action: str,
    now: datetime,
    *,
    target: str = "",
    detail: str = "",
    allowed: bool = True,
) -> None:
    """Write one audit-log row: who did what to whom, when, and whether it was allowed."""
    await db.execute(
        "INSERT INTO audit_log (at, actor_id, action, target, detail, allowed)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (iso(now), actor_id, action, target, detail, int(allowed)),
    )
