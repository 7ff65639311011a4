"""Issue 12, item 8: `python -m bot run` on Zalo alone, as a real process: it serves a Zalo
user with `[telegram]` left out of the config, stops cleanly on SIGTERM, and a Zalo token
or address the platform refuses ends with one line naming the key — never the token, even
with the log at DEBUG."""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path

from bot import texts
from bot.config import DEFAULT_CONTENT
from bot.simulator.zalo import ZaloSimulator

from .test_startup import TIMEOUT, assert_no_secret, environment, free_port, last_line

ZALO_TOKEN = "5550003:ZALO-RUN-SECRET-part"


def zalo_config(tmp_path: Path, token: str, base_url: str) -> Path:
    config = tmp_path / "config.toml"
    config.write_text(
        f'[zalo]\ntoken = "{token}"\nbase_url = "{base_url}"\npoll_timeout = 1.0\n'
        f'[storage]\ndatabase = "{tmp_path / "data" / "loa.sqlite3"}"\n'
        f'media = "{tmp_path / "data" / "media"}"\n[content]\npath = "{DEFAULT_CONTENT}"\n',
        encoding="utf-8",
    )
    return config


async def start(tmp_path: Path, config: Path) -> asyncio.subprocess.Process:
    env = environment()
    env.pop("ZALO_BOT_TOKEN", None)
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", "--config", str(config), cwd=tmp_path, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip


async def finish(process: asyncio.subprocess.Process) -> bytes:
    """The process's output once it ended; killed if it does not end in time (a hang is a
    failure, never a process left behind)."""
    try:
        output, _ = await asyncio.wait_for(process.communicate(), TIMEOUT)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise
    return output


async def test_the_bot_runs_on_zalo_alone_and_stops_on_sigterm(tmp_path: Path) -> None:
    async with ZaloSimulator(token=ZALO_TOKEN) as zalo:
        process = await start(tmp_path, zalo_config(tmp_path, ZALO_TOKEN, zalo.base_url))
        try:
            lan = zalo.user("z-run-lan", "Lan")
            await lan.send("/start")
            welcome = await lan.expect_reply(timeout=TIMEOUT)
            assert welcome.text.startswith("Chào Lan, đây là Loa Phường")
            await lan.send("/dotpha")
            assert "đột phá" in (await lan.expect_reply(timeout=TIMEOUT)).text.lower()
        finally:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
            output = await finish(process)
    text = output.decode("utf-8", "replace")
    assert process.returncode == 0, text[-2000:]
    assert_no_secret(text, ZALO_TOKEN)
    assert "serving Zalo only" in text  # DEBUG was on: the bot said much, never the token
    for noise in ("Traceback", "Unclosed", "was destroyed but it is pending"):
        assert noise not in text, text[-2000:]


async def test_a_zalo_token_the_platform_refuses(tmp_path: Path) -> None:
    async with ZaloSimulator(token="5550003:THE-RIGHT-ONE") as zalo:
        process = await start(tmp_path, zalo_config(tmp_path, ZALO_TOKEN, zalo.base_url))
        output = await finish(process)
    text = output.decode("utf-8", "replace")
    assert process.returncode == 2, text[-2000:]
    assert_no_secret(text, ZALO_TOKEN)
    assert last_line(text) == texts.config_error(
        "[zalo] token", texts.STARTUP_ZALO_TOKEN_REFUSED, texts.CFG_FIX_ZALO_TOKEN
    )


async def test_an_unreachable_zalo_address(tmp_path: Path) -> None:
    port = free_port()
    config = zalo_config(tmp_path, ZALO_TOKEN, f"http://127.0.0.1:{port}")
    process = await start(tmp_path, config)
    output = await finish(process)
    text = output.decode("utf-8", "replace")
    assert process.returncode == 2, text[-2000:]
    assert_no_secret(text, ZALO_TOKEN)
    line = last_line(text)
    assert line.startswith("Lỗi cấu hình [zalo] base_url:") and f"127.0.0.1:{port}" in line
