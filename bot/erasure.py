"""What `/xoadulieu` removes from the report, tip and inbox tables (issue 3 meets issue 4).

A person's reports stay only as counts attributed to their tổ: the unit, the date, the form,
the topics, the attendance and the review state remain; who wrote them (leader id set to 0,
"erased"), their free-text notes and difficulties, and their photos go. Drafts, reminders,
pending notices and the raw updates they sent (the durable inbox keeps full message JSON)
are deleted. Tips keep the reported post for the officers' queue but no longer say who sent
it. Runs inside `consent.erase`'s transaction, so all of it happens or none.
"""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from bot import consent

ERASED_ID = 0  # not NULL: the columns are NOT NULL, and 0 is never a Telegram user id

# Where in a raw update the sender's id sits, for every kind of update the bot receives.
_SENDER_PATHS = (
    "$.message.from.id",
    "$.edited_message.from.id",
    "$.callback_query.from.id",
    "$.my_chat_member.from.id",
)


@consent.on_erase
async def erase_reports_and_inbox(conn: aiosqlite.Connection, user_id: int, now: datetime) -> None:
    """Anonymise the person's reports and tips; delete their drafts and raw updates."""
    await conn.execute(
        "DELETE FROM report_photos WHERE report_id IN (SELECT id FROM reports WHERE leader_id = ?)",
        (user_id,),
    )
    await conn.execute(
        "UPDATE reports SET leader_id = ?, notes = '', difficulties = '', form_other = ''"
        " WHERE leader_id = ?",
        (ERASED_ID, user_id),
    )
    await conn.execute(
        "UPDATE tips SET reporter_id = ?, note = '' WHERE reporter_id = ?", (ERASED_ID, user_id)
    )
    for table, column in (
        ("report_drafts", "user_id"),
        ("tip_drafts", "user_id"),
        ("flow_marks", "user_id"),
        ("reminders", "user_id"),
        ("review_waits", "officer_id"),
        ("notices", "chat_id"),
    ):
        await conn.execute(f"DELETE FROM {table} WHERE {column} = ?", (user_id,))
    senders = " OR ".join(f"json_extract(payload, '{path}') = ?" for path in _SENDER_PATHS)
    await conn.execute(
        f"DELETE FROM inbox WHERE chat_id = ? OR {senders}",
        (user_id, *[user_id] * len(_SENDER_PATHS)),
    )
