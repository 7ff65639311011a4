"""The tests' people and groups get local ids as the bot gives them on first contact.

Fixtures name people by the Telegram ids the simulator's users have; the core names them by
local ids (bot/addresses.py), numbered from 1 and never equal to a Telegram id in these
tests. `local` makes (or finds) the local id of one Telegram address, `locals_of` of many,
both through the bot's own Directory; `telegram_of` goes back, for checks.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from bot.addresses import TELEGRAM, Directory, Kind, telegram
from bot.clock import FakeClock
from bot.db import Database


async def locals_of(
    db: Database, telegram_ids: Iterable[int], kind: Kind = Kind.PERSON
) -> dict[int, int]:
    """{Telegram id: local id}, made by the bot's own Directory where they do not exist yet."""
    directory = Directory(db, FakeClock(datetime(2026, 1, 1, tzinfo=UTC)))
    return {t: await directory.local(telegram(t, kind)) for t in telegram_ids}


async def local(db: Database, telegram_id: int, kind: Kind = Kind.PERSON) -> int:
    """The local id of the Telegram person (or group) `telegram_id`."""
    return (await locals_of(db, [telegram_id], kind))[telegram_id]


async def telegram_of(db: Database, local_id: int) -> int:
    """The Telegram id a local id is reached at (the test fails if it has none)."""
    found = await db.fetchval(
        "SELECT external_id FROM addresses WHERE channel = ? AND local_id = ?",
        (TELEGRAM, local_id),
    )
    assert found is not None, f"local id {local_id} has no Telegram address"
    return int(found)


async def by_telegram(db: Database, sql: str, params: tuple[object, ...] = ()) -> dict[int, object]:
    """The rows of `sql` — (local id, value) — as {Telegram id: value}, for comparing what the
    database holds with the simulator's people and groups."""
    rows = await db.fetchall(sql, params)
    return {await telegram_of(db, int(r[0])): r[1] for r in rows}
