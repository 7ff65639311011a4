"""Dates and times as people type them, parsed one way for every prompt.

A leader's session date ("Hôm qua", "5/4", "05-04-2026") and an official's send time
("7/12 7:30", "mai 19h", "07/12/2026 lúc 7 giờ 30 sáng") go through the same day parser, so
a form accepted at one prompt is accepted at every other. Pure functions of the text and
"now", property-tested in tests/test_moments.py. Days without a year are read towards the
prompt's side of today: in the past for a report (5/12 typed in January is last December),
in the future for a schedule (5/1 typed in December is next January).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.content import fold


class Problem(StrEnum):
    FORMAT = "format"  # not a date (or time) we can read
    NO_TIME = "no_time"  # a day, where a day and a time are needed
    FUTURE = "future"  # a report's date after today
    TOO_OLD = "too_old"  # a report's date older than allowed
    PAST = "past"  # a send time already gone
    TOO_FAR = "too_far"  # a send time beyond the horizon


_TODAY = {"hom nay", "homnay", "nay", "hnay"}
_RELATIVE = {
    **dict.fromkeys(_TODAY, 0),
    **dict.fromkeys(("hom qua", "homqua", "qua", "hqua"), -1),
    **dict.fromkeys(("hom kia", "homkia"), -2),
    **dict.fromkeys(("mai", "ngay mai", "sang mai", "toi mai", "chieu mai"), 1),
    **dict.fromkeys(("ngay kia", "mot", "ngay mot"), 2),
}
_DAY_RE = re.compile(r"^(?:ngay\s+)?(\d{1,2})\s*[/\-.]\s*(\d{1,2})(?:\s*[/\-.]\s*(\d{4}|\d{2}))?$")
# "7:30", "7h30", "7h", "7g30", "19 giờ", "7 giờ 30 (phút)", with "sáng/trưa/chiều/tối" after.
_TIME_RE = re.compile(
    r"(?:^|\s)(?:luc\s+)?(\d{1,2})\s*(?::\s*(\d{2})|[hg]\s*(\d{2})?|\s*gio(?:\s+(\d{1,2}))?"
    r"(?:\s*phut)?)(?:\s+(sang|trua|chieu|toi|dem))?(?=\s|,|$)"
)
_PART_OF_DAY_PM = {"chieu", "toi"}  # "7 giờ tối" is 19:00; "12 giờ trưa" is noon


def _words(text: str) -> str:
    """Folded (no diacritics, lower case), single spaces, no surrounding punctuation."""
    return re.sub(r"\s+", " ", fold(text)).strip(" .,;")


def parse_day(text: str, today: date, *, future: bool) -> tuple[date | None, Problem | None]:
    """A day: a word (hôm nay, hôm qua, hôm kia, mai, ngày kia) or d/m, d/m/yy, d/m/yyyy with
    /, - or . between. Without a year: the nearest such day on the prompt's side of today
    (`future`), today included."""
    words = _words(text)
    if words in _RELATIVE:
        return today + timedelta(days=_RELATIVE[words]), None
    match = _DAY_RE.match(words)
    if match is None:
        return None, Problem.FORMAT
    day, month, year_text = int(match.group(1)), int(match.group(2)), match.group(3)
    try:
        if year_text is not None:
            year = int(year_text) + (2000 if len(year_text) == 2 else 0)
            return date(year, month, day), None
        value = date(today.year, month, day)
        if future and value < today:
            value = date(today.year + 1, month, day)
        elif not future and value > today:
            value = date(today.year - 1, month, day)
        return value, None
    except ValueError:  # 31/2, or 29/2 in a year without it
        return None, Problem.FORMAT


def parse_session_day(
    text: str, today: date, max_age_days: int
) -> tuple[date | None, Problem | None]:
    """A report's session date: never after today, at most `max_age_days` before it."""
    value, problem = parse_day(text, today, future=False)
    if value is None:
        return None, problem
    if value > today:
        return None, Problem.FUTURE
    if (today - value).days > max_age_days:
        return None, Problem.TOO_OLD
    return value, None


def _time_of(match: re.Match[str]) -> time | None:
    hour = int(match.group(1))
    minute = int(match.group(2) or match.group(3) or match.group(4) or 0)
    part = match.group(5)
    if part in _PART_OF_DAY_PM and 1 <= hour < 12:
        hour += 12
    if part == "trua" and hour < 6:  # "1 giờ trưa" is 13:00
        hour += 12
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        return None
    return time(hour, minute)


def parse_clock(text: str) -> time | None:
    """A time of day alone: "19:30", "7h30", "7 giờ tối"."""
    words = _words(text)
    match = _TIME_RE.fullmatch(words) or _TIME_RE.fullmatch(" " + words)
    return None if match is None else _time_of(match)


@dataclass(frozen=True)
class Moment:
    """A send time the official typed, in UTC, or why it cannot be one."""

    value: datetime | None
    problem: Problem | None = None


def parse_moment(text: str, now: datetime, tz: ZoneInfo, horizon_days: int) -> Moment:
    """A day and a time, in either order ("7/12 7:30", "7:30 7/12", "mai 19h", "07/12/2026
    lúc 7 giờ 30 sáng") in the ward's time → UTC. In the future, at most `horizon_days` ahead."""
    words = _words(text)
    found = list(_TIME_RE.finditer(words))
    if not found:
        day, _ = parse_day(words, now.astimezone(tz).date(), future=True)
        return Moment(None, Problem.NO_TIME if day is not None else Problem.FORMAT)
    clock = found[-1]  # "7/12/2026 7:30": the day's own digits never look like a time
    at = _time_of(clock)
    rest = (words[: clock.start()] + " " + words[clock.end() :]).replace(",", " ")
    rest = re.sub(r"\b(luc|vao)\b", " ", rest)
    today = now.astimezone(tz).date()
    day, problem = parse_day(rest, today, future=True) if rest.strip() else (today, None)
    if at is None or day is None:
        return Moment(None, problem or Problem.FORMAT)
    try:
        moment = datetime.combine(day, at, tzinfo=tz).astimezone(UTC)
    except (OverflowError, ValueError):  # year 9999 and a time zone east of UTC
        return Moment(None, Problem.TOO_FAR)
    if moment <= now + timedelta(minutes=1):
        return Moment(None, Problem.PAST)
    if moment > now + timedelta(days=horizon_days):
        return Moment(None, Problem.TOO_FAR)
    return Moment(moment)


def parse_end_day(text: str, start: date, horizon_days: int) -> tuple[date | None, Problem | None]:
    """The last day a repeating schedule sends: not before `start`, within the horizon."""
    value, problem = parse_day(text, start, future=True)
    if value is None:
        return None, problem
    if value < start:
        return None, Problem.PAST
    if (value - start).days > horizon_days:
        return None, Problem.TOO_FAR
    return value, None


def example_moment(now: datetime, tz: ZoneInfo) -> str:
    """Tomorrow at 07:30 in the ward's time: an example every prompt accepts."""
    return (now.astimezone(tz) + timedelta(days=1)).strftime("%d/%m/%Y") + " 07:30"


def last_day(now: datetime, tz: ZoneInfo, horizon_days: int) -> str:
    """The last day a send time may fall on, as people read it."""
    return (now.astimezone(tz) + timedelta(days=horizon_days)).strftime("%d/%m/%Y")


def end_example(first: date) -> str:
    """A month after `first`: a schedule's last day that the prompt accepts."""
    return (first + timedelta(days=30)).strftime("%d/%m/%Y")
