"""Rich text (bot/rich.py) and its Telegram rendering: whatever a person typed, the HTML is
valid, shows exactly that text, and carries exactly the emphasis the core asked for."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.channels.telegram_render import html
from bot.rich import Rich, Span, bold, italic, lines, link, plain, rich
from bot.telegram_html import parse_entities, tokenize

# Text as people type it: markup characters, entities, quotes, Vietnamese, emoji.
typed = st.text(
    alphabet=st.sampled_from(list("<>&\"';/=ab ạệ\n📝")) | st.characters(codec="utf-8"),
    max_size=30,
).map(lambda t: t.replace("\x00", ""))
spans = st.builds(
    Span,
    typed,
    st.booleans(),
    st.booleans(),
    st.sampled_from(["", 'https://haian.haiphong.gov.vn/?a=1&b="2"', "tg://user?id=1"]),
)
texts = st.lists(spans, max_size=6).map(lambda found: rich(*(Rich((s,)) for s in found)))


@given(texts)
def test_any_text_renders_as_valid_html_showing_exactly_it(text: Rich) -> None:
    rendered = html(text)
    assert parse_entities(rendered) == text.text  # valid (it would raise) and the same text


@given(texts)
def test_the_emphasis_is_where_the_core_put_it(text: Rich) -> None:
    shown: list[tuple[str, bool, bool, str]] = []
    stack: list[str] = []
    href = ""
    for token in tokenize(html(text)):
        if token.kind == "open":
            stack.append(token.name)
            if token.name == "a":
                href = token.raw.split('"')[1]
        elif token.kind == "close":
            stack.remove(token.name)
        elif token.text:
            shown.extend(
                (ch, "b" in stack, "i" in stack, href if "a" in stack else "") for ch in token.text
            )
    import html as stdlib_html

    wanted = [
        (ch, s.bold, s.italic, stdlib_html.escape(s.link, quote=True))
        for s in text.spans
        for ch in s.text
    ]
    assert shown == wanted


@given(texts, texts, texts)
def test_joining_is_associative_and_keeps_every_character(a: Rich, b: Rich, c: Rich) -> None:
    assert ((a + b) + c) == (a + (b + c))
    assert (a + b + c).text == a.text + b.text + c.text
    assert Rich.from_json((a + b).to_json()) == a + b


def test_neighbours_with_the_same_emphasis_are_one_tag() -> None:
    text = rich(bold("Báo cáo số ", "12"), " — ", bold("Tổ 5"), italic(" (", "mới", ")"))
    assert html(text) == "<b>Báo cáo số 12</b> — <b>Tổ 5</b><i> (mới)</i>"
    assert html(bold("a", bold("b"), "c")) == "<b>abc</b>"


def test_what_a_person_typed_is_never_markup() -> None:
    name = '<b>Lan</b> & "bạn"'
    text = rich("Chào ", bold(name), "!")
    assert html(text) == 'Chào <b>&lt;b&gt;Lan&lt;/b&gt; &amp; "bạn"</b>!'
    assert parse_entities(html(text)) == 'Chào <b>Lan</b> & "bạn"!'


def test_plain_text_writes_a_links_address_out() -> None:
    text = lines(["Mục tiêu", rich("Xem ", link("trang phường", "https://haian.vn"))])
    assert plain(text) == "Mục tiêu\nXem trang phường (https://haian.vn)"
    assert plain(link("https://haian.vn", "https://haian.vn")) == "https://haian.vn"
    assert plain("chỉ chữ") == "chỉ chữ"
    assert not rich() and not rich("", bold(""))


def test_rich_text_cannot_slip_into_a_plain_string() -> None:
    """An f-string would drop the emphasis (or show a repr): it fails loudly instead."""
    import pytest

    with pytest.raises(TypeError):
        f"{bold('Tổ 5')}"
    with pytest.raises(TypeError):
        str(rich("a"))


@given(texts, st.integers(min_value=1, max_value=40))
def test_splitting_keeps_every_character_and_the_emphasis(text: Rich, limit: int) -> None:
    from bot.rich import split

    pieces = split(text, limit)
    assert all(len(p.text) <= limit for p in pieces)
    # only the white space cut at is dropped
    assert "".join(p.text for p in pieces).replace(" ", "").replace("\n", "") == (
        text.text.replace(" ", "").replace("\n", "")
    )
    kept = [(ch, s.bold, s.italic, s.link) for p in pieces for s in p.spans for ch in s.text]
    wanted = [(ch, s.bold, s.italic, s.link) for s in text.spans for ch in s.text]
    assert [k for k in kept if k[0] not in " \n"] == [w for w in wanted if w[0] not in " \n"]


def test_content_html_comes_back_the_same() -> None:
    from bot.config import DEFAULT_CONTENT
    from bot.content import load_pack
    from bot.render import html_to_rich

    for item in load_pack(DEFAULT_CONTENT).items:
        for source in (item.summary_html, item.body_html):
            assert html(html_to_rich(source)) == source  # exactly today's messages
