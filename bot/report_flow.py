"""The report flow: a leader answers one question at a time; the draft lives in SQLite.

A state machine in the core. A handler says "this person typed X / pressed Y / sent a
photo" and gets back an `Reply` with the next screen; Telegram shows its buttons as an
inline keyboard, a channel without buttons can number them. The draft row is written at
every step inside the same transaction as the `flow_marks` guard (`bot/flows.py`), so a
restart loses nothing and an update handled again after a crash changes nothing twice.

Steps: unit (only for a leader of several tổ) → date → form (→ form_other for "khác") →
topics → attendance → notes → photos → difficulties → summary (Gửi / Sửa / Hủy). "Sửa"
opens `edit`, which sends the person to one step and back to the summary. Wrong input
re-asks the same question with an example; every earlier answer stays.

Callback data (≤ 64 bytes, never Vietnamese): `r:<verb>[:<arg>]` for the flow and
`my:<...>` for the leader's list of sent reports.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

import aiosqlite

from bot import inputs, media, people, reports, texts
from bot.clock import Clock, iso, parse_iso
from bot.config import Config
from bot.content import ContentPack, fold
from bot.db import Database
from bot.fit import Field
from bot.flows import once, one
from bot.notices import Notice, RenderContext, Rendered, queue, renderer
from bot.reply import Reply
from bot.report_parse import (
    DIFFICULTIES_MAX,
    FORM_OTHER,
    FORM_OTHER_MAX,
    FORMS,
    NOTES_MAX,
    PHOTOS_MAX,
    DateProblem,
    NumberProblem,
    clean_text,
    parse_attendance,
    parse_date,
    topics,
)
from bot.rich import Rich, italic, rich
from bot.screens import OPTIONS_ONLY, TAKES_NUMBER, TAKES_TEXT, Button, Screen, page_nav, rows

ORDER = ("unit", "date", "form", "topics", "attendance", "notes", "photos", "difficulties")
# The steps answered by typing (the rest only by their options): a channel without buttons
# must not read the number of people as the number of an option.
_TAKES = {"date": TAKES_TEXT, "form_other": TAKES_TEXT, "attendance": TAKES_NUMBER,
          "notes": TAKES_TEXT, "photos": TAKES_TEXT, "difficulties": TAKES_TEXT}  # fmt: skip
EDITABLE_FIELDS = ("unit", *ORDER[1:])
TOPICS_PER_PAGE = 10
IDLE_AFTER = timedelta(hours=24)
_SKIP_WORDS = {"bo qua", "khong", "khong co", "ko", "k", "khong a", "xong", "het"}


@dataclass
class Draft:
    user_id: int
    step: str
    unit_id: int | None = None
    report_id: int | None = None
    back_to_summary: bool = False
    session_date: date | None = None
    form: str | None = None
    form_other: str = ""
    topics: list[str] = field(default_factory=list)
    topics_page: int = 0
    attendance: int | None = None
    attendance_about: str = ""  # an estimate ("khoảng 40": about), see parse_attendance
    notes: str = ""
    photos: list[int] = field(default_factory=list)  # media ids (bot/media.py), in order
    difficulties: str = ""
    updated_at: str = ""
    paused: bool = False  # kept for later: typed text is not an answer until resumed
    overflow: str = ""  # a note typed too long, kept until cut or typed again


_DRAFT_COLUMNS = (
    "user_id, step, unit_id, report_id, back_to_summary, session_date, form, form_other,"
    " topics, topics_page, attendance, notes, photos, difficulties, updated_at, paused,"
    " attendance_about, overflow"
)


async def load_draft(conn: aiosqlite.Connection, user_id: int) -> Draft | None:
    row = await one(
        conn, f"SELECT {_DRAFT_COLUMNS} FROM report_drafts WHERE user_id = ?", (user_id,)
    )
    if row is None:
        return None
    return Draft(
        user_id=int(row[0]),
        step=str(row[1]),
        unit_id=None if row[2] is None else int(row[2]),
        report_id=None if row[3] is None else int(row[3]),
        back_to_summary=bool(row[4]),
        session_date=None if row[5] is None else date.fromisoformat(row[5]),
        form=row[6],
        form_other=str(row[7]),
        topics=list(json.loads(row[8])),
        topics_page=int(row[9]),
        attendance=None if row[10] is None else int(row[10]),
        notes=str(row[11]),
        photos=[int(p) for p in json.loads(row[12])],
        difficulties=str(row[13]),
        updated_at=str(row[14]),
        paused=bool(row[15]),
        attendance_about=str(row[16]),
        overflow=str(row[17]),
    )


async def save_draft(conn: aiosqlite.Connection, draft: Draft, now: datetime) -> None:
    stamp = iso(now)
    draft.updated_at = stamp
    await conn.execute(
        "INSERT INTO report_drafts (user_id, step, unit_id, report_id, back_to_summary,"
        " session_date, form, form_other, topics, topics_page, attendance, notes, photos,"
        " difficulties, created_at, updated_at, paused, attendance_about, overflow)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (user_id) DO UPDATE SET step = excluded.step, unit_id = excluded.unit_id,"
        " report_id = excluded.report_id, back_to_summary = excluded.back_to_summary,"
        " session_date = excluded.session_date, form = excluded.form,"
        " form_other = excluded.form_other, topics = excluded.topics,"
        " topics_page = excluded.topics_page, attendance = excluded.attendance,"
        " notes = excluded.notes, photos = excluded.photos,"
        " difficulties = excluded.difficulties, updated_at = excluded.updated_at,"
        " paused = excluded.paused, attendance_about = excluded.attendance_about,"
        " overflow = excluded.overflow",
        (
            draft.user_id,
            draft.step,
            draft.unit_id,
            draft.report_id,
            int(draft.back_to_summary),
            draft.session_date.isoformat() if draft.session_date else None,
            draft.form,
            draft.form_other,
            json.dumps(draft.topics),
            draft.topics_page,
            draft.attendance,
            draft.notes,
            json.dumps(draft.photos),
            draft.difficulties,
            stamp,
            stamp,
            int(draft.paused),
            draft.attendance_about,
            draft.overflow,
        ),
    )


async def delete_draft(conn: aiosqlite.Connection, user_id: int) -> None:
    await conn.execute("DELETE FROM report_drafts WHERE user_id = ?", (user_id,))


async def unit_name(conn: aiosqlite.Connection, unit_id: int | None) -> str | None:
    if unit_id is None:
        return None
    row = await one(conn, "SELECT name FROM units WHERE id = ?", (unit_id,))
    return None if row is None else str(row[0])


async def resume_screen(conn: aiosqlite.Connection, draft: Draft, config: Config) -> Screen:
    """ "Anh/chị đang có báo cáo dở — tiếp tục?" with where the draft stands."""
    name = await unit_name(conn, draft.unit_id) or texts.R_HEADING
    saved = reports.local_time_text(parse_iso(draft.updated_at), config.ward.tz)
    step = texts.R_STEP_LABELS.get(draft.step, draft.step)
    return Screen(
        texts.r_resume(name, step, saved),
        (
            (Button(texts.R_BTN_RESUME, "r:go"),),
            (Button(texts.R_BTN_START_OVER, "r:new"),),
        ),
    )


class ReportFlow:
    """The leader's side of reports: the draft, sending, editing, withdrawing."""

    def __init__(self, db: Database, config: Config, pack: ContentPack, clock: Clock) -> None:
        self.db = db
        self.config = config
        self.pack = pack
        self.clock = clock
        self.topic_items = topics(pack)
        self._topic_ids = {item.id for item in self.topic_items}
        # A flow object lives for one handler call; the tổ a person leads do not change
        # within it, and asking once saves round trips inside the writer lock.
        self._units_of: dict[int, list[people.Unit]] = {}

    # ------------------------------------------------------------------ public interface

    async def start(self, user_id: int, event_id: int | None = None) -> Reply:
        """/baocao, the 📝 button or "Báo cáo ngay": resume a draft or begin one."""
        outcome = await once(self.db, user_id, event_id, lambda c: self._start(c, user_id))
        assert outcome is not None
        return outcome

    async def text(self, user_id: int, text: str, event_id: int | None = None) -> Reply | None:
        """Typed text; None when the person has no draft (the text is not for this flow)."""
        return await once(self.db, user_id, event_id, lambda c: self._text(c, user_id, text))

    async def photo(
        self, user_id: int, file: media.Incoming, event_id: int | None = None
    ) -> Reply | None:
        """A photo; None when the person has no draft."""
        return await once(self.db, user_id, event_id, lambda c: self._photo(c, user_id, file))

    async def unsupported(
        self, user_id: int, what: str, event_id: int | None = None
    ) -> Reply | None:
        """Something no step takes (a PDF or another file that is not an image, a sticker, a
        voice message): say so, keep every answer, ask the same again. `what` is "file" or
        "other". None when the person has no draft."""

        async def step(conn: aiosqlite.Connection) -> Reply | None:
            draft = await load_draft(conn, user_id)
            if draft is None:
                return None
            if what == "file":
                problem = (
                    texts.R_FILE_NOT_TAKEN if draft.step == "photos" else texts.R_FILE_NOT_HERE
                )
            else:
                problem = texts.R_INPUT_NOT_TAKEN
            return await self._again(conn, draft, problem)

        return await once(self.db, user_id, event_id, step)

    async def press(self, user_id: int, data: str, event_id: int | None = None) -> Reply:
        """A button of this flow (`r:…`) or of the leader's report list (`my:…`)."""
        outcome = await once(self.db, user_id, event_id, lambda c: self._press(c, user_id, data))
        assert outcome is not None
        return outcome

    async def cancel(self, user_id: int, event_id: int | None = None) -> Reply | None:
        """/huy: drop the draft; None when there is none."""
        return await once(self.db, user_id, event_id, lambda c: self._cancel(c, user_id))

    async def my_reports(self, user_id: int) -> Screen:
        return reports.my_reports_screen(await reports.of_leader(self.db.conn, user_id))

    async def offer_idle(self) -> int:
        """Offer again every draft untouched for 24 h (once per idle stretch; not at night)."""
        now = self.clock.now()
        quiet = self.config.schedule
        local = now.astimezone(self.config.ward.tz).time()
        if reports.in_quiet_hours(local, quiet.quiet_start, quiet.quiet_end):
            return 0
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "SELECT user_id, updated_at FROM report_drafts WHERE updated_at <= ?"
                " AND (offered_at IS NULL OR offered_at < updated_at)",
                (iso(now - IDLE_AFTER),),
            )
            idle = list(await cursor.fetchall())
            for user_id, updated_at in idle:
                await queue(conn, int(user_id), "draft_offer", now, payload={"at": updated_at})
                await conn.execute(
                    "UPDATE report_drafts SET offered_at = ? WHERE user_id = ?",
                    (iso(now), user_id),
                )
        return len(idle)

    # ------------------------------------------------------------------ starting

    async def _units(self, user_id: int) -> list[people.Unit]:
        if user_id not in self._units_of:
            self._units_of[user_id] = await people.leader_units(self.db, user_id)
        return self._units_of[user_id]

    async def _start(self, conn: aiosqlite.Connection, user_id: int) -> Reply:
        units = await self._units(user_id)
        if not units:
            return Reply(Screen(texts.R_NOT_LEADER))
        draft = await load_draft(conn, user_id)
        if draft is not None:
            return Reply(await self.resume_screen(conn, draft))
        return await self._new(conn, user_id, units, edit=False)

    async def _new(
        self, conn: aiosqlite.Connection, user_id: int, units: list[people.Unit], *, edit: bool
    ) -> Reply:
        if len(units) == 1:
            draft = Draft(user_id=user_id, step="date", unit_id=units[0].id)
        else:
            draft = Draft(user_id=user_id, step="unit")
        await save_draft(conn, draft, self.clock.now())
        return Reply(await self._screen(conn, draft), replace=edit)

    async def resume_screen(self, conn: aiosqlite.Connection, draft: Draft) -> Screen:
        return await resume_screen(conn, draft, self.config)

    # ------------------------------------------------------------------ input

    async def _text(self, conn: aiosqlite.Connection, user_id: int, text: str) -> Reply | None:
        draft = await load_draft(conn, user_id)
        if draft is None or draft.paused:
            return None
        value = clean_text(text)
        folded = fold(value)
        step = draft.step
        if step == "date":
            today = reports.local_today(self.clock, self.config)
            parsed = parse_date(value, today, self.config.reports.max_age_days)
            if parsed.value is None:
                return await self._again(conn, draft, self._date_problem(parsed.problem))
            draft.session_date = parsed.value
            return await self._advance(conn, draft)
        if step == "form":
            form = self._form_from_text(folded)
            if form is None:
                return await self._again(conn, draft, texts.R_PICK_BUTTON)
            return await self._set_form(conn, draft, form, edit=False)
        if step == "form_other":
            if not value:
                return await self._again(conn, draft, texts.R_NEED_TEXT)
            if len(value) > FORM_OTHER_MAX:
                return await self._again(conn, draft, texts.r_too_long(len(value), FORM_OTHER_MAX))
            draft.form_other = value
            return await self._advance(conn, draft)
        if step == "topics":
            return await self._again(conn, draft, texts.R_PICK_TOPICS)
        if step == "attendance":
            number = parse_attendance(value)
            if number.value is None:
                problem = (
                    texts.R_RANGE_ATTENDANCE
                    if number.problem == NumberProblem.RANGE
                    else texts.R_BAD_ATTENDANCE
                )
                return await self._again(conn, draft, problem)
            draft.attendance, draft.attendance_about = number.value, number.about
            return await self._advance(conn, draft)
        if step in ("notes", "difficulties"):
            limit = NOTES_MAX if step == "notes" else DIFFICULTIES_MAX
            if folded in _SKIP_WORDS:
                value = ""
            if len(value) > limit:  # kept, not lost: cut it here, or type it again shorter
                draft.overflow = value
                again = await self._again(conn, draft, texts.r_too_long_kept(len(value), limit))
                return replace(again, more=(Screen(value),))
            setattr(draft, step, value)
            draft.overflow = ""
            return await self._advance(conn, draft)
        if step == "photos":
            if folded in _SKIP_WORDS:
                return await self._advance(conn, draft)
            return await self._again(conn, draft, texts.R_PHOTO_EXPECTED)
        # unit, summary, edit: only buttons answer these
        return await self._again(conn, draft, texts.R_PICK_BUTTON)

    async def _photo(
        self, conn: aiosqlite.Connection, user_id: int, file: media.Incoming
    ) -> Reply | None:
        draft = await load_draft(conn, user_id)
        if draft is None:
            return None
        known = await media.find(conn, file)
        if known is not None and known.id in draft.photos:
            note = texts.R_PHOTO_DUPLICATE
        elif len(draft.photos) >= PHOTOS_MAX:
            note = texts.R_PHOTOS_FULL
        else:
            draft.photos.append((known or await media.add(conn, file, self.clock.now())).id)
            note = texts.r_photo_added(len(draft.photos), PHOTOS_MAX)
        if draft.step == "photos":
            note = f"{note} {texts.R_PHOTOS_MORE}"
        await save_draft(conn, draft, self.clock.now())
        return Reply(await self._screen(conn, draft, note=note))

    async def _cancel(self, conn: aiosqlite.Connection, user_id: int) -> Reply | None:
        """/huy (or Hủy): a draft with answers in it is only dropped once the person says so,
        and may be kept for later instead."""
        draft = await load_draft(conn, user_id)
        if draft is None:
            return None
        if _has_answers(draft):
            return Reply(_cancel_ask(draft))
        return await self._drop(conn, draft)

    async def _drop(self, conn: aiosqlite.Connection, draft: Draft) -> Reply:
        await delete_draft(conn, draft.user_id)
        if draft.report_id is not None:
            return Reply(Screen(texts.r_edit_cancelled(draft.report_id)), menu=True)
        return Reply(Screen(texts.R_CANCELLED), menu=True)

    # ------------------------------------------------------------------ buttons

    async def _press(self, conn: aiosqlite.Connection, user_id: int, data: str) -> Reply:
        parts = data.split(":")
        if parts[0] == "my":
            return await self._press_mine(conn, user_id, parts[1:])
        verb, arg = parts[1], ":".join(parts[2:])
        if verb == "start":
            return await self._start(conn, user_id)
        if verb == "fix" or verb == "fixf":
            return await self._open_report(conn, user_id, _int(arg), force=verb == "fixf")
        draft = await load_draft(conn, user_id)
        if draft is None:
            if verb in ("go", "new"):  # an old resume offer: begin again
                return await self._start(conn, user_id)
            # A button of a report already sent or dropped: say so, start nothing.
            return Reply(Screen(texts.R_DRAFT_GONE), notice=texts.R_STALE_STEP)
        if verb == "go":
            draft.paused = False
            await save_draft(conn, draft, self.clock.now())  # touched: a new idle stretch
            return Reply(await self._screen(conn, draft), replace=True)
        if verb == "new":
            await delete_draft(conn, user_id)
            units = await self._units(user_id)
            if not units:
                return Reply(Screen(texts.R_NOT_LEADER), replace=True)
            return await self._new(conn, user_id, units, edit=True)
        if verb == "cancel":
            outcome = await self._cancel(conn, user_id)
            assert outcome is not None
            return replace(outcome, replace=True, menu=False)
        if verb == "drop":  # a new message: it brings back the main menu's keys
            return await self._drop(conn, draft)
        if verb == "keep":  # kept as it is: /baocao offers to go on with it
            draft.paused = True
            await save_draft(conn, draft, self.clock.now())
            return Reply(Screen(texts.R_KEPT_FOR_LATER), replace=True, menu=True)
        if verb == "back":
            return await self._back(conn, draft)
        wanted = _STEP_OF_VERB.get(verb)
        if wanted is None or draft.step not in wanted:
            screen = await self._screen(conn, draft)
            return Reply(screen, notice=texts.R_STALE_STEP)
        return await self._answer(conn, draft, verb, arg)

    async def _answer(self, conn: aiosqlite.Connection, draft: Draft, verb: str, arg: str) -> Reply:
        if verb == "u":
            units = {u.id: u for u in await self._units(draft.user_id)}
            unit_id = _int(arg)
            if unit_id not in units:
                return await self._again(conn, draft, texts.R_PICK_BUTTON, edit=True)
            draft.unit_id = unit_id
            return await self._advance(conn, draft, edit=True)
        if verb == "d":
            today = reports.local_today(self.clock, self.config)
            draft.session_date = today - timedelta(days=1 if arg == "1" else 0)
            return await self._advance(conn, draft, edit=True)
        if verb == "f":
            if arg not in FORMS:
                return await self._again(conn, draft, texts.R_PICK_BUTTON, edit=True)
            return await self._set_form(conn, draft, arg, edit=True)
        if verb == "t":
            if arg in self._topic_ids:
                if arg in draft.topics:
                    draft.topics.remove(arg)
                else:
                    draft.topics.append(arg)
            await save_draft(conn, draft, self.clock.now())
            return Reply(await self._screen(conn, draft), replace=True)
        if verb == "tp":
            pages = max(1, -(-len(self.topic_items) // TOPICS_PER_PAGE))
            draft.topics_page = min(max(_int(arg), 0), pages - 1)
            await save_draft(conn, draft, self.clock.now())
            return Reply(await self._screen(conn, draft), replace=True)
        if verb == "tok":
            if not draft.topics:
                screen = await self._screen(conn, draft)
                return Reply(screen, replace=True, notice=texts.R_NEED_TOPIC, alert=True)
            # keep the item order of the pack, whatever order they were ticked in
            draft.topics = [i.id for i in self.topic_items if i.id in draft.topics]
            return await self._advance(conn, draft, edit=True)
        if verb == "skip":
            setattr(draft, draft.step, "")
            draft.overflow = ""
            return await self._advance(conn, draft, edit=True)
        if verb == "cut" and draft.step in ("notes", "difficulties") and draft.overflow:
            limit = NOTES_MAX if draft.step == "notes" else DIFFICULTIES_MAX
            setattr(draft, draft.step, inputs.clip_words(draft.overflow, limit))
            draft.overflow = ""
            return await self._advance(conn, draft, edit=True)
        if verb == "pok":
            return await self._advance(conn, draft, edit=True)
        if verb == "pclr":
            draft.photos = []
            await save_draft(conn, draft, self.clock.now())
            screen = await self._screen(conn, draft, note=texts.R_PHOTOS_CLEARED)
            return Reply(screen, replace=True)
        if verb == "edit":
            draft.step = "edit"
            await save_draft(conn, draft, self.clock.now())
            return Reply(await self._screen(conn, draft), replace=True)
        if verb == "e":
            if arg not in EDITABLE_FIELDS:
                return await self._again(conn, draft, texts.R_PICK_BUTTON, edit=True)
            draft.step = arg
            draft.back_to_summary = True
            await save_draft(conn, draft, self.clock.now())
            return Reply(await self._screen(conn, draft), replace=True)
        if verb == "send":
            return await self._send(conn, draft)
        return Reply(await self._screen(conn, draft), notice=texts.R_STALE_STEP)

    async def _set_form(
        self, conn: aiosqlite.Connection, draft: Draft, form: str, *, edit: bool
    ) -> Reply:
        draft.form = form
        if form == FORM_OTHER:
            draft.step = "form_other"
            await save_draft(conn, draft, self.clock.now())
            return Reply(await self._screen(conn, draft), replace=edit)
        draft.form_other = ""
        return await self._advance(conn, draft, edit=edit)

    def _form_from_text(self, folded: str) -> str | None:
        """A form typed instead of pressed ("hop to", "loa"), when it names exactly one."""
        if not folded:
            return None
        found = [code for code in FORMS if fold(texts.R_FORM_LABELS[code]).startswith(folded)]
        return found[0] if len(found) == 1 else None

    # ------------------------------------------------------------------ moving between steps

    async def _advance(
        self, conn: aiosqlite.Connection, draft: Draft, *, edit: bool = False
    ) -> Reply:
        draft.step = self._next(draft)
        if draft.step == "summary":
            draft.back_to_summary = False
        await save_draft(conn, draft, self.clock.now())
        return Reply(await self._screen(conn, draft), replace=edit)

    def _next(self, draft: Draft) -> str:
        if draft.step == "form" and draft.form == FORM_OTHER:
            return "form_other"
        if draft.back_to_summary:
            return "summary"
        current = "form" if draft.step == "form_other" else draft.step
        if current not in ORDER:
            return "summary"
        index = ORDER.index(current) + 1
        return ORDER[index] if index < len(ORDER) else "summary"

    async def _back(self, conn: aiosqlite.Connection, draft: Draft) -> Reply:
        if draft.back_to_summary or draft.step == "edit":
            draft.step, draft.back_to_summary = "summary", False
        elif draft.step == "summary":
            draft.step = ORDER[-1]
        elif draft.step == "form_other":
            draft.step = "form"
        elif draft.step == "topics" and draft.form == FORM_OTHER:
            draft.step = "form_other"
        elif draft.step in ORDER:
            index = ORDER.index(draft.step)
            previous = ORDER[max(index - 1, 0)]
            if previous == "unit" and len(await self._units(draft.user_id)) < 2:
                previous = draft.step
            draft.step = previous
        await save_draft(conn, draft, self.clock.now())
        return Reply(await self._screen(conn, draft), replace=True)

    async def _again(
        self, conn: aiosqlite.Connection, draft: Draft, problem: str, *, edit: bool = False
    ) -> Reply:
        """Wrong input: say what was expected, keep every answer, ask the same again."""
        await save_draft(conn, draft, self.clock.now())
        return Reply(await self._screen(conn, draft, problem=problem), replace=edit)

    def _date_problem(self, problem: DateProblem | None) -> str:
        if problem == DateProblem.FUTURE:
            return texts.r_future_date(self._example_day())
        if problem == DateProblem.TOO_OLD:
            return texts.r_old_date(self.config.reports.max_age_days)
        return texts.r_bad_date(self._example_day())

    def _example_day(self) -> str:
        """A date people may type, from today: the day before yesterday (the buttons give
        today and yesterday), always within the days a report may be late."""
        today = reports.local_today(self.clock, self.config)
        return (today - timedelta(days=min(2, self.config.reports.max_age_days))).strftime(
            "%d/%m/%Y"
        )

    # ------------------------------------------------------------------ sending

    async def _send(self, conn: aiosqlite.Connection, draft: Draft) -> Reply:
        missing = self._first_missing(draft)
        if missing is not None:
            draft.step, draft.back_to_summary = missing, True
            await save_draft(conn, draft, self.clock.now())
            return Reply(await self._screen(conn, draft), replace=True)
        assert draft.session_date and draft.form and draft.attendance and draft.unit_id
        today = reports.local_today(self.clock, self.config)
        check = parse_date(draft.session_date.strftime("%d/%m/%Y"), today, self.max_age)
        if check.value is None:  # the draft waited so long that its date became too old
            draft.step, draft.back_to_summary = "date", True
            return await self._again(conn, draft, self._date_problem(check.problem), edit=True)
        units = {u.id: u for u in await self._units(draft.user_id)}
        if draft.unit_id not in units:
            name = await self._unit_name(conn, draft.unit_id) or ""
            return Reply(Screen(texts.r_not_your_unit(name)), replace=True)
        now = self.clock.now()
        officers = await people.officer_ids(self.db, self.config)
        number, refused = await reports.store(
            conn,
            self.config,
            officers,
            report_id=draft.report_id,
            unit_id=draft.unit_id,
            leader_id=draft.user_id,
            session_date=draft.session_date,
            form=draft.form,
            form_other=draft.form_other,
            topics=draft.topics,
            attendance=draft.attendance,
            attendance_about=draft.attendance_about,
            notes=draft.notes,
            photos=draft.photos,
            difficulties=draft.difficulties,
            now=now,
        )
        await delete_draft(conn, draft.user_id)
        if refused == "missing":
            return Reply(Screen(texts.R_REPORT_NOT_FOUND), replace=True)
        if refused is not None:
            status = reports.status_text(refused)
            return Reply(Screen(texts.r_not_editable(number, status)), replace=True)
        # Nobody reviews their own report: say so when no other officer can.
        alone = not [officer for officer in officers if officer != draft.user_id]
        if draft.report_id is not None:
            again = texts.r_receipt_again(number)
            return Reply(Screen(again + texts.R_NO_REVIEWER if alone else again), replace=True,
                         wake=True)  # fmt: skip
        receipt = texts.r_receipt(number, units[draft.unit_id].name)
        shown = receipt + texts.R_NO_REVIEWER if alone else receipt
        return Reply(Screen(shown), replace=True, wake=True)

    @property
    def max_age(self) -> int:
        return self.config.reports.max_age_days

    def _first_missing(self, draft: Draft) -> str | None:
        if draft.unit_id is None:
            return "unit"
        if draft.session_date is None:
            return "date"
        if draft.form is None:
            return "form"
        if draft.form == FORM_OTHER and not draft.form_other:
            return "form_other"
        if not draft.topics:
            return "topics"
        if draft.attendance is None:
            return "attendance"
        return None

    # ------------------------------------------------------------------ sent reports

    async def _open_report(
        self, conn: aiosqlite.Connection, user_id: int, report_id: int, *, force: bool
    ) -> Reply:
        """Open a sent report for fixing (Bổ sung báo cáo) or editing (Sửa báo cáo)."""
        report = await reports.get(conn, report_id)
        if report is None or report.leader_id != user_id:
            return Reply(Screen(texts.R_REPORT_NOT_FOUND))
        if not report.editable:
            status = reports.status_text(report.status)
            return Reply(Screen(texts.r_not_editable(report.id, status)))
        draft = await load_draft(conn, user_id)
        if draft is not None and not force:
            if draft.report_id == report_id:
                return Reply(await self._screen(conn, draft))
            return Reply(
                Screen(
                    texts.r_busy_with_draft(report_id),
                    (
                        (Button(texts.R_BTN_RESUME, "r:go"),),
                        (Button(texts.r_btn_fix_instead(report_id), f"r:fixf:{report_id}"),),
                    ),
                )
            )
        draft = Draft(
            user_id=user_id,
            step="summary",
            unit_id=report.unit_id,
            report_id=report.id,
            session_date=report.session_date,
            form=report.form,
            form_other=report.form_other,
            topics=list(report.topics),
            attendance=report.attendance,
            attendance_about=report.attendance_about,
            notes=report.notes,
            photos=[photo.id for photo in report.photos],
            difficulties=report.difficulties,
        )
        await save_draft(conn, draft, self.clock.now())
        return Reply(await self._screen(conn, draft), replace=force)

    async def _press_mine(
        self, conn: aiosqlite.Connection, user_id: int, parts: list[str]
    ) -> Reply:
        if not parts or parts[0] == "list":
            return Reply(
                reports.my_reports_screen(await reports.of_leader(conn, user_id)), replace=True
            )
        action = parts[0] if len(parts) > 1 else "show"
        report_id = _int(parts[-1])
        report = await reports.get(conn, report_id)
        if report is None or report.leader_id != user_id:
            return Reply(Screen(texts.R_REPORT_NOT_FOUND), replace=True)
        if action == "show":
            return Reply(reports.my_report_screen(self.pack, report), replace=True)
        if action == "w":
            if not report.editable:
                status = reports.status_text(report.status)
                return Reply(Screen(texts.r_not_editable(report.id, status)), replace=True)
            return Reply(reports.withdraw_confirm_screen(report.id), replace=True)
        if action == "wy":
            officers = await people.officer_ids(self.db, self.config)
            refused = await reports.withdraw(conn, officers, user_id, report_id, self.clock.now())
            if refused is not None:
                status = reports.status_text(refused)
                return Reply(Screen(texts.r_not_editable(report.id, status)), replace=True)
            listing = reports.my_reports_screen(await reports.of_leader(conn, user_id))
            text = rich(texts.r_withdrawn(report.id), "\n\n", listing.text)
            return Reply(Screen(text, listing.buttons), replace=True, wake=True)
        return Reply(Screen(texts.R_REPORT_NOT_FOUND), replace=True)

    # ------------------------------------------------------------------ screens

    async def _unit_name(self, conn: aiosqlite.Connection, unit_id: int | None) -> str | None:
        return await unit_name(conn, unit_id)

    async def _screen(
        self, conn: aiosqlite.Connection, draft: Draft, *, problem: str = "", note: str = ""
    ) -> Screen:
        """The question of the draft's current step, with what is known so far."""
        name = await self._unit_name(conn, draft.unit_id)
        parts: list[Rich | str] = [texts.r_heading(name or "")]
        if draft.step == "summary":

            def build(shown: Draft, f: dict[str, Field]) -> Rich:
                unit = str(f["unit"]) if name is not None else None
                parts: list[Rich | str] = [texts.R_SUMMARY_TITLE, self._fields(shown, unit)]
                if note:
                    parts.append(note)
                if problem:
                    parts.append(f"{problem} {texts.R_KEPT}")
                parts.append(texts.R_SUMMARY_NEXT)
                return rich("\n\n").join(parts)

            buttons: tuple[tuple[Button, ...], ...] = (
                (Button(texts.R_BTN_SEND, "r:send"), Button(texts.R_BTN_EDIT, "r:edit")),
                (Button(texts.R_BTN_CANCEL, "r:cancel"),),
            )
            # Fitted to Telegram's limit: 1,000 emoji of notes and of difficulties with
            # every topic ticked would be refused, and the draft stuck at its summary.
            return Screen(reports.fit_answers(draft, {"unit": name or ""}, build), buttons)
        recap = self._recap(draft)
        if recap:
            parts.append(italic(f"{texts.R_RECAP}: {recap}"))
        if note:
            parts.append(note)
        if problem:
            parts.append(f"{problem} {texts.R_KEPT}")
        question, buttons = await self._question(draft)
        parts.append(f"{question}\n{texts.R_CANCEL_HINT}")
        return Screen(rich("\n\n").join(parts), buttons, _TAKES.get(draft.step, OPTIONS_ONLY))

    def _fields(self, draft: Draft, unit_name: str | None) -> str:
        return reports.fields(self.pack, draft, unit_name)

    def _recap(self, draft: Draft) -> str:
        known = []
        if draft.session_date:
            known.append(reports.day_text(draft.session_date))
        if draft.form and (draft.form != FORM_OTHER or draft.form_other):
            known.append(reports.form_text(draft.form, draft.form_other))
        if draft.topics:
            known.append(texts.r_topics_count(len(draft.topics)))
        if draft.attendance:
            known.append(texts.r_people(draft.attendance, draft.attendance_about))
        if draft.photos:
            known.append(texts.r_photos(len(draft.photos)))
        return " · ".join(known)

    async def _question(self, draft: Draft) -> tuple[str, tuple[tuple[Button, ...], ...]]:
        back = Button(texts.BTN_BACK, "r:back")
        step = draft.step
        if step == "unit":
            units = await self._units(draft.user_id)
            return texts.R_Q_UNIT, rows([Button(u.name, f"r:u:{u.id}") for u in units])
        if step == "date":
            answers = (
                Button(texts.R_BTN_TODAY, "r:d:0"),
                Button(texts.R_BTN_YESTERDAY, "r:d:1"),
            )
            can_go_back = draft.back_to_summary or len(await self._units(draft.user_id)) > 1
            question = texts.r_q_date(self._example_day())
            return question, (answers, (back,)) if can_go_back else (answers,)
        if step == "form":
            choices = [Button(texts.R_FORM_LABELS[code], f"r:f:{code}") for code in FORMS]
            return texts.R_Q_FORM, (*rows(choices), (back,))
        if step == "form_other":
            return texts.R_Q_FORM_OTHER, ((back,),)
        if step == "topics":
            return texts.R_Q_TOPICS, self._topic_buttons(draft, back)
        if step == "attendance":
            return texts.R_Q_ATTENDANCE, ((back,),)
        if step in ("notes", "difficulties"):
            return self._text_question(draft, back)
        if step == "photos":
            buttons: list[tuple[Button, ...]] = [(Button(texts.R_BTN_DONE, "r:pok"),)]
            if draft.photos:
                buttons.append((Button(texts.R_BTN_CLEAR_PHOTOS, "r:pclr"),))
            buttons.append((back,))
            return texts.R_Q_PHOTOS, tuple(buttons)
        # edit: which answer to change
        labels = {
            "unit": texts.R_F_UNIT,
            "date": texts.R_F_DATE,
            "form": texts.R_F_FORM,
            "topics": texts.R_F_TOPICS,
            "attendance": texts.R_F_ATTENDANCE,
            "notes": texts.R_F_NOTES,
            "photos": texts.R_F_PHOTOS,
            "difficulties": texts.R_F_DIFFICULTIES,
        }
        several = len(await self._units(draft.user_id)) > 1
        fields = [f for f in EDITABLE_FIELDS if f != "unit" or several]
        buttons_e = [Button(labels[f], f"r:e:{f}") for f in fields]
        return texts.R_Q_EDIT, (*rows(buttons_e, per_row=2), (back,))

    def _text_question(
        self, draft: Draft, back: Button
    ) -> tuple[str, tuple[tuple[Button, ...], ...]]:
        """Ghi chú / Khó khăn: the question, what is there now (when editing it), and
        "keep the first 1.000 characters" while a text typed too long waits."""
        notes = draft.step == "notes"
        question = texts.R_Q_NOTES if notes else texts.R_Q_DIFFICULTIES
        current = draft.notes if notes else draft.difficulties
        if current:
            label = texts.R_F_NOTES if notes else texts.R_F_DIFFICULTIES
            question = f"{texts.r_current_text(label, current)}\n\n{question}"
        skip = texts.R_BTN_SKIP if notes else texts.R_BTN_NONE
        buttons: list[tuple[Button, ...]] = []
        if draft.overflow:
            limit = NOTES_MAX if notes else DIFFICULTIES_MAX
            buttons.append((Button(texts.r_btn_cut(limit), "r:cut"),))
        buttons.append(
            (Button(texts.R_BTN_CLEAR_TEXT if draft.back_to_summary else skip, "r:skip"),)
        )
        buttons.append((back,))
        return question, tuple(buttons)

    def _topic_buttons(self, draft: Draft, back: Button) -> tuple[tuple[Button, ...], ...]:
        items = self.topic_items
        pages = max(1, -(-len(items) // TOPICS_PER_PAGE))
        page = min(draft.topics_page, pages - 1)
        shown = items[page * TOPICS_PER_PAGE : (page + 1) * TOPICS_PER_PAGE]
        layout: list[tuple[Button, ...]] = [
            (Button(("✅ " if i.id in draft.topics else "") + i.title, f"r:t:{i.id}"),)
            for i in shown
        ]
        layout.extend(page_nav(page, pages, "r:tp:{}"))
        layout.append((Button(texts.r_btn_topics_done(len(draft.topics)), "r:tok"),))
        layout.append((back,))
        return tuple(layout)


# Which step each answer button belongs to: a button of another step is stale.
_STEP_OF_VERB: dict[str, tuple[str, ...]] = {
    "u": ("unit",),
    "d": ("date",),
    "f": ("form",),
    "t": ("topics",),
    "tp": ("topics",),
    "tok": ("topics",),
    "skip": ("notes", "difficulties"),
    "cut": ("notes", "difficulties"),
    "pok": ("photos",),
    "pclr": ("photos",),
    "send": ("summary",),
    "edit": ("summary",),
    "e": ("edit",),
}


def _has_answers(draft: Draft) -> bool:
    """Whether dropping the draft would lose something the person typed or chose."""
    return draft.report_id is not None or any(
        (draft.session_date, draft.form, draft.topics, draft.attendance is not None,
         draft.notes, draft.photos, draft.difficulties)
    )  # fmt: skip


def _cancel_ask(draft: Draft) -> Screen:
    return Screen(
        texts.R_CANCEL_ASK if draft.report_id is None else texts.r_cancel_edit_ask(draft.report_id),
        (
            (Button(texts.R_BTN_DROP, "r:drop"),),
            (Button(texts.R_BTN_KEEP, "r:keep"),),
        ),
    )


def _int(text: str) -> int:
    found = inputs.number(text)  # ASCII digits in range only: never "²", never past 2**63
    return -1 if found is None else found


@renderer("draft_offer")
async def _render_offer(ctx: RenderContext, notice: Notice) -> Rendered | None:
    """ "Anh/chị đang có báo cáo dở — tiếp tục?" for a draft idle 24 h, unless it moved since."""
    draft = await load_draft(ctx.db.conn, notice.chat_id)
    if draft is None or draft.updated_at != notice.payload.get("at"):
        return None
    return Rendered(await resume_screen(ctx.db.conn, draft, ctx.config))
