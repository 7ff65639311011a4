"""Shared fixtures: a Bot API simulator on loopback and the real bot polling it.

Every end-to-end test drives python-telegram-bot's real HTTP stack against the simulator,
exactly as Telegram would be driven.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.app import build_application, running
from bot.clock import FakeClock
from bot.config import DEFAULT_CONTENT, Config, parse_config
from bot.content import ContentPack, load_pack
from bot.simulator import BotApiSimulator
from bot.simulator.zalo import ZaloSimulator

TOKEN = "123456:TEST-TOKEN-abcdef"
ZALO_TOKEN = "5550001:ZALO-FLOWS-SECRET"
ADMIN_ID = 9001

# The moment of every test whose outcome depends on the date (`pytest.mark.fixed_date`):
# 10:00 on Wednesday 15 April 2026 in Hải An. It is far from midnight, from the end of a
# week or a month, from the reminder moments (Saturday 18:00; 23:59 on a month's last day)
# and from the quiet hours, so no test meets a date change wherever the wall clock is.
WARD_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
FIXED_NOW = datetime(2026, 4, 15, 10, 0, tzinfo=WARD_TZ).astimezone(UTC)
FIXED_TODAY = FIXED_NOW.astimezone(WARD_TZ).date()


class SteadyClock(FakeClock):
    """A FakeClock that also runs at the real pace from the moment it was last set.

    The bot times waits with its clock (a notice postponed for a second of 429 is due a
    second later), so a clock that stands still would hang those tests; this one moves, but
    from FIXED_NOW a test would have to run for 14 hours to see another date."""

    def __init__(self, start: datetime) -> None:
        super().__init__(start)
        self._origin = time.monotonic()

    def now(self) -> datetime:
        return super().now() + timedelta(seconds=time.monotonic() - self._origin)

    def advance(self, **delta: float) -> datetime:
        super().advance(**delta)
        return self.now()

    def set(self, moment: datetime) -> None:
        super().set(moment)
        self._origin = time.monotonic()


@pytest.fixture(scope="session")
def pack() -> ContentPack:
    """The shipped content pack, loaded once: it is immutable."""
    return load_pack(DEFAULT_CONTENT)


@pytest.fixture
async def sim() -> AsyncIterator[BotApiSimulator]:
    async with BotApiSimulator(token=TOKEN, bot_username="loaphuong_bot") as simulator:
        yield simulator


@pytest.fixture
async def zalo() -> AsyncIterator[ZaloSimulator]:
    """The fake Zalo Bot Platform (bot/simulator/zalo.py), its token ZALO_TOKEN."""
    async with ZaloSimulator(token=ZALO_TOKEN) as simulator:
        yield simulator


@pytest.fixture
def config(tmp_path: Path, sim: BotApiSimulator) -> Config:
    return parse_config(
        {
            "telegram": {"token": TOKEN, "base_url": sim.base_url},
            "storage": {
                "database": str(tmp_path / "loa.sqlite3"),
                "media": str(tmp_path / "media"),
            },
            "admins": {"telegram_ids": [ADMIN_ID]},
            # Test drivers act far faster than any person; the limits have tests of their
            # own (tests/test_flood.py, tests/test_work_limits.py), which set them explicitly.
            "limits": {"updates_burst": 100_000, "updates_per_second": 1000.0},
        },
        env={},
    )


@pytest.fixture
def clock() -> SteadyClock:
    """The bot's clock in a `fixed_date` module: FIXED_NOW, then running at the real pace."""
    return SteadyClock(FIXED_NOW)


@pytest.fixture
async def bot(
    config: Config, pack: ContentPack, request: pytest.FixtureRequest
) -> AsyncIterator[object]:
    """The real application, polling the simulator, for the duration of one test: on the
    system clock, or on the `clock` fixture in a module marked `pytest.mark.fixed_date`."""
    fixed = request.node.get_closest_marker("fixed_date") is not None
    app = build_application(config, pack, clock=request.getfixturevalue("clock") if fixed else None)
    async with running(app):
        yield app


def with_changes(config: Config, section: str, **changes: object) -> Config:
    return replace(config, **{section: replace(getattr(config, section), **changes)})


def database_at(path: Path, version: int) -> None:
    """A database as the release with `version` migrations left it (plain sqlite3), for
    tests of the migrations after it."""
    import sqlite3

    from bot.db import migrations

    conn = sqlite3.connect(path)
    for number, _, sql in migrations():
        if number <= version:
            conn.executescript(f"BEGIN;\n{sql}\nPRAGMA user_version = {number};\nCOMMIT;")
    conn.close()
