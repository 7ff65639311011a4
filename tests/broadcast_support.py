"""Helpers shared by the broadcast and schedule tests (issue 5): seed people, tổ and linked
groups straight into the database, reach the running app's services, wait for a broadcast,
and a sender rig (database + PTB Bot + channel + Delivery, without the application)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from telegram import Bot

from bot.addresses import Kind
from bot.channels.aiohttp_request import AiohttpRequest
from bot.channels.telegram_delivery import TelegramChannel
from bot.clock import SystemClock, iso
from bot.config import DeliveryConfig
from bot.db import Database
from bot.delivery import (
    Audience,
    AudienceKind,
    Delivery,
    OutMessage,
    Status,
    broadcast_status,
    create_broadcast,
)
from bot.media import Library
from bot.render import html_to_rich
from bot.services import BOT_DATA_KEY, Services
from bot.simulator import BotApiSimulator

from .conftest import TOKEN
from .local_ids import local, locals_of, telegram_of

STAMP = iso(datetime(2026, 1, 1, tzinfo=UTC))


def svc_of(app: object) -> Services:
    return app.bot_data[BOT_DATA_KEY]  # type: ignore[attr-defined,no-any-return]


async def add_people(
    db: Database, ids: Iterable[int], role: str = "resident", *, notifications: bool = True
) -> dict[int, int]:
    """People reached at these Telegram ids; returns {Telegram id: local id}."""
    found = await locals_of(db, ids)
    await db.conn.executemany(
        "INSERT OR REPLACE INTO people (user_id, first_name, role, consent_at, consent_version,"
        " notifications, reachable, created_at, updated_at) VALUES (?, ?, ?, ?, 'v1', ?, 1, ?, ?)",
        [
            (u, f"Người {t}", role, STAMP, int(notifications), STAMP, STAMP)
            for t, u in found.items()
        ],
    )
    return found


async def add_unit(db: Database, unit_id: int, name: str | None = None) -> None:
    await db.conn.execute(
        "INSERT INTO units (id, code, name, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
        (unit_id, f"T{unit_id:02d}", name or f"Tổ dân phố số {unit_id}", STAMP, STAMP),
    )


async def add_leader(db: Database, telegram_id: int, unit_id: int) -> int:
    user_id = (await add_people(db, [telegram_id], "leader"))[telegram_id]
    await db.conn.execute(
        "INSERT INTO unit_leaders (unit_id, user_id, since) VALUES (?, ?, ?)",
        (unit_id, user_id, STAMP),
    )
    return user_id


async def add_group(db: Database, telegram_id: int, unit_id: int | None) -> int:
    """A group reached at Telegram chat id `telegram_id`; returns its local id."""
    chat_id = await local(db, telegram_id, Kind.GROUP)
    await db.conn.execute(
        "INSERT INTO chats (chat_id, type, title, active, greeted, unit_id, added_at, updated_at)"
        " VALUES (?, 'group', ?, 1, 1, ?, ?, ?)",
        (chat_id, f"Nhóm {telegram_id}", unit_id, STAMP, STAMP),
    )
    return chat_id


async def wait_done(db: Database, broadcast_id: int, timeout: float = 20.0) -> Status:
    """Until the broadcast is marked done; its final status."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        status = await broadcast_status(db, broadcast_id)
        assert status is not None
        if status.done:
            return status
        if loop.time() > deadline:
            raise AssertionError(f"broadcast {broadcast_id} not done in {timeout}s: {status}")
        await asyncio.sleep(0.05)


async def new_broadcast(
    db: Database,
    html: str,
    *,
    kind: AudienceKind = AudienceKind.EVERYONE,
    urgent: bool = False,
    created_by: int = 1,
) -> tuple[int, int]:
    """A broadcast created as /guitin would, not yet queued: (its id, its recipients). The
    body is written as the Telegram HTML it must arrive as, and stored as rich text."""
    return await create_broadcast(
        db,
        SystemClock().now(),
        created_by=created_by,
        message=OutMessage(html_to_rich(html)),
        audience=Audience(kind),
        urgent=urgent,
    )


@dataclass
class Rig:
    sim: BotApiSimulator
    db: Database
    delivery: Delivery
    channel: TelegramChannel | None = None  # None: a test's own fake channel

    async def broadcast(self, kind: AudienceKind, html: str = "<b>Thông báo</b> của phường") -> int:
        broadcast_id, _ = await new_broadcast(self.db, html, kind=kind)
        await self.delivery.enqueue(broadcast_id)
        return broadcast_id

    async def row(self, telegram_id: int) -> dict[str, object]:
        """The outbox row of the recipient reached at `telegram_id` (or moved from it), with
        its recipients named by Telegram id again."""
        chat_id = await self.db.fetchval(
            "SELECT local_id FROM addresses WHERE channel = 'telegram' AND external_id = ?",
            (str(telegram_id),),
        )
        found = await self.db.fetchone(
            "SELECT state, attempts, outcome, error, chat_id, migrated_from FROM outbox"
            " WHERE chat_id = ? OR migrated_from = ?",
            (chat_id, chat_id),
        )
        assert found is not None
        row = dict(found)
        row["chat_id"] = await telegram_of(self.db, int(row["chat_id"]))
        if row["migrated_from"] is not None:
            row["migrated_from"] = await telegram_of(self.db, int(row["migrated_from"]))
        return row

    def calls_to(self, chat_id: int) -> int:
        failed = sum(1 for c in self.sim.failed_calls if c["chat_id"] == str(chat_id))
        return failed + len(self.sim.messages_in(chat_id))


async def start_rig(
    sim: BotApiSimulator, path: Path, config: DeliveryConfig | None = None
) -> AsyncIterator[Rig]:
    db = await Database(path).open()
    await add_unit(db, 1)
    bot = Bot(
        TOKEN,
        base_url=sim.base_url,
        request=AiohttpRequest(connection_pool_size=16, read_timeout=0.5),  # the bot's own
    )
    await bot.initialize()
    delivery = Delivery()
    channel = TelegramChannel(bot, Library(db, path.parent / "media"))
    await delivery.start(db, config or DeliveryConfig(), SystemClock(), channel)
    try:
        yield Rig(sim, db, delivery, channel)
    finally:
        await delivery.stop()
        await bot.shutdown()
        await db.close()
