"""Telegram without buttons: every screen as plain text with numbered options, as on Zalo.

With `[telegram] buttons = false` the bot shows Telegram chats what a channel without
buttons, formatting or edits shows (`bot/numbered.py`), so that the numbered renderer and
the typed-number resolver run end to end against the simulator before Zalo's transport
exists (tests/test_numbered_flows.py walks a report and a broadcast that way). Nothing in
the core or the handlers changes: on the way out, `NumberedRequest` rewrites the Bot API
calls (a message with a keyboard becomes plain messages ending in "1. …" lines, an edit a
new message, a toast a line of text); on the way in, `numbered_input` turns a reply "2" into
the press of the second option, or the typed label of a reply-keyboard button.

Files uploaded with a keyboard (the QR code of an invite) keep their buttons: they are
only sent to officials, and Zalo sends photos by URL anyway.
"""

from __future__ import annotations

import contextvars
import json
import logging
from typing import Any

from telegram import Update
from telegram.ext import ApplicationHandlerStop, ContextTypes
from telegram.request import BaseRequest, RequestData
from telegram.request._requestparameter import RequestParameter

from bot import numbered, texts
from bot.addresses import telegram
from bot.clock import Clock
from bot.db import Database
from bot.inputs import clip
from bot.numbered import Capabilities, Option
from bot.render import escape
from bot.reply import Reply
from bot.screens import OPTIONS_ONLY, Screen
from bot.services import services

log = logging.getLogger(__name__)

# Telegram's own limits: only the buttons, the formatting and the edits are taken away.
CAPS = Capabilities(4096, 1024, buttons=False, edits=False, formatting="plain")
QUERY_PREFIX = "n:"  # the id of a press made by typing a number: never answered to Telegram
TEXT_TOKEN = numbered.TEXT_TOKEN  # a reply-keyboard button: its label is typed
_OK_TRUE = (200, b'{"ok":true,"result":true}')
# Set while the press (or typed label) an answer stood for is handled: it is not an answer.
_STANDING_IN: contextvars.ContextVar[bool] = contextvars.ContextVar("standing_in", default=False)
# What the screen being sent takes typed besides its options (bot/screens.py): set by the
# channel around each screen it sends, read here where the screen becomes numbered lines.
TAKES: contextvars.ContextVar[str] = contextvars.ContextVar("takes", default=OPTIONS_ONLY)


def _value(params: dict[str, Any], name: str) -> Any:
    value = params.get(name)
    if isinstance(value, str) and name == "reply_markup":
        return json.loads(value)
    return value


def options_in(markup: Any) -> tuple[Option, ...]:
    """A keyboard's buttons as numbered options, row by row."""
    if not isinstance(markup, dict):
        return ()
    found: list[tuple[str, str]] = []
    for row in markup.get("inline_keyboard") or []:
        found.extend((b.get("text", ""), b["callback_data"]) for b in row if "callback_data" in b)
    for row in markup.get("keyboard") or []:
        for b in row:
            label = b if isinstance(b, str) else b.get("text", "")
            found.append((label, TEXT_TOKEN + label))
    return tuple(Option(i, label, token) for i, (label, token) in enumerate(found, start=1))


class NumberedRequest(BaseRequest):
    """PTB's request, with every screen rewritten as a channel without buttons shows it."""

    def __init__(self, inner: BaseRequest, db: Database, clock: Clock) -> None:
        self.inner = inner
        self.db = db
        self.clock = clock

    @property
    def read_timeout(self) -> float | None:
        return self.inner.read_timeout

    async def initialize(self) -> None:
        await self.inner.initialize()

    async def shutdown(self) -> None:
        await self.inner.shutdown()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        *args: Any,
        **kwargs: Any,
    ) -> tuple[int, bytes]:
        endpoint = url.rsplit("/", 1)[-1]
        params = request_data.parameters if request_data is not None else {}
        files = request_data is not None and request_data.contains_files
        base = url[: -len(endpoint)]

        async def call(name: str, values: dict[str, Any]) -> tuple[int, bytes]:
            data = RequestData([RequestParameter(k, v, None) for k, v in values.items()])
            return await self.inner.do_request(base + name, method, data, *args, **kwargs)

        if endpoint in ("sendMessage", "editMessageText") and "chat_id" in params:
            html = params.get("text", "")
            if params.get("parse_mode") != "HTML":
                html = escape(str(html))
            return await self._screen(call, params["chat_id"], str(html), params)
        if endpoint == "sendPhoto" and not files and "chat_id" in params:
            caption = str(params.get("caption") or "")
            if params.get("parse_mode") != "HTML":
                caption = escape(caption)
            plain = clip(numbered.plain_text(caption).strip(), CAPS.caption_limit)
            sent = await call(
                "sendPhoto",
                {"chat_id": params["chat_id"], "photo": params["photo"]}
                | ({"caption": plain} if plain else {}),
            )
            options = options_in(_value(params, "reply_markup"))
            if sent[0] == 200 and options:
                await self._screen(call, params["chat_id"], "", params)
            return sent
        if endpoint == "answerCallbackQuery":
            query_id = str(params.get("callback_query_id", ""))
            if query_id.startswith(QUERY_PREFIX):
                text = params.get("text")
                if text:  # the toast a tap would show, as a line of text
                    await call("sendMessage", {"chat_id": query_id.split(":")[1], "text": text})
                return _OK_TRUE
        if endpoint == "editMessageReplyMarkup":
            return _OK_TRUE  # taking buttons away: there are none
        return await self.inner.do_request(url, method, request_data, *args, **kwargs)

    async def _screen(
        self, call: Any, chat_id: Any, html: str, params: dict[str, Any]
    ) -> tuple[int, bytes]:
        options = options_in(_value(params, "reply_markup"))
        takes = TAKES.get()
        shown = numbered.render_options(html, options, CAPS, takes)
        answer = _OK_TRUE
        for text in shown.messages:
            answer = await call("sendMessage", {"chat_id": chat_id, "text": text})
            if answer[0] != 200:
                return answer
        if options:
            chat = str(telegram(chat_id))
            await numbered.remember(self.db, chat, options, self.clock.now(), takes)
        return answer


async def numbered_input(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A reply that picks one of the options shown last: handle it as that press (or, for a
    reply-keyboard button, as its label typed), not as text."""
    message, user = update.message, update.effective_user
    if message is None or not message.text or user is None or _STANDING_IN.get():
        return
    svc = services(context)
    address = telegram(message.chat_id)
    found = await numbered.resolve(svc.db, str(address), message.text)
    token = found.token
    if found.out_of and svc.channel is not None:  # "7" of three: say so, keep the screen
        hint = Reply(Screen(texts.numbered_out_of_range(found.out_of)))
        await svc.channel.send(address, hint)
        raise ApplicationHandlerStop
    if token is None:
        return
    raw: dict[str, Any] = {"update_id": update.update_id}
    if token.startswith(TEXT_TOKEN):
        raw["message"] = message.to_dict() | {"text": token[len(TEXT_TOKEN) :]}
        raw["message"].pop("entities", None)
    else:
        raw["callback_query"] = {
            "id": f"{QUERY_PREFIX}{message.chat_id}:{message.message_id}",
            "from": user.to_dict(),
            "chat_instance": str(message.chat_id),
            "data": token,
            "message": {
                "message_id": message.message_id,
                "date": int(message.date.timestamp()),
                "chat": message.chat.to_dict(),
                "text": "",
            },
        }
    pressed = Update.de_json(raw, context.bot)
    assert pressed is not None
    token_set = _STANDING_IN.set(True)
    try:
        await context.application.process_update(pressed)
    finally:
        _STANDING_IN.reset(token_set)
    raise ApplicationHandlerStop
