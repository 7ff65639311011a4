"""After /xoadulieu nothing of the person is left anywhere the bot writes (issue 9, item 13).

The attack: after a leader erased their data, other people's stored updates still held their
name, username and words (the officer's button press on their review card, the officer's
typed reason), the report photo stayed on disk with its `media` row, a person who never
registered was told there was nothing to erase, and deleted text could still be read in the
raw database file. Here a person with unmistakable markers in every field they can fill in
uses the bot in every way it stores things, then erases; every table, the raw bytes of the
database, its WAL and shared memory, and the media folder are searched for each marker.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from bot import texts
from bot.channels import telegram_inbox
from bot.channels.telegram_render import html
from bot.config import Config
from bot.content import ContentPack
from bot.db import Database
from bot.rich import Rich
from bot.simulator import BotApiSimulator
from bot.simulator.models import SentMessage, SimUser

from .conftest import ADMIN_ID
from .local_ids import local
from .report_helpers import add_leader, eventually, svc, walk, without_reminders
from .test_secrets_at_rest import on_disk

LEADER = 77_001_234  # far from every message, update and report number the test makes
STRANGER = 77_005_678

# ASCII, so that they read the same in SQLite's UTF-8 and in JSON's \u escapes.
NAME, SURNAME, USERNAME = "Lanzqxfirst", "Zqxlastname", "zqx_handle"
NOTES, DIFFICULTIES = "ZQXNOTES buoi hop", "ZQXDIFFICULT can them"
GROUP_TEXT, TIP_NOTE, REASON = "ZQXGROUPCHAT ca nha", "ZQXTIPNOTE thay o cho", "ZQXREASON"
TIP_BODY = "Tin don ZQXTIPBODY thu phi"  # the reported post: kept, as the notice says
MARKERS = (NAME, SURNAME, USERNAME, "ZQXNOTES", "ZQXDIFFICULT", "ZQXGROUPCHAT", "ZQXTIPNOTE")


@pytest.fixture
def config(config: Config) -> Config:
    return without_reminders(config)


async def every_text(db: Database) -> list[tuple[str, str]]:
    """(table, value) for every text and blob value in every table."""
    found = []
    for (table,) in await db.fetchall(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    ):
        for row in await db.fetchall(f"SELECT * FROM {table}"):
            for value in row:
                if isinstance(value, bytes):
                    found.append((table, value.decode("utf-8", "replace")))
                elif isinstance(value, str):
                    found.append((table, value))
    return found


async def tables_naming(db: Database, user_id: int) -> set[str]:
    """The tables with a column holding `user_id`, or a text naming it ("user:<id>")."""
    named = set()
    for (table,) in await db.fetchall(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    ):
        for row in await db.fetchall(f"SELECT * FROM {table}"):
            if any(v == user_id or (isinstance(v, str) and str(user_id) in v) for v in row):
                named.add(str(table))
    return named


# Every column that names a person by local id (bot/erasure.py clears or deletes them all).
PERSON_COLUMNS = (
    ("people", "user_id"),
    ("unit_leaders", "user_id"),
    ("invites", "used_by"),
    ("flow_marks", "user_id"),
    ("report_drafts", "user_id"),
    ("reports", "leader_id"),
    ("reports", "reviewed_by"),
    ("review_waits", "officer_id"),
    ("reminders", "user_id"),
    ("tips", "reporter_id"),
    ("tips", "handled_by"),
    ("tip_drafts", "user_id"),
    ("notices", "chat_id"),
    ("broadcasts", "created_by"),
    ("broadcasts", "progress_chat_id"),
    ("outbox", "chat_id"),
    ("compose_drafts", "user_id"),
    ("schedules", "created_by"),
    ("invite_offers", "user_id"),
    ("search_waits", "user_id"),
    ("unit_asks", "officer_id"),
    ("tip_waits", "officer_id"),
    ("link_codes", "user_id"),
    ("addresses", "local_id"),
)


async def kept_only_in_the_audit_log(db: Database, local_id: int) -> bool:
    """The erased person's local id is in the audit log and in no person column."""
    for table, column in PERSON_COLUMNS:
        sql = f"SELECT COUNT(*) FROM {table} WHERE {column} = ?"
        assert await db.fetchval(sql, (local_id,)) == 0, (table, column)
    sql = "SELECT COUNT(*) FROM audit_log WHERE actor_id = ?"
    return bool(await db.fetchval(sql, (local_id,)))


def media_files(config: Config) -> list[Path]:
    root = Path(config.storage.media)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


async def review_card(sim: BotApiSimulator, officer: SimUser) -> SentMessage:
    found = await eventually(
        lambda: [m for m in sim.messages_in(officer.chat_id) if m.text.startswith("Báo cáo số")]
    )
    officer.skip_replies()
    return found[-1]


async def erase(user: SimUser, confirm: Rich, done: Rich) -> None:
    await user.send("/xoadulieu")
    asked = await user.expect_reply()
    assert asked.html == html(confirm)
    await user.press(asked, texts.BTN_ERASE)
    assert (await user.expect_reply()).html == html(done)


async def test_nothing_of_an_erased_leader_is_left(
    sim: BotApiSimulator, bot: Any, pack: ContentPack, config: Config
) -> None:
    db = svc(bot).db
    await add_leader(db, LEADER, f"{NAME} {SURNAME}", "Tổ dân phố số 9")
    lan_id = await local(db, LEADER)
    lan = sim.user(LEADER, NAME, last_name=SURNAME, username=USERNAME)
    officer = sim.user(ADMIN_ID, "Hà", started=True)
    group = sim.group(-100_777, title="Tổ dân phố số 9")
    sim.add_bot_to_group(group, by=lan)
    await sim.wait_for_message(group.chat_id)
    await lan.send(GROUP_TEXT, chat=group)  # chatter in the group: stored, not answered

    summary = await walk(lan, pack, photo=True, notes=NOTES, difficulties=DIFFICULTIES)
    await lan.press(summary, texts.R_BTN_SEND)
    receipt = await lan.expect_reply()
    number = int(receipt.text.split("số ")[1].split()[0])
    await lan.send("/baotin")
    await lan.expect_reply()
    await lan.send(TIP_BODY)
    await lan.expect_reply()
    await lan.send(TIP_NOTE)
    await lan.expect_reply()

    # The officer sends it back with a reason that names her: the card the officer pressed
    # (in the officer's own update) and the reason both carry her name.
    card = await review_card(sim, officer)
    assert NAME in card.text
    await officer.press(card, texts.R_BTN_NEEDS_MORE)
    await officer.expect_reply()
    await officer.send(f"Chị {NAME} bổ sung ảnh {REASON}")
    await officer.expect_reply()
    await lan.expect_reply(timeout=10)  # the verdict
    photo = await eventually(
        lambda: [1] if media_files(config) else [], timeout=10
    )  # the report photo was downloaded
    assert photo
    await sim.wait_idle()
    await telegram_inbox.flush(bot)
    # The scan can see what the tables hold (her username and her group chatter were only
    # ever in updates, emptied once handled: tests/test_inbox.py).
    stored = " ".join(v for _, v in await every_text(db))
    held = (NAME, SURNAME, "ZQXNOTES", "ZQXDIFFICULT", "ZQXTIPNOTE", REASON)
    assert [m for m in held if m not in stored] == []

    await erase(lan, texts.ERASE_CONFIRM, texts.ERASE_DONE)
    await sim.wait_idle()
    await telegram_inbox.flush(bot)
    await asyncio.sleep(0.3)  # the erase press's own done mark

    left = [
        (table, marker) for table, v in await every_text(db) for marker in MARKERS if marker in v
    ]
    assert left == []
    assert await db.fetchval("SELECT review_reason FROM reports WHERE id = ?", (number,)) == ""
    raw = on_disk(config)
    assert [m for m in (*MARKERS, REASON) if m.encode() in raw] == []
    assert media_files(config) == []
    assert await db.fetchval("SELECT COUNT(*) FROM media") == 0
    # What the notice says is kept, and only that: the report as a count of the tổ, the
    # reported post without its sender, the audit log with her local id — which, her
    # addresses gone, names nobody: her Telegram id is in no table at all.
    assert await db.fetchval("SELECT leader_id FROM reports WHERE id = ?", (number,)) == 0
    assert await db.fetchval("SELECT reporter_id FROM tips WHERE content = ?", (TIP_BODY,)) == 0
    assert await tables_naming(db, LEADER) == set()
    assert await kept_only_in_the_audit_log(db, lan_id)


async def test_a_person_who_never_registered_can_erase_what_they_sent(
    sim: BotApiSimulator, bot: Any, config: Config
) -> None:
    db = svc(bot).db
    khach = sim.user(STRANGER, NAME, last_name=SURNAME, username=USERNAME)
    await khach.send("/start")
    await khach.expect_reply()
    await khach.send(f"xin chào {GROUP_TEXT}")
    await khach.expect_reply()
    await sim.wait_idle()
    await telegram_inbox.flush(bot)
    assert "inbox" in await tables_naming(db, STRANGER)
    khach_id = await local(db, STRANGER)  # the bot gave them a local id on first contact

    await erase(khach, texts.ERASE_CONFIRM_UNREGISTERED, texts.ERASE_DONE_UNREGISTERED)
    await sim.wait_idle()
    await telegram_inbox.flush(bot)
    await asyncio.sleep(0.3)

    assert await tables_naming(db, STRANGER) == set()
    actions = await db.fetchall("SELECT action FROM audit_log WHERE actor_id = ?", (khach_id,))
    assert [a for (a,) in actions] == ["data.erase"]
    assert await kept_only_in_the_audit_log(db, khach_id)
    raw = on_disk(config)
    assert [m for m in MARKERS if m.encode() in raw] == []
