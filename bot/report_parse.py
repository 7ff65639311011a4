"""What a leader types in a report, parsed: the session date, the attendance, free text.

Pure functions of their input (and "today"), so they are property-tested on their own. They
accept the ways people actually write in a chat: "Hôm nay", "hom qua", "5/4", "05-04-2026",
"35 người", "khoảng 40", "1.250" (a dot groups thousands in Vietnamese).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from bot.content import ContentPack, Item, fold
from bot.moments import Problem, parse_session_day

ATTENDANCE_MIN = 1
ATTENDANCE_MAX = 10_000
NOTES_MAX = 1000
DIFFICULTIES_MAX = 1000
FORM_OTHER_MAX = 100
REASON_MAX = 500
PHOTOS_MAX = 10

# The forms of communication a session can take (plan, section III), in button order.
# Codes are stored and go into callback data; labels are in bot/texts.py.
FORMS: tuple[str, ...] = (
    "hop_to",  # họp tổ dân phố
    "chi_bo",  # sinh hoạt chi bộ
    "hoi_nghi",  # hội nghị, tọa đàm
    "loa",  # loa truyền thanh
    "mxh",  # mạng xã hội (Zalo, Facebook…)
    "truc_quan",  # cổ động trực quan (panô, áp phích)
    "khac",  # khác: typed by the leader
)
FORM_OTHER = "khac"

# The content kinds a session can be about, in the order they are offered.
TOPIC_KINDS: tuple[str, ...] = (
    "goal",
    "indicators",
    "task_group",
    "breakthrough",
    "motto",
    "movement",
    "misinformation",
)


def topics(pack: ContentPack) -> list[Item]:
    """The items a leader can tick as the session's topics, in a stable order."""
    found: list[Item] = []
    for kind in TOPIC_KINDS:
        found.extend(pack.of_kind(kind))
    return found


DateProblem = Problem  # FORMAT, FUTURE, TOO_OLD: see bot/moments.py


@dataclass(frozen=True)
class DateResult:
    value: date | None
    problem: DateProblem | None = None


def parse_date(text: str, today: date, max_age_days: int) -> DateResult:
    """A session date: "Hôm nay", "Hôm qua", dd/mm/yyyy, d/m, dd-mm-yyyy, dd.mm.yy — the
    forms every date prompt takes (bot/moments.py). Without a year, the most recent such
    date that is not in the future is meant (5/12 typed in January is last December).
    Never in the future; at most `max_age_days` old."""
    value, problem = parse_session_day(text, today, max_age_days)
    return DateResult(value, problem)


class NumberProblem(StrEnum):
    FORMAT = "format"
    RANGE = "range"


@dataclass(frozen=True)
class NumberResult:
    value: int | None
    problem: NumberProblem | None = None
    about: str = ""  # an estimate: "about", "over", "nearly", "under"; "" when exact


_APPROX = r"(?:khoang chung|khoang|tam|chung|gan|hon|tren|duoi|co|tong cong|tong so|tong|xap xi)"
# What each word says of the number ("tổng" is exact): kept, so "khoảng 40" is not stored as 40.
_ABOUT = {
    "khoang chung": "about", "khoang": "about", "tam": "about", "chung": "about",
    "co": "about", "xap xi": "about", "hon": "over", "tren": "over", "gan": "nearly",
    "duoi": "under",
}  # fmt: skip
_ABOUT_RE = re.compile(r"^(khoang chung|khoang|tam|chung|gan|hon|tren|duoi|co|xap xi)\b")
_UNIT = r"(?:nguoi(?:\s+(?:dan|du|tham du|tham gia))?|ng|luot(?:\s+nguoi)?)"
_NUMBER = r"(?P<n>\d{1,3}(?:[.\s]\d{3})+|\d+)"
_ATTENDANCE_RE = re.compile(rf"^(?:{_APPROX}\s*)*{_NUMBER}\s*(?:{_UNIT})?\s*(?:nhe|a)?$")


def parse_attendance(text: str) -> NumberResult:
    """How many people came: "35", "35 người", "khoảng 40", "1.250", "hơn 100 lượt".

    One whole number between 1 and 10,000; a range ("30-40") or a decimal is not a count.
    An estimate keeps what its first word says ("khoảng 40": about 40).
    """
    folded = fold(text).strip(" .!")
    match = _ATTENDANCE_RE.match(folded)
    if match is None:
        return NumberResult(None, NumberProblem.FORMAT)
    value = int(re.sub(r"[.\s]", "", match.group("n")))
    if not ATTENDANCE_MIN <= value <= ATTENDANCE_MAX:
        return NumberResult(None, NumberProblem.RANGE)
    word = _ABOUT_RE.match(re.sub(r"^(tong cong|tong so|tong)\s*", "", folded))
    return NumberResult(value, about=_ABOUT[word.group(1)] if word else "")


def clean_text(text: str) -> str:
    """Free text as typed, with outer blank space trimmed and control characters removed."""
    kept = "".join(ch for ch in text if ch in "\n\t" or ch.isprintable())
    return kept.strip()
