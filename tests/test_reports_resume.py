"""Drafts survive restarts and long pauses; a step handled twice changes nothing twice."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot import texts
from bot.app import build_application, running
from bot.channels.telegram_notices import sender
from bot.channels.telegram_render import screen_html
from bot.clock import FakeClock
from bot.config import Config
from bot.content import ContentPack
from bot.report_flow import ReportFlow
from bot.simulator import BotApiSimulator

from .local_ids import local
from .report_helpers import add_leader, begin, labels, svc, without_reminders

# 09:00 in Hải An on a Monday; the clock only moves when a test moves it.
MONDAY_MORNING = datetime(2026, 4, 6, 2, 0, tzinfo=UTC)


@pytest.fixture
def config(config: Config) -> Config:
    return without_reminders(config)


async def test_restart_mid_report_loses_nothing(
    sim: BotApiSimulator, config: Config, pack: ContentPack
) -> None:
    lan = sim.user(2401, "Lan")
    first = build_application(config, pack)
    async with running(first):
        await add_leader(svc(first).db, 2401, "Lan", "Tổ dân phố số 3")
        date_q = await begin(lan)
        await lan.press(date_q, texts.R_BTN_YESTERDAY)
        await lan.press(await lan.expect_reply(), texts.R_FORM_LABELS["hoi_nghi"])
        topic_q = await lan.expect_reply()
    second = build_application(config, pack)
    async with running(second):
        # the button of the message sent before the restart still works
        await lan.press(topic_q, labels(topic_q)[0])
        ticked = await lan.expect_reply()
        assert "Hội nghị, tọa đàm" in ticked.text and "✅ " + labels(topic_q)[0] in labels(ticked)
        offer = await begin(lan)
        assert offer.text.startswith("Anh/chị đang có báo cáo dở — tiếp tục?")
        await lan.press(offer, texts.R_BTN_RESUME)
        resumed = await lan.expect_reply()
        assert texts.R_Q_TOPICS in resumed.text and "1 nội dung" in resumed.text


async def test_idle_draft_is_offered_again_once_not_dropped(
    sim: BotApiSimulator, config: Config, pack: ContentPack
) -> None:
    clock = FakeClock(MONDAY_MORNING)
    app = build_application(config, pack, clock=clock)
    async with running(app):
        db = svc(app).db
        await add_leader(db, 2402, "Mai", "Tổ dân phố số 4")
        mai = sim.user(2402, "Mai")
        date_q = await begin(mai)
        await mai.press(date_q, texts.R_BTN_TODAY)
        await mai.expect_reply()
        flow = ReportFlow(db, svc(app).config, pack, clock)
        clock.advance(hours=23)
        assert await flow.offer_idle() == 0  # not yet a day
        clock.advance(hours=2)
        assert await flow.offer_idle() == 1
        sender(app).wake()
        offer = await mai.expect_reply()
        assert offer.text.startswith("Anh/chị đang có báo cáo dở — tiếp tục?")
        assert "hình thức" in offer.text
        assert await flow.offer_idle() == 0  # once per idle stretch
        clock.advance(hours=30)
        assert await flow.offer_idle() == 0  # still the same stretch: not nagged again
        await mai.press(offer, texts.R_BTN_RESUME)
        assert texts.R_Q_FORM in (await mai.expect_reply()).text
        # touched again, then idle again at night: waits for the morning
        clock.set(datetime(2026, 4, 9, 15, 0, tzinfo=UTC))  # 22:00 local
        assert await flow.offer_idle() == 0
        clock.advance(hours=9)  # 07:00 local, more than 24 h after the last touch
        assert await flow.offer_idle() == 1
        assert await db.fetchval("SELECT COUNT(*) FROM report_drafts") == 1  # never dropped


async def test_offer_for_a_draft_touched_meanwhile_is_not_sent(
    sim: BotApiSimulator, config: Config, pack: ContentPack
) -> None:
    clock = FakeClock(MONDAY_MORNING)
    app = build_application(config, pack, clock=clock)
    async with running(app):
        db = svc(app).db
        await add_leader(db, 2403, "Hùng", "Tổ dân phố số 6")
        hung = sim.user(2403, "Hùng")
        date_q = await begin(hung)
        clock.advance(hours=25)
        assert await ReportFlow(db, svc(app).config, pack, clock).offer_idle() == 1
        await hung.press(date_q, texts.R_BTN_TODAY)  # he comes back before it went out
        await hung.expect_reply()
        sender(app).wake()
        await hung.expect_no_reply(within=0.5)
        assert await db.fetchval("SELECT failed FROM notices WHERE kind = 'draft_offer'") == "stale"


async def test_the_same_update_twice_changes_the_draft_once(
    sim: BotApiSimulator, bot: Any, pack: ContentPack
) -> None:
    db = svc(bot).db
    await add_leader(db, 2404, "Tú", "Tổ dân phố số 2")
    tu = await local(db, 2404)
    flow = ReportFlow(db, svc(bot).config, pack, svc(bot).clock)
    await flow.start(tu, event_id=10)
    await flow.press(tu, "r:d:0", event_id=11)
    await flow.press(tu, "r:f:loa", event_id=12)
    topic = flow.topic_items[0].id
    first = await flow.press(tu, f"r:t:{topic}", event_id=13)
    again = await flow.press(tu, f"r:t:{topic}", event_id=13)  # replayed after a crash
    assert again.replayed and again.screen == first.screen
    assert json.loads(await db.fetchval("SELECT topics FROM report_drafts")) == [topic]
    await flow.press(tu, "r:tok", event_id=14)
    await flow.text(tu, "35", event_id=15)
    await flow.text(tu, "35", event_id=15)  # the same message again: not a note
    assert await db.fetchval("SELECT notes FROM report_drafts") == ""
    assert await db.fetchval("SELECT step FROM report_drafts") == "notes"
    for event, data in ((16, "r:skip"), (17, "r:pok"), (18, "r:skip")):
        await flow.press(tu, data, event_id=event)
    sent = await flow.press(tu, "r:send", event_id=19)
    resent = await flow.press(tu, "r:send", event_id=19)
    assert resent.screen == sent.screen and "Đã gửi báo cáo số" in screen_html(sent.screen)
    assert await db.fetchval("SELECT COUNT(*) FROM reports") == 1
    # a later, different update is applied normally
    assert screen_html((await flow.press(tu, "r:start", event_id=20)).screen).startswith("<b>📝")
    assert await db.fetchval("SELECT COUNT(*) FROM report_drafts") == 1


async def test_date_check_again_at_sending(
    sim: BotApiSimulator, config: Config, pack: ContentPack
) -> None:
    clock = FakeClock(MONDAY_MORNING)
    app = build_application(config, pack, clock=clock)
    async with running(app):
        db = svc(app).db
        await add_leader(db, 2405, "Nga", "Tổ dân phố số 1")
        nga = await local(db, 2405)
        flow = ReportFlow(db, svc(app).config, pack, clock)
        await flow.start(nga)
        await flow.text(nga, (clock.now() - timedelta(days=59)).strftime("%d/%m/%Y"))
        await flow.press(nga, "r:f:loa")
        await flow.press(nga, f"r:t:{flow.topic_items[0].id}")
        for step in ("r:tok",):
            await flow.press(nga, step)
        await flow.text(nga, "20")
        for step in ("r:skip", "r:pok", "r:skip"):
            await flow.press(nga, step)
        clock.advance(days=3)  # the draft waited: its date is now 62 days old
        outcome = await flow.press(nga, "r:send")
        assert texts.r_old_date(60) in screen_html(outcome.screen)
        assert texts.R_Q_DATE in screen_html(outcome.screen)
        assert await db.fetchval("SELECT COUNT(*) FROM reports") == 0
        await flow.press(nga, "r:d:1")  # yesterday: back to the summary, then send
        done = await flow.press(nga, "r:send")
        assert "Đã gửi báo cáo số" in screen_html(done.screen)
