"""Request parameters and Telegram's own validation rules for the Bot API simulator.

Telegram's server turns every request into string arguments whatever the encoding (query
string, `application/x-www-form-urlencoded`, `multipart/form-data` or a JSON body) and parses
nested objects (`reply_markup`, `link_preview_options`, `scope`, ...) from JSON strings. The
simulator does the same, so one code path checks what python-telegram-bot sends (form fields,
nested objects JSON-encoded, files as multipart parts) and what any other client sends.

Error descriptions are Telegram's, including the "Bad Request: " prefix and the lower-cased
first letter the real server produces. Where Telegram is lenient and our bot should never rely
on that leniency, the simulator is stricter and says so in the docstring of the check.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from bot import telegram_html

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64
MAX_INLINE_BUTTONS = 100
MAX_ANSWER_TEXT = 200


class ApiError(Exception):
    """A Bot API error answer: HTTP status, Telegram's description and optional parameters."""

    def __init__(
        self, code: int, description: str, parameters: dict[str, Any] | None = None
    ) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters

    def envelope(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.code,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(message: str, **parameters: Any) -> ApiError:
    return ApiError(400, f"Bad Request: {message}", parameters or None)


def forbidden(message: str) -> ApiError:
    return ApiError(403, f"Forbidden: {message}")


@dataclass(frozen=True)
class Upload:
    """One file part of a multipart request."""

    filename: str
    content_type: str
    data: bytes


def _as_arg(value: Any) -> str:
    """Convert one JSON-body value to the string argument Telegram's server would see."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, ensure_ascii=False)


class Params:
    """The arguments of one request: strings by name, plus uploaded files by part name."""

    __slots__ = ("args", "files")

    def __init__(self, args: Mapping[str, str], files: Mapping[str, Upload] | None = None) -> None:
        self.args: dict[str, str] = dict(args)
        self.files: dict[str, Upload] = dict(files or {})

    @classmethod
    def from_json(cls, body: Any) -> Params:
        if not isinstance(body, dict):
            raise bad_request("parameters must be a JSON object")
        return cls({key: _as_arg(value) for key, value in body.items() if value is not None})

    def has(self, name: str) -> bool:
        return name in self.args or name in self.files

    def string(self, name: str) -> str | None:
        return self.args.get(name)

    def integer(self, name: str) -> int | None:
        """The argument as an integer; None when missing or not an integer (as Telegram, which
        then treats the argument as absent or zero)."""
        value = self.args.get(name)
        if value is None:
            return None
        try:
            return int(value.strip())
        except ValueError:
            return None

    def number(self, name: str) -> float | None:
        value = self.args.get(name)
        if value is None:
            return None
        try:
            return float(value)
        except ValueError:
            return None

    def boolean(self, name: str) -> bool:
        return self.args.get(name, "").strip().lower() in ("true", "1")

    def json(self, name: str, error: str | None = None) -> Any:
        """The argument parsed from JSON; None when missing or empty."""
        value = self.args.get(name)
        if value is None or value == "":
            return None
        try:
            return json.loads(value)
        except ValueError:
            raise bad_request(error or f"can't parse {name} JSON object") from None

    def public(self) -> dict[str, str]:
        """Arguments for diagnostics (file parts are named, not copied)."""
        out = dict(self.args)
        for name, upload in self.files.items():
            out[name] = f"<file {upload.filename} {len(upload.data)} bytes>"
        return out


# --------------------------------------------------------------------------- text & entities

PARSE_MODES = {"html": "HTML", "markdown": "Markdown", "markdownv2": "MarkdownV2"}

_TAG_ENTITY = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_ATTR = re.compile(r"""([a-zA-Z\-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""")


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _attributes(raw_tag: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for match in _ATTR.finditer(raw_tag):
        value = next((g for g in match.groups()[1:] if g is not None), "")
        value = (
            value.replace("&quot;", '"').replace("&lt;", "<").replace("&gt;", ">")
        ).replace("&amp;", "&")
        found[match.group(1).lower()] = value
    return found


def _html_entities(html: str) -> tuple[str, list[dict[str, Any]]]:
    """Plain text and Telegram entities (offsets in UTF-16 units) of valid HTML.

    Raises telegram_html.HtmlError for HTML Telegram would refuse."""
    tokens = telegram_html.tokenize(html)
    parts: list[str] = []
    entities: list[dict[str, Any]] = []
    open_stack: list[tuple[str, int, str]] = []  # (tag, utf16 offset, raw start tag)
    offset = 0
    for token in tokens:
        if token.kind == "text":
            parts.append(token.text)
            offset += 2 if ord(token.text) > 0xFFFF else 1
        elif token.kind == "open":
            open_stack.append((token.name, offset, token.raw))
        else:
            name, start, raw = open_stack.pop()
            kind = _TAG_ENTITY.get(name)
            attrs = _attributes(raw) if name in ("a", "span", "pre", "code", "tg-emoji") else {}
            if name == "span":
                kind = "spoiler" if attrs.get("class") == "tg-spoiler" else None
            if name == "blockquote" and "expandable" in raw.lower():
                kind = "expandable_blockquote"
            if kind is None or offset == start:
                continue
            entity: dict[str, Any] = {"type": kind, "offset": start, "length": offset - start}
            if kind == "text_link":
                entity["url"] = attrs.get("href", "")
            elif kind == "custom_emoji":
                entity["custom_emoji_id"] = attrs.get("emoji-id", "")
            elif kind == "code" and open_stack and open_stack[-1][0] == "pre":
                language = attrs.get("class", "")
                if language.startswith("language-"):
                    # Telegram folds <pre><code class="language-x"> into one pre entity.
                    entity = {}
                    open_stack[-1] = (open_stack[-1][0], open_stack[-1][1], language)
            elif kind == "pre" and raw.startswith("language-"):
                entity["language"] = raw[len("language-") :]
            if entity:
                entities.append(entity)
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(parts), entities


def _trim(text: str, entities: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """Telegram strips leading and trailing white space after parsing; entities follow."""
    stripped = text.strip()
    if stripped == text:
        return text, entities
    lead = utf16_len(text[: len(text) - len(text.lstrip())])
    total = utf16_len(stripped)
    kept: list[dict[str, Any]] = []
    for entity in entities:
        start = max(entity["offset"] - lead, 0)
        end = min(entity["offset"] + entity["length"] - lead, total)
        if end > start:
            kept.append({**entity, "offset": start, "length": end - start})
    return stripped, kept


@dataclass(frozen=True)
class Rendered:
    """Text as Telegram stores it after parsing: plain text, entities and its length."""

    text: str
    entities: list[dict[str, Any]]
    length: int


def render(text: str, parse_mode: str | None, entities_arg: Any = None) -> Rendered:
    """Parse `text` the way Telegram does for `parse_mode` (HTML is validated strictly).

    Markdown modes are accepted but not parsed (this project sends HTML only): their text is
    kept verbatim, which is documented as a simulator limitation."""
    mode = _parse_mode(parse_mode)
    if mode == "HTML":
        try:
            plain, entities = _html_entities(text)
        except telegram_html.HtmlError as exc:
            raise bad_request(f"can't parse entities: {exc.reason}") from None
    else:
        plain = text
        entities = _explicit_entities(entities_arg, text) if mode is None else []
    plain, entities = _trim(plain, entities)
    return Rendered(plain, entities, telegram_html.text_length(plain))


def _parse_mode(parse_mode: str | None) -> str | None:
    if parse_mode is None or parse_mode == "":
        return None
    mode = PARSE_MODES.get(parse_mode.lower())
    if mode is None:
        raise bad_request("unsupported parse_mode")
    return mode


def normalize_parse_mode(parse_mode: str | None) -> str | None:
    return _parse_mode(parse_mode)


_ENTITY_TYPES = frozenset(
    {
        "mention",
        "hashtag",
        "cashtag",
        "bot_command",
        "url",
        "email",
        "phone_number",
        "bold",
        "italic",
        "underline",
        "strikethrough",
        "spoiler",
        "blockquote",
        "expandable_blockquote",
        "code",
        "pre",
        "text_link",
        "text_mention",
        "custom_emoji",
    }
)


def _explicit_entities(value: Any, text: str) -> list[dict[str, Any]]:
    """Check an explicit `entities` / `caption_entities` array as Telegram does."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise bad_request("can't parse entities JSON object")
    total = utf16_len(text)
    out: list[dict[str, Any]] = []
    for entity in value:
        if not isinstance(entity, dict):
            raise bad_request("can't parse MessageEntity: MessageEntity must be an Object")
        if entity.get("type") not in _ENTITY_TYPES:
            raise bad_request("can't parse MessageEntity: Unsupported type specified")
        offset, length = entity.get("offset"), entity.get("length")
        if not isinstance(offset, int) or offset < 0:
            raise bad_request(f"receive an entity with incorrect offset {offset}")
        if not isinstance(length, int) or length < 0:
            raise bad_request(f"receive an entity with incorrect length {length}")
        if offset > total:
            raise bad_request(f"entity begins after the end of the text at UTF-16 offset {offset}")
        if offset + length > total:
            raise bad_request(
                f"entity beginning at UTF-16 offset {offset} ends after the end of the text "
                f"at UTF-16 offset {offset + length}"
            )
        if entity["type"] == "text_link" and "url" not in entity:
            raise bad_request('can\'t parse MessageEntity: Can\'t find field "url"')
        out.append(entity)
    return out


def message_text(params: Params) -> Rendered:
    """The `text` of sendMessage / editMessageText, parsed and length-checked."""
    raw = params.string("text")
    if raw is None or raw == "":
        raise bad_request("message text is empty")
    rendered = render(
        raw, params.string("parse_mode"), params.json("entities", "can't parse entities JSON")
    )
    if not rendered.text:
        raise bad_request("text must be non-empty")
    if rendered.length > MAX_TEXT:
        raise bad_request("message is too long")
    return rendered


def caption_text(params: Params) -> Rendered | None:
    raw = params.string("caption")
    if raw is None or raw == "":
        return None
    rendered = render(
        raw,
        params.string("parse_mode"),
        params.json("caption_entities", "can't parse entities JSON"),
    )
    if rendered.length > MAX_CAPTION:
        raise bad_request("message caption is too long")
    return rendered if rendered.text else None


# --------------------------------------------------------------------------- reply markup

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
        raise bad_request("parameter \"commands\" is required")
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
