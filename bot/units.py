"""The registry of tổ dân phố (units): CSV import, add / rename / deactivate, the overview.

The CSV is what an official exports from Excel: UTF-8 with or without a BOM, `;` or `,`
between cells, a header row naming the columns in Vietnamese or English (name/tên,
code/mã, area/khu vực; other columns such as STT are ignored). Every problem is reported with
its line number, and the whole file is imported in one transaction or not at all. A
re-import updates units by code and never deletes one.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot import inputs, texts
from bot.clock import iso
from bot.content import fold
from bot.db import Database
from bot.people import (
    Person,
    Unit,
    audit_conn,
    code_key,
    person_from_row,
    unit_from_row,
)

CODE_RE = re.compile(r"^[A-Z0-9][A-Z0-9._-]{0,31}$")
NAME_MAX = 120
AREA_MAX = 120
XLSX_MAGIC = b"PK\x03\x04"
# A ward has dozens of tổ. A file far past that is the wrong file, and parsing it would hold
# the import (and the database) for minutes: refuse it before reading it all.
IMPORT_MAX_BYTES = 1_000_000
IMPORT_MAX_ROWS = 2_000

# Header cells, folded (no diacritics, lower case): what each column may be called.
HEADERS: dict[str, frozenset[str]] = {
    "code": frozenset({"code", "ma", "ma to", "ma so", "ma to dan pho", "ma tdp", "ma don vi"}),
    "name": frozenset({"name", "ten", "ten to", "ten to dan pho", "to dan pho", "ten tdp"}),
    "area": frozenset({"area", "khu vuc", "khu", "dia ban", "khu dan cu", "vung"}),
}


@dataclass(frozen=True)
class UnitRow:
    """One parsed CSV row; `area` is None when the file has no area column (keep the old one)."""

    line: int
    code: str
    name: str
    area: str | None


@dataclass(frozen=True)
class CsvProblem:
    line: int
    message: str

    def __str__(self) -> str:
        return texts.csv_problem(self.line, self.message)


class UnitsCsvError(Exception):
    """The file cannot be imported; `problems` says where and why (nothing was imported)."""

    def __init__(self, problems: list[CsvProblem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


class UnitInputError(ValueError):
    """A code, name or area typed in chat is not acceptable; the message says why."""


@dataclass(frozen=True)
class ImportResult:
    added: int
    updated: int
    unchanged: int


def normalize_code(text: str) -> str:
    return unicodedata.normalize("NFC", text).strip().upper()


def clean_text(text: str) -> str:
    """NFC (a Mac may write decomposed Vietnamese), single spaces, and no control or format
    characters (NUL, right-to-left override, zero-width space…): see bot.inputs.clean_name."""
    return inputs.clean_name(text)


def check_code(code: str) -> str | None:
    """Why `code` (already normalised) is not acceptable, or None."""
    if not code:
        return texts.CSV_NO_CODE
    if not CODE_RE.match(code):
        return texts.csv_bad_code(inputs.shown(code))  # quoted back: cut short
    return None


def _check_encoding(*versions: str) -> str | None:
    """Why a text was double-encoded on the way, or None. Pass it as typed or read (`raw`)
    as well as cleaned: cleaning drops what some double encodings leave (the C1 control that
    the "ề" of "về" becomes, the no-break space of "à" at the end of a cell)."""
    for text in versions:
        fixed = inputs.mojibake(text)
        if fixed is not None:
            return texts.t_mojibake(inputs.shown(text), inputs.shown(fixed))
    return None


def check_name(name: str, raw: str = "") -> str | None:
    """Why `name` (already cleaned from `raw`) is not acceptable, or None."""
    if not name:
        return texts.CSV_NO_NAME
    if len(name) > NAME_MAX:
        return texts.csv_too_long(texts.CSV_COL_NAME, NAME_MAX)
    return _check_encoding(raw, name)


def check_area(area: str, raw: str = "") -> str | None:
    if len(area) > AREA_MAX:
        return texts.csv_too_long(texts.CSV_COL_AREA, AREA_MAX)
    return _check_encoding(raw, area)


def _double_encoded(text: str) -> None:
    """Refuse a file that was double-encoded as a whole (an Excel that opened the UTF-8 file
    as Windows-1252 and saved it again): its header would not even be found otherwise. Real
    Vietnamese has letters outside that code page, so an honest file stops the check there."""
    if inputs.mojibake(text) is None:
        return
    for line, content in enumerate(text.split("\n"), start=1):
        fixed = inputs.mojibake(content)
        if fixed is not None:
            message = texts.t_mojibake(inputs.shown(content), inputs.shown(fixed))
            raise UnitsCsvError([CsvProblem(line, message)])


def _delimiter(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in (";", ",", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _decode(data: bytes) -> str:
    if len(data) > IMPORT_MAX_BYTES:
        raise UnitsCsvError([CsvProblem(1, texts.t_csv_too_big(IMPORT_MAX_BYTES, IMPORT_MAX_ROWS))])
    if data.startswith(XLSX_MAGIC):
        raise UnitsCsvError([CsvProblem(1, texts.CSV_IS_XLSX)])
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise UnitsCsvError([CsvProblem(line, texts.CSV_NOT_UTF8)]) from exc


def _header(cells: list[str], line: int) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, cell in enumerate(cells):
        problem = _check_encoding(cell)
        if problem is not None:
            raise UnitsCsvError([CsvProblem(line, problem)])
        folded = fold(clean_text(cell))  # a BOM or zero-width space must not hide a column
        for field, names in HEADERS.items():
            if folded in names:
                if field in columns:
                    raise UnitsCsvError([CsvProblem(line, texts.csv_duplicate_header(cell))])
                columns[field] = index
    if "code" not in columns or "name" not in columns:
        raise UnitsCsvError([CsvProblem(line, texts.CSV_BAD_HEADER)])
    return columns


def _cell(cells: list[str], columns: dict[str, int], field: str) -> str:
    index = columns.get(field)
    return cells[index] if index is not None and index < len(cells) else ""


def parse_units_csv(data: bytes) -> list[UnitRow]:
    """Parse the whole file or raise UnitsCsvError listing every problem with its line."""
    text = _decode(data)
    if not text.strip():
        raise UnitsCsvError([CsvProblem(1, texts.CSV_EMPTY)])
    _double_encoded(text)
    first_line = text.lstrip("\r\n").splitlines()[0]
    reader = csv.reader(
        io.StringIO(text, newline=""), delimiter=_delimiter(first_line), strict=True
    )
    columns: dict[str, int] | None = None
    width = 0
    rows: list[UnitRow] = []
    problems: list[CsvProblem] = []
    seen: dict[str, int] = {}
    while True:
        start = reader.line_num + 1
        try:
            raw = next(reader)
        except StopIteration:
            break
        except csv.Error:
            problems.append(CsvProblem(start, texts.CSV_BROKEN_ROW))
            break
        cells = [cell.strip() for cell in raw]
        if not any(cells):
            continue  # Excel writes empty rows as ";;": they mean nothing
        if columns is None:
            columns = _header(cells, start)
            width = len(cells)
            continue
        if len(rows) + len(problems) >= IMPORT_MAX_ROWS:
            raise UnitsCsvError([CsvProblem(start, texts.t_csv_too_many_rows(IMPORT_MAX_ROWS))])
        if any(cells[width:]):
            problems.append(CsvProblem(start, texts.csv_too_many_cells(width, len(cells))))
            continue
        code = normalize_code(_cell(cells, columns, "code"))
        raw_name, raw_area = _cell(raw, columns, "name"), _cell(raw, columns, "area")
        name = clean_text(raw_name)
        area = clean_text(raw_area) if "area" in columns else None
        problem = check_code(code) or check_name(name, raw_name) or check_area(area or "", raw_area)
        if problem is None and code in seen:
            problem = texts.csv_duplicate_code(code, seen[code])
        if problem is not None:
            problems.append(CsvProblem(start, problem))
            continue
        seen[code] = start
        rows.append(UnitRow(start, code, name, area))
    if not problems and not rows:
        problems.append(CsvProblem(1, texts.CSV_NO_ROWS))
    if problems:
        raise UnitsCsvError(problems)
    return rows


async def import_units(
    db: Database, rows: list[UnitRow], now: datetime, *, actor_id: int = 0
) -> ImportResult:
    """Add or update every row, all in one transaction (audited); never deletes a unit."""
    stamp = iso(now)
    added = updated = unchanged = 0
    async with db.transaction() as conn:
        for row in rows:
            cursor = await conn.execute(
                "SELECT id, name, area, active FROM units WHERE code = ?", (row.code,)
            )
            found = await cursor.fetchone()
            if found is None:
                await conn.execute(
                    "INSERT INTO units (code, name, area, active, created_at, updated_at)"
                    " VALUES (?, ?, ?, 1, ?, ?)",
                    (row.code, row.name, row.area or "", stamp, stamp),
                )
                added += 1
                continue
            area = found["area"] if row.area is None else row.area
            if (found["name"], found["area"], found["active"]) == (row.name, area, 1):
                unchanged += 1
                continue
            await conn.execute(
                "UPDATE units SET name = ?, area = ?, active = 1, updated_at = ? WHERE id = ?",
                (row.name, area, stamp, found["id"]),
            )
            updated += 1
        await audit_conn(
            conn,
            actor_id,
            "units.import",
            now,
            detail=f"added={added} updated={updated} unchanged={unchanged}",
        )
    return ImportResult(added, updated, unchanged)


# ---------------------------------------------------------------- look-ups

_UNIT_COLUMNS = "id, code, name, area, active"


async def get_unit(db: Database, unit_id: int) -> Unit | None:
    row = await db.fetchone(f"SELECT {_UNIT_COLUMNS} FROM units WHERE id = ?", (unit_id,))
    return None if row is None else unit_from_row(row)


async def get_by_code(db: Database, code: str) -> Unit | None:
    row = await db.fetchone(
        f"SELECT {_UNIT_COLUMNS} FROM units WHERE code = ?", (normalize_code(code),)
    )
    return None if row is None else unit_from_row(row)


async def list_units(db: Database, *, include_inactive: bool = False) -> list[Unit]:
    """Every unit, in code order: for the command line. Chat screens use `units_page`."""
    where = "" if include_inactive else " WHERE active = 1"
    rows = await db.fetchall(f"SELECT {_UNIT_COLUMNS} FROM units{where}")
    return sorted((unit_from_row(r) for r in rows), key=lambda u: code_key(u.code))


# Code order in SQL, close to `code_key` (T2 before T10, TDP05 after TDP5): the code without
# its trailing digits, then the shorter code. SQLite sorts; only one page comes back.
UNIT_ORDER = "rtrim(code, '0123456789'), length(code), code"


async def count_units(db: Database) -> int:
    return int(await db.fetchval("SELECT COUNT(*) FROM units WHERE active = 1"))


async def units_page(db: Database, offset: int, limit: int) -> list[Unit]:
    """One page of the active units, in code order."""
    rows = await db.fetchall(
        f"SELECT {_UNIT_COLUMNS} FROM units WHERE active = 1 ORDER BY {UNIT_ORDER}"
        " LIMIT ? OFFSET ?",
        (limit, offset),
    )
    return [unit_from_row(r) for r in rows]


# ---------------------------------------------------------------- add / rename / deactivate


def parse_unit_args(text: str) -> tuple[str, str, str]:
    """`T05 Tổ dân phố số 5 | Khu 1` → (code, name, area); UnitInputError if unusable."""
    main, _, raw_area = text.partition("|")
    parts = main.strip(" \t\r\n").split(
        maxsplit=1
    )  # keep a trailing no-break space: see _check_encoding
    code = normalize_code(parts[0]) if parts else ""
    raw_name = parts[1] if len(parts) > 1 else ""
    name, area = clean_text(raw_name), clean_text(raw_area)
    problem = check_code(code) or check_name(name, raw_name) or check_area(area, raw_area)
    if problem:
        raise UnitInputError(problem)
    return code, name, area


async def upsert_unit(
    db: Database, code: str, name: str, area: str, now: datetime, *, actor_id: int
) -> tuple[Unit, bool]:
    """Add a unit, or update (and reactivate) the one with this code. True when added."""
    raw_name, raw_area = name, area
    code, name, area = normalize_code(code), clean_text(name), clean_text(area)
    problem = check_code(code) or check_name(name, raw_name) or check_area(area, raw_area)
    if problem:
        raise UnitInputError(problem)
    stamp = iso(now)
    async with db.transaction() as conn:
        cursor = await conn.execute("SELECT id FROM units WHERE code = ?", (code,))
        created = await cursor.fetchone() is None
        await conn.execute(
            "INSERT INTO units (code, name, area, active, created_at, updated_at)"
            " VALUES (?, ?, ?, 1, ?, ?) ON CONFLICT(code) DO UPDATE SET"
            " name = excluded.name, area = excluded.area, active = 1,"
            " updated_at = excluded.updated_at",
            (code, name, area, stamp, stamp),
        )
        await audit_conn(
            conn, actor_id, "unit.add" if created else "unit.update", now, target=f"unit:{code}"
        )
    unit = await get_by_code(db, code)
    assert unit is not None
    return unit, created


async def rename_unit(
    db: Database, code: str, name: str, now: datetime, *, actor_id: int
) -> Unit | None:
    """Give the unit a new name (audited); None when no unit has this code."""
    raw, name = name, clean_text(name)
    problem = check_name(name, raw)
    if problem:
        raise UnitInputError(problem)
    code = normalize_code(code)
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "UPDATE units SET name = ?, updated_at = ? WHERE code = ?", (name, iso(now), code)
        )
        if cursor.rowcount != 1:
            return None
        await audit_conn(conn, actor_id, "unit.rename", now, target=f"unit:{code}", detail=name)
    return await get_by_code(db, code)


async def set_unit_active(
    db: Database, code: str, active: bool, now: datetime, *, actor_id: int
) -> Unit | None:
    """Deactivate (or reactivate) a unit (audited). Its leaders and groups are kept, so
    reactivating restores them; while inactive nobody can act for it."""
    code = normalize_code(code)
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "UPDATE units SET active = ?, updated_at = ? WHERE code = ?",
            (int(active), iso(now), code),
        )
        if cursor.rowcount != 1:
            return None
        action = "unit.activate" if active else "unit.deactivate"
        await audit_conn(conn, actor_id, action, now, target=f"unit:{code}")
    return await get_by_code(db, code)


# ---------------------------------------------------------------- the overview for officers


@dataclass(frozen=True)
class LinkedGroup:
    chat_id: int
    title: str
    active: bool


@dataclass(frozen=True)
class UnitOverview:
    unit: Unit
    leaders: tuple[Person, ...]
    groups: tuple[LinkedGroup, ...]
    more_leaders: int = 0  # not named in `leaders`
    more_groups: int = 0


@dataclass(frozen=True)
class OverviewTotals:
    units: int
    with_leader: int
    with_group: int


SHOWN_PER_UNIT = 3  # leaders and groups named in a tổ's block; the rest are counted
_PEOPLE = (
    "user_id, first_name, last_name, role, consent_at, consent_version, notifications, reachable"
)
_P_PEOPLE = ", ".join(f"p.{column}" for column in _PEOPLE.split(", "))


async def overview_totals(db: Database) -> OverviewTotals:
    """How many active tổ, how many have a leader, how many an active group (counted by
    SQLite, through the units' primary key)."""
    row = await db.fetchone(
        "SELECT (SELECT COUNT(*) FROM units WHERE active = 1),"
        " (SELECT COUNT(DISTINCT l.unit_id) FROM unit_leaders l JOIN units u ON u.id = l.unit_id"
        "   WHERE l.active = 1 AND u.active = 1),"
        " (SELECT COUNT(DISTINCT c.unit_id) FROM chats c JOIN units u ON u.id = c.unit_id"
        "   WHERE c.active = 1 AND u.active = 1)"
    )
    assert row is not None
    return OverviewTotals(int(row[0]), int(row[1]), int(row[2]))


async def overview_page(db: Database, offset: int, limit: int) -> list[UnitOverview]:
    """One page of active units, each with its first few leaders and linked groups."""
    page = await units_page(db, offset, limit)
    if not page:
        return []
    ids = [u.id for u in page]
    marks = ",".join("?" for _ in ids)
    leaders: dict[int, list[Person]] = {}
    total_leaders: dict[int, int] = {}
    for row in await db.fetchall(
        f"SELECT unit_id, n, {_PEOPLE} FROM ("
        f" SELECT l.unit_id, {_P_PEOPLE}, COUNT(*) OVER (PARTITION BY l.unit_id) AS n,"
        "  ROW_NUMBER() OVER (PARTITION BY l.unit_id ORDER BY p.first_name, p.user_id) AS k"
        " FROM unit_leaders l JOIN people p ON p.user_id = l.user_id"
        f" WHERE l.active = 1 AND l.unit_id IN ({marks})) WHERE k <= ? ORDER BY unit_id, k",
        (*ids, SHOWN_PER_UNIT),
    ):
        leaders.setdefault(int(row[0]), []).append(person_from_row(row[2:]))
        total_leaders[int(row[0])] = int(row[1])
    groups: dict[int, list[LinkedGroup]] = {}
    total_groups: dict[int, int] = {}
    for row in await db.fetchall(
        "SELECT unit_id, n, chat_id, title, active FROM ("
        " SELECT unit_id, chat_id, title, active, COUNT(*) OVER (PARTITION BY unit_id) AS n,"
        "  ROW_NUMBER() OVER (PARTITION BY unit_id ORDER BY active DESC, title) AS k"
        f" FROM chats WHERE unit_id IN ({marks})) WHERE k <= ? ORDER BY unit_id, k",
        (*ids, SHOWN_PER_UNIT),
    ):
        groups.setdefault(int(row[0]), []).append(
            LinkedGroup(int(row[2]), str(row[3]), bool(row[4]))
        )
        total_groups[int(row[0])] = int(row[1])
    return [
        UnitOverview(
            u,
            tuple(leaders.get(u.id, ())),
            tuple(groups.get(u.id, ())),
            total_leaders.get(u.id, 0) - len(leaders.get(u.id, ())),
            total_groups.get(u.id, 0) - len(groups.get(u.id, ())),
        )
        for u in page
    ]


# ---------------------------------------------------------------- asking before /themto saves

ASK_HOURS = 24  # an unanswered question this old is stale: the officer types /themto again
_NUMBER_WORD = re.compile(r"^[0-9]+[A-Z]?$")  # "03", "5A": a tổ number typed apart from its code


@dataclass(frozen=True)
class Typed:
    """A tổ as /themto would save it."""

    code: str
    name: str
    area: str


@dataclass(frozen=True)
class Doubt:
    """Why /themto asks before saving: `typed` might not be what the officer meant.

    kind "split": the code has no number and the name starts with one ("tdp 03 Tổ 3"): the
    number is likely the code's (`other`). kind "near": another tổ has the same code but for
    punctuation and leading zeros ("T5" and "T05"): `other` updates that one. kind "change":
    the code is a tổ's already, and its name or area would be overwritten (`existing`)."""

    kind: str
    typed: Typed
    other: Typed | None
    existing: Unit | None


def near_key(code: str) -> str:
    """ "TDP-03", "tdp03" and "TDP3" alike: letters and digits, no leading zeros."""
    bare = re.sub(r"[^A-Z0-9]", "", normalize_code(code))
    return re.sub(r"(?<![0-9])0+(?=[0-9])", "", bare)


def doubt_about(typed: Typed, known: list[Unit]) -> Doubt | None:
    """What /themto should ask about before saving `typed`, given the tổ `known`; None when
    nothing is in doubt (a new, plainly typed code; or the same tổ typed again to reopen)."""
    same = next((u for u in known if u.code == typed.code), None)
    if same is not None:
        if (same.name, same.area) == (typed.name, typed.area):
            return None
        return Doubt("change", typed, None, same)
    words = typed.name.split(maxsplit=1)
    if (
        not re.search(r"[0-9]", typed.code)
        and len(words) == 2
        and _NUMBER_WORD.match(words[0].upper())
        and CODE_RE.match(typed.code + words[0].upper())
    ):
        other = Typed(typed.code + words[0].upper(), words[1], typed.area)
        taken = next((u for u in known if near_key(u.code) == near_key(other.code)), None)
        if taken is not None:
            return Doubt("near", typed, Typed(taken.code, other.name, other.area), taken)
        return Doubt("split", typed, other, None)
    near = next((u for u in known if near_key(u.code) == near_key(typed.code)), None)
    if near is not None:
        return Doubt("near", typed, Typed(near.code, typed.name, typed.area), near)
    return None


async def doubt(db: Database, typed: Typed) -> Doubt | None:
    return doubt_about(typed, await list_units(db, include_inactive=True))


async def ask(db: Database, officer_id: int, question: Doubt, now: datetime) -> int:
    """Keep the question for the officer's answer (replacing any older one); its id."""
    other = question.other
    async with db.transaction() as conn:
        await conn.execute("DELETE FROM unit_asks WHERE officer_id = ?", (officer_id,))
        cursor = await conn.execute(
            "INSERT INTO unit_asks (officer_id, code, name, area, alt_code, alt_name,"
            " alt_area, asked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                officer_id,
                question.typed.code,
                question.typed.name,
                question.typed.area,
                other.code if other else None,
                other.name if other else None,
                other.area if other else None,
                iso(now),
            ),
        )
        return int(cursor.lastrowid or 0)


async def take_answer(
    db: Database, ask_id: int, officer_id: int, now: datetime
) -> tuple[Typed, Typed | None] | None:
    """The question `ask_id` of this officer (what was typed, the other reading), removed
    so it is answered once; None when it is not theirs, answered already, or stale."""
    cutoff = iso(now - timedelta(hours=ASK_HOURS))
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "DELETE FROM unit_asks WHERE id = ? AND officer_id = ? AND asked_at >= ?"
            " RETURNING code, name, area, alt_code, alt_name, alt_area",
            (ask_id, officer_id, cutoff),
        )
        row = await cursor.fetchone()
        await cursor.close()
    if row is None:
        return None
    other = Typed(row[3], row[4], row[5]) if row[3] is not None else None
    return Typed(row[0], row[1], row[2]), other


async def prune_asks(db: Database, now: datetime) -> int:
    """Forget questions nobody answered in time (each names an officer)."""
    cutoff = iso(now - timedelta(hours=ASK_HOURS))
    async with db.transaction() as conn:
        cursor = await conn.execute("DELETE FROM unit_asks WHERE asked_at < ?", (cutoff,))
        return cursor.rowcount
