"""Screens for a channel without buttons or formatting: plain text and numbered options.

Zalo has no inline keyboards and no HTML. There a screen's options become lines "1. …",
"2. …" under the text with one line saying how to answer, and the options shown last to
each chat are remembered (in SQLite, so a restart forgets nothing): a reply "2" — or the
option's label typed out — resolves to the same token a tap would carry on Telegram, and
the core cannot tell the two apart.

`Capabilities` is what a channel declares (limits, buttons, edits, formatting); `render`
fits the screen to them: text split at paragraph, line and word boundaries within the text
limit (measured in UTF-16, as both Telegram and, to be safe, Zalo count), links written out
as "text (address)" since there is nothing to tap.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from bot import texts
from bot.clock import iso
from bot.content import fold
from bot.db import Database
from bot.render import escape, split_message
from bot.rich import plain
from bot.screens import OPTIONS_ONLY, TAKES_NUMBER, Screen
from bot.telegram_html import href_of, text_length, tokenize


@dataclass(frozen=True)
class Capabilities:
    """What a channel can show; the renderer fits every screen to it."""

    text_limit: int  # UTF-16 units in one message
    caption_limit: int  # UTF-16 units under a photo
    buttons: bool  # tappable options (else numbered lines)
    edits: bool  # a shown message can be replaced (else a new one is sent)
    formatting: Literal["html", "plain"]


TELEGRAM = Capabilities(4096, 1024, buttons=True, edits=True, formatting="html")
# zalo-facts.md: text 1–2000 characters, no buttons, no formatting, no edits.
NUMBERED = Capabilities(2000, 2000, buttons=False, edits=False, formatting="plain")

# An option standing for a reply-keyboard button (the main menu's keys): picking it is the
# same as typing its label.
TEXT_TOKEN = "\x00text:"
# "2", "2.", "2)", "số 2", "so 2", with spaces around: what people type to pick an option.
_CHOICE = re.compile(r"^\s*(?:s[oố]\s*)?([0-9]{1,3})\s*[.)]?\s*$", re.I)


@dataclass(frozen=True)
class Option:
    number: int
    label: str
    token: str


@dataclass(frozen=True)
class Numbered:
    """A screen as a channel without buttons shows it."""

    messages: tuple[str, ...]  # plain text, each within the channel's text limit
    options: tuple[Option, ...]


def plain_text(screen_html: str) -> str:
    """What a person reads of Telegram HTML, as plain text; a link keeps its address."""
    out: list[str] = []
    links: list[str | None] = []
    for token in tokenize(screen_html):
        if token.kind == "text":
            out.append(token.text)
        elif token.kind == "open" and token.name == "a":
            links.append(href_of(token) or None)
        elif token.kind == "close" and token.name == "a" and links:
            href = links.pop()
            if href:
                out.append(f" ({href})")
    return "".join(out)


def options_of(screen: Screen) -> tuple[Option, ...]:
    """The screen's buttons, numbered from 1 in reading order (row by row)."""
    flat = [button for row in screen.buttons for button in row]
    return tuple(Option(i, b.label, b.data) for i, b in enumerate(flat, start=1))


def render(screen: Screen, caps: Capabilities = NUMBERED) -> Numbered:
    """The screen as plain messages within `caps.text_limit`, options as numbered lines."""
    text = escape(plain(screen.text))
    return render_options(text, options_of(screen), caps, screen.takes)


def render_options(
    screen_html: str, options: tuple[Option, ...], caps: Capabilities, takes: str = OPTIONS_ONLY
) -> Numbered:
    """`render` for a text and options given apart (a channel's own keyboards, say). On a
    screen that takes a number, the options are not numbered (a typed number is the
    answer): each is picked by typing its label."""
    body = plain_text(screen_html).strip()
    menu = ""
    if options and takes == TAKES_NUMBER:
        lines = [texts.numbered_label(o.label) for o in options]
        menu = "\n".join(lines) + "\n" + texts.numbered_hint_by_label(options[0].label)
    elif options:
        # A label that already starts with its own number ("1. Hoàn thiện thể chế…", the
        # task groups) is not numbered twice.
        lines = [
            o.label
            if o.label.startswith(f"{o.number}. ")
            else texts.numbered_option(o.number, o.label)
            for o in options
        ]
        menu = "\n".join(lines) + "\n" + texts.numbered_hint(len(options))
    full = f"{body}\n\n{menu}" if body and menu else body or menu
    # Splitting is the HTML splitter's (paragraph, line, word boundaries) over escaped text.
    chunks = split_message(escape(full), caps.text_limit) if full else []
    return Numbered(tuple(plain_text(c) for c in chunks), options)


async def remember(
    db: Database,
    chat_key: str,
    options: tuple[Option, ...],
    now: datetime,
    takes: str = OPTIONS_ONLY,
) -> None:
    """The options just shown to `chat_key`, and what else that screen takes typed (none: a
    screen without options clears them)."""
    if not options:
        await db.execute("DELETE FROM numbered_menus WHERE chat_key = ?", (chat_key,))
        return
    shown = json.dumps([[o.label, o.token] for o in options], ensure_ascii=False)
    await db.execute(
        "INSERT INTO numbered_menus (chat_key, options, shown_at, takes) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (chat_key) DO UPDATE SET options = excluded.options,"
        " shown_at = excluded.shown_at, takes = excluded.takes",
        (chat_key, shown, iso(now), takes),
    )


@dataclass(frozen=True)
class Resolved:
    """What a typed reply is on the screen shown last: the token of the option it picks, or
    (`out_of` > 0) a number beyond the options of a screen that takes nothing else."""

    token: str | None = None
    out_of: int = 0


async def resolve(db: Database, chat_key: str, reply: str) -> Resolved:
    """The option `reply` picks ("2", "số 2", or the label typed out, with or without
    diacritics) among the last shown to `chat_key`. A number is an option's only on a screen
    that does not take a number itself; anything else is the person's own answer (empty)."""
    row = await db.fetchone(
        "SELECT options, takes FROM numbered_menus WHERE chat_key = ?", (chat_key,)
    )
    if row is None:
        return Resolved()
    options = [(str(label), str(token)) for label, token in json.loads(str(row[0]))]
    takes = str(row[1])
    picked = _CHOICE.match(reply)
    if picked and takes != TAKES_NUMBER:
        number = int(picked.group(1))
        if 1 <= number <= len(options):
            return Resolved(options[number - 1][1])
        return Resolved(out_of=len(options) if takes == OPTIONS_ONLY else 0)
    wanted = fold(reply)
    matches = [token for label, token in options if wanted and fold(label) == wanted]
    return Resolved(matches[0] if len(matches) == 1 else None)


def fits(numbered: Numbered, caps: Capabilities) -> bool:
    return all(text_length(m) <= caps.text_limit for m in numbered.messages)
