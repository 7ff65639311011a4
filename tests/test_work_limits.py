"""Floods of work (issue 9, item 7): tips per person, guesses at invites, review cards first.

The attacks: one resident filed 141 tips in 14.5 s (each screenshot downloaded); a leader's
report card then reached the officer 145 s late behind 148 tip cards; 5,000 guesses at an
invite link were all answered, each adding an audit row.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest

from bot import texts
from bot.app import build_application, running
from bot.clock import FakeClock, iso
from bot.config import Config
from bot.content import ContentPack
from bot.simulator import BotApiSimulator

from .conftest import ADMIN_ID, with_changes
from .local_ids import local
from .report_helpers import add_leader, add_person, file_report, svc, without_reminders
from .test_secrets_at_rest import leader_invite

START = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
async def app(config: Config, pack: ContentPack, clock: FakeClock) -> AsyncIterator[Any]:
    limited = with_changes(
        without_reminders(config),
        "limits",
        tips_per_hour=3,
        invite_guesses=4,
        guess_window_minutes=15,
    )
    application = build_application(limited, pack, clock=clock)
    async with running(application):
        yield application


async def test_tips_per_person_are_capped_per_hour(
    sim: BotApiSimulator, app: Any, clock: FakeClock
) -> None:
    db = svc(app).db
    await add_person(db, 4401, "Bình")
    binh = sim.user(4401, "Bình")
    for number in range(1, 4):
        await binh.send("/baotin")
        await binh.expect_reply()
        await binh.send_photo(caption=f"ảnh chụp bài sai số {number}")
        await binh.expect_reply()
        await binh.send("trong nhóm khu phố")
        assert (await binh.expect_reply()).text.startswith(f"Đã nhận tin báo số {number}")
    await binh.send("/baotin")
    assert (await binh.expect_reply()).text == texts.tip_too_many(3)
    await binh.send_photo(caption="thêm một ảnh")  # not a tip: no draft was opened
    await sim.wait_idle()
    assert await db.fetchval("SELECT COUNT(*) FROM tips") == 3
    assert await db.fetchval("SELECT COUNT(*) FROM tip_drafts") == 0
    assert await db.fetchval("SELECT COUNT(*) FROM media") == 3  # no fourth download
    clock.advance(hours=1, seconds=1)
    await binh.send("/baotin")
    assert (await binh.expect_reply()).text.startswith("Báo tin sai sự thật")


async def test_wrong_invites_are_answered_then_limited_then_silent(
    sim: BotApiSimulator, app: Any, clock: FakeClock
) -> None:
    db = svc(app).db
    token = await leader_invite(app)
    guesser = sim.user(4402, "Khách")
    for n in range(4):
        await guesser.send(f"/start {'A' * 22}{n:02d}")
        assert (await guesser.expect_reply()).text == texts.INVITE_UNKNOWN
    await guesser.send("/start " + "B" * 24)
    assert (await guesser.expect_reply()).text == texts.invite_too_many(15)
    for n in range(50):  # a flood of guesses: no answer, no audit row
        await guesser.send(f"/start {'C' * 22}{n:02d}")
    await guesser.send(f"/start {token}")  # even a right one waits out the window
    await guesser.expect_no_reply(within=0.5)
    rows = await db.fetchall(
        "SELECT action, allowed FROM audit_log WHERE actor_id = ? ORDER BY id",
        (await local(db, 4402),),
    )
    assert [tuple(r) for r in rows] == [("invite.redeem", 0)] * 4 + [("invite.limited", 0)]
    clock.advance(minutes=15, seconds=1)
    await guesser.send(f"/start {token}")
    notice = await guesser.expect_reply()
    assert texts.BTN_AGREE in [label for row in notice.buttons for label in row]


async def test_a_review_card_is_not_queued_behind_tip_cards(
    sim: BotApiSimulator, app: Any, pack: ContentPack
) -> None:
    db = svc(app).db
    binh = await add_person(db, 4403, "Bình")
    admin_id = await local(db, ADMIN_ID)
    stamp = iso(svc(app).clock.now())
    # 148 open tips, each with a card owed to the admin (as a flood of tips would leave).
    async with db.transaction() as conn:
        for n in range(148):
            cursor = await conn.execute(
                "INSERT INTO tips (reporter_id, kind, content, created_at)"
                " VALUES (?, 'text', ?, ?)",
                (binh, f"tin đồn số {n}", stamp),
            )
            await conn.execute(
                "INSERT INTO notices (chat_id, kind, ref_id, created_at, next_at)"
                " VALUES (?, 'tip', ?, ?, ?)",
                (admin_id, cursor.lastrowid, stamp, stamp),
            )
    admin = sim.user(ADMIN_ID, "Hà", started=True)
    await add_leader(db, 4404, "Lan", "Tổ dân phố số 5")
    lan = sim.user(4404, "Lan")
    started = time.monotonic()
    number = await file_report(lan, pack)
    card_at = None
    for _ in range(200):
        texts_seen = [m.text for m in sim.messages_in(admin.chat_id)]
        found = [i for i, t in enumerate(texts_seen) if f"số {number}" in t and "Báo cáo" in t]
        if found:
            card_at = found[0]
            break
        await asyncio.sleep(0.05)
    waited = time.monotonic() - started
    assert card_at is not None, "the review card never came"
    tips_before = sum(t.startswith("Tin báo số") for t in texts_seen[:card_at])
    print(f"review card after {waited:.1f} s, behind {tips_before} tip card(s)")
    assert tips_before <= 12  # at most the tip cards sent while the report was being filed
    assert waited < 20
    # The tip cards were not lost, only put behind: they keep coming after the review card.
    for _ in range(100):
        later = [m.text for m in sim.messages_in(admin.chat_id)][card_at + 1 :]
        if any(t.startswith("Tin báo số") for t in later):
            break
        await asyncio.sleep(0.05)
    assert any(t.startswith("Tin báo số") for t in later)
