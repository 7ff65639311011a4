"""The Zalo Bot Platform's HTTP API, on httpx: calls, the envelope, errors, long polling.

No Zalo SDK: the published Python ones are unfit (one calls asyncio.run() inside a running
loop and swallows errors, another needs Python 3.14 and rejects real payloads), and the API
is a handful of JSON POSTs. The token is in every URL path, so it is registered with
bot.logs.protect before the first request: no log line, not even httpx's at DEBUG, shows it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import httpx

from bot import logs

log = logging.getLogger(__name__)

EMPTY_POLL = 408  # getUpdates: nothing arrived within its timeout


class ZaloError(Exception):
    """The platform refused a call (`code`: its error code, or 0 when it could not be reached)."""

    def __init__(self, code: int, description: str, retry_after: float = 0.0) -> None:
        super().__init__(f"Zalo {code}: {description}")
        self.code = code
        self.description = description
        self.retry_after = retry_after


@dataclass(frozen=True)
class ZaloMessage:
    """One incoming message, as the core needs it."""

    message_id: str
    chat_id: str
    sender_id: str
    sender_name: str
    sender_is_bot: bool
    date_ms: int
    event: str  # message.text.received, message.image.received, …
    text: str = ""
    photo_url: str = ""
    caption: str = ""


def parse_update(body: Any) -> ZaloMessage | None:
    """A webhook body or a polled result, flat (`{event_name, message}`) or wrapped
    (`{ok, result: {...}}`); None when it carries no message we can read."""
    if isinstance(body, dict) and "result" in body and "message" not in body:
        body = body["result"]
    if not isinstance(body, dict) or not isinstance(body.get("message"), dict):
        return None
    message: dict[str, Any] = body["message"]
    chat: dict[str, Any] = message["chat"] if isinstance(message.get("chat"), dict) else {}
    sender: dict[str, Any] = message["from"] if isinstance(message.get("from"), dict) else {}
    message_id = message.get("message_id")
    chat_id = chat.get("id")
    if message_id in (None, "") or chat_id in (None, ""):
        return None
    return ZaloMessage(
        message_id=str(message_id),
        chat_id=str(chat_id),
        sender_id=str(sender.get("id", "")),
        sender_name=str(sender.get("display_name") or sender.get("first_name") or ""),
        sender_is_bot=bool(sender.get("is_bot", False)),
        date_ms=int(message.get("date") or 0),
        event=str(body.get("event_name", "")),
        text=str(message.get("text") or ""),
        photo_url=str(message.get("photo_url") or message.get("photo") or ""),
        caption=str(message.get("caption") or ""),
    )


class ZaloApi:
    """One bot's calls. `base_url` is a setting: which host is canonical is unconfirmed."""

    def __init__(
        self, token: str, base_url: str, *, client: httpx.AsyncClient | None = None
    ) -> None:
        logs.protect(token)
        self._root = f"{base_url.rstrip('/')}/bot{token}/"
        self._client = client or httpx.AsyncClient(timeout=httpx.Timeout(10.0, read=40.0))
        self._own_client = client is None

    async def aclose(self) -> None:
        if self._own_client:
            await self._client.aclose()

    async def call(self, method: str, payload: dict[str, Any], timeout: float = 10.0) -> Any:
        """The `result` of `method`; ZaloError for a refusal or a transport failure."""
        try:
            answer = await self._client.post(self._root + method, json=payload, timeout=timeout)
        except httpx.TimeoutException as exc:
            raise ZaloError(0, f"timed out: {type(exc).__name__}") from None
        except httpx.HTTPError as exc:  # the URL (and the token) stays out of the message
            raise ZaloError(0, f"unreachable: {type(exc).__name__}") from None
        try:
            body = answer.json()
        except ValueError:
            raise ZaloError(answer.status_code, "the answer is not JSON") from None
        if isinstance(body, dict) and body.get("ok") is True:
            return body.get("result")
        code = int(body.get("error_code") or answer.status_code) if isinstance(body, dict) else 0
        description = str(body.get("description", "")) if isinstance(body, dict) else ""
        raise ZaloError(code or answer.status_code, description)

    async def get_me(self) -> dict[str, Any]:
        found = await self.call("getMe", {})
        return found if isinstance(found, dict) else {}

    async def get_update(self, timeout: float) -> Any | None:
        """One update (Zalo hands them out one per poll), or None when none came in time."""
        try:
            return await self.call("getUpdates", {"timeout": int(timeout)}, timeout=timeout + 10)
        except ZaloError as exc:
            if exc.code == EMPTY_POLL:
                return None
            raise

    async def send_message(self, chat_id: str, text: str) -> str:
        found = await self.call("sendMessage", {"chat_id": chat_id, "text": text})
        return str(found.get("message_id", "")) if isinstance(found, dict) else ""

    async def send_photo(self, chat_id: str, url: str, caption: str = "") -> str:
        payload: dict[str, Any] = {"chat_id": chat_id, "photo": url}
        if caption:
            payload["caption"] = caption
        found = await self.call("sendPhoto", payload)
        return str(found.get("message_id", "")) if isinstance(found, dict) else ""

    async def send_chat_action(self, chat_id: str, action: str = "typing") -> None:
        await self.call("sendChatAction", {"chat_id": chat_id, "action": action})

    async def set_webhook(self, url: str, secret_token: str) -> None:
        await self.call("setWebhook", {"url": url, "secret_token": secret_token})

    async def delete_webhook(self) -> None:
        await self.call("deleteWebhook", {})
