"""A core `Screen` as Telegram shows it: its buttons as an inline keyboard.

The one place a screen's options become Telegram's `InlineKeyboardMarkup` (callback data is
the option's token), shared by the handlers' replies, the notice sender and the outbox.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.screens import Screen


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
