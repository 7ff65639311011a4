"""Misinformation tips (/baotin): anyone registered reports a suspicious post to the ward.

The plan asks officials to "rà soát, kiểm tra và xử lý các thông tin trái chiều, không đúng
sự thật trên mạng xã hội". A registered person (someone with a `people` row) pastes text or a
link, forwards a message, or sends a screenshot, then adds an optional note. Officers get
each tip as a notice with a "Đã xử lý" button and can list the open ones; the person who sent
it is thanked when it is handled. The two steps live in `tip_drafts`, like report drafts.

Callback data: `tip:nonote` (no note), `tip:list[:<page>]`, `tip:<id>:show|ph|done`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import aiosqlite

from bot import flows, inputs, media, people, texts
from bot.clock import Clock, iso, parse_iso
from bot.config import Config
from bot.db import Database
from bot.fit import CAPTION_LIMIT, TEXT_LIMIT, Field, fit
from bot.flows import once
from bot.notices import Notice, RenderContext, Rendered, queue, renderer
from bot.reply import Reply
from bot.report_parse import NOTES_MAX, clean_text
from bot.rich import Rich, rich
from bot.screens import TAKES_TEXT, Button, Screen, page_nav, rows

CONTENT_MAX = 3000  # stored; the card is fitted to Telegram's limit when shown (card())
QUEUE_LIMIT = 20


@dataclass(frozen=True)
class TipInput:
    """One message offered as a tip, described without Telegram types."""

    kind: str  # 'text' | 'link' | 'forward' | 'photo'
    content: str = ""
    origin: str = ""
    file: media.Incoming | None = None  # a screenshot or a forwarded photo


@dataclass(frozen=True)
class Tip:
    id: int
    reporter_id: int
    reporter_name: str
    kind: str
    content: str
    origin: str
    photo: media.MediaRef | None
    note: str
    status: str
    created_at: datetime
    handled_by_name: str
    handled_at: datetime | None
    outcome: str = ""  # what was done (texts.TIP_OUTCOMES), once handled
    outcome_note: str = ""


async def get(conn: aiosqlite.Connection, tip_id: int) -> Tip | None:
    cursor = await conn.execute(
        "SELECT t.id, t.reporter_id, TRIM(COALESCE(p.first_name, '') || ' ' ||"
        " COALESCE(p.last_name, '')), t.kind, t.content, t.origin, t.media_id, m.kind, t.note,"
        " t.status, t.created_at,"
        " TRIM(COALESCE(h.first_name, '') || ' ' || COALESCE(h.last_name, '')),"
        " t.handled_at, t.handled_by, t.outcome, t.outcome_note"
        " FROM tips t LEFT JOIN people p ON p.user_id = t.reporter_id"
        " LEFT JOIN media m ON m.id = t.media_id"
        " LEFT JOIN people h ON h.user_id = t.handled_by WHERE t.id = ?",
        (tip_id,),
    )
    row = await cursor.fetchone()
    if row is None:
        return None
    return Tip(
        id=int(row[0]),
        reporter_id=int(row[1]),
        reporter_name=str(row[2]) or str(row[1]),
        kind=str(row[3]),
        content=str(row[4]),
        origin=str(row[5]),
        photo=None if row[6] is None else media.MediaRef(int(row[6]), str(row[7] or "photo")),
        note=str(row[8]),
        status=str(row[9]),
        created_at=parse_iso(row[10]),
        # the config's admin, known by id only, is named by what they are, not by a number
        handled_by_name=str(row[11]) or ("" if row[13] is None else texts.R_SOME_OFFICER),
        handled_at=None if row[12] is None else parse_iso(row[12]),
        outcome=str(row[14]),
        outcome_note=str(row[15]),
    )


def card(tip: Tip, config: Config, *, caption: bool = False) -> Screen:
    """What an officer sees of a tip; "Đã xử lý" while it is open.

    As a photo's caption it must fit Telegram's 1024 UTF-16 units, as a message 4096:
    the people's fields (the post, the page it came from, the note, the names) are cut
    with "…", the longest first (bot/fit.py), so the card is never refused and lost."""
    tz = config.ward.tz
    handled = tip.status == "handled" and tip.handled_at is not None
    created = tip.created_at.astimezone(tz).strftime("%H:%M %d/%m/%Y")

    def build(f: dict[str, Field]) -> Rich:
        text = texts.tip_card(
            tip.id,
            str(f["reporter"]),
            texts.TIP_KIND_LABELS.get(tip.kind, tip.kind),
            str(f["content"]),
            str(f["origin"]),
            str(f["note"]),
            created,
        )
        if handled and tip.handled_at is not None:
            when = tip.handled_at.astimezone(tz).strftime("%H:%M %d/%m/%Y")
            text += texts.tip_handled_line(str(f["handler"]), when, tip.outcome, str(f["outcome"]))
        return text

    people_text: dict[str, Field] = {
        "reporter": tip.reporter_name,
        "content": tip.content,
        "origin": tip.origin,
        "note": tip.note,
        "handler": tip.handled_by_name,
        "outcome": tip.outcome_note,
    }
    text = fit(build, people_text, CAPTION_LIMIT if caption else TEXT_LIMIT)
    buttons: list[tuple[Button, ...]] = []
    if not handled:
        buttons.append((Button(texts.TIP_BTN_HANDLED, f"tip:{tip.id}:done"),))
    if tip.photo and not caption:
        buttons.append((Button(texts.R_BTN_PHOTOS, f"tip:{tip.id}:ph"),))
    return Screen(text, tuple(buttons))


async def recent_tips(conn: aiosqlite.Connection, user_id: int, now: datetime) -> int:
    """Tips this person sent in the last hour (`[limits] tips_per_hour` caps them: each one
    is a card for every officer, and its screenshot a download)."""
    cursor = await conn.execute(
        "SELECT COUNT(*) FROM tips WHERE reporter_id = ? AND created_at > ?",
        (user_id, iso(now - timedelta(hours=1))),
    )
    row = await cursor.fetchone()
    return int(row[0]) if row else 0


class TipFlow:
    """/baotin for anyone registered; the queue and "đã xử lý" for officers."""

    def __init__(self, db: Database, config: Config, clock: Clock) -> None:
        self.db = db
        self.config = config
        self.clock = clock

    async def start(self, user_id: int, event_id: int | None = None) -> Reply:
        async def step(conn: aiosqlite.Connection) -> Reply:
            cursor = await conn.execute("SELECT 1 FROM people WHERE user_id = ?", (user_id,))
            if await cursor.fetchone() is None:
                return Reply(Screen(texts.TIP_NOT_REGISTERED))
            limit = self.config.limits.tips_per_hour
            if await recent_tips(conn, user_id, self.clock.now()) >= limit:
                return Reply(Screen(texts.tip_too_many(limit)), menu=True)
            stamp = iso(self.clock.now())
            await conn.execute(
                "INSERT INTO tip_drafts (user_id, step, created_at, updated_at)"
                " VALUES (?, 'content', ?, ?) ON CONFLICT (user_id) DO UPDATE SET"
                " step = 'content', kind = NULL, content = '', origin = '', media_id = NULL,"
                " updated_at = excluded.updated_at",
                (user_id, stamp, stamp),
            )
            return Reply(Screen(texts.TIP_ASK, takes=TAKES_TEXT))

        outcome = await once(self.db, user_id, event_id, step)
        assert outcome is not None
        return outcome

    async def message(
        self, user_id: int, tip: TipInput | None, text: str, event_id: int | None = None
    ) -> Reply | None:
        """A message while a tip is being written: the content first, then the note.

        `tip` describes the message as a tip (None when it is of a kind not accepted, e.g. a
        sticker); `text` is its plain text, used as the note. None: no tip in progress."""

        async def step(conn: aiosqlite.Connection) -> Reply | None:
            cursor = await conn.execute("SELECT step FROM tip_drafts WHERE user_id = ?", (user_id,))
            row = await cursor.fetchone()
            if row is None:
                return None
            if row[0] == "content":
                if tip is None or not (tip.content or tip.file):
                    return Reply(Screen(texts.TIP_UNSUPPORTED))
                content = clean_text(tip.content)[:CONTENT_MAX]
                now = self.clock.now()
                photo = await media.add(conn, tip.file, now) if tip.file else None
                await conn.execute(
                    "UPDATE tip_drafts SET step = 'note', kind = ?, content = ?, origin = ?,"
                    " media_id = ?, updated_at = ? WHERE user_id = ?",
                    (tip.kind, content, tip.origin, photo and photo.id, iso(now), user_id),
                )
                return Reply(_ask_note())
            note = clean_text(text)
            if not note:
                return Reply(_ask_note())
            if len(note) > NOTES_MAX:
                problem = texts.r_too_long(len(note), NOTES_MAX)
                return Reply(Screen(f"{problem}\n\n{texts.TIP_ASK_NOTE}", _ask_note().buttons))
            return await self._finish(conn, user_id, note, edit=False)

        return await once(self.db, user_id, event_id, step)

    async def cancel(self, user_id: int, event_id: int | None = None) -> Reply | None:
        async def step(conn: aiosqlite.Connection) -> Reply | None:
            cursor = await conn.execute(
                "DELETE FROM tip_drafts WHERE user_id = ? RETURNING user_id", (user_id,)
            )
            if await cursor.fetchone() is not None:
                return Reply(Screen(texts.TIP_CANCELLED), menu=True)
            cursor = await conn.execute(
                "DELETE FROM tip_waits WHERE officer_id = ? RETURNING tip_id", (user_id,)
            )
            closing = await cursor.fetchone()
            if closing is None:
                return None
            return Reply(Screen(texts.tip_closing_dropped(int(closing[0]))))

        return await once(self.db, user_id, event_id, step)

    async def press(self, user_id: int, data: str, event_id: int | None = None) -> Reply:
        """`tip:nonote` from the person writing a tip; the rest is for officers."""

        async def step(conn: aiosqlite.Connection) -> Reply:
            parts = data.split(":")
            if parts[1] == "nonote":
                cursor = await conn.execute(
                    "SELECT step FROM tip_drafts WHERE user_id = ?", (user_id,)
                )
                row = await cursor.fetchone()
                if row is None or row[0] != "note":
                    return Reply(Screen(texts.TIP_ASK, takes=TAKES_TEXT), notice=texts.R_STALE_STEP)
                return await self._finish(conn, user_id, "", edit=True)
            if parts[1] == "list":
                page = inputs.number(parts[2]) if len(parts) > 2 else 0
                return Reply(await self.queue_screen(conn, page or 0), replace=True)
            tip = await get(conn, _int(parts[1]))
            action = parts[2] if len(parts) > 2 else "show"
            if tip is None:
                return Reply(Screen(texts.TIP_NOT_FOUND), notice=texts.TIP_NOT_FOUND)
            if action == "ph" and tip.photo:
                return Reply(card(tip, self.config, caption=True), photo=tip.photo)
            if action in ("done", "o", "nn"):
                return await self._closing(conn, user_id, tip, parts[2:])
            screen = card(tip, self.config)
            back = (Button(texts.BTN_BACK, "tip:list"),)
            return Reply(replace(screen, buttons=(*screen.buttons, back)), replace=True)

        outcome = await once(self.db, user_id, event_id, step)
        assert outcome is not None
        return outcome

    async def queue_screen(self, conn: aiosqlite.Connection | None = None, page: int = 0) -> Screen:
        """One page of the open tips (`tip:list:<page>` turns it): SQLite counts them and
        returns that page only, previews already cut short."""
        conn = conn or self.db.conn
        cursor = await conn.execute("SELECT COUNT(*) FROM tips WHERE status = 'open'")
        count = await cursor.fetchone()
        total = int(count[0]) if count else 0
        if not total:
            return Screen(texts.TIP_QUEUE_NONE)
        pages = -(-total // QUEUE_LIMIT)
        page = max(0, min(page, pages - 1))
        cursor = await conn.execute(
            "SELECT id, kind, created_at, substr(content, 1, 80), substr(origin, 1, 80)"
            " FROM tips WHERE status = 'open' ORDER BY id LIMIT ? OFFSET ?",
            (QUEUE_LIMIT, page * QUEUE_LIMIT),
        )
        shown = list(await cursor.fetchall())
        tz = self.config.ward.tz
        lines = []
        for tip_id, kind, created, content, origin in shown:
            preview = inputs.clip_words(" ".join(str(content or origin).split()), 60)
            when = parse_iso(created).astimezone(tz).strftime("%d/%m %H:%M")
            label = texts.TIP_KIND_LABELS.get(kind, kind)
            lines.append(texts.tip_queue_line(int(tip_id), label, when, preview))
        buttons = [Button(texts.tip_btn(int(r[0])), f"tip:{int(r[0])}:show") for r in shown]
        text = texts.tip_queue(total, lines, 0)
        if pages > 1:
            text += texts.page_mark(page + 1, pages)
        return Screen(text, (*rows(buttons, per_row=3), *page_nav(page, pages, "tip:list:{}")))

    async def _finish(
        self, conn: aiosqlite.Connection, user_id: int, note: str, *, edit: bool
    ) -> Reply:
        cursor = await conn.execute(
            "DELETE FROM tip_drafts WHERE user_id = ? RETURNING kind, content, origin, media_id",
            (user_id,),
        )
        row = await cursor.fetchone()
        assert row is not None
        now = self.clock.now()
        cursor = await conn.execute(
            "INSERT INTO tips (reporter_id, kind, content, origin, media_id, note, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (user_id, row[0], row[1], row[2], row[3], note, iso(now)),
        )
        tip_id = int(cursor.lastrowid or 0)
        for officer in await people.officer_ids(self.db, self.config):
            await queue(conn, officer, "tip", now, ref_id=tip_id)
        return Reply(Screen(texts.tip_received(tip_id)), replace=edit, wake=True, menu=not edit)

    async def closing_note(
        self, officer_id: int, text: str, event_id: int | None = None
    ) -> Reply | None:
        """The short note an officer types after choosing a tip's outcome; None when no
        closing waits (or the officer is no longer one: the wait is dropped)."""

        async def step(conn: aiosqlite.Connection) -> Reply | None:
            role = await people.role_of(self.db, self.config, officer_id)
            if not people.at_least(role, people.Role.OFFICER):
                await conn.execute("DELETE FROM tip_waits WHERE officer_id = ?", (officer_id,))
                return None
            row = await flows.one(
                conn, "SELECT tip_id, outcome FROM tip_waits WHERE officer_id = ?", (officer_id,)
            )
            if row is None:
                return None
            tip = await get(conn, int(row[0]))
            if tip is None:
                await conn.execute("DELETE FROM tip_waits WHERE officer_id = ?", (officer_id,))
                return Reply(Screen(texts.TIP_NOT_FOUND))
            note = clean_text(text)
            if not note:
                return Reply(_ask_outcome_note(tip.id, str(row[1])))
            if len(note) > texts.TIP_OUTCOME_NOTE_MAX:
                again = _ask_outcome_note(tip.id, str(row[1]))
                shown = rich(texts.tip_outcome_note_too_long(len(note)), "\n\n", again.text)
                return Reply(replace(again, text=shown))
            return await self._close(conn, officer_id, tip, str(row[1]), note, pressed=False)

        return await once(self.db, officer_id, event_id, step)

    async def _closing(
        self, conn: aiosqlite.Connection, officer_id: int, tip: Tip, rest: list[str]
    ) -> Reply:
        """Đã xử lý (`done`) → the outcome (`o:<code>`) → a note typed, or none (`nn`)."""
        if tip.status == "handled":
            return Reply(
                card(tip, self.config), replace=True, notice=texts.tip_already_handled(tip.id)
            )
        now = self.clock.now()
        if rest == ["done"]:
            await conn.execute("DELETE FROM tip_waits WHERE officer_id = ?", (officer_id,))
            return Reply(_outcome_screen(tip, self.config), replace=True)
        if len(rest) == 2 and rest[0] == "o" and rest[1] in texts.TIP_OUTCOMES:
            await conn.execute(
                "INSERT INTO tip_waits (officer_id, tip_id, outcome, created_at)"
                " VALUES (?, ?, ?, ?) ON CONFLICT (officer_id) DO UPDATE SET"
                " tip_id = excluded.tip_id, outcome = excluded.outcome,"
                " created_at = excluded.created_at",
                (officer_id, tip.id, rest[1], iso(now)),
            )
            return Reply(_ask_outcome_note(tip.id, rest[1]), replace=True)
        if rest == ["nn"]:
            row = await flows.one(
                conn,
                "SELECT outcome FROM tip_waits WHERE officer_id = ? AND tip_id = ?",
                (officer_id, tip.id),
            )
            if row is not None:
                return await self._close(conn, officer_id, tip, str(row[0]), "", pressed=True)
        return Reply(_outcome_screen(tip, self.config), replace=True, notice=texts.R_STALE_STEP)

    async def _close(
        self,
        conn: aiosqlite.Connection,
        officer_id: int,
        tip: Tip,
        outcome: str,
        note: str,
        *,
        pressed: bool,
    ) -> Reply:
        now = self.clock.now()
        await conn.execute("DELETE FROM tip_waits WHERE officer_id = ?", (officer_id,))
        await conn.execute(
            "UPDATE tips SET status = 'handled', handled_by = ?, handled_at = ?, outcome = ?,"
            " outcome_note = ? WHERE id = ?",
            (officer_id, iso(now), outcome, note, tip.id),
        )
        await conn.execute(
            "INSERT INTO audit_log (at, actor_id, action, target, detail, allowed)"
            " VALUES (?, ?, 'tip_handled', ?, ?, 1)",
            (iso(now), officer_id, f"tip:{tip.id}", outcome),
        )
        payload = {"outcome": outcome}
        await queue(conn, tip.reporter_id, "tip_thanks", now, ref_id=tip.id, payload=payload)
        updated = await get(conn, tip.id)
        assert updated is not None
        return Reply(card(updated, self.config), replace=pressed, wake=True)


def _outcome_screen(tip: Tip, config: Config) -> Screen:
    """What was done about the tip: the card, then one button per outcome."""
    shown = card(tip, config)
    choices = [
        (Button(label, f"tip:{tip.id}:o:{code}"),) for code, label in texts.TIP_OUTCOMES.items()
    ]
    back = (Button(texts.BTN_BACK, f"tip:{tip.id}:show"),)
    text = rich(shown.text, "\n\n", texts.tip_ask_outcome(tip.id))
    return Screen(text, (*choices, back))


def _ask_outcome_note(tip_id: int, outcome: str) -> Screen:
    buttons = (
        (Button(texts.TIP_BTN_NO_OUTCOME_NOTE, f"tip:{tip_id}:nn"),),
        (Button(texts.BTN_BACK, f"tip:{tip_id}:done"),),
    )
    return Screen(texts.tip_ask_outcome_note(tip_id, outcome), buttons, TAKES_TEXT)


def _ask_note() -> Screen:
    no_note = ((Button(texts.TIP_BTN_NO_NOTE, "tip:nonote"),),)
    return Screen(texts.TIP_ASK_NOTE, no_note, TAKES_TEXT)


def _int(text: str) -> int:
    found = inputs.number(text)  # ASCII digits in range only: never "²", never past 2**63
    return -1 if found is None else found


@renderer("tip")
async def _render_tip(ctx: RenderContext, notice: Notice) -> Rendered | None:
    tip = await get(ctx.db.conn, notice.ref_id)
    if tip is None or tip.status != "open":
        return None
    if tip.photo:
        return Rendered(card(tip, ctx.config, caption=True), photo=tip.photo)
    return Rendered(card(tip, ctx.config))


@renderer("tip_thanks")
async def _render_thanks(ctx: RenderContext, notice: Notice) -> Rendered | None:
    outcome = str(notice.payload.get("outcome", ""))
    return Rendered(Screen(texts.tip_thanks(notice.ref_id, outcome)))


def is_officer_data(data: str) -> bool:
    """Tip buttons other than `tip:nonote` are for officers only."""
    return data != "tip:nonote"


__all__ = ["Tip", "TipFlow", "TipInput", "card", "get", "is_officer_data"]
