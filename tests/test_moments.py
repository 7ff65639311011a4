"""One date and time parser for every prompt (bot/moments.py): the forms people type, the
horizon, and the same day forms for a report's date and a schedule's send time."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot import moments
from bot.moments import Problem, parse_clock, parse_day, parse_moment, parse_session_day

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2026, 12, 3, 3, 0, tzinfo=UTC)  # 10:00 on Thursday 3 December in Hải Phòng
HORIZON = 366


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=TZ).astimezone(UTC)  # type: ignore[misc]


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=2, max_value=HORIZON * 24 * 60 - 1))
def test_every_written_form_of_a_future_moment_reads_back(minutes: int) -> None:
    moment = (NOW + timedelta(minutes=minutes)).astimezone(TZ).replace(second=0, microsecond=0)
    expected = moment.astimezone(UTC)
    d, m, y, hh, mm = moment.day, moment.month, moment.year, moment.hour, moment.minute
    typed_forms = [
        moment.strftime("%d/%m/%Y %H:%M"),
        f"{d}/{m}/{y} {hh}h{mm:02d}",
        f"{d}-{m}-{y} lúc {hh}:{mm:02d}",
        f"{hh}:{mm:02d} {d}/{m}/{y}",
        f"{d}.{m}.{y % 100:02d} {hh} giờ {mm}",
    ]
    today = NOW.astimezone(TZ).date()
    if today < moment.date() < today.replace(year=today.year + 1):
        typed_forms.append(f"{hh}:{mm:02d} ngày {d}/{m}")  # no year: the next such day
    for typed in typed_forms:
        assert parse_moment(typed, NOW, TZ, HORIZON) == moments.Moment(expected), typed


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("7/12 7:30", at(2026, 12, 7, 7, 30)),  # refused before, though 5/4 was a report date
        ("mai 19h", at(2026, 12, 4, 19, 0)),
        ("7 giờ tối mai", at(2026, 12, 4, 19, 0)),
        ("ngày kia 8h", at(2026, 12, 5, 8, 0)),
        ("12 giờ trưa mai", at(2026, 12, 4, 12, 0)),
        ("hôm nay 21h", at(2026, 12, 3, 21, 0)),
        ("5/1 7:30", at(2027, 1, 5, 7, 30)),  # January, typed in December: next year's
        ("7/12/26 7h", at(2026, 12, 7, 7, 0)),
    ],
)
def test_the_forms_people_type(typed: str, expected: datetime) -> None:
    assert parse_moment(typed, NOW, TZ, HORIZON).value == expected


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("31/12/9999 23:59", Problem.TOO_FAR),  # was accepted
        ("5/12/2027 7:30", Problem.TOO_FAR),  # a year and a day ahead
        ("3/12 8:00", Problem.PAST),  # earlier today
        ("01/04/2026 07:30", Problem.PAST),
        ("7/12", Problem.NO_TIME),
        ("mai", Problem.NO_TIME),
        ("31/02/2027 07:30", Problem.FORMAT),
        ("7/12 25:00", Problem.FORMAT),
        ("thứ Năm tuần sau", Problem.FORMAT),
        ("", Problem.FORMAT),
    ],
)
def test_what_is_refused_and_why(typed: str, problem: Problem) -> None:
    assert parse_moment(typed, NOW, TZ, HORIZON) == moments.Moment(None, problem)


@given(st.dates(min_value=date(2026, 1, 1), max_value=date(2030, 12, 31)))
def test_a_report_date_and_a_send_date_take_the_same_day_forms(day: date) -> None:
    today = NOW.astimezone(TZ).date()
    for typed in (
        day.strftime("%d/%m/%Y"),
        f"{day.day}-{day.month}-{day.year}",
        f"ngày {day.day}.{day.month}.{day.year % 100:02d}",
    ):
        assert parse_day(typed, today, future=True) == (day, None)
        assert parse_day(typed, today, future=False) == (day, None)
    if (day.month, day.day) == (2, 29):
        return  # without a year, 29/2 names no day in 2026 or 2027
    short = f"{day.day}/{day.month}"
    future, _ = parse_day(short, today, future=True)
    past, _ = parse_day(short, today, future=False)
    assert future is not None and past is not None
    assert today <= future < today + timedelta(days=367)
    assert today - timedelta(days=367) < past <= today


def test_a_report_date_is_never_ahead_nor_too_old() -> None:
    today = date(2026, 12, 3)
    assert parse_session_day("hôm qua", today, 60) == (date(2026, 12, 2), None)
    assert parse_session_day("mai", today, 60) == (None, Problem.FUTURE)
    assert parse_session_day("1/1/2026", today, 60) == (None, Problem.TOO_OLD)
    assert parse_session_day("5/12", today, 60) == (None, Problem.TOO_OLD)  # last December


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("19:30", time(19, 30)),
        ("7h30", time(7, 30)),
        ("7 giờ tối", time(19, 0)),
        ("lúc 8h", time(8, 0)),
    ],
)
def test_a_time_of_day_alone(typed: str, expected: time) -> None:
    assert parse_clock(typed) == expected


@pytest.mark.parametrize("typed", ["25:00", "7", "abc", "7/12 7:30", ""])
def test_what_is_not_a_time_of_day(typed: str) -> None:
    assert parse_clock(typed) is None


def test_the_example_is_accepted_by_the_parser() -> None:
    for minutes in range(0, 24 * 60, 17):
        now = NOW + timedelta(minutes=minutes)
        example = moments.example_moment(now, TZ)
        assert parse_moment(example, now, TZ, HORIZON).value is not None
