"""/xoadulieu after reporting: reports stay only as counts for the tổ, nothing personal stays."""

from __future__ import annotations

from typing import Any

import pytest

from bot import texts
from bot.channels import telegram_inbox
from bot.channels.telegram_render import html
from bot.config import Config
from bot.content import ContentPack
from bot.simulator import BotApiSimulator

from .report_helpers import add_leader, file_report, svc, without_reminders


@pytest.fixture
def config(config: Config) -> Config:
    return without_reminders(config)


async def test_erasure_keeps_counts_and_removes_the_person(
    sim: BotApiSimulator, bot: Any, pack: ContentPack
) -> None:
    db = svc(bot).db
    [unit] = await add_leader(db, 2101, "Lan", "Tổ dân phố số 9")
    lan = sim.user(2101, "Lan")
    number = await file_report(lan, pack, photo=True)
    await sim.wait_idle()
    assert await db.fetchval("SELECT COUNT(*) FROM report_photos WHERE report_id = ?", (number,))
    before = await db.fetchval("SELECT COUNT(*) FROM inbox WHERE chat = '2101'")
    assert before > 10  # every step of the report is a raw update with Lan's name and text

    await lan.send("/xoadulieu")
    confirm = await lan.expect_reply()
    await lan.press(confirm, texts.BTN_ERASE)
    done = await lan.expect_reply()
    assert done.html == html(texts.ERASE_DONE)  # exactly the HTML it always was
    await sim.wait_idle()

    report = await db.fetchone("SELECT * FROM reports WHERE id = ?", (number,))
    assert report is not None  # still counted for the tổ
    assert report["unit_id"] == unit and report["attendance"] == 40
    assert report["leader_id"] == 0
    assert report["notes"] == "" and report["difficulties"] == ""
    assert (
        await db.fetchval("SELECT COUNT(*) FROM report_photos WHERE report_id = ?", (number,)) == 0
    )
    assert await db.fetchval("SELECT COUNT(*) FROM people WHERE user_id = 2101") == 0
    # Lan's raw updates are gone, down to the button press that asked for the erasure.
    await telegram_inbox.flush(bot)
    left = await db.fetchval("SELECT COUNT(*) FROM inbox WHERE chat = '2101'")
    assert left == 0
    assert await db.fetchval("SELECT COUNT(*) FROM report_drafts WHERE user_id = 2101") == 0
