"""The guard that applies each flow step exactly once, and which flow holds a person.

A handler tells the core "this person typed X / pressed Y" and gets back a `Reply`
(bot/reply.py). `once()` runs a step in one transaction together
with a mark of the update it came from (`flow_marks`): when the same update is handled again
after a crash, the step is not applied a second time and the stored answer is returned.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any

import aiosqlite

from bot.db import Database
from bot.reply import Reply

Step = Callable[[aiosqlite.Connection], Awaitable[Reply | None]]


async def one(conn: aiosqlite.Connection, sql: str, params: tuple[Any, ...] = ()) -> Any:
    """The first row of a query, in one round trip to the database thread (a flow step is
    a handful of queries inside the writer lock, so round trips are what it costs)."""
    found = list(await conn.execute_fetchall(sql, params))
    return found[0] if found else None


@dataclass(frozen=True)
class InProgress:
    """Which durable flow holds a person as their next message arrives."""

    replay: Reply | None  # this update was handled before: its stored answer
    tip: bool  # a tip draft (bot/tips.py)
    reason: bool  # an officer asked for a review reason (bot/reports.py)
    report: bool  # a report draft (bot/report_flow.py)
    closing: bool = False  # an officer closing a tip, asked for a note (bot/tips.py)


async def in_progress(db: Database, user_id: int, event_id: int) -> InProgress:
    """One round trip: is this update a replay, and which flow (if any) is the person in?"""
    row = await one(
        db.conn,
        "SELECT (SELECT outcome FROM flow_marks WHERE user_id = ?1 AND event_id = ?2),"
        " (SELECT 1 FROM tip_drafts WHERE user_id = ?1),"
        " (SELECT 1 FROM review_waits WHERE officer_id = ?1),"
        " (SELECT 1 FROM report_drafts WHERE user_id = ?1 AND paused = 0),"
        " (SELECT 1 FROM tip_waits WHERE officer_id = ?1)",
        (user_id, event_id),
    )
    stored, tip, reason, report, closing = row if row is not None else (None, 0, 0, 0, 0)
    replay = replace(Reply.from_json(stored), replayed=True) if stored is not None else None
    return InProgress(replay, bool(tip), bool(reason), bool(report), bool(closing))


async def once(db: Database, user_id: int, event_id: int | None, step: Step) -> Reply | None:
    """Run `step` in one transaction, at most once per (person, update).

    `event_id` is the id of the incoming update (increasing per person); None runs the step
    unguarded. A step that returns None ("not mine") leaves no mark.
    """
    async with db.transaction() as conn:
        if event_id is not None:
            row = await one(
                conn, "SELECT event_id, outcome FROM flow_marks WHERE user_id = ?", (user_id,)
            )
            if row is not None and int(row[0]) >= event_id:
                return replace(Reply.from_json(row[1]), replayed=True)
        reply = await step(conn)
        if reply is not None and event_id is not None:
            await conn.execute(
                "INSERT INTO flow_marks (user_id, event_id, outcome) VALUES (?, ?, ?)"
                " ON CONFLICT (user_id) DO UPDATE SET event_id = excluded.event_id,"
                " outcome = excluded.outcome",
                (user_id, event_id, reply.to_json()),
            )
        return reply


async def replayed(db: Database, user_id: int, event_id: int) -> Reply | None:
    """The stored answer when `event_id` is exactly the last step this person made (the
    update is being handled again after a crash), else None."""
    row = await one(
        db.conn,
        "SELECT event_id, outcome FROM flow_marks WHERE user_id = ? AND event_id = ?",
        (user_id, event_id),
    )
    if row is None:
        return None
    return replace(Reply.from_json(row[1]), replayed=True)
