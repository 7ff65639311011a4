"""Tests for bot.render: Markdown → Telegram HTML, plain text, and message splitting."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.render import (
    escape,
    markdown_to_html,
    markdown_to_plain,
    render,
    split_message,
    typed_markdown_to_html,
)
from bot.telegram_html import HtmlError, parse_entities, text_length

FORBIDDEN = re.compile(r"<\s*/?\s*(p|h[1-6]|ul|ol|li|br|hr|img|div|table|script)\b", re.I)


def visible(html: str) -> str:
    return parse_entities(html)


def no_space(text: str) -> str:
    return re.sub(r"\s+", "", text)


# ---------------------------------------------------------------- conversions


def test_heading_becomes_a_bold_line_before_the_paragraph() -> None:
    out = markdown_to_html("# Mục tiêu\n\nĐến năm 2030.")
    assert out == "<b>Mục tiêu</b>\nĐến năm 2030."


@pytest.mark.parametrize("level", range(1, 7))
def test_every_heading_level_is_bold(level: int) -> None:
    assert markdown_to_html("#" * level + " Tiêu đề") == "<b>Tiêu đề</b>"


def test_setext_heading_is_bold() -> None:
    assert markdown_to_html("Tiêu đề\n=======") == "<b>Tiêu đề</b>"


def test_bullet_list_becomes_bullet_lines() -> None:
    assert markdown_to_html("- một\n- hai\n- ba") == "• một\n• hai\n• ba"


def test_ordered_list_keeps_numbers_and_start() -> None:
    assert markdown_to_html("1. một\n2. hai") == "1. một\n2. hai"
    assert markdown_to_html("3. ba\n4. bốn") == "3. ba\n4. bốn"


def test_nested_list_is_indented_under_its_item() -> None:
    lines = markdown_to_html("- cha\n    - con\n- bác").split("\n")
    assert lines[0] == "• cha"
    assert lines[1].startswith(" ") and lines[1].strip() == "• con"
    assert lines[2] == "• bác"


def test_list_right_under_a_paragraph_line_is_still_a_list() -> None:
    # Python-Markdown alone would glue these lines into one paragraph.
    out = markdown_to_html("Kế hoạch nêu:\n- một\n- hai")
    assert "• một\n• hai" in out
    assert visible(out).startswith("Kế hoạch nêu:")


def test_number_at_line_start_inside_a_paragraph_stays_text() -> None:
    assert markdown_to_html("Năm\n2025. là năm bản lề") == "Năm 2025. là năm bản lề"


def test_paragraphs_are_separated_by_a_blank_line() -> None:
    assert markdown_to_html("Một.\n\nHai.\n\n\n\nBa.") == "Một.\n\nHai.\n\nBa."


def test_soft_line_breaks_join_and_hard_breaks_stay() -> None:
    assert markdown_to_html("dòng một\ndòng hai") == "dòng một dòng hai"
    assert markdown_to_html("dòng một  \ndòng hai") == "dòng một\ndòng hai"


def test_inline_formatting_is_kept() -> None:
    out = markdown_to_html("**đậm** *nghiêng* `mã` [trang](https://haian.vn/a?b=1&c=2)")
    assert out == (
        '<b>đậm</b> <i>nghiêng</i> <code>mã</code> <a href="https://haian.vn/a?b=1&amp;c=2">trang</a>'
    )


def test_code_block_and_quote_are_kept() -> None:
    out = markdown_to_html("> trích dẫn\n\n```\nx < 1 & y\n```")
    assert out == "<blockquote>trích dẫn</blockquote>\n\n<pre>x &lt; 1 &amp; y</pre>"
    assert markdown_to_html("```python\nx = 1\n```") == (
        '<pre><code class="language-python">x = 1</code></pre>'
    )


def test_nested_quotes_merge_into_one() -> None:
    out = markdown_to_html("> ngoài\n>\n> > trong")
    assert out.count("<blockquote>") == 1
    assert visible(out) == "ngoài\n\ntrong"


def test_raw_html_is_shown_as_text() -> None:
    source = '<div class="x">khối</div>\n\nChữ <script>alert(1)</script> và <b>thẻ</b>'
    out = markdown_to_html(source)
    assert "<script>" in visible(out)
    assert "<div" in visible(out)
    assert "<b>thẻ</b>" in visible(out)
    assert not FORBIDDEN.search(out)


def test_images_rules_and_unsafe_links_become_text() -> None:
    out = markdown_to_html("![ảnh trụ sở](a.png)\n\n---\n\n[bấm](javascript:alert(1))")
    assert "<a" not in out
    text = visible(out)
    assert "ảnh trụ sở" in text
    assert "bấm" in text


def test_special_characters_are_escaped() -> None:
    out = markdown_to_html("a < b & c > d, 5 &lt; 6, &nbsp;x, &bogus;")
    assert visible(out) == "a < b & c > d, 5 < 6, \xa0x, &bogus;"


def test_no_visible_text_gives_nothing() -> None:
    assert markdown_to_html("") == ""
    assert markdown_to_html("   \n\n  ") == ""
    assert render("") == []


def test_plain_text_has_heading_lines_bullets_and_link_targets() -> None:
    source = "# Tiêu đề\n\n- **một**\n- [hai](https://x.vn)\n\n1. a\n2. b\n\n> trích"
    assert markdown_to_plain(source) == (
        "Tiêu đề\n• một\n• hai (https://x.vn)\n\n1. a\n2. b\n\ntrích"
    )


def test_plain_text_is_not_escaped() -> None:
    assert markdown_to_plain("a < b & c") == "a < b & c"


@given(st.text())
def test_escape_round_trips_any_text(text: str) -> None:
    assert parse_entities(escape(text)) == text


# ---------------------------------------------------------------- Markdown-ish documents

_WORDS = st.sampled_from(
    [
        "chuyển",
        "đổi",
        "số",
        "Hải",
        "An",
        "**đậm**",
        "*nghiêng*",
        "_gạch_",
        "`mã`",
        "[link](https://haian.vn)",
        "[x](javascript:alert)",
        "<b>",
        "</b>",
        "<p>",
        "<div>",
        "<br>",
        "<!-- c -->",
        "&",
        "&amp;",
        "&nbsp;",
        "&#128512;",
        "<",
        ">",
        "a<b",
        "😀",
        "***",
        "__",
        "\\",
        "![ảnh](a.png)",
        "<http://x.vn>",
        "<a@b.vn>",
    ]
)
_LINE_PREFIX = st.sampled_from(
    ["", "", "", "# ", "## ", "###### ", "- ", "* ", "1. ", "2. ", "> ", "> - ", "    ", "    - "]
)


@st.composite
def markdownish(draw: st.DrawFn) -> str:
    lines: list[str] = []
    for _ in range(draw(st.integers(0, 12))):
        kind = draw(st.integers(0, 9))
        if kind == 0:
            lines.append("")
        elif kind == 1:
            lines.append(draw(st.sampled_from(["```", "```python", "~~~", "---", "===", "<div>"])))
        else:
            words = draw(st.lists(st.one_of(_WORDS, st.text(max_size=6)), max_size=10))
            lines.append(draw(_LINE_PREFIX) + " ".join(words))
    return "\n".join(lines)


_ANY_MARKDOWN = st.one_of(st.text(), markdownish())


def _check_chunks(chunks: list[str], limit: int) -> None:
    for chunk in chunks:
        text = parse_entities(chunk)  # raises if Telegram would refuse it
        assert text.strip(), f"empty chunk {chunk!r}"
        assert text_length(text) <= limit


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(_ANY_MARKDOWN)
def test_render_always_gives_valid_messages(md: str) -> None:
    html = markdown_to_html(md)
    parse_entities(html)
    assert not FORBIDDEN.search(html)
    chunks = render(md)
    _check_chunks(chunks, 4096)
    assert bool(chunks) == bool(visible(html).strip())


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(_ANY_MARKDOWN)
def test_plain_text_matches_the_html_text_without_links(md: str) -> None:
    plain = markdown_to_plain(md)
    assert "<b>" not in plain or "<b>" in md
    # Without links, the plain rendering is exactly the visible text of the HTML one.
    if "](" not in md and "<http" not in md and "@" not in md:
        assert plain == visible(markdown_to_html(md))


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(_ANY_MARKDOWN, st.integers(50, 500))
def test_split_with_small_limits_keeps_every_character(md: str, limit: int) -> None:
    html = markdown_to_html(md)
    original = visible(html)
    chunks = split_message(html, limit)
    _check_chunks(chunks, limit)
    texts = [visible(chunk) for chunk in chunks]
    assert no_space("".join(texts)) == no_space(original)
    # Chunks are consecutive pieces of the original text, in order.
    position = 0
    for text in texts:
        found = original.find(text.strip(), position)
        assert found >= 0
        position = found + len(text.strip())


@given(st.lists(st.text(min_size=1, max_size=30), min_size=1, max_size=30), st.integers(2, 60))
def test_split_tiny_limits_with_tags_and_astral_characters(parts: list[str], limit: int) -> None:
    tags = ["b", "i", "code"]
    html = "\n".join(f"<{tags[i % 3]}>{escape(p)}</{tags[i % 3]}> 😀" for i, p in enumerate(parts))
    chunks = split_message(html, limit)
    _check_chunks(chunks, limit)
    assert no_space("".join(visible(c) for c in chunks)) == no_space(visible(html))


# ---------------------------------------------------------------- splitting, specific cases


def test_short_message_is_one_chunk_unchanged() -> None:
    html = "<b>Chào</b> bạn &amp; tổ dân phố"
    assert split_message(html) == [html]


def test_split_prefers_paragraph_boundaries() -> None:
    paragraphs = [f"Đoạn {n}: " + "chữ " * 5 for n in range(6)]
    html = "\n\n".join(paragraphs)
    chunks = split_message(html, 70)
    assert [no_space(visible(c)) for c in chunks] == [
        no_space(paragraphs[0] + paragraphs[1]),
        no_space(paragraphs[2] + paragraphs[3]),
        no_space(paragraphs[4] + paragraphs[5]),
    ]
    assert all(visible(c).count("\n\n") == 1 for c in chunks)


def test_split_falls_back_to_lines_then_words() -> None:
    lines = "\n".join(f"dòng {n} " + "x" * 20 for n in range(10))
    for chunk in split_message(lines, 60):
        text = visible(chunk)
        assert all(line.startswith("dòng ") for line in text.split("\n"))
    words = " ".join(f"từ{n}" for n in range(100))
    for chunk in split_message(words, 40):
        assert all(re.fullmatch(r"từ\d+", w) for w in visible(chunk).split())


def test_split_hard_cuts_a_word_longer_than_the_limit() -> None:
    chunks = split_message("x" * 10000)
    assert [len(c) for c in chunks] == [4096, 4096, 1808]


def test_split_counts_utf16_units_not_characters() -> None:
    chunks = split_message("😀" * 3000)
    assert [text_length(visible(c)) for c in chunks] == [4096, 1904]


def test_split_inside_bold_closes_and_reopens_the_tag() -> None:
    html = "<b>" + "chữ đậm " * 50 + "</b>"
    chunks = split_message(html, 60)
    assert len(chunks) > 1
    for chunk in chunks:
        assert chunk.startswith("<b>") and chunk.endswith("</b>")


def test_split_reopens_link_with_its_href() -> None:
    html = '<i>x <a href="https://x.vn/?a=1&amp;b=2">' + "liên kết " * 20 + "</a></i>"
    chunks = split_message(html, 50)
    assert len(chunks) > 1
    for chunk in chunks[1:]:
        assert chunk.startswith('<i><a href="https://x.vn/?a=1&amp;b=2">')
        assert chunk.endswith("</a></i>")


def test_split_never_cuts_an_entity() -> None:
    html = "&amp;" * 100
    chunks = split_message(html, 7)
    assert all(chunk == "&amp;" * 7 or re.fullmatch(r"(&amp;)+", chunk) for chunk in chunks)
    assert "".join(chunks) == html


def test_split_does_not_leave_empty_tags_at_a_cut() -> None:
    html = "a" * 10 + "\n\n<b>" + "b" * 10 + "</b>"
    assert split_message(html, 12) == ["a" * 10, "<b>" + "b" * 10 + "</b>"]


def test_split_rejects_invalid_html_and_tiny_limits() -> None:
    with pytest.raises(HtmlError):
        split_message("<p>x</p>")
    with pytest.raises(ValueError):
        split_message("abc", 1)


def test_render_long_document_gives_several_valid_messages() -> None:
    md = "\n\n".join(f"## Phần {n}\n\n" + "Nội dung chuyển đổi số. " * 40 for n in range(12))
    chunks = render(md)
    assert len(chunks) >= 2
    _check_chunks(chunks, 4096)
    assert all(c.startswith("<b>Phần") for c in chunks)


# ---------------------------------------------------------------- what officials type (issue 11)


def test_a_typed_notice_keeps_its_lines() -> None:
    """An official's notice, one item per line: every line arrives on a line of its own, the
    line after the bullets is not glued into the last bullet, and __x__ stays as typed."""
    typed = (
        "**Thông báo họp tổ dân phố**\n"
        "Thời gian: 19:30 thứ Sáu, 11/12\n"
        "Địa điểm: nhà văn hóa khu 1\n"
        "- Quán triệt Chương trình hành động\n"
        "- Bình xét gia đình văn hóa\n"
        "*Đề nghị bà con đến đúng giờ.*\n"
        "__Tổ trưởng__ Lan"
    )
    assert typed_markdown_to_html(typed) == (
        "<b>Thông báo họp tổ dân phố</b>\n"
        "Thời gian: 19:30 thứ Sáu, 11/12\n"
        "Địa điểm: nhà văn hóa khu 1\n\n"
        "• Quán triệt Chương trình hành động\n"
        "• Bình xét gia đình văn hóa\n\n"
        "<i>Đề nghị bà con đến đúng giờ.</i>\n"
        "__Tổ trưởng__ Lan"
    )
    # The content pack keeps its rendering: a paragraph's lines are one paragraph there.
    assert markdown_to_html("Một dòng\nhai dòng") == "Một dòng hai dòng"


typed_lines = st.lists(
    st.tuples(
        st.sampled_from(["", "- ", "**"]),
        st.text(alphabet="abcđêươ ÁẠỳ0123456789,:()", min_size=1, max_size=30).filter(
            lambda t: t.strip() and not t.strip()[0].isdigit()
        ),
    ),
    min_size=1,
    max_size=12,
)


@settings(max_examples=150, deadline=None)
@given(typed_lines)
def test_every_typed_line_break_survives(lines: list[tuple[str, str]]) -> None:
    """Each line typed (plain, a bullet, or bold) is a line of its own when shown."""
    source = "\n".join(
        f"**{text.strip()}**" if mark == "**" else f"{mark}{text}" for mark, text in lines
    )
    shown = parse_entities(typed_markdown_to_html(source))
    got = [" ".join(line.removeprefix("• ").split()) for line in shown.split("\n")]
    assert [line for line in got if line] == [" ".join(text.split()) for _, text in lines]


def test_a_bold_heading_line_stays_its_own_line() -> None:
    """ "**Ý nghĩa với bà con**" with its paragraph right under it: the heading keeps its
    line (it ran into the paragraph: "Ý nghĩa với bà con Mục tiêu nêu rõ…")."""
    source = "**Ý nghĩa với bà con**\nMục tiêu nêu rõ việc nâng cao đời sống.\n\nKế hoạch."
    assert markdown_to_html(source) == (
        "<b>Ý nghĩa với bà con</b>\nMục tiêu nêu rõ việc nâng cao đời sống.\n\nKế hoạch."
    )
    # Bold inside a line, or a bold line closing a paragraph, changes nothing.
    assert markdown_to_html("Có **ba** đột phá\nchiến lược") == "Có <b>ba</b> đột phá chiến lược"
    assert markdown_to_html("Dòng một\n**Kết**") == "Dòng một <b>Kết</b>"
