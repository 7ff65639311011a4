"""What `/xoadulieu` removes beyond the people tables: reports, tips, inbox, media, drafts.

A person's reports stay only as counts attributed to their tổ: the unit, the date, the form,
the topics, the attendance and the review state remain; who wrote them (leader id set to 0,
"erased"), their free-text notes and difficulties, the officer's typed reason (it may quote
them) and their photos go. Drafts, reminders, pending notices, an invite they opened and the
raw updates they sent (the durable inbox keeps full message JSON until each is handled) are
deleted. Tips keep the reported post for the officers' queue but no longer say who sent it.
Where the person acted as an official (a tip handled, a report reviewed, a broadcast or a
schedule made), their id is replaced by 0. The audit log keeps its rows: it is the ward's
security record, and the notice says so.

`erase_reports_and_inbox` runs inside `consent.erase`'s transaction, so all of it happens or
none. Files cannot join a transaction, so `forget_files` runs after it: it deletes every
downloaded photo no row refers to any more, then its `media` row; run again, it finishes what
a crash interrupted.
"""

from __future__ import annotations

import contextlib
import logging
from datetime import datetime
from pathlib import Path

import aiosqlite

from bot import consent, texts
from bot.db import Database

log = logging.getLogger(__name__)

SHOWN_NUMBERS = 10  # report and tip numbers listed by /dulieucuatoi; the rest are counted
ERASED_ID = 0  # not NULL: the columns are NOT NULL, and 0 is never a Telegram user id

# Everything that may name a file (bot/media.py): a media row none of them names is an orphan.
_FILE_REFERENCES = (
    "SELECT media_id FROM report_photos",
    "SELECT media_id FROM tips WHERE media_id IS NOT NULL",
    "SELECT media_id FROM tip_drafts WHERE media_id IS NOT NULL",
    "SELECT j.value FROM report_drafts, json_each(report_drafts.photos) AS j",
    "SELECT media_id FROM broadcasts WHERE media_id IS NOT NULL",
    "SELECT json_extract(content, '$.media_id') FROM schedules"
    " WHERE json_extract(content, '$.media_id') IS NOT NULL",
    "SELECT json_extract(data, '$.media_id') FROM compose_drafts"
    " WHERE json_extract(data, '$.media_id') IS NOT NULL",
    "SELECT json_extract(payload, '$.photo.id') FROM notices"
    " WHERE json_extract(payload, '$.photo.id') IS NOT NULL",
)


@consent.on_erase
async def erase_reports_and_inbox(conn: aiosqlite.Connection, user_id: int, now: datetime) -> None:
    """Anonymise the person's reports and tips; delete their drafts and raw updates."""
    await conn.execute(
        "DELETE FROM report_photos WHERE report_id IN (SELECT id FROM reports WHERE leader_id = ?)",
        (user_id,),
    )
    await conn.execute(
        "UPDATE reports SET leader_id = ?, notes = '', difficulties = '', form_other = '',"
        " review_reason = '' WHERE leader_id = ?",
        (ERASED_ID, user_id),
    )
    await conn.execute(
        "UPDATE tips SET reporter_id = ?, note = '' WHERE reporter_id = ?", (ERASED_ID, user_id)
    )
    for table, column in (
        ("reports", "reviewed_by"),
        ("tips", "handled_by"),
        ("broadcasts", "created_by"),
        ("schedules", "created_by"),
    ):
        await conn.execute(
            f"UPDATE {table} SET {column} = ? WHERE {column} = ?", (ERASED_ID, user_id)
        )
    await conn.execute(
        "UPDATE broadcasts SET progress_chat_id = NULL, progress_message_id = NULL"
        " WHERE progress_chat_id = ?",
        (user_id,),
    )
    for table, column in (
        ("report_drafts", "user_id"),
        ("tip_drafts", "user_id"),
        ("compose_drafts", "user_id"),
        ("flow_marks", "user_id"),
        ("reminders", "user_id"),
        ("review_waits", "officer_id"),
        ("notices", "chat_id"),
        ("outbox", "chat_id"),
        ("invite_offers", "user_id"),
        ("search_waits", "user_id"),
        ("unit_asks", "officer_id"),
        ("tip_waits", "officer_id"),
        ("link_codes", "user_id"),
    ):
        await conn.execute(f"DELETE FROM {table} WHERE {column} = ?", (user_id,))
    # The menus last shown in their private chats, remembered under each address.
    await conn.execute(
        "DELETE FROM numbered_menus WHERE chat_key IN (SELECT channel || ':' || external_id"
        " FROM addresses WHERE local_id = ? AND kind = 'person')",
        (user_id,),
    )
    # Their private chat's updates, and what they sent in groups: the inbox names chats and
    # senders as each channel does, so they are found through the person's addresses …
    await conn.execute(
        "DELETE FROM inbox WHERE EXISTS (SELECT 1 FROM addresses a WHERE a.local_id = ?"
        " AND a.kind = 'person' AND a.channel = inbox.channel"
        " AND a.external_id IN (inbox.chat, inbox.sender))",
        (user_id,),
    )
    # … which go last (the audit log keeps the local id, the ward's security record, and
    # with no address left it names nobody).
    await conn.execute("DELETE FROM addresses WHERE local_id = ? AND kind = 'person'", (user_id,))


@consent.on_export
async def what_erasure_removes(db: Database, user_id: int) -> list[tuple[str, str]]:
    """For /dulieucuatoi, everything `erase_reports_and_inbox` deletes or anonymises: the
    same tables, so that what a person is shown and what they can erase never differ."""

    async def numbered(table: str, column: str) -> str | None:
        count = int(
            await db.fetchval(f"SELECT COUNT(*) FROM {table} WHERE {column} = ?", (user_id,))
        )
        if not count:
            return None
        rows = await db.fetchall(
            f"SELECT id FROM {table} WHERE {column} = ? ORDER BY id LIMIT ?",
            (user_id, SHOWN_NUMBERS),
        )
        return texts.my_numbered(count, [int(r[0]) for r in rows])

    async def counted(sql: str) -> str | None:
        count = int(await db.fetchval(sql, (user_id,)))
        return str(count) if count else None

    async def present(sql: str) -> str | None:
        return texts.YES if await db.fetchval(sql, (user_id,)) else None

    found = [
        (texts.MY_REPORTS, await numbered("reports", "leader_id")),
        (
            texts.MY_REPORT_PHOTOS,
            await counted(
                "SELECT COUNT(*) FROM report_photos WHERE report_id IN"
                " (SELECT id FROM reports WHERE leader_id = ?)"
            ),
        ),
        (texts.MY_REPORT_DRAFT, await present("SELECT 1 FROM report_drafts WHERE user_id = ?")),
        (texts.MY_TIPS, await numbered("tips", "reporter_id")),
        (texts.MY_TIP_DRAFT, await present("SELECT 1 FROM tip_drafts WHERE user_id = ?")),
        (texts.MY_BROADCAST_DRAFT, await present("SELECT 1 FROM compose_drafts WHERE user_id = ?")),
        (
            texts.MY_NOTICES,
            await counted(
                "SELECT COUNT(*) FROM notices WHERE chat_id = ? AND sent_at IS NULL"
                " AND failed IS NULL"
            ),
        ),
        (texts.MY_INVITE_OPENED, await present("SELECT 1 FROM invite_offers WHERE user_id = ?")),
        (texts.MY_UNIT_ASK, await present("SELECT 1 FROM unit_asks WHERE officer_id = ?")),
        (
            texts.MY_LINK_CODE,
            await present("SELECT 1 FROM link_codes WHERE user_id = ? AND used_at IS NULL"),
        ),
        (
            texts.MY_HOME_UNIT,
            await db.fetchval(
                "SELECT u.code || ' — ' || u.name FROM people p JOIN units u"
                " ON u.id = p.home_unit_id WHERE p.user_id = ?",
                (user_id,),
            ),
        ),
        (texts.MY_TIP_CLOSING, await present("SELECT 1 FROM tip_waits WHERE officer_id = ?")),
        (texts.MY_TIPS_HANDLED, await counted("SELECT COUNT(*) FROM tips WHERE handled_by = ?")),
        (texts.MY_REVIEWS, await counted("SELECT COUNT(*) FROM reports WHERE reviewed_by = ?")),
        (
            texts.MY_BROADCASTS,
            await counted("SELECT COUNT(*) FROM broadcasts WHERE created_by = ?"),
        ),
        (texts.MY_SCHEDULES, await counted("SELECT COUNT(*) FROM schedules WHERE created_by = ?")),
    ]
    return [(label, value) for label, value in found if value is not None]


async def forget_files(db: Database, media_dir: Path) -> int:
    """Delete downloaded photos nothing refers to any more, file first, then row; the count."""
    referenced = " UNION ".join(_FILE_REFERENCES)
    orphans = await db.fetchall(f"SELECT id, path FROM media WHERE id NOT IN ({referenced})")
    for media_id, relative in orphans:
        if relative:
            with contextlib.suppress(FileNotFoundError):
                (media_dir / str(relative)).unlink()
        await db.execute("DELETE FROM media WHERE id = ?", (media_id,))
    if orphans:
        log.info("erasure: %d photo(s) no longer referred to were deleted", len(orphans))
    return len(orphans)
