"""People and places: roles, tổ dân phố (units), leaders, and the audit log.

Authorisation is decided here and only here (`role_of`, and `can_act_for_unit` for what a
leader may do for one tổ), by numeric Telegram user id, never by username. Admins come from
the config and from promotion; the anonymous group admin (GroupAnonymousBot) is never
privileged, whatever the database says.

Related core modules: `bot.units` (the registry and CSV import), `bot.invites` (invite
tokens), `bot.consent` (the data notice, "my data" and erasure), `bot.chats` (groups).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

import aiosqlite

from bot.clock import iso
from bot.config import Config
from bot.db import Database

# Local ids reached at an address anyone may be behind (bot.addresses.Kind.SHARED, such as
# Telegram's GroupAnonymousBot): they never hold a role, whatever a row or the config says.
_SHARED = "SELECT local_id FROM addresses WHERE kind = 'shared'"


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
    if user_id <= 0:  # nobody (0): the command line, an update without a sender
        return Role.RESIDENT
    admins, params = _config_admins(config)
    # One round trip: a shared address, else an address listed in [admins], else the role.
    row = await db.fetchone(
        f"SELECT ?1 IN ({_SHARED}), ?1 IN ({admins}), (SELECT role FROM people WHERE user_id = ?1)",
        (user_id, *params),
    )
    if row is None or row[0]:
        return Role.RESIDENT
    if row[1]:
        return Role.ADMIN
    return Role(row[2]) if row[2] else Role.RESIDENT


def _config_admins(config: Config) -> tuple[str, tuple[str, ...]]:
    """A SELECT of the local ids of the addresses [admins] lists, and its parameters (the
    wiring gives each of them an address at start-up: Directory.know)."""
    keys = config.admins.keys()
    marks = ",".join("?" for _ in keys) or "NULL"
    select = f"SELECT local_id FROM addresses WHERE channel || ':' || external_id IN ({marks})"
    return select, keys


async def config_admin_ids(db: Database, config: Config) -> list[int]:
    """The local ids of the people [admins] lists."""
    select, params = _config_admins(config)
    if not params:
        return []
    rows = await db.fetchall(select, params)
    return [int(r[0]) for r in rows]


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
    shared = {int(r[0]) for r in await db.fetchall(_SHARED)}
    ids = {int(r[0]) for r in rows} | set(await config_admin_ids(db, config))
    return sorted(ids - shared)


async def standing(db: Database, config: Config, user_id: int) -> tuple[Role, bool]:
    """(role, whether they lead a tổ): what decides which tools a person is offered (the
    command menu, /help, /canbo)."""
    return await role_of(db, config, user_id), bool(await leader_units(db, user_id))


async def with_menus(db: Database, config: Config) -> list[int]:
    """Everyone whose command menu is their own: leaders of a tổ, officers and admins."""
    rows = await db.fetchall(
        "SELECT user_id FROM people WHERE role IN ('leader', 'officer', 'admin')"
        " UNION SELECT user_id FROM unit_leaders WHERE active = 1"
    )
    shared = {int(r[0]) for r in await db.fetchall(_SHARED)}
    ids = {int(r[0]) for r in rows} | set(await config_admin_ids(db, config))
    return sorted(ids - shared)


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


# ---------------------------------------------------------------- people, leaders, rights
# (issue 3) Everything below keeps the functions above unchanged: other modules build on them.


@dataclass(frozen=True)
class Identity:
    """What Telegram tells us about whoever is talking; stored only after consent."""

    user_id: int
    first_name: str = ""
    last_name: str = ""

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part)


@dataclass(frozen=True)
class Person:
    """A registered person (someone who agreed to the data notice)."""

    user_id: int
    first_name: str
    last_name: str
    role: Role
    consent_at: str  # UTC ISO, as stored
    consent_version: str
    notifications: bool
    reachable: bool

    @property
    def full_name(self) -> str:
        name = " ".join(part for part in (self.first_name, self.last_name) if part)
        return name or str(self.user_id)


_PERSON_COLUMNS = (
    "user_id, first_name, last_name, role, consent_at, consent_version, notifications, reachable"
)


def person_from_row(row: Sequence[Any]) -> Person:
    return Person(
        int(row[0]), row[1], row[2], Role(row[3]), row[4], row[5], bool(row[6]), bool(row[7])
    )


def unit_from_row(row: Sequence[Any]) -> Unit:
    return Unit(int(row[0]), row[1], row[2], row[3], bool(row[4]))


def code_key(code: str) -> tuple[tuple[int, int | str], ...]:
    """Natural order for unit codes: T2 before T10."""
    return tuple(
        (0, int(part)) if part.isdigit() else (1, part) for part in re.findall(r"\d+|\D+", code)
    )


async def home_unit(db: Database, user_id: int) -> Unit | None:
    """The tổ a person said they live in (an active one), if any."""
    row = await db.fetchone(
        "SELECT u.id, u.code, u.name, u.area, u.active FROM people p JOIN units u"
        " ON u.id = p.home_unit_id WHERE p.user_id = ? AND u.active = 1",
        (user_id,),
    )
    return None if row is None else unit_from_row(row)


async def set_home_unit(db: Database, user_id: int, unit_id: int | None) -> bool:
    """Record (or clear, None) where a registered person lives; False when not registered."""
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "UPDATE people SET home_unit_id = ? WHERE user_id = ?", (unit_id, user_id)
        )
        return cursor.rowcount == 1


async def can_be_privileged(db: Database, user_id: int) -> bool:
    """Only a person can ever hold a role: not nobody (0), not a shared address."""
    if user_id <= 0:
        return False
    return not await db.fetchval(f"SELECT ? IN ({_SHARED})", (user_id,))


def higher(a: Role, b: Role) -> Role:
    return a if RANK[a] >= RANK[b] else b


async def get_person(db: Database, user_id: int) -> Person | None:
    row = await db.fetchone(f"SELECT {_PERSON_COLUMNS} FROM people WHERE user_id = ?", (user_id,))
    return None if row is None else person_from_row(row)


async def set_notifications(db: Database, user_id: int, on: bool, now: datetime) -> None:
    """/tatthongbao, /batthongbao: non-urgent pushes off or on for this person."""
    await db.execute(
        "UPDATE people SET notifications = ?, updated_at = ? WHERE user_id = ?",
        (int(on), iso(now), user_id),
    )


async def set_reachable(db: Database, user_id: int, reachable: bool, now: datetime) -> None:
    """The person blocked or unblocked the bot: a blocked one is not even tried."""
    await db.execute(
        "UPDATE people SET reachable = ?, updated_at = ? WHERE user_id = ? AND reachable != ?",
        (int(reachable), iso(now), user_id, int(reachable)),
    )


async def registered_people(db: Database) -> list[Person]:
    rows = await db.fetchall(
        f"SELECT {_PERSON_COLUMNS} FROM people ORDER BY first_name, last_name, user_id"
    )
    return [person_from_row(r) for r in rows]


async def can_act_for_unit(db: Database, config: Config, user_id: int, unit_id: int) -> bool:
    """May this person act for this tổ? Officers for every active tổ, a leader for their own."""
    if not await can_be_privileged(db, user_id):
        return False
    active = await db.fetchval("SELECT active FROM units WHERE id = ?", (unit_id,))
    if not active:
        return False
    if at_least(await role_of(db, config, user_id), Role.OFFICER):
        return True
    return any(u.id == unit_id for u in await leader_units(db, user_id))


async def units_for(db: Database, config: Config, user_id: int) -> list[Unit]:
    """The active units this person may act for (all of them for officers and admins)."""
    if not await can_be_privileged(db, user_id):
        return []
    if at_least(await role_of(db, config, user_id), Role.OFFICER):
        rows = await db.fetchall("SELECT id, code, name, area, active FROM units WHERE active = 1")
        return sorted((unit_from_row(r) for r in rows), key=lambda u: code_key(u.code))
    return await leader_units(db, user_id)


async def active_leaderships(db: Database) -> list[tuple[Unit, Person]]:
    """Every active (tổ, leader) pair, by tổ code then name."""
    rows = await db.fetchall(
        "SELECT u.id, u.code, u.name, u.area, u.active,"
        " p.user_id, p.first_name, p.last_name, p.role, p.consent_at, p.consent_version,"
        " p.notifications, p.reachable"
        " FROM unit_leaders l JOIN units u ON u.id = l.unit_id"
        " JOIN people p ON p.user_id = l.user_id"
        " WHERE l.active = 1 ORDER BY u.code, p.first_name, p.user_id"
    )
    return [(unit_from_row(r[0:5]), person_from_row(r[5:13])) for r in rows]


# One page at a time for the pickers in chat (a ward can hold thousands of people).
_LEADERSHIPS = (
    " FROM unit_leaders l JOIN units u ON u.id = l.unit_id"
    " JOIN people p ON p.user_id = l.user_id WHERE l.active = 1"
)


async def count_leaderships(db: Database) -> int:
    return int(await db.fetchval("SELECT COUNT(*)" + _LEADERSHIPS))


async def leaderships_page(db: Database, offset: int, limit: int) -> list[tuple[Unit, Person]]:
    """One page of `active_leaderships`, in the same order."""
    rows = await db.fetchall(
        "SELECT u.id, u.code, u.name, u.area, u.active,"
        " p.user_id, p.first_name, p.last_name, p.role, p.consent_at, p.consent_version,"
        " p.notifications, p.reachable" + _LEADERSHIPS + " ORDER BY u.code, p.first_name,"
        " p.user_id LIMIT ? OFFSET ?",
        (limit, offset),
    )
    return [(unit_from_row(r[0:5]), person_from_row(r[5:13])) for r in rows]


def _promotable_where(config: Config, actor_id: int) -> tuple[str, list[object]]:
    """Registered people an admin may give a role to: not themselves, not config admins (the
    config decides those), never a shared address or another non-person id."""
    admins, params = _config_admins(config)
    return (
        f" FROM people WHERE user_id > 0 AND user_id != ? AND user_id NOT IN ({_SHARED})"
        f" AND user_id NOT IN ({admins})",
        [actor_id, *params],
    )


async def may_be_promoted(db: Database, config: Config, actor_id: int, user_id: int) -> bool:
    where, params = _promotable_where(config, actor_id)
    found = await db.fetchval(f"SELECT 1{where} AND user_id = ?", (*params, user_id))
    return bool(found)


async def count_promotable(db: Database, config: Config, actor_id: int) -> int:
    where, params = _promotable_where(config, actor_id)
    return int(await db.fetchval(f"SELECT COUNT(*){where}", params))


async def promotable_page(
    db: Database, config: Config, actor_id: int, offset: int, limit: int
) -> list[Person]:
    """One page of the people an admin may promote, by name."""
    where, params = _promotable_where(config, actor_id)
    rows = await db.fetchall(
        f"SELECT {_PERSON_COLUMNS}{where} ORDER BY first_name, last_name, user_id LIMIT ? OFFSET ?",
        (*params, limit, offset),
    )
    return [person_from_row(r) for r in rows]


async def leadership_active(db: Database, unit_id: int, user_id: int) -> bool:
    found = await db.fetchval(
        "SELECT active FROM unit_leaders WHERE unit_id = ? AND user_id = ?", (unit_id, user_id)
    )
    return bool(found)


async def deactivate_leader(
    db: Database, unit_id: int, user_id: int, now: datetime, *, actor_id: int
) -> bool:
    """End one leadership (audited). A person left leading no tổ goes back to resident.

    False when there was no such active leadership (already ended, or never existed)."""
    stamp = iso(now)
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "UPDATE unit_leaders SET active = 0, ended_at = ?"
            " WHERE unit_id = ? AND user_id = ? AND active = 1",
            (stamp, unit_id, user_id),
        )
        if cursor.rowcount != 1:
            return False
        cursor = await conn.execute(
            "SELECT COUNT(*) FROM unit_leaders WHERE user_id = ? AND active = 1", (user_id,)
        )
        remaining = (await cursor.fetchone())[0]  # type: ignore[index]
        if remaining == 0:
            await conn.execute(
                "UPDATE people SET role = 'resident', updated_at = ?"
                " WHERE user_id = ? AND role = 'leader'",
                (stamp, user_id),
            )
        await audit_conn(
            conn,
            actor_id,
            "leader.deactivate",
            now,
            target=f"user:{user_id}",
            detail=f"unit:{unit_id}",
        )
    return True


async def set_role(
    db: Database, user_id: int, role: Role, now: datetime, *, actor_id: int
) -> Role | None:
    """Make a registered person officer or admin, or take that away (audited).

    Taking it away leaves them a leader if they still lead a tổ, else a resident. Returns the
    stored role, or None when the person is not registered or can never be privileged."""
    if not await can_be_privileged(db, user_id):
        return None
    stamp = iso(now)
    async with db.transaction() as conn:
        cursor = await conn.execute("SELECT role FROM people WHERE user_id = ?", (user_id,))
        if await cursor.fetchone() is None:
            return None
        stored = role
        if role not in (Role.OFFICER, Role.ADMIN):
            cursor = await conn.execute(
                "SELECT COUNT(*) FROM unit_leaders WHERE user_id = ? AND active = 1", (user_id,)
            )
            leads = (await cursor.fetchone())[0]  # type: ignore[index]
            stored = Role.LEADER if leads else Role.RESIDENT
        await conn.execute(
            "UPDATE people SET role = ?, updated_at = ? WHERE user_id = ?",
            (stored.value, stamp, user_id),
        )
        await audit_conn(
            conn, actor_id, "role.set", now, target=f"user:{user_id}", detail=stored.value
        )
    return stored


async def audit_conn(
    conn: aiosqlite.Connection,
    actor_id: int,
    action: str,
    now: datetime,
    *,
    target: str = "",
    detail: str = "",
    allowed: bool = True,
) -> None:
    """`audit` inside a transaction that is already open (so the row commits with the action).

    Never call `audit` itself inside `db.transaction()`: the writer lock is not re-entrant."""
    await conn.execute(
        "INSERT INTO audit_log (at, actor_id, action, target, detail, allowed)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (iso(now), actor_id, action, target, detail, int(allowed)),
    )
