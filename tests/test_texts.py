"""Every string that carries user text stays valid Telegram HTML, whatever the person typed."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from bot import texts
from bot.channels.telegram_render import html as telegram_html
from bot.rich import Rich
from bot.telegram_html import parse_entities, text_length

any_text = st.text(max_size=300)


@given(any_text)
def test_welcome_with_any_name(name: str) -> None:
    html = telegram_html(texts.welcome_private(name, "Hải An"))
    assert name in parse_entities(html) or not name
    assert text_length(parse_entities(html)) <= 4096


@given(st.text(min_size=1, max_size=100))
def test_search_answers_echo_the_query_as_text(query: str) -> None:
    for text in (texts.search_none(query), texts.search_results(query, 3)):
        assert query in parse_entities(telegram_html(text)) and query in text.text


@given(any_text, any_text)
def test_kind_titles_and_sources_escape(label: str, source: str) -> None:
    assert label in parse_entities(telegram_html(texts.kind_list_title(label, 12, 6)))
    assert source in parse_entities(telegram_html(texts.item_source(source)))


def test_static_html_strings_parse() -> None:
    for name in dir(texts):
        value = getattr(texts, name)
        if name.isupper() and isinstance(value, str) and "<" in value:
            parse_entities(value)  # raises HtmlError if any static string is broken


def test_rich_texts_hold_no_markup() -> None:
    """A text written in rich text says its emphasis with spans: a tag inside one would be
    shown to people as characters (the renderer escapes it), so none may hold any."""
    found = [
        (name, span.text)
        for name in dir(texts)
        if isinstance(value := getattr(texts, name), Rich)
        for span in value.spans
        if "<b>" in span.text or "<i>" in span.text or "</" in span.text
    ]
    assert found == []
    assert any(isinstance(getattr(texts, n), Rich) for n in dir(texts))  # it sees them


def test_texts_hold_no_markup_at_all() -> None:
    """The one module of Vietnamese strings writes no HTML: emphasis is rich text, and a
    renderer per channel writes whatever markup that channel wants."""
    from pathlib import Path

    source = (Path(texts.__file__)).read_text(encoding="utf-8")
    tags = re.findall(r"</?(?:b|i|u|s|a|code|pre|blockquote)\b[^>]*>", source)
    assert tags == [] and "escape(" not in source
    assert re.findall(r"</?(?:b|i)\b[^>]*>", "x <b>y</b>")  # it sees what it looks for
