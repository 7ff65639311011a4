"""The report flow end to end: a leader files, fixes and cancels reports with taps.

"Hôm nay" and "Hôm qua" are dates, so the bot runs on a clock set to FIXED_NOW (10:00 in
Hải An) and the expected dates are FIXED_TODAY: a run a moment before midnight would
otherwise see the bot store one day and the test expect the next."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot import texts
from bot.config import Config
from bot.content import ContentPack
from bot.report_parse import topics
from bot.simulator import BotApiSimulator
from bot.simulator.models import SimUser

from .conftest import ADMIN_ID, FIXED_TODAY
from .local_ids import local
from .report_helpers import (
    add_leader,
    add_person,
    begin,
    labels,
    svc,
    walk,
    without_reminders,
)

pytestmark = pytest.mark.fixed_date


async def fetch_reports(app: Any) -> list[Any]:
    return await svc(app).db.fetchall("SELECT * FROM reports ORDER BY id")


@pytest.fixture
def config(config: Config) -> Config:
    return without_reminders(config)


@pytest.fixture
async def lan(sim: BotApiSimulator, bot: Any) -> SimUser:
    await add_leader(svc(bot).db, 2001, "Lan", "Tổ dân phố số 5")
    return sim.user(2001, "Lan")


async def test_happy_path_receipt_review_card_difficulty_and_photo(
    sim: BotApiSimulator, bot: Any, lan: SimUser, pack: ContentPack, config: Config
) -> None:
    officer = sim.user(ADMIN_ID, "Hà", started=True)
    summary = await walk(lan, pack, photo=True)
    assert summary.text.startswith("Kiểm tra báo cáo trước khi gửi")
    today = FIXED_TODAY.strftime("%d/%m/%Y")
    for expected in (
        "Tổ dân phố số 5",
        today,
        "Họp tổ dân phố",
        topics(pack)[0].title,
        topics(pack)[2].title,
        "Số người dự: khoảng 40 người",  # Issue 11: kept as the estimate it was
        "chuyển đổi số",
        "1 ảnh",
        "Cần thêm tài liệu",
    ):
        assert expected in summary.text, expected
    assert labels(summary) == [texts.R_BTN_SEND, texts.R_BTN_EDIT, texts.R_BTN_CANCEL]

    await lan.press(summary, texts.R_BTN_SEND)
    receipt = await lan.expect_reply()
    assert receipt.message_id == summary.message_id and receipt.buttons == []
    rows = await fetch_reports(bot)
    assert len(rows) == 1
    assert f"Đã gửi báo cáo số {rows[0]['id']}" in receipt.text
    report = rows[0]
    assert report["attendance"] == 40 and report["form"] == "hop_to"
    assert report["attendance_about"] == "about"
    assert json.loads(report["topics"]) == [topics(pack)[0].id, topics(pack)[2].id]
    assert report["session_date"] == FIXED_TODAY.isoformat()
    assert report["status"] == "submitted"
    db = svc(bot).db
    assert await db.fetchval("SELECT COUNT(*) FROM report_drafts") == 0
    assert await db.fetchval("SELECT COUNT(*) FROM report_photos") == 1

    # the officer gets the review card and, as its own message, the difficulty
    card = await sim.wait_for_message(officer.chat_id, timeout=10)
    assert f"Báo cáo số {report['id']}" in card.text
    assert labels(card) == [
        texts.R_BTN_APPROVE,
        texts.R_BTN_NEEDS_MORE,
        texts.R_BTN_REJECT,
        texts.R_BTN_PHOTOS,
    ]
    second = await sim.wait_for_message(officer.chat_id, after=card.message_id, timeout=10)
    assert "Khó khăn, đề xuất" in second.text and "Cần thêm tài liệu" in second.text

    await officer.press(card, texts.R_BTN_PHOTOS)  # the officer looks at the photo
    photo = await sim.wait_for_message(officer.chat_id, after=second.message_id, timeout=10)
    assert photo.photo
    # an old "Gửi" of the sent report does nothing, not a second report, not a new draft
    await lan.press(summary, callback_data="r:send")
    gone = await lan.expect_reply()
    assert gone.text == texts.R_DRAFT_GONE
    assert len(await fetch_reports(bot)) == 1
    assert await db.fetchval("SELECT COUNT(*) FROM report_drafts") == 0

    # the photo was downloaded into [storage] media
    for _ in range(100):
        path = await db.fetchval("SELECT path FROM media")
        if path:
            break
        await sim.wait_idle()
    assert path, "photo not downloaded"
    assert (Path(config.storage.media) / path).stat().st_size > 0


async def test_only_leaders_report_and_only_in_private(sim: BotApiSimulator, bot: Any) -> None:
    await add_person(svc(bot).db, 2101, "Minh")  # registered, but leads no tổ
    minh = sim.user(2101, "Minh")
    assert (await begin(minh)).text == texts.R_NOT_LEADER
    stranger = sim.user(2102, "Khách")
    assert (await begin(stranger)).text == texts.R_NOT_LEADER
    group = sim.group(-100777, title="Tổ 5")
    sim.add_bot_to_group(group, by=minh)
    greeting = await sim.wait_for_message(group.chat_id)
    await minh.send("/baocao", chat=group)
    reply = await sim.wait_for_message(group.chat_id, after=greeting.message_id)
    assert reply.text == texts.R_PRIVATE_ONLY
    assert await svc(bot).db.fetchval("SELECT COUNT(*) FROM report_drafts") == 0


async def test_leader_of_several_to_picks_which(sim: BotApiSimulator, bot: Any) -> None:
    ids = await add_leader(svc(bot).db, 2201, "Hoa", "Tổ dân phố số 7", "Tổ dân phố số 8")
    hoa = sim.user(2201, "Hoa")
    pick = await begin(hoa)
    assert texts.R_Q_UNIT in pick.text
    assert labels(pick) == ["Tổ dân phố số 7", "Tổ dân phố số 8"]
    await hoa.press(pick, "Tổ dân phố số 8")
    date_q = await hoa.expect_reply()
    assert "Tổ dân phố số 8" in date_q.text and texts.R_Q_DATE in date_q.text
    await hoa.press(date_q, texts.BTN_BACK)  # back to the choice of tổ
    again = await hoa.expect_reply()
    assert texts.R_Q_UNIT in again.text
    await hoa.press(again, callback_data="r:u:999999")  # a tổ she does not lead
    refused = await hoa.expect_reply()
    assert texts.R_PICK_BUTTON in refused.text and texts.R_Q_UNIT in refused.text
    db = svc(bot).db
    unit = await db.fetchval(
        "SELECT unit_id FROM report_drafts WHERE user_id = ?", (await local(db, 2201),)
    )
    assert unit == ids[1]  # the earlier answer is kept


async def test_the_example_the_bot_gives_is_accepted(
    sim: BotApiSimulator, bot: Any, lan: SimUser
) -> None:
    """Issue 11: the date question's "ví dụ 05/04/2026" was older than the 60 days a report
    may be late, and refused. The example is a recent date, and typing it is accepted."""
    date_q = await begin(lan)
    example = re.search(r"ví dụ (\d{2}/\d{2}/\d{4})", date_q.text)
    assert example is not None, date_q.text
    day = datetime.strptime(example.group(1), "%d/%m/%Y").date()
    assert day == FIXED_TODAY - timedelta(days=2)
    await lan.send(example.group(1))
    form_q = await lan.expect_reply()
    assert texts.R_Q_FORM in form_q.text


async def test_wrong_dates_are_asked_again_and_answers_kept(
    sim: BotApiSimulator, bot: Any, lan: SimUser, config: Config
) -> None:
    date_q = await begin(lan)
    today = FIXED_TODAY
    cases = [
        ("32/13/2026", texts.R_BAD_DATE),
        ("hôm kìa nữa", texts.R_BAD_DATE),
        ((today + timedelta(days=1)).strftime("%d/%m/%Y"), texts.R_FUTURE_DATE),
        ((today - timedelta(days=61)).strftime("%d-%m-%Y"), texts.r_old_date(60)),
    ]
    for typed, problem in cases:
        await lan.send(typed)
        reply = await lan.expect_reply()
        assert problem in reply.text, (typed, reply.text)
        assert texts.R_KEPT in reply.text and texts.R_Q_DATE in reply.text
        assert labels(reply)[:2] == [texts.R_BTN_TODAY, texts.R_BTN_YESTERDAY]
    assert await svc(bot).db.fetchval("SELECT step FROM report_drafts") == "date"
    await lan.send("hom qua")  # without diacritics
    form_q = await lan.expect_reply()
    assert texts.R_Q_FORM in form_q.text
    assert (today - timedelta(days=1)).strftime("%d/%m/%Y") in form_q.text  # the recap line
    stored = await svc(bot).db.fetchval("SELECT session_date FROM report_drafts")
    assert stored == (today - timedelta(days=1)).isoformat()
    assert date_q.message_id != form_q.message_id  # typed answers get a new message


async def test_form_other_is_typed_and_wrong_attendance_reasked(
    sim: BotApiSimulator, bot: Any, lan: SimUser, pack: ContentPack
) -> None:
    date_q = await begin(lan)
    await lan.press(date_q, texts.R_BTN_TODAY)
    form_q = await lan.expect_reply()
    assert labels(form_q)[:7] == [texts.R_FORM_LABELS[c] for c in texts.R_FORM_LABELS]
    await lan.send("xyz")
    reply = await lan.expect_reply()
    assert texts.R_PICK_BUTTON in reply.text and texts.R_Q_FORM in reply.text
    await lan.press(reply, texts.R_FORM_LABELS["khac"])
    other_q = await lan.expect_reply()
    assert texts.R_Q_FORM_OTHER in other_q.text
    await lan.send("x" * 101)
    assert "quá giới hạn 100" in (await lan.expect_reply()).text
    await lan.send("Đến từng hộ gia đình")
    topic_q = await lan.expect_reply()
    assert "Đến từng hộ gia đình" in topic_q.text and texts.R_Q_TOPICS in topic_q.text
    first = topics(pack)[0]
    await lan.press(topic_q, first.title)
    topic_q = await lan.expect_reply()
    await lan.press(topic_q, texts.r_btn_topics_done(1))
    att_q = await lan.expect_reply()
    assert texts.R_Q_ATTENDANCE in att_q.text
    for typed, problem in (
        ("nhiều lắm", texts.R_BAD_ATTENDANCE),
        ("30-40", texts.R_BAD_ATTENDANCE),
        ("0", texts.R_RANGE_ATTENDANCE),
        ("12.000 người", texts.R_RANGE_ATTENDANCE),
    ):
        await lan.send(typed)
        reply = await lan.expect_reply()
        assert problem in reply.text and texts.R_Q_ATTENDANCE in reply.text, typed
        assert "1 nội dung" in reply.text  # earlier answers are still there
    await lan.send("1.250 người")
    notes_q = await lan.expect_reply()
    assert "1.250 người" in notes_q.text and texts.R_Q_NOTES in notes_q.text
    await lan.send("a" * 1001)
    reply, kept = await lan.expect_replies(2)
    assert texts.r_too_long_kept(1001, 1000) in reply.text and texts.R_Q_NOTES in reply.text
    assert labels(reply)[0] == texts.r_btn_cut(1000)
    assert kept.text == "a" * 1001  # Issue 11: sent back to copy, not lost
    await lan.send_document()  # a file where the note is asked: answered, nothing lost
    reply = await lan.expect_reply()
    assert texts.R_FILE_NOT_HERE in reply.text and texts.R_Q_NOTES in reply.text
    await lan.press(reply, texts.R_BTN_SKIP)
    photos_q = await lan.expect_reply()
    assert texts.R_Q_PHOTOS in photos_q.text
    # Issue 11: a PDF at the photo step got no answer at all.
    await lan.send_document()
    reply = await lan.expect_reply()
    assert texts.R_FILE_NOT_TAKEN in reply.text and texts.R_Q_PHOTOS in reply.text
    assert texts.R_KEPT in reply.text
    draft = await svc(bot).db.fetchone("SELECT * FROM report_drafts")
    assert draft["step"] == "photos" and draft["photos"] == "[]"
    assert draft["form"] == "khac" and draft["form_other"] == "Đến từng hộ gia đình"
    assert draft["attendance"] == 1250 and draft["notes"] == ""


async def test_topics_pages_toggle_and_need_one(
    sim: BotApiSimulator, bot: Any, lan: SimUser, pack: ContentPack
) -> None:
    date_q = await begin(lan)
    await lan.press(date_q, texts.R_BTN_TODAY)
    await lan.press(await lan.expect_reply(), texts.R_FORM_LABELS["loa"])
    topic_q = await lan.expect_reply()
    await lan.press(topic_q, texts.r_btn_topics_done(0))
    await sim.wait_idle()
    alert = [a for a in sim.callback_answers if a.get("text")][-1]
    assert alert["text"] == texts.R_NEED_TOPIC and alert.get("show_alert")
    await lan.expect_no_reply(within=0.2)  # the question stays as it is
    items = topics(pack)
    assert len(items) > 10, "the pack offers more topics than one page"
    await lan.send("nhiệm vụ 3")  # typing is not how topics are chosen
    reply = await lan.expect_reply()
    assert texts.R_PICK_TOPICS in reply.text
    await lan.press(reply, texts.BTN_NEXT_PAGE)
    page2 = await lan.expect_reply()
    last = items[-1]
    await lan.press(page2, last.title)
    page2 = await lan.expect_reply()
    assert "✅ " + last.title in labels(page2)
    await lan.press(page2, texts.BTN_PREV_PAGE)
    page1 = await lan.expect_reply()
    await lan.press(page1, items[1].title)
    page1 = await lan.expect_reply()
    await lan.press(page1, "✅ " + items[1].title)  # pressing again un-ticks it
    page1 = await lan.expect_reply()
    assert items[1].title in labels(page1) and "✅ " + items[1].title not in labels(page1)
    await lan.press(page1, items[0].title)
    page1 = await lan.expect_reply()
    await lan.press(page1, texts.r_btn_topics_done(2))
    await lan.expect_reply()
    stored = json.loads(await svc(bot).db.fetchval("SELECT topics FROM report_drafts"))
    assert stored == [items[0].id, last.id]  # in the pack's order, not the tick order


async def test_photos_limit_clear_and_early_photo(
    sim: BotApiSimulator, bot: Any, lan: SimUser
) -> None:
    date_q = await begin(lan)
    await lan.send_photo()  # a photo before its step is kept, the question repeats
    early = await lan.expect_reply()
    assert texts.r_photo_added(1, 10) in early.text and texts.R_Q_DATE in early.text
    await lan.press(date_q, texts.R_BTN_TODAY)
    await lan.press(await lan.expect_reply(), texts.R_FORM_LABELS["mxh"])
    topic_q = await lan.expect_reply()
    await lan.press(topic_q, labels(topic_q)[0])
    await lan.press(await lan.expect_reply(), texts.r_btn_topics_done(1))
    await lan.expect_reply()
    await lan.send("35")
    await lan.press(await lan.expect_reply(), texts.R_BTN_SKIP)
    photos_q = await lan.expect_reply()
    await lan.send("không biết gửi ảnh")
    assert texts.R_PHOTO_EXPECTED in (await lan.expect_reply()).text
    for n in range(2, 11):
        await lan.send_photo()
        reply = await lan.expect_reply()
        assert texts.r_photo_added(n, 10) in reply.text
    await lan.send_photo()
    full = await lan.expect_reply()
    assert texts.R_PHOTOS_FULL in full.text
    assert (
        json.loads(await svc(bot).db.fetchval("SELECT photos FROM report_drafts")).__len__() == 10
    )
    await lan.press(full, texts.R_BTN_CLEAR_PHOTOS)
    cleared = await lan.expect_reply()
    assert texts.R_PHOTOS_CLEARED in cleared.text
    assert await svc(bot).db.fetchval("SELECT photos FROM report_drafts") == "[]"
    await lan.send("xong")  # typing "xong" works like the button
    diff_q = await lan.expect_reply()
    assert texts.R_Q_DIFFICULTIES in diff_q.text
    await lan.press(diff_q, texts.R_BTN_NONE)
    summary = await lan.expect_reply()
    assert f"{texts.R_F_PHOTOS}: {texts.R_NONE}" in summary.text
    assert photos_q.message_id  # (the photos question was shown)


async def test_back_edit_from_summary_and_stale_buttons(
    sim: BotApiSimulator, bot: Any, lan: SimUser, pack: ContentPack
) -> None:
    summary = await walk(lan, pack)
    await lan.press(summary, texts.R_BTN_EDIT)
    pick = await lan.expect_reply()
    assert texts.R_Q_EDIT in pick.text
    assert texts.R_F_UNIT not in labels(pick)  # one tổ only: nothing to pick
    await lan.press(pick, texts.R_F_ATTENDANCE)
    att_q = await lan.expect_reply()
    await lan.send("khoảng 55 người")
    back_at_summary = await lan.expect_reply()
    assert back_at_summary.text.startswith("Kiểm tra báo cáo")
    assert "khoảng 55 người" in back_at_summary.text and "40 người" not in back_at_summary.text
    # notes: "Để trống" clears them when editing
    await lan.press(back_at_summary, texts.R_BTN_EDIT)
    await lan.press(await lan.expect_reply(), texts.R_F_NOTES)
    notes_q = await lan.expect_reply()
    assert texts.R_BTN_CLEAR_TEXT in labels(notes_q)
    # Issue 11: the note being edited is shown, to copy and change
    current = texts.r_current_text(texts.R_F_NOTES, "Bà con hỏi nhiều về chuyển đổi số")
    assert current in notes_q.text
    await lan.press(notes_q, texts.R_BTN_CLEAR_TEXT)
    summary = await lan.expect_reply()
    assert f"{texts.R_F_NOTES}: {texts.R_NONE}" in summary.text
    # an old button of an earlier step: a toast, the current question again, nothing changed
    await lan.press(att_q, callback_data="r:d:1")
    stale = await lan.expect_reply()
    assert stale.text.startswith("Kiểm tra báo cáo")
    await sim.wait_idle()
    assert [a for a in sim.callback_answers if a.get("text")][-1]["text"] == texts.R_STALE_STEP
    draft = await svc(bot).db.fetchone("SELECT * FROM report_drafts")
    assert draft["session_date"] == FIXED_TODAY.isoformat() and draft["step"] == "summary"
    # back from the summary walks the steps in reverse
    await lan.press(summary, texts.R_BTN_EDIT)
    await lan.press(await lan.expect_reply(), texts.BTN_BACK)
    summary = await lan.expect_reply()
    assert summary.text.startswith("Kiểm tra báo cáo")


async def test_back_button_goes_one_step_back(sim: BotApiSimulator, bot: Any, lan: SimUser) -> None:
    date_q = await begin(lan)
    assert texts.BTN_BACK not in labels(date_q)  # first step: nowhere to go back to
    await lan.press(date_q, texts.R_BTN_YESTERDAY)
    form_q = await lan.expect_reply()
    await lan.press(form_q, texts.BTN_BACK)
    again = await lan.expect_reply()
    assert texts.R_Q_DATE in again.text
    assert (FIXED_TODAY - timedelta(days=1)).strftime("%d/%m/%Y") in again.text


async def test_cancel_at_any_step_and_cancel_button(
    sim: BotApiSimulator, bot: Any, lan: SimUser, pack: ContentPack
) -> None:
    date_q = await begin(lan)
    await lan.press(date_q, texts.R_BTN_TODAY)
    await lan.expect_reply()
    await lan.send("/huy")
    ask = await lan.expect_reply()  # a date was given: asked first (issue 11)
    assert ask.text == texts.R_CANCEL_ASK
    await lan.press(ask, texts.R_BTN_DROP)
    cancelled = await lan.expect_reply()
    assert cancelled.text == texts.R_CANCELLED
    assert texts.BTN_REPORT in sum(cancelled.keyboard, [])  # leaders' menu has 📝 Báo cáo
    assert await svc(bot).db.fetchval("SELECT COUNT(*) FROM report_drafts") == 0
    await lan.send("/huy")  # nothing to cancel: the normal handlers answer
    assert (await lan.expect_reply()).text == texts.UNKNOWN_PRIVATE
    summary = await walk(lan, pack)
    await lan.press(summary, texts.R_BTN_CANCEL)
    ask = await lan.expect_reply()
    assert ask.text == texts.R_CANCEL_ASK and ask.message_id == summary.message_id
    await lan.press(ask, texts.R_BTN_DROP)
    assert (await lan.expect_reply()).text == texts.R_CANCELLED
    assert await svc(bot).db.fetchval("SELECT COUNT(*) FROM reports") == 0


async def test_menu_text_during_a_draft_is_not_an_answer(
    sim: BotApiSimulator, bot: Any, lan: SimUser
) -> None:
    await begin(lan)
    await lan.send(texts.BTN_HELP)
    help_reply = await lan.expect_reply()
    assert help_reply.text.startswith("Hướng dẫn")
    await lan.send("/nhiemvu")
    assert "nhóm nhiệm vụ" in (await lan.expect_reply()).text.lower()
    await lan.send(texts.BTN_REPORT)  # back to the report: offered to resume
    offer = await lan.expect_reply()
    assert offer.text.startswith("Anh/chị đang có báo cáo dở — tiếp tục?")


async def test_resume_offer_continue_and_start_over(
    sim: BotApiSimulator, bot: Any, lan: SimUser
) -> None:
    date_q = await begin(lan)
    await lan.press(date_q, texts.R_BTN_TODAY)
    await lan.press(await lan.expect_reply(), texts.R_FORM_LABELS["chi_bo"])
    await lan.expect_reply()
    offer = await begin(lan)
    assert offer.text.startswith("Anh/chị đang có báo cáo dở — tiếp tục?")
    assert "nội dung" in offer.text  # the step it stopped at
    assert labels(offer) == [texts.R_BTN_RESUME, texts.R_BTN_START_OVER]
    await lan.press(offer, texts.R_BTN_RESUME)
    resumed = await lan.expect_reply()
    assert texts.R_Q_TOPICS in resumed.text and "Sinh hoạt chi bộ" in resumed.text
    offer = await begin(lan)
    await lan.press(offer, texts.R_BTN_START_OVER)
    fresh = await lan.expect_reply()
    assert texts.R_Q_DATE in fresh.text and "Sinh hoạt chi bộ" not in fresh.text
    draft = await svc(bot).db.fetchone("SELECT * FROM report_drafts")
    assert draft["form"] is None and draft["step"] == "date"


async def test_my_reports_edit_and_withdraw(
    sim: BotApiSimulator, bot: Any, lan: SimUser, pack: ContentPack
) -> None:
    await lan.send("/baocaocuatoi")
    assert (await lan.expect_reply()).text == texts.R_MY_NONE
    summary = await walk(lan, pack)
    await lan.press(summary, texts.R_BTN_SEND)
    await lan.expect_reply()
    number = await svc(bot).db.fetchval("SELECT id FROM reports")
    await lan.send("/baocaocuatoi")
    listing = await lan.expect_reply()
    assert f"Số {number}" in listing.text and "Chờ duyệt" in listing.text
    await lan.press(listing, texts.r_btn_number(number))
    detail = await lan.expect_reply()
    assert labels(detail) == [texts.R_BTN_EDIT_REPORT, texts.R_BTN_WITHDRAW, texts.BTN_BACK]
    await lan.press(detail, texts.R_BTN_EDIT_REPORT)
    editing = await lan.expect_reply()
    assert editing.text.startswith("Kiểm tra báo cáo")
    await lan.press(editing, texts.R_BTN_EDIT)
    await lan.press(await lan.expect_reply(), texts.R_F_ATTENDANCE)
    await lan.expect_reply()
    await lan.send("70")
    await lan.press(await lan.expect_reply(), texts.R_BTN_SEND)
    again = await lan.expect_reply()
    assert again.text.startswith(f"Đã gửi lại báo cáo số {number}")
    row = await svc(bot).db.fetchone("SELECT * FROM reports")
    assert (row["attendance"], row["version"], row["status"]) == (70, 2, "submitted")
    assert await svc(bot).db.fetchval("SELECT COUNT(*) FROM reports") == 1

    await lan.send("/baocaocuatoi")
    listing = await lan.expect_reply()
    await lan.press(listing, texts.r_btn_number(number))
    detail = await lan.expect_reply()
    await lan.press(detail, texts.R_BTN_WITHDRAW)
    confirm = await lan.expect_reply()
    assert confirm.text.startswith(f"Rút báo cáo số {number}?")
    await lan.press(confirm, texts.R_BTN_WITHDRAW)
    done = await lan.expect_reply()
    assert texts.r_withdrawn(number) in done.text and "Đã rút" in done.text
    assert await svc(bot).db.fetchval("SELECT status FROM reports") == "withdrawn"
    # a withdrawn report can no longer be opened for editing, even with an old button
    await lan.press(detail, callback_data=f"r:fix:{number}")
    refused = await lan.expect_reply()
    assert refused.text == texts.r_not_editable(number, "Đã rút").text


async def test_someone_elses_report_cannot_be_opened(
    sim: BotApiSimulator, bot: Any, lan: SimUser, pack: ContentPack
) -> None:
    summary = await walk(lan, pack)
    await lan.press(summary, texts.R_BTN_SEND)
    await lan.expect_reply()
    number = await svc(bot).db.fetchval("SELECT id FROM reports")
    await add_leader(svc(bot).db, 2301, "Tuấn", "Tổ dân phố số 9")
    tuan = sim.user(2301, "Tuấn")
    listing = await begin(tuan)
    for data in (f"r:fix:{number}", f"my:w:{number}", f"my:wy:{number}", f"my:{number}"):
        await tuan.press(listing, callback_data=data)
        await sim.wait_idle()
        shown = [m.text for m in sim.messages_in(tuan.chat_id)]
        assert shown[-1] == texts.R_REPORT_NOT_FOUND, data
        assert all(f"Báo cáo số {number}" not in text for text in shown)
    assert await svc(bot).db.fetchval("SELECT status FROM reports") == "submitted"


async def test_huy_asks_before_throwing_answers_away(
    sim: BotApiSimulator, bot: Any, lan: SimUser
) -> None:
    """Issue 11: /huy threw a whole report away without asking ("Gõ /huy để dừng" read as
    "pause"). With answers in it, the draft goes only when the leader says so, or is kept
    for later: then what they type is not an answer, and /baocao offers to go on."""
    date_q = await begin(lan)
    assert texts.R_CANCEL_HINT in date_q.text and "dừng" not in texts.R_CANCEL_HINT
    await lan.press(date_q, texts.R_BTN_TODAY)
    await lan.expect_reply()
    await lan.send("/huy")
    ask = await lan.expect_reply()
    assert ask.text == texts.R_CANCEL_ASK
    assert labels(ask) == [texts.R_BTN_DROP, texts.R_BTN_KEEP]
    await lan.press(ask, texts.R_BTN_KEEP)
    kept = await lan.expect_reply()
    assert kept.text == texts.R_KEPT_FOR_LATER
    db = svc(bot).db
    assert await db.fetchval("SELECT step FROM report_drafts") == "form"  # nothing lost
    await lan.send("hop to")  # not taken as the form while the draft is kept for later
    await lan.expect_reply()
    assert await db.fetchval("SELECT form FROM report_drafts") is None
    await lan.send("/baocao")
    offer = await lan.expect_reply()
    assert texts.R_BTN_RESUME in labels(offer)
    await lan.press(offer, texts.R_BTN_RESUME)
    form_q = await lan.expect_reply()
    assert texts.R_Q_FORM in form_q.text
    await lan.send("/huy")
    ask = await lan.expect_reply()
    await lan.press(ask, texts.R_BTN_DROP)
    dropped = await lan.expect_reply()
    assert dropped.text == texts.R_CANCELLED
    assert await db.fetchval("SELECT COUNT(*) FROM report_drafts") == 0


async def test_huy_on_an_empty_draft_needs_no_question(
    sim: BotApiSimulator, bot: Any, lan: SimUser
) -> None:
    await begin(lan)
    await lan.send("/huy")
    assert (await lan.expect_reply()).text == texts.R_CANCELLED


async def test_details_a_leader_gives_are_kept(
    sim: BotApiSimulator, bot: Any, lan: SimUser, pack: ContentPack
) -> None:
    """Issue 11, item 14: an estimate stays an estimate; a note too long is kept and can be
    cut to fit (or typed again from the copy sent back); the old note shows when editing."""
    summary = await walk(lan, pack)
    await lan.press(summary, texts.R_BTN_EDIT)
    await lan.press(await lan.expect_reply(), texts.R_F_ATTENDANCE)
    await lan.expect_reply()
    await lan.send("hơn 100 người")
    at_summary = await lan.expect_reply()
    assert "Số người dự: hơn 100 người" in at_summary.text
    await lan.press(at_summary, texts.R_BTN_EDIT)
    await lan.press(await lan.expect_reply(), texts.R_F_ATTENDANCE)
    await lan.expect_reply()
    await lan.send("tổng cộng 35")  # "tổng" is a count, not an estimate
    at_summary = await lan.expect_reply()
    assert "Số người dự: 35 người" in at_summary.text

    long_note = ("Bà con hỏi về chuyển đổi số và dịch vụ công trực tuyến. " * 25).strip()
    assert len(long_note) > 1000
    await lan.press(at_summary, texts.R_BTN_EDIT)
    await lan.press(await lan.expect_reply(), texts.R_F_NOTES)
    await lan.expect_reply()
    await lan.send(long_note)
    asked, copy = await lan.expect_replies(2)
    assert copy.text == long_note
    draft = await svc(bot).db.fetchone("SELECT notes, overflow FROM report_drafts")
    assert draft["overflow"] == long_note and draft["notes"] == "Bà con hỏi nhiều về chuyển đổi số"
    await lan.press(asked, texts.r_btn_cut(1000))
    at_summary = await lan.expect_reply()
    assert at_summary.text.startswith("Kiểm tra báo cáo")
    notes = await svc(bot).db.fetchval("SELECT notes FROM report_drafts")
    assert notes.endswith("…") and len(notes) <= 1000
    assert long_note.startswith(notes[:-1]) and long_note[len(notes) - 1] == " "  # at a word
    assert await svc(bot).db.fetchval("SELECT overflow FROM report_drafts") == ""

    await lan.press(at_summary, texts.R_BTN_SEND)
    await lan.expect_reply()
    row = (await fetch_reports(bot))[0]
    assert (row["attendance"], row["attendance_about"], row["notes"]) == (35, "", notes)
