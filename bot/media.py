"""Files by a local reference: every file the bot keeps or sends (report photos, tip
screenshots, broadcast photos and documents) is a `media` row with its own id.

The core names a file by `MediaRef` (that id and whether it is a photo or a document); it
never holds a channel's file id. A row remembers the channel the file came from and that
channel's reference (a Telegram file id; a Zalo URL), and the downloaded copy in
`[storage] media` once the channel's downloader fetched it. A channel sends a file by its
own reference when the file came from it, else from the copy (`Library.locate`).

A channel's reference is good for a while only (Telegram keeps a download link for about
an hour), so the row is written in the same transaction as the step that received the
file, and the downloader (`bot/channels/telegram_notices.py`) fetches it soon after.
Erasure deletes the rows nobody refers to any more (`bot/erasure.py`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import aiosqlite

from bot.clock import iso
from bot.db import Database

ATTEMPTS = 5  # a file that failed this often is left alone (too big, gone)
KINDS = ("photo", "document")


@dataclass(frozen=True)
class MediaRef:
    """A file as the core names it: the local id of its `media` row, and its kind."""

    id: int
    kind: str = "photo"  # "photo" | "document"

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind}

    @classmethod
    def from_dict(cls, data: Any) -> MediaRef | None:
        if not isinstance(data, dict) or not data.get("id"):
            return None
        return cls(int(data["id"]), str(data.get("kind") or "photo"))


@dataclass(frozen=True)
class Generated:
    """A file the bot made for this one message (an invite's QR code): sent as it is, never
    stored — a reply holding one is not a step's stored reply, and an invite's token must
    not rest on disk in the clear."""

    data: bytes
    filename: str
    kind: str = "photo"


@dataclass(frozen=True)
class Incoming:
    """A file as a channel hands it over: its reference there, and the channel's id of the
    same file across references (Telegram's file_unique_id), for spotting a file sent twice."""

    channel: str
    kind: str
    source: str
    unique: str = ""


@dataclass(frozen=True)
class Located:
    """Where a channel can find a file: the reference of the channel it came from, and the
    downloaded copy (None until it is on disk)."""

    ref: MediaRef
    channel: str
    source: str
    path: Path | None


async def find(conn: aiosqlite.Connection, file: Incoming) -> MediaRef | None:
    """The reference of a file seen before (same channel reference, or same unique id)."""
    cursor = await conn.execute(
        "SELECT id, kind FROM media WHERE channel = ? AND (source = ? OR"
        " (source_unique != '' AND source_unique = ?)) ORDER BY id LIMIT 1",
        (file.channel, file.source, file.unique),
    )
    row = await cursor.fetchone()
    return None if row is None else MediaRef(int(row[0]), str(row[1]))


async def add(conn: aiosqlite.Connection, file: Incoming, now: datetime) -> MediaRef:
    """The file's reference, made (inside the caller's transaction) the first time it is
    seen; the same file sent again is the same row."""
    if file.kind not in KINDS:
        raise ValueError(f"unknown kind of file: {file.kind}")
    known = await find(conn, file)
    if known is not None:
        return known
    cursor = await conn.execute(
        "INSERT INTO media (channel, kind, source, source_unique, added_at)"
        " VALUES (?, ?, ?, ?, ?) RETURNING id",
        (file.channel, file.kind, file.source, file.unique, iso(now)),
    )
    row = await cursor.fetchone()
    assert row is not None
    return MediaRef(int(row[0]), file.kind)


class Library:
    """Finds the files the core names, for the channels that send them."""

    def __init__(self, db: Database, root: Path | str) -> None:
        self.db = db
        self.root = Path(root)

    async def locate(self, ref: MediaRef) -> Located | None:
        row = await self.db.fetchone(
            "SELECT channel, source, path FROM media WHERE id = ?", (ref.id,)
        )
        if row is None:  # erased meanwhile
            return None
        path = self.root / str(row[2]) if row[2] else None
        return Located(ref, str(row[0]), str(row[1]), path)


@dataclass(frozen=True)
class Wanted:
    id: int
    channel: str
    kind: str
    source: str
    unique: str


async def wanted(db: Database, channel: str, limit: int = 20) -> list[Wanted]:
    """This channel's files not on disk yet, oldest first, leaving out those that failed too
    often."""
    rows = await db.fetchall(
        "SELECT id, channel, kind, source, source_unique FROM media"
        " WHERE channel = ? AND path IS NULL AND attempts < ? ORDER BY added_at, id LIMIT ?",
        (channel, ATTEMPTS, limit),
    )
    return [Wanted(int(r[0]), str(r[1]), str(r[2]), str(r[3]), str(r[4] or "")) for r in rows]


async def failed(db: Database, media_id: int, error: str) -> None:
    await db.execute(
        "UPDATE media SET attempts = attempts + 1, error = ? WHERE id = ?",
        (error[:200], media_id),
    )


async def stored(db: Database, media_id: int, relative: str, now: datetime) -> bool:
    """The file is on disk at `relative`; False when its row went meanwhile (its owner erased
    their data while it downloaded), and the file must be deleted again."""
    await db.execute(
        "UPDATE media SET path = ?, downloaded_at = ?, attempts = attempts + 1 WHERE id = ?",
        (relative, iso(now), media_id),
    )
    return bool(await db.fetchval("SELECT 1 FROM media WHERE id = ?", (media_id,)))
