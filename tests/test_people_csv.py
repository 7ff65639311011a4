"""Importing the tổ dân phố registry from CSV as Excel writes it: parsing, line numbers,
all-or-nothing import, re-import by code, and the `import-units` command."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot import units
from bot.__main__ import main as cli_main
from bot.config import Config, parse_config
from bot.db import Database
from bot.units import UnitRow, UnitsCsvError, parse_units_csv

from .conftest import TOKEN

NOW = datetime(2026, 1, 5, 1, 0, tzinfo=UTC)

GOOD = "Mã tổ;Tên tổ;Khu vực\r\nTDP01;Tổ dân phố số 1;Khu 1\r\nTDP02;Tổ dân phố số 2;\r\n"


def excel(rows: list[list[str]], *, delimiter: str = ";", bom: bool = True) -> bytes:
    """Bytes as Excel's "CSV UTF-8" writes them: BOM, CRLF, quotes only where needed."""
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return (b"\xef\xbb\xbf" if bom else b"") + out.getvalue().encode("utf-8")


def problems_of(data: bytes) -> list[tuple[int, str]]:
    with pytest.raises(UnitsCsvError) as caught:
        parse_units_csv(data)
    return [(p.line, p.message) for p in caught.value.problems]


# ---------------------------------------------------------------- parsing


def test_semicolon_with_bom_vietnamese_header() -> None:
    rows = parse_units_csv(b"\xef\xbb\xbf" + GOOD.encode())
    assert rows == [
        UnitRow(2, "TDP01", "Tổ dân phố số 1", "Khu 1"),
        UnitRow(3, "TDP02", "Tổ dân phố số 2", ""),
    ]


def test_comma_without_bom_english_header_any_order_and_extra_columns() -> None:
    data = b'STT,name,code\n1,"T\xe1\xbb\x95 1, khu A",t1\n2,T\xe1\xbb\x95 2,t2\n'
    rows = parse_units_csv(data)
    assert [(r.code, r.name, r.area) for r in rows] == [
        ("T1", "Tổ 1, khu A", None),  # no area column: an update keeps the stored area
        ("T2", "Tổ 2", None),
    ]


def test_header_without_diacritics_and_blank_rows_skipped() -> None:
    data = "ma to;ten to dan pho;khu vuc\n;;\nA1;Tổ A1;Khu 1\n\n;;\n".encode()
    rows = parse_units_csv(data)
    assert [(r.line, r.code) for r in rows] == [(3, "A1")]


def test_decomposed_unicode_is_normalised() -> None:
    import unicodedata

    name = unicodedata.normalize("NFD", "Tổ dân phố số 7")
    rows = parse_units_csv(f"code,name\nT7,{name}\n".encode())
    assert rows[0].name == "Tổ dân phố số 7"


def test_bad_rows_reported_with_their_line_numbers() -> None:
    data = (
        "Mã tổ;Tên tổ\n"  # 1
        "T1;Tổ 1\n"  # 2
        ";Tổ không mã\n"  # 3
        "T3;\n"  # 4
        "T 4;Tổ có dấu cách trong mã\n"  # 5
        "T1;Tổ trùng mã\n"  # 6
        "T7;Tổ 7;thừa\n"  # 7
    ).encode()
    found = problems_of(data)
    assert [line for line, _ in found] == [3, 4, 5, 6, 7]
    assert "mã" in found[0][1] and "tên" in found[1][1]
    assert "dòng 2" in found[3][1]  # the duplicate names the first line


def test_quoted_newline_keeps_physical_line_numbers() -> None:
    data = 'code,name\nT1,"Tổ 1\nxuống dòng"\nT2,\n'.encode()
    assert [line for line, _ in problems_of(data)] == [4]


def test_whole_file_problems() -> None:
    assert problems_of(b"")[0][0] == 1
    assert problems_of("Mã tổ;Tên tổ\n".encode())[0][0] == 1  # header only
    assert problems_of("Tên;Khu vực\nTổ 1;Khu 1\n".encode())[0][0] == 1  # no code column
    assert problems_of(b"PK\x03\x04rest-of-an-xlsx")[0][0] == 1
    latin = "code;name\nT1;To 1\nT2;Tô 2\n".encode("cp1258")  # Excel's old "CSV" on Windows
    found = problems_of(latin)
    assert [line for line, _ in found] == [3] and "UTF-8" in found[0][1]
    # a broken quote is reported where its record starts
    assert problems_of(b'code,name\nT1,Ok\nT2,"unterminated\nmore\n')[0][0] == 3
    assert problems_of(b'code,name\nT1,"x"y\nT2,ok\n')[0][0] == 2


# ---------------------------------------------------------------- property: Excel round trip

codes = st.from_regex(r"[A-Z0-9][A-Z0-9._-]{0,9}", fullmatch=True)
names = (
    st.text(
        alphabet=st.sampled_from(list("aăâbdđeêghiklmnoôơpqrstuưvxyÀÁẢÃẠỔỐỜàáảãạổốờ ,;\"'-.")),
        min_size=1,
        max_size=40,
    )
    .map(lambda s: " ".join(s.split()))
    .filter(bool)
)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.dictionaries(codes, st.tuples(names, names), min_size=1, max_size=15),
    st.sampled_from([";", ","]),
    st.booleans(),
    st.sampled_from([["Mã tổ", "Tên tổ", "Khu vực"], ["code", "name", "area"]]),
)
def test_excel_round_trip(
    table: dict[str, tuple[str, str]], delimiter: str, bom: bool, header: list[str]
) -> None:
    rows = [[code, name, area] for code, (name, area) in table.items()]
    parsed = parse_units_csv(excel([header, *rows], delimiter=delimiter, bom=bom))
    assert [(r.code, r.name, r.area) for r in parsed] == [tuple(r) for r in rows]
    assert [r.line for r in parsed] == list(range(2, len(rows) + 2))


@settings(max_examples=100, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.dictionaries(codes, names, min_size=1, max_size=12),
    st.data(),
    st.sampled_from([";", ","]),
)
def test_one_bad_row_is_found_at_its_line(
    table: dict[str, str], data: st.DataObject, delimiter: str
) -> None:
    rows = [[code, name] for code, name in table.items()]
    position = data.draw(st.integers(0, len(rows)))
    bad = data.draw(st.sampled_from([["", "Không mã"], ["OK1X", ""], ["mã có dấu", "Tổ"]]))
    if bad[0].upper() in table:
        return
    rows.insert(position, bad)
    found = problems_of(excel([["code", "name"], *rows], delimiter=delimiter))
    assert [line for line, _ in found] == [position + 2]  # +1 header, +1 one-based


# ---------------------------------------------------------------- importing


@pytest.fixture
async def db(tmp_path: Path) -> Database:
    database = await Database(tmp_path / "csv.sqlite3").open()
    yield database  # type: ignore[misc]
    await database.close()


async def all_units(db: Database) -> list[tuple[str, str, str, int]]:
    return [
        tuple(r)  # type: ignore[misc]
        for r in await db.fetchall("SELECT code, name, area, active FROM units ORDER BY code")
    ]


async def test_import_then_reimport_updates_by_code(db: Database) -> None:
    first = await units.import_units(db, parse_units_csv(GOOD.encode()), NOW)
    assert (first.added, first.updated, first.unchanged) == (2, 0, 0)
    await units.set_unit_active(db, "TDP02", False, NOW, actor_id=1)
    again = "code,name\nTDP01,Tổ dân phố số 1\nTDP02,Tổ 2 mới\nTDP03,Tổ 3\n".encode()
    second = await units.import_units(db, parse_units_csv(again), NOW)
    assert (second.added, second.updated, second.unchanged) == (1, 1, 1)
    assert await all_units(db) == [
        ("TDP01", "Tổ dân phố số 1", "Khu 1", 1),  # no area column: area kept
        ("TDP02", "Tổ 2 mới", "", 1),  # renamed and reopened
        ("TDP03", "Tổ 3", "", 1),
    ]
    audit = await db.fetchall("SELECT action, detail FROM audit_log WHERE action='units.import'")
    assert len(audit) == 2 and "added=1" in audit[1][1]


async def test_failure_mid_import_leaves_nothing_half_done(db: Database) -> None:
    await units.import_units(db, parse_units_csv(GOOD.encode()), NOW)
    before = await all_units(db)
    # The database refuses one row in the middle (as a full disk or a constraint would).
    await db.execute(
        "CREATE TRIGGER refuse BEFORE INSERT ON units WHEN NEW.code = 'BOOM'"
        " BEGIN SELECT RAISE(ABORT, 'refused'); END"
    )
    rows = parse_units_csv("code,name\nTDP01,Đổi tên\nNEW1,Mới\nBOOM,Nổ\nNEW2,Mới 2\n".encode())
    with pytest.raises(Exception, match="refused"):
        await units.import_units(db, rows, NOW)
    assert await all_units(db) == before


# ---------------------------------------------------------------- the command


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        f'[telegram]\ntoken = "{TOKEN}"\n[storage]\ndatabase = "{tmp_path / "cli.sqlite3"}"\n',
        encoding="utf-8",
    )
    return path


def cli_config(config_file: Path) -> Config:
    import tomllib

    return parse_config(tomllib.loads(config_file.read_text(encoding="utf-8")), env={})


async def count_units(config: Config) -> int:
    async with Database(config.storage.database) as db:
        return int(await db.fetchval("SELECT COUNT(*) FROM units"))


def test_import_units_command(
    tmp_path: Path, config_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import asyncio

    good = tmp_path / "units.csv"
    good.write_bytes(b"\xef\xbb\xbf" + GOOD.encode())
    assert cli_main(["import-units", str(good), "--config", str(config_file)]) == 0
    assert "2 tổ mới" in capsys.readouterr().out

    bad = tmp_path / "bad.csv"
    bad.write_bytes("Mã tổ;Tên tổ\nTDP09;Tổ 9\n;Tổ không mã\n".encode())
    assert cli_main(["import-units", str(bad), "--config", str(config_file)]) == 1
    err = capsys.readouterr().err
    assert "Dòng 3" in err and "Chưa nhập tổ nào" in err
    assert asyncio.run(count_units(cli_config(config_file))) == 2  # TDP09 was not imported

    assert cli_main(["import-units", str(tmp_path / "none.csv"), "--config", str(config_file)]) == 1
