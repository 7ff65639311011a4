"""The services a handler can reach, as one frozen object with a typed accessor.

Handlers read `services(context)` instead of fishing untyped values out of `bot_data`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from bot.addresses import Directory
from bot.clock import Clock
from bot.config import Config
from bot.content import ContentPack
from bot.db import Database
from bot.delivery import Channel, Delivery
from bot.notices import Bell
from bot.schedule import Scheduler

BOT_DATA_KEY = "services"


@dataclass(frozen=True)
class Services:
    config: Config
    db: Database
    content: ContentPack
    clock: Clock
    directory: Directory  # addresses ↔ local ids (bot/addresses.py)
    # issue 5: the outbox sender and the push scheduler, started in post_init
    delivery: Delivery = field(default_factory=Delivery)
    schedules: Scheduler = field(default_factory=Scheduler)
    bell: Bell = field(default_factory=Bell)  # rung when a notice is queued (bot/notices.py)
    # Writes the updates received but not yet on disk (the inbox batches its writes); set by
    # the wiring, so that an erasure finds the person's latest updates too.
    flush_inbox: Callable[[], Awaitable[None]] = field(default=lambda: _nothing())
    # Set the command menu of one person to what their role can use (the channel's own
    # menus; bot/channels/telegram_menus.py): called after their role changed.
    refresh_menu: Callable[[int], Awaitable[None]] = field(default=lambda _: _nothing())
    # How replies, notices and broadcasts reach people; set by the wiring with the bot.
    channel: Channel | None = None


async def _nothing() -> None:
    return None


def services(context: Any) -> Services:
    """The Services of the application that `context` belongs to."""
    found = context.application.bot_data[BOT_DATA_KEY]
    assert isinstance(found, Services)
    return found
