"""A search keyword asked for survives a restart and expires (issue 10, item 6).

The wait for a keyword (after 🔎 or a bare /timkiem) lived in PTB's memory: a restart in
between turned the keyword into "Loa Phường chưa hiểu yêu cầu này". It is in SQLite now,
like every other conversation state, and a message long after is not taken as a keyword.
"""

from __future__ import annotations

from datetime import UTC, datetime

from bot import texts
from bot.app import build_application, running
from bot.channels.telegram_render import html
from bot.clock import FakeClock
from bot.config import Config
from bot.content import ContentPack
from bot.search_waits import WAIT
from bot.simulator import BotApiSimulator

START = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)
HELP = "Hướng dẫn sử dụng Loa Phường"  # how /help begins


async def test_the_keyword_asked_for_survives_a_restart(
    sim: BotApiSimulator, config: Config, pack: ContentPack
) -> None:
    user = sim.user(6401, "Tú")
    async with running(build_application(config, pack, clock=FakeClock(START))):
        await user.send("/timkiem")
        assert (await user.expect_reply()).html == html(texts.SEARCH_PROMPT)
    async with running(build_application(config, pack, clock=FakeClock(START))):
        # While a keyword is awaited, even a menu key's words are the keyword.
        await user.send("hướng dẫn")
        reply = await user.expect_reply()
        assert "“hướng dẫn”" in reply.text and not reply.text.startswith(HELP)
        await user.send("hướng dẫn")  # asked once, answered once: now the menu key
        assert (await user.expect_reply()).text.startswith(HELP)


async def test_a_message_long_after_is_not_a_keyword(
    sim: BotApiSimulator, config: Config, pack: ContentPack
) -> None:
    clock = FakeClock(START)
    user = sim.user(6402, "Tú")
    async with running(build_application(config, pack, clock=clock)):
        await user.send(texts.BTN_SEARCH)
        assert (await user.expect_reply()).html == html(texts.SEARCH_PROMPT)
        clock.advance(seconds=WAIT.total_seconds() + 60)
        await user.send("hướng dẫn")
        assert (await user.expect_reply()).text.startswith(HELP)
