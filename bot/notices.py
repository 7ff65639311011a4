"""Notices: messages the bot owes someone outside a reply (a transactional outbox).

A review card for an officer, a verdict for a leader, a reminder, a tip for the queue: each is
a row written in the same transaction as the change that causes it, so a crash can never
leave a report stored with nobody told, or a tip received with no officer aware. A paced
sender in the Telegram glue (`bot/channels/telegram_notices.py`) renders each row when it
is due, from the current state of the database (a card for a report withdrawn meanwhile is
dropped), sends it, and marks it sent, failed (recipient gone, message refused) or due again
later. The core
rings a `Bell` when it queued something, so the sender need not wait for its next round.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import aiosqlite

from bot.clock import iso
from bot.config import Config
from bot.content import ContentPack
from bot.db import Database
from bot.media import MediaRef
from bot.reply import screen_from_dict, screen_to_dict
from bot.screens import Screen


class Bell:
    """How the core says "a notice was queued" or "a photo waits to be downloaded" to
    whichever channel's sender runs, without knowing which one it is."""

    def __init__(self) -> None:
        self._rung = asyncio.Event()
        self._media = False

    def ring(self, *, media: bool = False) -> None:
        self._media = self._media or media
        self._rung.set()

    def take_media(self) -> bool:
        """Whether a download was asked for since the last call."""
        wanted, self._media = self._media, False
        return wanted

    async def wait(self, timeout: float) -> None:
        """Until the bell rings (or `timeout` seconds); a ring before the call counts."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._rung.wait(), timeout)
        self._rung.clear()


@dataclass(frozen=True)
class Notice:
    id: int
    chat_id: int
    kind: str
    ref_id: int
    payload: dict[str, Any]
    attempts: int


@dataclass(frozen=True)
class Rendered:
    screen: Screen
    photo: MediaRef | None = None  # send this file with the screen as its caption
    edit: int | None = None  # replace this message of the chat instead of sending anew


@dataclass(frozen=True)
class RenderContext:
    db: Database
    pack: ContentPack
    config: Config


Renderer = Callable[[RenderContext, Notice], Awaitable[Rendered | None]]
_renderers: dict[str, Renderer] = {}


def renderer(kind: str) -> Callable[[Renderer], Renderer]:
    """Register the function that turns notices of `kind` into a message (None: drop it)."""

    def register(fn: Renderer) -> Renderer:
        _renderers[kind] = fn
        return fn

    return register


async def render(ctx: RenderContext, notice: Notice) -> Rendered | None:
    """The message for `notice` now, or None when it no longer needs sending."""
    fn = _renderers.get(notice.kind)
    return None if fn is None else await fn(ctx, notice)


async def queue(
    conn: aiosqlite.Connection,
    chat_id: int,
    kind: str,
    now: datetime,
    *,
    ref_id: int = 0,
    payload: dict[str, Any] | None = None,
    not_before: datetime | None = None,
) -> None:
    """Add a notice inside the caller's transaction."""
    stamp = iso(now)
    await conn.execute(
        "INSERT INTO notices (chat_id, kind, ref_id, payload, created_at, next_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (
            chat_id,
            kind,
            ref_id,
            json.dumps(payload or {}, ensure_ascii=False),
            stamp,
            iso(not_before) if not_before else stamp,
        ),
    )


# Which notice of a chat goes first: a screen a person is waiting for, then the review work
# (cards, verdicts, reminders), then tip cards. A burst of tips must never hold an officer's
# review cards back behind it (each chat gets one message a second).
PRIORITY = {"screen": 0, "tip": 2}
_PRIORITY_SQL = (
    "CASE kind " + " ".join(f"WHEN '{k}' THEN {v}" for k, v in PRIORITY.items()) + " ELSE 1 END"
)


async def next_per_chat(db: Database, now: datetime) -> list[Any]:
    """The notice each chat should get next, among those due: rows of (id, chat_id, kind,
    ref_id, payload, attempts), the most urgent first."""
    return await db.fetchall(
        "SELECT id, chat_id, kind, ref_id, payload, attempts FROM ("
        f" SELECT *, {_PRIORITY_SQL} AS priority, ROW_NUMBER() OVER (PARTITION BY chat_id"
        f"  ORDER BY {_PRIORITY_SQL}, id) AS place"
        " FROM notices WHERE sent_at IS NULL AND failed IS NULL AND next_at <= ?"
        ") WHERE place = 1 ORDER BY priority, id",
        (iso(now),),
    )


async def due(db: Database, now: datetime, limit: int = 100) -> list[Notice]:
    rows = await db.fetchall(
        "SELECT id, chat_id, kind, ref_id, payload, attempts FROM notices"
        " WHERE sent_at IS NULL AND failed IS NULL AND next_at <= ? ORDER BY id LIMIT ?",
        (iso(now), limit),
    )
    return [
        Notice(int(r[0]), int(r[1]), str(r[2]), int(r[3]), json.loads(r[4]), int(r[5]))
        for r in rows
    ]


async def mark_sent(
    db: Database, notice_id: int, now: datetime, message_id: int | None = None
) -> None:
    """Sent, as the channel's message `message_id` (kept for cards edited later)."""
    await db.execute(
        "UPDATE notices SET sent_at = ?, message_id = ? WHERE id = ?",
        (iso(now), message_id, notice_id),
    )


async def mark_failed(db: Database, notice_id: int, reason: str) -> None:
    await db.execute("UPDATE notices SET failed = ? WHERE id = ?", (reason, notice_id))


async def retry_later(
    db: Database, notice_id: int, now: datetime, delay: timedelta, max_attempts: int
) -> bool:
    """Count a failed attempt and schedule another; False when attempts are used up."""
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "UPDATE notices SET attempts = attempts + 1, next_at = ? WHERE id = ?"
            " RETURNING attempts",
            (iso(now + delay), notice_id),
        )
        row = await cursor.fetchone()
        if row is not None and int(row[0]) >= max_attempts:
            await conn.execute("UPDATE notices SET failed = 'attempts' WHERE id = ?", (notice_id,))
            return False
        return True


async def postpone(db: Database, notice_id: int, until: datetime) -> None:
    """Wait without counting an attempt (Telegram asked us to slow down)."""
    await db.execute("UPDATE notices SET next_at = ? WHERE id = ?", (iso(until), notice_id))


# ---------------------------------------------------------------- replies owed after a fault

SCREEN = "screen"


async def owe_screen(
    db: Database,
    chat_id: int,
    user_id: int,
    event_id: int,
    screen: Screen,
    photo: MediaRef | None,
    now: datetime,
) -> None:
    """A flow's answer that Telegram kept refusing for longer than a reply may wait: send it
    as a notice once Telegram takes messages again, so the person still sees the screen of
    the step they are at (the step itself is already applied)."""
    payload: dict[str, Any] = {"user": user_id, "event": event_id}
    payload["screen"] = screen_to_dict(screen)
    if photo:
        payload["photo"] = photo.to_dict()
    async with db.transaction() as conn:
        await queue(conn, chat_id, SCREEN, now, payload=payload)


@renderer(SCREEN)
async def _owed_screen(ctx: RenderContext, notice: Notice) -> Rendered | None:
    last = await ctx.db.fetchval(
        "SELECT event_id FROM flow_marks WHERE user_id = ?", (notice.payload.get("user", 0),)
    )
    if last is not None and int(last) > int(notice.payload.get("event", 0)):
        return None  # the person has taken another step since: that screen was shown
    photo = MediaRef.from_dict(notice.payload.get("photo"))
    return Rendered(screen_from_dict(notice.payload["screen"]), photo)
