"""Zalo's webhook: updates POSTed to the bot, answered 200 only once they are in the inbox.

The secret set with setWebhook comes back in `X-Bot-Api-Secret-Token`; it is compared in
constant time, and a request without it (401) or with another (403) changes nothing. Bodies
come flat (`{event_name, message}`) or wrapped (`{ok, result}`): both are read.
"""

from __future__ import annotations

import hmac
import json
import logging

from aiohttp import web

from bot.channels.zalo_inbox import ZaloReceiver

log = logging.getLogger(__name__)

PATH = "/zalo/webhook"
SECRET_HEADER = "X-Bot-Api-Secret-Token"


def handler(receiver: ZaloReceiver, secret: str) -> web.Handler:  # type: ignore[name-defined]
    expected = secret.encode("utf-8")

    async def receive(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER)
        if given is None:
            return web.json_response({"ok": False, "description": "Unauthorized"}, status=401)
        if not hmac.compare_digest(given.encode("utf-8"), expected):
            log.warning("a Zalo webhook call with a wrong secret was refused")
            return web.json_response({"ok": False, "description": "Forbidden"}, status=403)
        try:
            body = json.loads(await request.read())
        except (json.JSONDecodeError, UnicodeDecodeError):
            return web.json_response({"ok": False, "description": "Bad Request"}, status=400)
        try:
            await receiver.accept(body)  # written to the inbox before the answer
        except Exception:
            log.exception("a Zalo update could not be recorded")
            return web.json_response({"ok": False}, status=500)  # Zalo may send it again
        return web.json_response({"ok": True})

    return receive
