"""Fitting a message built from people's text into Telegram's limits.

Telegram measures a message after entity parsing, in UTF-16 code units: 4096 for a text,
1024 for a caption. One emoji outside the Basic Multilingual Plane is two units, so a note
of 1,000 emoji is 2,000 units, and a message that counts code points (Python's `len`) can
be refused with "message is too long" — and then it is lost.

`fit(build, fields, limit)` builds the message from the people-supplied fields (raw text,
escaped by `build` itself, as every `bot.texts` function does), measures it, and if it is
too long cuts the longest fields down to a common length, each ending with "…", and builds
again. Cutting happens on the raw text before escaping, so a cut can never land inside a
tag or an entity; it never splits a character (an astral character is one Python code
point) and does not leave a combining mark, a variation selector or a zero-width joiner
without the character it belongs to. Short fields (a name) are kept whole while a long one
(a caption, a note) gives way. If the fixed part alone is too long, the message is cut at a
word boundary by `render.split_message` and ends with "…" (never refused, never empty).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import TypeVar

from bot.render import split_message
from bot.rich import Rich, Span
from bot.telegram_html import parse_entities, text_length

__all__ = [
    "CAPTION_LIMIT",
    "ELLIPSIS",
    "TEXT_LIMIT",
    "Field",
    "cut",
    "fit",
    "fits",
    "visible_length",
]

TEXT_LIMIT = 4096  # a message's text, after entity parsing, in UTF-16 units
CAPTION_LIMIT = 1024  # a photo's or a document's caption
ELLIPSIS = "…"  # one UTF-16 unit

Field = str | Sequence[str]
T = TypeVar("T", Rich, str)
Fields = Mapping[str, Field]

_ZWJ = "\u200d"
_ROUNDS = 8  # each round cuts at least the excess; two are enough unless `build` repeats a field


def _units(ch: str) -> int:
    return 2 if ord(ch) > 0xFFFF else 1


def _belongs_to_previous(ch: str) -> bool:
    """A character that is drawn together with the one before it: a combining mark, a
    variation selector, an emoji skin-tone modifier or a tag character (flags)."""
    code = ord(ch)
    return (
        unicodedata.category(ch) in ("Mn", "Me", "Mc")
        or 0xFE00 <= code <= 0xFE0F
        or 0x1F3FB <= code <= 0x1F3FF
        or 0xE0020 <= code <= 0xE007F
        or ch == _ZWJ
    )


def _is_regional(ch: str) -> bool:
    return 0x1F1E6 <= ord(ch) <= 0x1F1FF


def _regional_run(text: str, end: int) -> int:
    """How many regional indicators come right before `end`."""
    start = end
    while start > 0 and _is_regional(text[start - 1]):
        start -= 1
    return end - start


def cut(text: str, limit: int) -> str:
    """`text` if it is at most `limit` UTF-16 units, else its start and "…" within `limit`.

    The cut falls between two whole characters and never right before a mark that belongs
    to the character in front of it (nor right after a zero-width joiner, nor in a flag)."""
    if text_length(text) <= limit:
        return text
    if limit < 1:
        return ""
    budget = limit - text_length(ELLIPSIS)
    end = 0
    used = 0
    while end < len(text) and used + _units(text[end]) <= budget:
        used += _units(text[end])
        end += 1
    while end > 0 and (_belongs_to_previous(text[end]) or text[end - 1] == _ZWJ):
        end -= 1
    if _is_regional(text[end]) and _regional_run(text, end) % 2:
        end -= 1  # a flag is two regional indicators: do not keep half of one
    return text[:end].rstrip() + ELLIPSIS


def visible_length(html: str) -> int:
    """The length Telegram checks: UTF-16 units of the text after entity parsing."""
    return text_length(parse_entities(html))


def fits(html: str, limit: int = TEXT_LIMIT) -> bool:
    # Tags and entities only add to the source, so a short source needs no parsing.
    return text_length(html) <= limit or visible_length(html) <= limit


def fit(
    build: Callable[[dict[str, Field]], T],
    fields: Fields,
    limit: int = TEXT_LIMIT,
) -> T:
    """`build(fields)`, with the longest fields cut ("…") until it fits in `limit`.

    `fields` maps a name to a person's raw text, or to a sequence of them (the names in a
    list); `build` gets the same mapping back, with the same shapes, possibly shortened,
    and returns `Rich` text (or valid Telegram HTML, escaping the fields itself)."""
    current: dict[str, Field] = dict(fields)
    built = build(current)
    for _ in range(_ROUNDS):
        if _fits(built, limit):
            return built
        over = _visible(built) - limit
        cap = _common_cap([text_length(t) for t in _texts(current)], over)
        if cap is None:
            break  # every field is already as short as it can be
        current = {name: _cut_field(value, cap) for name, value in current.items()}
        built = build(current)
    if _fits(built, limit):
        return built
    if isinstance(built, Rich):
        return _truncate_rich(built, limit)
    return _truncate(built, limit)


def _fits(built: Rich | str, limit: int) -> bool:
    return text_length(built.text) <= limit if isinstance(built, Rich) else fits(built, limit)


def _visible(built: Rich | str) -> int:
    return text_length(built.text) if isinstance(built, Rich) else visible_length(built)


def _truncate_rich(text: Rich, limit: int) -> Rich:
    """The start of `text` within `limit`, at a word boundary where there is one, "…"."""
    budget = limit - text_length(ELLIPSIS)
    kept: list[Span] = []
    used = 0
    for span in text.spans:
        room = budget - used
        if text_length(span.text) <= room:
            kept.append(span)
            used += text_length(span.text)
            continue
        piece = cut(span.text, room + text_length(ELLIPSIS))[: -len(ELLIPSIS)]
        word = piece.rsplit(" ", 1)[0] if " " in piece else piece
        kept.append(replace(span, text=word.rstrip()))
        break
    return Rich(tuple(s for s in kept if s.text)) + ELLIPSIS


def _texts(fields: Mapping[str, Field]) -> list[str]:
    found: list[str] = []
    for value in fields.values():
        if isinstance(value, str):
            found.append(value)
        else:
            found.extend(value)
    return found


def _cut_field(value: Field, cap: int) -> Field:
    if isinstance(value, str):
        return cut(value, cap)
    return tuple(cut(item, cap) for item in value)


def _common_cap(lengths: list[int], over: int) -> int | None:
    """The largest length C ≥ 1 such that cutting every field longer than C down to C
    saves at least `over` units (water-filling: the longest give way first); 1 when even
    that is not enough; None when no field is longer than 1."""
    longest = max(lengths, default=0)
    if longest <= 1:
        return None

    def saved(cap: int) -> int:
        return sum(n - cap for n in lengths if n > cap)

    low, high = 1, longest - 1  # saved(low) is the most that can be saved
    if saved(low) < over:
        return 1
    while low < high:
        middle = (low + high + 1) // 2
        if saved(middle) >= over:
            low = middle
        else:
            high = middle - 1
    return low


def _truncate(html: str, limit: int) -> str:
    """The start of `html` within `limit`, cut at a word boundary, tags closed, with "…"."""
    chunks = split_message(html, max(2, limit - text_length(ELLIPSIS)))
    if not chunks:
        return html
    return chunks[0] + (ELLIPSIS if len(chunks) > 1 else "")
