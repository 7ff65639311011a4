"""Crash safety (issue 5): the bot runs as its own process (`python -m bot run`) against the
simulator, is SIGKILLed in the middle of a broadcast and started again. The broadcast
resumes by itself; nobody is left out; only messages in flight at the kill can arrive twice.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from bot.config import PROJECT_ROOT
from bot.db import Database
from bot.simulator import BotApiSimulator, Limits

from .broadcast_support import add_people, new_broadcast
from .conftest import ADMIN_ID, TOKEN

RECIPIENTS = range(7000, 7150)


def write_config(tmp_path: Path, sim: BotApiSimulator) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        f'[telegram]\ntoken = "{TOKEN}"\nbase_url = "{sim.base_url}"\n'
        f'[storage]\ndatabase = "{tmp_path / "bot.sqlite3"}"\nmedia = "{tmp_path / "media"}"\n'
        f"[admins]\ntelegram_ids = [{ADMIN_ID}]\n",
        encoding="utf-8",
    )
    return path


def start_bot(config: Path, log: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if k != "BOT_TOKEN"}
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "run", "--config", str(config)],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )


def delivered(sim: BotApiSimulator) -> Counter[int]:
    return Counter(m.chat_id for m in sim.sent if m.chat_id in RECIPIENTS)


async def wait_for(condition: object, timeout: float, what: str) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():  # type: ignore[operator]
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


@pytest.mark.slow
async def test_sigkill_mid_broadcast_then_restart_loses_nothing(
    sim: BotApiSimulator, tmp_path: Path
) -> None:
    sim.set_limits(Limits())
    config = write_config(tmp_path, sim)
    db = await Database(tmp_path / "bot.sqlite3").open()
    await add_people(db, RECIPIENTS)
    broadcast_id, count = await new_broadcast(
        db, "<b>Thông báo</b> khẩn của phường", created_by=ADMIN_ID
    )
    await db.close()
    assert count == len(RECIPIENTS)
    for uid in RECIPIENTS:
        sim.user(uid, started=True)

    log = tmp_path / "bot.log"
    in_flight_total = 0
    bot = start_bot(config, log)
    try:
        for kill_after in (30, 80):  # two kills at different points of the broadcast
            await wait_for(lambda n=kill_after: sum(delivered(sim).values()) >= n, 30, "sends")
            os.kill(bot.pid, signal.SIGKILL)
            bot.wait(timeout=10)
            check = await Database(tmp_path / "bot.sqlite3").open()
            in_flight_total += int(
                await check.fetchval("SELECT COUNT(*) FROM outbox WHERE state = 'sending'")
            )
            await check.close()
            bot = start_bot(config, log)

        async def done() -> bool:
            check = await Database(tmp_path / "bot.sqlite3").open()
            try:
                status = await check.fetchval(
                    "SELECT status FROM broadcasts WHERE id = ?", (broadcast_id,)
                )
            finally:
                await check.close()
            return status == "done"

        loop = asyncio.get_running_loop()
        deadline = loop.time() + 40
        while not await done():
            assert loop.time() < deadline, log.read_text(errors="replace")[-3000:]
            await asyncio.sleep(0.2)
    finally:
        bot.send_signal(signal.SIGTERM)
        try:
            bot.wait(timeout=10)
        except subprocess.TimeoutExpired:
            bot.kill()
            bot.wait()

    got = delivered(sim)
    assert set(got) == set(RECIPIENTS), "somebody was left out"
    duplicates = sum(n - 1 for n in got.values())
    assert duplicates <= in_flight_total, (duplicates, in_flight_total)
    limited = sim.stats.snapshot()["rate_limited"]
    assert limited["global"] == 0 and limited["per_chat"] == 0
