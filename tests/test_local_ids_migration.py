"""Migration 011 numbers people and groups locally, over a database the previous release made.

`tests/data/release_v10.sqlite3` was made by the release before local ids (schema 10, commit
4d6e29d) driving the real bot through the simulator: an admin's invites (one used, one open,
one revoked), a leader who joined by invite, linked a group and filed two reports (one
approved, with a photo), a resident's tip, two broadcasts sent, the calendar's schedule and
an official's, a report draft left at its first step, and the audit rows all of it wrote
(tests/data/README.md says how). Every row must survive, every id column must now hold the
local id of the address the old Telegram id was, and the bot must carry on with the data.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections import Counter
from pathlib import Path
from typing import Any

from bot import texts
from bot.app import build_application, running
from bot.config import Config
from bot.content import ContentPack
from bot.db import Database
from bot.delivery import AudienceKind
from bot.simulator import BotApiSimulator

from .broadcast_support import new_broadcast, wait_done
from .conftest import ADMIN_ID
from .report_helpers import eventually, svc

RELEASE = Path(__file__).parent / "data" / "release_v10.sqlite3"
LAN, BINH, GROUP = 1001, 1002, -100500  # the Telegram ids the release db was made with

# Every column that named a person or a group by Telegram id in schema 10.
ID_COLUMNS = {
    "people": ("user_id",),
    "unit_leaders": ("user_id",),
    "invites": ("created_by", "used_by", "revoked_by"),
    "audit_log": ("actor_id",),
    "flow_marks": ("user_id",),
    "report_drafts": ("user_id",),
    "reports": ("leader_id", "reviewed_by"),
    "review_waits": ("officer_id",),
    "reminders": ("user_id",),
    "tips": ("reporter_id", "handled_by"),
    "tip_drafts": ("user_id",),
    "notices": ("chat_id",),
    "broadcasts": ("created_by", "progress_chat_id"),
    "outbox": ("chat_id", "migrated_from"),
    "compose_drafts": ("user_id",),
    "schedules": ("created_by",),
    "chats": ("chat_id", "linked_by"),
    "invite_offers": ("user_id",),
    "search_waits": ("user_id",),
}


def rows_of(path: Path) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table."""
    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    tables = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    found = {
        t: [dict(r) for r in conn.execute(f"SELECT * FROM {t} ORDER BY rowid")] for t in tables
    }
    conn.close()
    return found


def test_the_release_database_holds_what_the_test_needs() -> None:
    before = rows_of(RELEASE)
    conn = sqlite3.connect(RELEASE)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 10
    conn.close()
    needed = ("reports", "invites", "broadcasts", "schedules", "audit_log", "outbox", "chats",
              "tips", "notices", "report_drafts", "unit_leaders", "flow_marks")  # fmt: skip
    for table in needed:
        assert before[table], f"the release database has no {table}"
    assert {r["status"] for r in before["reports"]} == {"approved", "submitted"}
    assert any(r["revoked_at"] for r in before["invites"])


async def test_every_row_survives_and_every_id_becomes_the_local_one(tmp_path: Path) -> None:
    path = tmp_path / "loa.sqlite3"
    shutil.copy(RELEASE, path)
    before = rows_of(path)
    async with Database(path, schema=11) as db:  # what 011 did, before later migrations
        assert await db.schema_version() == 11
    after = rows_of(path)

    # The map the migration made, read back from the addresses (Telegram id → local id).
    local = {int(a["external_id"]): a["local_id"] for a in after["addresses"]}
    assert sorted(local.values()) == list(range(1, len(local) + 1))  # numbered from 1
    assert not set(local.values()) & set(local)  # no local id is anyone's Telegram id
    assert sorted(r["id"] for r in after["local_ids"]) == sorted(local.values())
    kinds = {int(a["external_id"]): a["kind"] for a in after["addresses"]}
    assert kinds[GROUP] == "group" and kinds[LAN] == kinds[ADMIN_ID] == "person"

    def migrated(table: str, row: dict[str, Any]) -> tuple[tuple[str, Any], ...]:
        """The row as 011 must have left it: ids mapped, everything else as it was."""
        row = dict(row)
        for column in ID_COLUMNS.get(table, ()):
            if row[column] not in (None, 0):
                row[column] = local[row[column]]
        target = row.get("target", "") if table == "audit_log" else ""
        if target.startswith(("chat:", "user:")):
            row["target"] = f"{target[:5]}{local[int(target[5:])]}"
        if table == "addresses":
            row.pop("local_id")  # the map itself, checked above
        return tuple(sorted(row.items()))

    for table, old_rows in before.items():
        new_rows = after[table]
        if table == "addresses":
            new_rows = [{k: v for k, v in r.items() if k != "local_id"} for r in new_rows]
        expected = Counter(migrated(table, r) for r in old_rows)
        actual = Counter(tuple(sorted(r.items())) for r in new_rows)
        assert actual == expected, table  # every row, nothing lost, nothing added
    assert set(after) - set(before) == {"local_ids"}

    # The people and rows a ward would look for, by name and number.
    lan, admin, group = local[LAN], local[ADMIN_ID], local[GROUP]
    reports = {r["id"]: r for r in after["reports"]}
    assert {r["leader_id"] for r in reports.values()} == {lan}
    assert [r["reviewed_by"] for r in reports.values() if r["status"] == "approved"] == [admin]
    assert [r["used_by"] for r in after["invites"] if r["used_by"]] == [lan]
    assert {r["created_by"] for r in after["invites"]} == {admin}
    assert [r["chat_id"] for r in after["chats"]] == [group]
    assert {r["chat_id"] for r in after["outbox"]} == {lan, local[BINH], group}
    assert [r["reporter_id"] for r in after["tips"]] == [local[BINH]]
    assert {r["created_by"] for r in after["schedules"]} == {0, admin}  # 0: the calendar


async def test_the_bot_carries_on_with_the_migrated_data(
    tmp_path: Path, sim: BotApiSimulator, config: Config, pack: ContentPack
) -> None:
    shutil.copy(RELEASE, Path(config.storage.database))
    # Telegram numbers a bot's updates on from where they were: the release's inbox holds
    # 1..36, and the durable inbox rightly ignores an id it has already handled.
    sim.updates.next_id = 1000
    app = build_application(config, pack)
    async with running(app):
        db = svc(app).db
        lan = sim.user(LAN, "Lan", started=True)
        await lan.send("/baocaocuatoi")  # her two reports are still hers
        mine = await lan.expect_reply()
        assert "Số 2 · 03/12/2026 · Họp tổ dân phố — Chờ duyệt" in mine.text, mine.text
        assert "Số 1 · 03/12/2026 · Họp tổ dân phố — Đạt" in mine.text
        await lan.send("/baocao")  # the draft she left is still hers
        resumed = await lan.expect_reply()
        assert texts.R_Q_DATE in resumed.text or texts.R_BTN_RESUME in sum(resumed.buttons, [])

        admin = sim.user(ADMIN_ID, "Hà", started=True)
        await admin.send("/duyetbaocao")  # the report still waiting …
        pending = await admin.expect_reply()
        assert "Số 2 · Tổ dân phố số 5" in pending.text, pending.text
        await admin.press(pending, sum(pending.buttons, [])[0])
        card = await admin.expect_reply()  # … with its leader's name, found by local id
        assert card.text.startswith("Báo cáo số 2") and "Lan" in card.text, card.text
        await admin.send("/loimoi")  # the open invite is still the admin's
        assert "TDP06" in (await admin.expect_reply()).text

        # A broadcast reaches the leader and the linked group at their Telegram ids.
        group = sim.group(GROUP, "Tổ 5 Hải An")
        before = len(sim.messages_in(group.chat_id))
        for kind in (AudienceKind.LEADERS, AudienceKind.GROUPS):
            broadcast_id, count = await new_broadcast(db, "Tin sau nâng cấp", kind=kind)
            assert count == 1
            await svc(app).delivery.enqueue(broadcast_id)
            assert (await wait_done(db, broadcast_id)).sent == 1
        await eventually(lambda: [m for m in sim.messages_in(LAN) if "sau nâng cấp" in m.text])
        assert len(sim.messages_in(group.chat_id)) == before + 1
