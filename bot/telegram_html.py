"""Telegram's HTML parse mode, checked as strictly as Telegram checks it.

Used two ways: the fake Bot API server (`bot/simulator.py`) rejects bad HTML with the same
400 "Can't parse entities: ..." text the real server sends, and the renderer's tests use it
as an oracle, so every message the bot builds is known to parse before it reaches Telegram.

The parser is hand-rolled on purpose. The stdlib `html.parser` is a forgiving HTML5-ish
tokenizer: it silently accepts unclosed and mismatched tags, bare `<` and `&`, unknown named
entities (`&nbsp;` becomes a character) and never reports a byte offset, so it cannot say
"no" where Telegram says "no". The structure below follows Telegram's own parser (TDLib
`parse_html`): same tag list, same attribute grammar, same error messages and byte offsets.

Where Telegram is more lenient than its documentation, this module follows the documentation
so that anything accepted here is also accepted by Telegram (never the other way round):
- a bare `&` that does not start an entity is an error (Telegram keeps it as text);
- a numeric or named entity must end with `;` (Telegram makes the `;` optional);
- `<a>` must carry `href` and `<tg-emoji>` must carry `emoji-id`.
A bare `>` is accepted as text, as Telegram does. Unknown attributes on allowed tags are
ignored, as Telegram does, but they must still be syntactically valid.
"""

from __future__ import annotations

import html as _html
import re
from typing import Literal, NamedTuple

__all__ = ["ALLOWED_TAGS", "HtmlError", "Token", "parse_entities", "text_length", "tokenize"]

ALLOWED_TAGS: frozenset[str] = frozenset(
    {
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "span",
        "tg-spoiler",
        "a",
        "code",
        "pre",
        "blockquote",
        "tg-emoji",
    }
)

_NAMED_ENTITIES: dict[str, str] = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}

# TDLib's is_space(); NUL counts because TDLib scans a NUL-terminated buffer.
_SPACES = frozenset(" \t\r\n\v\f\0")

_MAX_CODE_POINT = 0x10FFFF


class HtmlError(ValueError):
    """Raised for HTML that Telegram would refuse; str() matches Telegram's description."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(f"Can't parse entities: {reason}")


class Token(NamedTuple):
    """One unit of a valid message: a start tag, an end tag or one visible character.

    `raw` is the exact source slice (a whole tag, one character or one entity), so joining
    the raws of all tokens gives back the input; `name` is the lower-case tag name for tags
    (for `</>` the name of the tag it closes); `text` is the visible character of a text
    token and "" for tags."""

    kind: Literal["open", "close", "text"]
    raw: str
    name: str
    text: str


def text_length(text: str) -> int:
    """Length in UTF-16 code units: the unit Telegram uses for the 4096 limit and offsets."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _byte_offset(html: str, pos: int) -> int:
    return len(html[:pos].encode("utf-8", "surrogatepass"))


def _is_name_char(c: str) -> bool:
    # TDLib's is_alnum() is ASCII-only.
    return c.isascii() and (c.isalnum() or c in ".-")


def _decode_entity(html: str, pos: int) -> tuple[str, int] | None:
    """Decode the entity starting with `&` at `pos`; return (character, next position)."""
    n = len(html)
    end = pos + 1
    if end < n and html[end] == "#":
        end += 1
        digits = "0123456789"
        base = 10
        if end < n and html[end] in "xX":
            end += 1
            digits = "0123456789abcdefABCDEF"
            base = 16
        start = end
        while end < n and html[end] in digits and end - start < 8:
            end += 1
        if end == start or end >= n or html[end] != ";":
            return None
        value = int(html[start:end], base)
        # 0, surrogates and values beyond Unicode are not characters.
        if value == 0 or value > _MAX_CODE_POINT or 0xD800 <= value <= 0xDFFF:
            return None
        return chr(value), end + 1
    start = end
    while end < n and html[end].isascii() and html[end].isalpha():
        end += 1
    name = html[start:end]
    if name not in _NAMED_ENTITIES or end >= n or html[end] != ";":
        return None
    return _NAMED_ENTITIES[name], end + 1


def _entity_error(html: str, pos: int) -> HtmlError:
    end = pos + 1
    while end < len(html) and end - pos < 12 and html[end] not in _SPACES and html[end] != "&":
        if html[end] == ";":
            end += 1
            break
        end += 1
    return HtmlError(
        f'Unsupported entity "{html[pos:end]}" at byte offset {_byte_offset(html, pos)}; '
        'escape "&" as &amp;'
    )


def _skip_spaces(html: str, i: int) -> int:
    while i < len(html) and html[i] in _SPACES:
        i += 1
    return i


def _parse_start_tag(html: str, begin: int) -> tuple[str, int]:
    """Parse `<name attr=...>` starting at `begin` (the `<`); return the tag and the index
    just after `>`."""
    n = len(html)
    i = begin + 1
    tag_end = i
    while tag_end < n and html[tag_end] not in _SPACES and html[tag_end] != ">":
        tag_end += 1
    tag_name = html[i:tag_end].lower()
    offset = _byte_offset(html, begin)
    if tag_name not in ALLOWED_TAGS:
        raise HtmlError(f'Unsupported start tag "{tag_name}" at byte offset {offset}')

    attributes: dict[str, str] = {}
    i = tag_end
    while True:
        i = _skip_spaces(html, i)
        if i >= n:
            raise HtmlError(f"Unclosed start tag at byte offset {offset}")
        if html[i] == ">":
            break
        name_begin = i
        while i < n and html[i] not in _SPACES and html[i] not in "=>":
            i += 1
        attribute_name = html[name_begin:i].lower()
        if not attribute_name:
            raise HtmlError(f'Empty attribute name in the tag "{tag_name}" at byte offset {offset}')
        i = _skip_spaces(html, i)
        if i >= n or html[i] != "=":
            if tag_name == "blockquote" and attribute_name == "expandable":
                attributes[attribute_name] = ""
                continue
            raise HtmlError(
                "Expected equal sign in declaration of an attribute of the tag "
                f'"{tag_name}" at byte offset {offset}'
            )
        i = _skip_spaces(html, i + 1)
        if i >= n:
            raise HtmlError(f"Unclosed start tag at byte offset {offset}")
        if html[i] not in "'\"":
            # An unquoted value is an HTML "name token": letters, digits, '.', '-'.
            token_begin = i
            while i < n and _is_name_char(html[i]):
                i += 1
            value = html[token_begin:i].lower()
            if i < n and html[i] not in _SPACES and html[i] != ">":
                raise HtmlError(
                    f"Unexpected end of name token at byte offset {_byte_offset(html, token_begin)}"
                )
        else:
            quote = html[i]
            i += 1
            chars: list[str] = []
            while i < n and html[i] != quote:
                if html[i] == "&":
                    decoded = _decode_entity(html, i)
                    if decoded is None:
                        raise _entity_error(html, i)
                    chars.append(decoded[0])
                    i = decoded[1]
                    continue
                chars.append(html[i])
                i += 1
            if i >= n:
                raise HtmlError(f"Unclosed start tag at byte offset {offset}")
            i += 1
            value = "".join(chars)
        attributes[attribute_name] = value

    if tag_name == "span" and attributes.get("class") != "tg-spoiler":
        raise HtmlError(f'Tag "span" must have class "tg-spoiler" at byte offset {offset}')
    if tag_name == "a" and not attributes.get("href", "").strip():
        raise HtmlError(f'Tag "a" must have a non-empty "href" at byte offset {offset}')
    if tag_name == "tg-emoji" and not attributes.get("emoji-id", "").isdigit():
        raise HtmlError(f'Tag "tg-emoji" must have a numeric "emoji-id" at byte offset {offset}')
    return tag_name, i + 1


_HREF = re.compile(r"""href\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.I)


def href_of(token: Token) -> str:
    """The address of an <a> start tag, its entities decoded; "" when it names none."""
    found = _HREF.search(token.raw)
    if found is None:
        return ""
    return _html.unescape(next(g for g in found.groups() if g is not None))


def tokenize(html: str) -> list[Token]:
    """Split `html` into tokens, validating it exactly as parse_entities() does."""
    try:
        html.encode("utf-8")
    except UnicodeEncodeError:
        raise HtmlError("Strings must be encoded in UTF-8") from None

    n = len(html)
    tokens: list[Token] = []
    stack: list[str] = []
    i = 0
    while i < n:
        c = html[i]
        if c == "&":
            decoded = _decode_entity(html, i)
            if decoded is None:
                raise _entity_error(html, i)
            tokens.append(Token("text", html[i : decoded[1]], "", decoded[0]))
            i = decoded[1]
            continue
        if c != "<":
            tokens.append(Token("text", c, "", c))
            i += 1
            continue

        begin = i
        if i + 1 >= n or html[i + 1] != "/":
            name, i = _parse_start_tag(html, begin)
            stack.append(name)
            tokens.append(Token("open", html[begin:i], name, ""))
            continue

        # An end tag: `</name>`; `</>` closes the innermost open tag, as in Telegram.
        offset = _byte_offset(html, begin)
        if not stack:
            raise HtmlError(f"Unexpected end tag at byte offset {offset}")
        i += 2
        tag_end = i
        while tag_end < n and html[tag_end] not in _SPACES and html[tag_end] != ">":
            tag_end += 1
        end_name = html[i:tag_end].lower()
        i = _skip_spaces(html, tag_end)
        if i >= n or html[i] != ">":
            raise HtmlError(f"Unclosed end tag at byte offset {offset}")
        i += 1
        expected = stack.pop()
        if end_name and end_name != expected:
            raise HtmlError(
                f'Unmatched end tag at byte offset {offset}, expected "</{expected}>", '
                f'found "</{end_name}>"'
            )
        tokens.append(Token("close", html[begin:i], expected, ""))

    if stack:
        raise HtmlError(f'Can\'t find end tag corresponding to start tag "{stack[-1]}"')
    return tokens


def parse_entities(html: str) -> str:
    """Return the plain text Telegram would show for `html`; raise HtmlError if Telegram
    would answer 400 "Can't parse entities".

    Leading/trailing whitespace is kept: Telegram trims it afterwards, and callers that
    care about empty messages check that themselves."""
    return "".join(token.text for token in tokenize(html))
