"""Telegram's checks of reply markup, link previews, command menus and chat actions.

Inline and reply keyboards are checked for structure (arrays of arrays of objects), one
action per inline button, callback_data of 1-64 bytes, URLs Telegram accepts and at most 100
inline buttons, with Telegram's error descriptions.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlsplit

from bot.simulator.validate import Params, bad_request

MAX_CALLBACK_DATA = 64
MAX_INLINE_BUTTONS = 100

_INLINE_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
_KEYBOARD_FLAGS = ("resize_keyboard", "one_time_keyboard", "selective", "is_persistent")


def _check_url(url: str, what: str) -> None:
    """Telegram accepts http(s) and tg: links; anything else is refused."""
    parts = urlsplit(url if "://" in url or url.startswith("tg:") else f"http://{url}")
    scheme = parts.scheme.lower()
    if scheme == "tg":
        return
    if scheme not in ("http", "https"):
        raise bad_request(f"{what} '{url}' is invalid: Unsupported URL protocol")
    host = parts.hostname or ""
    if not host or ("." not in host and host != "localhost") or " " in url:
        reason = "URL host is empty" if not host else "Wrong HTTP URL"
        raise bad_request(f"{what} '{url}' is invalid: {reason}")


def _inline_button(button: Any) -> None:
    prefix = "can't parse inline keyboard button: "
    if not isinstance(button, dict):
        raise bad_request(prefix + "InlineKeyboardButton must be an Object")
    if "text" not in button:
        raise bad_request(prefix + 'Can\'t find field "text"')
    if not isinstance(button["text"], str):
        raise bad_request(prefix + 'Field "text" must be of type String')
    if not button["text"].strip():
        raise bad_request("inline keyboard button text must be non-empty")
    actions = [key for key in _INLINE_ACTIONS if button.get(key) not in (None, "", False)]
    if not actions:
        raise bad_request(prefix + "Text buttons are unallowed in the inline keyboard")
    if len(actions) > 1:
        # Stricter than Telegram, which silently uses the first field it knows: the Bot API
        # documentation says exactly one field must be used, and a second one is a bug.
        raise bad_request(
            prefix + f"exactly one action field must be used, found {', '.join(actions)}"
        )
    action = actions[0]
    value = button[action]
    if action == "callback_data":
        if not isinstance(value, str):
            raise bad_request(prefix + 'Field "callback_data" must be of type String')
        if len(value.encode("utf-8")) > MAX_CALLBACK_DATA:
            raise bad_request("BUTTON_DATA_INVALID")
    elif action == "url":
        if not isinstance(value, str):
            raise bad_request(prefix + 'Field "url" must be of type String')
        _check_url(value, "inline keyboard button URL")
    elif action in ("pay", "callback_game"):
        raise bad_request("BUTTON_TYPE_INVALID")
    elif action == "web_app":
        url = value.get("url", "") if isinstance(value, dict) else ""
        if not str(url).startswith("https://"):
            raise bad_request(
                f"inline keyboard button Web App URL '{url}' is invalid: "
                "Only HTTPS links are allowed"
            )
    elif action == "copy_text":
        text = value.get("text", "") if isinstance(value, dict) else ""
        if not isinstance(text, str) or not 1 <= len(text) <= 256:
            raise bad_request("BUTTON_COPY_TEXT_INVALID")


def _keyboard_button(button: Any) -> None:
    prefix = "can't parse keyboard button: "
    if isinstance(button, str):
        text = button
    elif isinstance(button, dict):
        if "text" not in button:
            raise bad_request(prefix + 'Can\'t find field "text"')
        text = button["text"]
        if not isinstance(text, str):
            raise bad_request(prefix + 'Field "text" must be of type String')
    else:
        raise bad_request(prefix + "KeyboardButton must be a String or an Object")
    if not text.strip():
        raise bad_request("keyboard button text must be non-empty")


def _rows(markup: dict[str, Any], field: str) -> list[list[Any]]:
    rows = markup[field]
    if not isinstance(rows, list):
        raise bad_request(f'field "{field}" must be of type Array')
    for row in rows:
        if not isinstance(row, list):
            raise bad_request(f'field "{field}" must be an Array of Arrays')
    return rows


def _flags(markup: dict[str, Any], names: tuple[str, ...]) -> None:
    for name in names:
        if name in markup and not isinstance(markup[name], bool):
            raise bad_request(f'field "{name}" must be of type Boolean')


def reply_markup(params: Params, *, inline_only: bool = False) -> dict[str, Any] | None:
    """The checked `reply_markup` object, or None when absent."""
    raw = params.string("reply_markup")
    if raw is None or raw == "":
        return None
    try:
        markup = json.loads(raw)
    except ValueError:
        raise bad_request("can't parse reply keyboard markup JSON object") from None
    if not isinstance(markup, dict):
        raise bad_request("object expected as reply markup")
    if "inline_keyboard" in markup:
        rows = _rows(markup, "inline_keyboard")
        total = 0
        for row in rows:
            for button in row:
                _inline_button(button)
                total += 1
        if total > MAX_INLINE_BUTTONS:
            raise bad_request("reply markup is too long")
        return markup
    if inline_only:
        raise bad_request("inline keyboard expected")
    if "keyboard" in markup:
        for row in _rows(markup, "keyboard"):
            for button in row:
                _keyboard_button(button)
        _flags(markup, _KEYBOARD_FLAGS)
        placeholder = markup.get("input_field_placeholder")
        if placeholder is not None and (not isinstance(placeholder, str) or len(placeholder) > 64):
            raise bad_request("can't parse input_field_placeholder")
        return markup
    if "remove_keyboard" in markup:
        _flags(markup, ("remove_keyboard", "selective"))
        return markup
    if "force_reply" in markup:
        _flags(markup, ("force_reply", "selective"))
        return markup
    return None


def link_preview_options(params: Params) -> dict[str, Any] | None:
    value = params.json("link_preview_options", "can't parse link preview options JSON object")
    if value is None:
        return None
    if not isinstance(value, dict):
        raise bad_request("object expected as link preview options")
    _flags(value, ("is_disabled", "prefer_small_media", "prefer_large_media", "show_above_text"))
    return value


_COMMAND = re.compile(r"[a-z0-9_]{1,32}")


def bot_commands(params: Params) -> list[dict[str, str]]:
    """The `commands` of setMyCommands, checked as Telegram checks them."""
    value = params.json("commands", "can't parse commands JSON object")
    if value is None:
        raise bad_request('parameter "commands" is required')
    if not isinstance(value, list):
        raise bad_request('field "commands" must be of type Array')
    if len(value) > 100:
        raise bad_request("too many commands specified")
    out: list[dict[str, str]] = []
    for item in value:
        if not isinstance(item, dict):
            raise bad_request("can't parse BotCommand: BotCommand must be an Object")
        command, description = item.get("command"), item.get("description")
        # Stricter than Telegram, which lower-cases silently: menus are written as sent.
        if not isinstance(command, str) or not _COMMAND.fullmatch(command):
            raise bad_request("BOT_COMMAND_INVALID")
        if not isinstance(description, str) or not 1 <= len(description.strip()) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        out.append({"command": command, "description": description})
    return out


def scope_key(params: Params) -> str:
    """Canonical JSON of a BotCommandScope (default scope when absent)."""
    scope = params.json("scope", "can't parse BotCommandScope JSON object")
    if scope is None:
        scope = {"type": "default"}
    valid = {
        "default",
        "all_private_chats",
        "all_group_chats",
        "all_chat_administrators",
        "chat",
        "chat_administrators",
        "chat_member",
    }
    if not isinstance(scope, dict) or scope.get("type") not in valid:
        raise bad_request("unsupported bot command scope type specified")
    return json.dumps(scope, sort_keys=True, separators=(",", ":"))


CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
