"""Broadcasts end to end (issue 5): an official composes, previews, sends, follows and accounts
for a broadcast from chat alone, through the real PTB stack and the Bot API simulator."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot import texts
from bot.app import build_application, running
from bot.config import Config
from bot.content import ContentPack
from bot.render import markdown_to_html
from bot.simulator import BotApiSimulator, SentMessage

from .broadcast_support import add_group, add_leader, add_people, add_unit, svc_of, wait_done
from .conftest import ADMIN_ID
from .local_ids import local

TEXT = "**Họp tổ dân phố** tối thứ Bảy, 19:30.\n- Mang theo sổ ghi chép\n- Đến đúng giờ"


@pytest.fixture
async def app(config: Config, pack: ContentPack) -> AsyncIterator[object]:
    application = build_application(config, pack)
    async with running(application):
        svc_of(application).delivery.progress_every = 0.2
        yield application


async def seed_ward(app: object) -> None:
    """Two tổ: leaders 2001 (tổ 1), 2002 (tổ 2), 2003 (tổ 2); groups -501 (tổ 1), -502 (tổ 2);
    residents 3001, 3002."""
    db = svc_of(app).db
    await add_unit(db, 1)
    await add_unit(db, 2)
    await add_leader(db, 2001, 1)
    await add_leader(db, 2002, 2)
    await add_leader(db, 2003, 2)
    await add_group(db, -501, 1)
    await add_group(db, -502, 2)
    await add_people(db, [3001, 3002])


def all_buttons(message: SentMessage) -> list[str]:
    return sum(message.buttons, [])


async def compose_to_card(
    sim: BotApiSimulator, text: str, audience_label: str
) -> tuple[SentMessage, SentMessage]:
    """Officer: /guitin, the text, an audience → (preview, card)."""
    officer = sim.user(ADMIN_ID, first_name="Cán bộ", started=True)
    await sim.wait_idle()
    officer.skip_replies()
    await officer.send("/guitin")
    prompt = await officer.expect_reply()
    assert prompt.text.startswith("Soạn tin gửi")
    await officer.send(text)
    audience = await officer.expect_reply()
    await officer.press(audience, audience_label)
    chosen, preview, card = await officer.expect_replies(3)
    assert chosen.message_id == audience.message_id and chosen.text.startswith("Người nhận")
    return preview, card


async def send_now(sim: BotApiSimulator, app: object, card: SentMessage) -> int:
    """Press Gửi ngay; once the card says it is sending, the new broadcast's id."""
    officer = sim.user(ADMIN_ID)
    await officer.press(card, texts.BC_BTN_SEND)
    sending = await officer.expect_reply()
    assert sending.message_id == card.message_id and "đang gửi" in sending.text
    return int(await svc_of(app).db.fetchval("SELECT MAX(id) FROM broadcasts"))


async def test_compose_preview_count_send_progress_report(
    sim: BotApiSimulator, app: object
) -> None:
    await seed_ward(app)
    for uid in (2001, 2002, 2003):
        sim.user(uid, started=True)
    preview, card = await compose_to_card(sim, TEXT, texts.BC_AUD_LEADERS)
    # The preview is the message itself, exactly as the content pack would render it.
    assert preview.html == markdown_to_html(TEXT)
    assert "Sẽ gửi tới 3 người/nhóm" in card.text
    assert texts.BC_BTN_SEND in all_buttons(card)

    officer = sim.user(ADMIN_ID)
    await officer.press(card, texts.BC_BTN_SEND)
    sending = await officer.expect_reply()
    assert sending.message_id == card.message_id and "đang gửi" in sending.text
    for uid in (2001, 2002, 2003):
        got = await sim.wait_for_message(uid)
        assert got.html == preview.html
    report = await officer.expect_reply(timeout=10)
    while report.message_id == card.message_id:  # progress edits come first
        assert "Đã gửi" in report.text
        report = await officer.expect_reply(timeout=10)
    assert report.text.startswith("Báo cáo tin số")
    assert "Đã gửi tới người nhận: 3/3" in report.text
    final = sim.message(ADMIN_ID, card.message_id)
    assert "đã gửi xong" in final.text and "3/3" in final.text
    # The residents and groups were not in this audience.
    assert sim.messages_in(3001) == [] and sim.messages_in(-501) == []


async def test_a_notice_typed_line_by_line_arrives_line_by_line(
    sim: BotApiSimulator, app: object
) -> None:
    """Issue 11: an official types a notice one item per line; the preview (exactly what
    recipients get) keeps every line, the line after the bullets is its own, __x__ is text."""
    await seed_ward(app)
    typed = (
        "**Thông báo họp tổ dân phố**\nThời gian: 19:30 thứ Sáu\nĐịa điểm: nhà văn hóa khu 1\n"
        "- Quán triệt chương trình\n- Bình xét gia đình văn hóa\n"
        "*Đề nghị bà con đến đúng giờ.*\n__Tổ 1__"
    )
    preview, _ = await compose_to_card(sim, typed, texts.BC_AUD_LEADERS)
    lines = [line for line in preview.text.split("\n") if line]
    assert lines == [
        "Thông báo họp tổ dân phố",
        "Thời gian: 19:30 thứ Sáu",
        "Địa điểm: nhà văn hóa khu 1",
        "• Quán triệt chương trình",
        "• Bình xét gia đình văn hóa",
        "Đề nghị bà con đến đúng giờ.",
        "__Tổ 1__",
    ]
    assert "<i>Đề nghị bà con đến đúng giờ.</i>" in preview.html


async def test_an_urgent_message_looks_urgent(sim: BotApiSimulator, app: object) -> None:
    """Issue 11: a "⚡ khẩn" broadcast arrived looking like any other. It opens with a
    visible mark and the ward's name; the same message sent normally has neither."""
    await seed_ward(app)
    sim.user(2001, started=True)
    ward = svc_of(app).config.ward.name
    _, card = await compose_to_card(sim, "Mất điện khu 1 từ 8 giờ", texts.BC_AUD_LEADERS)
    officer = sim.user(ADMIN_ID)
    await officer.press(card, texts.BC_BTN_URGENT)
    card = await officer.expect_reply()
    assert "TIN KHẨN" in card.text
    broadcast_id = await send_now(sim, app, card)
    await wait_done(svc_of(app).db, broadcast_id)
    got = await sim.wait_for_message(2001)
    assert got.text == f"{texts.bc_urgent_mark(ward)}\n\nMất điện khu 1 từ 8 giờ"
    assert got.html.startswith(f"<b>{texts.bc_urgent_mark(ward)}</b>")


async def test_blocked_leader_is_reported_and_marked_unreachable(
    sim: BotApiSimulator, app: object
) -> None:
    await seed_ward(app)
    for uid in (2001, 2002):
        sim.user(uid, started=True)
    blocked = sim.user(2003, started=True)
    blocked.block_bot()  # before the broadcast; reachable is then set by the update …
    await sim.wait_idle()
    db = svc_of(app).db
    blocked_id = await local(db, 2003)
    await db.execute("UPDATE people SET reachable = 1 WHERE user_id = ?", (blocked_id,))  # undo
    _, card = await compose_to_card(sim, TEXT, texts.BC_AUD_LEADERS)
    status = await wait_done(db, await send_now(sim, app, card))
    assert (status.sent, status.gone, status.failed) == (2, 1, 0)
    assert await db.fetchval("SELECT reachable FROM people WHERE user_id = ?", (blocked_id,)) == 0
    await sim.wait_idle()
    report = sim.last_in(ADMIN_ID)
    assert report is not None and "Đã chặn bot" in report.text
    # A blocked person is not even tried next time.
    _, card2 = await compose_to_card(sim, "Tin thứ hai", texts.BC_AUD_LEADERS)
    assert "Sẽ gửi tới 2 người/nhóm" in card2.text


async def test_units_audience_photo_and_content_item(
    sim: BotApiSimulator, app: object, pack: ContentPack
) -> None:
    await seed_ward(app)
    for uid in (2001, 2002, 2003):
        sim.user(uid, started=True)
    sim.group(-501)
    sim.group(-502)
    officer = sim.user(ADMIN_ID, started=True)
    # A photo with a Markdown caption, to tổ 2's leaders and group.
    await officer.send("/guitin")
    await officer.expect_reply()
    await officer.send_photo(caption="**Lịch tiêm chủng** tại nhà văn hóa")
    audience = await officer.expect_reply()
    await officer.press(audience, texts.BC_AUD_UNITS)
    units = await officer.expect_reply()
    tổ2 = next(label for label in all_buttons(units) if "Tổ dân phố số 2" in label)
    await officer.press(units, tổ2)
    units = await officer.expect_reply()
    assert any(label.startswith("✅") and "số 2" in label for label in all_buttons(units))
    await officer.press(units, texts.bc_btn_units_done(1))
    who = await officer.expect_reply()
    await officer.press(who, texts.BC_WHO_BOTH)
    _, preview, card = await officer.expect_replies(3)
    assert preview.photo and preview.html == markdown_to_html("**Lịch tiêm chủng** tại nhà văn hóa")
    assert "Sẽ gửi tới 3 người/nhóm" in card.text  # leaders 2002, 2003 and group -502
    await wait_done(svc_of(app).db, await send_now(sim, app, card))
    for chat in (2002, 2003, -502):
        got = sim.last_in(chat)
        assert got is not None and got.photo and got.file_id == preview.file_id
    assert sim.messages_in(2001) == [] and sim.messages_in(-501) == []

    # An existing content item, to all linked groups.
    await sim.wait_idle()
    officer.skip_replies()
    await officer.send("/guitin")
    prompt = await officer.expect_reply()
    await officer.press(prompt, texts.BC_BTN_PICK)
    kinds = await officer.expect_reply()
    await officer.press(kinds, pack.kind("goal").label)
    items = await officer.expect_reply()
    goal = pack.of_kind("goal")[0]
    await officer.press(items, goal.title)
    audience = await officer.expect_reply()
    await officer.press(audience, texts.BC_AUD_GROUPS)
    _, preview, card = await officer.expect_replies(3)
    assert preview.text.startswith(goal.title) and "/muctieu 1" in preview.text
    assert "Sẽ gửi tới 2 người/nhóm" in card.text


async def test_draft_survives_a_restart(
    sim: BotApiSimulator, config: Config, pack: ContentPack
) -> None:
    first = build_application(config, pack)
    async with running(first):
        await seed_ward(first)
        for uid in (2001, 2002, 2003):
            sim.user(uid, started=True)
        _, card = await compose_to_card(sim, TEXT, texts.BC_AUD_LEADERS)
    second = build_application(config, pack)
    async with running(second):
        status = await wait_done(svc_of(second).db, await send_now(sim, second, card))
        assert status.sent == 3


async def test_a_draft_waiting_for_text_lets_commands_and_menu_buttons_pass(
    sim: BotApiSimulator, app: object
) -> None:
    """Only typed text becomes the message; commands and menu buttons work as usual, the
    draft keeps waiting, and /huy (also addressed as /huy@bot) discards it."""
    await seed_ward(app)
    officer = sim.user(ADMIN_ID, started=True)
    await officer.send("/guitin")
    prompt = await officer.expect_reply()
    await officer.send("/muctieu")
    goal = await officer.expect_reply()
    assert goal.text != prompt.text and not goal.text.startswith("Gửi cho ai")
    await officer.send(texts.BTN_HELP)
    assert (await officer.expect_reply()).text.startswith("Hướng dẫn sử dụng Loa Phường")
    await officer.send("/trợgiúp")  # starts with "/", but Telegram marks no command in it
    assert (await officer.expect_reply()).text != texts.BC_CANCELLED
    await officer.send("Họp tổ dân phố lúc 19:00")
    assert (await officer.expect_reply()).text.startswith("Gửi cho ai")
    await officer.send(f"/huy@{sim.bot_username}")
    assert (await officer.expect_reply()).text == texts.BC_CANCELLED


async def test_wrong_input_keeps_the_draft_and_others_are_refused(
    sim: BotApiSimulator, app: object
) -> None:
    await seed_ward(app)
    resident = sim.user(3001, started=True)
    await resident.send("/guitin")
    assert (await resident.expect_reply()).text == texts.NO_PERMISSION

    officer = sim.user(ADMIN_ID, started=True)
    await officer.send("/guitin")
    await officer.expect_reply()
    await officer.send("x" * 5000)
    error = await officer.expect_reply()
    assert "5.000 ký tự" in error.text and "vẫn được giữ" in error.text
    await officer.send("Tin ngắn")
    audience = await officer.expect_reply()
    assert audience.text.startswith("Gửi cho ai")
    # While the draft waits for buttons, other text goes to the normal handlers.
    await officer.send("/muctieu")
    assert (await officer.expect_reply()).text != audience.text
    await officer.send("/huy")
    assert (await officer.expect_reply()).text == texts.BC_CANCELLED
    await officer.press(audience, texts.BC_AUD_LEADERS)
    await sim.wait_idle()
    assert sim.callback_answers[-1].get("text") == texts.BC_STALE

    # A document without a caption is a message too; the preview is the same document.
    officer.skip_replies()
    await officer.send("/guitin")
    await officer.expect_reply()
    await officer.send_document(file_name="ke-hoach.pdf")
    audience = await officer.expect_reply()
    await officer.press(audience, texts.BC_AUD_LEADERS)
    _, preview, card = await officer.expect_replies(3)
    assert preview.document and preview.file_name == "ke-hoach.pdf"
    assert "Sẽ gửi tới 3 người/nhóm" in card.text


async def test_a_resident_says_where_they_live_and_a_unit_broadcast_reaches_them(
    sim: BotApiSimulator, app: object
) -> None:
    """Issue 11, item 16: "Chọn tổ dân phố" reached only leaders and groups; a resident may
    now say (when registering, or with /todanpho) which tổ they live in. The audience that
    was "Mọi người đã dùng bot" is named by what it is."""
    await seed_ward(app)
    db = svc_of(app).db
    minh = sim.user(3101, "Minh")
    await minh.send("/dangky")
    notice = await minh.expect_reply()
    assert "tổ dân phố nơi anh/chị ở, nếu anh/chị chọn" in notice.text
    await minh.press(notice, texts.BTN_AGREE)
    registered, picker = await minh.expect_replies(2)
    assert registered.text.startswith("Đã đăng ký")
    assert picker.text.startswith("Anh/chị sống ở tổ dân phố nào?")
    assert all_buttons(picker) == [
        "T01 — Tổ dân phố số 1",
        "T02 — Tổ dân phố số 2",
        texts.HOME_BTN_SKIP,
    ]
    await minh.press(picker, "T02 — Tổ dân phố số 2")
    chosen = await minh.expect_reply()
    assert chosen.text.startswith("Đã chọn T02 — Tổ dân phố số 2")
    minh_id = await local(db, 3101)
    assert await db.fetchval("SELECT home_unit_id FROM people WHERE user_id = ?", (minh_id,)) == 2
    await minh.send("/dulieucuatoi")
    assert "T02 — Tổ dân phố số 2" in (await minh.expect_reply()).text
    # 3001 lives in tổ 2 too but turned ordinary news off; 3002 lives in tổ 1
    await db.execute("UPDATE people SET home_unit_id = 2, notifications = 0 WHERE user_id = ?",
                     (await local(db, 3001),))  # fmt: skip
    await db.execute(
        "UPDATE people SET home_unit_id = 1 WHERE user_id = ?", (await local(db, 3002),)
    )

    officer = sim.user(ADMIN_ID, started=True)
    await officer.send("/guitin")
    await officer.expect_reply()
    await officer.send("Tổ 2 họp tối nay")
    audience = await officer.expect_reply()
    assert texts.BC_AUD_EVERYONE == "Mọi người đã đăng ký" and texts.BC_AUD_EVERYONE in all_buttons(
        audience
    )
    await officer.press(audience, texts.BC_AUD_UNITS)
    units = await officer.expect_reply()
    await officer.press(units, next(b for b in all_buttons(units) if "số 2" in b))
    await officer.press(await officer.expect_reply(), texts.bc_btn_units_done(1))
    who = await officer.expect_reply()
    assert texts.BC_WHO_RESIDENTS in all_buttons(who) and texts.BC_WHO_ALL in all_buttons(who)
    await officer.press(who, texts.BC_WHO_RESIDENTS)
    chosen_aud, _, card = await officer.expect_replies(3)
    assert "người dân đã chọn tổ của Tổ dân phố số 2" in chosen_aud.text
    assert "Sẽ gửi tới 1 người/nhóm" in card.text  # Minh; 3001 opted out of ordinary news
    await wait_done(db, await send_now(sim, app, card))
    got = sim.last_in(3101)
    assert got is not None and got.text == "Tổ 2 họp tối nay"
    for other in (3001, 3002, 2002, 2003, -502):
        assert sim.messages_in(other) == [], other

    # "Tổ trưởng, nhóm và người dân" of tổ 2: leaders, the group and Minh, each once
    officer.skip_replies()
    await officer.send("/guitin")
    await officer.expect_reply()
    await officer.send("Lần hai")
    await officer.press(await officer.expect_reply(), texts.BC_AUD_UNITS)
    units = await officer.expect_reply()
    await officer.press(units, next(b for b in all_buttons(units) if "số 2" in b))
    await officer.press(await officer.expect_reply(), texts.bc_btn_units_done(1))
    await officer.press(await officer.expect_reply(), texts.BC_WHO_ALL)
    _, _, card = await officer.expect_replies(3)
    assert "Sẽ gửi tới 4 người/nhóm" in card.text

    # /todanpho changes it, or clears it
    minh.skip_replies()
    await minh.send("/todanpho")
    again = await minh.expect_reply()
    assert "Đang chọn: T02 — Tổ dân phố số 2." in again.text
    await minh.press(again, texts.HOME_BTN_NONE)
    assert (await minh.expect_reply()).text == texts.HOME_CLEARED
    assert (
        await db.fetchval("SELECT home_unit_id FROM people WHERE user_id = ?", (minh_id,)) is None
    )
