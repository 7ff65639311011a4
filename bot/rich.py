"""Text as the core says it: plain strings, some of them bold, italic or a link — never a
markup language.

A screen's text is `Rich`. Each channel renders it as it can: Telegram as its HTML
(bot/channels/telegram_render.py), a channel without formatting as plain text (`plain`,
with a link's address written out). What a person typed is only ever the text of a span:
it cannot become markup, and nothing in the core has to remember to escape it — the one
renderer that writes markup does.

Built with `rich`, `bold`, `italic`, `link` and `+`; a `str` anywhere is literal text.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any


@dataclass(frozen=True)
class Span:
    text: str
    bold: bool = False
    italic: bool = False
    link: str = ""  # the address the text points to
    code: bool = False  # a command or a code, shown as typed (the content pack's `code`)
    underline: bool = False
    strike: bool = False


@dataclass(frozen=True)
class Rich:
    spans: tuple[Span, ...] = ()

    def __add__(self, other: Rich | str) -> Rich:
        return Rich(_merge(self.spans + _spans(other)))

    def __radd__(self, other: str) -> Rich:
        return Rich(_merge(_spans(other) + self.spans))

    def __bool__(self) -> bool:
        return any(span.text for span in self.spans)

    def __format__(self, spec: str) -> str:
        # In an f-string or str() the emphasis would be lost silently (or the text become a
        # repr): rich text is joined with rich() and `+`, and only a renderer makes a string.
        raise TypeError("rich text cannot be formatted into a str; join it with rich()")

    def __str__(self) -> str:
        raise TypeError("rich text has no str(); a channel's renderer shows it")

    @property
    def text(self) -> str:
        """The characters a person reads, without any emphasis."""
        return "".join(span.text for span in self.spans)

    def join(self, parts: Iterable[Rich | str]) -> Rich:
        """Like `str.join`: the parts with this text between them."""
        out: list[Span] = []
        for n, part in enumerate(parts):
            if n:
                out.extend(self.spans)
            out.extend(_spans(part))
        return Rich(_merge(tuple(out)))

    def to_json(self) -> list[list[Any]]:
        """For what is stored (an owed screen, a flow step's reply): [[text, flags, link]]."""
        return [[s.text, _flags(s), s.link] for s in self.spans]

    @classmethod
    def from_json(cls, data: list[list[Any]]) -> Rich:
        return cls(
            tuple(
                Span(
                    str(text),
                    "b" in flags,
                    "i" in flags,
                    str(address),
                    "c" in flags,
                    "u" in flags,
                    "s" in flags,
                )
                for text, flags, address in data
            )
        )


def rich(*parts: Rich | str) -> Rich:
    """The parts one after another."""
    return Rich().join(parts)


def bold(*parts: Rich | str) -> Rich:
    return Rich(_merge(tuple(replace(s, bold=True) for s in rich(*parts).spans)))


def italic(*parts: Rich | str) -> Rich:
    return Rich(_merge(tuple(replace(s, italic=True) for s in rich(*parts).spans)))


def link(label: Rich | str, address: str) -> Rich:
    return Rich(_merge(tuple(replace(s, link=address) for s in rich(label).spans)))


def lines(parts: Iterable[Rich | str]) -> Rich:
    """The parts on lines of their own."""
    return Rich((Span("\n"),)).join(parts)


def plain(text: Rich | str) -> str:
    """What a channel without formatting shows: the text, a link's address after it."""
    if isinstance(text, str):
        return text
    out: list[str] = []
    for n, span in enumerate(text.spans):
        out.append(span.text)
        following = text.spans[n + 1].link if n + 1 < len(text.spans) else ""
        if span.link and following != span.link and span.link != span.text:
            out.append(f" ({span.link})")
    return "".join(out)


def split(text: Rich, limit: int, size: Callable[[str], int] = len) -> list[Rich]:
    """`text` in pieces of at most `limit` (as `size` measures one character, summed), cut
    at a paragraph break where there is one, else at a line break, else at a space; a word
    longer than a piece is cut inside. Emphasis is kept across the cuts; the white space cut
    at is dropped."""
    plain_text = text.text
    widths = [size(ch) for ch in plain_text]
    cuts: list[tuple[int, int]] = []  # (start, end) of each piece in the plain text
    start = 0
    while start < len(plain_text):
        end, used = start, 0
        while end < len(plain_text) and used + widths[end] <= limit:
            used += widths[end]
            end += 1
        if end < len(plain_text):
            window = plain_text[start:end]
            for mark in ("\n\n", "\n", " "):
                at = window.rfind(mark)
                if at > 0:
                    end = start + at
                    break
        end = max(end, start + 1)  # always move on, even past a character wider than limit
        cuts.append((start, end))
        start = end
        while start < len(plain_text) and plain_text[start] in " \n":
            start += 1
    return [_slice(text, a, b) for a, b in cuts if plain_text[a:b].strip(" \n")]


def _slice(text: Rich, start: int, end: int) -> Rich:
    out: list[Span] = []
    at = 0
    for span in text.spans:
        a, b = max(start, at), min(end, at + len(span.text))
        if a < b:
            out.append(replace(span, text=span.text[a - at : b - at]))
        at += len(span.text)
    return Rich(_merge(tuple(out)))


def _flags(span: Span) -> str:
    marks = (
        ("b", span.bold),
        ("i", span.italic),
        ("c", span.code),
        ("u", span.underline),
        ("s", span.strike),
    )
    return "".join(mark for mark, on in marks if on)


def _spans(part: Rich | str) -> tuple[Span, ...]:
    if isinstance(part, Rich):
        return part.spans
    return (Span(part),) if part else ()


def _style(span: Span) -> tuple[object, ...]:
    return (span.bold, span.italic, span.link, span.code, span.underline, span.strike)


def _merge(spans: tuple[Span, ...]) -> tuple[Span, ...]:
    """Neighbours with the same emphasis become one span (so renderers write one tag)."""
    out: list[Span] = []
    for span in spans:
        if not span.text:
            continue
        if out and _style(out[-1]) == _style(span):
            out[-1] = replace(out[-1], text=out[-1].text + span.text)
        else:
            out.append(span)
    return tuple(out)
