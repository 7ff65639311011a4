"""The simulator's JSON control API under /_sim/, for a process that does not share its loop.

The interactive demo and benchmarks that run the bot in a subprocess drive the simulator with
these endpoints; in-process tests use the Python API directly (same state, same behaviour).
Every answer is `{"ok": true, "result": ...}` or `{"ok": false, "error": "..."}` (HTTP 400/404).

    GET  /_sim/                              addresses and a list of endpoints
    POST /_sim/users                         {user_id, first_name?, last_name?, username?, started?}
    POST /_sim/users/{id}/send               {text, chat_id?, reply_to?}
    POST /_sim/users/{id}/press              {chat_id?, message_id, callback_data? | text?}
    POST /_sim/users/{id}/photo              {chat_id?, caption?}
    POST /_sim/users/{id}/document           {chat_id?, caption?, file_name?}
    POST /_sim/users/{id}/block | unblock | deactivate
    GET  /_sim/users/{id}/replies?n=1&timeout=5&chat_id=   next bot messages (consumes them)
    POST /_sim/groups                        {chat_id, title, type?, bot_member?}
    POST /_sim/groups/{chat_id}/add_bot      {by}
    POST /_sim/groups/{chat_id}/remove_bot   {by}
    POST /_sim/groups/{chat_id}/migrate      {new_chat_id}
    GET  /_sim/chats/{chat_id}/messages?after=<message_id>   user and bot messages, current state
    GET  /_sim/chats/{chat_id}/events?since=<index>          bot sends and edits, in order
    GET  /_sim/sent?since=<index>            every bot message, in sending order
    POST /_sim/faults   {method, status, times?, probability?, retry_after?, chat_id?, ...}
    GET  /_sim/faults ; DELETE /_sim/faults
    POST /_sim/limits   {global_per_sec?, per_chat_per_sec?, per_group_per_min?} or {"off": true}
    GET  /_sim/limits ; GET /_sim/stats ; POST /_sim/stats/reset
    GET  /_sim/callback_answers ; GET /_sim/commands
    POST /_sim/wait_idle {timeout?}
"""

from __future__ import annotations

import bisect
import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web

from bot.simulator.limits import Limits
from bot.simulator.models import SimChat, SimUser

if TYPE_CHECKING:
    from bot.simulator.server import BotApiSimulator

Handler = Callable[[web.Request], Awaitable[web.Response]]


class ControlError(Exception):
    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def _ok(result: Any) -> web.Response:
    return web.json_response({"ok": True, "result": result}, dumps=_dumps)


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


async def _body(request: web.Request) -> dict[str, Any]:
    if not request.body_exists:
        return {}
    try:
        body = await request.json()
    except ValueError:
        raise ControlError("body must be JSON") from None
    if not isinstance(body, dict):
        raise ControlError("body must be a JSON object")
    return body


def _int(value: Any, name: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ControlError(f"{name} must be an integer") from None


def _guard(handler: Handler) -> Handler:
    async def wrapped(request: web.Request) -> web.Response:
        try:
            return await handler(request)
        except ControlError as exc:
            return web.json_response({"ok": False, "error": str(exc)}, status=exc.status)
        except (LookupError, ValueError, TypeError, RuntimeError, AssertionError) as exc:
            return web.json_response({"ok": False, "error": str(exc)}, status=400)

    return wrapped


def _user_message(message: dict[str, Any]) -> dict[str, Any]:
    return {
        "message_id": message["message_id"],
        "chat_id": message["chat"]["id"],
        "from_bot": False,
        "from": message.get("from"),
        "text": message.get("text") or message.get("caption") or "",
        "message": message,
    }


def add_control_routes(app: web.Application, sim: BotApiSimulator) -> None:
    """Register the /_sim/ endpoints of `sim` on `app`."""

    def user_of(request: web.Request, body: dict[str, Any] | None = None) -> SimUser:
        user_id = _int(request.match_info["user_id"], "user id")
        if user_id in sim.users:
            return sim.users[user_id]
        return sim.user(user_id, first_name=(body or {}).get("first_name") or "Người dùng")

    def chat_of(value: Any) -> SimChat:
        chat_id = _int(value, "chat_id")
        chat = sim.chats.get(chat_id)
        if chat is None:
            raise ControlError(f"unknown chat {chat_id}", 404)
        return chat

    def optional_chat(body: dict[str, Any]) -> SimChat | None:
        return chat_of(body["chat_id"]) if body.get("chat_id") is not None else None

    async def index(request: web.Request) -> web.Response:
        return _ok(
            {
                "base_url": sim.base_url,
                "base_file_url": sim.base_file_url,
                "bot": sim.bot_user,
                "endpoints": (__doc__ or "").split("\n\n", 2)[-1],
            }
        )

    async def create_user(request: web.Request) -> web.Response:
        body = await _body(request)
        user = sim.user(
            _int(body.get("user_id"), "user_id"),
            first_name=body.get("first_name") or "Người dùng",
            last_name=body.get("last_name"),
            username=body.get("username"),
            started=bool(body.get("started", False)),
        )
        return _ok(user.to_dict())

    async def user_send(request: web.Request) -> web.Response:
        body = await _body(request)
        user = user_of(request, body)
        text = body.get("text")
        if not isinstance(text, str):
            raise ControlError("text is required")
        reply_to = body.get("reply_to")
        message = await user.send(
            text,
            optional_chat(body),
            reply_to=_int(reply_to, "reply_to") if reply_to is not None else None,
        )
        return _ok(_user_message(message))

    async def user_press(request: web.Request) -> web.Response:
        body = await _body(request)
        user = user_of(request, body)
        chat = chat_of(body.get("chat_id", user.user_id))
        message = chat.bot_messages.get(_int(body.get("message_id"), "message_id"))
        if message is None:
            raise ControlError("unknown message", 404)
        query_id = await user.press(
            message, body.get("text"), callback_data=body.get("callback_data")
        )
        return _ok({"callback_query_id": query_id})

    async def user_photo(request: web.Request) -> web.Response:
        body = await _body(request)
        user = user_of(request, body)
        message = await user.send_photo(optional_chat(body), body.get("caption"))
        return _ok(_user_message(message))

    async def user_document(request: web.Request) -> web.Response:
        body = await _body(request)
        user = user_of(request, body)
        message = await user.send_document(
            optional_chat(body),
            body.get("caption"),
            file_name=body.get("file_name") or "tai-lieu.pdf",
        )
        return _ok(_user_message(message))

    async def user_flag(request: web.Request) -> web.Response:
        user = user_of(request)
        action = request.match_info["action"]
        if action == "block":
            user.block_bot()
        elif action == "unblock":
            user.unblock_bot()
        elif action == "deactivate":
            user.deactivate()
        else:
            raise ControlError(f"unknown action {action}", 404)
        return _ok(True)

    async def user_replies(request: web.Request) -> web.Response:
        user = user_of(request)
        n = _int(request.query.get("n", "1"), "n")
        timeout = float(request.query.get("timeout", "5"))
        chat_id = request.query.get("chat_id")
        replies = await user.expect_replies(
            n, timeout, chat=_int(chat_id, "chat_id") if chat_id else None
        )
        return _ok([m.to_dict() | {"event": m.event} for m in replies])

    async def create_group(request: web.Request) -> web.Response:
        body = await _body(request)
        chat = sim.group(
            _int(body.get("chat_id"), "chat_id"),
            title=body.get("title") or "Nhóm",
            type=body.get("type") or "group",
            bot_member=bool(body.get("bot_member", True)),
            bot_admin=bool(body.get("bot_admin", False)),
        )
        return _ok(chat.to_dict())

    async def group_action(request: web.Request) -> web.Response:
        body = await _body(request)
        group = chat_of(request.match_info["chat_id"])
        action = request.match_info["action"]
        if action == "migrate":
            new = sim.migrate_group(group, _int(body.get("new_chat_id"), "new_chat_id"))
            return _ok(new.to_dict())
        by = sim.users.get(_int(body.get("by"), "by"))
        if by is None:
            raise ControlError("'by' must be a known user id")
        if action == "add_bot":
            sim.add_bot_to_group(group, by, as_admin=bool(body.get("as_admin", False)))
        elif action == "remove_bot":
            sim.remove_bot_from_group(group, by)
        else:
            raise ControlError(f"unknown action {action}", 404)
        return _ok(True)

    async def chat_messages(request: web.Request) -> web.Response:
        chat = chat_of(request.match_info["chat_id"])
        after = _int(request.query.get("after", "0"), "after")
        out: list[dict[str, Any]] = []
        for message_id in chat.order[bisect.bisect_right(chat.order, after) :]:
            bot_message = chat.bot_messages.get(message_id)
            if bot_message is not None:
                if not bot_message.deleted:
                    out.append(bot_message.to_dict())
            elif message_id in chat.user_messages:
                out.append(_user_message(chat.user_messages[message_id]))
        return _ok(out)

    async def chat_events(request: web.Request) -> web.Response:
        chat = chat_of(request.match_info["chat_id"])
        since = max(0, _int(request.query.get("since", "0"), "since"))
        events = [
            m.to_dict() | {"event": m.event, "index": since + i}
            for i, m in enumerate(chat.events[since:])
        ]
        return _ok({"events": events, "next": len(chat.events)})

    async def sent(request: web.Request) -> web.Response:
        since = max(0, _int(request.query.get("since", "0"), "since"))
        return _ok({"messages": [m.to_dict() for m in sim.sent[since:]], "next": len(sim.sent)})

    async def add_fault(request: web.Request) -> web.Response:
        body = await _body(request)
        allowed = {
            "method",
            "status",
            "times",
            "probability",
            "retry_after",
            "chat_id",
            "description",
            "delay",
            "deliver",
        }
        unknown = set(body) - allowed
        if unknown:
            raise ControlError(f"unknown fault fields: {sorted(unknown)}")
        rule = sim.faults.add(**body)
        return _ok(rule.to_dict())

    async def list_faults(request: web.Request) -> web.Response:
        return _ok([rule.to_dict() for rule in sim.faults.rules])

    async def clear_faults(request: web.Request) -> web.Response:
        sim.faults.clear()
        return _ok(True)

    async def set_limits(request: web.Request) -> web.Response:
        body = await _body(request)
        if body.get("off") or body.get("enabled") is False:
            sim.set_limits(None)
        else:
            body.pop("enabled", None)
            sim.set_limits(Limits.from_dict(body))
        return _ok(sim.limits.to_dict() if sim.limits else None)

    async def get_limits(request: web.Request) -> web.Response:
        return _ok(sim.limits.to_dict() if sim.limits else None)

    async def stats(request: web.Request) -> web.Response:
        return _ok(sim.stats.snapshot())

    async def reset_stats(request: web.Request) -> web.Response:
        sim.stats.reset()
        return _ok(True)

    async def callback_answers(request: web.Request) -> web.Response:
        return _ok(sim.callback_answers)

    async def commands(request: web.Request) -> web.Response:
        return _ok(sim.commands)

    async def wait_idle(request: web.Request) -> web.Response:
        body = await _body(request)
        await sim.wait_idle(float(body.get("timeout", 5.0)))
        return _ok(True)

    routes = [
        ("GET", "/_sim", index),
        ("GET", "/_sim/", index),
        ("POST", "/_sim/users", create_user),
        ("POST", "/_sim/users/{user_id}/send", user_send),
        ("POST", "/_sim/users/{user_id}/press", user_press),
        ("POST", "/_sim/users/{user_id}/photo", user_photo),
        ("POST", "/_sim/users/{user_id}/document", user_document),
        ("GET", "/_sim/users/{user_id}/replies", user_replies),
        ("POST", "/_sim/users/{user_id}/{action}", user_flag),
        ("POST", "/_sim/groups", create_group),
        ("POST", "/_sim/groups/{chat_id}/{action}", group_action),
        ("GET", "/_sim/chats/{chat_id}/messages", chat_messages),
        ("GET", "/_sim/chats/{chat_id}/events", chat_events),
        ("GET", "/_sim/sent", sent),
        ("POST", "/_sim/faults", add_fault),
        ("GET", "/_sim/faults", list_faults),
        ("DELETE", "/_sim/faults", clear_faults),
        ("POST", "/_sim/limits", set_limits),
        ("GET", "/_sim/limits", get_limits),
        ("GET", "/_sim/stats", stats),
        ("POST", "/_sim/stats/reset", reset_stats),
        ("GET", "/_sim/callback_answers", callback_answers),
        ("GET", "/_sim/commands", commands),
        ("POST", "/_sim/wait_idle", wait_idle),
    ]
    for method, path, handler in routes:
        app.router.add_route(method, path, _guard(handler))
