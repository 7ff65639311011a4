"""Kill the bot with SIGKILL at random moments while leaders file reports; restart it.

The bot runs as its own process (`python -m bot run`) against the simulator in this test;
leaders act concurrently, some leave their report half-written. Afterwards:
- every report that got a receipt is stored exactly once, with the answers as given
  (two ticked topics: a tick applied twice would have un-ticked one);
- every half-written draft is there, at the step it reached, and offered for resuming;
- every update the leaders sent is in the inbox exactly once and finished; only updates
  that were being handled at a kill were handled again, and none changed anything twice.

LEADERS (env REPORT_FAULT_LEADERS, default 200) and the number of kills are printed.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot import reports, texts
from bot.clock import iso
from bot.config import PROJECT_ROOT, load_config
from bot.content import ContentPack
from bot.db import Database
from bot.report_parse import topics
from bot.simulator import BotApiSimulator

from .conftest import TOKEN
from .local_ids import local
from .report_driver import Leader, run_leader, script, wait_screen
from .report_helpers import add_leader

LEADERS = int(os.environ.get("REPORT_FAULT_LEADERS", "200"))
HALF_WRITTEN = 0.2  # a fifth of the leaders stop somewhere in the middle
STEP_TIMEOUT = 60.0  # a step may have to wait for a kill, a restart and a replay


def write_config(tmp: Path, sim: BotApiSimulator) -> Path:
    path = tmp / "config.toml"
    path.write_text(
        f"""
[telegram]
token = "{TOKEN}"
base_url = "{sim.base_url}"

[storage]
database = "{tmp / "bot.sqlite3"}"
media = "{tmp / "media"}"

[reports]
period = "monthly"        # the reminder moment is the last minute of the month
reminder_day = 31
reminder_time = "23:59"
""",
        encoding="utf-8",
    )
    return path


async def already_reminded(db: Database, config: Path, leaders: Iterable[tuple[int, int]]) -> None:
    """Record every (leader, tổ) as reminded in the periods of today and tomorrow.

    The bot in its own process runs on the real clock, so the last minute of the month does
    come: a run then met reminders instead of the screens it waited for. The bot never
    reminds anyone twice in one period, so no reminder can fall into the test."""
    cfg = load_config(config, env={})
    now = datetime.now(UTC)
    days = {moment.astimezone(cfg.ward.tz).date() for moment in (now, now + timedelta(days=1))}
    periods = {reports.period_of(day, cfg).key for day in days}
    for user_id, unit_id in leaders:
        for period in periods:
            await db.execute(
                "INSERT INTO reminders (user_id, period, unit_id, sent_at) VALUES (?, ?, ?, ?)",
                (user_id, period, unit_id, iso(now)),
            )


class BotProcess:
    """`python -m bot run` in a child process; killed hard, restarted, stopped softly."""

    def __init__(self, config: Path, log: Path) -> None:
        self.config = config
        self.log = log
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> None:
        env = {k: v for k, v in os.environ.items() if k != "BOT_TOKEN"}
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "bot", "run", "--config", str(self.config)],
                cwd=PROJECT_ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
                env=env,
            )
        self.starts += 1

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> int:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGINT)  # run_polling stops gracefully on SIGINT
        try:
            return self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise


async def serving(sim: BotApiSimulator, since: int, timeout: float = 60.0) -> None:
    """Until the bot (re)started polls the simulator: a new getUpdates after `since`."""
    deadline = time.monotonic() + timeout
    while sim.stats.requests["getUpdates"] <= since:
        assert time.monotonic() < deadline, "the bot did not come back"
        await asyncio.sleep(0.02)


async def killer(
    sim: BotApiSimulator, bot: BotProcess, stop: asyncio.Event, kills: list[float]
) -> None:
    """Let the bot work a random while, kill it, start it again; repeat until told to stop.

    The next kill is timed from the moment the new process polls again, so a slow start
    (a loaded CI machine) never turns into a bot that is killed before it does anything."""
    rng = random.Random(os.environ.get("REPORT_FAULT_SEED"))
    await serving(sim, 0)
    while not stop.is_set():
        try:
            await asyncio.wait_for(stop.wait(), timeout=rng.uniform(0.5, 2.0))
            return
        except TimeoutError:
            pass
        polled = sim.stats.requests["getUpdates"]
        bot.kill()
        kills.append(time.monotonic())
        bot.start()
        await serving(sim, polled)


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
async def test_sigkill_while_leaders_report(
    sim: BotApiSimulator, tmp_path: Path, pack: ContentPack
) -> None:
    config = write_config(tmp_path, sim)
    db_path = tmp_path / "bot.sqlite3"
    async with Database(db_path) as db:
        units = []
        for n in range(LEADERS):
            [unit] = await add_leader(db, 10_000 + n, f"Tổ trưởng {n}", f"Tổ dân phố số {n + 1}")
            units.append((await local(db, 10_000 + n), unit))
        await already_reminded(db, config, units)

    rng = random.Random(4)
    actions = script(pack)
    leaders = []
    for n in range(LEADERS):
        stop_after = rng.randint(1, len(actions) - 1) if rng.random() < HALF_WRITTEN else None
        leaders.append(Leader(sim.user(10_000 + n, f"TT{n}"), actions, stop_after))

    bot = BotProcess(config, tmp_path / "bot.log")
    bot.start()
    stop = asyncio.Event()
    kills: list[float] = []
    started = time.monotonic()
    chaos = asyncio.create_task(killer(sim, bot, stop, kills))
    half = [leader for leader in leaders if leader.stop_after is not None]
    try:
        results = await asyncio.gather(
            *(run_leader(sim, leader, STEP_TIMEOUT) for leader in leaders),
            return_exceptions=True,
        )
        stop.set()
        await chaos
        elapsed = time.monotonic() - started
        failures = [r for r in results if isinstance(r, BaseException)]
        assert not failures, f"{len(failures)} leaders stuck; first: {failures[0]!r}"

        # Half-written drafts survive the last kill and are offered for resuming.
        for leader in half:
            await leader.user.send("/baocao")
            offer = await wait_screen(
                sim,
                leader.user.chat_id,
                lambda m: m.text.startswith("Anh/chị đang có báo cáo dở"),
                STEP_TIMEOUT,
            )
            await leader.user.press(offer, texts.R_BTN_RESUME)
            expected = leader.actions[leader.stop_after - 1].then  # type: ignore[index]
            await wait_screen(sim, leader.user.chat_id, expected, STEP_TIMEOUT)
        await asyncio.sleep(0.3)
    finally:
        stop.set()
        await chaos
        assert bot.stop() == 0
    print(
        f"\n{LEADERS} leaders ({len(half)} left drafts), {len(kills)} SIGKILLs, "
        f"{bot.starts} starts, {elapsed:.1f} s"
    )

    conn = sqlite3.connect(db_path)
    done = [leader for leader in leaders if leader.receipt is not None]
    assert len(done) == LEADERS - len(half)
    # (leaders named by the Telegram ids their simulated users have: the reports and drafts
    # hold local ids, the addresses table the way back)
    rows = conn.execute(
        "SELECT r.id, CAST(a.external_id AS INTEGER), r.topics, r.attendance, r.status"
        " FROM reports r LEFT JOIN addresses a ON a.local_id = r.leader_id"
    ).fetchall()
    assert len(rows) == len(done), "a report was stored twice, or one without a receipt"
    by_leader = {leader_id: (rid, tops, att, st) for rid, leader_id, tops, att, st in rows}
    expected_topics = [topics(pack)[0].id, topics(pack)[2].id]
    for leader in done:
        rid, tops, att, st = by_leader[leader.user.user_id]
        assert rid == leader.receipt
        assert json.loads(tops) == expected_topics and att == 35 and st == "submitted"

    drafts = dict(
        conn.execute(
            "SELECT CAST(a.external_id AS INTEGER), d.step FROM report_drafts d"
            " LEFT JOIN addresses a ON a.local_id = d.user_id"
        ).fetchall()
    )
    assert set(drafts) == {leader.user.user_id for leader in half}
    for leader in half:
        assert drafts[leader.user.user_id] == leader.actions[leader.stop_after - 1].step  # type: ignore[index]

    # Every update the leaders sent was recorded exactly once and finished.
    sent_updates = sum(leader.done for leader in leaders) + 2 * len(half)  # + /baocao, Tiếp tục
    recorded, unfinished, retried = conn.execute(
        "SELECT COUNT(*), SUM(done_at IS NULL), SUM(attempts > 1) FROM inbox"
    ).fetchone()
    assert recorded == sent_updates
    assert unfinished == 0
    # Only updates in flight at a kill were handled again (at most a few per kill).
    assert (retried or 0) <= 64 * len(kills)
    print(f"inbox: {recorded} updates, {retried or 0} handled again after a kill")
    conn.close()
    assert len(kills) >= 3, "the run was too short to kill the bot a few times"
