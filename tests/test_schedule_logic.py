"""The pure decisions behind scheduled pushes (issue 5): next and last occurrence, quiet
hours, the missed-run decision, date parsing, the content calendar file."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from bot import texts
from bot.channels.telegram_render import html as telegram_html
from bot.compose import validate, with_markdown
from bot.config import DEFAULT_CONTENT
from bot.content import ContentPack
from bot.delivery import OutMessage
from bot.media import MediaRef
from bot.render import escape, html_to_rich, markdown_to_html
from bot.schedule import (
    Content,
    Decision,
    Quiet,
    Rule,
    decide,
    hold_until,
    last_due,
    load_calendar,
    next_due,
    resolve,
)

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
QUIET = Quiet(time(21, 0), time(6, 30))
GRACE = timedelta(hours=2)


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=TZ)  # type: ignore[misc]


moments = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2035, 12, 31), timezones=st.just(UTC)
)
times = st.builds(time, st.integers(0, 23), st.integers(0, 59))
rules = st.one_of(
    st.builds(Rule, st.just("daily"), times),
    st.builds(
        Rule,
        st.just("weekly"),
        times,
        st.lists(st.integers(0, 6), min_size=1, max_size=7, unique=True).map(tuple),
    ),
    st.builds(Rule, st.just("monthly"), times, st.just(()), st.integers(1, 31)),
)


# ---------------------------------------------------------------- occurrences


def test_weekly_monday_0730_in_ward_time() -> None:
    rule = Rule("weekly", time(7, 30), (0,))
    after = local(2031, 4, 2, 12, 0)  # a Wednesday
    due = next_due(rule, after.astimezone(UTC), TZ)
    assert due == local(2031, 4, 7, 7, 30).astimezone(UTC)  # the next Monday, 00:30 UTC
    assert due is not None and due.hour == 0 and due.minute == 30


def test_monthly_day_31_uses_the_last_day_of_short_months() -> None:
    rule = Rule("monthly", time(8, 0), (), 31)
    dues = []
    moment = local(2031, 1, 1).astimezone(UTC)
    for _ in range(4):
        moment = next_due(rule, moment, TZ)  # type: ignore[assignment]
        dues.append(moment.astimezone(TZ).date())
    assert dues == [date(2031, 1, 31), date(2031, 2, 28), date(2031, 3, 31), date(2031, 4, 30)]


def test_once() -> None:
    at = local(2031, 4, 6, 7, 30).astimezone(UTC)
    rule = Rule("once", time(7, 30), once_at=at)
    assert next_due(rule, at - timedelta(seconds=1), TZ) == at
    assert next_due(rule, at, TZ) is None
    assert last_due(rule, at, TZ) == at
    assert last_due(rule, at - timedelta(seconds=1), TZ) is None


@settings(max_examples=200, deadline=None)
@given(rule=rules, moment=moments)
def test_occurrences_bracket_any_moment(rule: Rule, moment: datetime) -> None:
    before = last_due(rule, moment, TZ)
    after = next_due(rule, moment, TZ)
    assert before is not None and after is not None
    assert before <= moment < after
    for due in (before, after):
        seen = due.astimezone(TZ)
        assert seen.time() == rule.at and rule.matches(seen.date())
    # nothing in between: the next one after `before` is `after` (or `before` was `moment`)
    assert next_due(rule, before, TZ) == after or before == moment
    assert after - before <= timedelta(days=31)


# ---------------------------------------------------------------- quiet hours and misfires


def test_quiet_hours_hold_until_morning() -> None:
    late = local(2031, 4, 6, 22, 15).astimezone(UTC)
    assert hold_until(late, QUIET, TZ) == local(2031, 4, 7, 6, 30).astimezone(UTC)
    early = local(2031, 4, 7, 5, 0).astimezone(UTC)
    assert hold_until(early, QUIET, TZ) == local(2031, 4, 7, 6, 30).astimezone(UTC)
    day = local(2031, 4, 7, 7, 30).astimezone(UTC)
    assert hold_until(day, QUIET, TZ) == day
    assert QUIET.contains(time(21, 0)) and not QUIET.contains(time(6, 30))


@settings(max_examples=200, deadline=None)
@given(
    moment=moments,
    start=times,
    end=times,
)
def test_hold_until_is_the_first_moment_outside_quiet_hours(
    moment: datetime, start: time, end: time
) -> None:
    quiet = Quiet(start, end)
    held = hold_until(moment, quiet, TZ)
    assert held >= moment and held - moment <= timedelta(hours=24)
    assert not quiet.contains(held.astimezone(TZ).time().replace(second=0, microsecond=0))
    assert hold_until(held, quiet, TZ) == held  # idempotent
    if not quiet.contains(moment.astimezone(TZ).time()):
        assert held == moment


def test_missed_run_inside_and_outside_grace() -> None:
    due = local(2031, 4, 7, 7, 30).astimezone(UTC)
    args = {"urgent": False, "quiet": QUIET, "grace": GRACE, "tz": TZ}
    assert decide(due, due - timedelta(minutes=1), **args)[0] == Decision.WAIT
    assert decide(due, due, **args)[0] == Decision.RUN
    assert decide(due, due + timedelta(hours=1, minutes=59), **args)[0] == Decision.RUN
    assert decide(due, due + timedelta(hours=2, seconds=1), **args)[0] == Decision.MISS
    # Grace counts from the end of quiet hours for a push held overnight.
    night = local(2031, 4, 6, 23, 0).astimezone(UTC)
    morning = local(2031, 4, 7, 6, 30).astimezone(UTC)
    assert decide(night, morning - timedelta(minutes=1), **args) == (Decision.WAIT, morning)
    assert decide(night, morning + timedelta(hours=1), **args)[0] == Decision.RUN
    # An urgent push is not held.
    urgent = dict(args, urgent=True)
    assert decide(night, night, **urgent)[0] == Decision.RUN


@settings(max_examples=200, deadline=None)
@given(due=moments, late=st.integers(min_value=-86400, max_value=3 * 86400), urgent=st.booleans())
def test_decision_is_consistent(due: datetime, late: int, urgent: bool) -> None:
    now = due + timedelta(seconds=late)
    decision, fire = decide(due, now, urgent=urgent, quiet=QUIET, grace=GRACE, tz=TZ)
    assert fire >= due
    if decision == Decision.WAIT:
        assert now < fire
    elif decision == Decision.RUN:
        assert fire <= now <= fire + GRACE
    else:
        assert now > fire + GRACE


# ---------------------------------------------------------------- typed input


def test_validation_matches_the_content_pack() -> None:
    text, error = validate("**Họp tổ**\n- một\n- hai", caption=False)
    assert text is not None and not error
    assert telegram_html(text) == markdown_to_html("**Họp tổ**\n- một\n- hai")
    assert validate("   ", caption=False) == (None, texts.BC_EMPTY)
    assert validate("a" * 1025, caption=True)[0] is None
    assert validate("a" * 1025, caption=False)[0] is not None
    text, _ = validate("<script>alert(1)</script> & co", caption=False)
    assert text is not None and text.text == "<script>alert(1)</script> & co"  # only text
    shown = telegram_html(text)
    assert "<script>" not in shown and "&lt;script&gt;" in shown


@settings(max_examples=100, deadline=None)
@given(st.text(min_size=1, max_size=200))
def test_markdown_from_entities_keeps_plain_text(text: str) -> None:
    assert with_markdown(text, ()) == text


@settings(max_examples=100, deadline=None)
@given(
    before=st.text(alphabet="abc đêm ", max_size=10),
    word=st.text(alphabet="xyzữ😀", min_size=1, max_size=8),
    after=st.text(alphabet="abc đêm ", max_size=10),
)
@example(before="    ", word="x", after="")  # four spaces made a code block of the line
@example(before="Họp tổ\n\n    ", word="x", after="")
def test_bold_entity_becomes_bold(before: str, word: str, after: str) -> None:
    """Telegram apps send **x** as a bold entity (offsets in UTF-16 units)."""
    assume(not before.endswith("*") and not after.startswith("*"))
    text = before + word + after
    offset = len(before.encode("utf-16-le")) // 2
    length = len(word.encode("utf-16-le")) // 2
    found, _ = validate(with_markdown(text, [("bold", offset, length, "")]), caption=False)
    assert found is not None and f"<b>{escape(word)}</b>" in telegram_html(found)


# ---------------------------------------------------------------- the content calendar


def test_shipped_calendar_is_valid(pack: ContentPack) -> None:
    entries, problems, seen = load_calendar(DEFAULT_CONTENT / "lich.toml", pack, TZ)
    assert problems == []
    weekly = next(e for e in entries if e.key == "nhiem-vu-thu-hai")
    assert weekly.rule == Rule("weekly", time(7, 30), (0,))
    assert weekly.content == Content("next", kind="task_group")
    assert seen == {e.key for e in entries}


def test_calendar_problems_name_the_entry_and_the_fix(pack: ContentPack, tmp_path: Path) -> None:
    path = tmp_path / "lich.toml"
    path.write_text(
        '[[push]]\nid = "tot"\ntitle = "Tốt"\nrepeat = "daily"\ntime = "07:30"\n'
        'item = "muc-tieu-2030"\n'
        '[[push]]\nid = "xau"\ntitle = "Xấu"\nrepeat = "weekly"\ntime = "7h"\n'
        'days = ["thu hai"]\nnext_of = "khong-co"\n',
        encoding="utf-8",
    )
    entries, problems, seen = load_calendar(path, pack, TZ)
    assert [e.key for e in entries] == ["tot"] and seen == {"tot", "xau"}
    assert len(problems) == 3 and all("[[push]] số 2" in p and "Cách sửa" in p for p in problems)
    assert any("time" in p for p in problems) and any("days" in p for p in problems)


def test_next_item_skips_pending_ones_and_wraps(pack: ContentPack) -> None:
    groups = pack.of_kind("task_group")
    provided = [g.id for g in groups if not g.pending]
    assert provided and len(provided) < len(groups)
    content = Content("next", kind="task_group")
    cursor, seen = "", []
    for _ in range(len(provided) + 1):
        message, cursor = resolve(content, pack, cursor)
        assert message is not None
        seen.append(cursor)
    assert seen == [*provided, provided[0]]
    message, _ = resolve(content, pack, provided[0])
    item = pack.get(provided[1])
    assert item is not None and message is not None and item.title in message.text.text


def test_fixed_content_is_sent_as_stored_and_as_stored_before_rich_text(
    pack: ContentPack,
) -> None:
    """A schedule's own message is kept as rich text; one stored before rich text (Telegram
    HTML under "html") is sent exactly as it was."""
    body = "<b>Họp tổ</b> tối nay &amp; mai\n• mang <i>sổ</i>"
    message = OutMessage(html_to_rich(body), MediaRef(7, "document"))
    stored = Content.from_json(Content.of(message).to_json())
    # migration 013 turned the Telegram file id such a schedule named into a media id
    legacy = Content.from_json(
        json.dumps({"type": "text", "html": body, "media_kind": "document", "media_id": 7})
    )
    for content in (stored, legacy):
        sent, cursor = resolve(content, pack, "c")
        assert sent == message and cursor == "c"
        assert telegram_html(sent.text) == body


def test_check_content_also_checks_the_calendar(tmp_path: Path) -> None:
    """`python -m bot check-content` reads content/lich.toml too: an official's mistake in
    the calendar shows up before the bot starts, with the entry and the fix."""
    import shutil
    import subprocess
    import sys

    folder = tmp_path / "content"
    shutil.copytree(DEFAULT_CONTENT, folder)
    command = [sys.executable, "-m", "bot", "check-content", "--path", str(folder)]
    ok = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    calendar = folder / "lich.toml"
    calendar.write_text(
        calendar.read_text(encoding="utf-8") + '\n[[push]]\nid = "sai"\ntitle = "Sai"\n'
        'repeat = "weekly"\ntime = "7h30"\ndays = ["T2"]\nitem = "muc-tieu-2030"\n',
        encoding="utf-8",
    )
    broken = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert broken.returncode == 1
    assert "hợp lệ" not in broken.stdout  # not "valid" above the problem
    [line] = [line for line in broken.stdout.splitlines() if "lich.toml" in line]
    assert "[[push]] số" in line and "time" in line and "Cách sửa" in line
