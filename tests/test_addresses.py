"""Addresses and local ids (bot/addresses.py): the core names people and groups by local id,
numbered from 1; the channel is handed an Address; migration 009 gave every stored person and
group theirs, and 011 renumbered them (tests/test_local_ids_migration.py)."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot import people, texts
from bot.addresses import LOCAL_ID_COLUMNS, Address, Directory, Kind, telegram
from bot.app import build_application, running
from bot.clock import FakeClock, SystemClock
from bot.config import Config
from bot.content import ContentPack
from bot.db import Database
from bot.people import Role
from bot.services import BOT_DATA_KEY
from bot.simulator import BotApiSimulator

from .conftest import database_at, with_changes


async def test_an_address_keeps_its_local_id_across_runs(tmp_path: Path) -> None:
    path = tmp_path / "a.sqlite3"
    async with Database(path) as db:
        directory = Directory(db, SystemClock())
        lan = await directory.local(telegram(5003))
        group = await directory.local(telegram(-100777, Kind.GROUP))
        zalo = await directory.local(Address("zalo", "7d1fa2c0", Kind.PERSON))
        other = await directory.local(Address("zalo", "8e2ab3d1", Kind.PERSON))
        # Numbered from 1 in order of first contact, whatever the channel's own ids are.
        assert (lan, group, zalo, other) == (1, 2, 3, 4)
        assert await directory.local(telegram(5003)) == lan  # from memory now
        assert directory.is_group(group) and not directory.is_group(lan)
    async with Database(path) as db:  # a new run, nothing in memory
        directory = Directory(db, SystemClock())
        assert await directory.address_of(zalo) == Address("zalo", "7d1fa2c0", Kind.PERSON)
        assert await directory.address_of(group) == telegram(-100777, Kind.GROUP)
        assert await directory.local(Address("zalo", "8e2ab3d1")) == other
        assert await directory.address_of(5003) is None  # a Telegram id is not a local id
        assert await directory.address_of(0) is None  # 0: the command line / an erased id
        assert directory.is_group(group) and not directory.is_group(zalo)


async def test_a_person_on_two_channels_is_reached_where_they_last_wrote(
    tmp_path: Path,
) -> None:
    path = tmp_path / "a.sqlite3"
    tg, zalo = telegram(5003), Address("zalo", "7d1fa2c0", Kind.PERSON)
    clock = FakeClock(datetime(2026, 12, 1, 8, 0, tzinfo=UTC))
    async with Database(path) as db:
        directory = Directory(db, clock)
        lan = await directory.local(tg)
        await db.execute(  # her Zalo account linked to her (bot/links.py does this)
            "INSERT INTO addresses (channel, external_id, kind, local_id, added_at)"
            " VALUES ('zalo', '7d1fa2c0', 'person', ?, '2099-01-01T00:00:00Z')",
            (lan,),
        )
        assert await directory.address_of(lan) == tg  # never written since: the first one
        await directory.seen(zalo, lan)
        assert await directory.address_of(lan) == zalo  # at once, from memory
        stamp = "SELECT last_seen_at FROM addresses WHERE channel = 'zalo'"
        assert await db.fetchval(stamp) is None  # the table a moment later, in a batch
        for _ in range(100):
            if await db.fetchval(stamp):
                break
            await asyncio.sleep(0.05)
        first = await db.fetchval(stamp)
        assert first is not None
        clock.advance(minutes=5)
        await directory.seen(zalo, lan)  # the same again: nothing to write
        await directory.write_seen()
        assert await db.fetchval(stamp) == first
    async with Database(path) as db:  # a new run: read from the table
        directory = Directory(db, SystemClock())
        assert await directory.address_of(lan) == zalo
        await directory.seen(tg, lan)
        assert await directory.address_of(lan) == tg
        await directory.write_seen()  # as the bot does at shutdown
    async with Database(path) as db:
        assert await Directory(db, SystemClock()).address_of(lan) == tg
        directory = Directory(db, SystemClock())
        await directory.seen(telegram(-100777, Kind.GROUP), lan)
        await directory.write_seen()
        assert await db.fetchval(  # a group is not where a person is reached
            "SELECT COUNT(*) FROM addresses WHERE last_seen_at IS NOT NULL"
        ) == 2  # fmt: skip


async def test_a_number_is_never_given_twice_even_after_an_erasure(tmp_path: Path) -> None:
    async with Database(tmp_path / "a.sqlite3") as db:
        directory = Directory(db, SystemClock())
        first = await directory.local(telegram(5003))
        await db.execute("DELETE FROM addresses WHERE local_id = ?", (first,))  # erased
        directory.forget(first)
        again = await directory.local(telegram(5003))  # the same person, back: a new number
        assert again == first + 1
        assert await directory.local(telegram(5004)) == again + 1


async def test_strangers_are_forgotten_and_everyone_the_bot_knows_stays(tmp_path: Path) -> None:
    """Someone who only wrote in a group (or opened the bot and left) has an address the bot
    keeps nothing about: it goes 30 days after first contact. A registered person, a group,
    anyone a row refers to, and a stranger who wrote recently stay."""
    clock = FakeClock(datetime(2026, 11, 1, 3, 0, tzinfo=UTC))
    async with Database(tmp_path / "a.sqlite3") as db:
        directory = Directory(db, clock)
        stranger = await directory.local(telegram(7001))
        member = await directory.local(telegram(7002))
        group = await directory.local(telegram(-100900, Kind.GROUP))
        officer = await directory.local(telegram(7003))  # in the audit log only
        anonymous = await directory.local(telegram(1087968824, Kind.SHARED))
        await db.execute(
            "INSERT INTO people (user_id, role, consent_at, consent_version, created_at,"
            " updated_at) VALUES (?, 'resident', '2026-11-01T03:00:00Z', 1,"
            " '2026-11-01T03:00:00Z', '2026-11-01T03:00:00Z')",
            (member,),
        )
        await db.execute(
            "INSERT INTO audit_log (at, actor_id, action, target) VALUES (?, ?, 'x', ?)",
            ("2026-11-01T03:00:00Z", 0, f"user:{officer}"),
        )
        clock.advance(days=29)
        newcomer = await directory.local(telegram(7004))
        assert await directory.prune_strangers() == 0  # nobody is 30 days old yet
        clock.advance(days=2)
        assert await directory.prune_strangers() == 2  # the stranger, the anonymous admin
        assert await directory.address_of(stranger) is None
        assert await directory.address_of(anonymous) is None
        for kept in (member, group, officer, newcomer):
            assert await directory.address_of(kept) is not None
        back = await directory.local(telegram(7001))  # the stranger writes again
        assert back > newcomer  # a new number: numbers are never reused
        rows = await db.fetchval("SELECT COUNT(*) FROM local_ids WHERE id IN (?, ?)",
                                 (stranger, anonymous))  # fmt: skip
        assert rows == 0


async def test_the_prune_knows_every_column_that_holds_a_local_id(tmp_path: Path) -> None:
    """Every column named like a person's or a chat's id is in LOCAL_ID_COLUMNS (or is known
    not to be one): a table added later cannot have its people pruned from under it."""
    not_people = {"unit_id", "report_id", "media_id", "schedule_id", "broadcast_id",
                  "ref_id", "event_id", "invite_id", "message_id", "progress_message_id",
                  "external_id", "tip_id", "home_unit_id"}  # fmt: skip
    async with Database(tmp_path / "a.sqlite3") as db:
        tables = [
            str(r[0])
            for r in await db.fetchall(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        found = set()
        for table in tables:
            for column in await db.fetchall(f"PRAGMA table_info({table})"):
                name = str(column[1])
                if name.endswith(("_id", "_by", "_from")) and name not in not_people:
                    found.add((table, name))
    found.discard(("addresses", "local_id"))  # the map itself
    assert found == set(LOCAL_ID_COLUMNS)


def test_an_address_in_the_config_is_channel_and_id() -> None:
    assert Address.parse(" Zalo:7d1fa2c0 ") == Address("zalo", "7d1fa2c0", Kind.PERSON)
    assert str(telegram(42)) == "telegram:42"
    for wrong in ("42", "telegram:", ":42", ""):
        with pytest.raises(ValueError):
            Address.parse(wrong)


async def test_migration_009_gives_every_stored_person_and_group_an_address(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.sqlite3"
    database_at(path, 8)
    conn = sqlite3.connect(path)
    stamp = "2026-04-01T00:00:00Z"
    conn.execute(
        "INSERT INTO people (user_id, first_name, role, consent_at, consent_version,"
        " created_at, updated_at) VALUES (5003, 'Lan', 'leader', ?, 'v1', ?, ?)",
        (stamp, stamp, stamp),
    )
    conn.execute("INSERT INTO chats (chat_id, type, title) VALUES (-100555, 'supergroup', 'Tổ 5')")
    conn.commit()
    conn.close()
    async with Database(path) as db:
        rows = await db.fetchall(
            "SELECT channel, external_id, kind, local_id FROM addresses ORDER BY local_id"
        )
        # 011 then numbered them locally, in order of first contact (the group was added
        # when the migration ran; the person's row is older).
        assert [tuple(r) for r in rows] == [
            ("telegram", "5003", "person", 1),
            ("telegram", "-100555", "group", 2),
        ]
        assert await db.fetchval("SELECT user_id FROM people") == 1
        assert await db.fetchval("SELECT chat_id FROM chats") == 2
        directory = Directory(db, SystemClock())
        assert await directory.address_of(1) == telegram(5003)
        assert await directory.address_of(2) == telegram(-100555, Kind.GROUP)


async def test_an_admin_listed_by_address_gets_the_admins_tools(
    sim: BotApiSimulator, config: Config, pack: ContentPack
) -> None:
    """`[admins] addresses` (any channel's `channel:id`) makes an admin as telegram_ids does;
    the person is found by their address, not by a Telegram number in the core."""
    listed = with_changes(config, "admins", telegram_ids=(), addresses=("telegram:7301",))
    app = build_application(listed, pack)
    admin, stranger = sim.user(7301, "Hoa"), sim.user(7302, "Nam")
    async with running(app):
        await admin.send("/capquyen")
        assert texts.NO_PERMISSION not in (await admin.expect_reply()).text
        await stranger.send("/capquyen")
        assert texts.NO_PERMISSION in (await stranger.expect_reply()).text
        directory = app.bot_data[BOT_DATA_KEY].directory
        hoa = await directory.local(telegram(7301))
        db = app.bot_data[BOT_DATA_KEY].db
        assert await people.role_of(db, listed, hoa) == Role.ADMIN
        assert hoa in await people.officer_ids(db, listed)


async def test_erasure_removes_the_persons_addresses_and_the_menus_kept_under_them(
    tmp_path: Path,
) -> None:
    from bot import consent, erasure, numbered  # erasure: its hooks join consent.erase
    from bot.numbered import Option

    assert erasure.ERASED_ID == 0
    async with Database(tmp_path / "a.sqlite3") as db:
        directory = Directory(db, SystemClock())
        lan = await directory.local(telegram(5003))
        hung = await directory.local(telegram(5004))
        shown = (Option(1, "Mục tiêu", "c:goal"),)
        for person in (lan, hung):
            address = await directory.address_of(person)
            assert address is not None
            await numbered.remember(db, str(address), shown, SystemClock().now())
        await consent.erase(db, lan, SystemClock().now())
        directory.forget(lan)
        keys = [r[0] for r in await db.fetchall("SELECT chat_key FROM numbered_menus")]
        assert keys == ["telegram:5004"]  # another person's menu is kept
        assert await db.fetchval("SELECT COUNT(*) FROM addresses WHERE external_id = '5003'") == 0
        assert await directory.address_of(lan) is None  # nothing kept in memory either
        assert await directory.address_of(hung) == telegram(5004)
