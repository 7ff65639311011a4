"""A core `Screen` as Telegram shows it: its text as Telegram's HTML, its buttons as an
inline keyboard.

The one place a screen's options become Telegram's `InlineKeyboardMarkup` (callback data is
the option's token), and the one place the core's `Rich` text becomes markup (every
character of every span escaped here), shared by the replies, the notice sender and the
outbox.
"""

from __future__ import annotations

import html as _html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.rich import Rich
from bot.screens import Screen

# Each emphasis and its tag, innermost first (the order render.py nests them in).
_TAGS = (("code", "code"), ("strike", "s"), ("underline", "u"), ("italic", "i"), ("bold", "b"))


def html(text: Rich) -> str:
    """Rich text as Telegram HTML: <b>, <i>, <u>, <s>, <code> and <a href> around escaped
    text."""
    out: list[str] = []
    for span in text.spans:
        piece = _html.escape(span.text, quote=False)
        for flag, tag in _TAGS:
            if getattr(span, flag):
                piece = f"<{tag}>{piece}</{tag}>"
        if span.link:
            piece = f'<a href="{_html.escape(span.link, quote=True)}">{piece}</a>'
        out.append(piece)
    return "".join(out)


def screen_html(screen: Screen) -> str:
    """The screen's text as Telegram HTML."""
    return html(screen.text)


def inline_markup(screen: Screen) -> InlineKeyboardMarkup | None:
    """The screen's buttons as an inline keyboard; None when it has none."""
    if not screen.buttons:
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(b.label, callback_data=b.data) for b in row]
            for row in screen.buttons
        ]
    )
