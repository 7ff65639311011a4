"""What the core answers with: rich text, its options, and what else it takes typed.

Channels turn a `Screen` into their own shape: Telegram into a message with an inline
keyboard, Zalo (no buttons) into numbered lines. Keeping it here keeps `telegram` out of the
core.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot import texts
from bot.rich import Rich, rich

CALLBACK_DATA_LIMIT = 64  # bytes, Telegram's limit for callback_data


@dataclass(frozen=True)
class Button:
    label: str
    data: str

    def __post_init__(self) -> None:
        size = len(self.data.encode("utf-8"))
        if not 1 <= size <= CALLBACK_DATA_LIMIT:
            raise ValueError(f"callback data must be 1–64 bytes, got {size}: {self.data!r}")


# What a screen takes typed besides its options (`Screen.takes`). A channel without buttons
# needs to know: on a screen that takes a number, "2" is the answer, not the second option.
OPTIONS_ONLY, TAKES_TEXT, TAKES_NUMBER = "", "text", "number"


@dataclass(frozen=True, init=False)
class Screen:
    """A message's text, its options, and what else it takes typed. The text is rich text
    (bot/rich.py; a `str` given is plain text, never markup), which each channel renders as
    it can."""

    text: Rich
    buttons: tuple[tuple[Button, ...], ...]
    takes: str  # OPTIONS_ONLY, TAKES_TEXT or TAKES_NUMBER

    def __init__(
        self,
        text: Rich | str = "",
        buttons: tuple[tuple[Button, ...], ...] = (),
        takes: str = OPTIONS_ONLY,
    ):
        if takes not in (OPTIONS_ONLY, TAKES_TEXT, TAKES_NUMBER):
            raise ValueError(f"unknown kind of typed answer: {takes!r}")
        object.__setattr__(self, "text", text if isinstance(text, Rich) else rich(text))
        object.__setattr__(self, "buttons", buttons)
        object.__setattr__(self, "takes", takes)

    @property
    def has_text(self) -> bool:
        return bool(self.text)


MENU_KEYS = (texts.BTN_CONTENT, texts.BTN_SEARCH, texts.BTN_HELP, texts.BTN_REPORT)


def menu_key(typed: str) -> str | None:
    """The main-menu key `typed` names, with or without its emoji, diacritics or capitals
    ("báo cáo", "Hướng dẫn", "tim kiem"); None for anything else."""
    from bot.content import fold  # the search's folding; content imports this module's texts

    def bare(text: str) -> str:
        return fold("".join(ch for ch in text if ch.isalnum() or ch.isspace()))

    wanted = bare(typed)
    return next((key for key in MENU_KEYS if wanted and bare(key) == wanted), None)


def main_menu(leader: bool = False) -> tuple[tuple[str, ...], ...]:
    """The private chat's main menu, big keys, always there; a tổ's leader also gets
    "📝 Báo cáo"."""
    second_row = (texts.BTN_REPORT, texts.BTN_HELP) if leader else (texts.BTN_HELP,)
    return ((texts.BTN_CONTENT, texts.BTN_SEARCH), second_row)


def rows(buttons: list[Button], per_row: int = 1) -> tuple[tuple[Button, ...], ...]:
    """Lay buttons out `per_row` to a row (big buttons for older thumbs: one per row)."""
    return tuple(tuple(buttons[i : i + per_row]) for i in range(0, len(buttons), per_row))


def page_nav(page: int, pages: int, data: str) -> tuple[tuple[Button, ...], ...]:
    """The "Trang trước / Trang sau" row for page `page` (0-based) of `pages`, as zero or one
    row to append to a layout; `data` is the callback data with `{}` for the target page."""
    nav = []
    if page > 0:
        nav.append(Button(texts.BTN_PREV_PAGE, data.format(page - 1)))
    if page < pages - 1:
        nav.append(Button(texts.BTN_NEXT_PAGE, data.format(page + 1)))
    return (tuple(nav),) if nav else ()


def page_of(page: int, total: int, size: int) -> tuple[int, int]:
    """(page, offset) for a requested page of a list of `total`, kept within the list (which
    may have shrunk since the button was made, or have been forged)."""
    page = max(0, min(page, -(-total // size) - 1))
    return page, page * size
