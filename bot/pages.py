"""One page at a time of the officers' report lists: /chuabaocao and /duyetbaocao.

A ward has dozens of tổ, but nothing stops the tables from growing far past that (a wrong file
imported, years of reports). So a list is never read whole: SQLite counts the rows and returns
one page (LIMIT/OFFSET), the page is built from that alone, and every name on it is cut short,
so that a page always fits one Telegram message. "Trang trước/Trang sau" ask for the next.

Callback data: `rl:s:<page>` (tổ without a report), `rl:p:<page>` (reports waiting for review),
`rl:n:0` ("Nhắc các tổ này": asks first) and `rl:y:0` (sends the reminders).
"""

from __future__ import annotations

from datetime import date

from bot import inputs, reports, texts
from bot.clock import Clock
from bot.config import Config
from bot.db import Database
from bot.inputs import clip
from bot.rich import Rich
from bot.screens import Button, Screen, page_nav, page_of, rows

SILENT_PAGE_SIZE = 15  # lines of at most ~200 characters each
PENDING_PAGE_SIZE = 14  # lines of at most ~200 characters each, two buttons per row
LEADERS_SHOWN = 3  # leader names on one line; the rest are counted
CALLBACK_PATTERN = r"^rl:"


def parse(data: str) -> tuple[str, int] | None:
    """`rl:s|p|n|y:<page>` → ("s" | "p" | "n" | "y", page); None for anything else."""
    parts = data.split(":")
    if len(parts) != 3 or parts[0] != "rl" or parts[1] not in ("s", "p", "n", "y"):
        return None
    page = inputs.number(parts[2])
    return None if page is None else (parts[1], page)


def _window(page: int, total: int, size: int) -> tuple[int, int, int]:
    """(page, pages, offset), the page kept within a list that may have shrunk meanwhile."""
    page, offset = page_of(page, total, size)
    return page, max(1, -(-total // size)), offset


def _marker(page: int, pages: int) -> Rich | str:
    return texts.page_mark(page + 1, pages) if pages > 1 else ""


_NO_REPORT = reports.NO_REPORT


async def silent_page(db: Database, clock: Clock, config: Config, page: int) -> Screen:
    """/chuabaocao: page `page` of the active tổ with no report in the current period."""
    period = reports.period_of(reports.local_today(clock, config), config)
    params = (*reports.REPORTED, period.start.isoformat(), period.end.isoformat())
    counts = await db.fetchone(
        "SELECT (SELECT COUNT(*) FROM units WHERE active = 1),"
        f" (SELECT COUNT(*) FROM units u WHERE u.active = 1 AND{_NO_REPORT})",
        params,
    )
    assert counts is not None
    total, silent = int(counts[0]), int(counts[1])
    if total == 0:
        return Screen(texts.R_NO_UNITS)
    if silent == 0:
        return Screen(texts.r_all_reported(period.label(), total))
    page, pages, offset = _window(page, silent, SILENT_PAGE_SIZE)
    found = await db.fetchall(
        f"SELECT u.id, u.name FROM units u WHERE u.active = 1 AND{_NO_REPORT}"
        " ORDER BY u.name, u.id LIMIT ? OFFSET ?",
        (*params, SILENT_PAGE_SIZE, offset),
    )
    ids = [int(r[0]) for r in found]
    leaders: dict[int, list[str]] = {}
    more: dict[int, int] = {}
    marks = ",".join("?" for _ in ids)
    for unit_id, name, count in await db.fetchall(
        "SELECT unit_id, name, n FROM (SELECT l.unit_id,"
        " TRIM(COALESCE(p.first_name, '') || ' ' || COALESCE(p.last_name, '')) AS name,"
        " COUNT(*) OVER (PARTITION BY l.unit_id) AS n,"
        " ROW_NUMBER() OVER (PARTITION BY l.unit_id ORDER BY p.first_name, p.user_id) AS k"
        " FROM unit_leaders l JOIN people p ON p.user_id = l.user_id"
        f" WHERE l.active = 1 AND l.unit_id IN ({marks})) WHERE k <= ? ORDER BY unit_id, k",
        (*ids, LEADERS_SHOWN),
    ):
        if name:
            leaders.setdefault(int(unit_id), []).append(clip(str(name), 30))
        more[int(unit_id)] = int(count) - LEADERS_SHOWN
    lines = []
    for unit_id, name in ((int(r[0]), str(r[1])) for r in found):
        names = leaders.get(unit_id, [])
        if more.get(unit_id, 0) > 0:
            names = [*names, texts.t_and_more(more[unit_id])]
        lines.append(texts.r_silent_line(clip(name, 80), names))
    text = texts.r_silent(period.label(), silent, total, lines) + _marker(page, pages)
    nudge, _ = await reports.plan_nudge(db.conn, period)
    remind = ((Button(texts.R_BTN_NUDGE, "rl:n:0"),),) if nudge.leaders else ()
    return Screen(text, (*page_nav(page, pages, "rl:s:{}"), *remind))


async def nudge_ask(db: Database, clock: Clock, config: Config) -> Screen:
    """What "Nhắc các tổ này" will do, asked before it is done."""
    period = reports.period_of(reports.local_today(clock, config), config)
    nudge, _ = await reports.plan_nudge(db.conn, period)
    if not nudge.leaders:
        return Screen(texts.r_nudged(0, 0, nudge.already, nudge.no_leader))
    return Screen(
        texts.r_nudge_ask(nudge.units, nudge.leaders, nudge.no_leader),
        ((Button(texts.R_BTN_NUDGE_YES, "rl:y:0"), Button(texts.BTN_BACK, "rl:s:0")),),
    )


async def pending_page(db: Database, page: int) -> Screen:
    """/duyetbaocao: page `page` of the reports waiting for review, oldest first."""
    waiting = " FROM reports r JOIN units u ON u.id = r.unit_id WHERE r.status = 'submitted'"
    total = int(await db.fetchval("SELECT COUNT(*)" + waiting))
    if total == 0:
        return Screen(texts.R_PENDING_NONE)
    page, pages, offset = _window(page, total, PENDING_PAGE_SIZE)
    found = await db.fetchall(
        "SELECT r.id, u.name, r.session_date, r.form, r.form_other"
        + waiting
        + " ORDER BY r.id LIMIT ? OFFSET ?",
        (PENDING_PAGE_SIZE, offset),
    )
    lines = []
    buttons = []
    for report_id, unit, day, form, other in found:
        form_shown = clip(reports.form_text(str(form), str(other)), 60)
        when = reports.day_text(date.fromisoformat(str(day)))
        lines.append(texts.r_digest_line(int(report_id), clip(str(unit), 80), when, form_shown))
        buttons.append(Button(texts.r_btn_show(int(report_id)), f"rv:{int(report_id)}:0:show"))
    text = texts.r_pending(total, lines, 0) + _marker(page, pages)
    return Screen(text, (*rows(buttons, per_row=2), *page_nav(page, pages, "rl:p:{}")))


async def nudge(db: Database, clock: Clock, config: Config, officer_id: int) -> Screen:
    """Send the reminders "Nhắc các tổ này" asked for; what was done."""
    done = await reports.nudge_silent(db, clock, config, officer_id)
    return Screen(texts.r_nudged(done.units, done.leaders, done.already, done.no_leader))
