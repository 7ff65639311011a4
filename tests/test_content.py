"""Tests for bot.content: loading, checking (file + line + fix), look-up and folded search.

Every pack here is built in tmp_path; the real pack in content/ is checked separately."""

from __future__ import annotations

import io
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.content import (
    SUMMARY_LIMIT,
    ContentError,
    ContentPack,
    Problem,
    check_content_main,
    check_pack,
    fold,
    load_pack,
)
from bot.telegram_html import parse_entities, text_length

PLAN = """KẾ HOẠCH Tuyên truyền Chương trình hành động số 17-CTr/TU
I. MỤC ĐÍCH
Đẩy mạnh chuyển đổi số,   chuyển đổi xanh
và đổi mới sáng tạo.
II. NỘI DUNG
1. Mục tiêu: xây dựng phường văn minh, hiện đại.
2. Ba đột phá chiến lược: hạ tầng, nhân lực, thể chế.
"""

PACK_TOML = """[pack]
title = "Chương trình hành động số 17-CTr/TU"
plan_file = "nguon/ke-hoach.txt"

[kinds.goal]
label = "Mục tiêu"
order = 1
expected = 1

[kinds.breakthrough]
label = "Đột phá chiến lược"
order = 2
expected = 2
"""


def item_text(
    item_id: str,
    kind: str,
    title: str,
    order: int = 1,
    quotes: tuple[str, ...] = ("chuyển đổi xanh",),
    status: str = "provided",
    summary: str = "Tóm tắt **ngắn**.",
    body: str = "# Nội dung\n\nChi tiết.",
) -> str:
    quote_list = ", ".join(f'"{q}"' for q in quotes)
    return (
        "+++\n"
        f'id = "{item_id}"\n'
        f'kind = "{kind}"\n'
        f'title = "{title}"\n'
        f"order = {order}\n"
        'source = "Mục II"\n'
        f"quotes = [{quote_list}]\n"
        f'status = "{status}"\n'
        f'summary = """{summary}"""\n'
        "+++\n"
        f"{body}\n"
    )


def write_pack(root: Path) -> Path:
    """A valid pack: one goal, two breakthroughs (one pending)."""
    (root / "nguon").mkdir(parents=True)
    (root / "nguon" / "ke-hoach.txt").write_text(PLAN, encoding="utf-8")
    (root / "pack.toml").write_text(PACK_TOML, encoding="utf-8")
    (root / "README.md").write_text("Không phải một mục.", encoding="utf-8")
    (root / "muc-tieu").mkdir()
    (root / "muc-tieu" / "muc-tieu.md").write_text(
        item_text(
            "muc-tieu",
            "goal",
            "Xây dựng phường văn minh",
            quotes=("xây dựng phường văn minh, hiện đại",),
            summary="Phường **văn minh**, hiện đại.",
            body="## Mục tiêu\n\nĐẩy mạnh chuyển đổi số và đột phá.",
        ),
        encoding="utf-8",
    )
    (root / "dot-pha").mkdir()
    (root / "dot-pha" / "dot-pha-1.md").write_text(
        item_text(
            "dot-pha-1",
            "breakthrough",
            "Đột phá về hạ tầng",
            order=1,
            quotes=("Ba đột phá chiến lược",),
            summary="Hạ tầng đồng bộ, chuyển đổi số.",
            body="Chi tiết về chuyển đổi số trong hạ tầng.",
        ),
        encoding="utf-8",
    )
    (root / "dot-pha" / "dot-pha-2.md").write_text(
        item_text(
            "dot-pha-2",
            "breakthrough",
            "Đột phá thứ hai",
            order=2,
            quotes=(),
            status="pending",
            summary="",
            body="",
        ),
        encoding="utf-8",
    )
    return root


@pytest.fixture
def pack_root(tmp_path: Path) -> Path:
    return write_pack(tmp_path / "content")


def line_of(path: Path, fragment: str) -> int:
    """1-based number of the first line of `path` containing `fragment`."""
    lines = path.read_text(encoding="utf-8").split("\n")
    return next(n for n, line in enumerate(lines, start=1) if fragment in line)


def replace_in(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def only_problem(root: Path) -> Problem:
    problems = check_pack(root)
    assert len(problems) == 1, "\n".join(map(str, problems))
    return problems[0]


# ---------------------------------------------------------------- a valid pack


def test_valid_pack_loads(pack_root: Path) -> None:
    assert check_pack(pack_root) == []
    pack = load_pack(pack_root)
    assert pack.title == "Chương trình hành động số 17-CTr/TU"
    assert [k.name for k in pack.kinds] == ["goal", "breakthrough"]
    assert pack.kind("breakthrough").expected == 2  # type: ignore[union-attr]
    assert pack.kind("nope") is None
    assert {item.id for item in pack.items} == {"muc-tieu", "dot-pha-1", "dot-pha-2"}
    assert [i.id for i in pack.of_kind("breakthrough")] == ["dot-pha-1", "dot-pha-2"]
    assert pack.get("khong-co") is None


def test_items_are_prerendered_for_telegram(pack_root: Path) -> None:
    item = load_pack(pack_root).get("muc-tieu")
    assert item is not None
    assert item.summary_html == "Phường <b>văn minh</b>, hiện đại."
    assert item.body_html and parse_entities(item.body_html).strip()
    assert item.body_html.startswith("<b>Mục tiêu</b>")
    assert item.quotes == ("xây dựng phường văn minh, hiện đại",)
    assert item.source == "Mục II"
    assert not item.pending
    assert item.path == pack_root / "muc-tieu" / "muc-tieu.md"


def test_pending_item_needs_no_text(pack_root: Path) -> None:
    item = load_pack(pack_root).get("dot-pha-2")
    assert item is not None and item.pending
    assert item.body_html == ""


def test_order_in_pack_toml_decides_kind_order(pack_root: Path) -> None:
    replace_in(pack_root / "pack.toml", "order = 2", "order = 0")
    assert [k.name for k in load_pack(pack_root).kinds] == ["breakthrough", "goal"]


def test_of_kind_sorts_by_order_not_file_name(pack_root: Path) -> None:
    replace_in(pack_root / "dot-pha" / "dot-pha-1.md", "order = 1", "order = 5")
    assert [i.id for i in load_pack(pack_root).of_kind("breakthrough")] == [
        "dot-pha-2",
        "dot-pha-1",
    ]


def test_quotes_match_across_whitespace_and_unicode_forms(pack_root: Path) -> None:
    path = pack_root / "muc-tieu" / "muc-tieu.md"
    nfd = unicodedata.normalize("NFD", "Đẩy mạnh chuyển đổi số, chuyển đổi xanh và đổi mới")
    replace_in(path, '"xây dựng phường văn minh, hiện đại"', f'"{nfd}"')
    assert check_pack(pack_root) == []


# ---------------------------------------------------------------- broken packs


def test_missing_folder(tmp_path: Path) -> None:
    problem = only_problem(tmp_path / "khong-co")
    assert problem.path == tmp_path / "khong-co"
    with pytest.raises(ContentError) as caught:
        load_pack(tmp_path / "khong-co")
    assert caught.value.problems == [problem]


def test_missing_pack_toml(pack_root: Path) -> None:
    (pack_root / "pack.toml").unlink()
    problems = check_pack(pack_root)
    assert problems[0].path == pack_root / "pack.toml"
    assert "pack.toml" in problems[0].message


def test_bad_toml_in_pack_toml_points_at_the_line(pack_root: Path) -> None:
    replace_in(pack_root / "pack.toml", 'label = "Mục tiêu"', "label = Mục tiêu")
    problem = only_problem(pack_root)
    assert problem.path == pack_root / "pack.toml"
    assert problem.line == line_of(pack_root / "pack.toml", "label = Mục tiêu")
    assert "TOML" in problem.message


def test_missing_plan_file(pack_root: Path) -> None:
    (pack_root / "nguon" / "ke-hoach.txt").unlink()
    problem = only_problem(pack_root)
    assert problem.path == pack_root / "pack.toml"
    assert problem.line == line_of(pack_root / "pack.toml", "plan_file")
    assert "nguon/ke-hoach.txt" in problem.message


def test_plan_file_outside_the_pack(pack_root: Path, tmp_path: Path) -> None:
    (tmp_path / "ngoai.txt").write_text(PLAN, encoding="utf-8")
    replace_in(pack_root / "pack.toml", "nguon/ke-hoach.txt", "../ngoai.txt")
    problem = only_problem(pack_root)
    assert problem.line == line_of(pack_root / "pack.toml", "plan_file")


def test_kind_without_label(pack_root: Path) -> None:
    replace_in(pack_root / "pack.toml", 'label = "Đột phá chiến lược"\n', "")
    problem = only_problem(pack_root)
    assert problem.path == pack_root / "pack.toml"
    assert '"label"' in problem.message
    assert problem.line == line_of(pack_root / "pack.toml", "[kinds.breakthrough]")


def test_item_without_header(pack_root: Path) -> None:
    path = pack_root / "muc-tieu" / "ghi-chu.md"
    path.write_text("Chỉ là ghi chú.\n", encoding="utf-8")
    problem = only_problem(pack_root)
    assert (problem.path, problem.line) == (path, 1)
    assert "+++" in problem.message


def test_item_with_unclosed_header(pack_root: Path) -> None:
    path = pack_root / "muc-tieu" / "muc-tieu.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("+++\n", "", 2).replace('id = "', '+++\nid = "', 1))
    problem = only_problem(pack_root)
    assert problem.path == path
    assert "+++" in problem.message


def test_bad_toml_in_header_is_offset_to_the_file_line(pack_root: Path) -> None:
    path = pack_root / "dot-pha" / "dot-pha-1.md"
    replace_in(path, "order = 1", "order = ")
    problem = only_problem(pack_root)
    assert problem.path == path
    assert problem.line == line_of(path, "order = ")
    assert problem.line == 5  # "+++", id, kind, title, order


def test_missing_required_key(pack_root: Path) -> None:
    path = pack_root / "dot-pha" / "dot-pha-1.md"
    replace_in(path, 'source = "Mục II"\n', "")
    problem = only_problem(pack_root)
    assert problem.path == path
    assert '"source"' in problem.message
    assert "source =" in problem.fix


def test_wrong_type_points_at_the_key(pack_root: Path) -> None:
    path = pack_root / "dot-pha" / "dot-pha-1.md"
    replace_in(path, "order = 1", 'order = "một"')
    problem = only_problem(pack_root)
    assert (problem.path, problem.line) == (path, line_of(path, "order ="))
    assert '"order"' in problem.message


def test_unknown_key_is_reported(pack_root: Path) -> None:
    path = pack_root / "dot-pha" / "dot-pha-1.md"
    replace_in(path, "order = 1\n", "order = 1\nsumary = 'x'\n")
    problem = only_problem(pack_root)
    assert (problem.path, problem.line) == (path, line_of(path, "sumary"))


def test_unknown_kind(pack_root: Path) -> None:
    path = pack_root / "dot-pha" / "dot-pha-1.md"
    replace_in(path, 'kind = "breakthrough"', 'kind = "dot_pha"')
    problems = check_pack(pack_root)
    kind_problem = next(p for p in problems if "dot_pha" in p.message)
    assert (kind_problem.path, kind_problem.line) == (path, line_of(path, "kind ="))
    assert "breakthrough" in kind_problem.fix


def test_duplicate_id_names_both_files(pack_root: Path) -> None:
    first = pack_root / "dot-pha" / "dot-pha-1.md"
    second = pack_root / "dot-pha" / "dot-pha-2.md"
    replace_in(second, 'id = "dot-pha-2"', 'id = "dot-pha-1"')
    problem = only_problem(pack_root)
    other = first if problem.path == second else second
    assert problem.path in (first, second)
    assert f"{other}:{line_of(other, 'id =')}" in problem.message
    assert problem.line == line_of(problem.path, "id =")


@pytest.mark.parametrize("bad_id", ["Nhiem-vu", "nhiệm-vụ", "nhiem vu", "a_b", "x" * 41, ""])
def test_id_with_bad_characters(pack_root: Path, bad_id: str) -> None:
    path = pack_root / "dot-pha" / "dot-pha-1.md"
    replace_in(path, 'id = "dot-pha-1"', f'id = "{bad_id}"')
    problem = only_problem(pack_root)
    assert (problem.path, problem.line) == (path, 2)


def test_summary_too_long(pack_root: Path) -> None:
    path = pack_root / "dot-pha" / "dot-pha-1.md"
    long_summary = "**Đậm** " + "chữ " * (SUMMARY_LIMIT // 4 + 10)
    replace_in(path, "Hạ tầng đồng bộ, chuyển đổi số.", long_summary)
    problem = only_problem(pack_root)
    assert (problem.path, problem.line) == (path, line_of(path, "summary ="))
    assert str(SUMMARY_LIMIT) in problem.message


def test_summary_at_the_limit_is_fine(pack_root: Path) -> None:
    path = pack_root / "dot-pha" / "dot-pha-1.md"
    exact = "**" + "a" * (SUMMARY_LIMIT - 2) + "** ở"  # markup does not count
    replace_in(path, "Hạ tầng đồng bộ, chuyển đổi số.", exact)
    pack = load_pack(pack_root)
    item = pack.get("dot-pha-1")
    assert item is not None
    assert text_length(parse_entities(item.summary_html)) == SUMMARY_LIMIT


def test_empty_summary_and_body_of_a_provided_item(pack_root: Path) -> None:
    path = pack_root / "dot-pha" / "dot-pha-1.md"
    replace_in(path, "Hạ tầng đồng bộ, chuyển đổi số.", "  ")
    replace_in(path, "Chi tiết về chuyển đổi số trong hạ tầng.", "")
    problems = check_pack(pack_root)
    assert all(p.path == path for p in problems)
    lines = path.read_text(encoding="utf-8").split("\n")
    closing_line = [n for n, line in enumerate(lines, start=1) if line == "+++"][1]
    assert sorted(p.line for p in problems) == [line_of(path, "summary ="), closing_line + 1]


def test_provided_item_without_quotes(pack_root: Path) -> None:
    path = pack_root / "dot-pha" / "dot-pha-1.md"
    replace_in(path, 'quotes = ["Ba đột phá chiến lược"]', "quotes = []")
    problem = only_problem(pack_root)
    assert (problem.path, problem.line) == (path, line_of(path, "quotes ="))


def test_quote_not_in_plan_points_at_the_quote_line(pack_root: Path) -> None:
    path = pack_root / "dot-pha" / "dot-pha-1.md"
    replace_in(
        path,
        'quotes = ["Ba đột phá chiến lược"]',
        'quotes = [\n  "Ba đột phá chiến lược",\n  "Năm đột phá chiến lược",\n]',
    )
    problem = only_problem(pack_root)
    assert (problem.path, problem.line) == (path, line_of(path, '"Năm đột phá'))
    assert "Năm đột phá chiến lược" in problem.message


def test_quote_comparison_is_case_sensitive(pack_root: Path) -> None:
    path = pack_root / "dot-pha" / "dot-pha-1.md"
    replace_in(path, '"Ba đột phá chiến lược"', '"ba đột phá chiến lược"')
    assert "ba đột phá" in only_problem(pack_root).message


def test_expected_count_mismatch_is_one_problem_on_pack_toml(pack_root: Path) -> None:
    (pack_root / "dot-pha" / "dot-pha-2.md").unlink()
    problem = only_problem(pack_root)
    toml = pack_root / "pack.toml"
    assert problem.path == toml
    kinds_line = line_of(toml, "[kinds.breakthrough]")
    lines = toml.read_text(encoding="utf-8").split("\n")
    expected_line = next(
        n for n in range(kinds_line, len(lines) + 1) if lines[n - 1].startswith("expected")
    )
    assert problem.line == expected_line
    assert "có 1 mục" in problem.message
    assert "nêu 2" in problem.message


def test_too_many_items_of_a_kind(pack_root: Path) -> None:
    extra = item_text("muc-tieu-2", "goal", "Mục tiêu khác", quotes=("chuyển đổi xanh",))
    (pack_root / "muc-tieu" / "muc-tieu-2.md").write_text(extra, encoding="utf-8")
    problem = only_problem(pack_root)
    assert "có 2 mục" in problem.message and "nêu 1" in problem.message


def test_several_problems_are_all_reported(pack_root: Path) -> None:
    replace_in(pack_root / "dot-pha" / "dot-pha-1.md", "order = 1", 'order = "1"')
    replace_in(pack_root / "muc-tieu" / "muc-tieu.md", 'kind = "goal"', 'kind = "muc_tieu"')
    paths = {p.path.name for p in check_pack(pack_root)}
    assert {"dot-pha-1.md", "muc-tieu.md"} <= paths


def test_problem_text_format() -> None:
    problem = Problem(Path("content/x.md"), 3, "Thiếu khóa", "Thêm khóa")
    assert str(problem) == "content/x.md:3: Thiếu khóa — Cách sửa: Thêm khóa"


def test_load_pack_raises_with_all_problems(pack_root: Path) -> None:
    replace_in(pack_root / "dot-pha" / "dot-pha-1.md", 'kind = "breakthrough"', 'kind = "x"')
    with pytest.raises(ContentError) as caught:
        load_pack(pack_root)
    assert caught.value.problems == check_pack(pack_root)
    assert "Cách sửa" in str(caught.value)


# ---------------------------------------------------------------- check_content_main


def test_check_content_main_success(pack_root: Path) -> None:
    out = io.StringIO()
    assert check_content_main(pack_root, out) == 0
    assert out.getvalue() == "Nội dung hợp lệ: 3 mục.\n"


def test_check_content_main_failure_prints_one_line_per_problem(pack_root: Path) -> None:
    replace_in(pack_root / "dot-pha" / "dot-pha-1.md", "order = 1", "order = ")
    (pack_root / "muc-tieu" / "muc-tieu.md").write_text("không có phần đầu\n", encoding="utf-8")
    out = io.StringIO()
    assert check_content_main(pack_root, out) == 1
    lines = out.getvalue().splitlines()
    assert len(lines) == len(check_pack(pack_root)) >= 2
    assert all(" — Cách sửa: " in line for line in lines)
    assert any("dot-pha-1.md:5:" in line for line in lines)


def test_check_content_main_missing_folder(tmp_path: Path) -> None:
    out = io.StringIO()
    assert check_content_main(tmp_path / "khong-co", out) == 1
    assert "khong-co" in out.getvalue()


# ---------------------------------------------------------------- search


def test_search_without_diacritics_finds_vietnamese_text(pack_root: Path) -> None:
    pack = load_pack(pack_root)
    found = {item.id for item in pack.search("chuyen doi so")}
    assert found == {"muc-tieu", "dot-pha-1"}


@pytest.mark.parametrize("query", ["Đột phá", "dot pha", "ĐỘT PHÁ", "đột  phá", "dot"])
def test_search_folds_case_and_diacritics(pack_root: Path, query: str) -> None:
    pack = load_pack(pack_root)
    # The title hit comes before the body-only hit; the pending item never matches.
    assert [item.id for item in pack.search(query)] == ["dot-pha-1", "muc-tieu"]


def test_search_needs_every_word(pack_root: Path) -> None:
    pack = load_pack(pack_root)
    assert [i.id for i in pack.search("chuyen doi so ha tang")] == ["dot-pha-1"]
    assert pack.search("chuyen doi so khong-co-tu-nay") == []


def test_search_matches_word_starts_only(pack_root: Path) -> None:
    pack = load_pack(pack_root)
    assert pack.search("uyen") == []  # inside "chuyển", not the start of a word
    assert {i.id for i in pack.search("chuy")} == {"muc-tieu", "dot-pha-1"}


def test_search_skips_pending_and_respects_limit(pack_root: Path) -> None:
    pack = load_pack(pack_root)
    assert pack.search("thu hai") == []  # only the pending item's title has these words
    assert len(pack.search("chuyen", limit=1)) == 1
    assert pack.search("") == []
    assert pack.search("   ") == []


@given(
    query=st.lists(
        st.sampled_from(["chuyen", "đổi", "SỐ", "ha", "tang", "kinh", "te", "x", "  "]),
        max_size=4,
    ).map(" ".join),
    limit=st.integers(min_value=0, max_value=10),
)
def test_remembered_searches_answer_as_a_fresh_scan(
    pack: ContentPack, query: str, limit: int
) -> None:
    """The search cache changes nothing: the same items as a scan of every item, every
    time, and a caller changing the list it got does not change the next answer."""
    words = fold(query).split()
    scan = [i.id for i in pack._search(words, limit)] if words and limit > 0 else []
    first = pack.search(query, limit)
    assert [i.id for i in first] == scan
    first.clear()
    assert [i.id for i in pack.search(query, limit)] == scan


# ---------------------------------------------------------------- fold

VIETNAMESE_LETTERS = (
    "aàáảãạăằắẳẵặâầấẩẫậbcdđeèéẻẽẹêềếểễệghiìíỉĩịklmnoòóỏõọôồốổỗộơờớởỡợpqrstuùúủũụưừứửữựvxyỳýỷỹỵ"
)


def test_fold_examples() -> None:
    assert fold("  Chuyển   ĐỔI\tsố ") == "chuyen doi so"
    assert fold("Đột phá") == "dot pha"
    assert fold("Hải Phòng") == fold("hai phong")


@given(st.text())
def test_fold_is_idempotent(text: str) -> None:
    assert fold(fold(text)) == fold(text)


@given(
    st.text(alphabet=VIETNAMESE_LETTERS + VIETNAMESE_LETTERS.upper() + " "),
    st.sampled_from(["NFC", "NFD"]),
)
def test_fold_makes_vietnamese_ascii(text: str, form: str) -> None:
    folded = fold(unicodedata.normalize(form, text))
    assert folded.isascii()
    assert len(folded.replace(" ", "")) == len(text.replace(" ", ""))
    assert folded == folded.lower()


def test_cli_check_content_on_the_shipped_pack_and_a_broken_copy(tmp_path: Path) -> None:
    """`python -m bot check-content`: 0 on the shipped pack, 1 with file:line on a broken copy."""
    import shutil
    import subprocess
    import sys

    from bot.config import DEFAULT_CONTENT

    ok = subprocess.run(
        [sys.executable, "-m", "bot", "check-content"], capture_output=True, text=True, timeout=60
    )
    assert ok.returncode == 0, ok.stdout + ok.stderr
    broken = tmp_path / "content"
    shutil.copytree(DEFAULT_CONTENT, broken)
    target = next(broken.glob("dot-pha/*.md"))
    target.write_text(target.read_text(encoding="utf-8").replace("+++", "", 1), encoding="utf-8")
    bad = subprocess.run(
        [sys.executable, "-m", "bot", "check-content", "--path", str(broken)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode == 1
    assert f"{target.relative_to(tmp_path)}" in bad.stdout or str(target) in bad.stdout
    assert "Cách sửa" in bad.stdout
