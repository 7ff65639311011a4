"""Scheduled pushes: the content calendar (`content/lich.toml`) and officials' schedules.

Schedules live in SQLite (`schedules`), every occurrence handled is recorded in
`schedule_runs` with a UNIQUE (schedule_id, due_at), so a push is never sent twice, whatever
restarts, job misfires or concurrent wake-ups happen. APScheduler (the Application's
JobQueue, in Asia/Ho_Chi_Minh) only *wakes* the runner at the right moment, one job per
schedule with a stable id (`lich-<id>`), re-created at every start-up; the decision what to
send is taken here, from the database and the clock:

- the latest occurrence at or before now that is owed (after `since`: creation or resume)
  and not yet recorded is sent if it is due, held if quiet hours hold it (non-urgent pushes
  wait until `[schedule] quiet_end`), or recorded as missed if the bot comes back more than
  `[schedule] grace_hours` after it was due; older missed occurrences are coalesced into it.

The decisions are pure functions (`next_due`, `last_due`, `hold_until`, `decide`) so they can
be tested with any clock.
"""

from __future__ import annotations

import calendar
import json
import logging
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import aiosqlite

from bot import texts
from bot.clock import iso, parse_iso
from bot.content import ContentPack
from bot.db import Database
from bot.delivery import (
    Audience,
    AudienceKind,
    OutMessage,
    create_broadcast,
    item_message,
    stored_body,
)
from bot.media import MediaRef
from bot.people import audit_conn

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger(__name__)

CALENDAR_FILE = "lich.toml"
REPEATS = ("once", "daily", "weekly", "monthly")
WEEKDAY_CODES = ("T2", "T3", "T4", "T5", "T6", "T7", "CN")  # Monday = 0, as in Python
_SEARCH_DAYS = 400  # any rule matches within 31 days; this bound only stops a broken rule


# ---------------------------------------------------------------- rules (pure)


@dataclass(frozen=True)
class Rule:
    """When a schedule is due, in the ward's local time."""

    repeat: str  # once | daily | weekly | monthly
    at: time = time(7, 30)
    weekdays: tuple[int, ...] = ()  # weekly: 0 = Monday … 6 = Sunday
    month_day: int = 0  # monthly: 1..31; in shorter months, the month's last day
    once_at: datetime | None = None  # once: the moment (aware)
    until: date | None = None  # repeating: the last local day it sends (None: no end)

    def __post_init__(self) -> None:
        if self.repeat not in REPEATS:
            raise ValueError(f"unknown repeat {self.repeat!r}")
        if self.repeat == "once" and (self.once_at is None or self.once_at.tzinfo is None):
            raise ValueError("a one-off schedule needs an aware moment")
        if self.repeat == "weekly" and (
            not self.weekdays or any(not 0 <= d <= 6 for d in self.weekdays)
        ):
            raise ValueError("a weekly schedule needs weekdays 0..6")
        if self.repeat == "monthly" and not 1 <= self.month_day <= 31:
            raise ValueError("a monthly schedule needs a day 1..31")

    def matches(self, day: date) -> bool:
        if self.until is not None and day > self.until:
            return False
        if self.repeat == "daily":
            return True
        if self.repeat == "weekly":
            return day.weekday() in self.weekdays
        if self.repeat == "monthly":
            last = calendar.monthrange(day.year, day.month)[1]
            return day.day == min(self.month_day, last)
        return False


def _at(day: date, at: time, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, at, tzinfo=tz).astimezone(UTC)


def next_due(rule: Rule, after: datetime, tz: ZoneInfo) -> datetime | None:
    """The first occurrence strictly after `after` (UTC), or None."""
    if rule.repeat == "once":
        assert rule.once_at is not None
        return rule.once_at.astimezone(UTC) if rule.once_at > after else None
    start = after.astimezone(tz).date()
    for offset in range(_SEARCH_DAYS):
        day = start + timedelta(days=offset)
        if rule.until is not None and day > rule.until:
            return None
        if rule.matches(day):
            moment = _at(day, rule.at, tz)
            if moment > after:
                return moment
    return None


def last_due(rule: Rule, at_or_before: datetime, tz: ZoneInfo) -> datetime | None:
    """The latest occurrence at or before the given moment (UTC), or None."""
    if rule.repeat == "once":
        assert rule.once_at is not None
        return rule.once_at.astimezone(UTC) if rule.once_at <= at_or_before else None
    start = at_or_before.astimezone(tz).date()
    for offset in range(_SEARCH_DAYS):
        day = start - timedelta(days=offset)
        if rule.matches(day):
            moment = _at(day, rule.at, tz)
            if moment <= at_or_before:
                return moment
    return None


@dataclass(frozen=True)
class Quiet:
    """Quiet hours in local time; start > end wraps midnight (21:00–06:30)."""

    start: time
    end: time

    def contains(self, moment: time) -> bool:
        if self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= moment < self.end
        return moment >= self.start or moment < self.end


def hold_until(moment: datetime, quiet: Quiet, tz: ZoneInfo) -> datetime:
    """When a non-urgent push due at `moment` may go out: unchanged outside quiet hours,
    else the end of those quiet hours (the next `quiet.end` after it)."""
    local = moment.astimezone(tz)
    if not quiet.contains(local.time()):
        return moment
    end = datetime.combine(local.date(), quiet.end, tzinfo=tz)
    if end <= local:
        end = datetime.combine(local.date() + timedelta(days=1), quiet.end, tzinfo=tz)
    return end.astimezone(UTC)


class Decision(StrEnum):
    RUN = "run"  # send it now
    WAIT = "wait"  # not yet (held by quiet hours)
    MISS = "miss"  # too late: more than the grace period after it could have gone


def fire_time(due: datetime, *, urgent: bool, quiet: Quiet, tz: ZoneInfo) -> datetime:
    return due if urgent else hold_until(due, quiet, tz)


def decide(
    due: datetime, now: datetime, *, urgent: bool, quiet: Quiet, grace: timedelta, tz: ZoneInfo
) -> tuple[Decision, datetime]:
    """What to do, at `now`, with an occurrence due at `due` that nobody handled yet.
    Grace counts from when the push could first go out (after quiet hours)."""
    fire = fire_time(due, urgent=urgent, quiet=quiet, tz=tz)
    if fire > now:
        return Decision.WAIT, fire
    if now - fire <= grace:
        return Decision.RUN, fire
    return Decision.MISS, fire


def when_text(moment: datetime, tz: ZoneInfo) -> str:
    """ "07:30 thứ Hai 06/04/2026" in the ward's time."""
    local = moment.astimezone(tz)
    return texts.bc_when(local.weekday(), local.strftime("%H:%M"), local.strftime("%d/%m/%Y"))


def describe(rule: Rule, tz: ZoneInfo) -> str:
    """ "07:30 thứ Hai hằng tuần", for people."""
    once = rule.once_at.astimezone(tz).strftime("%d/%m/%Y") if rule.once_at else ""
    until = rule.until.strftime("%d/%m/%Y") if rule.until else ""
    return texts.bc_rule(
        rule.repeat, rule.at.strftime("%H:%M"), rule.weekdays, rule.month_day, once, until
    )


# ---------------------------------------------------------------- what a schedule sends


@dataclass(frozen=True)
class Content:
    """A schedule's message: fixed text/media, one content item, or the next item of a kind
    (in order, skipping items still pending, starting over after the last)."""

    type: str  # "text" | "item" | "next"
    rich: str = ""  # "text": the message as rich text (JSON)
    html: str = ""  # "text", stored before rich text: Telegram HTML
    media_kind: str = ""
    media_id: int = 0  # "text": its photo or document (bot/media.py)
    item_id: str = ""
    kind: str = ""

    def to_json(self) -> str:
        return json.dumps({k: v for k, v in self.__dict__.items() if v}, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> Content:
        return cls(**json.loads(text))

    @classmethod
    def of(cls, message: OutMessage) -> Content:
        """Fixed content: this message every time."""
        media = message.media
        return cls(
            "text", message.body_json(), "", media.kind if media else "", media.id if media else 0
        )


def resolve(content: Content, pack: ContentPack, cursor: str) -> tuple[OutMessage | None, str]:
    """The message to push now and the new cursor (None: nothing to send)."""
    if content.type == "text":
        text = stored_body(content.rich, content.html)
        ref = MediaRef(content.media_id, content.media_kind) if content.media_id else None
        return OutMessage(text, ref), cursor
    if content.type == "item":
        item = pack.get(content.item_id)
        if item is None or item.pending:
            return None, cursor
        return item_message(pack, item), cursor
    if content.type == "next":
        items = pack.of_kind(content.kind)
        ids = [item.id for item in items]
        start = ids.index(cursor) + 1 if cursor in ids else 0
        for offset in range(len(items)):
            item = items[(start + offset) % len(items)]
            if not item.pending:
                return item_message(pack, item), item.id
        return None, cursor
    return None, cursor


# ---------------------------------------------------------------- stored schedules


@dataclass(frozen=True)
class Schedule:
    id: int
    source: str
    key: str | None
    title: str
    rule: Rule
    content: Content
    audience: Audience
    urgent: bool
    state: str
    cursor: str
    since: datetime
    created_by: int


_COLUMNS = (
    "id, source, key, title, repeat, at_time, weekdays, month_day, once_at, content, audience,"
    " urgent, state, cursor, since, created_by, ends_on"
)


def _parse_hhmm(text: str) -> time:
    hh, mm = text.split(":")
    return time(int(hh), int(mm))


def _schedule(row: Any) -> Schedule:
    weekdays = tuple(int(d) for d in row[6].split(",") if d != "")
    return Schedule(
        id=int(row[0]),
        source=row[1],
        key=row[2],
        title=row[3],
        rule=Rule(
            row[4],
            _parse_hhmm(row[5]),
            weekdays,
            int(row[7]),
            parse_iso(row[8]) if row[8] else None,
            date.fromisoformat(row[16]) if row[16] else None,
        ),
        content=Content.from_json(row[9]),
        audience=Audience.from_json(row[10]),
        urgent=bool(row[11]),
        state=row[12],
        cursor=row[13],
        since=parse_iso(row[14]),
        created_by=int(row[15]),
    )


def _rule_columns(rule: Rule) -> tuple[str, str, str, int, str | None, str | None]:
    return (
        rule.repeat,
        rule.at.strftime("%H:%M"),
        ",".join(str(d) for d in sorted(rule.weekdays)),
        rule.month_day,
        iso(rule.once_at) if rule.once_at else None,
        rule.until.isoformat() if rule.until else None,
    )


async def get_schedule(db: Database, schedule_id: int) -> Schedule | None:
    row = await db.fetchone(f"SELECT {_COLUMNS} FROM schedules WHERE id = ?", (schedule_id,))
    return None if row is None else _schedule(row)


async def list_schedules(db: Database) -> list[Schedule]:
    """Schedules an official can act on: active and paused ones."""
    rows = await db.fetchall(
        f"SELECT {_COLUMNS} FROM schedules WHERE state IN ('active', 'paused') ORDER BY id"
    )
    return [_schedule(r) for r in rows]


async def last_run(db: Database, schedule_id: int) -> tuple[datetime, str, int | None] | None:
    row = await db.fetchone(
        "SELECT due_at, result, broadcast_id FROM schedule_runs WHERE schedule_id = ?"
        " ORDER BY due_at DESC LIMIT 1",
        (schedule_id,),
    )
    return None if row is None else (parse_iso(row[0]), row[1], row[2])


async def create_schedule(
    db: Database,
    now: datetime,
    *,
    created_by: int,
    title: str,
    rule: Rule,
    content: Content,
    audience: Audience,
    urgent: bool,
    since: datetime | None = None,
) -> int:
    """An official's schedule (the calendar's come from `sync_calendar`). Occurrences at or
    before `since` (default: now) are not owed."""
    stamp = iso(now)
    return await db.execute(
        "INSERT INTO schedules (source, title, repeat, at_time, weekdays, month_day, once_at,"
        " ends_on, content, audience, urgent, since, created_by, created_at, updated_at)"
        " VALUES ('official', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            title,
            *_rule_columns(rule),
            content.to_json(),
            audience.to_json(),
            int(urgent),
            iso(since or now),
            created_by,
            stamp,
            stamp,
        ),
    )


# ---------------------------------------------------------------- the content calendar


@dataclass(frozen=True)
class CalendarEntry:
    key: str
    title: str
    rule: Rule
    content: Content
    audience: Audience
    urgent: bool


_KEY = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
_ENTRY_KEYS = {
    "id", "title", "repeat", "time", "days", "day", "date", "next_of", "item", "audience",
    "urgent",
}  # fmt: skip
_AUDIENCES = {
    "leaders": AudienceKind.LEADERS,
    "groups": AudienceKind.GROUPS,
    "everyone": AudienceKind.EVERYONE,
}


def _entry(
    data: dict[str, Any], pack: ContentPack | None, tz: ZoneInfo
) -> tuple[CalendarEntry | None, list[tuple[str, str]]]:
    """One [[push]] table → an entry, or the problems (message, fix) that stop it."""
    problems: list[tuple[str, str]] = []
    unknown = sorted(set(data) - _ENTRY_KEYS)
    if unknown:
        problems.append(texts.cal_unknown_keys(unknown))
    key = data.get("id")
    if not isinstance(key, str) or not _KEY.match(key):
        problems.append(texts.CAL_BAD_ID)
    title = data.get("title")
    if not isinstance(title, str) or not title.strip():
        problems.append(texts.CAL_BAD_TITLE)
    repeat = data.get("repeat")
    if repeat not in REPEATS:
        problems.append(texts.CAL_BAD_REPEAT)
    at: time | None = None
    raw_time = data.get("time")
    try:
        at = _parse_hhmm(raw_time) if isinstance(raw_time, str) else None
    except ValueError:
        at = None
    if at is None:
        problems.append(texts.CAL_BAD_TIME)
    weekdays: tuple[int, ...] = ()
    month_day = 0
    once_at: datetime | None = None
    if repeat == "weekly":
        days = data.get("days")
        if not isinstance(days, list) or not days or any(d not in WEEKDAY_CODES for d in days):
            problems.append(texts.CAL_BAD_DAYS)
        else:
            weekdays = tuple(sorted({WEEKDAY_CODES.index(d) for d in days}))
    elif repeat == "monthly":
        day = data.get("day")
        if not isinstance(day, int) or isinstance(day, bool) or not 1 <= day <= 31:
            problems.append(texts.CAL_BAD_DAY)
        else:
            month_day = day
    elif repeat == "once":
        raw_date = data.get("date")
        try:
            parsed = datetime.strptime(str(raw_date), "%d/%m/%Y").date()
            once_at = datetime.combine(parsed, at or time(0), tzinfo=tz)
        except ValueError:
            problems.append(texts.CAL_BAD_DATE)
    content: Content | None = None
    if ("next_of" in data) == ("item" in data):
        problems.append(texts.CAL_BAD_CONTENT)
    elif "next_of" in data:
        kind = data["next_of"]
        if not isinstance(kind, str) or (pack is not None and pack.kind(kind) is None):
            problems.append(texts.cal_unknown_kind(str(kind)))
        else:
            content = Content("next", kind=kind)
    else:
        item_id = data["item"]
        if not isinstance(item_id, str) or (pack is not None and pack.get(item_id) is None):
            problems.append(texts.cal_unknown_item(str(item_id)))
        else:
            content = Content("item", item_id=item_id)
    audience = _AUDIENCES.get(data.get("audience", "groups"))
    if audience is None:
        problems.append(texts.CAL_BAD_AUDIENCE)
    urgent = data.get("urgent", False)
    if not isinstance(urgent, bool):
        problems.append(texts.CAL_BAD_URGENT)
    if problems:
        return None, problems
    assert at is not None and content is not None and audience is not None
    rule = Rule(str(repeat), at, weekdays, month_day, once_at)
    return CalendarEntry(
        str(key), str(title).strip(), rule, content, Audience(audience), urgent
    ), []


def load_calendar(
    path: Path, pack: ContentPack | None, tz: ZoneInfo
) -> tuple[list[CalendarEntry], list[str], set[str]]:
    """Read the calendar: (valid entries, problems as lines for officials, every id seen).
    A missing file is an empty calendar."""
    if not path.is_file():
        return [], [], set()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        return [], [texts.cal_problem(path, 0, texts.cal_unreadable(str(exc)))], set()
    pushes = data.get("push", [])
    problems: list[str] = []
    if set(data) - {"push"} or not isinstance(pushes, list):
        problems.append(texts.cal_problem(path, 0, texts.CAL_BAD_TOP))
        if not isinstance(pushes, list):
            return [], problems, set()
    entries: list[CalendarEntry] = []
    seen: set[str] = set()
    for number, table in enumerate(pushes, start=1):
        if not isinstance(table, dict):
            problems.append(texts.cal_problem(path, number, texts.CAL_BAD_TOP))
            continue
        key = table.get("id")
        if isinstance(key, str):
            if key in seen:
                problems.append(texts.cal_problem(path, number, texts.CAL_DUPLICATE_ID))
                continue
            seen.add(key)
        entry, found = _entry(table, pack, tz)
        problems.extend(texts.cal_problem(path, number, p) for p in found)
        if entry is not None:
            entries.append(entry)
    return entries, problems, seen


async def sync_calendar(
    db: Database, entries: list[CalendarEntry], seen: set[str], now: datetime
) -> None:
    """Make the `schedules` table match the calendar file. A paused entry stays paused;
    an entry whose timing changed owes nothing from before the change; an entry removed
    from the file is deleted (an invalid one is kept as it was until it is fixed)."""
    stamp = iso(now)
    async with db.transaction() as conn:
        for entry in entries:
            columns = _rule_columns(entry.rule)
            async with conn.execute(
                "SELECT id, repeat, at_time, weekdays, month_day, once_at, ends_on, state"
                " FROM schedules WHERE key = ?",
                (entry.key,),
            ) as cursor:
                row = await cursor.fetchone()
            if row is None:
                await conn.execute(
                    "INSERT INTO schedules (source, key, title, repeat, at_time, weekdays,"
                    " month_day, once_at, ends_on, content, audience, urgent, since, created_by,"
                    " created_at, updated_at)"
                    " VALUES ('calendar', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?)",
                    (
                        entry.key,
                        entry.title,
                        *columns,
                        entry.content.to_json(),
                        entry.audience.to_json(),
                        int(entry.urgent),
                        stamp,
                        stamp,
                        stamp,
                    ),
                )
                continue
            retimed = tuple(row[1:7]) != columns
            state = "active" if row[7] == "deleted" else row[7]
            await conn.execute(
                "UPDATE schedules SET title = ?, repeat = ?, at_time = ?, weekdays = ?,"
                " month_day = ?, once_at = ?, ends_on = ?, content = ?, audience = ?, urgent = ?,"
                " state = ?,"
                " since = CASE WHEN ? THEN ? ELSE since END, updated_at = ? WHERE id = ?",
                (
                    entry.title,
                    *columns,
                    entry.content.to_json(),
                    entry.audience.to_json(),
                    int(entry.urgent),
                    state,
                    int(retimed or row[7] == "deleted"),
                    stamp,
                    stamp,
                    row[0],
                ),
            )
        marks = ",".join("?" * len(seen))
        keep = f"AND key NOT IN ({marks})" if seen else ""
        await conn.execute(
            "UPDATE schedules SET state = 'deleted', updated_at = ?"
            f" WHERE source = 'calendar' AND state IN ('active', 'paused') {keep}",
            (stamp, *sorted(seen)),
        )


# ---------------------------------------------------------------- the runner

Arm = Callable[[str, datetime], None]
Disarm = Callable[[str], None]


def job_id(schedule_id: int) -> str:
    """The stable APScheduler job id of a schedule."""
    return f"lich-{schedule_id}"


class Scheduler:
    """Runs schedules. Built empty (a `Services` field); `start()` wires it to the services
    and to the job queue (`arm`/`disarm` add or remove the wake-up job of a schedule)."""

    def __init__(self) -> None:
        self._svc: Services | None = None
        self._arm: Arm = lambda _job, _when: None
        self._disarm: Disarm = lambda _job: None
        self.problems: list[str] = []

    @property
    def svc(self) -> Services:
        assert self._svc is not None, "Scheduler.start() was not called"
        return self._svc

    @property
    def tz(self) -> ZoneInfo:
        return self.svc.config.ward.tz

    @property
    def quiet(self) -> Quiet:
        cfg = self.svc.config.schedule
        return Quiet(cfg.quiet_start, cfg.quiet_end)

    @property
    def grace(self) -> timedelta:
        return timedelta(hours=self.svc.config.schedule.grace_hours)

    async def start(self, svc: Services, arm: Arm, disarm: Disarm) -> list[int]:
        """Load the calendar, catch up what is owed, arm every schedule's next wake-up.
        Returns the broadcasts started while catching up."""
        self._svc, self._arm, self._disarm = svc, arm, disarm
        path = svc.config.content.path / CALENDAR_FILE
        entries, self.problems, seen = load_calendar(path, svc.content, self.tz)
        for problem in self.problems:
            log.warning("content calendar: %s", problem)
        await sync_calendar(svc.db, entries, seen, svc.clock.now())
        rows = await svc.db.fetchall("SELECT id FROM schedules WHERE state != 'active'")
        for row in rows:
            self._disarm(job_id(int(row[0])))
        return await self.tick()

    async def tick(self) -> list[int]:
        """Handle every active schedule at the clock's now (idempotent)."""
        started = []
        rows = await self.svc.db.fetchall(
            f"SELECT {_COLUMNS} FROM schedules WHERE state = 'active' ORDER BY id"
        )
        for row in rows:
            broadcast_id = await self._process(_schedule(row))
            if broadcast_id is not None:
                started.append(broadcast_id)
        return started

    async def run(self, schedule_id: int) -> int | None:
        """The job callback: handle one schedule now."""
        schedule = await get_schedule(self.svc.db, schedule_id)
        if schedule is None or schedule.state != "active":
            self._disarm(job_id(schedule_id))
            return None
        return await self._process(schedule)

    def upcoming(self, schedule: Schedule, now: datetime) -> datetime | None:
        """When this schedule will next push (after quiet hours); never before `since`."""
        due = next_due(schedule.rule, max(now, schedule.since), self.tz)
        if due is None:
            return None
        return fire_time(due, urgent=schedule.urgent, quiet=self.quiet, tz=self.tz)

    async def _process(self, schedule: Schedule) -> int | None:
        now = self.svc.clock.now()
        broadcast_id: int | None = None
        due = last_due(schedule.rule, now, self.tz)
        if due is not None and due > schedule.since:
            decision, fire = decide(
                due, now, urgent=schedule.urgent, quiet=self.quiet, grace=self.grace, tz=self.tz
            )
            if decision == Decision.WAIT:
                self._arm(job_id(schedule.id), fire)
                return None
            broadcast_id = await self._record(schedule, due, decision, now)
        upcoming = self.upcoming(schedule, now)
        if upcoming is None:
            self._disarm(job_id(schedule.id))
            if schedule.rule.until is not None:  # past its last day: it is over
                await self.svc.db.execute(
                    "UPDATE schedules SET state = 'done', updated_at = ? WHERE id = ?"
                    " AND state = 'active'",
                    (iso(now), schedule.id),
                )
        else:
            self._arm(job_id(schedule.id), upcoming)
        return broadcast_id

    async def _record(
        self, schedule: Schedule, due: datetime, decision: Decision, now: datetime
    ) -> int | None:
        """Record the occurrence and, if it runs, create its broadcast, atomically."""
        svc = self.svc
        broadcast_id: int | None = None
        async with svc.db.transaction() as conn:
            if not await self._owed(conn, schedule.id, due):
                return None
            result = "missed"
            if decision == Decision.RUN:
                message, cursor = resolve(schedule.content, svc.content, schedule.cursor)
                result = "nothing"
                if message is not None:
                    broadcast_id, _ = await create_broadcast(
                        svc.db,
                        now,
                        created_by=schedule.created_by,
                        message=message.urgent_from(svc.config.ward.name)
                        if schedule.urgent
                        else message,
                        audience=schedule.audience,
                        urgent=schedule.urgent,
                        schedule_id=schedule.id,
                        conn=conn,
                    )
                    result = "sent"
                    await conn.execute(
                        "UPDATE schedules SET cursor = ?, updated_at = ? WHERE id = ?",
                        (cursor, iso(now), schedule.id),
                    )
            else:
                log.warning(
                    "schedule %s: the push due %s is more than %s late; skipped",
                    schedule.id,
                    iso(due),
                    self.grace,
                )
            await conn.execute(
                "INSERT INTO schedule_runs (schedule_id, due_at, ran_at, result, broadcast_id)"
                " VALUES (?, ?, ?, ?, ?)",
                (schedule.id, iso(due), iso(now), result, broadcast_id),
            )
            if schedule.rule.repeat == "once":
                await conn.execute(
                    "UPDATE schedules SET state = 'done', updated_at = ? WHERE id = ?",
                    (iso(now), schedule.id),
                )
        if broadcast_id is not None:
            await svc.delivery.enqueue(broadcast_id)
        return broadcast_id

    @staticmethod
    async def _owed(conn: aiosqlite.Connection, schedule_id: int, due: datetime) -> bool:
        async with conn.execute(
            "SELECT state FROM schedules WHERE id = ?", (schedule_id,)
        ) as cursor:
            row = await cursor.fetchone()
        if row is None or row[0] != "active":
            return False
        async with conn.execute(
            "SELECT 1 FROM schedule_runs WHERE schedule_id = ? AND due_at = ?",
            (schedule_id, iso(due)),
        ) as cursor:
            return await cursor.fetchone() is None

    async def rearm(self, schedule_id: int) -> None:
        """After a change (created, resumed): process it now and arm its next wake-up."""
        await self.run(schedule_id)

    async def change_rule(self, schedule_id: int, rule: Rule, actor_id: int) -> None:
        """A new time of day or last day for a schedule (audited). Nothing earlier than the
        change is owed (a time moved to earlier today does not send at once); a schedule not
        started yet still starts on the day chosen."""
        svc = self.svc
        now = svc.clock.now()
        current = await get_schedule(svc.db, schedule_id)
        if current is None:
            return
        since = now
        if current.since > now:  # not started yet: it still starts on the day chosen
            first_day = current.since.astimezone(self.tz).date()
            since = max(now, datetime.combine(first_day, time(0), tzinfo=self.tz).astimezone(UTC))
        stamp = iso(now)
        repeat, at, weekdays, month_day, once_at, ends_on = _rule_columns(rule)
        async with svc.db.transaction() as conn:
            await conn.execute(
                "UPDATE schedules SET repeat = ?, at_time = ?, weekdays = ?, month_day = ?,"
                " once_at = ?, ends_on = ?, since = ?, updated_at = ? WHERE id = ?",
                (repeat, at, weekdays, month_day, once_at, ends_on, iso(since), stamp, schedule_id),
            )
            await audit_conn(
                conn,
                actor_id,
                "schedule.edit",
                now,
                target=f"schedule:{schedule_id}",
                detail=f"{at} until {ends_on or '-'}",
            )
        changed = await get_schedule(svc.db, schedule_id)
        if changed is not None and changed.state == "active":
            await self.rearm(schedule_id)

    async def set_state(self, schedule_id: int, state: str, actor_id: int) -> Schedule | None:
        """Pause ('paused'), resume ('active') or delete ('deleted') a schedule; a resumed
        schedule owes nothing from while it was paused. Returns the schedule as it was."""
        svc = self.svc
        schedule = await get_schedule(svc.db, schedule_id)
        if schedule is None or schedule.state not in ("active", "paused"):
            return None
        now = svc.clock.now()
        stamp = iso(now)
        async with svc.db.transaction() as conn:
            await conn.execute(
                "UPDATE schedules SET state = ?, updated_at = ?,"
                " since = CASE WHEN ? = 'active' THEN ? ELSE since END WHERE id = ?",
                (state, stamp, state, stamp, schedule_id),
            )
            await audit_conn(
                conn,
                actor_id,
                f"schedule.{state}",
                now,
                target=f"schedule:{schedule_id}",
                detail=schedule.title,
            )
        if state == "active":
            await self.rearm(schedule_id)
        else:
            self._disarm(job_id(schedule_id))
        return schedule
