"""Numbered options for channels without buttons (issue 10, item 2): a typed number, or the
label typed out, resolves to the token a tap would carry; text fits the channel's limit."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot import numbered, texts
from bot.browse import content_menu, item_summary
from bot.channels.telegram_render import screen_html
from bot.content import ContentPack
from bot.db import Database
from bot.numbered import NUMBERED, Capabilities, Resolved, plain_text, render
from bot.render import escape
from bot.rich import link, rich
from bot.screens import TAKES_NUMBER, TAKES_TEXT, Button, Screen
from bot.telegram_html import parse_entities, text_length

NOW = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)
labels = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=30)
tokens = st.text("abcdefghijklmnopqrstuvwxyz0123456789:", min_size=1, max_size=40)
words = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=3000)


@st.composite
def screens(draw: st.DrawFn) -> Screen:
    body = draw(words)
    rows = draw(st.lists(st.lists(st.tuples(labels, tokens), min_size=1, max_size=3), max_size=5))
    return Screen(
        f"<b>{escape(draw(labels))}</b>\n{escape(body)}",
        tuple(tuple(Button(label, token) for label, token in row) for row in rows),
    )


@settings(max_examples=150, deadline=None)
@given(screen=screens(), limit=st.integers(40, 2000))
@example(screen=Screen("<b>T</b>\n" + "x" * 100, ((Button("Có", "y"),),)), limit=40)
def test_every_message_fits_and_every_option_is_listed(screen: Screen, limit: int) -> None:
    caps = Capabilities(limit, limit, buttons=False, edits=False, formatting="plain")
    shown = render(screen, caps)
    assert all(1 <= text_length(m) <= limit for m in shown.messages)
    flat = [b for row in screen.buttons for b in row]
    assert [(o.label, o.token) for o in shown.options] == [(b.label, b.data) for b in flat]
    joined = " ".join(" ".join(m.split()) for m in shown.messages)
    for option in shown.options:  # every option line is there, whole (a cut may not split it
        line = option.label  # numbered by the renderer unless it starts with its own number
        if not line.startswith(f"{option.number}. "):
            line = texts.numbered_option(option.number, option.label)
        label = " ".join(line.split())
        assert label in joined or len(label) > limit // 2  # … unless it is longer than half)
    # nothing of the text is lost or added: the same characters in the same order, cuts
    # dropping only white space (a word longer than a message is cut inside)
    expected = "".join(parse_entities(screen_html(screen)).split())
    assert "".join(joined.split()).startswith(expected)


def test_links_keep_their_address_and_entities_are_text() -> None:
    html = 'Xem <a href="https://haiphong.gov.vn/a?b=1&amp;c=2">tại đây</a> &lt;b&gt;'
    assert plain_text(html) == "Xem tại đây (https://haiphong.gov.vn/a?b=1&c=2) <b>"
    # a screen in rich text shows the same to a channel without formatting, and the same
    # HTML to Telegram
    screen = Screen(rich("Xem ", link("tại đây", "https://haiphong.gov.vn/a?b=1&c=2"), " <b>"))
    assert render(screen).messages == ("Xem tại đây (https://haiphong.gov.vn/a?b=1&c=2) <b>",)
    assert screen_html(screen) == html


async def test_a_typed_number_or_label_resolves_to_the_tapped_token(tmp_path: Path) -> None:
    screen = Screen(
        "<b>Chọn</b>",
        ((Button("Đọc đầy đủ", "f:muc-tieu:0"), Button("Quay lại", "m")), (Button("Hủy", "x"),)),
    )
    shown = render(screen)
    assert shown.messages[-1].endswith(texts.numbered_hint(3))
    async with Database(tmp_path / "n.sqlite3") as db:
        await numbered.remember(db, "zalo:abc", shown.options, NOW)
    async with Database(tmp_path / "n.sqlite3") as db:  # remembered across a restart
        for reply, token in (
            ("1", "f:muc-tieu:0"),
            (" 2. ", "m"),
            ("số 3", "x"),
            ("so 3", "x"),
            ("quay lai", "m"),
            ("Đọc đầy đủ", "f:muc-tieu:0"),
        ):
            assert await numbered.resolve(db, "zalo:abc", reply) == Resolved(token), reply
        for reply in ("²", "1 2", "xin chào", ""):
            assert await numbered.resolve(db, "zalo:abc", reply) == Resolved(), reply
        for reply in ("0", "4", "số 12"):  # a number beyond the three options: said so
            assert await numbered.resolve(db, "zalo:abc", reply) == Resolved(out_of=3), reply
        assert await numbered.resolve(db, "zalo:other", "1") == Resolved()
        await numbered.remember(db, "zalo:abc", (), NOW)  # a screen without options
        assert await numbered.resolve(db, "zalo:abc", "1") == Resolved()


async def test_a_screen_that_takes_a_number_takes_the_number(tmp_path: Path) -> None:
    """ "Có bao nhiêu người tham dự?" with "Quay lại": a typed 1 is one person, not the
    first option. Its options are picked by their label, and the screen says so."""
    back = Button("Quay lại", "r:back")
    asks = Screen("Có bao nhiêu người tham dự?", ((Button("Bỏ qua", "r:skip"),), (back,)),
                  TAKES_NUMBER)  # fmt: skip
    shown = render(asks)
    assert shown.messages == (
        "Có bao nhiêu người tham dự?\n\n• Bỏ qua\n• Quay lại\n"
        + texts.numbered_hint_by_label("Bỏ qua"),
    )
    notes = Screen("Ghi chú?", ((back,),), TAKES_TEXT)
    async with Database(tmp_path / "n.sqlite3") as db:
        await numbered.remember(db, "zalo:a", shown.options, NOW, asks.takes)
        for reply in ("1", "40", "số 2"):
            assert await numbered.resolve(db, "zalo:a", reply) == Resolved(), reply
        assert await numbered.resolve(db, "zalo:a", "quay lại") == Resolved("r:back")
        assert await numbered.resolve(db, "zalo:a", "Bo qua") == Resolved("r:skip")
        # A screen that takes text: its options by number, any other number is the text.
        await numbered.remember(db, "zalo:a", render(notes).options, NOW, notes.takes)
        assert await numbered.resolve(db, "zalo:a", "1") == Resolved("r:back")
        assert await numbered.resolve(db, "zalo:a", "7") == Resolved()


@settings(max_examples=60, deadline=None)
@given(options=st.lists(st.tuples(labels, tokens), min_size=1, max_size=12))
async def test_each_number_picks_its_own_option(options: list[tuple[str, str]]) -> None:
    import tempfile

    screen = Screen("x", tuple((Button(label, token),) for label, token in options))
    shown = render(screen)
    with tempfile.TemporaryDirectory() as folder:
        async with Database(Path(folder) / "n.sqlite3") as db:
            await numbered.remember(db, "c", shown.options, NOW)
            for number, (_, token) in enumerate(options, start=1):
                assert await numbered.resolve(db, "c", str(number)) == Resolved(token)


def test_real_screens_render_within_zalos_limit(pack: ContentPack) -> None:
    found = [content_menu(pack)] + [item_summary(pack, item) for item in pack.items]
    for screen in found:
        shown = render(screen, NUMBERED)
        assert shown.messages and numbered.fits(shown, NUMBERED)
        assert len(shown.options) == sum(len(row) for row in screen.buttons)


def test_full_texts_are_split_at_each_channels_own_limit(pack: ContentPack) -> None:
    """Splitting happens when a text is shown, at the channel's limit: the same item reads
    as pages of ≤ 3,800 units on Telegram, of ≤ 1,800 (room under Zalo's 2,000 for the
    page marker, the source and the options) on a numbered channel, and is split further
    at a limit half as long as the longest text, losing nothing."""
    from bot.browse import full_pages, item_full

    longest = max(pack.items, key=lambda item: text_length(parse_entities(item.body_html)))
    small = text_length(parse_entities(longest.body_html)) // 2  # a limit that must split it
    for item in pack.items:
        for limit in (3800, 1800, small):
            pages = full_pages(item, limit)
            assert all(text_length(p.text) <= limit for p in pages)
            body = "".join("".join(p.text.split()) for p in pages)
            if item.body_html:
                assert body == "".join(parse_entities(item.body_html).split())  # nothing lost
        for page in range(len(full_pages(item, 1800))):
            assert numbered.fits(render(item_full(pack, item, page, 1800), NUMBERED), NUMBERED)
    assert len(full_pages(longest, small)) > len(full_pages(longest, 3800)) == 1


def test_a_label_with_its_own_number_is_not_numbered_twice() -> None:
    screen = Screen(
        "12 nhóm", ((Button("1. Hoàn thiện thể chế", "i:a"),), (Button("Về danh mục", "m"),))
    )
    lines = render(screen).messages[-1].splitlines()
    assert "1. Hoàn thiện thể chế" in lines and "1. 1. Hoàn thiện thể chế" not in lines
    assert "2. Về danh mục" in lines
