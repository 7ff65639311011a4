"""Storage of the simulated Telegram: pending updates and uploaded files.

`UpdateQueue` keeps the updates getUpdates has not confirmed yet (a deque, so confirming is
O(confirmed)) and the one long poll waiting for them. `FileRecord` is a file on the simulated
servers, downloadable at /file/bot<TOKEN>/<file_path> once getFile has named it.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
from collections import deque
from dataclasses import dataclass
from typing import Any

# A valid 8x6 JPEG: what a user "photographs" unless a test passes its own bytes.
SAMPLE_JPEG = base64.b64decode(
    "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDABALDA4MChAODQ4SERATGCgaGBYWGDEjJR0oOjM9PDkzODdASFxOQERXR"
    "Tc4UG1RV19iZ2hnPk1xeXBkeFxlZ2P/2wBDARESEhgVGC8aGi9jQjhCY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2"
    "NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2P/wAARCAAGAAgDASIAAhEBAxEB/8QAHwAAAQUBAQEBAQEAAAAAAAAAAAEC"
    "AwQFBgcICQoL/8QAtRAAAgEDAwIEAwUFBAQAAAF9AQIDAAQRBRIhMUEGE1FhByJxFDKBkaEII0KxwRVS0fAkM2JyggkK"
    "FhcYGRolJicoKSo0NTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZnaGlqc3R1dnd4eXqDhIWGh4iJipKTlJWWl5iZmqKj"
    "pKWmp6ipqrKztLW2t7i5usLDxMXGx8jJytLT1NXW19jZ2uHi4+Tl5ufo6erx8vP09fb3+Pn6/8QAHwEAAwEBAQEBAQEB"
    "AQAAAAAAAAECAwQFBgcICQoL/8QAtREAAgECBAQDBAcFBAQAAQJ3AAECAxEEBSExBhJBUQdhcRMiMoEIFEKRobHBCSMz"
    "UvAVYnLRChYkNOEl8RcYGRomJygpKjU2Nzg5OkNERUZHSElKU1RVVldYWVpjZGVmZ2hpanN0dXZ3eHl6goOEhYaHiImK"
    "kpOUlZaXmJmaoqOkpaanqKmqsrO0tba3uLm6wsPExcbHyMnK0tPU1dbX2Nna4uPk5ebn6Onq8vP09fb3+Pn6/9oADAMB"
    "AAIRAxEAPwDHooorhPqD/9k="
)

UPDATE_TYPES = (
    "message",
    "edited_message",
    "channel_post",
    "edited_channel_post",
    "business_connection",
    "business_message",
    "edited_business_message",
    "deleted_business_messages",
    "message_reaction",
    "message_reaction_count",
    "inline_query",
    "chosen_inline_result",
    "callback_query",
    "shipping_query",
    "pre_checkout_query",
    "purchased_paid_media",
    "poll",
    "poll_answer",
    "my_chat_member",
    "chat_member",
    "chat_join_request",
    "chat_boost",
    "removed_chat_boost",
)
_NOT_BY_DEFAULT = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
_DEFAULT_ALLOWED = frozenset(UPDATE_TYPES) - _NOT_BY_DEFAULT


class UpdateQueue:
    """Updates waiting for getUpdates. Confirmed ones (id < offset) are forgotten."""

    def __init__(self) -> None:
        self.items: deque[dict[str, Any]] = deque()
        self.next_id = 1
        self.allowed: frozenset[str] = _DEFAULT_ALLOWED
        self.poller: asyncio.Future[str] | None = None

    def push(self, kind: str, payload: dict[str, Any]) -> int | None:
        """Queue an update; None when the bot's allowed_updates filters it out."""
        if kind not in self.allowed:
            return None
        update_id = self.next_id
        self.next_id += 1
        self.items.append({"update_id": update_id, kind: payload})
        self.wake("update")
        return update_id

    def wake(self, reason: str) -> None:
        poller = self.poller
        if poller is not None and not poller.done():
            poller.set_result(reason)

    def set_allowed(self, names: Any) -> None:
        if not isinstance(names, list):
            return
        chosen = frozenset(n for n in names if isinstance(n, str) and n in UPDATE_TYPES)
        self.allowed = chosen or _DEFAULT_ALLOWED

    def confirm(self, offset: int) -> int:
        """Forget updates before `offset` (negative: keep only the last -offset)."""
        items = self.items
        before = len(items)
        if offset < 0:
            while len(items) > -offset:
                items.popleft()
        elif offset > 0:
            while items and items[0]["update_id"] < offset:
                items.popleft()
        return before - len(items)

    def take(self, limit: int) -> list[dict[str, Any]]:
        if not self.items:
            return []
        return list(itertools.islice(self.items, limit))

    def clear(self) -> None:
        self.items.clear()


@dataclass
class FileRecord:
    """One file on the simulated Telegram servers."""

    file_id: str
    file_unique_id: str
    kind: str  # "photo" or "document"
    data: bytes
    file_path: str
    mime_type: str | None = None
    file_name: str | None = None
    width: int = 0
    height: int = 0
    url: str | None = None

    def photo_size(self) -> dict[str, Any]:
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "width": self.width,
            "height": self.height,
            "file_size": len(self.data),
        }

    def document(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": len(self.data),
        }
        if self.file_name:
            data["file_name"] = self.file_name
        if self.mime_type:
            data["mime_type"] = self.mime_type
        return data


def image_size(data: bytes) -> tuple[int, int] | None:
    """Width and height of a PNG, GIF, JPEG or WebP image; None when `data` is none of them."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        return int.from_bytes(data[6:8], "little"), int.from_bytes(data[8:10], "little")
    if data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        return 512, 512
    if data.startswith(b"\xff\xd8"):
        i = 2
        while i + 9 < len(data):
            if data[i] != 0xFF:
                return None
            marker = data[i + 1]
            length = int.from_bytes(data[i + 2 : i + 4], "big")
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                return int.from_bytes(data[i + 7 : i + 9], "big"), int.from_bytes(
                    data[i + 5 : i + 7], "big"
                )
            i += 2 + length
        return None
    if data.startswith(b"BM") and len(data) >= 26:
        return int.from_bytes(data[18:22], "little"), abs(
            int.from_bytes(data[22:26], "little", signed=True)
        )
    return None
