"""Issue 12, item 8: a ward on Zalo alone — `[telegram] token` empty, `[zalo]` set. The same
core runs; nothing reaches Telegram, not even the getMe PTB asks at start-up. An official on
Zalo makes an invite, a leader types its code, files a report with a photo, and the official
sends it back for more, all in Zalo."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot import invites, texts, units
from bot.addresses import ZALO, Address
from bot.app import build_application, running
from bot.config import Config, ConfigError, parse_config
from bot.content import ContentPack
from bot.db import Database
from bot.people_cli import invite_main
from bot.report_parse import topics
from bot.services import BOT_DATA_KEY
from bot.simulator import BotApiSimulator
from bot.simulator.zalo import ZaloSimulator, ZaloUser

from .conftest import ZALO_TOKEN, with_changes
from .test_zalo_flows import pick, plain

CHAT_LINK = "https://zalo.me/s/loaphuong-haian"
ADMIN = "z-admin-01"


def zalo_only(config: Config, base_url: str) -> Config:
    cfg = with_changes(config, "telegram", token="")
    cfg = with_changes(
        cfg, "zalo", token=ZALO_TOKEN, base_url=base_url, poll_timeout=1, chat_link=CHAT_LINK
    )
    return with_changes(cfg, "admins", telegram_ids=(), addresses=(f"zalo:{ADMIN}",))


@pytest.fixture
async def app(config: Config, pack: ContentPack, zalo: ZaloSimulator) -> AsyncIterator[Any]:
    application = build_application(zalo_only(config, zalo.base_url), pack)
    async with running(application):
        yield application


async def until(user: ZaloUser, wanted: str, timeout: float = 10.0) -> Any:
    """The next message of `user` that starts with `wanted` (notices may come between)."""
    while True:
        message = await user.expect_reply(timeout=timeout)
        if message.text.startswith(wanted):
            return message


def test_a_config_needs_one_channel_and_either_alone_will_do() -> None:
    with pytest.raises(ConfigError) as refused:
        parse_config({}, env={})
    assert refused.value.key == "[telegram] token"
    assert "[zalo] token" in str(refused.value)  # the fix names both ways
    alone = parse_config({"zalo": {"token": ZALO_TOKEN}}, env={})
    assert not alone.telegram.enabled and alone.zalo.token == ZALO_TOKEN
    by_env = parse_config({}, env={"ZALO_BOT_TOKEN": ZALO_TOKEN})
    assert by_env.zalo.token == ZALO_TOKEN and not by_env.telegram.enabled
    both = parse_config({"telegram": {"token": "1:tg"}, "zalo": {"token": ZALO_TOKEN}}, env={})
    assert both.telegram.enabled


async def test_a_ward_on_zalo_alone_registers_and_reviews_a_report_without_telegram(
    app: Any, zalo: ZaloSimulator, sim: BotApiSimulator, pack: ContentPack
) -> None:
    svc = app.bot_data[BOT_DATA_KEY]
    await units.upsert_unit(svc.db, "TDP05", "Tổ dân phố số 5", "", svc.clock.now(), actor_id=0)

    admin = zalo.user(ADMIN, "Hà")
    await admin.send("/start")
    plain((await admin.expect_reply()).text)
    await admin.send("/moi TDP05")
    assert (await admin.expect_reply()).text == texts.ZALO_QR_NOT_SENT  # where the QR would be
    invite = await admin.expect_reply()
    plain(invite.text)
    assert invite.text.startswith("Lời mời làm tổ trưởng TDP05")
    assert "t.me" not in invite.text and CHAT_LINK in invite.text  # no Telegram to point to
    code = next(w.strip(",.") for w in invite.text.split() if invites.normal_code(w.strip(",.")))

    hoa = zalo.user("z-hoa-05", "Hoa")
    await hoa.send(code)
    notice = await hoa.expect_reply()
    welcome = await pick(hoa, notice, texts.BTN_AGREE)
    assert welcome.text.startswith("Anh/chị đã là tổ trưởng TDP05")
    await hoa.expect_reply()  # the leader's numbered menu
    hoa_id = await svc.directory.local(Address(ZALO, "z-hoa-05"))
    assert await svc.db.fetchval("SELECT role FROM people WHERE user_id = ?", (hoa_id,)) == "leader"
    assert await svc.db.fetchval(
        "SELECT used_by FROM invites WHERE code_hash IS NOT NULL"
    ) == hoa_id  # fmt: skip

    await hoa.send("/baocao")
    date_q = await hoa.expect_reply()
    form_q = await pick(hoa, date_q, texts.R_BTN_TODAY)
    topic_q = await pick(hoa, form_q, texts.R_FORM_LABELS["hop_to"])
    topic_q = await pick(hoa, topic_q, topics(pack)[0].title, part=True)
    await pick(hoa, topic_q, texts.r_btn_topics_done(1))
    await hoa.send("35")
    await hoa.expect_reply()  # notes
    await hoa.send("Bà con hỏi về thủ tục trực tuyến")
    await hoa.expect_reply()  # photos
    await hoa.send_photo(zalo.add_file(b"\xff\xd8\xff\xe0 a report photo", "image/jpeg"))
    added = await hoa.expect_reply()
    await pick(hoa, added, texts.R_BTN_DONE)
    await hoa.send("Không có")
    summary = await hoa.expect_reply()
    assert "35 người" in summary.text and "1 ảnh" in summary.text
    receipt = await pick(hoa, summary, texts.R_BTN_SEND)
    number = int(receipt.text.split("số ")[1].split()[0])

    card = await until(admin, f"Báo cáo số {number}")  # the officer's card, on Zalo
    plain(card.text)
    await pick(admin, card, texts.R_BTN_NEEDS_MORE)
    await admin.send("Thiếu tên buổi họp")
    await admin.expect_reply()
    verdict = await until(hoa, f"Báo cáo số {number} cần bổ sung")
    assert "Thiếu tên buổi họp" in verdict.text
    for _ in range(100):  # the photo's original was downloaded, as Telegram's are
        if await svc.db.fetchval("SELECT path FROM media WHERE channel = 'zalo'"):
            break
        await asyncio.sleep(0.1)
    else:
        raise AssertionError("the Zalo photo was not downloaded")
    assert sum(sim.stats.requests.values()) == 0  # Telegram was never asked anything


async def test_the_command_line_invites_of_a_ward_on_zalo_alone(
    config: Config, tmp_path: Path
) -> None:
    """No Telegram to ask for a bot name: `invite` makes the Zalo QR with the code under it
    (MÃ_TỔ-zalo.png), and invites.csv has no link but the code to type."""
    cfg = zalo_only(config, "http://127.0.0.1:9")
    async with Database(cfg.storage.database) as db:
        await units.upsert_unit(db, "TDP07", "Tổ dân phố số 7", "", datetime.now(UTC), actor_id=0)
    folder, out, err = tmp_path / "qr", io.StringIO(), io.StringIO()
    done = await invite_main(
        cfg, role="leader", unit_code=None, all_units=True, out_path=None, out_dir=folder,
        bot_username=None, out=out, err=err,
    )  # fmt: skip
    assert done == 0, err.getvalue()
    assert sorted(p.name for p in folder.iterdir()) == ["TDP07-zalo.png", "invites.csv"]
    rows = (folder / "invites.csv").read_text(encoding="utf-8-sig").splitlines()
    unit_code, _, link, _, code = rows[1].split(";")
    assert unit_code == "TDP07" and link == "" and invites.normal_code(code)
    assert code in out.getvalue() and "t.me" not in out.getvalue()

    one = tmp_path / "one.png"
    out = io.StringIO()
    done = await invite_main(
        cfg, role="officer", unit_code=None, all_units=False, out_path=one, out_dir=None,
        bot_username=None, out=out, err=err,
    )  # fmt: skip
    assert done == 0 and one.read_bytes().startswith(b"\x89PNG")
    assert "t.me" not in out.getvalue() and str(one) in out.getvalue()
