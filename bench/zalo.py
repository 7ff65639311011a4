"""Benchmark: Zalo beside Telegram in one run — 200 leaders filing reports, a 1,000-recipient
broadcast, and the window in which a polled Zalo update could be lost.

One process holds the bot (Telegram and Zalo channels, as shipped) and both fakes (the Bot
API simulator and the fake Zalo Bot Platform) on loopback, so both channels pay the same
costs. Phases, each on a fresh database:

1. reports: `--leaders` leaders on Telegram each file the eleven steps of a report at once
   (buttons), then as many on Zalo (typed numbers). Steps/s over the wall time, step p50/p99
   from the leader's action until the next question is on screen; the ratio Zalo/Telegram.
2. broadcast: `--recipients` Zalo leaders get one broadcast at `[zalo] per_second`
   (`--per-second`); rate = recipients / (last send - first send); every recipient must get
   it exactly once (lost and duplicated counted).
3. durability window: for every polled Zalo update, the time from getUpdates' answer
   arriving to the update being on disk (ZaloReceiver.accept returning). Zalo's polling has
   no offset: an update handed out in that window is lost if the process dies then.

Run:  .venv/bin/python bench/zalo.py [--leaders 200] [--recipients 1000] [--per-second 20]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot import texts  # noqa: E402
from bot.addresses import ZALO, Address  # noqa: E402
from bot.app import build_application, running  # noqa: E402
from bot.channels import zalo_inbox  # noqa: E402
from bot.config import parse_config  # noqa: E402
from bot.content import load_pack  # noqa: E402
from bot.delivery import Audience, AudienceKind, OutMessage, create_broadcast  # noqa: E402
from bot.report_parse import topics  # noqa: E402
from bot.rich import rich  # noqa: E402
from bot.services import BOT_DATA_KEY  # noqa: E402
from bot.simulator import BotApiSimulator  # noqa: E402
from bot.simulator.zalo import ZaloSimulator, ZaloUser  # noqa: E402
from tests.report_driver import Leader, percentile, run_leader, script  # noqa: E402
from tests.report_helpers import add_leader  # noqa: E402

TOKEN, ZALO_TOKEN = "424243:BENCH-zalo-tg", "424244:BENCH-zalo"
STAMP = "2026-01-01T00:00:00Z"


def config_for(tmp: Path, sim: BotApiSimulator, zalo: ZaloSimulator, per_second: float) -> Any:
    return parse_config(
        {
            "telegram": {"token": TOKEN, "base_url": sim.base_url},
            "zalo": {
                "token": ZALO_TOKEN,
                "base_url": zalo.base_url,
                "poll_timeout": 1,
                "per_second": per_second,
            },
            "storage": {"database": str(tmp / "b.sqlite3"), "media": str(tmp / "m")},
            "limits": {"updates_burst": 1000, "updates_per_second": 1000.0},
        },
        env={},
    )


async def zalo_leader(svc: Any, user: ZaloUser, unit: str) -> None:
    """A consented leader reached on Zalo only."""
    local = await svc.directory.local(Address(ZALO, user.user_id))
    await svc.db.execute(
        "INSERT INTO people (user_id, first_name, role, consent_at, consent_version,"
        " notifications, reachable, created_at, updated_at)"
        " VALUES (?, ?, 'leader', ?, 'v1', 1, 1, ?, ?)",
        (local, user.display_name, STAMP, STAMP, STAMP),
    )
    unit_id = await svc.db.execute(
        "INSERT INTO units (code, name, created_at, updated_at) VALUES (?, ?, ?, ?)",
        (unit, f"Tổ {unit}", STAMP, STAMP),
    )
    await svc.db.execute(
        "INSERT INTO unit_leaders (unit_id, user_id, since) VALUES (?, ?, ?)",
        (unit_id, local, STAMP),
    )


def number_of(text: str, label: str) -> str:
    for line in text.splitlines():
        head, _, rest = line.partition(". ")
        if head.isdigit() and (rest == label or rest.startswith(label)):
            return head
    raise LookupError(f"{label!r} not in {text[-300:]!r}")


async def zalo_report(user: ZaloUser, pack: Any) -> list[float]:
    """The eleven steps on Zalo, each answered by a number read off the last screen."""
    first, second = topics(pack)[0].title, topics(pack)[2].title
    steps: list[tuple[str | None, str, str]] = [
        (None, "/baocao", texts.R_Q_DATE),
        (texts.R_BTN_TODAY, "", texts.R_Q_FORM),
        (texts.R_FORM_LABELS["hop_to"], "", texts.R_Q_TOPICS),
        (first, "", "✅ " + first),
        (second, "", "✅ " + second),
        (texts.r_btn_topics_done(2), "", texts.R_Q_ATTENDANCE),
        (None, "35", texts.R_Q_NOTES),
        (texts.R_BTN_SKIP, "", texts.R_Q_PHOTOS),
        (texts.R_BTN_DONE, "", texts.R_Q_DIFFICULTIES),
        (texts.R_BTN_NONE, "", "Kiểm tra báo cáo"),
        (texts.R_BTN_SEND, "", "Đã gửi báo cáo số"),
    ]
    latencies: list[float] = []
    last = ""
    for label, typed, wanted in steps:
        message = typed if label is None else number_of(last, label)
        started = time.perf_counter()
        await user.send(message)
        while True:
            reply = await user.expect_reply(timeout=60)
            if wanted in reply.text:
                break
        latencies.append(time.perf_counter() - started)
        last = reply.text
    return latencies


async def reports_phase(leaders: int, per_second: float) -> dict[str, tuple[float, float, float]]:
    found: dict[str, tuple[float, float, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        async with BotApiSimulator(token=TOKEN) as sim, ZaloSimulator(token=ZALO_TOKEN) as zalo:
            config = config_for(Path(tmp), sim, zalo, per_second)
            pack = load_pack(config.content.path)
            app = build_application(config, pack)
            async with running(app):
                svc = app.bot_data[BOT_DATA_KEY]
                people = []
                for i in range(leaders):
                    await add_leader(svc.db, 700_000 + i, f"L{i}", f"Tổ T{i}")
                    people.append(Leader(sim.user(700_000 + i, f"L{i}"), script(pack)))
                started = time.perf_counter()
                await asyncio.gather(*(run_leader(sim, leader, 60.0) for leader in people))
                wall = time.perf_counter() - started
                steps = [x for leader in people for x in leader.latencies]
                found["telegram"] = (
                    len(steps) / wall,
                    percentile(steps, 0.5),
                    percentile(steps, 0.99),
                )

                users = []
                for i in range(leaders):
                    user = zalo.user(f"zl-{i:04d}", f"Z{i}")
                    await zalo_leader(svc, user, f"Z{i:04d}")
                    users.append(user)
                started = time.perf_counter()
                runs = await asyncio.gather(*(zalo_report(u, pack) for u in users))
                wall = time.perf_counter() - started
                steps = [x for run in runs for x in run]
                found["zalo"] = (len(steps) / wall, percentile(steps, 0.5), percentile(steps, 0.99))
                reports = await svc.db.fetchval("SELECT COUNT(*) FROM reports")
                assert reports == 2 * leaders, reports
    return found


async def broadcast_phase(recipients: int, per_second: float) -> tuple[float, int, int]:
    with tempfile.TemporaryDirectory() as tmp:
        async with BotApiSimulator(token=TOKEN) as sim, ZaloSimulator(token=ZALO_TOKEN) as zalo:
            config = config_for(Path(tmp), sim, zalo, per_second)
            app = build_application(config, load_pack(config.content.path))
            async with running(app):
                svc = app.bot_data[BOT_DATA_KEY]
                for i in range(recipients):
                    await zalo_leader(svc, zalo.user(f"zb-{i:05d}", f"B{i}"), f"B{i:05d}")
                broadcast_id, count = await create_broadcast(
                    svc.db,
                    svc.clock.now(),
                    created_by=0,
                    message=OutMessage(rich("Thông báo họp tổ dân phố tối thứ Bảy")),
                    audience=Audience(AudienceKind.LEADERS),
                    urgent=False,
                )
                assert count == recipients
                await svc.delivery.enqueue(broadcast_id)
                deadline = time.monotonic() + recipients / per_second * 3 + 30
                while len(zalo.sent) < recipients and time.monotonic() < deadline:
                    await asyncio.sleep(0.2)
                await asyncio.sleep(1.0)  # anything sent twice would arrive by now
                dates = sorted(m.date for m in zalo.sent)
                got = {m.chat_id for m in zalo.sent}
                lost = recipients - len(got)
                duplicated = len(zalo.sent) - len(got)
                span = (dates[-1] - dates[0]) / 1000 if len(dates) > 1 else 0.0
                rate = (len(dates) - 1) / span if span else 0.0
    return rate, lost, duplicated


async def window_phase(updates: int) -> list[float]:
    """getUpdates' answer → the update on disk, for `updates` polled updates."""
    seen: list[float] = []
    original = zalo_inbox.ZaloReceiver.accept

    async def timed(self: Any, body: object) -> bool:
        started = time.perf_counter()
        result = await original(self, body)
        seen.append(time.perf_counter() - started)
        return result

    zalo_inbox.ZaloReceiver.accept = timed  # type: ignore[method-assign]
    try:
        with tempfile.TemporaryDirectory() as tmp:
            async with (
                BotApiSimulator(token=TOKEN) as sim,
                ZaloSimulator(token=ZALO_TOKEN) as zalo,
            ):
                config = config_for(Path(tmp), sim, zalo, 20.0)
                app = build_application(config, load_pack(config.content.path))
                async with running(app):
                    users = [zalo.user(f"zw-{i:04d}", f"W{i}") for i in range(updates)]
                    for user in users:
                        await user.send("/muctieu")
                    for user in users:
                        await user.expect_reply(timeout=60)
    finally:
        zalo_inbox.ZaloReceiver.accept = original  # type: ignore[method-assign]
    return seen


async def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--leaders", type=int, default=200)
    parser.add_argument("--recipients", type=int, default=1000)
    parser.add_argument("--per-second", type=float, default=20.0)
    parser.add_argument("--window-updates", type=int, default=300)
    args = parser.parse_args()

    found = await reports_phase(args.leaders, args.per_second)
    tg, za = found["telegram"], found["zalo"]
    print(f"reports, {args.leaders} leaders per channel (11 steps each):")
    print(
        f"  Telegram  {tg[0]:7.1f} steps/s  p50 {tg[1] * 1000:6.1f} ms  p99 {tg[2] * 1000:6.1f} ms"
    )
    print(
        f"  Zalo      {za[0]:7.1f} steps/s  p50 {za[1] * 1000:6.1f} ms  p99 {za[2] * 1000:6.1f} ms"
    )
    print(f"  ratio Zalo/Telegram: steps/s {za[0] / tg[0]:.2f}, p99 {za[2] / tg[2]:.2f}")

    rate, lost, duplicated = await broadcast_phase(args.recipients, args.per_second)
    print(f"broadcast to {args.recipients} Zalo leaders at [zalo] per_second = {args.per_second}:")
    print(f"  {rate:.2f} messages/s (ratio to the setting {rate / args.per_second:.3f}),"
          f" lost {lost}, duplicated {duplicated}")  # fmt: skip

    window = await window_phase(args.window_updates)
    ms = sorted(x * 1000 for x in window)
    print(f"durability window over {len(ms)} polled updates (answer → on disk):")
    p99 = percentile(ms, 0.99)
    print(f"  p50 {statistics.median(ms):.2f} ms  p99 {p99:.2f} ms  max {ms[-1]:.2f} ms")
    return 0 if lost == 0 and duplicated == 0 else 1


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
