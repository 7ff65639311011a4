"""Issue 12: the same bot on Zalo, end to end through the fake Zalo Bot Platform beside the
Telegram simulator, in one process: the same handlers, the replies as plain numbered text."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot import texts
from bot.app import build_application, running
from bot.config import Config
from bot.content import ContentPack
from bot.simulator import BotApiSimulator
from bot.simulator.zalo import TEXT_LIMIT, ZaloSimulator, utf16_length

from .conftest import with_changes

ZALO_TOKEN = "5550001:ZALO-FLOWS-SECRET"


@pytest.fixture
async def zalo() -> AsyncIterator[ZaloSimulator]:
    async with ZaloSimulator(token=ZALO_TOKEN) as sim:
        yield sim


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
