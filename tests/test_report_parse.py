"""Property tests for what leaders type: dates and attendance."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.report_parse import (
    ATTENDANCE_MAX,
    DateProblem,
    NumberProblem,
    NumberResult,
    parse_attendance,
    parse_date,
)

TODAY = date(2026, 4, 6)
MAX_AGE = 60
recent = st.integers(min_value=0, max_value=MAX_AGE).map(lambda d: TODAY - timedelta(days=d))
any_day = st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31))


@given(recent, st.sampled_from(["/", "-", "."]), st.booleans(), st.booleans())
def test_recent_dates_in_every_written_form(
    day: date, sep: str, padded: bool, short_year: bool
) -> None:
    d = f"{day.day:02d}" if padded else str(day.day)
    m = f"{day.month:02d}" if padded else str(day.month)
    y = f"{day.year % 100:02d}" if short_year else str(day.year)
    assert parse_date(f"{d}{sep}{m}{sep}{y}", TODAY, MAX_AGE).value == day
    assert parse_date(f" {d} {sep} {m} {sep} {y} ", TODAY, MAX_AGE).value == day
    assert parse_date(f"ngày {d}/{m}/{y}", TODAY, MAX_AGE).value == day


@given(recent)
def test_day_and_month_mean_the_latest_such_date_not_in_the_future(day: date) -> None:
    parsed = parse_date(f"{day.day}/{day.month}", TODAY, MAX_AGE)
    assert parsed.value == day


@given(any_day)
def test_dates_are_never_future_nor_too_old(day: date) -> None:
    result = parse_date(day.strftime("%d/%m/%Y"), TODAY, MAX_AGE)
    if day > TODAY:
        assert result.value is None and result.problem == DateProblem.FUTURE
    elif (TODAY - day).days > MAX_AGE:
        assert result.value is None and result.problem == DateProblem.TOO_OLD
    else:
        assert result.value == day and result.problem is None


@given(st.sampled_from(["Hôm nay", "hôm nay", "HOM NAY", "hom nay", "Hôm qua", "hom qua"]))
def test_words_for_today_and_yesterday(text: str) -> None:
    expected = TODAY if "nay" in text.lower() else TODAY - timedelta(days=1)
    assert parse_date(text, TODAY, MAX_AGE).value == expected


@given(st.integers(1, 31), st.integers(1, 12), st.integers(2000, 2099))
def test_impossible_dates_are_a_format_problem(d: int, m: int, y: int) -> None:
    try:
        date(y, m, d)
    except ValueError:
        assert parse_date(f"{d}/{m}/{y}", TODAY, MAX_AGE).problem == DateProblem.FORMAT


@given(st.text(max_size=40))
def test_any_text_gives_a_date_or_a_problem_never_an_error(text: str) -> None:
    result = parse_date(text, TODAY, MAX_AGE)
    assert (result.value is None) != (result.problem is None)
    if result.value is not None:
        assert TODAY - timedelta(days=MAX_AGE) <= result.value <= TODAY


def _grouped(n: int) -> str:
    return f"{n:,}".replace(",", ".")


@given(
    st.integers(1, ATTENDANCE_MAX),
    st.sampled_from(["", "khoảng ", "khoang ", "Khoảng ", "tầm ", "hơn ", "gần ", "có "]),
    st.sampled_from(["", " người", " nguoi", "người", " người dự", " lượt", " ng"]),
    st.booleans(),
)
def test_attendance_in_the_ways_people_write_it(
    n: int, before: str, after: str, group_thousands: bool
) -> None:
    number = _grouped(n) if group_thousands else str(n)
    assert parse_attendance(f"{before}{number}{after}").value == n


@given(st.integers(min_value=ATTENDANCE_MAX + 1, max_value=10**12) | st.just(0))
def test_attendance_out_of_range(n: int) -> None:
    result = parse_attendance(f"{n} người")
    assert result.value is None and result.problem == NumberProblem.RANGE


@given(st.integers(1, 500), st.integers(1, 500))
def test_ranges_and_decimals_are_not_counts(a: int, b: int) -> None:
    assert parse_attendance(f"{a}-{b}").problem == NumberProblem.FORMAT
    assert parse_attendance(f"{a},{b % 10}").problem == NumberProblem.FORMAT


@given(st.text(max_size=30))
def test_attendance_of_any_text_is_a_count_in_range_or_a_problem(text: str) -> None:
    result = parse_attendance(text)
    assert (result.value is None) != (result.problem is None)
    if result.value is not None:
        assert 1 <= result.value <= ATTENDANCE_MAX
        digits = "".join(ch for ch in text if ch.isdigit())
        assert str(result.value) == digits.lstrip("0") or int(digits) == result.value


@pytest.mark.parametrize(
    ("typed", "value", "about"),
    [
        ("khoảng 40", 40, "about"),
        ("tầm 40 người", 40, "about"),
        ("hơn 100 lượt", 100, "over"),
        ("gần 50", 50, "nearly"),
        ("dưới 20 người", 20, "under"),
        ("tổng cộng 35", 35, ""),
        ("35", 35, ""),
        ("1.250 người", 1250, ""),
    ],
)
def test_an_estimate_is_kept_as_an_estimate(typed: str, value: int, about: str) -> None:
    """Issue 11: "khoảng 40" was stored as 40, as if counted."""
    assert parse_attendance(typed) == NumberResult(value, about=about)
