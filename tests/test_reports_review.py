"""Officers review reports: Đạt, Cần bổ sung (back to the leader to fix), Không hợp lệ;
digests at configured times; withdrawn reports; only officers may review."""

from __future__ import annotations

import asyncio
from datetime import time
from typing import Any

import pytest

from bot import reports, texts
from bot.app import build_application, running
from bot.channels.telegram_notices import sender
from bot.config import Config
from bot.content import ContentPack
from bot.simulator import BotApiSimulator
from bot.simulator.models import SentMessage, SimUser

from .conftest import ADMIN_ID, SteadyClock, with_changes
from .local_ids import local
from .report_helpers import (
    add_leader,
    add_officer,
    eventually,
    file_report,
    labels,
    svc,
    walk,
    without_reminders,
)

# Leaders file reports on a fixed date: with the real clock, a run in the last minute of a
# month met a report reminder where the test expected the next screen.
pytestmark = pytest.mark.fixed_date


@pytest.fixture
def config(config: Config) -> Config:
    return without_reminders(config)


@pytest.fixture
async def lan(sim: BotApiSimulator, bot: Any) -> SimUser:
    await add_leader(svc(bot).db, 2501, "Lan", "Tổ dân phố số 5")
    return sim.user(2501, "Lan")


@pytest.fixture
def officer(sim: BotApiSimulator) -> SimUser:
    return sim.user(ADMIN_ID, "Hà", started=True)


async def card_for(sim: BotApiSimulator, officer: SimUser, number: int) -> SentMessage:
    """The review card of report `number` in the officer's chat (notices are paced)."""
    found = await eventually(
        lambda: [
            m for m in sim.messages_in(officer.chat_id) if m.text.startswith(f"Báo cáo số {number}")
        ]
    )
    officer.skip_replies()
    return found[0]


async def status(app: Any, number: int) -> str:
    return str(await svc(app).db.fetchval("SELECT status FROM reports WHERE id = ?", (number,)))


async def test_approve(
    sim: BotApiSimulator, bot: Any, lan: SimUser, officer: SimUser, pack: ContentPack
) -> None:
    number = await file_report(lan, pack)
    card = await card_for(sim, officer, number)
    await officer.press(card, texts.R_BTN_APPROVE)
    decided = await officer.expect_reply()
    assert "Trạng thái: Đạt" in decided.text and decided.buttons == []
    assert await status(bot, number) == "approved"
    verdict = await lan.expect_reply(timeout=10)
    assert verdict.text.startswith(f"Báo cáo số {number} đã được duyệt: Đạt")
    # approved: no longer editable or withdrawable
    await lan.send("/baocaocuatoi")
    listing = await lan.expect_reply()
    await lan.press(listing, texts.r_btn_number(number))
    detail = await lan.expect_reply()
    assert labels(detail) == [texts.BTN_BACK]
    await lan.press(detail, callback_data=f"my:wy:{number}")
    await sim.wait_idle()
    assert await status(bot, number) == "approved"
    # a second press (another officer, an old card) changes nothing
    await officer.press(card, callback_data=f"rv:{number}:1:bad")
    await sim.wait_idle()
    answer = [a for a in sim.callback_answers if a.get("text")][-1]["text"]
    assert answer == texts.r_already_reviewed(number, "Đạt")
    db = svc(bot).db
    audit = await db.fetchval(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'review_report' AND actor_id = ?",
        (await local(db, ADMIN_ID),),
    )
    assert audit == 1


async def test_needs_more_round_trip(
    sim: BotApiSimulator, bot: Any, lan: SimUser, officer: SimUser, pack: ContentPack
) -> None:
    number = await file_report(lan, pack)
    card = await card_for(sim, officer, number)
    await officer.press(card, texts.R_BTN_NEEDS_MORE)
    ask = await officer.expect_reply()
    assert ask.text.startswith(f"Báo cáo số {number} cần bổ sung")
    await officer.send("   ")
    assert texts.R_REASON_NEEDED in (await officer.expect_reply()).text
    await officer.send("Thiếu ảnh buổi họp <b>")
    done = await officer.expect_reply()
    assert done.text == texts.r_reviewed(number, "Cần bổ sung")
    assert await status(bot, number) == "needs_more"

    verdict = await lan.expect_reply(timeout=10)
    assert verdict.text.startswith(f"Báo cáo số {number} cần bổ sung")
    assert "Thiếu ảnh buổi họp <b>" in verdict.text  # escaped, shown as typed
    assert labels(verdict) == [texts.R_BTN_FIX]
    await lan.press(verdict, texts.R_BTN_FIX)
    fixing = await lan.expect_reply()
    assert fixing.text.startswith("Kiểm tra báo cáo")
    assert fixing.message_id != verdict.message_id  # the officer's words stay readable
    await lan.press(fixing, texts.R_BTN_EDIT)
    await lan.press(await lan.expect_reply(), texts.R_F_PHOTOS)
    photos_q = await lan.expect_reply()
    await lan.send_photo()
    await lan.expect_reply()
    await lan.press(photos_q, texts.R_BTN_DONE)
    summary = await lan.expect_reply()
    assert "1 ảnh" in summary.text
    await lan.press(summary, texts.R_BTN_SEND)
    assert (await lan.expect_reply()).text.startswith(f"Đã gửi lại báo cáo số {number}")
    row = await svc(bot).db.fetchone("SELECT status, version FROM reports WHERE id = ?", (number,))
    assert (row[0], row[1]) == ("submitted", 2)
    assert await svc(bot).db.fetchval("SELECT COUNT(*) FROM reports") == 1
    # the officer gets the fixed report as a new card, marked as edited
    cards = await eventually(
        lambda: [m for m in sim.messages_in(officer.chat_id) if "(đã sửa)" in m.text]
    )
    assert "1 ảnh" in cards[-1].text
    # and it says what the fix changed, with what was there before
    changed = f"{texts.R_F_CHANGED}: {texts.R_F_PHOTOS} (trước: {texts.r_photos(0)})"
    assert changed in cards[-1].text
    assert texts.R_F_CHANGED not in card.text  # the first card had nothing to compare
    # the old card's buttons carry the old version: refused, refreshed
    await officer.press(card, texts.R_BTN_APPROVE)
    await sim.wait_idle()
    assert [a for a in sim.callback_answers if a.get("text")][-1]["text"] == texts.R_REPORT_CHANGED
    assert await status(bot, number) == "submitted"
    await officer.press(cards[-1], texts.R_BTN_APPROVE)
    await sim.wait_idle()
    assert await status(bot, number) == "approved"


async def test_reject_with_reason_is_final(
    sim: BotApiSimulator, bot: Any, lan: SimUser, officer: SimUser, pack: ContentPack
) -> None:
    number = await file_report(lan, pack)
    card = await card_for(sim, officer, number)
    await officer.press(card, texts.R_BTN_REJECT)
    await officer.expect_reply()
    await officer.send("/huy")  # changed their mind
    assert (await officer.expect_reply()).text == texts.r_review_dropped(number)
    assert await status(bot, number) == "submitted"
    await officer.press(card, texts.R_BTN_REJECT)
    await officer.expect_reply()
    await officer.send("Trùng với báo cáo số 10")
    await officer.expect_reply()
    assert await status(bot, number) == "rejected"
    verdict = await lan.expect_reply(timeout=10)
    assert verdict.text.startswith(f"Báo cáo số {number} không hợp lệ")
    assert "Trùng với báo cáo số 10" in verdict.text and verdict.buttons == []
    await lan.press(verdict, callback_data=f"r:fix:{number}")  # forged: still refused
    refused = await lan.expect_reply()
    assert refused.text == texts.r_not_editable(number, "Không hợp lệ").text


async def test_only_officers_review(
    sim: BotApiSimulator, bot: Any, lan: SimUser, officer: SimUser, pack: ContentPack
) -> None:
    number = await file_report(lan, pack)
    await lan.press(
        sim.messages_in(lan.chat_id)[-1], callback_data=f"rv:{number}:1:ok"
    )  # a leader forging the officer's button
    await sim.wait_idle()
    assert [a for a in sim.callback_answers if a.get("text")][-1]["text"] == texts.NO_PERMISSION
    assert await status(bot, number) == "submitted"
    await lan.send("/duyetbaocao")
    assert (await lan.expect_reply()).text == texts.NO_PERMISSION
    await lan.send("/chuabaocao")
    assert (await lan.expect_reply()).text == texts.NO_PERMISSION
    db = svc(bot).db
    denied = await db.fetchval(
        "SELECT COUNT(*) FROM audit_log WHERE actor_id = ? AND allowed = 0",
        (await local(db, 2501),),
    )
    assert denied == 3


async def test_pending_list_opens_cards(
    sim: BotApiSimulator, bot: Any, lan: SimUser, officer: SimUser, pack: ContentPack
) -> None:
    await officer.send("/duyetbaocao")
    assert (await officer.expect_reply()).text == texts.R_PENDING_NONE
    first = await file_report(lan, pack)
    second = await file_report(lan, pack)
    await card_for(sim, officer, second)
    await officer.send("/duyetbaocao")
    listing = await officer.expect_reply()
    assert listing.text.startswith("Báo cáo chờ duyệt: 2")
    assert labels(listing) == [texts.r_btn_show(first), texts.r_btn_show(second)]
    await officer.press(listing, texts.r_btn_show(first))
    card = await officer.expect_reply()
    assert card.text.startswith(f"Báo cáo số {first}") and texts.R_BTN_APPROVE in labels(card)


async def test_withdrawn_report_tells_officers(
    sim: BotApiSimulator, bot: Any, lan: SimUser, officer: SimUser, pack: ContentPack
) -> None:
    number = await file_report(lan, pack)
    card = await card_for(sim, officer, number)
    await lan.send("/baocaocuatoi")
    listing = await lan.expect_reply()
    await lan.press(listing, callback_data=f"my:wy:{number}")
    await lan.expect_reply()
    told = await eventually(
        lambda: [m for m in sim.messages_in(officer.chat_id) if "rút lại" in m.text]
    )
    assert told[0].text == texts.r_withdrawn_notice(number, "Tổ dân phố số 5").text
    # the card itself is brought up to date: no verdict buttons on a withdrawn report
    closed = await eventually(
        lambda: [card] if "Trạng thái: Đã rút" in card.text and card.buttons == [] else []
    )
    assert closed[0].message_id == card.message_id
    await officer.press(card, callback_data=f"rv:{number}:1:ok")
    await sim.wait_idle()
    assert await status(bot, number) == "withdrawn"


async def test_digest_instead_of_cards(
    sim: BotApiSimulator, config: Config, pack: ContentPack, clock: SteadyClock
) -> None:
    digest_config = with_changes(config, "reports", digest_times=(time(8, 0), time(17, 0)))
    app = build_application(digest_config, pack, clock=clock)
    # The test plays the digest time itself (queue_digests below). The daily jobs fire by
    # the wall clock, whatever the bot's clock says: a run across 08:00 or 17:00 had its
    # reports digested by the job before the test asked (0 listed instead of 2).
    digest_jobs = [job for job in app.job_queue.jobs() if job.name.startswith("reports.digest.")]
    assert len(digest_jobs) == 2  # one a day per configured time
    for job in digest_jobs:
        job.schedule_removal()
    async with running(app):
        db = svc(app).db
        officer = sim.user(ADMIN_ID, "Hà", started=True)
        await add_officer(db, 2599, "Bình")
        binh = sim.user(2599, "Bình", started=True)
        await add_leader(db, 2502, "Lan", "Tổ dân phố số 5")
        lan = sim.user(2502, "Lan")
        one = await file_report(lan, pack)
        two = await file_report(lan, pack)
        await asyncio.sleep(1.2)  # long enough for paced notices to go out
        seen = [m.text for m in sim.messages_in(officer.chat_id)]
        assert seen and all(t.startswith("Khó khăn, đề xuất") for t in seen)  # no cards
        officer.skip_replies()
        binh.skip_replies()
        listed = await reports.queue_digests(db, svc(app).clock, svc(app).config, catch_up=False)
        assert listed == 2
        sender(app).wake()
        digest = await officer.expect_reply(timeout=10)
        assert digest.text.startswith("Báo cáo mới: 2")
        assert labels(digest) == [texts.r_btn_show(one), texts.r_btn_show(two)]
        assert (await binh.expect_reply(timeout=10)).text.startswith("Báo cáo mới: 2")
        assert await reports.queue_digests(db, svc(app).clock, svc(app).config, catch_up=False) == 0
        await officer.press(digest, texts.r_btn_show(two))
        card = await officer.expect_reply()
        await officer.press(card, texts.R_BTN_APPROVE)
        await sim.wait_idle()
        assert await status(app, two) == "approved"


async def test_nobody_reviews_their_own_report(
    sim: BotApiSimulator, bot: Any, pack: ContentPack
) -> None:
    """Issue 11: an admin who leads a tổ could approve their own report. Its card goes to
    the other officers only; pressed by its author, a verdict changes nothing; with no other
    officer yet, the receipt says so."""
    db = svc(bot).db
    await add_leader(db, ADMIN_ID, "Hà", "Tổ dân phố số 9")  # the config's admin leads a tổ
    admin = sim.user(ADMIN_ID, "Hà", started=True)
    first = await walk(admin, pack)
    await admin.press(first, texts.R_BTN_SEND)
    receipt = await admin.expect_reply()
    assert (
        receipt.text.startswith("Đã gửi báo cáo số") and "chưa có cán bộ nào khác" in receipt.text
    )
    number = int(receipt.text.split("số ")[1].split()[0])
    await admin.press(receipt, callback_data=f"rv:{number}:1:ok")  # a forged press of its own
    await sim.wait_idle()
    assert [a for a in sim.callback_answers if a.get("text")][-1]["text"] == texts.R_OWN_REPORT
    assert await status(bot, number) == "submitted"

    await add_officer(db, 2601, "Minh")
    minh = sim.user(2601, "Minh", started=True)
    second = await walk(admin, pack)
    await admin.press(second, texts.R_BTN_SEND)
    receipt = await admin.expect_reply()
    assert "chưa có cán bộ nào khác" not in receipt.text
    number = int(receipt.text.split("số ")[1].split()[0])
    card = await card_for(sim, minh, number)
    await minh.press(card, texts.R_BTN_APPROVE)
    await sim.wait_idle()
    assert await status(bot, number) == "approved"
    cards = [m for m in sim.messages_in(ADMIN_ID) if texts.R_BTN_APPROVE in labels(m)]
    assert cards == []  # the author never got a card of their own reports
    verdict = sim.messages_in(ADMIN_ID)[-1]  # but is told the verdict, as every leader is
    assert verdict.text.startswith(f"Báo cáo số {number} đã được duyệt")


async def test_other_officers_cards_close_when_one_decides(
    sim: BotApiSimulator, bot: Any, lan: SimUser, officer: SimUser, pack: ContentPack
) -> None:
    """Issue 11: when one officer decides, the others' copies of the card lose their
    buttons and say who decided and when."""
    db = svc(bot).db
    await add_officer(db, 2601, "Minh")
    minh = sim.user(2601, "Minh", started=True)
    number = await file_report(lan, pack)
    ha_card = await card_for(sim, officer, number)
    minh_card = await card_for(sim, minh, number)
    assert labels(ha_card)[:2] == [texts.R_BTN_APPROVE, texts.R_BTN_NEEDS_MORE]
    await minh.press(minh_card, texts.R_BTN_APPROVE)
    decided = await minh.expect_reply()
    assert decided.message_id == minh_card.message_id
    assert "Người duyệt: Minh, lúc" in decided.text and decided.buttons == []

    await eventually(lambda: [ha_card] if ha_card.edits else [])
    assert ha_card.buttons == []
    assert "Trạng thái: Đạt" in ha_card.text and "Người duyệt: Minh, lúc" in ha_card.text
    await sim.wait_idle()
    assert minh_card.edits and len(minh_card.edits) == 1  # replaced by the press, once

    # the reason path: the deciding officer's own card is closed as well
    await lan.expect_reply(timeout=10)  # the verdict
    number = await file_report(lan, pack)
    ha_card = await card_for(sim, officer, number)
    minh_card = await card_for(sim, minh, number)
    await officer.press(ha_card, texts.R_BTN_NEEDS_MORE)
    await officer.expect_reply()
    await officer.send("Thiếu ảnh")
    assert (await officer.expect_reply()).text == texts.r_reviewed(number, "Cần bổ sung")
    for card in (ha_card, minh_card):
        await eventually(lambda card=card: [card] if card.edits else [])  # type: ignore[misc]
        assert card.buttons == [], card.text
        assert "Trạng thái: Cần bổ sung" in card.text
        # the config's admin, known by id only: named by what they are
        assert f"Người duyệt: {texts.R_SOME_OFFICER}, lúc" in card.text
    kinds = await db.fetchall(
        "SELECT chat_id, failed FROM notices WHERE kind = 'review_closed' AND ref_id = ?",
        (number,),
    )
    assert sorted(tuple(k) for k in kinds) == sorted(
        [(await local(db, ADMIN_ID), None), (await local(db, 2601), None)]
    )


def test_what_a_fix_changed_is_named_with_the_old_value(pack: ContentPack) -> None:
    changed = {
        "attendance": 35,
        "notes": "Bà con hỏi nhiều về chuyển đổi số và về thủ tục hành chính ở phường",
        "date": "2026-04-05",
        "difficulties": "",
    }
    text = reports.changes_text(pack, changed)
    assert text.split("; ") == [
        f"{texts.R_F_DATE} (trước: 05/04/2026)",
        f"{texts.R_F_ATTENDANCE} (trước: {texts.r_people(35)})",
        f"{texts.R_F_NOTES} (trước: Bà con hỏi nhiều về chuyển đổi số và…)",
        f"{texts.R_F_DIFFICULTIES} (trước: {texts.R_NONE})",
    ]
