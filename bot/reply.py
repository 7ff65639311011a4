"""What the core answers a person with, on any channel: one `Reply`.

A reply is a screen (text and options), perhaps more messages after it, and hints a channel
follows as far as it can: replace the message that was pressed on (Telegram edits it; a
channel without edits sends the screen anew), a short notice for the press (Telegram's toast
or alert), the screen as the caption of a file (a local media reference, bot/media.py), the
main menu once a flow has ended. `wake` and `enqueue` are for the wiring: notices
were queued, a broadcast is to start once the reply is shown.

Flow steps store their reply (`to_json`) so that an update handled again after a crash is
answered exactly as the first time (bot/flows.py).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.media import Generated, MediaRef
from bot.render import html_to_rich
from bot.rich import Rich
from bot.screens import Button, Screen

if TYPE_CHECKING:
    from bot.delivery import OutMessage

EMPTY = Screen("")
Menu = tuple[tuple[str, ...], ...]  # the main menu's keys, row by row, as the channel shows them


@dataclass(frozen=True)
class Pressed:
    """The press a reply answers: the channel's id of it, and the message it was made on."""

    press_id: str
    message_id: int | None = None  # None: no message the reply could replace
    media: bool = False  # a photo or a file: its caption is what replacing changes


@dataclass(frozen=True)
class Reply:
    screen: Screen = EMPTY  # empty: nothing to show (only the notice, if any)
    more: tuple[Screen | OutMessage, ...] = ()  # sent after it, in order (a preview as sent)
    replace: bool = False  # the screen takes the place of the message pressed on
    notice: str = ""  # a short answer to the press (empty: a silent answer)
    alert: bool = False  # the notice as a dialog the person closes
    wake: bool = False  # notices were queued: wake their sender
    menu: bool = False  # the flow has ended: show the main menu with the screen
    photo: MediaRef | Generated | None = None  # the screen as the caption of this file
    enqueue: int | None = None  # a broadcast to start once the reply is shown
    replayed: bool = False  # the stored reply of an earlier run of the same update

    def to_json(self) -> str:
        """The reply as a flow step stores it (`more` and `enqueue` are never stored: the
        flows that store replies answer with one screen)."""
        if isinstance(self.photo, Generated):
            raise ValueError("a reply with a file made for it is sent, never stored")
        return json.dumps(
            {
                "screen": screen_to_dict(self.screen),
                "replace": self.replace,
                "notice": self.notice,
                "alert": self.alert,
                "wake": self.wake,
                "menu": self.menu,
                "photo": self.photo.to_dict() if self.photo else None,
            },
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, text: str) -> Reply:
        if not text:  # emptied when its update was done (bot/inbox.py): nothing to show
            return cls()
        data = json.loads(text)
        return cls(
            screen=screen_from_dict(data["screen"]),
            # "edit" and "toast": the names a step stored before this module existed
            replace=bool(data.get("replace", data.get("edit"))),
            notice=str(data.get("notice", data.get("toast", ""))),
            alert=bool(data.get("alert")),
            wake=bool(data.get("wake")),
            menu=bool(data.get("menu")),
            photo=MediaRef.from_dict(data.get("photo")),
        )


def screen_to_dict(screen: Screen) -> dict[str, Any]:
    return {
        "rich": screen.text.to_json(),
        "buttons": [[[b.label, b.data] for b in row] for row in screen.buttons],
        "takes": screen.takes,
    }


def screen_from_dict(data: dict[str, Any]) -> Screen:
    # A screen stored before rich text (an owed notice, a flow step's reply) is Telegram HTML.
    text = Rich.from_json(data["rich"]) if "rich" in data else html_to_rich(data.get("html", ""))
    buttons = tuple(tuple(Button(label, value) for label, value in row) for row in data["buttons"])
    return Screen(text, buttons, str(data.get("takes", "")))
