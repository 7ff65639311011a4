"""`python -m bot run` failing at start-up, and `python -m bot simulator`, as real processes.

A refused token, a base_url that is not a Bot API and an unreachable one each end with one
Vietnamese line naming the key and the fix, a non-zero exit, and never the token — not in
the log (at DEBUG), not in a traceback. Uncaught exceptions in any thread and the event
loop's handler are redacted too.
"""

from __future__ import annotations

import asyncio
import os
import socket
import sys
import textwrap
from pathlib import Path

import aiohttp

from bot import texts
from bot.config import DEFAULT_CONTENT
from bot.simulator import BotApiSimulator

from .conftest import TOKEN

PROJECT = Path(__file__).resolve().parent.parent
WRONG_TOKEN = "123456:WRONG-secret-part-xyz"
TIMEOUT = 30.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "BOT_TOKEN"}
    env["LOA_LOG_LEVEL"] = "DEBUG"  # the most the bot can say about itself
    env["PYTHONUNBUFFERED"] = "1"
    return env


async def run_bot(tmp_path: Path, token: str, base_url: str) -> tuple[int, str]:
    config = tmp_path / "config.toml"
    config.write_text(
        textwrap.dedent(
            f"""\
            [telegram]
            token = "{token}"
            base_url = "{base_url}"
            [storage]
            database = "{tmp_path / "data" / "loa.sqlite3"}"
            media = "{tmp_path / "data" / "media"}"
            [content]
            path = "{DEFAULT_CONTENT}"
            """
        ),
        encoding="utf-8",
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        "--config",
        str(config),
        cwd=tmp_path,
        env=environment(),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(process.communicate(), TIMEOUT)
    assert process.returncode is not None
    return process.returncode, output.decode("utf-8", "replace")


def assert_no_secret(output: str, token: str) -> None:
    secret = token.split(":", 1)[1]
    assert token not in output and secret not in output, output[-2000:]


def last_line(output: str) -> str:
    return output.strip().splitlines()[-1]


async def test_wrong_token(tmp_path: Path, sim: BotApiSimulator) -> None:
    code, output = await run_bot(tmp_path, WRONG_TOKEN, sim.base_url)
    assert code != 0
    assert_no_secret(output, WRONG_TOKEN)
    assert "getMe" in output  # DEBUG logging was on: the bot did talk to the server
    line = last_line(output)
    assert line.startswith("Lỗi cấu hình [telegram] token:") and "Cách sửa" in line
    assert line == texts.config_error(
        "[telegram] token", texts.STARTUP_TOKEN_REFUSED, texts.CFG_FIX_TOKEN
    )


async def test_base_url_that_is_not_a_bot_api(tmp_path: Path, sim: BotApiSimulator) -> None:
    # The right token, but a typo in the path: PTB calls this a rejected token as well.
    code, output = await run_bot(tmp_path, TOKEN, f"{sim.url}/bto")
    assert code != 0
    assert_no_secret(output, TOKEN)
    line = last_line(output)
    assert line.startswith("Lỗi cấu hình [telegram] base_url:"), line
    assert f"{sim.url}/bto" in line and "Cách sửa" in line


async def test_unreachable_base_url(tmp_path: Path) -> None:
    port = free_port()  # nothing listens there any more
    started = asyncio.get_running_loop().time()
    code, output = await run_bot(tmp_path, TOKEN, f"http://127.0.0.1:{port}/bot")
    assert asyncio.get_running_loop().time() - started < 20  # one attempt, no retry loop
    assert code != 0
    assert_no_secret(output, TOKEN)
    line = last_line(output)
    assert line.startswith("Lỗi cấu hình [telegram] base_url:"), line
    assert f"127.0.0.1:{port}" in line
    assert "Unclosed client session" not in output


async def test_any_other_start_up_failure(tmp_path: Path, sim: BotApiSimulator) -> None:
    # The database path is a folder: SQLite cannot open it, after getMe succeeded.
    (tmp_path / "data" / "loa.sqlite3").mkdir(parents=True)
    code, output = await run_bot(tmp_path, TOKEN, sim.base_url)
    assert code != 0
    assert_no_secret(output, TOKEN)
    line = last_line(output)
    assert line.startswith("Bot đã dừng vì lỗi:") and "Cách sửa" in line, line


CRASH = """
import asyncio, logging, sys, threading
from bot.logs import install_excepthooks, protect, setup_logging
TOKEN = sys.argv[1]
protect(TOKEN)
install_excepthooks()
setup_logging(logging.DEBUG)

def in_thread():
    raise RuntimeError(f"thread failed calling https://api.telegram.org/bot{TOKEN}/getMe")

thread = threading.Thread(target=in_thread, name="worker")
thread.start()
thread.join()

async def task():
    raise ValueError(f"task failed with {TOKEN}")

async def main():
    asyncio.get_running_loop().create_task(task())  # never awaited: the loop's handler
    await asyncio.sleep(0.05)

asyncio.run(main())
import gc; gc.collect()
raise RuntimeError(f"The token `{TOKEN}` was rejected by the server.")
"""


async def test_crashes_never_print_the_token() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        CRASH,
        WRONG_TOKEN,
        cwd=PROJECT,
        env=environment(),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output = (await asyncio.wait_for(process.communicate(), TIMEOUT))[0].decode()
    assert process.returncode == 1
    assert_no_secret(output, WRONG_TOKEN)
    # all three were printed, redacted
    assert "Exception in thread worker" in output and "thread failed calling" in output
    assert "task failed with" in output
    assert "RuntimeError: The token `" in output and "was rejected" in output


async def test_simulator_command_takes_options() -> None:
    """The documented `python -m bot simulator --port N` (argparse.REMAINDER refused it)."""
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "simulator",
        "--port",
        str(port),
        "--token",
        TOKEN,
        cwd=PROJECT,
        env=environment(),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    assert process.stdout is not None
    try:
        seen = []
        while True:
            raw = await asyncio.wait_for(process.stdout.readline(), TIMEOUT)
            assert raw, f"the simulator stopped: {b''.join(seen)!r}"
            seen.append(raw)
            if b"listening" in raw:
                break
        assert f"127.0.0.1:{port}".encode() in raw
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"http://127.0.0.1:{port}/bot{TOKEN}/getMe") as response,
        ):
            body = await response.json()
        assert response.status == 200 and body["ok"] is True
        assert body["result"]["is_bot"] is True
    finally:
        if process.returncode is None:
            process.terminate()
        await asyncio.wait_for(process.wait(), TIMEOUT)
    assert process.returncode == 0  # SIGTERM: a clean stop
