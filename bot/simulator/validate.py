"""Request parameters and Telegram's own validation rules for the Bot API simulator.

Telegram's server turns every request into string arguments whatever the encoding (query
string, `application/x-www-form-urlencoded`, `multipart/form-data` or a JSON body) and parses
nested objects (`reply_markup`, `link_preview_options`, `scope`, ...) from JSON strings. The
simulator does the same, so one code path checks what python-telegram-bot sends (form fields,
nested objects JSON-encoded, files as multipart parts) and what any other client sends.

Text is parsed as Telegram parses it (HTML strictly, through `bot.telegram_html`), trimmed,
and measured in UTF-16 units. Error descriptions are Telegram's, including the "Bad Request: "
prefix and the lower-cased first letter the real server produces. Where Telegram is lenient
and our bot should never rely on that leniency, the simulator is stricter and says so.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot import telegram_html

MAX_TEXT = 4096
MAX_CAPTION = 1024


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
        value = (value.replace("&quot;", '"').replace("&lt;", "<").replace("&gt;", ">")).replace(
            "&amp;", "&"
        )
        found[match.group(1).lower()] = value
    return found


def _html_entities(html: str) -> tuple[str, list[dict[str, Any]]]:
    """Plain text and Telegram entities (offsets in UTF-16 units) of valid HTML.

    Raises telegram_html.HtmlError for HTML Telegram would refuse."""
    tokenize = getattr(telegram_html, "tokenize", None)
    if tokenize is None:  # only the documented interface: text without entities
        return telegram_html.parse_entities(html), []
    tokens = tokenize(html)
    parts: list[str] = []
    entities: list[dict[str, Any]] = []
    open_stack: list[tuple[str, int, str]] = []  # (tag, utf16 offset, raw start tag)
    pre_languages: dict[int, str] = {}  # stack depth of an open <pre> -> its code language
    offset = 0
    for token in tokens:
        if token.kind == "text":
            parts.append(token.text)
            offset += 2 if ord(token.text) > 0xFFFF else 1
        elif token.kind == "open":
            open_stack.append((token.name, offset, token.raw))
        else:
            name, start, raw = open_stack.pop()
            depth = len(open_stack)
            kind = _TAG_ENTITY.get(name)
            attrs = _attributes(raw) if name in ("a", "span", "pre", "code", "tg-emoji") else {}
            if name == "span":
                kind = "spoiler" if attrs.get("class") == "tg-spoiler" else None
            if name == "blockquote" and "expandable" in raw.lower():
                kind = "expandable_blockquote"
            if kind is None or offset == start:
                pre_languages.pop(depth, None)
                continue
            entity: dict[str, Any] = {"type": kind, "offset": start, "length": offset - start}
            if kind == "text_link":
                entity["url"] = attrs.get("href", "")
            elif kind == "custom_emoji":
                entity["custom_emoji_id"] = attrs.get("emoji-id", "")
            elif kind == "code" and depth and open_stack[-1][0] == "pre":
                language = attrs.get("class", "")
                if language.startswith("language-"):
                    # Telegram folds <pre><code class="language-x"> into one pre entity.
                    pre_languages[depth - 1] = language[len("language-") :]
                    continue
            elif kind == "pre" and depth in pre_languages:
                entity["language"] = pre_languages.pop(depth)
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
            raise bad_request("can't parse MessageEntity: Can't find field \"url\"")
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
