"""Benchmark: Loa Phường's paced outbox against the common baseline, on the Bot API simulator.

The simulator enforces Telegram's limits (`Limits()`: 30 messages/s overall, 1/s per chat,
20/min per group; a 429 with retry_after when a sender goes over). One run measures, for
Loa Phường and for the baseline (python-telegram-bot's `AIORateLimiter` with its defaults
and a loop of `send_message`), each beside the other:

  (a) a broadcast to N private recipients: achieved rate and the 429s met
      (target: ≥ 29 messages/s, zero 429s caused by our own pacing);
  (b) the same with 10 % of sends answered 429 by the simulator: messages lost (target 0);
  (c) five SIGKILLs at random moments, restarting each time (the bot runs as a subprocess,
      `python -m bot run --config <tmp>`, against this process's simulator): lost (target 0),
      duplicates ≤ messages in flight at the kills;
  (d) 20 people chatting with the bot during the broadcast: reply latency p50/p99/max
      (target p99 ≤ 500 ms), and the 429s met by anyone.

Run (the full run takes about 20 minutes; N = 3000 is ~100 s per side at 29/s):

    .venv/bin/python bench/broadcast.py                     # N = 3000, everything
    .venv/bin/python bench/broadcast.py --recipients 600    # a quicker look
    .venv/bin/python bench/broadcast.py --only a,d --json out.json
    .venv/bin/python bench/broadcast.py --only a --rate 29.8   # another [delivery] rate

The baseline in (c) is a send loop in memory: a SIGKILL ends it and nothing resumes it (the
command that started it was already confirmed to Telegram), so what it had not sent is lost.

Measured (full run, N = 3000, 20 chatters thinking 1–3 s; Loa Phường | baseline):
  (a) rate 29.50 msg/s (29.35, 29.50 in two more runs of (a)), 0 429s, 0 lost | 15.51 msg/s, 1467
      429s and lost (AIORateLimiter's bucket lets a burst through, Telegram blocks the bot
      for a second and every call in that second fails). Before the pacer counted each send
      from leaving to its answer, the grid had to run at 29/s and gave 28.92..28.94 (29.5
      met one 429).
  (b) 0 lost, 6.43 msg/s (each 429 pauses broadcasts for retry_after) | 552 lost
  (c) 0 lost, duplicates 0 ≤ in flight 0 | 2592 lost (nothing resumes the loop)
  (d) replies p50 4 ms, p99 49 ms, max 132 ms, 1652 ok, 0 failed, 0 429s; broadcast
      18.11 msg/s, all sends 28.08 msg/s | p50 57 ms, p99 199 ms, but 178 of 369 replies
      failed (429), 1397 broadcast messages lost
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from telegram.error import RetryAfter, TelegramError
from telegram.ext import AIORateLimiter

from bot import texts
from bot.addresses import Directory, telegram
from bot.app import build_application, running
from bot.clock import SystemClock
from bot.config import DEFAULT_CONTENT, PROJECT_ROOT, Config, parse_config
from bot.content import ContentPack, load_pack
from bot.db import Database
from bot.delivery import Audience, AudienceKind, OutMessage, broadcast_status, create_broadcast
from bot.render import html_to_rich
from bot.services import BOT_DATA_KEY
from bot.simulator import BotApiSimulator, Limits

TOKEN = "123456:BENCH-TOKEN-abcdef"
FIRST_ID = 100_000
CHATTER_ID = 900_000
TEXT = "<b>Thông báo của phường</b>\nMời bà con dự họp tổ dân phố tối thứ Bảy lúc 19:30."
COMMANDS = ("/muctieu", "/nhiemvu", "/dotpha", "/chitieu", "/help", "/nhiemvu 2")


# ---------------------------------------------------------------- results


@dataclass
class Run:
    """What one side achieved in one scenario."""

    recipients: int = 0
    delivered: int = 0  # distinct recipients who got the message
    duplicates: int = 0
    seconds: float = 0.0  # first to last accepted broadcast message
    rate: float = 0.0  # broadcast messages per second, first to last
    total_rate: float = 0.0  # every message the bot sent per second over the same span
    limited: int = 0  # 429s caused by Telegram's limits (the sender went over)
    injected: int = 0  # 429s the simulator injected on purpose, (b)
    early_retries: int = 0  # calls made while told to wait
    in_flight: int = 0  # (c): rows in 'sending' at the kills, summed
    latencies: list[float] = field(default_factory=list)
    reply_failures: int = 0
    note: str = ""

    @property
    def lost(self) -> int:
        return self.recipients - self.delivered

    def pct(self, q: float) -> float:
        if not self.latencies:
            return math.nan
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1)] * 1000

    def summary(self) -> dict[str, Any]:
        data = {k: v for k, v in self.__dict__.items() if k != "latencies"}
        data["lost"] = self.lost
        if self.latencies:
            data["replies"] = len(self.latencies)
            data["p50_ms"] = round(self.pct(0.50), 1)
            data["p99_ms"] = round(self.pct(0.99), 1)
            data["max_ms"] = round(max(self.latencies) * 1000, 1)
        return data


def measure(sim: BotApiSimulator, recipients: range, run: Run) -> Run:
    """Fill in delivery numbers from what the simulator accepted."""
    mine = [m for m in sim.sent if m.chat_id in recipients]
    counts = Counter(m.chat_id for m in mine)
    run.recipients = len(recipients)
    run.delivered = len(counts)
    run.duplicates = sum(n - 1 for n in counts.values())
    if len(mine) > 1:
        first, last = min(m.time for m in mine), max(m.time for m in mine)
        run.seconds = last - first
        run.rate = (len(mine) - 1) / run.seconds if run.seconds else 0.0
        everything = [m for m in sim.sent if first <= m.time <= last]
        run.total_rate = (len(everything) - 1) / run.seconds if run.seconds else 0.0
    snap = sim.stats.snapshot()
    run.limited = sum(snap["rate_limited"].values())
    run.injected = int(snap["faults"].get("sendMessage", 0)) if run.injected else 0
    run.early_retries = snap["early_retries"]
    return run


# ---------------------------------------------------------------- set-up


RATE: dict[str, float] = {}  # [delivery] global_per_second when --rate is given


def make_config(tmp: Path, sim: BotApiSimulator) -> Config:
    return parse_config(
        {
            "telegram": {"token": TOKEN, "base_url": sim.base_url},
            "storage": {"database": str(tmp / "bench.sqlite3"), "media": str(tmp / "media")},
            "admins": {"telegram_ids": [1]},
            "delivery": dict(RATE),
        },
        env={},
    )


async def seed(db: Database, recipients: range) -> None:
    """Registered residents reached at these Telegram ids (local ids made as on first
    contact)."""
    stamp = "2026-01-01T00:00:00Z"
    directory = Directory(db, SystemClock())
    local_ids = [await directory.local(telegram(uid)) for uid in recipients]
    await db.conn.executemany(
        "INSERT INTO people (user_id, first_name, role, consent_at, consent_version,"
        " created_at, updated_at) VALUES (?, 'Bench', 'resident', ?, 'v1', ?, ?)",
        [(uid, stamp, stamp, stamp) for uid in local_ids],
    )


async def new_broadcast(db: Database) -> int:
    broadcast_id, _ = await create_broadcast(
        db,
        SystemClock().now(),
        created_by=1,
        message=OutMessage(html_to_rich(TEXT)),
        audience=Audience(AudienceKind.EVERYONE),
        urgent=False,
    )
    return broadcast_id


def people(sim: BotApiSimulator, ids: range) -> None:
    for uid in ids:
        sim.user(uid, first_name="Bench", started=True)


async def chat_while(
    sim: BotApiSimulator, count: int, think: float, rng: random.Random, run: Run
) -> tuple[asyncio.Event, list[asyncio.Task[None]]]:
    """`count` people each send a command, wait for the answer, think, and again."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()

    async def person(uid: int) -> None:
        user = sim.user(uid, first_name="Người", started=True)
        while not stop.is_set():
            await asyncio.sleep(rng.uniform(0.5 * think, 1.5 * think))
            if stop.is_set():
                return
            user.skip_replies()
            started = loop.time()
            await user.send(rng.choice(COMMANDS))
            try:
                reply = await user.expect_reply(timeout=10)
            except AssertionError:
                run.reply_failures += 1
                continue
            if reply.text == texts.ERROR_GENERIC:
                run.reply_failures += 1
            else:
                run.latencies.append(loop.time() - started)

    tasks = [asyncio.create_task(person(CHATTER_ID + i)) for i in range(count)]
    return stop, tasks


async def until(check: Callable[[], Awaitable[bool]], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not await check():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out: {what}")
        await asyncio.sleep(0.25)


# ---------------------------------------------------------------- (a), (b), (d): in process


async def ours(
    n: int, pack: ContentPack, *, throttle: float = 0.0, chatters: int = 0, think: float = 2.0,
    seed_value: int = 1,
) -> Run:  # fmt: skip
    """Loa Phường: the real application; the broadcast goes through the outbox."""
    rng = random.Random(seed_value)
    recipients = range(FIRST_ID, FIRST_ID + n)
    run = Run(injected=int(throttle > 0))
    with tempfile.TemporaryDirectory() as tmp:
        async with BotApiSimulator(token=TOKEN, limits=Limits(), seed=seed_value) as sim:
            people(sim, recipients)
            app = build_application(make_config(Path(tmp), sim), pack)
            async with running(app):
                svc = app.bot_data[BOT_DATA_KEY]
                await seed(svc.db, recipients)
                sim.stats.reset()
                if throttle:
                    sim.faults.add(
                        method="sendMessage", status=429, probability=throttle, retry_after=1
                    )
                stop, tasks = await chat_while(sim, chatters, think, rng, run)
                broadcast_id = await new_broadcast(svc.db)
                await svc.delivery.enqueue(broadcast_id)

                async def done() -> bool:
                    status = await broadcast_status(svc.db, broadcast_id)
                    return status is not None and status.done

                await until(done, 60 + n * 2, "our broadcast")
                stop.set()
                await asyncio.gather(*tasks)
                status = await broadcast_status(svc.db, broadcast_id)
                if status and status.failed:
                    run.note = f"{status.failed} failed: {status.errors[:2]}"
            sim.faults.clear()
            return measure(sim, recipients, run)


async def baseline(
    n: int, pack: ContentPack, *, throttle: float = 0.0, chatters: int = 0, think: float = 2.0,
    seed_value: int = 1,
) -> Run:  # fmt: skip
    """The common way: the same bot with PTB's AIORateLimiter and a send_message loop."""
    rng = random.Random(seed_value)
    recipients = range(FIRST_ID, FIRST_ID + n)
    run = Run(injected=int(throttle > 0))
    errors: Counter[str] = Counter()
    with tempfile.TemporaryDirectory() as tmp:
        async with BotApiSimulator(token=TOKEN, limits=Limits(), seed=seed_value) as sim:
            people(sim, recipients)
            app = build_application(make_config(Path(tmp), sim), pack)
            app.bot._rate_limiter = AIORateLimiter()  # the baseline: PTB's limiter, defaults
            async with running(app):
                sim.stats.reset()
                if throttle:
                    sim.faults.add(
                        method="sendMessage", status=429, probability=throttle, retry_after=1
                    )
                stop, tasks = await chat_while(sim, chatters, think, rng, run)
                for chat_id in recipients:
                    try:
                        await app.bot.send_message(chat_id, TEXT)
                    except RetryAfter:
                        errors["429"] += 1
                    except TelegramError as exc:
                        errors[type(exc).__name__] += 1
                stop.set()
                await asyncio.gather(*tasks)
            sim.faults.clear()
            if errors:
                run.note = "loop errors: " + ", ".join(f"{k} ×{v}" for k, v in errors.items())
            return measure(sim, recipients, run)


# ---------------------------------------------------------------- (c): SIGKILLs, subprocess


def write_config(tmp: Path, sim: BotApiSimulator) -> Path:
    path = tmp / "config.toml"
    path.write_text(
        f'[telegram]\ntoken = "{TOKEN}"\nbase_url = "{sim.base_url}"\n'
        f'[storage]\ndatabase = "{tmp / "bench.sqlite3"}"\nmedia = "{tmp / "media"}"\n'
        f'[content]\npath = "{DEFAULT_CONTENT}"\n'
        + (f"[delivery]\nglobal_per_second = {RATE['global_per_second']}\n" if RATE else ""),
        encoding="utf-8",
    )
    return path


def spawn(args: list[str], log: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if k != "BOT_TOKEN"}
    return subprocess.Popen(
        [sys.executable, *args], cwd=PROJECT_ROOT, env=env, stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )  # fmt: skip


def kill_points(n: int, kills: int, rng: random.Random) -> list[int]:
    """Delivered-message counts at which to kill: random, spread over the broadcast."""
    return sorted(rng.sample(range(max(1, n // 20), max(2, n * 19 // 20)), kills))


async def ours_killed(n: int, kills: int, rng: random.Random) -> Run:
    recipients = range(FIRST_ID, FIRST_ID + n)
    run = Run()
    points = kill_points(n, kills, rng)
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        async with BotApiSimulator(token=TOKEN, limits=Limits()) as sim:
            people(sim, recipients)
            config = write_config(tmp, sim)
            db = await Database(tmp / "bench.sqlite3").open()
            await seed(db, recipients)
            broadcast_id = await new_broadcast(db)
            await db.close()
            log = tmp / "bot.log"
            proc = spawn(["-m", "bot", "run", "--config", str(config)], log)

            def sent() -> int:
                return sum(1 for m in sim.sent if m.chat_id in recipients)

            try:
                for point in points:

                    async def reached(p: int = point) -> bool:
                        return sent() >= p

                    await until(reached, 120 + n, f"{point} sent")
                    await asyncio.sleep(rng.uniform(0, 0.05))  # not always on a boundary
                    os.kill(proc.pid, signal.SIGKILL)
                    proc.wait()
                    check = await Database(tmp / "bench.sqlite3").open()
                    run.in_flight += int(
                        await check.fetchval("SELECT COUNT(*) FROM outbox WHERE state = 'sending'")
                    )
                    await check.close()
                    proc = spawn(["-m", "bot", "run", "--config", str(config)], log)

                async def done() -> bool:
                    check = await Database(tmp / "bench.sqlite3").open()
                    try:
                        state = await check.fetchval(
                            "SELECT status FROM broadcasts WHERE id = ?", (broadcast_id,)
                        )
                    finally:
                        await check.close()
                    return state == "done"

                await until(done, 120 + n, "the broadcast after the kills")
            finally:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
            run.note = f"killed after {points} messages"
            return measure(sim, recipients, run)


async def baseline_killed(n: int, kill_at: int) -> Run:
    """The baseline loop in its own process, SIGKILLed once; nothing resumes it."""
    recipients = range(FIRST_ID, FIRST_ID + n)
    run = Run()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        async with BotApiSimulator(token=TOKEN, limits=Limits()) as sim:
            people(sim, recipients)
            args = [str(Path(__file__)), "--baseline-worker", sim.base_url, str(n)]
            proc = spawn(args, tmp / "worker.log")

            async def reached() -> bool:
                return sum(1 for m in sim.sent if m.chat_id in recipients) >= kill_at

            await until(reached, 120 + n, "baseline sends")
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            await asyncio.sleep(2)  # a restarted baseline has nothing to resume
            run.note = f"killed once after {kill_at} messages; a send loop does not resume"
            return measure(sim, recipients, run)


async def baseline_worker(base_url: str, n: int) -> None:
    """The loop the common bot runs inside a handler (the process (c) kills)."""
    from telegram.ext import ExtBot

    bot = ExtBot(TOKEN, base_url=base_url, rate_limiter=AIORateLimiter())
    async with bot:
        for chat_id in range(FIRST_ID, FIRST_ID + n):
            with contextlib.suppress(TelegramError):  # the loop just carries on
                await bot.send_message(chat_id, TEXT, parse_mode="HTML")


# ---------------------------------------------------------------- report


def row(label: str, mine: str, theirs: str) -> str:
    return f"{label:<46}{mine:<30}{theirs}"


def fmt_run(run: Run, scenario: str) -> dict[str, str]:
    if scenario == "a":
        return {
            "rate (msg/s)": f"{run.rate:.2f}",
            "429s met (Telegram's limits)": str(run.limited),
            "lost": str(run.lost),
            "duplicates": str(run.duplicates),
        }
    if scenario == "b":
        return {
            "lost": str(run.lost),
            "duplicates": str(run.duplicates),
            "rate (msg/s)": f"{run.rate:.2f}",
            "429s from the limits (not injected)": str(run.limited),
        }
    if scenario == "c":
        return {
            "lost": str(run.lost),
            "duplicates / in flight at kills": f"{run.duplicates} / {run.in_flight}",
            "429s met": str(run.limited),
        }
    return {
        "reply p50 / p99 / max (ms)": (
            f"{run.pct(0.5):.0f} / {run.pct(0.99):.0f} / {max(run.latencies) * 1000:.0f}"
            if run.latencies
            else "no replies"
        ),
        "replies ok / failed": f"{len(run.latencies)} / {run.reply_failures}",
        "broadcast rate / all sends (msg/s)": f"{run.rate:.2f} / {run.total_rate:.2f}",
        "429s met (anyone)": str(run.limited),
        "broadcast lost": str(run.lost),
    }


TITLES = {
    "a": "(a) {n} private recipients",
    "b": "(b) the same, 10 % of sends answered 429",
    "c": "(c) {k} SIGKILLs at random moments, restarted",
    "d": "(d) {c} people chatting during the broadcast",
}


async def main(args: argparse.Namespace) -> int:
    pack = load_pack(DEFAULT_CONTENT)
    if args.rate:
        RATE["global_per_second"] = args.rate
    rng = random.Random(args.seed)
    only = set(args.only.split(","))
    n = args.recipients
    results: dict[str, dict[str, Run]] = {}
    started = time.monotonic()
    if "a" in only:
        print(f"(a) {n} recipients …", flush=True)
        results["a"] = {"ours": await ours(n, pack), "baseline": await baseline(n, pack)}
    if "b" in only:
        print("(b) 10 % answered 429 …", flush=True)
        results["b"] = {
            "ours": await ours(n, pack, throttle=args.throttle, seed_value=args.seed),
            "baseline": await baseline(n, pack, throttle=args.throttle, seed_value=args.seed),
        }
    if "c" in only:
        print(f"(c) {args.kills} SIGKILLs …", flush=True)
        killed = await ours_killed(n, args.kills, rng)
        first_kill = kill_points(n, args.kills, random.Random(args.seed))[0]
        results["c"] = {"ours": killed, "baseline": await baseline_killed(n, first_kill)}
    if "d" in only:
        print(f"(d) {args.chatters} people chatting …", flush=True)
        results["d"] = {
            "ours": await ours(n, pack, chatters=args.chatters, think=args.think),
            "baseline": await baseline(n, pack, chatters=args.chatters, think=args.think),
        }

    print()
    print(
        f"Loa Phường broadcast benchmark: {n} recipients; simulator with Telegram's limits "
        "(30/s overall, 1/s per chat, 20/min per group)"
    )
    print(row("", "Loa Phường (paced outbox)", "baseline (AIORateLimiter + loop)"))
    for key in ("a", "b", "c", "d"):
        if key not in results:
            continue
        print(TITLES[key].format(n=n, k=args.kills, c=args.chatters))
        mine, theirs = fmt_run(results[key]["ours"], key), fmt_run(results[key]["baseline"], key)
        for label in mine:
            print(row(f"  {label}", mine[label], theirs.get(label, "")))
        for side, run in results[key].items():
            if run.note:
                print(f"    {side}: {run.note}")
    print(f"\n(total {time.monotonic() - started:.0f} s)")
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {k: {s: r.summary() for s, r in v.items()} for k, v in results.items()},
                ensure_ascii=False,
                indent=2,
            ),
            encoding="utf-8",
        )
    ok = True
    if "a" in results:
        # The target (≥ 29/s, 97 % of the limit), or near a rate given with --rate.
        target = RATE["global_per_second"] * 0.99 if RATE else 29.0
        ok &= results["a"]["ours"].rate >= target and results["a"]["ours"].limited == 0
    for key in ("b", "c"):
        if key in results:
            ok &= results[key]["ours"].lost == 0
    if "c" in results:
        ok &= results["c"]["ours"].duplicates <= results["c"]["ours"].in_flight
    if "d" in results and results["d"]["ours"].latencies:
        ok &= results["d"]["ours"].pct(0.99) <= 500
    return 0 if ok else 1


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--recipients", type=int, default=3000)
    parser.add_argument("--chatters", type=int, default=20)
    parser.add_argument("--think", type=float, default=2.0, help="mean seconds between messages")
    parser.add_argument("--kills", type=int, default=5)
    parser.add_argument("--throttle", type=float, default=0.10, help="share of sends given 429")
    parser.add_argument("--only", default="a,b,c,d", help="scenarios to run, e.g. a,d")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--rate", type=float, default=0.0, help="[delivery] global_per_second (default: 29.5)"
    )
    parser.add_argument("--json", default="", help="also write the numbers to this file")
    parser.add_argument(
        "--baseline-worker", nargs=2, metavar=("BASE_URL", "N"), help=argparse.SUPPRESS
    )
    return parser.parse_args(argv)


if __name__ == "__main__":
    arguments = parse_args()
    if arguments.baseline_worker:
        url, count = arguments.baseline_worker
        asyncio.run(baseline_worker(url, int(count)))
        sys.exit(0)
    sys.exit(asyncio.run(main(arguments)))
