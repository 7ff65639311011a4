"""One person cannot stall the bot for everyone (issue 9, item 2).

The attack: 1,000 fast messages from one chat left every other person unanswered for about
17.5 minutes. The flooder's updates filled the backlog and the concurrent places, each
waiting for the flooder's own one-message-a-second send limit.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot import texts
from bot.app import build_application, running
from bot.channels.telegram_inbox import DurableQueue
from bot.config import Config
from bot.content import ContentPack
from bot.limits import FloodGate, Verdict
from bot.simulator import BotApiSimulator

from .conftest import with_changes
from .report_helpers import svc, without_reminders

BURST = 5  # smaller than the default so that the flooder's own paced replies end soon


@pytest.fixture
async def app(config: Config, pack: ContentPack) -> AsyncIterator[Any]:
    limited = with_changes(config, "limits", updates_burst=BURST, updates_per_second=1.0)
    application = build_application(without_reminders(limited), pack)
    assert isinstance(application.update_queue, DurableQueue)
    async with running(application):
        yield application


async def test_a_flooding_chat_does_not_hold_up_another_chat(
    sim: BotApiSimulator, app: Any
) -> None:
    flooder, other = sim.user(4201, "Tùng"), sim.user(4202, "Mai")
    for _ in range(200):
        await flooder.send("/muctieu")

    async def keep_flooding() -> None:
        for _ in range(800):
            await flooder.send("/muctieu")
            await asyncio.sleep(0.001)

    flood = asyncio.create_task(keep_flooding())
    waits = []
    for _ in range(3):  # while the flood lasts
        started = time.monotonic()
        await other.send("/muctieu")
        answer = await other.expect_reply(timeout=10)
        waits.append(time.monotonic() - started)
        assert "2030" in answer.text  # the 2030 goal, as /muctieu answers
        await asyncio.sleep(0.2)
    assert not flood.done(), "the flood ended before the other chat was measured"
    await flood
    print(f"other chat's reply times during the flood: {[round(w, 3) for w in waits]} s")
    assert max(waits) < 2.0, waits

    # The flooder: the first BURST answered, then one polite sentence, then silence.
    replies = await flooder.expect_replies(BURST + 1, timeout=BURST + 10)
    assert [r.text for r in replies].count(texts.FLOOD_SLOW_DOWN) == 1
    await flooder.expect_no_reply(within=1.5)
    # Every update was recorded and closed, the dropped ones included.
    db = svc(app).db
    await sim.wait_idle()
    for _ in range(100):
        pending = await db.fetchval("SELECT COUNT(*) FROM inbox WHERE done_at IS NULL")
        if pending == 0:
            break
        await asyncio.sleep(0.05)
    assert await db.fetchval("SELECT COUNT(*) FROM inbox WHERE chat = '4201'") == 1000
    assert pending == 0


def test_gate_lets_a_burst_through_then_warns_once_then_drops() -> None:
    gate = FloodGate(burst=3, per_second=1.0)
    verdicts = [gate.admit("a", 0.0) for _ in range(6)]
    assert verdicts == [Verdict.ADMIT] * 3 + [Verdict.WARN] + [Verdict.DROP] * 2
    assert gate.admit("b", 0.0) == Verdict.ADMIT  # another person is not affected


def test_gate_keeps_a_flooder_silent_and_lets_them_back_after_a_pause() -> None:
    gate = FloodGate(burst=4, per_second=1.0)
    now = 0.0
    for _ in range(4):
        assert gate.admit("a", now) == Verdict.ADMIT
    assert gate.admit("a", now) == Verdict.WARN
    for _ in range(100):  # still sending, twice a second: never let in
        now += 0.5
        assert gate.admit("a", now) == Verdict.DROP
    now += 2.5  # a pause long enough for half a burst
    assert gate.admit("a", now) == Verdict.ADMIT


@given(st.lists(st.floats(min_value=0, max_value=5), min_size=1, max_size=200))
def test_gate_never_admits_more_than_a_burst_plus_the_rate(gaps: list[float]) -> None:
    gate = FloodGate(burst=5, per_second=2.0)
    now, admitted = 0.0, 0
    for gap in gaps:
        now += gap
        admitted += gate.admit("p", now) == Verdict.ADMIT
    assert admitted <= 5 + 2.0 * now + 1e-9
