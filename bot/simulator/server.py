"""`BotApiSimulator`: the simulated Telegram Bot API server on loopback HTTP (aiohttp).

Routes:
    /bot<TOKEN>/<method>          the Bot API (GET or POST; query, form, multipart or JSON)
    /file/bot<TOKEN>/<file_path>  file downloads, as returned by getFile
    /_sim/...                     the JSON control API (see control.py)

Point python-telegram-bot at it with `ApplicationBuilder().base_url(sim.base_url)
.base_file_url(sim.base_file_url)` (or `Bot(token, base_url=..., base_file_url=...)`).
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import json
import logging
import time
from types import TracebackType
from typing import Any

from aiohttp import web

from bot.simulator.control import add_control_routes
from bot.simulator.limits import Limits
from bot.simulator.methods import METHODS
from bot.simulator.state import SimState
from bot.simulator.validate import ApiError, Params, Upload, bad_request

log = logging.getLogger(__name__)

MAX_REQUEST = 60 * 1024 * 1024  # uploads go up to 50 MB on Telegram


def json_response(payload: Any, status: int = 200) -> web.Response:
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return web.Response(body=body, status=status, content_type="application/json")


_NOT_FOUND = {"ok": False, "error_code": 404, "description": "Not Found"}
_UNAUTHORIZED = {"ok": False, "error_code": 401, "description": "Unauthorized"}


class BotApiSimulator(SimState):
    """A local Telegram Bot API server for the demo, the tests and the benchmarks.

    >>> async with BotApiSimulator(token="123456:TEST-TOKEN") as sim:
    ...     user = sim.user(1001, first_name="Lan")
    ...     await user.send("/start")
    ...     reply = await user.expect_reply()
    """

    def __init__(
        self,
        token: str = "123456:TEST-TOKEN",
        bot_username: str = "loaphuong_bot",
        limits: Limits | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        bot_name: str = "Loa Phường",
        privacy_mode: bool = True,
        seed: int | None = None,
    ) -> None:
        super().__init__(
            token, bot_username, limits, bot_name=bot_name, privacy_mode=privacy_mode, seed=seed
        )
        self.host = host
        self.port = port
        self._runner: web.AppRunner | None = None
        self._closing: asyncio.Event | None = None

    # ---------------------------------------------------------------- addresses

    @property
    def url(self) -> str:
        """The server's root URL, e.g. http://127.0.0.1:40123."""
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """For PTB's base_url: it appends the token and the method name."""
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        return f"{self.url}/file/bot"

    @property
    def control_url(self) -> str:
        return f"{self.url}/_sim"

    # ---------------------------------------------------------------- lifecycle

    def build_app(self) -> web.Application:
        app = web.Application(client_max_size=MAX_REQUEST)
        app.router.add_route("*", "/bot{token}/{method}", self._api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._file)
        add_control_routes(app, self)
        app.router.add_route("*", "/{tail:.*}", self._not_found)
        return app

    async def start(self) -> BotApiSimulator:
        if self._runner is not None:
            return self
        self._closing = asyncio.Event()
        runner = web.AppRunner(
            self.build_app(), access_log=None, handle_signals=False, shutdown_timeout=1.0
        )
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port, backlog=1024)
        try:
            await site.start()
        except OSError:
            await runner.cleanup()
            raise
        self.port = runner.addresses[0][1]
        self._runner = runner
        return self

    async def stop(self) -> None:
        runner, self._runner = self._runner, None
        if runner is None:
            return
        if self._closing is not None:
            self._closing.set()
        self.updates.wake("closing")
        await runner.cleanup()

    async def __aenter__(self) -> BotApiSimulator:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    # ---------------------------------------------------------------- Bot API

    async def _params(self, request: web.Request) -> Params:
        args: dict[str, str] = dict(request.query)
        files: dict[str, Upload] = {}
        if request.body_exists:
            content_type = request.content_type
            if content_type == "application/json":
                raw = await request.read()
                if raw.strip():
                    try:
                        body = json.loads(raw)
                    except ValueError:
                        raise bad_request("can't parse JSON encoded request") from None
                    args.update(Params.from_json(body).args)
            elif content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
                try:
                    form = await request.post()
                except web.HTTPRequestEntityTooLarge:
                    raise ApiError(413, "Request Entity Too Large") from None
                for key, value in form.items():
                    if isinstance(value, web.FileField):
                        files[key] = Upload(
                            value.filename or key, value.content_type, value.file.read()
                        )
                    elif isinstance(value, bytes | bytearray):
                        # aiohttp hands a part with a non-text content type over as bytearray.
                        args[key] = value.decode("utf-8", "replace")
                    else:
                        args[key] = value
        return Params(args, files)

    async def _api(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            self.stats.responses[401] += 1
            return json_response(_UNAUTHORIZED, 401)
        name = request.match_info["method"]
        key = name.lower()
        entry = METHODS.get(key)
        if entry is None:
            self.stats.requests[name] += 1
            self.stats.responses[404] += 1
            return json_response(_NOT_FOUND, 404)
        canonical, func = entry
        self.stats.requests[canonical] += 1
        polling = key == "getupdates"
        if not polling:
            self._inflight += 1
            self.touch()
        hold: float | None = None
        params: Params | None = None
        try:
            params = await self._params(request)
            rule = self.faults.match(key, params.string("chat_id"))
            if rule is not None:
                self.stats.faults[canonical] += 1
                if rule.status != "timeout":
                    raise rule.error()
                hold = rule.delay if rule.delay is not None else self.faults.timeout_delay
            if rule is not None and not rule.deliver:
                payload: dict[str, Any] = ApiError(504, "Gateway Timeout").envelope()
                status = 504
            else:
                result = func(self, params)
                if inspect.isawaitable(result):
                    result = await result
                payload, status = {"ok": True, "result": result}, 200
        except ApiError as err:
            payload, status = err.envelope(), err.code
            self._failed(canonical, params, status, err.description)
        except Exception:
            log.exception("simulator bug while handling %s", canonical)
            payload = ApiError(500, "Internal Server Error").envelope()
            status = 500
            self._failed(canonical, params, status, "Internal Server Error (simulator bug)")
        finally:
            if not polling:
                self._inflight -= 1
                self.touch()
        self.stats.responses[status] += 1
        if hold is not None:
            await self._hold(hold)
        return json_response(payload, status)

    def _failed(self, method: str, params: Params | None, code: int, description: str) -> None:
        self.stats.errors[description] += 1
        self.failed_calls.append(
            {
                "method": method,
                "chat_id": (params.string("chat_id") or "").strip() if params else None,
                "code": code,
                "description": description,
                "time": time.monotonic(),
            }
        )

    async def _hold(self, delay: float) -> None:
        """Keep a response back (a simulated timeout); cut short when the server stops."""
        closing = self._closing
        if closing is None:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(closing.wait(), delay)

    async def _file(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return json_response(_UNAUTHORIZED, 401)
        record = self.files_by_path.get(request.match_info["path"])
        if record is None:
            return json_response(_NOT_FOUND, 404)
        return web.Response(
            body=record.data, content_type=record.mime_type or "application/octet-stream"
        )

    async def _not_found(self, request: web.Request) -> web.Response:
        return json_response(_NOT_FOUND, 404)
