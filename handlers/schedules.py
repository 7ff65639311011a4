"""Schedule handlers: /lich (list, pause, resume, edit, delete).

The core (`bot.schedule.Scheduler`) decides what is owed and when; its jobs on the
JobQueue are armed by bot/channels/telegram_jobs.py with every other job of the bot.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

from bot import compose, inputs, schedule, schedule_edit, texts
from bot.people import Role
from bot.reply import Reply
from bot.rich import Rich
from bot.schedule import Schedule, Scheduler
from bot.screens import Button, Screen
from bot.services import Services, services
from handlers.auth import command, requires
from handlers.common import person_id
from handlers.outcomes import notify, replace_with, say, show

log = logging.getLogger(__name__)
LIST_LIMIT = 12  # schedules shown by /lich; a 4096-character message holds about that many


# ---------------------------------------------------------------- /lich


async def _listing(svc: Services) -> Screen:
    runner: Scheduler = svc.schedules
    now = svc.clock.now()
    tz = svc.config.ward.tz
    items = (await schedule.list_schedules(svc.db))[:LIST_LIMIT]  # one message's worth
    if not items:
        return Screen(texts.LICH_EMPTY)
    lines: list[Rich] = []
    buttons: list[tuple[Button, ...]] = []
    for item in items:
        upcoming = runner.upcoming(item, now) if item.state == "active" else None
        last = await schedule.last_run(svc.db, item.id)
        lines.append(
            texts.lich_line(
                item.id,
                item.title,
                item.source == "calendar",
                schedule.describe(item.rule, tz),
                texts.bc_audience_short(item.audience.kind.value),
                item.urgent,
                item.state == "paused",
                schedule.when_text(upcoming, tz) if upcoming else None,
                (schedule.when_text(last[0], tz), last[1], last[2]) if last else None,
            )
        )
        row: list[Button] = []
        if item.state == "active":
            row.append(Button(texts.lich_btn_pause(item.id), f"lc:p:{item.id}"))
        else:
            row.append(Button(texts.lich_btn_resume(item.id), f"lc:r:{item.id}"))
        if schedule_edit.editable(item):
            row.append(Button(texts.lich_btn_edit(item.id), f"lc:e:{item.id}"))
        if item.source == "official":
            row.append(Button(texts.lich_btn_delete(item.id), f"lc:d:{item.id}"))
        buttons.append(tuple(row))
    return Screen(texts.lich_list(lines), tuple(buttons))


@command("lich", "schedule.list")
async def lich_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/lich: every schedule, its next push, and buttons to pause, resume or delete it."""
    svc = services(context)
    await say(update, svc, await _listing(svc))


@requires(Role.OFFICER, "schedule.button", private_only=True)
async def lich_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """lc:p|r|d|dd|e|et|eu|en:<id> and lc:l (the list again)."""
    query = update.callback_query
    if query is None or query.data is None:
        return
    svc = services(context)
    actor = await person_id(update, svc)
    parts = query.data.split(":")
    if parts == ["lc", "l"]:
        await replace_with(update, svc, await _listing(svc))
        return
    schedule_id = inputs.number(parts[2]) if len(parts) == 3 else None
    if schedule_id is None:  # "²" passes isdigit(), not int(); huge ones overflow SQLite
        await notify(update, svc, texts.BC_STALE)
        return
    action = parts[1]
    found: Schedule | None = await schedule.get_schedule(svc.db, schedule_id)
    if found is None or found.state not in ("active", "paused"):
        await notify(update, svc, texts.BC_STALE)
        return
    if action in ("e", "et", "eu", "en"):
        await _edit(update, svc, actor, found, action)
        return
    if action == "d" and found.source == "official":
        await replace_with(
            update,
            svc,
            Screen(
                texts.lich_confirm_delete(found.id, found.title),
                (
                    (
                        Button(texts.LICH_BTN_DELETE_YES, f"lc:dd:{found.id}"),
                        Button(texts.BTN_BACK, "lc:l"),
                    ),
                ),
            ),
        )
        return
    states = {"p": "paused", "r": "active", "dd": "deleted"}
    state = states.get(action)
    if state is None or (state == "deleted" and found.source != "official"):
        await notify(update, svc, texts.BC_STALE)
        return
    await svc.schedules.set_state(schedule_id, state, actor)
    done = texts.lich_done(state, schedule_id)
    await show(update, svc, Reply(await _listing(svc), replace=True, notice=done))


async def _edit(update: Update, svc: Services, actor: int, found: Schedule, action: str) -> None:
    """Sửa: the edit screen, then the new time (et), the last day (eu) or no last day (en)."""
    if not schedule_edit.editable(found):
        await notify(update, svc, texts.BC_STALE)
        return
    if action == "e":
        if await compose.step_of(svc.db, actor) in schedule_edit.EDITING:  # back from a prompt
            await compose.discard(svc.db, actor)
        await replace_with(update, svc, schedule_edit.edit_screen(found, svc))
    elif action == "en":
        await show(update, svc, await schedule_edit.remove_end(svc, actor, found))
    else:
        step = schedule_edit.EDIT_AT if action == "et" else schedule_edit.EDIT_UNTIL
        await show(update, svc, await schedule_edit.begin(svc, actor, found, step))


def register(app: Application) -> None:
    app.add_handler(CommandHandler("lich", lich_command))
    app.add_handler(CallbackQueryHandler(lich_button, pattern=r"^lc:"))
