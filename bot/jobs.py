"""The bot's timed work, channel-free: what runs at the reminder time, at digest times, every
half hour, every night and once after start-up. The wiring (`bot/app.py`) registers each
with the scheduler; each takes the `Services` and rings the notice bell when it queued
something for a person.
"""

from __future__ import annotations

import logging

from bot import reports, units
from bot.inbox import Inbox
from bot.report_flow import ReportFlow
from bot.services import Services

log = logging.getLogger(__name__)


async def remind(svc: Services) -> None:
    """At the reminder time (and at start-up, to catch up): remind silent leaders once."""
    sent = await reports.send_reminders(svc.db, svc.clock, svc.config)
    if sent:
        log.info("queued %d report reminder(s)", len(sent))
        svc.bell.ring()


async def digest(svc: Services) -> None:
    if await reports.queue_digests(svc.db, svc.clock, svc.config, catch_up=False):
        svc.bell.ring()


async def offer_idle_drafts(svc: Services) -> None:
    """Offer again the drafts nobody touched for 24 hours."""
    flow = ReportFlow(svc.db, svc.config, svc.content, svc.clock)
    if await flow.offer_idle():
        svc.bell.ring()


async def prune_inbox(svc: Services) -> None:
    """Every night: handled updates past their keeping time, /themto questions nobody
    answered, and the addresses of people the bot keeps nothing about."""
    await Inbox(svc.db, svc.clock).prune()
    await units.prune_asks(svc.db, svc.clock.now())
    forgotten = await svc.directory.prune_strangers()
    if forgotten:
        log.info("forgot %d address(es) of people the bot keeps nothing about", forgotten)


async def catch_up(svc: Services) -> None:
    """After start-up: what was due while the bot was down, then keep the inbox small."""
    await remind(svc)
    if await reports.queue_digests(svc.db, svc.clock, svc.config, catch_up=True):
        svc.bell.ring()
    await offer_idle_drafts(svc)
    await prune_inbox(svc)
