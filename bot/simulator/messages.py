"""Bot API methods that send, edit and delete messages, answer buttons and show actions.

Arguments are parsed and checked before the chat is resolved (as on Telegram, so a missing
text is reported even for an unknown chat); flood limits apply last, to sends that would
otherwise succeed. An edit without reply_markup removes the inline keyboard, as on Telegram.
"""

from __future__ import annotations

import time
from typing import Any

from bot.simulator.markup import CHAT_ACTIONS, link_preview_options, reply_markup
from bot.simulator.models import SentMessage, SimChat
from bot.simulator.recipients import find_chat, replied_message, send_options
from bot.simulator.state import SimState
from bot.simulator.store import FileRecord, image_size
from bot.simulator.validate import (
    ApiError,
    Params,
    Rendered,
    Upload,
    bad_request,
    caption_text,
    forbidden,
    message_text,
    normalize_parse_mode,
)

MAX_PHOTO = 10 * 1024 * 1024
MAX_UPLOAD = 50 * 1024 * 1024
MAX_ANSWER_TEXT = 200  # answerCallbackQuery text


def send_message(sim: SimState, params: Params) -> dict[str, Any]:
    rendered = message_text(params)
    markup = reply_markup(params)
    options = send_options(params)
    chat = find_chat(sim, params)
    reply_to = replied_message(chat, params)
    sim.admit("sendmessage", chat)
    message = sim.record_sent(
        "sendMessage",
        chat,
        raw_text=params.string("text"),
        parse_mode=normalize_parse_mode(params.string("parse_mode")),
        rendered=rendered,
        reply_markup=markup,
        reply_to=reply_to,
        options=options,
    )
    return sim.bot_message_json(message)


def _upload(sim: SimState, params: Params, field: str, kind: str) -> FileRecord:
    """The file of sendPhoto/sendDocument: an upload, an attach:// part, a file_id or a URL."""
    upload: Upload | None = params.files.get(field)
    value = params.string(field)
    if upload is None and value and value.startswith("attach://"):
        upload = params.files.get(value[len("attach://") :])
    if upload is not None:
        data = upload.data
        if not data:
            raise bad_request("file must be non-empty")
        if len(data) > MAX_UPLOAD:
            raise ApiError(413, "Request Entity Too Large")
        if kind == "photo":
            size = image_size(data)
            if size is None:
                raise bad_request("IMAGE_PROCESS_FAILED")
            if len(data) > MAX_PHOTO:
                raise bad_request("PHOTO_SAVE_FILE_INVALID")
            width, height = size
            return sim.new_file("photo", data, mime_type="image/jpeg", width=width, height=height)
        return sim.new_file(
            "document",
            data,
            mime_type=upload.content_type or "application/octet-stream",
            file_name=upload.filename or "file",
        )
    if not value:
        raise bad_request(f"there is no {kind} in the request")
    if value.startswith(("http://", "https://")):
        name = value.rsplit("/", 1)[-1] or "file"
        return sim.new_file(kind, b"", file_name=name, width=800, height=600, url=value)
    record = sim.files.get(value)
    if record is None:
        raise bad_request("wrong file identifier/HTTP URL specified")
    if record.kind != kind:
        raise bad_request("type of file mismatch")
    return record


def _send_file(sim: SimState, params: Params, kind: str) -> dict[str, Any]:
    method = "sendPhoto" if kind == "photo" else "sendDocument"
    rendered = caption_text(params)
    markup = reply_markup(params)
    options = send_options(params)
    record = _upload(sim, params, kind, kind)
    chat = find_chat(sim, params)
    reply_to = replied_message(chat, params)
    sim.admit(method.lower(), chat)
    message = sim.record_sent(
        method,
        chat,
        raw_text=params.string("caption"),
        parse_mode=normalize_parse_mode(params.string("parse_mode")),
        rendered=rendered,
        reply_markup=markup,
        reply_to=reply_to,
        photo=kind == "photo",
        document=kind == "document",
        file_id=record.file_id,
        file_name=record.file_name,
        options=options,
    )
    return sim.bot_message_json(message)


def send_photo(sim: SimState, params: Params) -> dict[str, Any]:
    return _send_file(sim, params, "photo")


def send_document(sim: SimState, params: Params) -> dict[str, Any]:
    return _send_file(sim, params, "document")


def _editable(sim: SimState, params: Params) -> tuple[SimChat, SentMessage]:
    if not params.has("chat_id") and params.has("inline_message_id"):
        raise bad_request("MESSAGE_ID_INVALID")
    chat = find_chat(sim, params, send=False)
    if chat.type == "private" and chat.user is not None:
        if chat.user.deactivated:
            raise forbidden("user is deactivated")
        if chat.user.blocked:
            raise forbidden("bot was blocked by the user")
    message_id = params.integer("message_id")
    if not message_id:
        raise bad_request("message identifier is not specified")
    message = chat.bot_messages.get(message_id)
    if message is None or message.deleted:
        if message_id in chat.user_messages:
            raise bad_request("message can't be edited")
        raise bad_request("message to edit not found")
    return chat, message


def _inline(markup: dict[str, Any] | None) -> dict[str, Any] | None:
    return markup if markup and "inline_keyboard" in markup else None


_NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the "
    "same as a current content and reply markup of the message"
)


def _markup_after_edit(
    message: SentMessage, markup: dict[str, Any] | None
) -> dict[str, Any] | None:
    # An edit without reply_markup removes the inline keyboard (as on Telegram); a reply
    # keyboard belongs to the chat, not to the message, and stays.
    if markup is not None:
        return markup
    return None if _inline(message.reply_markup) else message.reply_markup


def edit_message_text(sim: SimState, params: Params) -> dict[str, Any]:
    rendered = message_text(params)
    markup = reply_markup(params, inline_only=True)
    link_preview_options(params)
    chat, message = _editable(sim, params)
    if message.photo or message.document:
        raise bad_request("there is no text in the message to edit")
    if (
        rendered.text == message.parsed_text
        and rendered.entities == message.entities
        and markup == _inline(message.reply_markup)
    ):
        raise bad_request(_NOT_MODIFIED)
    sim.admit("editmessagetext", chat)
    sim.record_edit(
        message,
        raw_text=params.string("text"),
        parse_mode=normalize_parse_mode(params.string("parse_mode")),
        rendered=rendered,
        reply_markup=_markup_after_edit(message, markup),
    )
    return sim.bot_message_json(message)


def edit_message_caption(sim: SimState, params: Params) -> dict[str, Any]:
    rendered = caption_text(params)
    markup = reply_markup(params, inline_only=True)
    chat, message = _editable(sim, params)
    if not (message.photo or message.document):
        raise bad_request("there is no caption in the message to edit")
    text = rendered.text if rendered else ""
    entities = rendered.entities if rendered else []
    if (
        text == (message.caption or "")
        and entities == message.entities
        and markup == _inline(message.reply_markup)
    ):
        raise bad_request(_NOT_MODIFIED)
    sim.admit("editmessagecaption", chat)
    sim.record_edit(
        message,
        raw_text=params.string("caption"),
        parse_mode=normalize_parse_mode(params.string("parse_mode")),
        rendered=rendered or Rendered("", [], 0),
        reply_markup=_markup_after_edit(message, markup),
    )
    return sim.bot_message_json(message)


def edit_message_reply_markup(sim: SimState, params: Params) -> dict[str, Any]:
    markup = reply_markup(params, inline_only=True)
    chat, message = _editable(sim, params)
    if markup == _inline(message.reply_markup) or (
        markup is not None
        and not markup["inline_keyboard"]
        and _inline(message.reply_markup) is None
    ):
        raise bad_request(_NOT_MODIFIED)
    sim.admit("editmessagereplymarkup", chat)
    sim.record_edit(
        message,
        raw_text=None,
        parse_mode=None,
        rendered=None,
        reply_markup=_markup_after_edit(message, markup),
    )
    return sim.bot_message_json(message)


def delete_message(sim: SimState, params: Params) -> bool:
    chat = find_chat(sim, params, send=False)
    message_id = params.integer("message_id")
    if not message_id:
        raise bad_request("message identifier is not specified")
    bot_message = chat.bot_messages.get(message_id)
    if bot_message is not None and not bot_message.deleted:
        bot_message.deleted = True
        return True
    user_message = chat.user_messages.get(message_id)
    if user_message is None:
        raise bad_request("message to delete not found")
    if chat.is_group and chat.bot_status not in ("administrator", "creator"):
        raise bad_request("message can't be deleted")
    del chat.user_messages[message_id]
    return True


def answer_callback_query(sim: SimState, params: Params) -> bool:
    query_id = params.string("callback_query_id") or ""
    query = sim.callback_queries.get(query_id)
    if query is None or query["answered"]:
        raise bad_request("query is too old and response timeout expired or query ID is invalid")
    text = params.string("text") or ""
    if len(text) > MAX_ANSWER_TEXT:
        raise bad_request("MESSAGE_TOO_LONG")
    query["answered"] = True
    sim.callback_answers.append(
        {
            "callback_query_id": query_id,
            "user_id": query["user_id"],
            "chat_id": query["chat_id"],
            "message_id": query["message_id"],
            "data": query["data"],
            "text": text or None,
            "show_alert": params.boolean("show_alert"),
            "url": params.string("url"),
            "cache_time": params.integer("cache_time") or 0,
            "time": time.monotonic(),
        }
    )
    return True


def send_chat_action(sim: SimState, params: Params) -> bool:
    action = params.string("action")
    if action not in CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    chat = find_chat(sim, params)
    sim.chat_actions.append({"chat_id": chat.chat_id, "action": action, "time": time.monotonic()})
    return True
