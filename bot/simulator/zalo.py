"""`ZaloSimulator`: a fake Zalo Bot Platform on loopback HTTP, for tests, benchmarks and the demo.

Faithful to the platform's documented shapes (docs/architecture.md, "Zalo"): POST
`/bot<TOKEN>/<method>` with a JSON body; the envelope `{"ok": true, "result": …}` or
`{"ok": false, "error_code": …, "description": …}`; string ids; dates in epoch milliseconds;
`getUpdates` answers **one** update (no update_id, no offset) or 408 when nothing came within
its timeout, and fails while a webhook is set; `sendMessage` takes 1–2,000 characters
(counted in UTF-16 units) of plain text, no buttons; `sendPhoto` takes a URL. With a webhook
set, each update is POSTed to it with the `X-Bot-Api-Secret-Token` header, flat
(`{event_name, message}`) or wrapped (`{ok, result}`), as both have been seen.

Faults are injected per method (`fail_next("sendMessage", 429)`), an update can be delivered
twice (`duplicate_next`) and the bot's own messages can be echoed back (`echo_own`), as Zalo
has been seen to do. Like the Telegram simulator it knows nothing of the bot.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from collections import deque
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

import httpx
from aiohttp import web

TEXT_LIMIT = 2000  # characters of a message or a caption (counted here in UTF-16 units)
POLL_CAP = 30.0  # seconds a getUpdates may hold the line, whatever timeout it asks for


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _now_ms() -> int:
    return int(time.time() * 1000)


@dataclass
class ZaloSent:
    """A message the bot sent to a chat."""

    message_id: str
    chat_id: str
    text: str = ""
    photo: str = ""  # sendPhoto's URL
    caption: str = ""
    date: int = 0
    fetched: int | None = None  # the HTTP status the photo URL answered, when fetched


@dataclass
class ZaloUser:
    """A person chatting with the bot one to one (a BASIC bot cannot join groups)."""

    sim: ZaloSimulator
    user_id: str
    display_name: str
    received: list[ZaloSent] = field(default_factory=list)
    _cursor: int = 0

    def _message(self, **content: Any) -> dict[str, Any]:
        return {
            "message_id": self.sim.next_message_id(),
            "date": _now_ms(),
            "chat": {"id": self.user_id, "chat_type": "PRIVATE"},
            "from": {"id": self.user_id, "display_name": self.display_name, "is_bot": False},
            **content,
        }

    async def send(self, text: str) -> dict[str, Any]:
        update = {"event_name": "message.text.received", "message": self._message(text=text)}
        await self.sim.deliver(update)
        return update

    async def send_photo(self, url: str, caption: str = "") -> dict[str, Any]:
        content: dict[str, Any] = {"photo_url": url}
        if caption:
            content["caption"] = caption
        update = {"event_name": "message.image.received", "message": self._message(**content)}
        await self.sim.deliver(update)
        return update

    async def send_sticker(self) -> dict[str, Any]:
        content = {"sticker": "sticker-123"}
        update = {"event_name": "message.sticker.received", "message": self._message(**content)}
        await self.sim.deliver(update)
        return update

    async def send_unsupported(self) -> dict[str, Any]:
        """A file, a voice message, a location: Zalo says only that it cannot pass it on."""
        update = {"event_name": "message.unsupported.received", "message": self._message()}
        await self.sim.deliver(update)
        return update

    async def expect_replies(self, n: int, timeout: float = 5.0) -> list[ZaloSent]:
        """The next `n` messages the bot sent this person after the last ones consumed."""
        deadline = asyncio.get_running_loop().time() + timeout
        while len(self.received) - self._cursor < n:
            if asyncio.get_running_loop().time() > deadline:
                seen = [m.text or m.photo for m in self.received[self._cursor :]]
                raise AssertionError(f"expected {n} message(s) for {self.user_id}, got {seen}")
            await self.sim.changed(0.05)
        found = self.received[self._cursor : self._cursor + n]
        self._cursor += n
        return found

    async def expect_reply(self, timeout: float = 5.0) -> ZaloSent:
        return (await self.expect_replies(1, timeout))[0]

    def skip_replies(self) -> None:
        self._cursor = len(self.received)


class ZaloSimulator:
    """The fake platform. `async with ZaloSimulator(token=…) as zalo:`; `zalo.base_url` is
    what the bot's `[zalo] base_url` points at."""

    def __init__(
        self,
        token: str = "1234567890:ZALO-TEST-SECRET",
        *,
        bot_id: str = "8123456789012345678",
        account_name: str = "Loa Phường",
        host: str = "127.0.0.1",
        allow_http_webhook: bool = True,  # Zalo wants https; loopback tests cannot have it
    ) -> None:
        self.token = token
        self.bot_id = bot_id
        self.account_name = account_name
        self.host = host
        self.allow_http_webhook = allow_http_webhook
        self.users: dict[str, ZaloUser] = {}
        self.sent: list[ZaloSent] = []
        self.calls: list[tuple[str, dict[str, Any]]] = []  # every method called, in order
        self.webhook: dict[str, Any] | None = None
        self.webhook_wrapped = False  # deliver `{ok, result}` instead of the flat body
        self.webhook_answers: list[int] = []  # the HTTP status of every webhook delivery
        self.echo_own = False  # send the bot's own messages back to it as updates
        self.duplicate_next = 0  # deliver the next n updates twice
        self._queue: deque[dict[str, Any]] = deque()
        self._faults: dict[str, deque[tuple[int, str]]] = {}
        self._ids = itertools.count(1)
        self._waiters: list[asyncio.Future[None]] = []
        self._runner: web.AppRunner | None = None
        self._client: httpx.AsyncClient | None = None
        self._files: dict[str, tuple[bytes, str]] = {}
        self.port = 0

    # ---------------------------------------------------------------- lifecycle

    async def __aenter__(self) -> ZaloSimulator:
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._handle)
        app.router.add_get("/files/{name}", self._file)  # the photos people send, by URL
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, 0)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
        self._client = httpx.AsyncClient(timeout=10.0)
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._client is not None:
            await self._client.aclose()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def base_url(self) -> str:
        """The API root, without the `/bot<token>` part."""
        return f"http://{self.host}:{self.port}"

    # ---------------------------------------------------------------- people and faults

    def user(self, user_id: str, display_name: str = "Người dùng Zalo") -> ZaloUser:
        if user_id not in self.users:
            self.users[user_id] = ZaloUser(self, user_id, display_name)
        return self.users[user_id]

    def add_file(self, data: bytes, content_type: str = "image/jpeg") -> str:
        """Host a file as Zalo's CDN would; the URL a photo message carries."""
        name = f"f{next(self._ids):06d}"
        self._files[name] = (data, content_type)
        return f"{self.base_url}/files/{name}"

    async def _file(self, request: web.Request) -> web.Response:
        found = self._files.get(request.match_info["name"])
        if found is None:
            return web.Response(status=404)
        return web.Response(body=found[0], content_type=found[1])

    def fail_next(self, method: str, code: int, count: int = 1, description: str = "") -> None:
        """The next `count` calls of `method` answer `code` (429, 403, 500, …)."""
        queue = self._faults.setdefault(method, deque())
        for _ in range(count):
            queue.append((code, description or _DESCRIPTIONS.get(code, "Error")))

    def next_message_id(self) -> str:
        # Opaque strings, as Zalo's are: never assume they are numbers or increase.
        return f"msg{next(self._ids):06d}{self.bot_id[-4:]}"

    def messages_to(self, user_id: str) -> list[ZaloSent]:
        return [m for m in self.sent if m.chat_id == user_id]

    async def changed(self, timeout: float) -> None:
        """Until something is sent or queued (or `timeout` seconds)."""
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(waiter, timeout)

    def _notify(self) -> None:
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    async def deliver(self, update: dict[str, Any]) -> None:
        """An update from a person: to the webhook if one is set, else to the poll queue."""
        times = 2 if self.duplicate_next > 0 else 1
        self.duplicate_next = max(0, self.duplicate_next - 1)
        for _ in range(times):
            if self.webhook is not None:
                await self._post_webhook(update)
            else:
                self._queue.append(update)
        self._notify()

    async def _post_webhook(self, update: dict[str, Any]) -> None:
        assert self.webhook is not None and self._client is not None
        body = {"ok": True, "result": update} if self.webhook_wrapped else update
        headers = {"X-Bot-Api-Secret-Token": self.webhook["secret_token"]}
        try:
            answer = await self._client.post(self.webhook["url"], json=body, headers=headers)
            self.webhook_answers.append(answer.status_code)
        except httpx.HTTPError:
            self.webhook_answers.append(0)

    # ---------------------------------------------------------------- the API

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return _error(401, "Unauthorized")
        method = request.match_info["method"]
        try:
            params = await request.json() if request.can_read_body else {}
        except json.JSONDecodeError:
            return _error(400, "Bad Request: body is not JSON")
        if not isinstance(params, dict):
            return _error(400, "Bad Request: body is not an object")
        self.calls.append((method, params))
        faults = self._faults.get(method)
        if faults:
            code, description = faults.popleft()
            return _error(code, description)
        handler = _METHODS.get(method)
        if handler is None:
            return _error(404, "Not Found")
        return await handler(self, params)

    async def _get_me(self, params: dict[str, Any]) -> web.Response:
        return _ok(
            {
                "id": self.bot_id,
                "account_name": self.account_name,
                "account_type": "BASIC",
                "can_join_groups": False,
            }
        )

    async def _get_updates(self, params: dict[str, Any]) -> web.Response:
        if self.webhook is not None:
            return _error(400, "Bad Request: getUpdates is not available while a webhook is set")
        timeout = min(float(params.get("timeout", 0) or 0), POLL_CAP)
        deadline = asyncio.get_running_loop().time() + timeout
        while not self._queue:
            left = deadline - asyncio.get_running_loop().time()
            if left <= 0:
                return _error(408, "Request timeout")
            await self.changed(min(left, 0.5))
        return _ok(self._queue.popleft())

    async def _send_message(self, params: dict[str, Any]) -> web.Response:
        chat_id, text = str(params.get("chat_id", "")), params.get("text")
        if chat_id not in self.users:
            return _error(400, "Bad Request: chat not found")
        if not isinstance(text, str) or not 1 <= utf16_length(text) <= TEXT_LIMIT:
            return _error(400, f"Bad Request: text must be 1-{TEXT_LIMIT} characters")
        return self._record(ZaloSent(self.next_message_id(), chat_id, text=text, date=_now_ms()))

    async def _send_photo(self, params: dict[str, Any]) -> web.Response:
        chat_id, photo = str(params.get("chat_id", "")), params.get("photo")
        caption = params.get("caption") or ""
        if chat_id not in self.users:
            return _error(400, "Bad Request: chat not found")
        if not isinstance(photo, str) or not photo.startswith(("http://", "https://")):
            return _error(400, "Bad Request: photo must be a URL")
        if not isinstance(caption, str) or utf16_length(caption) > TEXT_LIMIT:
            return _error(400, f"Bad Request: caption must be at most {TEXT_LIMIT} characters")
        sent = ZaloSent(self.next_message_id(), chat_id, photo=photo, caption=caption)
        sent.date = _now_ms()
        assert self._client is not None
        try:  # Zalo fetches the picture: a URL it cannot reach is a broken photo
            sent.fetched = (await self._client.get(photo)).status_code
        except httpx.HTTPError:
            sent.fetched = 0
        return self._record(sent)

    def _record(self, sent: ZaloSent) -> web.Response:
        self.sent.append(sent)
        self.users[sent.chat_id].received.append(sent)
        if self.echo_own:
            echo = {
                "message_id": sent.message_id,
                "date": sent.date,
                "chat": {"id": sent.chat_id, "chat_type": "PRIVATE"},
                "from": {"id": self.bot_id, "display_name": self.account_name, "is_bot": True},
                "text": sent.text,
            }
            self._queue.append({"event_name": "message.text.received", "message": echo})
        self._notify()
        return _ok({"message_id": sent.message_id, "date": sent.date})

    async def _send_chat_action(self, params: dict[str, Any]) -> web.Response:
        if str(params.get("chat_id", "")) not in self.users:
            return _error(400, "Bad Request: chat not found")
        return _ok(True)

    async def _set_webhook(self, params: dict[str, Any]) -> web.Response:
        url, secret = params.get("url"), params.get("secret_token")
        schemes = ("https://", "http://") if self.allow_http_webhook else ("https://",)
        if not isinstance(url, str) or not url.startswith(schemes):
            return _error(400, "Bad Request: url must be https")
        if not isinstance(secret, str) or not 8 <= len(secret) <= 256:
            return _error(400, "Bad Request: secret_token must be 8-256 characters")
        self.webhook = {"url": url, "secret_token": secret}
        return _ok({"url": url, "updated_at": _now_ms()})

    async def _delete_webhook(self, params: dict[str, Any]) -> web.Response:
        self.webhook = None
        return _ok(True)

    async def _get_webhook_info(self, params: dict[str, Any]) -> web.Response:
        url = self.webhook["url"] if self.webhook else ""
        return _ok({"url": url, "updated_at": _now_ms()})


_DESCRIPTIONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Internal server error",  # Zalo's own words for its 403
    404: "Not Found",
    429: "Quota exceeded",
    500: "Internal Server Error",
    502: "Bad Gateway",
}

_METHODS = {
    "getMe": ZaloSimulator._get_me,
    "getUpdates": ZaloSimulator._get_updates,
    "sendMessage": ZaloSimulator._send_message,
    "sendPhoto": ZaloSimulator._send_photo,
    "sendChatAction": ZaloSimulator._send_chat_action,
    "setWebhook": ZaloSimulator._set_webhook,
    "deleteWebhook": ZaloSimulator._delete_webhook,
    "getWebhookInfo": ZaloSimulator._get_webhook_info,
}


def _ok(result: Any) -> web.Response:
    return web.json_response({"ok": True, "result": result})


def _error(code: int, description: str) -> web.Response:
    # Zalo answers with the error code as the HTTP status too (408 for an empty poll).
    body = {"ok": False, "error_code": code, "description": description}
    return web.json_response(body, status=code)
