"""Notices leave through the channel's classified send, like broadcasts (issue 10, item 5).

A notice to a person who blocked the bot is given up as gone at the first refusal, not
retried; one Telegram refuses as it is is given up as bad; a 429 pauses the notices and the
card arrives after it; a server error is tried again until it goes through.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from bot.config import Config
from bot.content import ContentPack
from bot.simulator import BotApiSimulator

from .conftest import ADMIN_ID
from .local_ids import local
from .report_helpers import add_leader, eventually, file_report, svc, without_reminders


@pytest.fixture
def config(config: Config) -> Config:
    return without_reminders(config)


async def review_notice(bot: Any) -> tuple[int, str | None, int]:
    """(sent?, failed, attempts) of the review card queued for the officer."""
    db = svc(bot).db
    row = await db.fetchone(
        "SELECT sent_at IS NOT NULL, failed, attempts FROM notices"
        " WHERE chat_id = ? AND kind = 'review'",
        (await local(db, ADMIN_ID),),
    )
    assert row is not None
    return int(row[0]), row[1], int(row[2])


async def settled(bot: Any) -> tuple[int, str | None, int]:
    async def probe() -> list[tuple[int, str | None, int]]:
        found = await review_notice(bot)
        return [found] if found[0] or found[1] else []

    for _ in range(200):
        found = await probe()
        if found:
            return found[0]
        svc(bot).bell.ring()
        await asyncio.sleep(0.05)
    raise AssertionError("the review card was neither sent nor given up")


async def test_a_notice_to_someone_who_blocked_the_bot_is_gone_not_retried(
    sim: BotApiSimulator, bot: Any, pack: ContentPack
) -> None:
    await add_leader(svc(bot).db, 6201, "Lan", "Tổ dân phố số 2")
    sim.user(ADMIN_ID, "Hà", started=True)
    blocked = sim.faults.add(
        method="sendMessage",
        status=403,
        chat_id=ADMIN_ID,
        description="Forbidden: bot was blocked by the user",
    )
    await file_report(sim.user(6201, "Lan"), pack)
    assert await settled(bot) == (0, "gone", 0)
    for _ in range(3):  # more rounds of the sender: the card is not tried again
        svc(bot).bell.ring()
        await asyncio.sleep(0.3)
    assert blocked.hits == 1


@pytest.mark.parametrize(
    ("description", "failed"),
    [("Bad Request: chat not found", "gone"), ("Bad Request: message is too long", "bad")],
)
async def test_a_refused_notice_is_given_up_by_its_class(
    sim: BotApiSimulator, bot: Any, pack: ContentPack, description: str, failed: str
) -> None:
    await add_leader(svc(bot).db, 6202, "Lan", "Tổ dân phố số 2")
    sim.user(ADMIN_ID, "Hà", started=True)
    sim.faults.add(method="sendMessage", status=400, chat_id=ADMIN_ID, description=description)
    await file_report(sim.user(6202, "Lan"), pack)
    assert await settled(bot) == (0, failed, 0)


async def test_a_throttled_notice_waits_and_arrives(
    sim: BotApiSimulator, bot: Any, pack: ContentPack
) -> None:
    await add_leader(svc(bot).db, 6203, "Lan", "Tổ dân phố số 2")
    officer = sim.user(ADMIN_ID, "Hà", started=True)
    throttled = sim.faults.add(
        method="sendMessage", status=429, retry_after=1, chat_id=ADMIN_ID, times=1
    )
    number = await file_report(sim.user(6203, "Lan"), pack)
    await eventually(
        lambda: [m for m in sim.messages_in(officer.chat_id) if f"Báo cáo số {number}" in m.text]
    )
    # The card reaches the chat a moment before the sender records it as sent: wait for the
    # record rather than read it in that instant.
    assert (await settled(bot))[:2] == (1, None)
    assert throttled.hits == 1
