"""Shared fixtures: a Bot API simulator on loopback and the real bot polling it.

Every end-to-end test drives python-telegram-bot's real HTTP stack against the simulator,
exactly as Telegram would be driven.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest

from bot.app import build_application, running
from bot.config import DEFAULT_CONTENT, Config, parse_config
from bot.content import ContentPack, load_pack
from bot.simulator import BotApiSimulator

TOKEN = "123456:TEST-TOKEN-abcdef"
ADMIN_ID = 9001


@pytest.fixture(scope="session")
def pack() -> ContentPack:
    """The shipped content pack, loaded once: it is immutable."""
    return load_pack(DEFAULT_CONTENT)


@pytest.fixture
async def sim() -> AsyncIterator[BotApiSimulator]:
    async with BotApiSimulator(token=TOKEN, bot_username="loaphuong_bot") as simulator:
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
async def bot(config: Config, pack: ContentPack) -> AsyncIterator[object]:
    """The real application, polling the simulator, for the duration of one test."""
    app = build_application(config, pack)
    async with running(app):
        yield app


def with_changes(config: Config, section: str, **changes: object) -> Config:
    return replace(config, **{section: replace(getattr(config, section), **changes)})
