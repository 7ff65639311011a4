"""Leaders' activity reports once sent: storage, review, reminders, and how they read.

The flow that builds a report is in `bot/report_flow.py`; this module takes it from the
"Gửi" button on. Every change that somebody must hear about queues a notice (`bot/notices.py`)
in the same transaction, so a report is never stored with nobody told.

Review states: submitted (chờ duyệt) → approved (đạt) | needs_more (cần bổ sung, back to the
leader with a reason and a button to fix it) | rejected (không hợp lệ, with a reason). A
leader can edit or withdraw a report while it is submitted or needs more. Periods (weekly
Monday–Sunday, or calendar months) are in the ward's time zone and counted by the session
date; a tổ "has reported" when it has a report that is not withdrawn or rejected.
"""

from __future__ import annotations

import json
from calendar import monthrange
from collections.abc import Callable, Sequence, Sized
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any, Protocol, TypeVar
from zoneinfo import ZoneInfo

import aiosqlite

from bot import erasure, flows, notices, people, texts  # noqa: F401  (erasure registers its hook)
from bot.clock import Clock, iso, parse_iso
from bot.config import Config
from bot.content import ContentPack
from bot.db import Database
from bot.fit import Field, fit
from bot.inputs import clip_words
from bot.media import MediaRef
from bot.notices import Notice, RenderContext, Rendered
from bot.reply import Reply
from bot.report_parse import FORM_OTHER, REASON_MAX, clean_text
from bot.rich import Rich, rich
from bot.screens import TAKES_TEXT, Button, Screen, rows

EDITABLE = ("submitted", "needs_more")
DECIDED = ("approved", "needs_more", "rejected")  # an officer's verdict, named on the card
REPORTED = ("submitted", "needs_more", "approved")
LIST_LIMIT = 20  # buttons in one list message; the rest is counted, not shown


@dataclass(frozen=True)
class Report:
    id: int
    unit_id: int
    unit_name: str
    leader_id: int
    leader_name: str
    session_date: date
    form: str
    form_other: str
    topics: tuple[str, ...]
    attendance: int
    notes: str
    difficulties: str
    status: str
    version: int
    submitted_at: datetime
    reviewed_by: int | None
    review_reason: str
    photos: tuple[MediaRef, ...]
    reviewed_at: datetime | None = None
    reviewer_name: str = ""  # who decided, as the card says it
    attendance_about: str = ""  # an estimate ("khoảng 40"): see report_parse.parse_attendance

    @property
    def editable(self) -> bool:
        return self.status in EDITABLE


# --------------------------------------------------------------------------- formatting


def day_text(value: date) -> str:
    return value.strftime("%d/%m/%Y")


def local_time_text(moment: datetime, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).strftime("%H:%M %d/%m/%Y")


def form_text(form: str, other: str) -> str:
    if form == FORM_OTHER and other:
        return other
    return texts.R_FORM_LABELS.get(form, form).removesuffix(" (tự gõ)")


def topic_titles(pack: ContentPack, ids: Sequence[str]) -> list[str]:
    titles = []
    for item_id in ids:
        item = pack.get(item_id)
        titles.append(item.title if item else item_id)
    return titles


class Answers(Protocol):
    """What a report and a draft have in common: the answers a leader gives."""

    @property
    def session_date(self) -> date | None: ...
    @property
    def form(self) -> str | None: ...
    @property
    def form_other(self) -> str: ...
    @property
    def topics(self) -> Sequence[str]: ...
    @property
    def attendance(self) -> int | None: ...
    @property
    def attendance_about(self) -> str: ...
    @property
    def notes(self) -> str: ...
    @property
    def photos(self) -> Sized: ...
    @property
    def difficulties(self) -> str: ...


def fields(pack: ContentPack, answers: Answers, unit_name: str | None = None) -> str:
    """The answers of a report (or draft) as "Label: value" lines (plain text: the leader's
    words are the text of a span wherever they are shown)."""
    a = answers
    lines = []
    if unit_name is not None:
        lines.append(f"{texts.R_F_UNIT}: {unit_name}")
    lines.append(f"{texts.R_F_DATE}: {day_text(a.session_date) if a.session_date else '—'}")
    shown = form_text(a.form, a.form_other) if a.form else "—"
    lines.append(f"{texts.R_F_FORM}: {shown}")
    titles = topic_titles(pack, a.topics)
    if titles:
        lines.append(f"{texts.R_F_TOPICS}:")
        lines.extend(f"• {title}" for title in titles)
    else:
        lines.append(f"{texts.R_F_TOPICS}: —")
    people_came = texts.r_people(a.attendance, a.attendance_about) if a.attendance else "—"
    lines.append(f"{texts.R_F_ATTENDANCE}: {people_came}")
    lines.append(f"{texts.R_F_NOTES}: {a.notes if a.notes else texts.R_NONE}")
    lines.append(f"{texts.R_F_PHOTOS}: {texts.r_photos(len(a.photos))}")
    shown = a.difficulties if a.difficulties else texts.R_NONE
    lines.append(f"{texts.R_F_DIFFICULTIES}: {shown}")
    return "\n".join(lines)


A = TypeVar("A", bound=Answers)
_ANSWER_TEXT = ("notes", "difficulties", "form_other")  # what a leader typed


def fit_answers(
    answers: A,
    extra: dict[str, Field],
    build: Callable[[A, dict[str, Field]], Rich],
) -> Rich:
    """`build(answers, extra)` within Telegram's 4096 UTF-16 units: the leader's own text in
    the answers (notes, difficulties, another form) and the people's text in `extra` (names,
    a reason) is cut with "…", the longest first, for display only (bot/fit.py). Notes and
    difficulties of 1,000 emoji each are 4,000 units alone: without this the summary is
    refused and the draft is stuck."""
    fields: dict[str, Field] = {name: getattr(answers, name) for name in _ANSWER_TEXT}
    fields.update(extra)

    def rebuilt(f: dict[str, Field]) -> Rich:
        shortened = replace(answers, **{name: f[name] for name in _ANSWER_TEXT})  # type: ignore[type-var]
        return build(shortened, f)

    return fit(rebuilt, fields)


def report_fields(pack: ContentPack, report: Report, with_unit: bool = False) -> str:
    return fields(pack, report, report.unit_name if with_unit else None)


def status_text(status: str) -> str:
    return texts.R_STATUS_LABELS.get(status, status)


# --------------------------------------------------------------------------- reading


_REPORT_SQL = (
    "SELECT r.id, r.unit_id, u.name, r.leader_id,"
    " COALESCE(TRIM(p.first_name || ' ' || p.last_name), ''), r.session_date, r.form,"
    " r.form_other, r.topics, r.attendance, r.notes, r.difficulties, r.status, r.version,"
    " r.submitted_at, r.reviewed_by, r.review_reason, r.reviewed_at,"
    " COALESCE(TRIM(v.first_name || ' ' || v.last_name), ''), r.attendance_about"
    " FROM reports r JOIN units u ON u.id = r.unit_id"
    " LEFT JOIN people p ON p.user_id = r.leader_id"
    " LEFT JOIN people v ON v.user_id = r.reviewed_by"
)


async def _report_from(conn: aiosqlite.Connection, row: aiosqlite.Row) -> Report:
    cursor = await conn.execute(
        "SELECT p.media_id, m.kind FROM report_photos p JOIN media m ON m.id = p.media_id"
        " WHERE p.report_id = ? ORDER BY p.position",
        (row[0],),
    )
    photos = tuple(MediaRef(int(r[0]), str(r[1])) for r in await cursor.fetchall())
    return Report(
        id=int(row[0]),
        unit_id=int(row[1]),
        unit_name=str(row[2]),
        leader_id=int(row[3]),
        leader_name=str(row[4]) or str(row[3]),
        session_date=date.fromisoformat(row[5]),
        form=str(row[6]),
        form_other=str(row[7]),
        topics=tuple(json.loads(row[8])),
        attendance=int(row[9]),
        notes=str(row[10]),
        difficulties=str(row[11]),
        status=str(row[12]),
        version=int(row[13]),
        submitted_at=parse_iso(row[14]),
        reviewed_by=None if row[15] is None else int(row[15]),
        review_reason=str(row[16]),
        photos=photos,
        reviewed_at=parse_iso(row[17]) if row[17] else None,
        reviewer_name=str(row[18]),
        attendance_about=str(row[19]),
    )


async def get(conn: aiosqlite.Connection, report_id: int) -> Report | None:
    cursor = await conn.execute(_REPORT_SQL + " WHERE r.id = ?", (report_id,))
    row = await cursor.fetchone()
    return None if row is None else await _report_from(conn, row)


async def of_leader(conn: aiosqlite.Connection, leader_id: int, limit: int = 10) -> list[Report]:
    cursor = await conn.execute(
        _REPORT_SQL + " WHERE r.leader_id = ? ORDER BY r.id DESC LIMIT ?", (leader_id, limit)
    )
    return [await _report_from(conn, row) for row in await cursor.fetchall()]


async def awaiting_review(conn: aiosqlite.Connection) -> list[Report]:
    cursor = await conn.execute(_REPORT_SQL + " WHERE r.status = 'submitted' ORDER BY r.id")
    return [await _report_from(conn, row) for row in await cursor.fetchall()]


# --------------------------------------------------------------------------- storing


async def store(
    conn: aiosqlite.Connection,
    config: Config,
    officers: list[int],
    *,
    report_id: int | None,
    unit_id: int,
    leader_id: int,
    session_date: date,
    form: str,
    form_other: str,
    topics: list[str],
    attendance: int,
    notes: str,
    photos: list[int],
    difficulties: str,
    now: datetime,
    attendance_about: str = "",
) -> tuple[int, str | None]:
    """Insert a new report, or replace the answers of `report_id` (an edit or a fix).

    Returns (report number, None) or (number, the status that forbids the edit). Queues the
    officers' notices: a review card (unless they get digests) and, when the difficulties
    are new or changed, the difficulties as an item of their own.
    """
    stamp = iso(now)
    values = (
        unit_id,
        session_date.isoformat(),
        form,
        form_other if form == FORM_OTHER else "",
        json.dumps(topics),
        attendance,
        notes,
        difficulties,
        attendance_about,
    )
    previous_difficulties = ""
    edited = report_id is not None
    changed: dict[str, Any] = {}  # what a fix changed: each field's value before it
    if report_id is None:
        cursor = await conn.execute(
            "INSERT INTO reports (unit_id, session_date, form, form_other, topics, attendance,"
            " notes, difficulties, attendance_about, leader_id, submitted_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (*values, leader_id, stamp, stamp),
        )
        number = int(cursor.lastrowid or 0)
    else:
        cursor = await conn.execute(
            "SELECT status, difficulties, leader_id, session_date, form, form_other, topics,"
            " attendance, notes, attendance_about FROM reports WHERE id = ?",
            (report_id,),
        )
        row = await cursor.fetchone()
        if row is None or int(row[2]) != leader_id:
            return report_id, "missing"
        if row[0] not in EDITABLE:
            return report_id, str(row[0])
        previous_difficulties = str(row[1])
        cursor = await conn.execute(
            "SELECT media_id FROM report_photos WHERE report_id = ? ORDER BY position",
            (report_id,),
        )
        before = [int(r[0]) for r in await cursor.fetchall()]
        was: dict[str, Any] = {
            "date": row[3],
            "form": [row[4], row[5]],
            "topics": json.loads(row[6]),
            "attendance": [int(row[7]), str(row[9])],
            "notes": str(row[8]),
            "difficulties": str(row[1]),
        }
        now_is: dict[str, Any] = {
            "date": values[1],
            "form": [values[2], values[3]],
            "topics": list(topics),
            "attendance": [attendance, attendance_about],
            "notes": notes,
            "difficulties": difficulties,
        }
        changed = {key: old for key, old in was.items() if now_is[key] != old}
        if before != list(photos):
            changed["photos"] = len(before)
        await conn.execute(
            "UPDATE reports SET unit_id = ?, session_date = ?, form = ?, form_other = ?,"
            " topics = ?, attendance = ?, notes = ?, difficulties = ?, attendance_about = ?,"
            " status = 'submitted',"
            " version = version + 1, updated_at = ?, digested_at = NULL WHERE id = ?",
            (*values, stamp, report_id),
        )
        await conn.execute("DELETE FROM report_photos WHERE report_id = ?", (report_id,))
        number = report_id
    for position, media_id in enumerate(photos):
        await conn.execute(
            "INSERT INTO report_photos (report_id, position, media_id) VALUES (?, ?, ?)",
            (number, position, media_id),
        )
    reviewers = [officer for officer in officers if officer != leader_id]  # never one's own
    if not config.reports.digest_times:
        for officer in reviewers:
            payload = {"edited": edited, "changed": changed} if edited else {"edited": False}
            await notices.queue(conn, officer, "review", now, ref_id=number, payload=payload)
        await conn.execute("UPDATE reports SET digested_at = ? WHERE id = ?", (stamp, number))
    if difficulties and difficulties != previous_difficulties:
        for officer in reviewers:
            await notices.queue(conn, officer, "difficulty", now, ref_id=number)
    return number, None


async def withdraw(
    conn: aiosqlite.Connection, officers: list[int], leader_id: int, report_id: int, now: datetime
) -> str | None:
    """Withdraw a report of this leader; None when done, else the status that forbids it."""
    cursor = await conn.execute(
        "SELECT status, leader_id, digested_at FROM reports WHERE id = ?", (report_id,)
    )
    row = await cursor.fetchone()
    if row is None or int(row[1]) != leader_id:
        return "missing"
    if row[0] not in EDITABLE:
        return str(row[0])
    await conn.execute(
        "UPDATE reports SET status = 'withdrawn', updated_at = ? WHERE id = ?",
        (iso(now), report_id),
    )
    await conn.execute("DELETE FROM report_drafts WHERE report_id = ?", (report_id,))
    if row[2] is not None:  # officers had been told about it: tell them it is gone
        for officer in officers:
            await notices.queue(conn, officer, "withdrawn", now, ref_id=report_id)
        await close_cards(conn, report_id, now)
    return None


# --------------------------------------------------------------------------- review


def review_buttons(report: Report) -> tuple[tuple[Button, ...], ...]:
    base = f"rv:{report.id}:{report.version}"
    buttons = [
        (
            Button(texts.R_BTN_APPROVE, f"{base}:ok"),
            Button(texts.R_BTN_NEEDS_MORE, f"{base}:more"),
        ),
        (Button(texts.R_BTN_REJECT, f"{base}:bad"),),
    ]
    if report.photos:
        buttons.append((Button(texts.R_BTN_PHOTOS, f"rv:{report.id}:0:ph"),))
    return tuple(buttons)


CHANGE_CLIP = 40  # characters of a field's old value on a resubmitted report's card


def changes_text(pack: ContentPack, changed: dict[str, Any]) -> str:
    """ "Số người dự (trước: 35 người); Ghi chú (trước: …)": what a leader's fix changed."""
    shown: list[str] = []
    for key, label in (
        ("date", texts.R_F_DATE),
        ("form", texts.R_F_FORM),
        ("topics", texts.R_F_TOPICS),
        ("attendance", texts.R_F_ATTENDANCE),
        ("notes", texts.R_F_NOTES),
        ("photos", texts.R_F_PHOTOS),
        ("difficulties", texts.R_F_DIFFICULTIES),
    ):
        if key not in changed:
            continue
        old = changed[key]
        if key == "date":
            was = day_text(date.fromisoformat(str(old)))
        elif key == "form":
            was = form_text(str(old[0]), str(old[1])) if old[0] else "—"
        elif key == "topics":
            was = ", ".join(topic_titles(pack, [str(t) for t in old])) or "—"
        elif key == "attendance":  # [count, estimate]; a bare count from before
            count, about = (old[0], old[1]) if isinstance(old, list) else (old, "")
            was = texts.r_people(int(count), str(about)) if count else "—"
        elif key == "photos":
            was = texts.r_photos(int(old))
        else:
            was = clip_words(str(old), CHANGE_CLIP) if old else texts.R_NONE
        shown.append(texts.r_changed_field(label, was))
    return "; ".join(shown)


def review_card(
    pack: ContentPack,
    report: Report,
    tz: ZoneInfo,
    edited: bool = False,
    changed: dict[str, Any] | None = None,
) -> Screen:
    """What an officer sees of a report; with the verdict buttons while it awaits review,
    and once decided, who decided and when (`changed`: what a resubmission changed)."""

    def build(r: Report, f: dict[str, Field]) -> Rich:
        lines: list[Rich | str] = [
            texts.r_card_title(r.id, str(f["unit"]), edited or r.version > 1),
            f"{texts.R_F_LEADER}: {f['leader']}",
        ]
        if changed:
            lines.append(f"{texts.R_F_CHANGED}: {f['changed']}")
        lines += [report_fields(pack, r), f"{texts.R_F_STATUS}: {status_text(r.status)}"]
        if r.review_reason and r.status in ("needs_more", "rejected"):
            lines.append(f"{texts.R_F_REASON}: {f['reason']}")
        if r.status in DECIDED and r.reviewed_at is not None:
            when = local_time_text(r.reviewed_at, tz)
            lines.append(texts.r_decided_by(str(f["reviewer"]) or texts.R_SOME_OFFICER, when))
        return rich("\n").join(lines)

    people_text: dict[str, Field] = {
        "unit": report.unit_name,
        "leader": report.leader_name,
        "reason": report.review_reason,
        "reviewer": report.reviewer_name,
        "changed": changes_text(pack, changed) if changed else "",
    }
    text = fit_answers(report, people_text, build)
    if report.status != "submitted":
        photos = ((Button(texts.R_BTN_PHOTOS, f"rv:{report.id}:0:ph"),),) if report.photos else ()
        return Screen(text, photos)
    return Screen(text, review_buttons(report))


async def find(db: Database, report_id: int) -> Report | None:
    """The report, read outside any transaction (to show it)."""
    return await get(db.conn, report_id)


async def press_verdict(
    db: Database,
    config: Config,
    pack: ContentPack,
    clock: Clock,
    officer_id: int,
    report_id: int,
    version: int,
    verdict: str,
    event: int,
) -> Reply:
    """Đạt / Cần bổ sung / Không hợp lệ pressed on a card, applied once per update."""

    async def step(conn: aiosqlite.Connection) -> Reply:
        return await review_press(
            conn, config, pack, officer_id, report_id, version, verdict, clock.now()
        )

    outcome = await flows.once(db, officer_id, event, step)
    assert outcome is not None  # review_press always answers
    return outcome


async def cancel_reason(db: Database, officer_id: int, event: int) -> Reply | None:
    """/huy while a review reason is awaited; None when none was."""
    return await flows.once(db, officer_id, event, lambda conn: review_cancel(conn, officer_id))


async def review_press(
    conn: aiosqlite.Connection,
    config: Config,
    pack: ContentPack,
    officer_id: int,
    report_id: int,
    version: int,
    verdict: str,
    now: datetime,
) -> Reply:
    """An officer pressed Đạt / Cần bổ sung / Không hợp lệ on a card."""
    tz = config.ward.tz
    report = await get(conn, report_id)
    if report is None:
        return Reply(Screen(texts.R_REPORT_NOT_FOUND), notice=texts.R_REPORT_NOT_FOUND)
    if report.leader_id == officer_id:  # nobody reviews their own report
        return Reply(notice=texts.R_OWN_REPORT, alert=True)
    if report.status != "submitted":
        toast = texts.r_already_reviewed(report.id, status_text(report.status))
        return Reply(review_card(pack, report, tz), replace=True, notice=toast)
    if report.version != version:
        return Reply(review_card(pack, report, tz), replace=True, notice=texts.R_REPORT_CHANGED)
    if verdict == "ok":
        await _decide(conn, report, "approved", "", officer_id, now, card_replaced=True)
        report = await get(conn, report_id)
        assert report is not None
        return Reply(
            review_card(pack, report, tz),
            replace=True,
            notice=texts.r_reviewed(report.id, status_text("approved")),
            wake=True,
        )
    wanted = "needs_more" if verdict == "more" else "rejected"
    await conn.execute(
        "INSERT INTO review_waits (officer_id, report_id, version, verdict, created_at)"
        " VALUES (?, ?, ?, ?, ?) ON CONFLICT (officer_id) DO UPDATE SET"
        " report_id = excluded.report_id, version = excluded.version,"
        " verdict = excluded.verdict, created_at = excluded.created_at",
        (officer_id, report_id, version, wanted, iso(now)),
    )
    return Reply(Screen(texts.r_ask_reason(report.id, wanted == "needs_more"), takes=TAKES_TEXT))


async def typed_reason(
    db: Database,
    config: Config,
    pack: ContentPack,
    clock: Clock,
    officer_id: int,
    text: str,
    event: int,
) -> Reply | None:
    """An officer's message while a review reason is awaited, applied once per update; an
    officer demoted while typing loses the wait (None: the message is not a reason)."""

    async def step(conn: aiosqlite.Connection) -> Reply | None:
        role = await people.role_of(db, config, officer_id)
        if not people.at_least(role, people.Role.OFFICER):
            await conn.execute("DELETE FROM review_waits WHERE officer_id = ?", (officer_id,))
            return None
        return await review_reason(conn, config, pack, officer_id, text, clock.now())

    return await flows.once(db, officer_id, event, step)


async def review_reason(
    conn: aiosqlite.Connection,
    config: Config,
    pack: ContentPack,
    officer_id: int,
    text: str,
    now: datetime,
) -> Reply | None:
    """The reason an officer typed after Cần bổ sung / Không hợp lệ; None if none was asked."""
    cursor = await conn.execute(
        "SELECT report_id, version, verdict FROM review_waits WHERE officer_id = ?", (officer_id,)
    )
    row = await cursor.fetchone()
    if row is None:
        return None
    reason = clean_text(text)
    needs_more = row[2] == "needs_more"
    if not reason:
        asked = texts.r_ask_reason(row[0], needs_more)
        return Reply(Screen(rich(texts.R_REASON_NEEDED, "\n\n", asked)))
    if len(reason) > REASON_MAX:
        problem = texts.r_too_long(len(reason), REASON_MAX)
        again = rich(problem, "\n\n", texts.r_ask_reason(row[0], needs_more))
        return Reply(Screen(again, takes=TAKES_TEXT))
    await conn.execute("DELETE FROM review_waits WHERE officer_id = ?", (officer_id,))
    report = await get(conn, int(row[0]))
    if report is None:
        return Reply(Screen(texts.R_REPORT_NOT_FOUND))
    if report.status != "submitted":
        return Reply(Screen(texts.r_already_reviewed(report.id, status_text(report.status))))
    if report.version != int(row[1]):
        return Reply(review_card(pack, report, config.ward.tz), notice=texts.R_REPORT_CHANGED)
    await _decide(conn, report, str(row[2]), reason, officer_id, now, card_replaced=False)
    return Reply(Screen(texts.r_reviewed(report.id, status_text(str(row[2])))), wake=True)


async def review_cancel(conn: aiosqlite.Connection, officer_id: int) -> Reply | None:
    cursor = await conn.execute(
        "DELETE FROM review_waits WHERE officer_id = ? RETURNING report_id", (officer_id,)
    )
    row = await cursor.fetchone()
    return None if row is None else Reply(Screen(texts.r_review_dropped(int(row[0]))))


async def close_cards(
    conn: aiosqlite.Connection, report_id: int, now: datetime, *, shown_to: int = 0
) -> None:
    """Bring every review card of this report that went out up to date in place (its buttons
    go): once each; `shown_to`, whose card was just replaced by their own press, is left."""
    cursor = await conn.execute(
        "SELECT n.chat_id, n.message_id FROM notices n WHERE n.kind = 'review'"
        " AND n.ref_id = ?1 AND n.sent_at IS NOT NULL AND n.message_id IS NOT NULL"
        " AND n.chat_id != ?2 AND NOT EXISTS (SELECT 1 FROM notices c"
        "  WHERE c.kind = 'review_closed' AND c.ref_id = ?1 AND c.chat_id = n.chat_id"
        "  AND json_extract(c.payload, '$.message_id') = n.message_id)",
        (report_id, shown_to),
    )
    for chat_id, message_id in await cursor.fetchall():
        payload = {"message_id": int(message_id)}
        await notices.queue(
            conn, int(chat_id), "review_closed", now, ref_id=report_id, payload=payload
        )


async def _decide(
    conn: aiosqlite.Connection,
    report: Report,
    status: str,
    reason: str,
    officer_id: int,
    now: datetime,
    *,
    card_replaced: bool,
) -> None:
    """Record the verdict, tell the leader, and close the other officers' cards (and the
    deciding officer's, unless their press just replaced it)."""
    stamp = iso(now)
    await conn.execute(
        "UPDATE reports SET status = ?, review_reason = ?, reviewed_by = ?, reviewed_at = ?,"
        " updated_at = ? WHERE id = ?",
        (status, reason, officer_id, stamp, stamp, report.id),
    )
    await conn.execute(
        "INSERT INTO audit_log (at, actor_id, action, target, detail, allowed)"
        " VALUES (?, ?, 'review_report', ?, ?, 1)",
        (stamp, officer_id, f"report:{report.id}", status),
    )
    await notices.queue(
        conn,
        report.leader_id,
        "verdict",
        now,
        ref_id=report.id,
        payload={"status": status, "reason": reason},
    )
    await close_cards(conn, report.id, now, shown_to=officer_id if card_replaced else 0)


# --------------------------------------------------------------------------- lists


def my_reports_screen(reports: list[Report]) -> Screen:
    if not reports:
        return Screen(texts.R_MY_NONE)
    lines = [
        texts.r_my_line(
            r.id, day_text(r.session_date), form_text(r.form, r.form_other), status_text(r.status)
        )
        for r in reports
    ]
    buttons = [Button(texts.r_btn_number(r.id), f"my:{r.id}") for r in reports]
    text = rich(texts.R_MY_TITLE, "\n" + "\n".join(lines) + f"\n\n{texts.R_MY_NEXT}")
    return Screen(text, rows(buttons, per_row=3))


def my_report_screen(pack: ContentPack, report: Report) -> Screen:
    def build(r: Report, f: dict[str, Field]) -> Rich:
        lines: list[Rich | str] = [
            texts.r_card_title(r.id, str(f["unit"]), r.version > 1),
            report_fields(pack, r),
            f"{texts.R_F_STATUS}: {status_text(r.status)}",
        ]
        if r.review_reason and r.status in ("needs_more", "rejected"):
            lines.append(f"{texts.R_F_REASON}: {f['reason']}")
        return rich("\n").join(lines)

    people_text: dict[str, Field] = {"unit": report.unit_name, "reason": report.review_reason}
    buttons: list[tuple[Button, ...]] = []
    if report.editable:
        buttons.append(
            (
                Button(texts.R_BTN_EDIT_REPORT, f"r:fix:{report.id}"),
                Button(texts.R_BTN_WITHDRAW, f"my:w:{report.id}"),
            )
        )
    buttons.append((Button(texts.BTN_BACK, "my:list"),))
    return Screen(fit_answers(report, people_text, build), tuple(buttons))


def withdraw_confirm_screen(report_id: int) -> Screen:
    return Screen(
        texts.r_withdraw_confirm(report_id),
        (
            (Button(texts.R_BTN_WITHDRAW, f"my:wy:{report_id}"),),
            (Button(texts.BTN_BACK, f"my:{report_id}"),),
        ),
    )


def report_list_screen(reports: list[Report], *, digest: bool) -> Screen:
    """A list of reports with a button to open each (a digest, or /duyetbaocao)."""
    if not reports:
        return Screen(texts.R_PENDING_NONE)
    shown = reports[:LIST_LIMIT]
    more = len(reports) - len(shown)
    make = texts.r_digest if digest else texts.r_pending
    buttons = [Button(texts.r_btn_show(r.id), f"rv:{r.id}:0:show") for r in shown]

    def build(f: dict[str, Field]) -> Rich:
        lines = [
            texts.r_digest_line(r.id, unit, day_text(r.session_date), form)
            for r, unit, form in zip(shown, f["units"], f["forms"], strict=True)
        ]
        return make(len(reports), lines, more)

    people_text: dict[str, Field] = {
        "units": tuple(r.unit_name for r in shown),
        "forms": tuple(form_text(r.form, r.form_other) for r in shown),
    }
    return Screen(fit(build, people_text), rows(buttons, per_row=2))


# --------------------------------------------------------------------------- periods


@dataclass(frozen=True)
class Period:
    key: str  # '2026-W15' or '2026-04'
    start: date
    end: date  # inclusive
    reminder_day: date

    def label(self) -> str:
        if self.key[5] == "W":
            return texts.r_period_week(self.start.strftime("%d/%m"), day_text(self.end))
        return texts.r_period_month(self.start.strftime("%m/%Y"))


def period_of(day: date, config: Config) -> Period:
    rc = config.reports
    if rc.period == "monthly":
        last = monthrange(day.year, day.month)[1]
        start = day.replace(day=1)
        end = day.replace(day=last)
        reminder = day.replace(day=min(max(rc.reminder_day, 1), last))
        return Period(f"{day.year:04d}-{day.month:02d}", start, end, reminder)
    start = day - timedelta(days=day.weekday())
    iso_year, week, _ = day.isocalendar()
    reminder = start + timedelta(days=min(max(rc.reminder_weekday, 0), 6))
    return Period(f"{iso_year:04d}-W{week:02d}", start, start + timedelta(days=6), reminder)


def local_today(clock: Clock, config: Config) -> date:
    return clock.now().astimezone(config.ward.tz).date()


def in_quiet_hours(moment: time, start: time, end: time) -> bool:
    if start <= end:
        return start <= moment < end
    return moment >= start or moment < end


@dataclass(frozen=True)
class Reminder:
    user_id: int
    period: str
    units: tuple[tuple[int, str], ...]  # (unit id, unit name) of every silent tổ they lead


async def due_reminders(db: Database, clock: Clock, config: Config) -> list[Reminder]:
    """Leaders to remind now: the period's reminder moment has passed, a tổ they lead has
    no report in the period, and they have not been reminded in this period yet.

    A run that comes late (the bot was down at the reminder time) still reminds, but not in
    the quiet hours of the night unless it is within an hour of the reminder time.
    """
    tz = config.ward.tz
    now_local = clock.now().astimezone(tz)
    period = period_of(now_local.date(), config)
    moment = datetime.combine(period.reminder_day, config.reports.reminder_time, tzinfo=tz)
    if now_local < moment:
        return []
    late = now_local - moment > timedelta(hours=1)
    quiet = config.schedule
    if late and in_quiet_hours(now_local.time(), quiet.quiet_start, quiet.quiet_end):
        return []
    placeholders = ",".join("?" for _ in REPORTED)
    found = await db.fetchall(
        "SELECT l.user_id, u.id, u.name FROM unit_leaders l"
        " JOIN units u ON u.id = l.unit_id JOIN people p ON p.user_id = l.user_id"
        " WHERE l.active = 1 AND u.active = 1 AND p.reachable = 1"
        " AND NOT EXISTS (SELECT 1 FROM reports r WHERE r.unit_id = u.id"
        f"   AND r.status IN ({placeholders}) AND r.session_date BETWEEN ? AND ?)"
        " AND NOT EXISTS (SELECT 1 FROM reminders m WHERE m.user_id = l.user_id"
        "   AND m.period = ?)"
        " ORDER BY l.user_id, u.name",
        (*REPORTED, period.start.isoformat(), period.end.isoformat(), period.key),
    )
    by_leader: dict[int, list[tuple[int, str]]] = {}
    for user_id, unit_id, name in found:
        by_leader.setdefault(int(user_id), []).append((int(unit_id), str(name)))
    return [Reminder(uid, period.key, tuple(units)) for uid, units in by_leader.items()]


async def send_reminders(db: Database, clock: Clock, config: Config) -> list[Reminder]:
    """Record and queue the due reminders; the reminders table makes a second one impossible."""
    due = await due_reminders(db, clock, config)
    now = clock.now()
    sent: list[Reminder] = []
    async with db.transaction() as conn:
        for reminder in due:
            cursor = await conn.execute(
                "INSERT OR IGNORE INTO reminders (user_id, period, unit_id, sent_at)"
                " VALUES (?, ?, ?, ?)",
                (reminder.user_id, reminder.period, reminder.units[0][0], iso(now)),
            )
            if cursor.rowcount != 1:
                continue
            await notices.queue(
                conn,
                reminder.user_id,
                "reminder",
                now,
                payload={"units": [name for _, name in reminder.units], "period": reminder.period},
            )
            sent.append(reminder)
    return sent


@dataclass(frozen=True)
class Nudge:
    """What "Nhắc các tổ này" would do, or did: silent tổ whose leaders get a reminder now,
    those already reminded this way in the period, those without a leader to remind."""

    units: int
    leaders: int
    already: int
    no_leader: int


# A tổ `u` with no report in a period: params REPORTED, then the period's first and last day
# (/chuabaocao's pages, the nudge).
NO_REPORT = (
    " NOT EXISTS (SELECT 1 FROM reports r WHERE r.unit_id = u.id"
    f" AND r.status IN ({','.join('?' for _ in REPORTED)})"
    " AND r.session_date BETWEEN ? AND ?)"
)
_SILENT_UNITS = f"SELECT u.id, u.name FROM units u WHERE u.active = 1 AND{NO_REPORT}"


async def plan_nudge(conn: aiosqlite.Connection, period: Period) -> tuple[Nudge, list[Any]]:
    """The silent tổ of `period` and their reachable leaders: (what a nudge does, rows of
    (unit id, unit name, leader id) to remind)."""
    params = (*REPORTED, period.start.isoformat(), period.end.isoformat())
    silent = list(await conn.execute_fetchall(_SILENT_UNITS, params))
    done = {
        int(r[0])
        for r in await conn.execute_fetchall(
            "SELECT unit_id FROM unit_nudges WHERE period = ?", (period.key,)
        )
    }
    ids = [int(r[0]) for r in silent if int(r[0]) not in done]
    leaders = list(
        await conn.execute_fetchall(
            "SELECT l.unit_id, u.name, l.user_id FROM unit_leaders l JOIN units u ON u.id ="
            " l.unit_id JOIN people p ON p.user_id = l.user_id WHERE l.active = 1"
            f" AND p.reachable = 1 AND l.unit_id IN ({','.join('?' for _ in ids)})"
            " ORDER BY l.unit_id, l.user_id",
            ids,
        )
    )
    reached = {int(r[0]) for r in leaders}
    nudge = Nudge(len(reached), len(leaders), len(silent) - len(ids), len(ids) - len(reached))
    return nudge, leaders


async def nudge_silent(db: Database, clock: Clock, config: Config, officer_id: int) -> Nudge:
    """Remind now the leaders of every silent tổ of this period not yet reminded this way:
    once per tổ per period, through the notices (paced, kept across a restart)."""
    now = clock.now()
    period = period_of(local_today(clock, config), config)
    async with db.transaction() as conn:
        nudge, leaders = await plan_nudge(conn, period)
        for unit_id in sorted({int(r[0]) for r in leaders}):
            await conn.execute(
                "INSERT INTO unit_nudges (unit_id, period, sent_at) VALUES (?, ?, ?)",
                (unit_id, period.key, iso(now)),
            )
        theirs: dict[int, list[str]] = {}  # a leader of two silent tổ gets one message
        for _, name, leader_id in leaders:
            theirs.setdefault(int(leader_id), []).append(str(name))
        for leader_id, names in theirs.items():
            payload = {"units": names, "period": period.key, "nudged": True}
            await notices.queue(conn, leader_id, "reminder", now, payload=payload)
        await people.audit_conn(
            conn,
            officer_id,
            "reports.nudge",
            now,
            target=f"period:{period.key}",
            detail=f"{nudge.units} units {nudge.leaders} leaders",
        )
    return nudge


# --------------------------------------------------------------------------- digests


def last_digest_moment(now_local: datetime, config: Config) -> datetime | None:
    """The most recent configured digest time at or before `now_local` (within two days)."""
    tz = now_local.tzinfo
    moments = [
        datetime.combine(now_local.date() - timedelta(days=back), at, tzinfo=tz)
        for back in (0, 1)
        for at in config.reports.digest_times
    ]
    passed = [m for m in moments if m <= now_local]
    return max(passed) if passed else None


async def queue_digests(db: Database, clock: Clock, config: Config, *, catch_up: bool) -> int:
    """Tell officers about reports not yet announced, in one digest message each.

    With `catch_up` (start-up), only when a digest time passed since the oldest waiting
    report was sent (the bot was down at that time); returns how many reports were listed.
    """
    if not config.reports.digest_times:
        return 0
    now = clock.now()
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "SELECT id, submitted_at, updated_at, leader_id FROM reports"
            " WHERE status = 'submitted' AND digested_at IS NULL ORDER BY id"
        )
        waiting = list(await cursor.fetchall())
        if not waiting:
            return 0
        if catch_up:
            last = last_digest_moment(now.astimezone(config.ward.tz), config)
            oldest = min(parse_iso(r[2]) for r in waiting)
            if last is None or oldest > last:
                return 0
        ids = [int(r[0]) for r in waiting]
        for officer in await people.officer_ids(db, config):
            theirs = [int(r[0]) for r in waiting if int(r[3]) != officer]  # not their own
            if theirs:
                await notices.queue(conn, officer, "digest", now, payload={"ids": theirs})
        await conn.execute(
            f"UPDATE reports SET digested_at = ? WHERE id IN ({','.join('?' for _ in ids)})",
            (iso(now), *ids),
        )
        return len(ids)


# --------------------------------------------------------------------------- notices


@notices.renderer("review")
async def _render_review(ctx: RenderContext, notice: Notice) -> Rendered | None:
    report = await get(ctx.db.conn, notice.ref_id)
    if report is None or report.status != "submitted":
        return None  # decided or withdrawn before the card went out
    edited = bool(notice.payload.get("edited"))
    changed = notice.payload.get("changed") or None
    card = review_card(ctx.pack, report, ctx.config.ward.tz, edited, changed)
    return Rendered(card)


@notices.renderer("review_closed")
async def _render_review_closed(ctx: RenderContext, notice: Notice) -> Rendered | None:
    """Another officer decided (or the leader withdrew) the report on this card: the card,
    in place, without its buttons, saying who decided and when."""
    report = await get(ctx.db.conn, notice.ref_id)
    if report is None or report.status == "submitted":
        return None  # resubmitted meanwhile: the card's buttons answer "the report changed"
    card = review_card(ctx.pack, report, ctx.config.ward.tz)
    return Rendered(card, edit=int(notice.payload["message_id"]))


@notices.renderer("difficulty")
async def _render_difficulty(ctx: RenderContext, notice: Notice) -> Rendered | None:
    report = await get(ctx.db.conn, notice.ref_id)
    if report is None or not report.difficulties or report.status == "withdrawn":
        return None
    day = day_text(report.session_date)
    text = fit(
        lambda f: texts.r_difficulty(report.id, str(f["unit"]), day, str(f["text"])),
        {"unit": report.unit_name, "text": report.difficulties},
    )
    return Rendered(Screen(text))


@notices.renderer("withdrawn")
async def _render_withdrawn(ctx: RenderContext, notice: Notice) -> Rendered | None:
    report = await get(ctx.db.conn, notice.ref_id)
    if report is None:
        return None
    return Rendered(Screen(texts.r_withdrawn_notice(report.id, report.unit_name)))


@notices.renderer("verdict")
async def _render_verdict(ctx: RenderContext, notice: Notice) -> Rendered | None:
    report = await get(ctx.db.conn, notice.ref_id)
    if report is None:
        return None
    status = str(notice.payload.get("status"))
    reason = str(notice.payload.get("reason", ""))
    day = day_text(report.session_date)
    if status == "approved":
        return Rendered(Screen(texts.r_verdict_approved(report.id, report.unit_name, day)))
    if status == "needs_more":
        buttons = ((Button(texts.R_BTN_FIX, f"r:fix:{report.id}"),),) if report.editable else ()
        return Rendered(Screen(texts.r_verdict_needs_more(report.id, day, reason), buttons))
    return Rendered(Screen(texts.r_verdict_rejected(report.id, day, reason)))


@notices.renderer("digest")
async def _render_digest(ctx: RenderContext, notice: Notice) -> Rendered | None:
    wanted = [int(i) for i in notice.payload.get("ids", [])]
    found = [await get(ctx.db.conn, i) for i in wanted]
    waiting = [r for r in found if r is not None and r.status == "submitted"]
    if not waiting:
        return None
    return Rendered(report_list_screen(waiting, digest=True))


@notices.renderer("reminder")
async def _render_reminder(ctx: RenderContext, notice: Notice) -> Rendered | None:
    units = [str(u) for u in notice.payload.get("units", [])]
    key = str(notice.payload.get("period", ""))
    label = period_label(key) if key else ""
    start = ((Button(texts.R_BTN_REPORT_NOW, "r:start"),),)
    screen = Screen(texts.r_reminder(units, label, bool(notice.payload.get("nudged"))), start)
    return Rendered(screen)


def period_label(key: str) -> str:
    """The label of a period from its key ('2026-W15', '2026-04')."""
    if "-W" in key:
        year, week = key.split("-W")
        monday = date.fromisocalendar(int(year), int(week), 1)
        return texts.r_period_week(monday.strftime("%d/%m"), day_text(monday + timedelta(days=6)))
    year, month = key.split("-")
    return texts.r_period_month(f"{int(month):02d}/{int(year)}")
