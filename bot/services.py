"""The services a handler can reach, as one frozen object with a typed accessor.

Handlers read `services(context)` instead of fishing untyped values out of `bot_data`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.clock import Clock
from bot.config import Config
from bot.content import ContentPack
from bot.db import Database
from bot.delivery import Delivery
from bot.schedule import Scheduler

BOT_DATA_KEY = "services"


@dataclass(frozen=True)
class Services:
    config: Config
    db: Database
    content: ContentPack
    clock: Clock
    # issue 5: the outbox sender and the push scheduler, started in post_init
    delivery: Delivery = field(default_factory=Delivery)
    schedules: Scheduler = field(default_factory=Scheduler)


def services(context: Any) -> Services:
    """The Services of the application that `context` belongs to."""
    found = context.application.bot_data[BOT_DATA_KEY]
    assert isinstance(found, Services)
    return found
