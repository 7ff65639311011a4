"""What the core answers with: a message in Telegram's HTML subset plus optional buttons.

Channels turn a `Screen` into their own shape: Telegram into a message with an inline
keyboard, Zalo (no buttons) into numbered lines. Keeping it here keeps `telegram` out of the
core.
"""

from __future__ import annotations

from dataclasses import dataclass

CALLBACK_DATA_LIMIT = 64  # bytes, Telegram's limit for callback_data


@dataclass(frozen=True)
class Button:
    label: str
    data: str

    def __post_init__(self) -> None:
        size = len(self.data.encode("utf-8"))
        if not 1 <= size <= CALLBACK_DATA_LIMIT:
            raise ValueError(f"callback data must be 1–64 bytes, got {size}: {self.data!r}")


@dataclass(frozen=True)
class Screen:
    html: str
    buttons: tuple[tuple[Button, ...], ...] = ()


def rows(buttons: list[Button], per_row: int = 1) -> tuple[tuple[Button, ...], ...]:
    """Lay buttons out `per_row` to a row (big buttons for older thumbs: one per row)."""
    return tuple(tuple(buttons[i : i + per_row]) for i in range(0, len(buttons), per_row))
