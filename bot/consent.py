"""Personal data under Law 91/2025/QH15: the notice, consent, "my data" and erasure.

Nobody has a people row until they press "Đồng ý" under the notice; the row records when and
which version of the notice they agreed to. Without consent a person can still read all the
content. `/dulieucuatoi` shows what is stored (`my_data`), `/xoadulieu` removes it (`erase`).

Other modules that store personal data hook into both, at import time:

    consent.on_erase(hook)    # async hook(conn, user_id, now), inside the erase transaction,
                              # before the people row goes — e.g. reports set author to NULL
                              # so they remain only as counts attributed to the tổ
    consent.on_export(hook)   # async hook(db, user_id) -> [(label, value), …] for /dulieucuatoi
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from bot.clock import iso
from bot.db import Database
from bot.people import Identity, Person, Role, Unit, audit_conn, get_person, leader_units

# Bump when the notice's content changes (texts.consent_notice), so a consent can be matched
# to the words the person actually agreed to. From 2026-12 the words depend on the role the
# person registered with (an invite's role, else resident): the audit log's invite rows say it.
CONSENT_VERSION = "2026-12-3"  # Zalo accounts too; a resident may give their tổ

EraseHook = Callable[[aiosqlite.Connection, int, datetime], Awaitable[None]]
ExportHook = Callable[[Database, int], Awaitable[list[tuple[str, str]]]]

_erase_hooks: list[EraseHook] = []
_export_hooks: list[ExportHook] = []


def on_erase(hook: EraseHook) -> EraseHook:
    """Register `hook` to run inside every erasure transaction (usable as a decorator)."""
    if hook not in _erase_hooks:
        _erase_hooks.append(hook)
    return hook


def on_export(hook: ExportHook) -> ExportHook:
    """Register `hook` to add lines to what `/dulieucuatoi` shows (usable as a decorator)."""
    if hook not in _export_hooks:
        _export_hooks.append(hook)
    return hook


async def is_registered(db: Database, user_id: int) -> bool:
    return await db.fetchval("SELECT 1 FROM people WHERE user_id = ?", (user_id,)) is not None


async def register(db: Database, person: Identity, now: datetime) -> bool:
    """Record consent and register the person as a resident; False if already registered
    (their name is refreshed, their consent time is not)."""
    stamp = iso(now)
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "INSERT INTO people (user_id, first_name, last_name, role, consent_at,"
            " consent_version, created_at, updated_at)"
            " VALUES (?, ?, ?, 'resident', ?, ?, ?, ?) ON CONFLICT(user_id) DO NOTHING",
            (
                person.user_id,
                person.first_name,
                person.last_name,
                stamp,
                CONSENT_VERSION,
                stamp,
                stamp,
            ),
        )
        created = cursor.rowcount == 1
        if created:
            await audit_conn(conn, person.user_id, "consent.give", now, detail=CONSENT_VERSION)
        else:
            await conn.execute(
                "UPDATE people SET first_name = ?, last_name = ?, updated_at = ? WHERE user_id = ?",
                (person.first_name, person.last_name, stamp, person.user_id),
            )
    return created


@dataclass(frozen=True)
class MyData:
    """Everything stored about one person, for `/dulieucuatoi`."""

    user_id: int
    person: Person | None
    addresses: tuple[tuple[str, str], ...]  # (channel, that channel's id) they are reached at
    units: tuple[Unit, ...]
    groups_linked: int
    invites_used: int
    invites_created: int
    audit_entries: int
    extra: tuple[tuple[str, str], ...]  # from other modules' export hooks


async def my_data(db: Database, user_id: int) -> MyData:
    person = await get_person(db, user_id)
    units = tuple(await leader_units(db, user_id)) if person else ()
    extra: list[tuple[str, str]] = []
    # For everyone, registered or not: erasure removes what the hooks show (bot/erasure.py).
    for hook in _export_hooks:
        extra.extend(await hook(db, user_id))
    reached = await db.fetchall(
        "SELECT channel, external_id FROM addresses WHERE local_id = ? AND kind = 'person'"
        " ORDER BY added_at, channel",
        (user_id,),
    )
    return MyData(
        user_id=user_id,
        person=person,
        addresses=tuple((str(r[0]), str(r[1])) for r in reached),
        units=units,
        groups_linked=int(
            await db.fetchval("SELECT COUNT(*) FROM chats WHERE linked_by = ?", (user_id,))
        ),
        invites_used=int(
            await db.fetchval("SELECT COUNT(*) FROM invites WHERE used_by = ?", (user_id,))
        ),
        invites_created=int(
            await db.fetchval("SELECT COUNT(*) FROM invites WHERE created_by = ?", (user_id,))
        ),
        audit_entries=int(
            await db.fetchval("SELECT COUNT(*) FROM audit_log WHERE actor_id = ?", (user_id,))
        ),
        extra=tuple(extra),
    )


async def erase(db: Database, user_id: int, now: datetime) -> bool:
    """Delete the person's data in one transaction; True if a registration was removed.

    Removed: the people row and their leaderships (CASCADE). Their id is cleared from group
    links, invites they used and invites they created. Hooks run first, in the same
    transaction, so other modules' references go with it or are anonymised. They run for a
    person who never registered too: the bot still holds what they sent (their updates, a
    tip, a draft). The audit log keeps its rows (the ward's security record, as the notice
    says), plus one for this."""
    async with db.transaction() as conn:
        cursor = await conn.execute("SELECT role FROM people WHERE user_id = ?", (user_id,))
        row = await cursor.fetchone()
        for hook in _erase_hooks:
            await hook(conn, user_id, now)
        if row is None:
            await audit_conn(conn, user_id, "data.erase", now, detail="unregistered")
            return False
        await conn.execute("UPDATE chats SET linked_by = NULL WHERE linked_by = ?", (user_id,))
        await conn.execute("UPDATE invites SET used_by = NULL WHERE used_by = ?", (user_id,))
        await conn.execute("UPDATE invites SET created_by = 0 WHERE created_by = ?", (user_id,))
        await conn.execute("UPDATE invites SET revoked_by = 0 WHERE revoked_by = ?", (user_id,))
        await conn.execute("DELETE FROM people WHERE user_id = ?", (user_id,))
        await audit_conn(conn, user_id, "data.erase", now, detail=Role(row[0]).value)
    return True
