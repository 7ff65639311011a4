"""Every timed job of the bot on PTB's JobQueue (APScheduler, in the ward's time zone).

The work itself is channel-free (`bot/jobs.py`, `bot/schedule.py`); this module only says
when it runs. Jobs get a generous misfire grace time and coalesce, so a busy event loop
delays a reminder or a push instead of silently dropping it; what was missed while the bot
was down is caught up at start-up by the core.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable, Coroutine
from datetime import datetime, time, timedelta
from typing import Any

from apscheduler.jobstores.base import JobLookupError
from telegram.ext import Application, ContextTypes

from bot import jobs
from bot.channels import telegram_notices
from bot.config import Config
from bot.services import BOT_DATA_KEY, Services, services

log = logging.getLogger(__name__)


# Generous misfire grace and coalescing: a job due while the loop was busy runs late
# instead of being skipped silently.
JOB_KWARGS = {"misfire_grace_time": 6 * 3600, "coalesce": True}


def _job(
    work: Callable[[Services], Awaitable[None]],
) -> Callable[[ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]]:
    async def run(context: ContextTypes.DEFAULT_TYPE) -> None:
        await work(services(context))

    run.__name__ = work.__name__
    return run


def register(app: Application, config: Config) -> None:
    """Every fixed job of the bot, at build time (the schedules' jobs need the database:
    `arm_schedules`, at start-up)."""
    queue = app.job_queue
    if queue is None:
        log.warning("no JobQueue: reminders, digests and notices are off")
        return
    tz = config.ward.tz
    queue.run_once(
        telegram_notices.start_job, when=0, name="reports.notices", job_kwargs=JOB_KWARGS
    )
    # A minute after start: catch up on reminders and digests missed while the bot was down
    # (after the first burst of replayed and pending updates).
    queue.run_once(_job(jobs.catch_up), when=60, name="reports.catch_up", job_kwargs=JOB_KWARGS)
    at = config.reports.reminder_time
    # Every day at the reminder time: due_reminders decides whether this period's moment
    # has come (weekly weekday or monthly day, clamped to short months).
    queue.run_daily(
        _job(jobs.remind),
        time(at.hour, at.minute, tzinfo=tz),
        name="reports.reminders",
        job_kwargs=JOB_KWARGS,
    )
    for index, moment in enumerate(config.reports.digest_times):
        queue.run_daily(
            _job(jobs.digest),
            time(moment.hour, moment.minute, tzinfo=tz),
            name=f"reports.digest.{index}",
            job_kwargs=JOB_KWARGS,
        )
    queue.run_repeating(
        _job(jobs.offer_idle_drafts),
        interval=timedelta(minutes=30),
        first=timedelta(minutes=1),
        name="reports.idle_drafts",
        job_kwargs=JOB_KWARGS,
    )
    queue.run_repeating(
        telegram_notices.media_job,
        interval=timedelta(minutes=5),
        first=timedelta(seconds=30),
        name="reports.media",
        job_kwargs=JOB_KWARGS,
    )
    queue.run_daily(
        _job(jobs.prune_inbox), time(3, 0, tzinfo=tz), name="inbox.prune", job_kwargs=JOB_KWARGS
    )


async def _wake(context: ContextTypes.DEFAULT_TYPE) -> None:
    """A schedule's job fired: let the core decide and arm the next one."""
    job = context.job
    if job is None or not isinstance(job.data, int):
        return
    await services(context).schedules.run(job.data)


async def arm_schedules(app: Application) -> None:
    """post_init (after the sender started): sync the calendar, catch up, and give the core
    two hooks on the JobQueue: `arm` adds or replaces the one wake-up job of a schedule under
    its stable id, `disarm` removes it."""
    svc: Services = app.bot_data[BOT_DATA_KEY]
    queue = app.job_queue
    if queue is None:  # python-telegram-bot[job-queue] is a dependency; say it loudly
        log.error("no JobQueue: scheduled pushes are off (install python-telegram-bot[job-queue])")
        return
    grace = max(1, int(svc.config.schedule.grace_hours * 3600))
    tz = svc.config.ward.tz

    def arm(job_id: str, when: datetime) -> None:
        queue.run_once(
            _wake,
            when.astimezone(tz),  # the job shows and runs in the ward's time zone
            name=job_id,
            data=int(job_id.rsplit("-", 1)[1]),
            job_kwargs={
                "id": job_id,
                "replace_existing": True,
                "misfire_grace_time": grace,
                "coalesce": True,
            },
        )

    def disarm(job_id: str) -> None:
        with contextlib.suppress(JobLookupError):
            queue.scheduler.remove_job(job_id)

    await svc.schedules.start(svc, arm, disarm)
