"""The content pack: load, validate, look up and search the summaries of Programme 17.

A pack is a folder: `pack.toml` names the pack, the verbatim copy of the source plan and the
kinds of items; every other `*.md` file (recursively, except README.md) is one item, a TOML
header between `+++` lines followed by the full text in Markdown. Items are rendered to
Telegram HTML once, at load time, so a broken item is caught before the bot starts.

The checker is written for the ward staff who edit the pack, not for programmers: every
problem names the file and line and says in Vietnamese how to fix it.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO, TypeGuard

from bot.render import markdown_to_html, markdown_to_plain, split_message
from bot.telegram_html import HtmlError, parse_entities, text_length

__all__ = [
    "SUMMARY_LIMIT",
    "ContentError",
    "ContentPack",
    "Item",
    "Kind",
    "Problem",
    "check_content_main",
    "check_pack",
    "fold",
    "load_pack",
]

SUMMARY_LIMIT = 600
PAGE_LIMIT = 4096
ID_MAX = 40
STATUSES = ("provided", "pending")
PACK_FILE = "pack.toml"

_ID_RE = re.compile(r"[a-z0-9-]+")
_KIND_RE = re.compile(r"[a-z0-9_]+")
_TOML_POS = re.compile(r"\(at line (\d+), column (\d+)\)")
_HEADER_FENCE = "+++"

# Header keys: name → (expected type, required for every item).
_ITEM_KEYS: dict[str, tuple[type, bool]] = {
    "id": (str, True),
    "kind": (str, True),
    "title": (str, True),
    "order": (int, True),
    "source": (str, True),
    "status": (str, True),
    "quotes": (list, False),
    "summary": (str, False),
}
_TYPE_NAMES = {str: "chuỗi trong ngoặc kép", int: "số nguyên", list: "danh sách [ ... ]"}

# ---------------------------------------------------------------------------------------
# The checker's Vietnamese messages live in bot/texts.py with every other string.
from bot.texts import (  # noqa: E402
    T_BAD_EXPECTED,
    T_BAD_EXPECTED_FIX,
    T_BAD_HTML,
    T_BAD_HTML_FIX,
    T_BAD_ID,
    T_BAD_ID_FIX,
    T_BAD_KIND_NAME,
    T_BAD_KIND_NAME_FIX,
    T_BAD_QUOTE,
    T_BAD_QUOTE_FIX,
    T_BAD_STATUS,
    T_BAD_STATUS_FIX,
    T_COUNT_MISMATCH,
    T_COUNT_MISMATCH_FIX,
    T_DUPLICATE_ID,
    T_DUPLICATE_ID_FIX,
    T_EMPTY_BODY,
    T_EMPTY_BODY_FIX,
    T_EMPTY_SUMMARY,
    T_EMPTY_SUMMARY_FIX,
    T_EMPTY_TITLE,
    T_EMPTY_TITLE_FIX,
    T_FILE_UNREADABLE,
    T_FILE_UNREADABLE_FIX,
    T_FIX_LABEL,
    T_FOLDER_MISSING,
    T_FOLDER_MISSING_FIX,
    T_MISSING_KEY,
    T_MISSING_KEY_FIX,
    T_NO_HEADER,
    T_NO_HEADER_FIX,
    T_NO_QUOTES,
    T_NO_QUOTES_FIX,
    T_OK,
    T_PACK_MISSING,
    T_PACK_MISSING_FIX,
    T_PACK_NO_TABLE,
    T_PACK_NO_TABLE_FIX,
    T_PLAN_MISSING,
    T_PLAN_MISSING_FIX,
    T_PLAN_OUTSIDE,
    T_PLAN_OUTSIDE_FIX,
    T_QUOTE_NOT_FOUND,
    T_QUOTE_NOT_FOUND_FIX,
    T_SUMMARY_TOO_LONG,
    T_SUMMARY_TOO_LONG_FIX,
    T_TOML_ERROR,
    T_TOML_ERROR_FIX,
    T_UNCLOSED_HEADER,
    T_UNCLOSED_HEADER_FIX,
    T_UNKNOWN_KEY,
    T_UNKNOWN_KEY_FIX,
    T_UNKNOWN_KIND,
    T_UNKNOWN_KIND_FIX,
    T_WRONG_TYPE,
    T_WRONG_TYPE_FIX,
)

# ---------------------------------------------------------------------------------------


def fold(text: str) -> str:
    """Fold text for search: no diacritics, đ → d, case-folded, single spaces."""
    # Case folding can itself produce combining marks (e.g. "İ" → "i̇"), so repeat until
    # nothing changes; in practice this runs twice.
    previous = None
    while text != previous:
        previous = text
        text = unicodedata.normalize("NFD", text.casefold().replace("đ", "d"))
        text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(text.split())


@dataclass(frozen=True)
class Problem:
    """One thing wrong in the pack; `line` is 1-based, 0 when it concerns a whole folder."""

    path: Path
    line: int
    message: str
    fix: str

    def __str__(self) -> str:
        try:
            shown = str(self.path.resolve().relative_to(Path.cwd().resolve()))
        except ValueError:
            shown = str(self.path)
        where = f"{shown}:{self.line}" if self.line > 0 else shown
        return f"{where}: {self.message} — {T_FIX_LABEL}: {self.fix}"


class ContentError(Exception):
    """The pack cannot be loaded; `problems` says why."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass(frozen=True)
class Kind:
    name: str
    label: str
    order: int
    expected: int | None


@dataclass(frozen=True)
class Item:
    id: str
    kind: str
    title: str
    order: int
    source: str
    quotes: tuple[str, ...]
    status: str
    summary_md: str
    body_md: str
    path: Path
    summary_html: str
    # The whole text, rendered once; split into messages by each channel at its own limit
    # when shown (bot/browse.py full_pages), not here.
    body_html: str
    folded: str
    folded_title: str = field(default="", repr=False)

    @property
    def pending(self) -> bool:
        return self.status == "pending"


SEARCH_CACHE_SIZE = 512  # distinct searches remembered (the pack never changes once loaded)


@dataclass(frozen=True)
class ContentPack:
    root: Path
    title: str
    kinds: tuple[Kind, ...]
    items: tuple[Item, ...]
    # Searches are many and repetitive (the same few words after each broadcast) and a scan
    # of every item costs more than the rest of answering: keep recent results.
    _searches: dict[tuple[str, int], tuple[Item, ...]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def get(self, item_id: str) -> Item | None:
        return next((item for item in self.items if item.id == item_id), None)

    def of_kind(self, kind: str) -> list[Item]:
        return sorted((item for item in self.items if item.kind == kind), key=_item_key)

    def kind(self, name: str) -> Kind | None:
        return next((kind for kind in self.kinds if kind.name == name), None)

    def search(self, query: str, limit: int = 8) -> list[Item]:
        """Items matching `query`, ignoring case and diacritics; pending items never match.

        When some items contain the words as a phrase ("chuyển đổi số"), only those are
        returned: a person typing a phrase means the phrase, not three scattered words.
        Otherwise every word must start a word somewhere in the item. Title hits rank first.
        """
        words = fold(query).split()
        if not words or limit <= 0:
            return []
        key = (" ".join(words), limit)
        found = self._searches.get(key)
        if found is None:
            if len(self._searches) >= SEARCH_CACHE_SIZE:
                self._searches.clear()
            found = self._searches[key] = tuple(self._search(words, limit))
        return list(found)

    def _search(self, words: list[str], limit: int) -> list[Item]:
        phrase = re.compile(r"(?<!\w)" + r"\s+".join(re.escape(word) for word in words))
        patterns = [re.compile(r"(?<!\w)" + re.escape(word)) for word in words]
        kind_order = {kind.name: kind.order for kind in self.kinds}
        # An item's heading is its title and the name of its kind ("Đột phá chiến lược"):
        # "dot pha" finds the three breakthroughs before the introduction that names them.
        kind_label = {kind.name: fold(kind.label) for kind in self.kinds}
        ranked: list[tuple[int, int, int, int, str, Item]] = []
        for item in self.items:
            if item.pending or not all(p.search(item.folded) for p in patterns):
                continue
            as_phrase = 0 if phrase.search(item.folded) else 1
            heading = f"{item.folded_title}\n{kind_label.get(item.kind, '')}"
            in_title = sum(1 for p in patterns if p.search(heading))
            rank = 0 if in_title == len(patterns) else 1 if in_title else 2
            ranked.append(
                (as_phrase, rank, kind_order.get(item.kind, 0), item.order, item.id, item)
            )
        if len(words) > 1 and any(entry[0] == 0 for entry in ranked):
            ranked = [entry for entry in ranked if entry[0] == 0]
        ranked.sort(key=lambda entry: (entry[1], *entry[:1], *entry[2:5]))  # heading first
        return [entry[-1] for entry in ranked[:limit]]


def _item_key(item: Item) -> tuple[int, str]:
    return (item.order, item.id)


# --------------------------------------------------------------------------- checking


@dataclass
class _Header:
    """A parsed `+++` header with what is needed to point at lines."""

    data: dict[str, Any]
    lines: list[str]  # the header's own lines
    first_line: int  # file line number of the header's first line
    body: str
    body_line: int


def _key_line(lines: Iterable[str], key: str, first_line: int, table: str | None = None) -> int:
    """File line of `key = ...` (inside `[table]` if given), or of the table header, or
    `first_line` when neither is found."""
    key_re = re.compile(rf"^\s*(\"{re.escape(key)}\"|{re.escape(key)})\s*=")
    in_table = table is None
    table_line = None
    for number, line in enumerate(lines, start=first_line):
        stripped = line.strip()
        if stripped.startswith("["):
            in_table = table is not None and stripped.replace(" ", "") == f"[{table}]"
            if in_table:
                table_line = number
            continue
        if in_table and key_re.match(line):
            return number
    return table_line if table_line is not None else first_line


def _text_line(lines: list[str], text: str, first_line: int, default: int) -> int:
    """File line of the first header line containing the start of `text`."""
    probe = " ".join(text.split())[:30]
    for number, line in enumerate(lines, start=first_line):
        if probe and probe in " ".join(line.split()):
            return number
    return default


def _toml_error_line(error: tomllib.TOMLDecodeError, first_line: int, n_lines: int) -> int:
    match = _TOML_POS.search(str(error))
    if match:
        return first_line + int(match.group(1)) - 1
    return first_line + max(n_lines - 1, 0)


def _toml_error_text(error: tomllib.TOMLDecodeError) -> str:
    return _TOML_POS.sub("", str(error)).replace("(at end of document)", "").strip()


def _normalize_quote(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def _is_int(value: Any) -> TypeGuard[int]:
    # TOML's `true` is a bool, and bool is a subclass of int.
    return isinstance(value, int) and not isinstance(value, bool)


def _type_ok(value: Any, expected: type) -> bool:
    if expected is int:
        return _is_int(value)
    return isinstance(value, expected)


_EXAMPLES = {
    "id": 'id = "nhiem-vu-01"',
    "kind": 'kind = "task_group"',
    "title": 'title = "Hoàn thiện thể chế"',
    "order": "order = 1",
    "source": 'source = "Mục II.2"',
    "status": 'status = "provided"',
    "quotes": 'quotes = ["câu chép từ Kế hoạch"]',
    "summary": 'summary = """Tóm tắt..."""',
    "label": 'label = "Mục tiêu đến năm 2030"',
    "title_pack": 'title = "Chương trình hành động số 17-CTr/TU"',
    "plan_file": 'plan_file = "nguon/ke-hoach-17.txt"',
    "expected": "expected = 12",
}


class _Checker:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.problems: list[Problem] = []
        self.title = ""
        self.kinds: dict[str, Kind] = {}
        self.kind_lines: dict[str, int] = {}
        self.plan_text: str | None = None
        self.pack_lines: list[str] = []
        self.items: list[Item] = []
        # (kind, pending) of every item file whose kind could be read, broken or not, so
        # one broken file does not also show up as a "missing item".
        self.counted: list[tuple[str, bool]] = []
        self.uncounted = False
        self.kinds_known = False  # False while pack.toml is broken: item kinds can't be checked

    def add(self, path: Path, line: int, message: str, fix: str) -> None:
        self.problems.append(Problem(path, line, message, fix))

    # pack.toml -----------------------------------------------------------------------

    def check_pack_file(self) -> None:
        path = self.root / PACK_FILE
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            self.add(path, 1, T_PACK_MISSING.format(error=error), T_PACK_MISSING_FIX)
            return
        self.pack_lines = text.splitlines()
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            line = _toml_error_line(error, 1, len(self.pack_lines))
            self.add(
                path, line, T_TOML_ERROR.format(error=_toml_error_text(error)), T_TOML_ERROR_FIX
            )
            return

        for key in data:
            if key not in ("pack", "kinds"):
                self.add(
                    path,
                    _key_line(self.pack_lines, key, 1),
                    T_UNKNOWN_KEY.format(key=key),
                    T_UNKNOWN_KEY_FIX.format(keys="[pack], [kinds.<tên>]"),
                )
        pack = data.get("pack")
        if not isinstance(pack, dict):
            self.add(
                path,
                1,
                T_PACK_NO_TABLE.format(table="pack"),
                T_PACK_NO_TABLE_FIX.format(table="pack"),
            )
        else:
            self.title = self.table_str(path, pack, "pack", "title", "title_pack") or ""
            plan = self.table_str(path, pack, "pack", "plan_file", "plan_file")
            if plan is not None:
                self.read_plan(path, plan)
            self.unknown_table_keys(path, pack, "pack", ("title", "plan_file"))

        kinds = data.get("kinds")
        if not isinstance(kinds, dict) or not kinds:
            self.add(
                path,
                1,
                T_PACK_NO_TABLE.format(table="kinds.<tên>"),
                T_PACK_NO_TABLE_FIX.format(table="kinds.goal"),
            )
            return
        for name, table in kinds.items():
            self.check_kind(path, name, table)
        self.kinds_known = True

    def table_str(
        self, path: Path, table: dict[str, Any], table_name: str, key: str, example: str
    ) -> str | None:
        if key not in table:
            self.add(
                path,
                _key_line(self.pack_lines, key, 1, table_name),
                T_MISSING_KEY.format(key=key),
                T_MISSING_KEY_FIX.format(key=key, example=_EXAMPLES[example]),
            )
            return None
        value = table[key]
        if not isinstance(value, str) or not value.strip():
            self.add(
                path,
                _key_line(self.pack_lines, key, 1, table_name),
                T_WRONG_TYPE.format(key=key, expected="chuỗi không trống"),
                T_WRONG_TYPE_FIX.format(key=key, example=_EXAMPLES[example]),
            )
            return None
        return value

    def unknown_table_keys(
        self, path: Path, table: dict[str, Any], table_name: str, known: tuple[str, ...]
    ) -> None:
        for key in table:
            if key not in known:
                self.add(
                    path,
                    _key_line(self.pack_lines, key, 1, table_name),
                    T_UNKNOWN_KEY.format(key=key),
                    T_UNKNOWN_KEY_FIX.format(keys=", ".join(known)),
                )

    def read_plan(self, pack_path: Path, plan: str) -> None:
        line = _key_line(self.pack_lines, "plan_file", 1, "pack")
        plan_path = (self.root / plan).resolve()
        if not plan_path.is_relative_to(self.root.resolve()):
            self.add(pack_path, line, T_PLAN_OUTSIDE.format(plan=plan), T_PLAN_OUTSIDE_FIX)
            return
        try:
            self.plan_text = _normalize_quote(plan_path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as error:
            self.add(
                pack_path, line, T_PLAN_MISSING.format(plan=plan, error=error), T_PLAN_MISSING_FIX
            )

    def check_kind(self, path: Path, name: str, table: Any) -> None:
        table_name = f"kinds.{name}"
        line = _key_line(self.pack_lines, "label", 1, table_name)
        self.kind_lines[name] = line
        if not _KIND_RE.fullmatch(name):
            self.add(path, line, T_BAD_KIND_NAME.format(kind=name), T_BAD_KIND_NAME_FIX)
        if not isinstance(table, dict):
            self.add(
                path,
                line,
                T_PACK_NO_TABLE.format(table=table_name),
                T_PACK_NO_TABLE_FIX.format(table=table_name),
            )
            return
        label = self.table_str(path, table, table_name, "label", "label")
        order = table.get("order")
        if "order" not in table:
            self.add(
                path,
                _key_line(self.pack_lines, "order", 1, table_name),
                T_MISSING_KEY.format(key="order"),
                T_MISSING_KEY_FIX.format(key="order", example=_EXAMPLES["order"]),
            )
        elif not _type_ok(order, int):
            self.add(
                path,
                _key_line(self.pack_lines, "order", 1, table_name),
                T_WRONG_TYPE.format(key="order", expected=_TYPE_NAMES[int]),
                T_WRONG_TYPE_FIX.format(key="order", example=_EXAMPLES["order"]),
            )
        expected = table.get("expected")
        if expected is not None and (not _type_ok(expected, int) or expected < 0):
            self.add(
                path,
                _key_line(self.pack_lines, "expected", 1, table_name),
                T_BAD_EXPECTED,
                T_BAD_EXPECTED_FIX,
            )
            expected = None
        self.unknown_table_keys(path, table, table_name, ("label", "order", "expected"))
        self.kinds[name] = Kind(
            name=name,
            label=label or name,
            order=order if _is_int(order) else 0,
            expected=expected,
        )

    # items ---------------------------------------------------------------------------

    def item_files(self) -> list[Path]:
        files = []
        for path in sorted(self.root.rglob("*.md")):
            relative = path.relative_to(self.root)
            if path.name.lower() == "readme.md" or any(
                part.startswith(".") for part in relative.parts
            ):
                continue
            if path.is_file():
                files.append(path)
        return files

    def split_header(self, path: Path, text: str) -> _Header | None:
        lines = text.removeprefix("\ufeff").split("\n")
        if not lines or lines[0].strip() != _HEADER_FENCE:
            self.add(path, 1, T_NO_HEADER, T_NO_HEADER_FIX)
            return None
        for index in range(1, len(lines)):
            if lines[index].strip() == _HEADER_FENCE:
                break
        else:
            self.add(path, 1, T_UNCLOSED_HEADER, T_UNCLOSED_HEADER_FIX)
            return None
        header_lines = lines[1:index]
        try:
            data = tomllib.loads("\n".join(header_lines))
        except tomllib.TOMLDecodeError as error:
            line = _toml_error_line(error, 2, len(header_lines))
            self.add(
                path, line, T_TOML_ERROR.format(error=_toml_error_text(error)), T_TOML_ERROR_FIX
            )
            return None
        return _Header(data, header_lines, 2, "\n".join(lines[index + 1 :]), index + 2)

    def check_item_file(self, path: Path, seen: dict[str, tuple[Path, int]]) -> None:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            self.add(path, 1, T_FILE_UNREADABLE.format(error=error), T_FILE_UNREADABLE_FIX)
            return
        header = self.split_header(path, text.replace("\r\n", "\n"))
        if header is None:
            self.uncounted = True
            return
        data = header.data
        if isinstance(data.get("kind"), str):
            self.counted.append((data["kind"], data.get("status") == "pending"))
        else:
            self.uncounted = True

        def line_of(key: str) -> int:
            return _key_line(header.lines, key, header.first_line)

        before = len(self.problems)
        for key, value in data.items():
            if key not in _ITEM_KEYS:
                self.add(
                    path,
                    line_of(key),
                    T_UNKNOWN_KEY.format(key=key),
                    T_UNKNOWN_KEY_FIX.format(keys=", ".join(_ITEM_KEYS)),
                )
            elif not _type_ok(value, _ITEM_KEYS[key][0]):
                expected_type = _ITEM_KEYS[key][0]
                self.add(
                    path,
                    line_of(key),
                    T_WRONG_TYPE.format(key=key, expected=_TYPE_NAMES[expected_type]),
                    T_WRONG_TYPE_FIX.format(key=key, example=_EXAMPLES[key]),
                )
        for key, (_, required) in _ITEM_KEYS.items():
            if required and key not in data:
                self.add(
                    path,
                    1,
                    T_MISSING_KEY.format(key=key),
                    T_MISSING_KEY_FIX.format(key=key, example=_EXAMPLES[key]),
                )
        if len(self.problems) > before:
            return  # without the right keys and types the remaining checks mean nothing

        item_id: str = data["id"]
        kind: str = data["kind"]
        title: str = data["title"]
        status: str = data["status"]
        summary: str = data.get("summary", "")
        quotes: list[Any] = data.get("quotes", [])
        provided = status == "provided"

        if len(item_id) > ID_MAX or not _ID_RE.fullmatch(item_id):
            self.add(path, line_of("id"), T_BAD_ID.format(id=item_id), T_BAD_ID_FIX)
        elif item_id in seen:
            other_path, other_line = seen[item_id]
            self.add(
                path,
                line_of("id"),
                T_DUPLICATE_ID.format(id=item_id, other=f"{other_path}:{other_line}"),
                T_DUPLICATE_ID_FIX,
            )
        else:
            seen[item_id] = (path, line_of("id"))
        if self.kinds_known and kind not in self.kinds:
            self.add(
                path,
                line_of("kind"),
                T_UNKNOWN_KIND.format(kind=kind),
                T_UNKNOWN_KIND_FIX.format(kind=kind, kinds=", ".join(self.kinds) or "(chưa có)"),
            )
        if status not in STATUSES:
            self.add(path, line_of("status"), T_BAD_STATUS.format(status=status), T_BAD_STATUS_FIX)
        if not title.strip():
            self.add(path, line_of("title"), T_EMPTY_TITLE, T_EMPTY_TITLE_FIX)

        quotes_ok = self.check_quotes(path, header, quotes, provided)

        summary_html = self.rendered(path, line_of("summary") if "summary" in data else 1, summary)
        body_line = min(header.body_line, header.first_line + len(header.lines) + 1)
        body_html = self.body(path, body_line, header.body)
        if summary_html is not None:
            summary_text = parse_entities(summary_html).strip()
            length = text_length(summary_text)
            summary_line = line_of("summary") if "summary" in data else 1
            if provided and not summary_text:
                self.add(path, summary_line, T_EMPTY_SUMMARY, T_EMPTY_SUMMARY_FIX)
            elif length > SUMMARY_LIMIT:
                self.add(
                    path,
                    summary_line,
                    T_SUMMARY_TOO_LONG.format(length=length, limit=SUMMARY_LIMIT),
                    T_SUMMARY_TOO_LONG_FIX,
                )
        if provided and body_html == "":
            self.add(path, body_line, T_EMPTY_BODY, T_EMPTY_BODY_FIX)

        if len(self.problems) > before or summary_html is None or body_html is None:
            return
        self.items.append(
            self.make_item(data, path, summary_html, body_html, quotes_ok, header.body)
        )

    def make_item(
        self,
        data: dict[str, Any],
        path: Path,
        summary_html: str,
        body_html: str,
        quotes: tuple[str, ...],
        body: str = "",
    ) -> Item:
        summary = data.get("summary", "")
        title = data["title"].strip()
        return Item(
            id=data["id"],
            kind=data["kind"],
            title=title,
            order=data["order"],
            source=data["source"],
            quotes=quotes,
            status=data["status"],
            summary_md=summary,
            body_md=body,
            path=path,
            summary_html=summary_html,
            body_html=body_html,
            folded=fold(f"{title}\n{markdown_to_plain(summary)}\n{markdown_to_plain(body)}"),
            folded_title=fold(title),
        )

    def check_quotes(
        self, path: Path, header: _Header, quotes: list[Any], provided: bool
    ) -> tuple[str, ...]:
        quotes_line = _key_line(header.lines, "quotes", header.first_line)
        if provided and not quotes:
            self.add(path, quotes_line, T_NO_QUOTES, T_NO_QUOTES_FIX)
        good: list[str] = []
        for quote in quotes:
            if not isinstance(quote, str) or not quote.strip():
                self.add(path, quotes_line, T_BAD_QUOTE, T_BAD_QUOTE_FIX)
                continue
            good.append(quote)
            if self.plan_text is not None and _normalize_quote(quote) not in self.plan_text:
                shown = " ".join(quote.split())
                if len(shown) > 80:
                    shown = shown[:77] + "..."
                self.add(
                    path,
                    _text_line(header.lines, quote, header.first_line, quotes_line),
                    T_QUOTE_NOT_FOUND.format(quote=shown),
                    T_QUOTE_NOT_FOUND_FIX,
                )
        return tuple(good)

    def rendered(self, path: Path, line: int, md: str) -> str | None:
        try:
            html = markdown_to_html(md)
            parse_entities(html)
        except (HtmlError, ValueError) as error:
            self.add(path, line, T_BAD_HTML.format(error=error), T_BAD_HTML_FIX)
            return None
        return html

    def body(self, path: Path, line: int, md: str) -> str | None:
        """The body as HTML ("" when there is none), checked to split into messages at
        Telegram's limit; each channel splits it at its own limit when it is shown
        (tests/test_numbered.py). None after a problem was added."""
        try:
            html = markdown_to_html(md) if md.strip() else ""
            for page in split_message(html, PAGE_LIMIT) if html else []:
                text = parse_entities(page)
                if not text.strip() or text_length(text) > PAGE_LIMIT:
                    raise ValueError("trang rỗng hoặc quá dài")
        except (HtmlError, ValueError) as error:
            self.add(path, line, T_BAD_HTML.format(error=error), T_BAD_HTML_FIX)
            return None
        return html if html and parse_entities(html).strip() else ""

    # whole pack ----------------------------------------------------------------------

    def check_counts(self) -> None:
        if self.uncounted:
            return  # a file of unknown kind: its own problem comes first
        pack_path = self.root / PACK_FILE
        for name, kind in self.kinds.items():
            if kind.expected is None:
                continue
            items = [pending for item_kind, pending in self.counted if item_kind == name]
            if len(items) != kind.expected:
                pending = sum(items)
                self.add(
                    pack_path,
                    _key_line(self.pack_lines, "expected", 1, f"kinds.{name}"),
                    T_COUNT_MISMATCH.format(
                        label=kind.label,
                        count=len(items),
                        provided=len(items) - pending,
                        pending=pending,
                        expected=kind.expected,
                    ),
                    T_COUNT_MISMATCH_FIX,
                )

    def run(self) -> ContentPack | None:
        if not self.root.is_dir():
            self.add(self.root, 0, T_FOLDER_MISSING, T_FOLDER_MISSING_FIX)
            return None
        self.check_pack_file()
        seen: dict[str, tuple[Path, int]] = {}
        try:
            files = self.item_files()
        except OSError as error:
            self.add(self.root, 0, T_FILE_UNREADABLE.format(error=error), T_FILE_UNREADABLE_FIX)
            return None
        for path in files:
            self.check_item_file(path, seen)
        if self.kinds_known:
            self.check_counts()
        if self.problems:
            return None
        kinds = tuple(sorted(self.kinds.values(), key=lambda k: (k.order, k.name)))
        kind_order = {kind.name: kind.order for kind in kinds}
        items = tuple(sorted(self.items, key=lambda i: (kind_order[i.kind], i.order, i.id)))
        return ContentPack(root=self.root, title=self.title, kinds=kinds, items=items)


def check_pack(root: Path) -> list[Problem]:
    """Every problem in the pack at `root`, in file order; [] when it is valid."""
    checker = _Checker(Path(root))
    checker.run()
    return checker.problems


def load_pack(root: Path) -> ContentPack:
    """Load and render the pack; raise ContentError listing every problem if it is invalid
    or the folder is missing."""
    checker = _Checker(Path(root))
    pack = checker.run()
    if pack is None:
        raise ContentError(checker.problems)
    return pack


def check_content_main(
    root: Path, out: TextIO, more: Callable[[ContentPack], list[str]] | None = None
) -> int:
    """The `check-content` command: print each problem on its own line, or a one-line
    success message; return the process exit code. `more` checks what refers to a valid
    pack (the calendar) and returns its problems, printed the same way."""
    checker = _Checker(Path(root))
    pack = checker.run()
    problems = checker.problems if pack is None else (more(pack) if more else [])
    for problem in problems:
        print(problem, file=out)
    if pack is None or problems:
        return 1
    print(T_OK.format(count=len(pack.items)), file=out)
    return 0
