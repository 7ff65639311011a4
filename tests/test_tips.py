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
    handled = await officer.expect_reply()
    assert "✅ Đã xử lý" in handled.text and handled.buttons == []
    assert await svc(bot).db.fetchval("SELECT status FROM tips") == "handled"
    thanks = await binh.expect_reply(timeout=10)
    assert thanks.text == texts.tip_thanks(1)
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
    edited = await officer.expect_reply()
    assert "✅ Đã xử lý" in edited.text


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
    await officer.expect_reply()
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
