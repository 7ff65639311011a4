"""Replies survive Telegram's faults (issue 9, item 6).

The attack: after two 429s a leader got the generic apology instead of the next question;
after five 429s or three 500s, nothing at all, while the step was already applied, so the
screen still showed the old question. Now a reply keeps trying within
`[delivery] reply_retry_seconds` (as long as Telegram asks, backing off on 5xx and
timeouts), and a reply that still cannot get through is owed as a notice: the person always
ends up seeing the screen of the step they are at.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot import texts
from bot.app import build_application, running
from bot.config import Config
from bot.content import ContentPack
from bot.simulator import BotApiSimulator

from .conftest import SteadyClock, with_changes
from .local_ids import local
from .report_helpers import add_leader, begin, svc, without_reminders

# Faults that take seconds to play out (retry_after, backoff): `-m "not slow"` skips them.
pytestmark = pytest.mark.slow

LEADER = 4301


async def start_app(config: Config, pack: ContentPack, clock: SteadyClock) -> Any:
    """On a fixed date: with the real clock, a run in the last minute of a month met the
    leader's report reminder instead of the next question."""
    return build_application(without_reminders(config), pack, clock=clock)


@pytest.fixture
async def app(config: Config, pack: ContentPack, clock: SteadyClock) -> AsyncIterator[Any]:
    application = await start_app(config, pack, clock)
    async with running(application):
        await add_leader(svc(application).db, LEADER, "Lan", "Tổ dân phố số 5")
        yield application


@pytest.mark.parametrize(
    ("status", "times", "method"),
    [
        (429, 2, "editMessageText"),
        (429, 5, "editMessageText"),
        (500, 3, "editMessageText"),
        (429, 3, "sendMessage"),
        (502, 3, "sendMessage"),
    ],
)
async def test_the_next_question_arrives_through_repeated_faults(
    sim: BotApiSimulator, app: Any, status: int, times: int, method: str
) -> None:
    lan = sim.user(LEADER, "Lan")
    if method == "sendMessage":
        sim.faults.add(method=method, status=status, times=times, retry_after=1)
        started = time.monotonic()
        question = await begin(lan)
        assert texts.R_Q_DATE in question.text
    else:
        question = await begin(lan)
        sim.faults.add(method=method, status=status, times=times, retry_after=1)
        started = time.monotonic()
        await lan.press(question, texts.R_BTN_TODAY)
        question = await lan.expect_reply(timeout=30)
        assert texts.R_Q_FORM in question.text  # the step's answer, edited in place
    waited = time.monotonic() - started
    refused = [c for c in sim.failed_calls if c["method"] == method and c["code"] == status]
    assert len(refused) == times  # every fault was met…
    if status == 429:
        assert waited >= times * 1.0  # …and Telegram's retry_after was respected each time
    assert texts.ERROR_GENERIC not in [m.text for m in sim.messages_in(LEADER)]


async def test_a_timed_out_reply_is_sent_again(sim: BotApiSimulator, app: Any) -> None:
    lan = sim.user(LEADER, "Lan")
    question = await begin(lan)
    sim.faults.add(method="editMessageText", status="timeout", times=1, delay=6.0)
    await lan.press(question, texts.R_BTN_TODAY)
    answer = await lan.expect_reply(timeout=20)
    assert texts.R_Q_FORM in answer.text


async def test_a_reply_refused_for_too_long_is_owed_and_comes_later(
    sim: BotApiSimulator, config: Config, pack: ContentPack, clock: SteadyClock
) -> None:
    short = with_changes(config, "delivery", reply_retry_seconds=1.0)
    application = await start_app(short, pack, clock)
    async with running(application):
        await add_leader(svc(application).db, LEADER, "Lan", "Tổ dân phố số 5")
        lan = sim.user(LEADER, "Lan")
        question = await begin(lan)
        # Refused for longer than a reply may wait: 0.5 s, 1 s, … of backoff exceed 1 s.
        sim.faults.add(method="editMessageText", status=500, times=50)
        sim.faults.add(method="sendMessage", status=500, times=2)
        await lan.press(question, texts.R_BTN_TODAY)
        owed = await lan.expect_reply(timeout=15)
        assert texts.R_Q_FORM in owed.text  # the screen of the step Lan is at
        assert owed.method == "sendMessage"
        # The owed screen is live: its buttons take the next step.
        await lan.press(owed, texts.R_FORM_LABELS["hop_to"])
        sim.faults.clear()
        nxt = await lan.expect_reply(timeout=15)
        assert texts.R_Q_TOPICS.split("\n")[0][:30] in nxt.text
        db = svc(application).db
        form = await db.fetchval(
            "SELECT form FROM report_drafts WHERE user_id = ?", (await local(db, LEADER),)
        )
        assert form == "hop_to"


async def test_an_owed_screen_is_dropped_once_the_person_moved_on(
    sim: BotApiSimulator, config: Config, pack: ContentPack, clock: SteadyClock
) -> None:
    short = with_changes(config, "delivery", reply_retry_seconds=0.4)
    application = await start_app(short, pack, clock)
    async with running(application):
        db = svc(application).db
        await add_leader(db, LEADER, "Lan", "Tổ dân phố số 5")
        lan = sim.user(LEADER, "Lan")
        question = await begin(lan)
        sim.faults.add(method="editMessageText", status=500, times=3)
        sim.faults.add(method="sendMessage", status=500, times=3)
        await lan.press(question, texts.R_BTN_TODAY)
        for _ in range(100):
            if await db.fetchval("SELECT COUNT(*) FROM notices WHERE kind = 'screen'"):
                break
            await lan.expect_no_reply(within=0.05)
        # Before the owed screen goes out, Lan takes another step (typing /baocao again).
        await db.execute(
            "UPDATE flow_marks SET event_id = event_id + 1000 WHERE user_id = ?",
            (await local(db, LEADER),),
        )
        sim.faults.clear()
        for _ in range(100):
            failed = await db.fetchval("SELECT failed FROM notices WHERE kind = 'screen'")
            if failed:
                break
            await lan.expect_no_reply(within=0.05)
        assert failed == "stale"
