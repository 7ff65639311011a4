"""`python -m bot.simulator`: run the Bot API simulator on its own until Ctrl+C.

It prints the addresses to use: PTB's `base_url` / `base_file_url` and the /_sim/ control
API, so a bot in another process (the interactive demo, a benchmark) can be pointed at it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys

from bot.simulator.limits import Limits
from bot.simulator.server import BotApiSimulator


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot.simulator",
        description="Local Telegram Bot API simulator (loopback HTTP).",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8081, help="port (0 picks a free one)")
    parser.add_argument("--token", default="123456:TEST-TOKEN", help="the only accepted token")
    parser.add_argument("--bot-username", default="loaphuong_bot")
    parser.add_argument(
        "--limits", action="store_true", help="enforce Telegram's flood limits (30/s, 1/s, 20/min)"
    )
    parser.add_argument("--no-privacy", action="store_true", help="turn group privacy mode off")
    parser.add_argument("--seed", type=int, default=None, help="seed for random faults")
    return parser


async def _serve(args: argparse.Namespace) -> int:
    sim = BotApiSimulator(
        token=args.token,
        bot_username=args.bot_username,
        limits=Limits() if args.limits else None,
        host=args.host,
        port=args.port,
        privacy_mode=not args.no_privacy,
        seed=args.seed,
    )
    try:
        await sim.start()
    except OSError as exc:
        print(f"cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    print(f"Bot API simulator listening on {sim.url}", flush=True)
    print(f"base_url={sim.base_url}", flush=True)
    print(f"base_file_url={sim.base_file_url}", flush=True)
    print(f"control_url={sim.control_url}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):  # not on Windows
            loop.add_signal_handler(signum, stop.set)
    try:
        await stop.wait()
    finally:
        await sim.stop()
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return asyncio.run(_serve(args))
    except KeyboardInterrupt:
        return 0
