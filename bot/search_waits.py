"""Who is about to type a search keyword (after 🔎 or a bare /timkiem).

Conversation state lives in SQLite like every other flow's draft, not in the process's
memory: a restart in between must not turn the keyword into "Loa Phường chưa hiểu…". A wait
lasts `WAIT`; a message long after is a new message, not a keyword.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.clock import iso
from bot.db import Database

WAIT = timedelta(minutes=30)


async def ask(db: Database, user_id: int, now: datetime) -> None:
    """The person was asked for a keyword."""
    await db.execute(
        "INSERT INTO search_waits (user_id, since) VALUES (?, ?)"
        " ON CONFLICT (user_id) DO UPDATE SET since = excluded.since",
        (user_id, iso(now)),
    )


async def take(db: Database, user_id: int, now: datetime) -> bool:
    """Whether this message is the keyword asked for; the wait ends either way."""
    since = await db.fetchval("SELECT since FROM search_waits WHERE user_id = ?", (user_id,))
    if since is None:
        return False
    await db.execute("DELETE FROM search_waits WHERE user_id = ?", (user_id,))
    return str(since) >= iso(now - WAIT)
