"""Scheduled pushes through the real application and the simulator (issue 5): the content
calendar across restarts with a controllable clock, never twice, misfires inside and outside
the grace period, quiet hours, pause/resume/delete from chat, opt-out, and one real
APScheduler wake-up."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot import texts
from bot.app import build_application, running
from bot.clock import Clock, FakeClock, SystemClock
from bot.config import Config
from bot.content import ContentPack
from bot.delivery import Audience, AudienceKind, OutMessage
from bot.render import html_to_rich
from bot.rich import rich
from bot.schedule import Content, Rule, create_schedule, job_id, list_schedules
from bot.simulator import BotApiSimulator

from .broadcast_support import (
    add_group,
    add_leader,
    add_people,
    add_unit,
    new_broadcast,
    svc_of,
    wait_done,
)
from .conftest import ADMIN_ID
from .local_ids import by_telegram
from .local_ids import local as local_id

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
GROUPS = (-801, -802)


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=TZ)  # type: ignore[misc]


@asynccontextmanager
async def bot_at(config: Config, pack: ContentPack, clock: Clock) -> AsyncIterator[object]:
    app = build_application(config, pack, clock=clock)
    async with running(app):
        yield app


async def seed_groups(app: object, sim: BotApiSimulator) -> None:
    db = svc_of(app).db
    if await db.fetchval("SELECT COUNT(*) FROM units"):
        return
    await add_unit(db, 1)
    for chat_id in GROUPS:
        sim.group(chat_id)
        await add_group(db, chat_id, 1)


def group_texts(sim: BotApiSimulator, chat_id: int) -> list[str]:
    return [m.text for m in sim.messages_in(chat_id)]


async def test_calendar_push_across_restarts_is_sent_once(
    sim: BotApiSimulator, config: Config, pack: ContentPack
) -> None:
    provided = [g for g in pack.of_kind("task_group") if not g.pending]
    clock = FakeClock(local(2031, 4, 7, 7, 0))  # a Monday, half an hour before the push
    async with bot_at(config, pack, clock) as app:
        await seed_groups(app, sim)
        job = app.job_queue.scheduler.get_job(job_id(1))  # type: ignore[attr-defined]
        assert job is not None and job.next_run_time == local(2031, 4, 7, 7, 30)
        assert str(job.next_run_time.tzinfo) == "Asia/Ho_Chi_Minh"
        admin = sim.user(ADMIN_ID, started=True)
        await admin.send("/lich")
        listing = await admin.expect_reply()
        assert "Lần tới: 07:30 thứ Hai 07/04/2031" in listing.text
    # The bot is down at 07:30 and comes back at 08:10: within the grace period.
    clock.set(local(2031, 4, 7, 8, 10))
    async with bot_at(config, pack, clock) as app:
        await sim.wait_for_message(GROUPS[0], timeout=5)
        await wait_done(svc_of(app).db, 1)
        for chat_id in GROUPS:
            assert len(group_texts(sim, chat_id)) == 1
            assert group_texts(sim, chat_id)[0].startswith(provided[0].title)
    # Another restart at the same hour: nothing is sent twice.
    clock.set(local(2031, 4, 7, 8, 20))
    async with bot_at(config, pack, clock) as app:
        await asyncio.sleep(0.3)
        await sim.wait_idle()
        assert [len(group_texts(sim, c)) for c in GROUPS] == [1, 1]
        svc = svc_of(app)
        # A week later the job fires (here: by hand, as APScheduler would): the next group.
        clock.set(local(2031, 4, 14, 7, 30, 5))
        await svc.schedules.run(1)
        await svc.schedules.run(1)  # a second wake-up for the same occurrence: nothing
        await wait_done(svc.db, 2)
        await sim.wait_idle()
        for chat_id in GROUPS:
            assert len(group_texts(sim, chat_id)) == 2
            assert group_texts(sim, chat_id)[1].startswith(provided[1].title)
        runs = await svc.db.fetchall("SELECT due_at, result FROM schedule_runs ORDER BY due_at")
        assert [tuple(r) for r in runs] == [
            ("2031-04-07T00:30:00Z", "sent"),
            ("2031-04-14T00:30:00Z", "sent"),
        ]


async def test_push_missed_beyond_grace_is_skipped_and_said(
    sim: BotApiSimulator, config: Config, pack: ContentPack
) -> None:
    clock = FakeClock(local(2031, 4, 7, 7, 0))
    async with bot_at(config, pack, clock) as app:
        await seed_groups(app, sim)
    clock.set(local(2031, 4, 7, 9, 45))  # 2 h 15 min late; the grace period is 2 h
    async with bot_at(config, pack, clock) as app:
        await asyncio.sleep(0.3)
        await sim.wait_idle()
        assert [group_texts(sim, c) for c in GROUPS] == [[], []]
        svc = svc_of(app)
        assert await svc.db.fetchval("SELECT result FROM schedule_runs") == "missed"
        assert await svc.db.fetchval("SELECT COUNT(*) FROM broadcasts") == 0
        job = app.job_queue.scheduler.get_job(job_id(1))  # type: ignore[attr-defined]
        assert job.next_run_time == local(2031, 4, 14, 7, 30)  # armed for next week
        admin = sim.user(ADMIN_ID, started=True)
        await admin.send("/lich")
        assert "bị lỡ" in (await admin.expect_reply()).text


async def test_quiet_hours_hold_non_urgent_pushes_until_morning(
    sim: BotApiSimulator, config: Config, pack: ContentPack
) -> None:
    clock = FakeClock(local(2031, 4, 8, 21, 50))
    async with bot_at(config, pack, clock) as app:
        await seed_groups(app, sim)
        svc = svc_of(app)
        ids = {}
        for name, urgent in (("thuong", False), ("khan", True)):
            ids[name] = await create_schedule(
                svc.db,
                clock.now(),
                created_by=await local_id(svc.db, ADMIN_ID),
                title=name,
                rule=Rule("daily", time(22, 0)),
                content=Content.of(OutMessage(html_to_rich(f"<b>Tin {name}</b>"))),
                audience=Audience(AudienceKind.GROUPS),
                urgent=urgent,
            )
            await svc.schedules.rearm(ids[name])
        clock.set(local(2031, 4, 8, 22, 1))
        await svc.schedules.tick()
        await sim.wait_for_message(GROUPS[0])
        await sim.wait_idle()
        khan = f"{texts.bc_urgent_mark(svc.config.ward.name)}\n\nTin khan"  # marked urgent
        assert group_texts(sim, GROUPS[0]) == [khan]
        job = app.job_queue.scheduler.get_job(job_id(ids["thuong"]))  # type: ignore[attr-defined]
        assert job.next_run_time == local(2031, 4, 9, 6, 30)  # held until the quiet hours end
        clock.set(local(2031, 4, 9, 6, 31))
        await svc.schedules.tick()
        await sim.wait_for_message(GROUPS[0], after=sim.messages_in(GROUPS[0])[-1].message_id)
        clock.set(local(2031, 4, 9, 6, 45))
        await svc.schedules.tick()
        await sim.wait_idle()
        assert group_texts(sim, GROUPS[0]) == [khan, "Tin thuong"]


async def test_schedule_from_chat_listed_paused_resumed_deleted(
    sim: BotApiSimulator, config: Config, pack: ContentPack
) -> None:
    clock = FakeClock(local(2031, 4, 8, 10, 0))  # a Tuesday
    async with bot_at(config, pack, clock) as app:
        await seed_groups(app, sim)
        officer = sim.user(ADMIN_ID, started=True)
        await officer.send("/guitin")
        await officer.expect_reply()
        await officer.send("**Họp tổ** hằng tuần")
        audience = await officer.expect_reply()
        await officer.press(audience, texts.BC_AUD_GROUPS)
        _, _, card = await officer.expect_replies(3)
        await officer.press(card, texts.BC_BTN_LATER)
        prompt = await officer.expect_reply()
        assert prompt.text.startswith("Hẹn giờ gửi")
        # Issue 11: the example was a fixed date long past; now it is tomorrow morning.
        assert "ví dụ 09/04/2031 07:30" in prompt.text
        await officer.send("thứ Năm tuần sau")
        assert (await officer.expect_reply()).text == texts.bc_when_bad("09/04/2031 07:30")
        await officer.send("01/04/2031 07:30")
        assert (await officer.expect_reply()).text == texts.BC_WHEN_PAST
        await officer.send("31/12/9999 23:59")  # Issue 11: was accepted
        assert (await officer.expect_reply()).text == texts.bc_when_too_far("08/04/2032")
        await officer.send("10/4")
        assert (await officer.expect_reply()).text == texts.bc_when_no_time("09/04/2031 07:30")
        await officer.send("10/4/2031 19h30")  # a Thursday
        repeat = await officer.expect_reply()
        assert "19:30 thứ Năm 10/04/2031" in repeat.text
        await officer.press(repeat, texts.BC_REPEAT_WEEKLY)
        days = await officer.expect_reply()
        assert "✅ T5" in sum(days.buttons, [])
        await officer.press(days, "T2")
        await officer.press(await officer.expect_reply(), texts.BC_BTN_DONE)
        until = await officer.expect_reply()
        assert until.text.startswith("Gửi đến ngày nào?")
        assert "thứ Hai, thứ Năm hằng tuần" in until.text
        await officer.press(until, texts.BC_BTN_NO_END)
        done = await officer.expect_reply()
        assert "Đã hẹn giờ" in done.text and "thứ Hai, thứ Năm hằng tuần" in done.text
        assert "Lần gửi đầu: 19:30 thứ Năm 10/04/2031" in done.text

        svc = svc_of(app)
        schedule_id = int(await svc.db.fetchval("SELECT MAX(id) FROM schedules"))
        job = app.job_queue.scheduler.get_job(job_id(schedule_id))  # type: ignore[attr-defined]
        assert job.next_run_time == local(2031, 4, 10, 19, 30)
        await officer.send("/lich")
        listing = await officer.expect_reply()
        assert "Họp tổ" in listing.text
        await officer.press(listing, texts.lich_btn_pause(schedule_id))
        paused = await officer.expect_reply()
        assert "Đang tạm dừng" in paused.text
        assert app.job_queue.scheduler.get_job(job_id(schedule_id)) is None  # type: ignore[attr-defined]
        clock.set(local(2031, 4, 10, 19, 31))
        await svc.schedules.tick()
        await sim.wait_idle()
        assert group_texts(sim, GROUPS[0]) == []  # paused: nothing
        await officer.press(paused, texts.lich_btn_resume(schedule_id))
        resumed = await officer.expect_reply()
        await sim.wait_idle()
        assert group_texts(sim, GROUPS[0]) == []  # what was due while paused is not owed
        assert "Lần tới: 19:30 thứ Hai 14/04/2031" in resumed.text
        await officer.press(resumed, texts.lich_btn_delete(schedule_id))
        confirm = await officer.expect_reply()
        await officer.press(confirm, texts.LICH_BTN_DELETE_YES)
        after = await officer.expect_reply()
        assert "Họp tổ" not in after.text
        assert (
            await svc.db.fetchval("SELECT state FROM schedules WHERE id = ?", (schedule_id,))
            == "deleted"
        )


async def test_opt_out_stops_non_urgent_pushes_only(
    sim: BotApiSimulator, config: Config, pack: ContentPack
) -> None:
    async with bot_at(config, pack, SystemClock()) as app:
        svc = svc_of(app)
        await add_unit(svc.db, 1)
        await add_people(svc.db, [4001, 4002])
        await add_leader(svc.db, 4003, 1)
        people = {uid: sim.user(uid, started=True) for uid in (4001, 4002, 4003)}
        await people[4001].send("/tatthongbao")
        assert "Đã tắt thông báo" in (await people[4001].expect_reply()).text
        await people[4003].send("/tatthongbao")
        assert "vẫn nhận các thông báo công việc" in (await people[4003].expect_reply()).text

        async def everyone(urgent: bool) -> set[int]:
            broadcast_id, _ = await new_broadcast(
                svc.db,
                "khẩn" if urgent else "thường",
                urgent=urgent,
                created_by=await local_id(svc.db, ADMIN_ID),
            )
            await svc.delivery.enqueue(broadcast_id)
            await wait_done(svc.db, broadcast_id)
            reached = await by_telegram(
                svc.db, "SELECT chat_id, 1 FROM outbox WHERE broadcast_id = ?", (broadcast_id,)
            )
            return set(reached)

        assert await everyone(False) == {4002, 4003}  # the leader gets operational messages
        assert await everyone(True) == {4001, 4002, 4003}
        await sim.wait_idle()
        people[4001].skip_replies()
        await people[4001].send("/batthongbao")
        assert "Đã bật thông báo" in (await people[4001].expect_reply()).text
        assert await everyone(False) == {4001, 4002, 4003}
        stranger = sim.user(4999, started=True)
        await stranger.send("/tatthongbao")
        assert (await stranger.expect_reply()).text == texts.NOTIF_NOT_REGISTERED


async def test_apscheduler_wakes_a_schedule_for_real(
    sim: BotApiSimulator, config: Config, pack: ContentPack
) -> None:
    async with bot_at(config, pack, SystemClock()) as app:
        svc = svc_of(app)
        # On the wall clock, as this test must be: the shipped calendar's Monday 07:30 push
        # reached the groups first in a run at that moment. Paused (as /lich would) before
        # there are groups, so even a push due right now finds no one.
        for item in await list_schedules(svc.db):
            if item.source == "calendar":
                assert (
                    await svc.schedules.set_state(
                        item.id, "paused", await local_id(svc.db, ADMIN_ID)
                    )
                    is not None
                )
        await seed_groups(app, sim)
        now = SystemClock().now()
        due = now.replace(microsecond=0) + timedelta(seconds=2)
        schedule_id = await create_schedule(
            svc.db,
            now,
            created_by=await local_id(svc.db, ADMIN_ID),
            title="Một lần",
            rule=Rule("once", time(0, 0), once_at=due.astimezone(UTC)),
            content=Content.of(OutMessage(rich("Tin hẹn giờ"))),
            audience=Audience(AudienceKind.GROUPS),
            urgent=True,
        )
        await svc.schedules.rearm(schedule_id)
        assert app.job_queue.scheduler.get_job(job_id(schedule_id)) is not None  # type: ignore[attr-defined]
        message = await sim.wait_for_message(GROUPS[0], timeout=6)
        assert message.text == f"{texts.bc_urgent_mark(svc.config.ward.name)}\n\nTin hẹn giờ"
        assert (
            await svc.db.fetchval("SELECT state FROM schedules WHERE id = ?", (schedule_id,))
            == "done"
        )


async def test_a_schedule_starting_later_waits_for_its_first_day(
    sim: BotApiSimulator, config: Config, pack: ContentPack
) -> None:
    """A monthly push chosen to start next year: nothing before, the job armed for it."""
    clock = FakeClock(local(2031, 4, 8, 10, 0))
    async with bot_at(config, pack, clock) as app:
        await seed_groups(app, sim)
        svc = svc_of(app)
        first = local(2032, 1, 10, 9, 0)
        schedule_id = await create_schedule(
            svc.db,
            clock.now(),
            created_by=await local_id(svc.db, ADMIN_ID),
            title="Hằng tháng",
            rule=Rule("monthly", time(9, 0), (), 10),
            content=Content.of(OutMessage(rich("Tin hằng tháng"))),
            audience=Audience(AudienceKind.GROUPS),
            urgent=False,
            since=first - timedelta(seconds=1),
        )
        await svc.schedules.rearm(schedule_id)
        job = app.job_queue.scheduler.get_job(job_id(schedule_id))  # type: ignore[attr-defined]
        assert job.next_run_time == first
        clock.set(local(2031, 5, 10, 9, 1))  # a month that matches the rule, before the start
        await svc.schedules.tick()
        await sim.wait_idle()
        assert group_texts(sim, GROUPS[0]) == []
        clock.set(local(2032, 1, 10, 9, 1))
        await svc.schedules.tick()
        assert (await sim.wait_for_message(GROUPS[0])).text == "Tin hằng tháng"


async def test_quiet_hours_are_said_first_and_a_schedule_ends_and_is_edited(
    sim: BotApiSimulator, config: Config, pack: ContentPack
) -> None:
    """Issue 11, item 7: a time in quiet hours is explained before it is taken; a repeating
    schedule gets an end date when made, and its time and end can be changed from /lich."""
    clock = FakeClock(local(2031, 4, 8, 10, 0))  # a Tuesday
    async with bot_at(config, pack, clock) as app:
        svc = svc_of(app)
        await seed_groups(app, sim)
        officer = sim.user(ADMIN_ID, started=True)
        await officer.send("/guitin")
        await officer.expect_reply()
        await officer.send("Nhắc bà con đóng góp ý kiến")
        audience = await officer.expect_reply()
        await officer.press(audience, texts.BC_AUD_GROUPS)
        _, _, card = await officer.expect_replies(3)
        await officer.press(card, texts.BC_BTN_LATER)
        await officer.expect_reply()
        await officer.send("9/4 22:30")
        quiet = await officer.expect_reply()
        assert quiet.text.startswith("22:30 thứ Tư 09/04/2031 là giờ nghỉ đêm")
        assert "tin sẽ đi lúc 06:30 thứ Năm 10/04/2031" in quiet.text
        assert (
            await svc.db.fetchval("SELECT COUNT(*) FROM schedules WHERE source = 'official'") == 0
        )
        await officer.send("9/4 20h")  # another time instead: taken at once
        repeat = await officer.expect_reply()
        assert "20:00 thứ Tư 09/04/2031" in repeat.text
        await officer.press(repeat, texts.BTN_BACK)  # back to the card, then choose again
        card = await officer.expect_reply()
        await officer.press(card, texts.BC_BTN_LATER)
        await officer.expect_reply()
        await officer.send("9/4 22:30")
        quiet = await officer.expect_reply()
        await officer.press(quiet, texts.bc_btn_quiet_ok("06:30"))  # keep it: goes at 06:30
        repeat = await officer.expect_reply()
        await officer.press(repeat, texts.BC_REPEAT_DAILY)
        until = await officer.expect_reply()
        assert "Lịch: 22:30 hằng ngày" in until.text
        await officer.send("8/4/2031")
        assert (await officer.expect_reply()).text.startswith(
            "Ngày kết thúc phải từ ngày gửi đầu (09/04/2031)"
        )
        await officer.send("11/4")
        done = await officer.expect_reply()
        assert "Gửi 22:30 hằng ngày đến hết 11/04/2031." in done.text
        schedule_id = int(await svc.db.fetchval("SELECT MAX(id) FROM schedules"))

        # /lich → Sửa: a new time, then a later end, then none
        await officer.send("/lich")
        listing = await officer.expect_reply()
        await officer.press(listing, texts.lich_btn_edit(schedule_id))
        edit = await officer.expect_reply()
        assert "Đang gửi: 22:30 hằng ngày đến hết 11/04/2031." in edit.text
        await officer.press(edit, texts.LICH_BTN_TIME)
        await officer.expect_reply()
        await officer.send("7 giờ sáng mai")  # not a time of day alone
        assert (await officer.expect_reply()).text == texts.LICH_TIME_BAD
        await officer.send("19h")
        edited = await officer.expect_reply()
        assert "Gửi 19:00 hằng ngày đến hết 11/04/2031." in edited.text
        assert "Lần tới: 19:00 thứ Tư 09/04/2031." in edited.text
        job = app.job_queue.scheduler.get_job(job_id(schedule_id))  # type: ignore[attr-defined]
        assert job.next_run_time == local(2031, 4, 9, 19, 0)
        await officer.press(edited, texts.LICH_BTN_LIST)
        listing = await officer.expect_reply()
        await officer.press(listing, texts.lich_btn_edit(schedule_id))
        edit = await officer.expect_reply()
        await officer.press(edit, texts.LICH_BTN_END)
        await officer.expect_reply()
        await officer.send("12/4/2031")
        assert "đến hết 12/04/2031" in (await officer.expect_reply()).text
        await officer.send("/lich")
        listing = await officer.expect_reply()
        await officer.press(listing, texts.lich_btn_edit(schedule_id))
        edit = await officer.expect_reply()
        await officer.press(edit, texts.LICH_BTN_NO_END)
        no_end = await officer.expect_reply()
        assert "Gửi 19:00 hằng ngày." in no_end.text
        audited = await svc.db.fetchval(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'schedule.edit' AND allowed = 1"
        )
        assert audited == 3

        # an end date stops it: the last day sends, then the schedule is over
        await officer.send("/lich")
        listing = await officer.expect_reply()
        await officer.press(listing, texts.lich_btn_edit(schedule_id))
        await officer.press(await officer.expect_reply(), texts.LICH_BTN_END)
        await officer.expect_reply()
        await officer.send("9/4")
        await officer.expect_reply()
        clock.set(local(2031, 4, 9, 19, 1))
        await svc.schedules.tick()
        await sim.wait_for_message(GROUPS[0])
        clock.set(local(2031, 4, 10, 19, 1))
        await svc.schedules.tick()
        await sim.wait_idle()
        assert group_texts(sim, GROUPS[0]) == ["Nhắc bà con đóng góp ý kiến"]
        state = await svc.db.fetchval("SELECT state FROM schedules WHERE id = ?", (schedule_id,))
        assert state == "done"
        assert app.job_queue.scheduler.get_job(job_id(schedule_id)) is None  # type: ignore[attr-defined]
