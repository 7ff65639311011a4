"""Issue 12: the same bot on Zalo, end to end through the fake Zalo Bot Platform beside the
Telegram simulator, in one process: the same handlers, the replies as plain numbered text."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest

from bot import invites, texts, units
from bot.addresses import ZALO, Address
from bot.app import build_application, running
from bot.config import Config
from bot.content import ContentPack
from bot.people import Role
from bot.report_parse import topics
from bot.services import BOT_DATA_KEY
from bot.simulator import BotApiSimulator
from bot.simulator.zalo import TEXT_LIMIT, ZaloSimulator, utf16_length

from .conftest import ADMIN_ID, ZALO_TOKEN, with_changes


@pytest.fixture
async def app(config: Config, pack: ContentPack, zalo: ZaloSimulator) -> AsyncIterator[Any]:
    cfg = with_changes(config, "zalo", token=ZALO_TOKEN, base_url=zalo.base_url, poll_timeout=1)
    application = build_application(cfg, pack)
    async with running(application):
        yield application


def plain(text: str) -> None:
    """What Zalo can show: no markup, within its limit."""
    assert "<b>" not in text and "</" not in text, text
    assert 1 <= utf16_length(text) <= TEXT_LIMIT


async def test_a_zalo_resident_reads_the_programme_by_typing_numbers(
    app: Any, zalo: ZaloSimulator, sim: BotApiSimulator, pack: ContentPack
) -> None:
    lan = zalo.user("z-lan-001", "Lan")
    await lan.send("/start")
    welcome = await lan.expect_reply()
    plain(welcome.text)
    assert welcome.text.startswith("Chào Lan, đây là Loa Phường")
    assert f"1. {texts.BTN_CONTENT}" in welcome.text  # the menu keys, as numbered lines
    await lan.send("1")  # the first key: "📚 Nội dung"
    menu = await lan.expect_reply()
    plain(menu.text)
    assert texts.CONTENT_MENU_TITLE in menu.text
    task_groups = pack.kind("task_group")
    assert task_groups is not None
    line = next(ln for ln in menu.text.splitlines() if task_groups.label in ln)
    await lan.send(line.split(".")[0])  # the number in front of "12 nhóm nhiệm vụ…"
    groups = await lan.expect_reply()
    plain(groups.text)
    assert "1. Hoàn thiện thể chế" in groups.text
    await lan.send("99")  # beyond the options: said so, the screen is kept
    hint = await lan.expect_reply()
    assert hint.text.startswith("Chỉ có")
    await lan.send("/dotpha")
    breakthroughs = await lan.expect_reply()
    plain(breakthroughs.text)
    assert "đột phá" in breakthroughs.text.lower()
    await lan.send("/help")
    helped = await lan.expect_reply()
    assert texts.HELP_ZALO_GROUPS.strip() in helped.text  # groups stay Telegram's, said so
    assert sim.sent == []  # nothing of it went to Telegram


def number_of(message_text: str, label: str, part: bool = False) -> str:
    """The number a numbered screen gives `label` ("3. Họp tổ dân phố" → "3")."""
    for line in message_text.splitlines():
        head, _, rest = line.partition(". ")
        if head.isdigit() and (rest == label or (part and label in rest)):
            return head
    raise AssertionError(f"{label!r} is not an option of:\n{message_text}")


async def pick(user: Any, screen: Any, label: str, part: bool = False) -> Any:
    await user.send(number_of(screen.text, label, part))
    return await user.expect_reply()


async def test_a_leader_registers_by_code_and_files_a_report_on_zalo_alone(
    app: Any, zalo: ZaloSimulator, sim: BotApiSimulator, pack: ContentPack
) -> None:
    """The requirement's core: a tổ leader who never installed Telegram types the invite code
    the bot asks for, agrees to the notice, and files a report with a wrong input and a
    photo; the officer on Telegram reviews it, and "Cần bổ sung" comes back on Zalo."""
    svc = app.bot_data[BOT_DATA_KEY]
    unit, _ = await units.upsert_unit(
        svc.db, "TDP05", "Tổ dân phố số 5", "", svc.clock.now(), actor_id=0
    )
    made = await invites.create(
        svc.db, svc.config, role=Role.LEADER, unit_id=unit.id, created_by=0, now=svc.clock.now()
    )
    code = made.code
    assert invites.normal_code(code) and len(code) == 11 and code[3] == code[7] == "-"

    hoa = zalo.user("z-hoa-05", "Hoa")
    await hoa.send("xin chào")  # a first message: the bot answers, as it would anyone
    await hoa.expect_reply()
    await hoa.send("AAA-AAA-AAA")  # a wrong code: refused, counted as a guess
    assert (await hoa.expect_reply()).text == texts.INVITE_CODE_UNKNOWN
    await hoa.send(code.replace("-", " ").lower())  # read aloud, typed as heard
    notice = await hoa.expect_reply()
    assert notice.text.startswith("Lời mời làm tổ trưởng TDP05")
    assert "1. Đồng ý" in notice.text
    welcome = await pick(hoa, notice, texts.BTN_AGREE)
    assert welcome.text.startswith("Anh/chị đã là tổ trưởng TDP05")
    ready = await hoa.expect_reply()  # the menu with the leader's key, numbered
    assert ready.text.startswith("Bảng chọn") and f"3. {texts.BTN_REPORT}" in ready.text
    hoa_id = await svc.directory.local(Address(ZALO, "z-hoa-05"))
    assert await svc.db.fetchval("SELECT role FROM people WHERE user_id = ?", (hoa_id,)) == "leader"
    refused = await svc.db.fetchval(
        "SELECT COUNT(*) FROM audit_log WHERE actor_id = ? AND action = 'invite.redeem'"
        " AND allowed = 0",
        (hoa_id,),
    )
    assert refused == 1
    # the code never rests in the inbox in the clear
    payloads = [
        r[0] for r in await svc.db.fetchall("SELECT payload FROM inbox WHERE channel = 'zalo'")
    ]
    assert not any(code.replace("-", " ").lower() in p for p in payloads)

    # the report: every step by typed numbers and text, one wrong input, one photo
    await hoa.send("/baocao")
    date_q = await hoa.expect_reply()
    form_q = await pick(hoa, date_q, texts.R_BTN_TODAY)
    topic_q = await pick(hoa, form_q, texts.R_FORM_LABELS["hop_to"])
    first = topics(pack)[0]
    topic_q = await pick(hoa, topic_q, first.title, part=True)
    attendance_q = await pick(hoa, topic_q, texts.r_btn_topics_done(1))
    await hoa.send("nhiều lắm")  # wrong: asked again, nothing lost
    again = await hoa.expect_reply()
    assert texts.R_BAD_ATTENDANCE in again.text and "1 nội dung" in again.text
    await hoa.send("khoảng 40")
    notes_q = await hoa.expect_reply()
    await hoa.send("Bà con hỏi về chuyển đổi số")
    photos_q = await hoa.expect_reply()
    photo = zalo.add_file(b"\xff\xd8\xff\xe0 a small jpeg", "image/jpeg")
    await hoa.send_photo(photo)
    added = await hoa.expect_reply()
    assert "1" in added.text
    difficulties_q = await pick(hoa, added, texts.R_BTN_DONE)
    await hoa.send("Không có")
    summary = await hoa.expect_reply()
    assert "khoảng 40 người" in summary.text and "1 ảnh" in summary.text
    receipt = await pick(hoa, summary, texts.R_BTN_SEND)
    assert receipt.text.startswith("Đã gửi báo cáo số")
    number = int(receipt.text.split("số ")[1].split()[0])
    row = await svc.db.fetchone(
        "SELECT leader_id, attendance_about FROM reports WHERE id = ?", (number,)
    )
    assert tuple(row) == (hoa_id, "about")

    # the officer reviews on Telegram; the photo was downloaded for them
    officer = sim.user(ADMIN_ID, "Hà", started=True)
    card = await sim.wait_for_message(ADMIN_ID, timeout=10)
    assert card.text.startswith(f"Báo cáo số {number}")
    await officer.press(card, texts.R_BTN_NEEDS_MORE)
    await officer.expect_reply()
    await officer.send("Thiếu tên buổi họp")
    await officer.expect_reply()
    verdict = await hoa.expect_reply(timeout=10)
    assert verdict.text.startswith(f"Báo cáo số {number} cần bổ sung")
    assert "Thiếu tên buổi họp" in verdict.text and f"1. {texts.R_BTN_FIX}" in verdict.text
    for _ in range(100):
        stored = await svc.db.fetchval("SELECT path FROM media WHERE channel = 'zalo'")
        if stored:
            break
        await asyncio.sleep(0.1)
    assert stored, "the Zalo photo was not downloaded"
    assert attendance_q and notes_q and photos_q and difficulties_q


async def test_a_broadcast_to_telegram_and_zalo_leaders_gives_one_report(
    app: Any, zalo: ZaloSimulator, sim: BotApiSimulator
) -> None:
    from .broadcast_support import add_leader, add_unit, wait_done

    svc = app.bot_data[BOT_DATA_KEY]
    await add_unit(svc.db, 1)
    await add_unit(svc.db, 2)
    await add_leader(svc.db, 2001, 1)  # on Telegram
    sim.user(2001, started=True)
    hoa = zalo.user("z-hoa-07", "Hoa")  # on Zalo: her address gets a local id, then a tổ
    hoa_id = await svc.directory.local(Address(ZALO, "z-hoa-07"))
    await svc.db.execute(
        "INSERT INTO people (user_id, first_name, role, consent_at, consent_version,"
        " notifications, reachable, created_at, updated_at)"
        " VALUES (?, 'Hoa', 'leader', '2026-01-01T00:00:00Z', 'v1', 1, 1, '2026-01-01T00:00:00Z',"
        " '2026-01-01T00:00:00Z')",
        (hoa_id,),
    )
    await svc.db.execute(
        "INSERT INTO unit_leaders (unit_id, user_id, since) VALUES (2, ?, '2026-01-01T00:00:00Z')",
        (hoa_id,),
    )
    officer = sim.user(ADMIN_ID, started=True)
    await officer.send("/guitin")
    await officer.expect_reply()
    await officer.send("**Họp tổ** tối thứ Bảy\n- Mang sổ")
    audience = await officer.expect_reply()
    await officer.press(audience, texts.BC_AUD_LEADERS)
    _, _, card = await officer.expect_replies(3)
    assert "Sẽ gửi tới 2 người/nhóm" in card.text
    await officer.press(card, texts.BC_BTN_SEND)
    await officer.expect_reply()
    broadcast_id = int(await svc.db.fetchval("SELECT MAX(id) FROM broadcasts"))
    status = await wait_done(svc.db, broadcast_id)
    assert (status.sent, status.gone, status.failed) == (2, 0, 0)
    got = await hoa.expect_reply(timeout=10)
    lines = [line for line in got.text.splitlines() if line]
    assert lines == ["Họp tổ tối thứ Bảy", "• Mang sổ"]  # plain text: Zalo shows no bold
    telegram_got = sim.last_in(2001)
    assert telegram_got is not None and telegram_got.html.startswith("<b>Họp tổ</b>")
    await sim.wait_idle()
    report = sim.last_in(ADMIN_ID)
    assert report is not None and "Đã gửi tới người nhận: 2/2" in report.text  # one report


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_webhook_mode_takes_updates_only_with_the_secret_and_after_the_inbox_write(
    config: Config, pack: ContentPack, zalo: ZaloSimulator
) -> None:
    import httpx

    port = free_port()
    secret = "s3cret-webhook-token"
    cfg = with_changes(
        config, "zalo", token=ZALO_TOKEN, base_url=zalo.base_url, mode="webhook",
        webhook_secret=secret,
    )  # fmt: skip
    cfg = with_changes(
        cfg, "web", host="127.0.0.1", port=port, public_url=f"http://127.0.0.1:{port}"
    )
    application = build_application(cfg, pack)
    async with running(application):
        svc = application.bot_data[BOT_DATA_KEY]
        assert zalo.webhook == {
            "url": f"http://127.0.0.1:{port}/zalo/webhook",
            "secret_token": secret,
        }
        lan = zalo.user("z-lan-wh", "Lan")
        await lan.send("/start")  # flat body
        assert (await lan.expect_reply()).text.startswith("Chào Lan")
        zalo.webhook_wrapped = True
        await lan.send("/dotpha")  # wrapped body
        assert "đột phá" in (await lan.expect_reply()).text.lower()
        assert zalo.webhook_answers == [200, 200]

        async def rows() -> int:
            return int(await svc.db.fetchval("SELECT COUNT(*) FROM inbox WHERE channel = 'zalo'"))

        before = await rows()
        body = {
            "event_name": "message.text.received",
            "message": {
                "message_id": "m-direct-1",
                "date": 1_765_000_000_000,
                "chat": {"id": "z-lan-wh", "chat_type": "PRIVATE"},
                "from": {"id": "z-lan-wh", "display_name": "Lan", "is_bot": False},
                "text": "/muctieu",
            },
        }
        url = f"http://127.0.0.1:{port}/zalo/webhook"
        async with httpx.AsyncClient() as client:
            missing = await client.post(url, json=body)
            wrong = await client.post(url, json=body, headers={"X-Bot-Api-Secret-Token": "nope"})
            assert (missing.status_code, wrong.status_code) == (401, 403)
            assert await rows() == before  # refused: nothing recorded, nothing handled
            right = await client.post(url, json=body, headers={"X-Bot-Api-Secret-Token": secret})
            assert right.status_code == 200
            assert await rows() == before + 1  # on disk when the 200 came back
            again = await client.post(url, json=body, headers={"X-Bot-Api-Secret-Token": secret})
            assert again.status_code == 200 and await rows() == before + 1  # a repeat: ignored
        assert (await lan.expect_reply()).text.startswith("Mục tiêu")
        await asyncio.sleep(0.3)
        assert len(lan.received) == 3  # the repeat was not answered


async def test_a_telegram_leader_adds_zalo_and_is_one_person_on_both(
    app: Any, zalo: ZaloSimulator, sim: BotApiSimulator, pack: ContentPack
) -> None:
    """Issue 12, item 3: the same kind of code links a second channel to an existing person."""
    from .report_helpers import add_leader

    svc = app.bot_data[BOT_DATA_KEY]
    [unit] = await add_leader(svc.db, 2101, "Lan", "Tổ dân phố số 5")
    lan_tg = sim.user(2101, "Lan", started=True)
    await lan_tg.send("/themkenh")
    made = await lan_tg.expect_reply()
    code = made.text.split("Mã liên kết của anh/chị: ")[1].split()[0]
    assert invites.normal_code(code)
    await lan_tg.send(code)  # on the same channel: not what it is for
    assert (await lan_tg.expect_reply()).text == texts.LINK_REFUSALS["same"]

    other = zalo.user("z-registered", "Khác")  # a Zalo account with data of its own
    await other.send("/dangky")
    notice = await other.expect_reply()
    await other.send(number_of(notice.text, texts.BTN_AGREE))
    await other.expect_replies(2)  # registered, then where they live
    await other.send(code)
    assert (await other.expect_reply()).text == texts.LINK_REFUSALS["taken"]

    lan_zalo = zalo.user("z-lan-both", "Lan")
    await lan_zalo.send(code.lower())
    done = await lan_zalo.expect_reply()
    assert done.text.startswith("Đã liên kết") and "Lan" in done.text
    telegram_id = await svc.directory.local(Address("telegram", "2101"))
    assert await svc.directory.local(Address(ZALO, "z-lan-both")) == telegram_id
    await lan_zalo.send(code)  # used once
    assert (await lan_zalo.expect_reply()).text == texts.LINK_REFUSALS["used"]

    await lan_zalo.send("/baocao")  # she is the tổ's leader on Zalo too
    date_q = await lan_zalo.expect_reply()
    assert texts.R_Q_DATE in date_q.text and "Tổ dân phố số 5" in date_q.text
    await lan_zalo.send("/baocaocuatoi")
    assert texts.R_MY_NONE in (await lan_zalo.expect_reply()).text  # the same (empty) list
    assert unit

    # She is reached where she last wrote: Zalo now, Telegram once she writes there again.
    from .broadcast_support import wait_done

    officer = sim.user(ADMIN_ID, started=True)

    async def broadcast(text: str) -> None:
        await officer.send("/guitin")
        await officer.expect_reply()
        await officer.send(text)
        audience = await officer.expect_reply()
        await officer.press(audience, texts.BC_AUD_LEADERS)
        _, _, card = await officer.expect_replies(3)
        await officer.press(card, texts.BC_BTN_SEND)
        await officer.expect_reply()
        status = await wait_done(
            svc.db, int(await svc.db.fetchval("SELECT MAX(id) FROM broadcasts"))
        )
        assert status.sent == 1
        await sim.wait_idle()
        await asyncio.sleep(0.3)  # the delivery report
        officer.skip_replies()

    await broadcast("Họp tổ tối thứ Bảy")
    assert (await lan_zalo.expect_reply(timeout=10)).text == "Họp tổ tối thứ Bảy"
    assert sim.last_in(2101).text != "Họp tổ tối thứ Bảy"  # not on Telegram as well
    await lan_tg.send("/muctieu")
    await lan_tg.expect_reply()
    await broadcast("Nộp báo cáo trước thứ Hai")
    assert sim.last_in(2101).text == "Nộp báo cáo trước thứ Hai"
    await asyncio.sleep(0.3)
    assert [m.text for m in zalo.messages_to("z-lan-both")].count("Nộp báo cáo trước thứ Hai") == 0


async def test_with_a_public_url_zalo_gets_photos_by_url_and_others_get_nothing(
    config: Config, pack: ContentPack, zalo: ZaloSimulator, tmp_path: Any
) -> None:
    """Issue 12, item 4: images to Zalo need a public URL; the web app serves them, behind
    an HMAC of the media id (a guessed URL is a 404)."""
    import httpx

    from bot import media
    from bot.delivery import Audience, AudienceKind, OutMessage, create_broadcast
    from bot.rich import rich

    port = free_port()
    cfg = with_changes(config, "zalo", token=ZALO_TOKEN, base_url=zalo.base_url, poll_timeout=1)
    cfg = with_changes(
        cfg, "web", host="127.0.0.1", port=port, public_url=f"http://127.0.0.1:{port}"
    )
    application = build_application(cfg, pack)
    async with running(application):
        svc = application.bot_data[BOT_DATA_KEY]
        hoa = zalo.user("z-photo", "Hoa")
        await hoa.send("/start")
        await hoa.expect_reply()
        local = await svc.directory.local(Address(ZALO, "z-photo"))
        await svc.db.execute(
            "INSERT INTO people (user_id, first_name, role, consent_at, consent_version,"
            " notifications, reachable, created_at, updated_at)"
            " VALUES (?, 'Hoa', 'resident', ?, 'v1', 1, 1, ?, ?)",
            (local, "2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z"),
        )
        folder = cfg.storage.media / "2026-01"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "poster.jpg").write_bytes(b"\xff\xd8\xff\xe0poster")
        async with svc.db.transaction() as conn:
            ref = await media.add(
                conn, media.Incoming("telegram", "photo", "tg-file-1", "u1"), svc.clock.now()
            )
        await media.stored(svc.db, ref.id, "2026-01/poster.jpg", svc.clock.now())
        broadcast_id, _ = await create_broadcast(
            svc.db,
            svc.clock.now(),
            created_by=0,
            message=OutMessage(rich("Lịch tiêm chủng"), ref),
            audience=Audience(AudienceKind.EVERYONE),
            urgent=False,
        )
        await svc.delivery.enqueue(broadcast_id)
        photo, caption = await hoa.expect_replies(2, timeout=10)
        assert photo.photo.startswith(f"http://127.0.0.1:{port}/media/{ref.id}/")
        assert photo.fetched == 200  # Zalo could fetch it
        assert caption.text == "Lịch tiêm chủng"
        async with httpx.AsyncClient() as client:
            guessed = await client.get(f"http://127.0.0.1:{port}/media/{ref.id}/{'0' * 32}")
            other = await client.get(
                photo.photo.replace(f"/media/{ref.id}/", f"/media/{ref.id + 1}/")
            )
        assert guessed.status_code == 404 and other.status_code == 404


async def test_the_printed_zalo_invite_is_the_chats_qr_with_the_code_under_it(
    config: Config, tmp_path: Any
) -> None:
    """Issue 12, item 3: `python -m bot invite --all` also writes, for each tổ, the Zalo QR
    (it opens the chat with the bot, `[zalo] chat_link`) with the code to type printed under
    it, and invites.csv lists the code."""
    import csv
    import io

    from PIL import Image

    from bot.db import Database
    from bot.people_cli import invite_main

    cfg = with_changes(config, "zalo", token=ZALO_TOKEN, chat_link="https://zalo.me/s/loaphuong")
    async with Database(cfg.storage.database) as db:
        await units.upsert_unit(db, "TDP07", "Tổ dân phố số 7", "", datetime.now(UTC), actor_id=0)
    folder = tmp_path / "qr"
    out, err = io.StringIO(), io.StringIO()
    code = await invite_main(
        cfg, role="leader", unit_code=None, all_units=True, out_path=None, out_dir=folder,
        bot_username="loaphuong_bot", out=out, err=err,
    )  # fmt: skip
    assert code == 0, err.getvalue()
    assert sorted(p.name for p in folder.iterdir()) == [
        "TDP07-zalo.png",
        "TDP07.png",
        "invites.csv",
    ]
    with (folder / "invites.csv").open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh, delimiter=";"))
    assert rows[0][-1] == "Mã gõ (Zalo)" and invites.normal_code(rows[1][-1])
    page = Image.open(folder / "TDP07-zalo.png")
    plain_qr = Image.open(folder / "TDP07.png")
    assert page.height > page.width  # the code's band under the square QR
    band = page.convert("L").crop((0, page.width, page.width, page.height))
    assert band.getextrema()[0] < 100  # the code is written there (dark pixels)
    assert plain_qr.width == plain_qr.height


async def test_a_zalo_resident_sends_a_tip_sees_and_erases_their_data(
    app: Any, zalo: ZaloSimulator, sim: BotApiSimulator
) -> None:
    """The rest of the same flows on Zalo: a tip reaches the officer on Telegram; the data
    rights show the Zalo id and erase everything, the address included."""
    svc = app.bot_data[BOT_DATA_KEY]
    officer = sim.user(ADMIN_ID, "Hà", started=True)
    binh = zalo.user("z-binh-09", "Bình")
    await binh.send("/dangky")
    notice = await binh.expect_reply()
    await binh.send(number_of(notice.text, texts.BTN_AGREE))
    await binh.expect_replies(1)  # registered (no tổ in the list: nothing more is asked)
    await binh.send("/baotin")
    ask = await binh.expect_reply()
    assert ask.text.startswith("Báo tin sai sự thật")
    await binh.send("Nghe nói phường thu phí chuyển đổi số")
    note_q = await binh.expect_reply()
    received = await pick(binh, note_q, texts.TIP_BTN_NO_NOTE)
    assert received.text.startswith("Đã nhận tin báo số 1")
    card = await sim.wait_for_message(ADMIN_ID, timeout=10)
    assert card.text.startswith("Tin báo số 1") and "Bình" in card.text
    assert officer

    await binh.send("/dulieucuatoi")
    mine = await binh.expect_reply()
    assert f"{texts.my_id('zalo')}: z-binh-09" in mine.text
    await binh.send("/xoadulieu")
    confirm = await binh.expect_reply()
    gone = await pick(binh, confirm, texts.BTN_ERASE)
    assert gone.text.startswith("Đã xóa dữ liệu")
    local = await svc.db.fetchval(
        "SELECT local_id FROM addresses WHERE channel = 'zalo' AND external_id = 'z-binh-09'"
    )
    assert local is None  # the address went with the person
    assert await svc.db.fetchval("SELECT COUNT(*) FROM people WHERE first_name = 'Bình'") == 0


async def test_an_official_on_zalo_composes_and_schedules_a_broadcast(
    config: Config, pack: ContentPack, zalo: ZaloSimulator
) -> None:
    """An official reached on Zalo only ([admins] addresses) composes a message, sees the
    preview as recipients will, and schedules it by typed numbers and a typed time."""
    cfg = with_changes(config, "zalo", token=ZALO_TOKEN, base_url=zalo.base_url, poll_timeout=1)
    cfg = with_changes(cfg, "admins", addresses=("zalo:z-admin-01",))
    application = build_application(cfg, pack)
    async with running(application):
        svc = application.bot_data[BOT_DATA_KEY]
        ha = zalo.user("z-admin-01", "Hà")
        await ha.send("/guitin")
        prompt = await ha.expect_reply()
        assert prompt.text.startswith("Soạn tin gửi")
        await ha.send("**Họp tổ** tối thứ Bảy")
        audience = await ha.expect_reply()
        await ha.send(number_of(audience.text, texts.BC_AUD_EVERYONE))
        chosen, preview, card = await ha.expect_replies(3)
        assert chosen.text.startswith("Người nhận")
        assert preview.text == "Họp tổ tối thứ Bảy"  # as recipients on Zalo will see it
        await ha.send(number_of(card.text, texts.BC_BTN_LATER))
        when = await ha.expect_reply()
        assert when.text.startswith("Hẹn giờ gửi")
        await ha.send("mai 19h")
        repeat = await ha.expect_reply()
        await ha.send(number_of(repeat.text, texts.BC_REPEAT_ONCE))
        done = await ha.expect_reply()
        assert done.text.startswith("Đã hẹn giờ")
        row = await svc.db.fetchone(
            "SELECT repeat, at_time, state FROM schedules WHERE source = 'official'"
        )
        assert tuple(row) == ("once", "19:00", "active")


async def test_a_zalo_sender_over_the_limit_gets_one_sentence_and_others_are_answered(
    config: Config, pack: ContentPack, zalo: ZaloSimulator
) -> None:
    """The flood gate Telegram's updates pass holds for Zalo's too: a sender over `[limits]`
    gets the first BURST answers and one "too fast" sentence; everything is recorded and
    closed; someone else is answered meanwhile."""
    burst = 4
    cfg = with_changes(config, "zalo", token=ZALO_TOKEN, base_url=zalo.base_url, poll_timeout=1)
    cfg = with_changes(cfg, "limits", updates_burst=burst, updates_per_second=0.01)
    application = build_application(cfg, pack)
    async with running(application):
        flooder, other = zalo.user("z-flood-01", "Tùng"), zalo.user("z-calm-02", "Mai")
        for _ in range(30):
            await flooder.send("/muctieu")
        await other.send("/muctieu")
        assert "2030" in (await other.expect_reply(timeout=10)).text
        replies = await flooder.expect_replies(burst + 1, timeout=20)
        assert [r.text for r in replies].count(texts.FLOOD_SLOW_DOWN) == 1
        assert sum("2030" in r.text for r in replies) == burst
        await asyncio.sleep(1.0)
        assert [m for m in zalo.sent if m.chat_id == "z-flood-01"] == replies  # then silence
        db = application.bot_data[BOT_DATA_KEY].db
        for _ in range(100):
            if not await db.fetchval("SELECT COUNT(*) FROM inbox WHERE done_at IS NULL"):
                break
            await asyncio.sleep(0.05)
        recorded = await db.fetchval(
            "SELECT COUNT(*) FROM inbox WHERE channel = 'zalo' AND chat = 'z-flood-01'"
            " AND done_at IS NOT NULL"
        )
        assert recorded == 30


async def test_a_reply_that_takes_a_while_shows_typing_first(app: Any, zalo: ZaloSimulator) -> None:
    """sendChatAction: Zalo is slow to take the reply (throttled four times), so the person
    sees "typing…" before it; the reply still comes, once."""
    lan = zalo.user("z-wait-01", "Lan")
    zalo.fail_next("sendMessage", 429, count=4)
    await lan.send("/muctieu")
    reply = await lan.expect_reply(timeout=15)
    assert "2030" in reply.text
    methods = [method for method, params in zalo.calls if params.get("chat_id") == "z-wait-01"]
    assert ("sendChatAction", {"chat_id": "z-wait-01", "action": "typing"}) in zalo.calls
    assert methods.index("sendChatAction") < len(methods) - 1  # before the reply went
    assert [m.text for m in zalo.messages_to("z-wait-01")] == [reply.text]
