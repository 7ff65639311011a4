"""Changing a repeating schedule from /lich: its time of day and its last day.

The typed answer waits in the official's compose draft (bot/compose.py: steps EDIT_AT and
EDIT_UNTIL, `Draft.editing` the schedule), so it survives a restart like any other step and
/huy drops it. A time in quiet hours is explained before it is taken, as when composing.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, time
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot import compose, moments, texts
from bot.reply import Reply
from bot.schedule import Quiet, Rule, Schedule, describe, get_schedule, hold_until, when_text
from bot.screens import TAKES_TEXT, Button, Screen

if TYPE_CHECKING:
    from bot.services import Services

EDIT_AT, EDIT_UNTIL, EDITING = compose.EDIT_AT, compose.EDIT_UNTIL, compose.EDITING


def editable(schedule: Schedule) -> bool:
    """An official's repeating schedule, still running or paused."""
    return (
        schedule.source == "official"
        and schedule.rule.repeat != "once"
        and schedule.state in ("active", "paused")
    )


def edit_screen(schedule: Schedule, svc: Services) -> Screen:
    tz = svc.config.ward.tz
    sid = schedule.id
    buttons = [
        (Button(texts.LICH_BTN_TIME, f"lc:et:{sid}"),),
        (Button(texts.LICH_BTN_END, f"lc:eu:{sid}"),),
    ]
    if schedule.rule.until is not None:
        buttons.append((Button(texts.LICH_BTN_NO_END, f"lc:en:{sid}"),))
    buttons.append((Button(texts.BTN_BACK, "lc:l"),))
    text = texts.lich_edit(sid, schedule.title, describe(schedule.rule, tz))
    return Screen(text, tuple(buttons))


async def begin(svc: Services, user_id: int, schedule: Schedule, step: str) -> Reply:
    """Ask for the new time (EDIT_AT) or the last day (EDIT_UNTIL) of `schedule`."""
    draft = await compose.load(svc.db, user_id)
    if draft is not None and draft.step not in (EDIT_AT, EDIT_UNTIL):
        return Reply(notice=texts.LICH_EDIT_BUSY, alert=True)  # a message being composed
    now = svc.clock.now()
    await compose.save(svc.db, user_id, compose.Draft(step=step, editing=schedule.id), now)
    tz = svc.config.ward.tz
    if step == EDIT_AT:
        prompt = texts.lich_time_prompt(schedule.rule.at.strftime("%H:%M"))
    else:
        prompt = texts.lich_end_prompt(_end_example(now, tz))
    cancel = ((Button(texts.BTN_BACK, f"lc:e:{schedule.id}"),),)
    return Reply(Screen(prompt, cancel, TAKES_TEXT), replace=True)


def _end_example(now: datetime, tz: ZoneInfo) -> str:
    return moments.end_example(now.astimezone(tz).date())


async def on_text(svc: Services, user_id: int, draft: compose.Draft, text: str) -> Reply:
    schedule = await get_schedule(svc.db, draft.editing)
    if schedule is None or not editable(schedule):
        await compose.discard(svc.db, user_id)
        return Reply(Screen(texts.BC_STALE))
    tz = svc.config.ward.tz
    now = svc.clock.now()
    again = ((Button(texts.BTN_BACK, f"lc:e:{schedule.id}"),),)
    if draft.step == EDIT_AT:
        at = moments.parse_clock(text)
        if at is None:
            return Reply(Screen(texts.LICH_TIME_BAD, again, TAKES_TEXT))
        cfg = svc.config.schedule
        quiet = Quiet(cfg.quiet_start, cfg.quiet_end)
        if not schedule.urgent and quiet.contains(at):
            draft.at = at.strftime("%H:%M")
            await compose.save(svc.db, user_id, draft, now)
            return Reply(_quiet_screen(schedule, at, quiet, svc))
        return await _apply(svc, user_id, schedule, replace(schedule.rule, at=at))
    today = now.astimezone(tz).date()
    end, problem = moments.parse_end_day(text, today, svc.config.schedule.horizon_days)
    if end is None:
        if problem == moments.Problem.PAST:
            shown = texts.LICH_END_PAST
        elif problem == moments.Problem.TOO_FAR:
            horizon = svc.config.schedule.horizon_days
            shown = texts.bc_when_too_far(moments.last_day(now, tz, horizon))
        else:
            shown = texts.lich_end_bad(_end_example(now, tz))
        return Reply(Screen(shown, again, TAKES_TEXT))
    return await _apply(svc, user_id, schedule, replace(schedule.rule, until=end))


def _quiet_screen(schedule: Schedule, at: time, quiet: Quiet, svc: Services) -> Screen:
    tz = svc.config.ward.tz
    today = svc.clock.now().astimezone(tz).date()
    goes = hold_until(datetime.combine(today, at, tzinfo=tz), quiet, tz).astimezone(tz)
    hours = (quiet.start.strftime("%H:%M"), quiet.end.strftime("%H:%M"))
    return Screen(
        texts.bc_when_quiet(at.strftime("%H:%M"), hours, goes.strftime("%H:%M")),
        (
            (Button(texts.bc_btn_quiet_ok(goes.strftime("%H:%M")), "bc:eq"),),
            (Button(texts.BTN_BACK, f"lc:e:{schedule.id}"),),
        ),
        TAKES_TEXT,
    )


async def on_button(svc: Services, user_id: int, draft: compose.Draft, parts: list[str]) -> Reply:
    """bc:eq: keep the quiet-hours time the official typed."""
    schedule = await get_schedule(svc.db, draft.editing)
    if parts != ["eq"] or not draft.at or schedule is None or not editable(schedule):
        return Reply(notice=texts.BC_STALE, alert=True)
    hh, mm = draft.at.split(":")
    return await _apply(svc, user_id, schedule, replace(schedule.rule, at=time(int(hh), int(mm))))


async def remove_end(svc: Services, user_id: int, schedule: Schedule) -> Reply:
    return await _apply(svc, user_id, schedule, replace(schedule.rule, until=None))


async def _apply(svc: Services, user_id: int, schedule: Schedule, rule: Rule) -> Reply:
    await svc.schedules.change_rule(schedule.id, rule, user_id)
    draft = await compose.load(svc.db, user_id)
    if draft is not None and draft.step in (EDIT_AT, EDIT_UNTIL):
        await compose.discard(svc.db, user_id)
    changed = await get_schedule(svc.db, schedule.id)
    assert changed is not None
    tz = svc.config.ward.tz
    upcoming = svc.schedules.upcoming(changed, svc.clock.now())
    if changed.state != "active":
        upcoming = None
    return Reply(
        Screen(
            texts.lich_edited(
                changed.id,
                describe(changed.rule, tz),
                when_text(upcoming, tz) if upcoming else None,
                changed.state == "paused",
            ),
            ((Button(texts.LICH_BTN_LIST, "lc:l"),),),
        ),
        replace=True,
    )
