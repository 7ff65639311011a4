"""/baotin: registered people report suspicious posts; officers handle them."""

from __future__ import annotations

from typing import Any

import pytest

from bot import inputs, texts
from bot.config import Config
from bot.simulator import BotApiSimulator
from bot.simulator.models import SentMessage, SimUser

from .conftest import ADMIN_ID
from .local_ids import local
from .report_helpers import add_person, eventually, labels, svc, without_reminders


@pytest.fixture
def config(config: Config) -> Config:
    return without_reminders(config)


@pytest.fixture
async def binh(sim: BotApiSimulator, bot: Any) -> SimUser:
    await add_person(svc(bot).db, 4001, "Bình", last_name="Trần")
    return sim.user(4001, "Bình")


@pytest.fixture
def officer(sim: BotApiSimulator) -> SimUser:
    return sim.user(ADMIN_ID, "Hà", started=True)


async def tip_card(sim: BotApiSimulator, officer: SimUser, number: int) -> SentMessage:
    found = await eventually(
        lambda: [
            m for m in sim.messages_in(officer.chat_id) if m.text.startswith(f"Tin báo số {number}")
        ]
    )
    officer.skip_replies()
    return found[-1]


async def test_unregistered_people_cannot_send_tips(sim: BotApiSimulator, bot: Any) -> None:
    stranger = sim.user(4002, "Khách")
    await stranger.send("/baotin")
    assert (await stranger.expect_reply()).text == texts.TIP_NOT_REGISTERED
    await stranger.send("bài này sai sự thật")  # not a tip: searched like any free text
    reply = await stranger.expect_reply()
    assert "“bài này sai sự thật”" in reply.text
    assert await svc(bot).db.fetchval("SELECT COUNT(*) FROM tips") == 0


async def test_text_tip_with_note_handled_and_thanked(
    sim: BotApiSimulator, bot: Any, binh: SimUser, officer: SimUser
) -> None:
    await binh.send("/baotin")
    assert (await binh.expect_reply()).text.startswith("Báo tin sai sự thật")
    await binh.send("Nghe nói phường sắp thu phí <b>chuyển đổi số</b> mỗi hộ 500 nghìn")
    ask = await binh.expect_reply()
    assert ask.text == texts.TIP_ASK_NOTE and labels(ask) == [texts.TIP_BTN_NO_NOTE]
    await binh.send("Thấy trong nhóm Zalo khu phố sáng nay")
    received = await binh.expect_reply()
    assert received.text.startswith("Đã nhận tin báo số 1")
    db = svc(bot).db
    row = await db.fetchone("SELECT * FROM tips")
    assert (row["kind"], row["status"], row["reporter_id"]) == (
        "text",
        "open",
        await local(db, 4001),
    )
    assert row["note"] == "Thấy trong nhóm Zalo khu phố sáng nay"

    card = await tip_card(sim, officer, 1)
    assert "<b>chuyển đổi số</b>" in card.text  # shown as typed, not as markup
    assert "Bình Trần" in card.text and "Thấy trong nhóm Zalo" in card.text
    assert labels(card) == [texts.TIP_BTN_HANDLED]
    await officer.press(card, texts.TIP_BTN_HANDLED)
    # Issue 11: "Đã xử lý" asks what was done, then a short note (or none)
    asked = await officer.expect_reply()
    assert asked.message_id == card.message_id and "Kết quả xử lý là gì?" in asked.text
    assert labels(asked) == [*texts.TIP_OUTCOMES.values(), texts.BTN_BACK]
    assert await svc(bot).db.fetchval("SELECT status FROM tips") == "open"  # nothing yet
    await officer.press(asked, texts.TIP_OUTCOMES["corrected"])
    note_q = await officer.expect_reply()
    assert note_q.text.startswith("Tin báo số 1: Đã cải chính")
    await officer.press(note_q, texts.TIP_BTN_NO_OUTCOME_NOTE)
    handled = await officer.expect_reply()
    assert "✅ Đã xử lý" in handled.text and handled.buttons == []
    assert "Kết quả: Đã cải chính." in handled.text and "Ghi chú của cán bộ" not in handled.text
    assert f"✅ Đã xử lý ({texts.R_SOME_OFFICER}," in handled.text  # not the admin's number
    row = await db.fetchone("SELECT status, outcome, outcome_note FROM tips")
    assert tuple(row) == ("handled", "corrected", "")
    thanks = await binh.expect_reply(timeout=10)
    assert thanks.text == texts.tip_thanks(1, "corrected")
    assert "Phường đã đăng thông tin cải chính." in thanks.text
    await officer.press(card, callback_data="tip:1:done")  # again: nothing changes
    await sim.wait_idle()
    assert [a for a in sim.callback_answers if a.get("text")][-1]["text"] == (
        texts.tip_already_handled(1)
    )
    assert await svc(bot).db.fetchval("SELECT COUNT(*) FROM notices WHERE kind = 'tip_thanks'") == 1


async def test_link_forward_and_screenshot_tips(
    sim: BotApiSimulator, bot: Any, binh: SimUser, officer: SimUser
) -> None:
    await binh.send("/baotin")
    await binh.expect_reply()
    await binh.send("https://example.com/bai-viet-sai")
    ask = await binh.expect_reply()
    await binh.press(ask, texts.TIP_BTN_NO_NOTE)
    assert (await binh.expect_reply()).text.startswith("Đã nhận tin báo số 1")

    await binh.send("/baotin")
    await binh.expect_reply()
    await binh.forward("Tin giật gân: ...", from_chat_title="Trang tin lạ")
    await binh.press(await binh.expect_reply(), texts.TIP_BTN_NO_NOTE)
    await binh.expect_reply()

    await binh.send("/baotin")
    await binh.expect_reply()
    await binh.send_document()  # a PDF is not a screenshot
    assert (await binh.expect_reply()).text == texts.TIP_UNSUPPORTED
    await binh.send_photo(caption="ảnh chụp bài đăng")
    await binh.expect_reply()
    await binh.send("ở nhóm Facebook của phường bên")
    await binh.expect_reply()

    kinds = await svc(bot).db.fetchall(
        "SELECT t.kind, t.origin, m.channel, m.kind, m.source FROM tips t"
        " LEFT JOIN media m ON m.id = t.media_id ORDER BY t.id"
    )
    assert [tuple(k)[:4] for k in kinds] == [
        ("link", "", None, None),
        ("forward", "Trang tin lạ", None, None),
        ("photo", "", "telegram", "photo"),
    ]
    assert kinds[2][4]  # the screenshot's Telegram file id, kept in its media row
    link_card = await tip_card(sim, officer, 1)
    assert "Đường link" in link_card.text
    forward_card = await tip_card(sim, officer, 2)
    assert "Chuyển tiếp từ: Trang tin lạ" in forward_card.text
    photo_card = await tip_card(sim, officer, 3)
    assert photo_card.photo and "ảnh chụp bài đăng" in photo_card.text
    await officer.press(photo_card, texts.TIP_BTN_HANDLED)  # a caption is edited, not a text
    asked = await officer.expect_reply()
    assert asked.message_id == photo_card.message_id and "Kết quả xử lý" in asked.text
    await officer.press(asked, texts.TIP_OUTCOMES["not_false"])
    await officer.press(await officer.expect_reply(), texts.TIP_BTN_NO_OUTCOME_NOTE)
    edited = await officer.expect_reply()
    assert edited.message_id == photo_card.message_id
    assert "✅ Đã xử lý" in edited.text and "Kết quả: Không phải tin sai." in edited.text


async def test_cancel_and_the_officers_queue(
    sim: BotApiSimulator, bot: Any, binh: SimUser, officer: SimUser
) -> None:
    await binh.send("/baotin")
    await binh.expect_reply()
    await binh.send("/huy")
    cancelled = await binh.expect_reply()
    assert cancelled.text == texts.TIP_CANCELLED
    assert await svc(bot).db.fetchval("SELECT COUNT(*) FROM tip_drafts") == 0
    await officer.send("/xulytin")
    assert (await officer.expect_reply()).text == texts.TIP_QUEUE_NONE
    for text in ("Tin đồn một", "Tin đồn hai"):
        await binh.send("/baotin")
        await binh.expect_reply()
        await binh.send(text)
        await binh.press(await binh.expect_reply(), texts.TIP_BTN_NO_NOTE)
        await binh.expect_reply()
    await binh.send("/xulytin")  # not an officer
    assert (await binh.expect_reply()).text == texts.NO_PERMISSION
    await binh.press(sim.messages_in(binh.chat_id)[-1], callback_data="tip:1:done")
    await sim.wait_idle()
    assert await svc(bot).db.fetchval("SELECT status FROM tips WHERE id = 1") == "open"
    await tip_card(sim, officer, 2)
    await officer.send("/xulytin")
    queue = await officer.expect_reply()
    assert queue.text.startswith("Tin báo chờ xử lý: 2") and "Tin đồn hai" in queue.text
    assert labels(queue) == [texts.tip_btn(1), texts.tip_btn(2)]
    await officer.press(queue, texts.tip_btn(2))
    card = await officer.expect_reply()
    assert card.text.startswith("Tin báo số 2") and labels(card) == [
        texts.TIP_BTN_HANDLED,
        texts.BTN_BACK,
    ]
    await officer.press(card, texts.TIP_BTN_HANDLED)
    await officer.press(await officer.expect_reply(), texts.TIP_OUTCOMES["other"])
    await officer.send("Trùng với tin số 1")
    await officer.expect_replies(2)  # the note question, then the closed card
    await officer.send("/xulytin")
    queue = await officer.expect_reply()
    assert queue.text.startswith("Tin báo chờ xử lý: 1") and labels(queue) == [texts.tip_btn(1)]


def test_the_queue_line_cuts_at_a_word_and_leaves_no_dangling_colon() -> None:
    """Issue 11: a tip without text listed as "…· 03/12 08:00:" and previews were cut
    mid-word."""
    assert (
        texts.tip_queue_line(4, "Ảnh chụp", "03/12 08:00", "") == "• Số 4 · Ảnh chụp · 03/12 08:00"
    )
    text = "Nghe nói phường sắp thu phí chuyển đổi số mỗi hộ gia đình năm trăm nghìn đồng"
    preview = inputs.clip_words(text, 60)
    assert preview.endswith("…") and len(preview) <= 60
    assert text.startswith(preview[:-1]) and text[len(preview) - 1] == " "  # a whole word
    assert inputs.clip_words("ngắn thôi", 60) == "ngắn thôi"


async def test_closing_a_tip_records_the_outcome_and_a_typed_note(
    sim: BotApiSimulator, bot: Any, binh: SimUser, officer: SimUser
) -> None:
    db = svc(bot).db
    await binh.send("/baotin")
    await binh.expect_reply()
    await binh.send("Có người rao bán đất dự án ở khu 3")
    await binh.press(await binh.expect_reply(), texts.TIP_BTN_NO_NOTE)
    await binh.expect_reply()
    card = await tip_card(sim, officer, 1)
    await officer.press(card, texts.TIP_BTN_HANDLED)
    asked = await officer.expect_reply()
    await officer.press(asked, texts.TIP_OUTCOMES["referred"])
    await officer.expect_reply()
    await officer.send("x" * (texts.TIP_OUTCOME_NOTE_MAX + 1))  # too long: the choice is kept
    again = await officer.expect_reply()
    assert again.text.startswith(texts.tip_outcome_note_too_long(texts.TIP_OUTCOME_NOTE_MAX + 1))
    assert await db.fetchval("SELECT outcome FROM tip_waits") == "referred"
    await officer.send("/huy")  # changed their mind: the tip stays open
    assert (await officer.expect_reply()).text == texts.tip_closing_dropped(1)
    assert await db.fetchval("SELECT COUNT(*) FROM tip_waits") == 0
    await officer.send("Chuyển công an phường")  # not a note any more: searched, not stored
    await officer.expect_reply()
    assert await db.fetchval("SELECT status FROM tips") == "open"

    await officer.press(card, callback_data="tip:1:done")
    asked = await officer.expect_reply()
    await officer.press(asked, texts.TIP_OUTCOMES["referred"])
    await officer.expect_reply()
    await officer.send("Đã chuyển Công an phường Hải An")
    closed = await officer.expect_reply()
    assert "Kết quả: Chuyển cơ quan chức năng." in closed.text
    assert "Ghi chú của cán bộ: Đã chuyển Công an phường Hải An" in closed.text
    row = await db.fetchone("SELECT status, outcome, outcome_note FROM tips")
    assert tuple(row) == ("handled", "referred", "Đã chuyển Công an phường Hải An")
    detail = await db.fetchval("SELECT detail FROM audit_log WHERE action = 'tip_handled'")
    assert detail == "referred"
    thanks = await binh.expect_reply(timeout=10)
    assert thanks.text == texts.tip_thanks(1, "referred")
    assert "Công an" not in thanks.text  # the officer's note stays with the officers
    # a forged outcome is refused; the closed tip does not change
    await officer.press(card, callback_data="tip:1:o:bogus")
    await sim.wait_idle()
    assert await db.fetchval("SELECT outcome FROM tips") == "referred"
