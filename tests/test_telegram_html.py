"""Tests for bot.telegram_html: accepts what Telegram accepts, rejects it the way Telegram does."""

from __future__ import annotations

import html

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.telegram_html import ALLOWED_TAGS, HtmlError, parse_entities, text_length, tokenize


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("plain text", "plain text"),
        ("<b>bold</b> <strong>s</strong> <i>i</i> <em>e</em>", "bold s i e"),
        ("<u>u</u><ins>i</ins><s>s</s><strike>k</strike><del>d</del>", "uiskd"),
        ('<span class="tg-spoiler">x</span><tg-spoiler>y</tg-spoiler>', "xy"),
        ('<a href="https://example.com/?a=1&amp;b=2">link</a>', "link"),
        ("<code>x</code><pre>y</pre>", "xy"),
        ('<pre><code class="language-python">x = 1</code></pre>', "x = 1"),
        ("<blockquote>q</blockquote>", "q"),
        ("<blockquote expandable>q</blockquote>", "q"),
        ('<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>', "👍"),
        ("<b>a<i>b<u>c</u></i></b>", "abc"),
        ("&lt;&gt;&amp;&quot;", '<>&"'),
        ("&#65;&#x42;&#X43;&#128512;", "ABC😀"),
        ("a > b", "a > b"),
        ("<B>upper</B>", "upper"),
        ("<b>closed by empty end tag</>", "closed by empty end tag"),
        ("<b >spaces</b >", "spaces"),
        ("<a href='https://x.vn'>single quotes</a>", "single quotes"),
        ("<a href=https >name token</a>", "name token"),
        ("", ""),
        ("Việt Nam\n\nđoạn hai", "Việt Nam\n\nđoạn hai"),
    ],
)
def test_accepts_valid_html(source: str, expected: str) -> None:
    assert parse_entities(source) == expected


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ("<p>x</p>", 'Unsupported start tag "p" at byte offset 0'),
        ("<h1>x</h1>", 'Unsupported start tag "h1" at byte offset 0'),
        ("ab<ul><li>x</li></ul>", 'Unsupported start tag "ul" at byte offset 2'),
        ("a<br>b", 'Unsupported start tag "br" at byte offset 1'),
        ("a<br/>b", 'Unsupported start tag "br/" at byte offset 1'),
        # Byte offsets count UTF-8 bytes: "Đ" and "ư" take two bytes each.
        ("Đư<p>", 'Unsupported start tag "p" at byte offset 4'),
        ("a < b", 'Unsupported start tag "" at byte offset 2'),
        ("<b>x", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b><i>x</i>", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("<b>x</b", "Unclosed end tag at byte offset 4"),
        ("<b", "Unclosed start tag at byte offset 0"),
        ('<a href="x', "Unclosed start tag at byte offset 0"),
        ("<a href>x</a>", 'Expected equal sign in declaration of an attribute of the tag "a"'),
        ("<a href=http://x>y</a>", "Unexpected end of name token at byte offset 8"),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        ('<span class="bold">x</span>', 'Tag "span" must have class "tg-spoiler"'),
        ("<a>x</a>", 'Tag "a" must have a non-empty "href" at byte offset 0'),
        ('<a href="">x</a>', 'Tag "a" must have a non-empty "href"'),
        ("<tg-emoji>x</tg-emoji>", 'Tag "tg-emoji" must have a numeric "emoji-id"'),
        ("a & b", 'Unsupported entity "&" at byte offset 2'),
        ("&nbsp;", 'Unsupported entity "&nbsp;" at byte offset 0'),
        ("&amp", 'Unsupported entity "&amp" at byte offset 0'),
        ("&#;", "Unsupported entity"),
        ("&#0;", "Unsupported entity"),
        ("&#xD800;", "Unsupported entity"),
        ("&#x110000;", "Unsupported entity"),
        ('<a href="a&b">x</a>', "Unsupported entity"),
    ],
)
def test_rejects_like_telegram(source: str, reason: str) -> None:
    with pytest.raises(HtmlError) as caught:
        parse_entities(source)
    message = str(caught.value)
    assert message.startswith("Can't parse entities: ")
    assert reason in message


def test_error_is_a_value_error_with_reason() -> None:
    with pytest.raises(ValueError) as caught:
        parse_entities("<div>")
    assert isinstance(caught.value, HtmlError)
    assert caught.value.reason == 'Unsupported start tag "div" at byte offset 0'


def test_lone_surrogate_is_rejected() -> None:
    with pytest.raises(HtmlError, match="UTF-8"):
        parse_entities("a\ud800b")


def test_allowed_tags_match_the_documented_list() -> None:
    documented = "b strong i em u ins s strike del span tg-spoiler a code pre blockquote tg-emoji"
    assert frozenset(documented.split()) == ALLOWED_TAGS


@pytest.mark.parametrize(
    ("text", "units"),
    [("", 0), ("abc", 3), ("Việt", 4), ("😀", 2), ("a😀b", 4), ("e\u0301", 2), ("👨‍👩‍👧", 8)],
)
def test_text_length_counts_utf16_units(text: str, units: int) -> None:
    assert text_length(text) == units


@given(st.text())
def test_escaped_text_parses_back_to_itself(text: str) -> None:
    assert parse_entities(html.escape(text)) == text


@given(st.text())
def test_text_length_matches_utf16_encoding(text: str) -> None:
    assert text_length(text) == len(text.encode("utf-16-le")) // 2
    assert text_length(text) >= len(text)


_SIMPLE_TAGS = sorted(ALLOWED_TAGS - {"span", "a", "tg-emoji"})


@st.composite
def _nested_html(draw: st.DrawFn, depth: int = 0) -> tuple[str, str]:
    """A random valid document and the text it must parse to."""
    parts: list[tuple[str, str]] = []
    for _ in range(draw(st.integers(0, 4))):
        choice = draw(st.integers(0, 3 if depth < 3 else 0))
        if choice == 0:
            text = draw(st.text(max_size=12))
            parts.append((html.escape(text), text))
        else:
            inner_html, inner_text = draw(_nested_html(depth + 1))
            if choice == 1:
                tag = draw(st.sampled_from(_SIMPLE_TAGS))
                parts.append((f"<{tag}>{inner_html}</{tag}>", inner_text))
            elif choice == 2:
                href = html.escape(draw(st.text(min_size=1, max_size=10)).strip() or "x")
                parts.append((f'<a href="{href}">{inner_html}</a>', inner_text))
            else:
                parts.append((f'<span class="tg-spoiler">{inner_html}</span>', inner_text))
    return "".join(p[0] for p in parts), "".join(p[1] for p in parts)


@given(_nested_html())
def test_nested_allowed_tags_parse_to_their_text(doc: tuple[str, str]) -> None:
    source, text = doc
    assert parse_entities(source) == text
    tokens = tokenize(source)
    assert "".join(token.raw for token in tokens) == source
    assert sum(1 for t in tokens if t.kind == "open") == sum(1 for t in tokens if t.kind == "close")


@given(_nested_html(), st.sampled_from(["p", "div", "h1", "ul", "li", "br", "img", "script"]))
def test_a_forbidden_tag_anywhere_is_rejected(doc: tuple[str, str], tag: str) -> None:
    source, _ = doc
    # Insert the forbidden tag at a token boundary (never inside another tag or entity).
    boundaries = [0]
    for token in tokenize(source):
        boundaries.append(boundaries[-1] + len(token.raw))
    where = boundaries[len(boundaries) // 2]
    with pytest.raises(HtmlError, match=f'Unsupported start tag "{tag}"'):
        parse_entities(source[:where] + f"<{tag}>" + source[where:])


@given(_nested_html())
def test_dropping_one_end_tag_is_rejected(doc: tuple[str, str]) -> None:
    source, _ = doc
    tokens = tokenize(source)
    closes = [i for i, t in enumerate(tokens) if t.kind == "close"]
    if not closes:
        return
    broken = "".join(t.raw for i, t in enumerate(tokens) if i != closes[-1])
    with pytest.raises(HtmlError):
        parse_entities(broken)
