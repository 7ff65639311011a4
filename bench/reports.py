"""Benchmark: 200 leaders file complete reports at once through the Bot API simulator.

Every leader runs the eleven steps of a report (/baocao, date, form, two topics, Xong, the
attendance typed, notes skipped, no photos, no difficulty, Gửi) concurrently; a step is
timed from the leader's action until the bot's answer is on screen. The bot runs as its own
process (as `python -m bot run` does, in a chosen update mode) and polls the simulator,
which runs here, over loopback HTTP; a fresh database per run.

Three update modes of the same bot, in the same run:
- durable    the bot as shipped: every update written to SQLite before handling and marked
             done after, one chat in order, chats concurrently (OrderedProcessor);
- sequential the baseline: PTB's default processing, one update at a time, nothing recorded;
- ordered    the same per-chat processor without the inbox (shows what durability costs).

Reported: steps/s (all steps over the wall time) and p50/p99 step latency, min..max over
--repeat runs, and the ratios durable/sequential and durable/ordered.

On loopback the simulator answers in microseconds and the bot is CPU-bound (one Python
process), so the modes are close; `--rtt 25` holds every Bot API answer (but getUpdates)
back 25 ms, like a real round trip to Telegram, where handling chats one at a time costs.

Run:  .venv/bin/python bench/reports.py [--leaders 200] [--repeat 3] [--rtt 0]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.config import DEFAULT_CONTENT  # noqa: E402
from bot.content import load_pack  # noqa: E402
from bot.db import Database  # noqa: E402
from bot.simulator import BotApiSimulator  # noqa: E402
from tests.report_driver import Leader, percentile, run_leader, script  # noqa: E402
from tests.report_helpers import add_leader  # noqa: E402

TOKEN = "424242:BENCH-reports"
MODES = ("durable", "sequential", "ordered")


def serve(mode: str, config_path: Path) -> int:
    """Child process: the bot in `mode`, polling until SIGINT."""
    from bot.app import build_application, run_polling
    from bot.config import load_config

    config = load_config(config_path, env={})
    if os.environ.get("BENCH_LOG"):
        from bot.logs import setup_logging

        setup_logging()
    app = build_application(config, load_pack(config.content.path), updates=mode)
    if os.environ.get("BENCH_SWITCH"):
        sys.setswitchinterval(float(os.environ["BENCH_SWITCH"]))
    profile = os.environ.get("BENCH_PROFILE")
    if profile:  # a profile of the bot process, for finding where a step's time goes
        import cProfile

        cProfile.runctx(
            "run_polling(app)", globals(), {"app": app, "run_polling": run_polling}, profile
        )
    else:
        run_polling(app)
    return 0


def write_config(folder: Path, base_url: str) -> Path:
    path = folder / "config.toml"
    path.write_text(
        f'[telegram]\ntoken = "{TOKEN}"\nbase_url = "{base_url}"\n'
        f'[storage]\ndatabase = "{folder / "bench.sqlite3"}"\nmedia = "{folder / "media"}"\n'
        '[reports]\nperiod = "monthly"\nreminder_day = 31\nreminder_time = "23:59"\n',
        encoding="utf-8",
    )
    return path


async def one_run(mode: str, leaders_n: int, rtt_ms: float = 0.0) -> dict[str, float]:
    pack = load_pack(DEFAULT_CONTENT)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        async with BotApiSimulator(token=TOKEN, bot_username="loaphuong_bot") as sim:
            config = write_config(folder, sim.base_url)
            if rtt_ms > 0:  # every answer but getUpdates held back, then delivered
                sim.faults.add(status="timeout", probability=1.0, delay=rtt_ms / 1000)
            async with Database(folder / "bench.sqlite3") as db:
                for n in range(leaders_n):
                    await add_leader(db, 20_000 + n, f"TT{n}", f"Tổ {n + 1}")
            log = open(os.environ.get("BENCH_LOG", os.devnull), "ab")  # noqa: SIM115
            proc = subprocess.Popen(
                [sys.executable, __file__, "--serve", mode, "--config", str(config)],
                cwd=ROOT,
                stdout=log,
                stderr=log,
                env={k: v for k, v in os.environ.items() if k != "BOT_TOKEN"},
            )
            try:
                warm = sim.user(19_999, "Khởi động")
                await warm.send("/start")
                await warm.expect_reply(timeout=60)
                actions = script(pack)
                leaders = [
                    Leader(sim.user(20_000 + n, f"TT{n}"), actions) for n in range(leaders_n)
                ]
                started = time.perf_counter()
                await asyncio.gather(*(run_leader(sim, leader, 120.0) for leader in leaders))
                wall = time.perf_counter() - started
            finally:
                proc.send_signal(signal.SIGINT)
                proc.wait(timeout=30)
                log.close()
    latencies = [x for leader in leaders for x in leader.latencies]
    assert all(leader.receipt for leader in leaders)
    return {
        "steps": len(latencies),
        "wall": wall,
        "rate": len(latencies) / wall,
        "p50": percentile(latencies, 0.50) * 1000,
        "p99": percentile(latencies, 0.99) * 1000,
    }


def span(values: list[float], fmt: str = "{:.0f}") -> str:
    return f"{fmt.format(min(values))}..{fmt.format(max(values))}"


async def main(leaders_n: int, repeat: int, rtt_ms: float) -> None:
    results: dict[str, list[dict[str, float]]] = {mode: [] for mode in MODES}
    for run in range(1, repeat + 1):
        for mode in MODES:
            result = await one_run(mode, leaders_n, rtt_ms)
            results[mode].append(result)
            print(
                f"run {run} {mode:<10} {result['steps']:.0f} steps in {result['wall']:.1f} s: "
                f"{result['rate']:.0f} steps/s, p50 {result['p50']:.0f} ms, "
                f"p99 {result['p99']:.0f} ms",
                flush=True,
            )
    print(
        f"\n{leaders_n} leaders × 11 steps, {repeat} runs per mode (min..max), "
        f"Bot API round trip {rtt_ms:.0f} ms"
    )
    print(f"{'mode':<11}{'steps/s':>14}{'p50 ms':>14}{'p99 ms':>14}")
    for mode in MODES:
        rows = results[mode]
        print(
            f"{mode:<11}{span([r['rate'] for r in rows]):>14}"
            f"{span([r['p50'] for r in rows]):>14}{span([r['p99'] for r in rows]):>14}"
        )
    for base in ("sequential", "ordered"):
        ratios = [
            d["rate"] / b["rate"] for d, b in zip(results["durable"], results[base], strict=True)
        ]
        p99 = [d["p99"] / b["p99"] for d, b in zip(results["durable"], results[base], strict=True)]
        print(f"durable / {base}: steps/s ×{span(ratios, '{:.2f}')}, p99 ×{span(p99, '{:.2f}')}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leaders", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--rtt", type=float, default=0.0, help="Bot API round trip, ms")
    parser.add_argument("--serve", choices=MODES, help=argparse.SUPPRESS)
    parser.add_argument("--config", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        sys.exit(serve(args.serve, args.config))
    asyncio.run(main(args.leaders, args.repeat, args.rtt))
