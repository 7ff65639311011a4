"""The aiohttp transport for python-telegram-bot: what PTB expects of a BaseRequest.

Uploads, form fields and ordinary answers are exercised by the whole suite (every test talks
to the simulator through it; tests/test_people_chat.py checks an uploaded PNG byte for byte).
Here: the failure mapping PTB's retry and error handling rely on (a slow server is TimedOut,
a refused connection is NetworkError) and that PTB's per-call timeouts are honoured.
"""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData
from telegram.request._requestparameter import RequestParameter

from bot.channels.aiohttp_request import (
    CONNECT_TIMEOUT,
    POOL_TIMEOUT,
    READ_TIMEOUT,
    AiohttpRequest,
    client_timeout,
    env_proxy,
)


@pytest.fixture
async def slow_server() -> AsyncIterator[str]:
    """A server that answers /fast at once and /slow after half a second."""

    async def fast(request: web.Request) -> web.Response:
        form = await request.post()
        return web.json_response({"ok": True, "result": dict(form)})

    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(0.5)
        return web.json_response({"ok": True, "result": True})

    app = web.Application()
    app.router.add_post("/fast", fast)
    app.router.add_post("/slow", slow)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_form_fields_arrive_and_the_answer_comes_back(slow_server: str) -> None:
    """PTB's post(): parameters go out form-encoded (JSON for nested values) and the
    `result` of the answer comes back parsed."""
    request = AiohttpRequest()
    await request.initialize()
    try:
        data = RequestData(
            [
                RequestParameter.from_input("chat_id", 5),
                RequestParameter.from_input("text", "Xin chào <b>tổ 5</b> & mọi người"),
                RequestParameter.from_input("reply_markup", {"inline_keyboard": []}),
            ]
        )
        result = await request.post(f"{slow_server}/fast", request_data=data, read_timeout=2)
        assert isinstance(result, dict)
        assert result["chat_id"] == "5"
        assert result["text"] == "Xin chào <b>tổ 5</b> & mọi người"
        assert json.loads(result["reply_markup"]) == {"inline_keyboard": []}
    finally:
        await request.shutdown()


async def test_a_slow_answer_is_timed_out_with_the_callers_read_timeout(slow_server: str) -> None:
    request = AiohttpRequest()
    await request.initialize()
    try:
        with pytest.raises(TimedOut):
            await request.do_request(f"{slow_server}/slow", "POST", read_timeout=0.1)
        status, _ = await request.do_request(f"{slow_server}/slow", "POST", read_timeout=2)
        assert status == 200
    finally:
        await request.shutdown()


async def test_a_refused_connection_is_a_network_error() -> None:
    request = AiohttpRequest()
    await request.initialize()
    try:
        with pytest.raises(NetworkError) as caught:
            await request.do_request(f"http://127.0.0.1:{free_port()}/x", "POST")
        assert not isinstance(caught.value, TimedOut)
        assert "aiohttp." in str(caught.value)
    finally:
        await request.shutdown()


async def test_not_initialized_is_a_clear_error() -> None:
    with pytest.raises(RuntimeError, match="not initialized"):
        await AiohttpRequest().do_request("http://127.0.0.1:1/x", "POST")


def test_ptb_timeouts_map_to_aiohttp_ones() -> None:
    """aiohttp's `connect` covers waiting for a free connection and opening a new one, so it
    gets pool + connect: a slow TLS handshake after a quiet spell is not cut at the 1 s pool
    limit. Uploads get write + read as a total; None means no limit, as in PTB."""
    default = BaseRequest.DEFAULT_NONE
    plain = client_timeout(False, default, default, default, default)
    assert (plain.total, plain.connect, plain.sock_connect, plain.sock_read) == (
        None, POOL_TIMEOUT + CONNECT_TIMEOUT, CONNECT_TIMEOUT, READ_TIMEOUT,
    )  # fmt: skip
    poll = client_timeout(False, 15.0, default, 5.0, 2.0)  # getUpdates: read + long poll
    assert (poll.connect, poll.sock_connect, poll.sock_read) == (7.0, 5.0, 15.0)
    own = client_timeout(False, default, default, default, default, default_read=0.5)
    assert own.sock_read == 0.5  # AiohttpRequest(read_timeout=…) is the default for reads
    upload = client_timeout(True, 5.0, 20.0, default, default)
    assert upload.total == 25.0
    unlimited = client_timeout(True, None, None, None, 1.0)
    assert (unlimited.total, unlimited.connect, unlimited.sock_read) == (None, None, None)


def test_proxies_come_from_the_environment_once_per_host(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.phuong.local:3128")
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.phuong.local:3128")
    monkeypatch.setenv("NO_PROXY", "noi-bo.phuong.local")
    env_proxy.cache_clear()
    try:
        assert env_proxy("https", "api.telegram.org") == "http://proxy.phuong.local:3128"
        assert env_proxy("http", "127.0.0.1") is None  # the simulator, on loopback
        assert env_proxy("https", "noi-bo.phuong.local") is None  # NO_PROXY
    finally:
        env_proxy.cache_clear()
