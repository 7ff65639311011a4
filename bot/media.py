"""Photos people sent (report photos, tip screenshots): which still wait to be downloaded
into `[storage] media`, and what became of each download.

A channel gives a file id that is good for a while (Telegram keeps a download link for
about an hour), so the row is written in the same transaction as the report or tip that
uses it, and the channel's downloader (`bot/channels/telegram_notices.py`) fetches it soon
after. Erasure deletes the rows nobody refers to any more (`bot/erasure.py`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from bot.clock import iso
from bot.db import Database

ATTEMPTS = 5  # a file that failed this often is left alone (too big, gone)


@dataclass(frozen=True)
class Wanted:
    file_id: str
    unique_id: str


async def add(conn: aiosqlite.Connection, file_id: str, unique_id: str, now: datetime) -> None:
    """Remember a file to download, inside the transaction that stores what uses it."""
    await conn.execute(
        "INSERT OR IGNORE INTO media (file_id, file_unique_id, added_at) VALUES (?, ?, ?)",
        (file_id, unique_id, iso(now)),
    )


async def wanted(db: Database, limit: int = 20) -> list[Wanted]:
    """Files not on disk yet, oldest first, leaving out those that failed too often."""
    rows = await db.fetchall(
        "SELECT file_id, file_unique_id FROM media WHERE path IS NULL AND attempts < ?"
        " ORDER BY added_at LIMIT ?",
        (ATTEMPTS, limit),
    )
    return [Wanted(str(r[0]), str(r[1] or "")) for r in rows]


async def failed(db: Database, file_id: str, error: str) -> None:
    await db.execute(
        "UPDATE media SET attempts = attempts + 1, error = ? WHERE file_id = ?",
        (error[:200], file_id),
    )


async def stored(db: Database, file_id: str, relative: str, now: datetime) -> bool:
    """The file is on disk at `relative`; False when its row went meanwhile (its owner erased
    their data while it downloaded), and the file must be deleted again."""
    await db.execute(
        "UPDATE media SET path = ?, downloaded_at = ?, attempts = attempts + 1 WHERE file_id = ?",
        (relative, iso(now), file_id),
    )
    return bool(await db.fetchval("SELECT 1 FROM media WHERE file_id = ?", (file_id,)))
