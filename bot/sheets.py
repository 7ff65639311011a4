"""Cells the bot writes into spreadsheets (CSV, XLSX), safe to open in Excel or LibreOffice.

A cell that begins with `=`, `+`, `-` or `@` is a formula to a spreadsheet: a tổ named
`=HYPERLINK("http://…"&C3, "Bấm vào đây")` would send the invite link beside it to anyone's
server at a click. Importers that trim a cell first (Google Sheets, LibreOffice, converters)
also read " =1+1" as one, so what counts is the first character after any white space or
invisible control (NUL, BOM, zero-width space). OWASP's advice, followed here: put a `'` in
front of such a cell, and of any beginning with a tab, carriage return or NUL (ASVS 1.2.10);
spreadsheets show the `'` cell as text and do not display the quote. Every CSV or XLSX the bot
writes goes through `safe_row` (today: `invites.csv` of `python -m bot invite --all`).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

# What makes a spreadsheet read a cell as a formula (OWASP "CSV Injection"), and the full-width
# forms some spreadsheets also accept.
FORMULA_STARTS = frozenset("=+-@＝＋－＠")
ALWAYS_QUOTED = ("\t", "\r", "\x00")  # OWASP and ASVS: never the first character of a cell


def _skipped(ch: str) -> bool:
    """White space or an invisible control an importer may drop before reading the cell."""
    return ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf")


def is_formula(text: str) -> bool:
    """Whether some spreadsheet may evaluate `text` as a cell."""
    if text.startswith(ALWAYS_QUOTED):
        return True
    first = next((ch for ch in text if not _skipped(ch)), "")
    return first in FORMULA_STARTS


def safe_cell(value: object) -> str:
    """`value` as cell text that no spreadsheet evaluates."""
    text = "" if value is None else str(value)
    return "'" + text if is_formula(text) else text


def safe_row(values: Iterable[object]) -> list[str]:
    return [safe_cell(v) for v in values]
