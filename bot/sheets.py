"""Cells the bot writes into spreadsheets (CSV, XLSX), safe to open in Excel or LibreOffice.

A cell that begins with `=`, `+`, `-` or `@` (or a tab or carriage return before one) is a
formula to a spreadsheet: a tổ named `=HYPERLINK("http://…"&C3, "Bấm vào đây")` would send
the invite link beside it to anyone's server at a click. OWASP's advice, followed here: put a
`'` in front of such a cell, which spreadsheets show as text and do not display. Every CSV or
XLSX the bot writes goes through `safe_row`.
"""

from __future__ import annotations

from collections.abc import Iterable

# What makes a spreadsheet read a cell as a formula (OWASP "CSV Injection"), and the full-width
# forms some spreadsheets also accept.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


def safe_cell(value: object) -> str:
    """`value` as cell text that no spreadsheet evaluates."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def safe_row(values: Iterable[object]) -> list[str]:
    return [safe_cell(v) for v in values]
