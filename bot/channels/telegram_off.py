"""The Bot API when the ward runs on Zalo alone (`[telegram] token` empty).

The core is python-telegram-bot's Application: its handlers, conversations, job queue and
the durable inbox all run the same with or without Telegram. PTB still asks the Bot API who
the bot is (getMe) when it starts; this request answers that one call with a stand-in and
refuses every other, as an unreachable Telegram would, so nothing is ever sent anywhere.
Nothing should ask (the router has no Telegram channel, no menus are set, nothing polls):
a refusal here is a bug, and it is logged as one.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from telegram.error import NetworkError
from telegram.request import BaseRequest

log = logging.getLogger(__name__)

# PTB needs a token of the right shape to build its Bot; it never leaves the process.
PLACEHOLDER_TOKEN = "0:telegram-off"
STAND_IN = {"id": 1, "is_bot": True, "first_name": "Loa Phường", "username": "loa_phuong_off"}


class NoTelegram(BaseRequest):
    """A BaseRequest that answers getMe locally and refuses everything else."""

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    @property
    def read_timeout(self) -> float | None:
        return None

    async def do_request(
        self, url: str, method: str, *args: Any, **kwargs: Any
    ) -> tuple[int, bytes]:
        name = url.rsplit("/", 1)[-1]
        if name == "getMe":
            return 200, json.dumps({"ok": True, "result": STAND_IN}).encode()
        log.error("Telegram is off ([telegram] token is empty) but %s was called", name)
        raise NetworkError("Telegram is not configured")
