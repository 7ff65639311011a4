"""Reminders for tổ that have not reported this period, driven by a FakeClock; /chuabaocao;
the jobs are scheduled with an explicit misfire grace time and coalescing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot import reports, texts
from bot.app import build_application, running
from bot.channels.telegram_notices import sender
from bot.clock import FakeClock, iso
from bot.config import Config
from bot.content import ContentPack
from bot.db import Database
from bot.simulator import BotApiSimulator

from .conftest import ADMIN_ID, with_changes
from .local_ids import local as lid
from .report_helpers import add_leader, add_unit, labels, svc

HCM = ZoneInfo("Asia/Ho_Chi_Minh")


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=HCM).astimezone(UTC)  # type: ignore[misc]


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    async with Database(tmp_path / "r.sqlite3") as opened:
        yield opened


async def add_report(db: Database, unit_id: int, leader: int, day: date, status: str) -> None:
    await db.execute(
        "INSERT INTO reports (unit_id, leader_id, session_date, form, topics, attendance,"
        " status, submitted_at, updated_at) VALUES (?, ?, ?, 'loa', '[]', 10, ?, ?, ?)",
        (unit_id, leader, day.isoformat(), status, iso(datetime.now(UTC)), iso(datetime.now(UTC))),
    )


def weekly(config: Config) -> Config:
    # Saturday 18:00, the shipped default
    return with_changes(
        config, "reports", period="weekly", reminder_weekday=5, reminder_time=time(18, 0)
    )


async def test_weekly_reminder_due_once_per_period(db: Database, config: Config) -> None:
    cfg = weekly(config)
    [five] = await add_leader(db, 3001, "Lan", "Tổ dân phố số 5")
    [six] = await add_leader(db, 3002, "Hùng", "Tổ dân phố số 6")
    await add_leader(db, 3003, "Mai", "Tổ dân phố số 7")
    # Mai's tổ reported on Tuesday of this week; a withdrawn report does not count
    await add_report(db, five, await lid(db, 3001), date(2026, 4, 7), "withdrawn")
    await add_report(
        db, six, await lid(db, 3002), date(2026, 4, 5), "approved"
    )  # last week's Sunday
    seven = await db.fetchval("SELECT id FROM units WHERE name = 'Tổ dân phố số 7'")
    await add_report(db, seven, await lid(db, 3003), date(2026, 4, 7), "submitted")
    clock = FakeClock(local(2026, 4, 11, 17, 59))  # Saturday, a minute early
    assert await reports.due_reminders(db, clock, cfg) == []
    clock.set(local(2026, 4, 11, 18, 0))
    due = await reports.due_reminders(db, clock, cfg)
    assert sorted(r.user_id for r in due) == [await lid(db, 3001), await lid(db, 3002)]
    assert {r.period for r in due} == {"2026-W15"}
    sent = await reports.send_reminders(db, clock, cfg)
    assert sorted(r.user_id for r in sent) == [await lid(db, 3001), await lid(db, 3002)]
    assert await db.fetchval("SELECT COUNT(*) FROM notices WHERE kind = 'reminder'") == 2
    clock.advance(hours=1)
    assert await reports.send_reminders(db, clock, cfg) == []  # not twice in one period
    clock.set(local(2026, 4, 12, 19, 0))  # Sunday: same week, still nothing
    assert await reports.due_reminders(db, clock, cfg) == []
    clock.set(local(2026, 4, 18, 18, 5))  # next Saturday: a new period
    assert sorted(r.user_id for r in await reports.due_reminders(db, clock, cfg)) == [
        await lid(db, 3001),
        await lid(db, 3002),
        await lid(db, 3003),
    ]


async def test_a_report_this_period_silences_the_reminder(db: Database, config: Config) -> None:
    cfg = weekly(config)
    [unit] = await add_leader(db, 3011, "Lan", "Tổ dân phố số 5")
    clock = FakeClock(local(2026, 4, 11, 18, 30))
    assert [r.user_id for r in await reports.due_reminders(db, clock, cfg)] == [await lid(db, 3011)]
    await add_report(
        db, unit, await lid(db, 3011), date(2026, 4, 6), "needs_more"
    )  # Monday: this week
    assert await reports.due_reminders(db, clock, cfg) == []


async def test_leader_of_two_silent_to_gets_one_reminder(db: Database, config: Config) -> None:
    cfg = weekly(config)
    await add_leader(db, 3021, "Hoa", "Tổ dân phố số 8", "Tổ dân phố số 9")
    clock = FakeClock(local(2026, 4, 11, 18, 0))
    [reminder] = await reports.send_reminders(db, clock, cfg)
    assert [name for _, name in reminder.units] == ["Tổ dân phố số 8", "Tổ dân phố số 9"]
    assert (
        await db.fetchval(
            "SELECT COUNT(*) FROM reminders WHERE user_id = ?", (await lid(db, 3021),)
        )
        == 1
    )


async def test_late_catch_up_waits_for_morning(db: Database, config: Config) -> None:
    cfg = weekly(config)
    await add_leader(db, 3031, "Tú", "Tổ dân phố số 1")
    clock = FakeClock(local(2026, 4, 11, 23, 0))  # bot was down at 18:00; now it is night
    assert await reports.due_reminders(db, clock, cfg) == []
    clock.set(local(2026, 4, 12, 7, 0))  # Sunday morning, still this week
    assert [r.user_id for r in await reports.due_reminders(db, clock, cfg)] == [await lid(db, 3031)]


async def test_monthly_period_clamps_to_short_months(db: Database, config: Config) -> None:
    cfg = with_changes(
        config, "reports", period="monthly", reminder_day=31, reminder_time=time(9, 0)
    )
    [unit] = await add_leader(db, 3041, "Nga", "Tổ dân phố số 2")
    clock = FakeClock(local(2026, 2, 27, 9, 0))
    assert await reports.due_reminders(db, clock, cfg) == []
    clock.set(local(2026, 2, 28, 9, 0))  # February has no 31st: its last day instead
    [due] = await reports.due_reminders(db, clock, cfg)
    assert due.period == "2026-02"
    await add_report(db, unit, await lid(db, 3041), date(2026, 2, 1), "submitted")
    assert await reports.due_reminders(db, clock, cfg) == []
    period = reports.period_of(date(2026, 2, 14), cfg)
    assert (period.start, period.end) == (date(2026, 2, 1), date(2026, 2, 28))


async def test_inactive_units_and_leaders_are_not_reminded(db: Database, config: Config) -> None:
    cfg = weekly(config)
    [unit] = await add_leader(db, 3051, "Bình", "Tổ dân phố số 3")
    await add_leader(db, 3052, "Cúc", "Tổ dân phố số 4")
    await db.execute("UPDATE units SET active = 0 WHERE id = ?", (unit,))
    await db.execute("UPDATE unit_leaders SET active = 0 WHERE user_id = ?", (await lid(db, 3052),))
    assert await reports.due_reminders(db, FakeClock(local(2026, 4, 11, 18, 0)), cfg) == []


async def test_reminder_reaches_the_leader_and_opens_the_report(
    sim: BotApiSimulator, config: Config, pack: ContentPack
) -> None:
    cfg = weekly(config)
    clock = FakeClock(local(2026, 4, 11, 18, 0))
    app = build_application(cfg, pack, clock=clock)
    async with running(app):
        db = svc(app).db
        await add_leader(db, 3061, "Lan", "Tổ dân phố số 5")
        lan = sim.user(3061, "Lan", started=True)
        assert len(await reports.send_reminders(db, clock, svc(app).config)) == 1
        sender(app).wake()
        reminder = await lan.expect_reply(timeout=10)
        assert reminder.text.startswith("Nhắc báo cáo")
        assert "Tổ dân phố số 5" in reminder.text and "06/04–12/04/2026" in reminder.text
        assert labels(reminder) == [texts.R_BTN_REPORT_NOW]
        await lan.press(reminder, texts.R_BTN_REPORT_NOW)
        question = await lan.expect_reply()
        assert texts.R_Q_DATE in question.text


async def test_silent_list_for_officers(
    sim: BotApiSimulator, config: Config, pack: ContentPack
) -> None:
    cfg = weekly(config)
    clock = FakeClock(local(2026, 4, 9, 10, 0))
    app = build_application(cfg, pack, clock=clock)
    async with running(app):
        db = svc(app).db
        officer = sim.user(ADMIN_ID, "Hà")
        await officer.send("/chuabaocao")
        assert (await officer.expect_reply()).text == texts.R_NO_UNITS
        [five] = await add_leader(db, 3071, "Lan", "Tổ dân phố số 5")
        await add_leader(db, 3072, "Hùng", "Tổ dân phố số 6")
        await add_unit(db, "Tổ dân phố số 9")  # no leader yet
        await officer.send("/chuabaocao")
        listing = await officer.expect_reply()
        assert listing.text.startswith("Các tổ chưa báo cáo tuần này (06/04–12/04/2026)")
        assert "3/3 tổ" in listing.text
        assert "Tổ dân phố số 5 — Lan" in listing.text and "chưa có tổ trưởng" in listing.text
        await add_report(db, five, await lid(db, 3071), date(2026, 4, 8), "submitted")
        await officer.send("/chuabaocao")
        listing = await officer.expect_reply()
        assert "2/3 tổ" in listing.text and "Tổ dân phố số 5" not in listing.text
        for name in ("Tổ dân phố số 6", "Tổ dân phố số 9"):
            unit = await db.fetchval("SELECT id FROM units WHERE name = ?", (name,))
            await add_report(db, unit, await lid(db, 3072), date(2026, 4, 9), "approved")
        await officer.send("/chuabaocao")
        assert (await officer.expect_reply()).text == texts.r_all_reported(
            "tuần này (06/04–12/04/2026)", 3
        ).text


async def test_jobs_have_misfire_grace_and_coalesce(config: Config, pack: ContentPack) -> None:
    cfg = with_changes(config, "reports", digest_times=(time(8, 0), time(17, 30)))
    app = build_application(cfg, pack)
    assert app.job_queue is not None
    jobs = {job.name: job for job in app.job_queue.jobs()}
    for name in (
        "reports.reminders",
        "reports.digest.0",
        "reports.digest.1",
        "reports.idle_drafts",
        "reports.catch_up",
        "reports.notices",
    ):
        assert name in jobs, name
        assert jobs[name].job.misfire_grace_time >= 3600
        assert jobs[name].job.coalesce is True
    # the reminder fires at the configured local time
    trigger = jobs["reports.reminders"].job.trigger
    assert (trigger.fields[5].expressions[0].first, trigger.fields[6].expressions[0].first) == (
        18,
        0,
    )
    assert str(trigger.timezone) == "Asia/Ho_Chi_Minh"


async def test_nudge_the_silent_units_from_the_list(
    sim: BotApiSimulator, config: Config, pack: ContentPack
) -> None:
    """Issue 11: /chuabaocao gave a list but no action. "Nhắc các tổ này" asks, then sends
    the reminder now through the notices, once per tổ per period."""
    cfg = weekly(config)
    clock = FakeClock(local(2026, 4, 9, 10, 0))
    app = build_application(cfg, pack, clock=clock)
    async with running(app):
        db = svc(app).db
        officer = sim.user(ADMIN_ID, "Hà")
        [five] = await add_leader(db, 3081, "Lan", "Tổ dân phố số 5")
        await add_leader(db, 3082, "Hùng", "Tổ dân phố số 6")
        await add_unit(db, "Tổ dân phố số 9")  # no leader: nobody to remind
        await add_report(db, five, await lid(db, 3081), date(2026, 4, 8), "submitted")
        lan, hung = sim.user(3081, "Lan", started=True), sim.user(3082, "Hùng", started=True)
        await officer.send("/chuabaocao")
        listing = await officer.expect_reply()
        assert labels(listing) == [texts.R_BTN_NUDGE]
        await officer.press(listing, texts.R_BTN_NUDGE)
        ask = await officer.expect_reply()
        assert ask.text == texts.r_nudge_ask(1, 1, 1).text  # nothing sent before the answer
        assert await db.fetchval("SELECT COUNT(*) FROM notices WHERE kind = 'reminder'") == 0
        await officer.press(ask, texts.R_BTN_NUDGE_YES)
        done = await officer.expect_reply()
        assert done.text == texts.r_nudged(1, 1, 0, 1).text
        reminder = await hung.expect_reply(timeout=10)
        assert reminder.text.startswith("Cán bộ phường nhắc báo cáo")
        assert "Tổ dân phố số 6" in reminder.text and labels(reminder) == [texts.R_BTN_REPORT_NOW]
        await sim.wait_idle()
        assert sim.messages_in(lan.chat_id) == []  # her tổ reported: not reminded

        # once per tổ per period: the button is gone, a replayed press sends nothing
        await officer.send("/chuabaocao")
        assert labels(await officer.expect_reply()) == []
        await officer.press(done, callback_data="rl:y:0")
        again = await officer.expect_reply()
        assert again.text == texts.r_nudged(0, 0, 1, 1).text
        assert await db.fetchval("SELECT COUNT(*) FROM notices WHERE kind = 'reminder'") == 1
        assert (
            await db.fetchval("SELECT COUNT(*) FROM audit_log WHERE action = 'reports.nudge'") == 2
        )

        # the next week is another period: the tổ may be reminded again
        clock.set(local(2026, 4, 14, 10, 0))
        await officer.send("/chuabaocao")
        assert labels(await officer.expect_reply()) == [texts.R_BTN_NUDGE]

        # not an officer: refused, nothing sent
        await hung.press(reminder, callback_data="rl:y:0")
        await sim.wait_idle()
        assert await db.fetchval("SELECT COUNT(*) FROM notices WHERE kind = 'reminder'") == 1
