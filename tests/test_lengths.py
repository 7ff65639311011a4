"""Messages built from people's text fit Telegram's limits, counted as Telegram counts them:
UTF-16 code units after entity parsing (4096 for a text, 1024 for a caption).

The two attacks of issue 9 run end to end through the simulator, which refuses what
Telegram refuses: a forwarded photo post with a 1,000-character caption of astral
characters, a 61-character page name and a 340-character note must still reach the
officer; a report with 1,000 emoji of notes and of difficulties and every topic ticked
must show its summary and go through.
"""

from __future__ import annotations

import html as std_html
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot import reports, texts, tips
from bot.channels.telegram_render import screen_html
from bot.config import Config
from bot.content import ContentPack
from bot.fit import CAPTION_LIMIT, ELLIPSIS, TEXT_LIMIT, cut, fit
from bot.report_parse import topics
from bot.simulator import BotApiSimulator
from bot.simulator.models import SentMessage, SimUser
from bot.simulator.store import SAMPLE_JPEG
from bot.telegram_html import parse_entities, text_length

from .conftest import ADMIN_ID
from .report_helpers import add_leader, add_person, eventually, label_with, svc, without_reminders

ASTRAL = "🙂𝐀🇻🇳👨‍👩‍👧"  # each character here is two UTF-16 units (the ZWJ is one)


def astral_text(count: int) -> str:
    """`count` code points of emoji and other characters outside the BMP."""
    return (ASTRAL * (count // len(ASTRAL) + 1))[:count]


@pytest.fixture
def config(config: Config) -> Config:
    return without_reminders(config)


@pytest.fixture
def officer(sim: BotApiSimulator) -> SimUser:
    return sim.user(ADMIN_ID, "Hà", started=True)


# ---------------------------------------------------------------- the helper


def test_cut_counts_utf16_and_keeps_characters_whole() -> None:
    text = "🙂" * 10  # 20 units
    shortened = cut(text, 7)
    assert shortened == "🙂" * 3 + ELLIPSIS  # 6 units + 1: a 4th emoji would need 2 more
    assert text_length(shortened) <= 7
    assert cut(text, 20) == text  # fits: unchanged
    assert cut("", 0) == ""


def test_cut_never_strands_a_mark_or_a_joiner() -> None:
    family = "👨‍👩‍👧"  # man ZWJ woman ZWJ girl
    for limit in range(1, text_length(family * 3)):
        shortened = cut(family * 3, limit)
        assert text_length(shortened) <= limit
        body = shortened.removesuffix(ELLIPSIS)
        assert not body.endswith("\u200d")
    accented = "e\u0301" * 20  # e + combining acute, 2 units each
    for limit in range(2, 40):
        body = cut(accented, limit).removesuffix(ELLIPSIS)
        assert body == "e\u0301" * (len(body) // 2)  # never an "e" without its accent
    flags = "🇻🇳" * 5  # two regional indicators each
    for limit in range(1, 20):
        assert len(cut(flags, limit).removesuffix(ELLIPSIS)) % 2 == 0  # no half flag


def test_fit_cuts_the_longest_field_first() -> None:
    def build(f: dict[str, Any]) -> str:
        return f"<b>{std_html.escape(f['name'])}</b>\n{std_html.escape(f['body'])}"

    html = fit(build, {"name": "Trần Thị Bình", "body": "🙂" * 3000}, TEXT_LIMIT)
    plain = parse_entities(html)
    assert text_length(plain) <= TEXT_LIMIT
    assert plain.startswith("Trần Thị Bình\n🙂")  # the short field is kept whole
    assert plain.endswith(ELLIPSIS)
    small = fit(build, {"name": "Bình", "body": "ngắn"}, TEXT_LIMIT)
    assert small == build({"name": "Bình", "body": "ngắn"})  # nothing to cut: untouched


def test_fit_when_the_fixed_part_alone_is_too_long() -> None:
    def build(f: dict[str, Any]) -> str:
        return "<b>Tiêu đề</b>\n" + "chữ " * 2000 + std_html.escape(f["x"])

    html = fit(build, {"x": "abc"}, 1024)
    assert text_length(parse_entities(html)) <= 1024
    assert html.endswith(ELLIPSIS)


# People's text: anything (astral planes, combining marks, joiners) and pieces of markup.
people_text = st.lists(
    st.one_of(
        st.characters(codec="utf-8"),
        st.sampled_from(["<", ">", "&", '"', "&amp;", "<b>", "\u0301", "\u200d", "🙂", "🇻🇳"]),
    ),
    max_size=1500,
).map("".join)


@settings(max_examples=60, deadline=None)
@given(
    name=people_text,
    note=people_text,
    names=st.lists(people_text, max_size=8),
    limit=st.sampled_from([CAPTION_LIMIT, TEXT_LIMIT, 200]),
)
def test_fitted_messages_are_valid_and_within_the_limit(
    name: str, note: str, names: list[str], limit: int
) -> None:
    def build(f: dict[str, Any]) -> str:
        listed = "\n".join(f"• <i>{std_html.escape(n)}</i>" for n in f["names"])
        head = f"<b>Tin báo · {std_html.escape(f['name'])}</b>"
        return f"{head}\n{listed}\n\nGhi chú: {std_html.escape(f['note'])}"

    html = fit(build, {"name": name, "note": note, "names": tuple(names)}, limit)
    plain = parse_entities(html)  # raises if Telegram would refuse the HTML
    assert text_length(plain) <= limit
    plain.encode("utf-8")  # no half of a surrogate pair anywhere


@settings(max_examples=40, deadline=None)
@given(
    reporter=people_text,
    content=people_text,
    origin=people_text,
    note=people_text,
    caption=st.booleans(),
)
def test_tip_cards_are_valid_and_within_the_limit(
    reporter: str, content: str, origin: str, note: str, caption: bool
) -> None:
    tip = a_tip(reporter_name=reporter, content=content, origin=origin, note=note)
    plain = parse_entities(screen_html(tips.card(tip, Config(), caption=caption)))
    assert text_length(plain) <= (CAPTION_LIMIT if caption else TEXT_LIMIT)


# ---------------------------------------------------------------- tip cards


def a_tip(**changes: Any) -> tips.Tip:
    values: dict[str, Any] = {
        "id": 7,
        "reporter_id": 4001,
        "reporter_name": "Bình Trần",
        "kind": "forward",
        "content": astral_text(3000),
        "origin": "Trang tin " + "🙂" * 51,
        "photo": None,
        "note": "Ghi chú <b>&</b> " * 20,
        "status": "open",
        "created_at": datetime(2026, 4, 1, 3, 0, tzinfo=UTC),
        "handled_by_name": "",
        "handled_at": None,
    }
    values.update(changes)
    return tips.Tip(**values)


def test_text_tip_card_fits_a_message(config: Config) -> None:
    """3,000 astral characters (the most a tip keeps) are 6,000 units: cut, not refused."""
    tip = a_tip()
    screen = tips.card(tip, config)
    plain = parse_entities(screen_html(screen))
    assert text_length(plain) <= TEXT_LIMIT
    assert tip.origin in plain and tip.note in plain
    assert ELLIPSIS in plain
    handled = tips.card(
        a_tip(status="handled", handled_at=datetime(2026, 4, 2, tzinfo=UTC), handled_by_name="Hà"),
        config,
    )
    plain = parse_entities(screen_html(handled))
    assert text_length(plain) <= TEXT_LIMIT and "✅ Đã xử lý (Hà" in plain


async def forward_photo_post(
    sim: BotApiSimulator, user: SimUser, caption: str, page: str
) -> dict[str, Any]:
    """A photo post forwarded from a channel (the simulator forwards text only)."""
    record = sim.new_file("photo", SAMPLE_JPEG, mime_type="image/jpeg", width=1280, height=960)
    return sim.user_message(
        user,
        None,
        {
            "photo": sim.photo_sizes(record),
            "caption": caption,
            "forward_origin": sim.forward_origin(page, None, None),
        },
    )


async def test_forwarded_photo_post_with_long_caption_reaches_the_officer(
    sim: BotApiSimulator, bot: Any, officer: SimUser
) -> None:
    await add_person(svc(bot).db, 4001, "Bình", last_name="Trần")
    binh = sim.user(4001, "Bình")
    caption = astral_text(1000)  # 2,000 UTF-16 units (a premium poster's long caption)
    page = ("Trang tin Hải Phòng 24h — tin nóng mỗi ngày " + "🙂" * 30)[:61]
    note = ("Bài này nói sai về thu phí chuyển đổi số, nhiều người đang chia sẻ <lại> & "
            * 5)[:340]  # fmt: skip
    assert (len(page), len(note)) == (61, 340)

    await binh.send("/baotin")
    await binh.expect_reply()
    await forward_photo_post(sim, binh, caption, page)
    assert (await binh.expect_reply()).text == texts.TIP_ASK_NOTE
    await binh.send(note)
    assert (await binh.expect_reply()).text.startswith("Đã nhận tin báo số 1")

    found = await eventually(
        lambda: [m for m in sim.messages_in(officer.chat_id) if m.photo],
    )
    card = found[0]
    assert card.text.startswith("Tin báo số 1")
    assert text_length(card.text) <= CAPTION_LIMIT
    assert page in card.text and note in card.text  # the short fields whole
    stored = await svc(bot).db.fetchval("SELECT content FROM tips WHERE id = 1")
    assert text_length(stored) > CAPTION_LIMIT  # the caption was kept (as the tip's content)
    assert stored[:100] in card.text and ELLIPSIS in card.text  # shown cut, not lost
    assert not [c for c in sim.failed_calls if c["method"] == "sendPhoto"]
    failed = await svc(bot).db.fetchval("SELECT COUNT(*) FROM notices WHERE failed IS NOT NULL")
    assert failed == 0


# ---------------------------------------------------------------- report summaries


async def tick_all_topics(user: SimUser, question: SentMessage, pack: ContentPack) -> SentMessage:
    for number, item in enumerate(topics(pack), start=1):
        while not [label for row in question.buttons for label in row if label == item.title]:
            await user.press(question, texts.BTN_NEXT_PAGE)
            question = await user.expect_reply()
        await user.press(question, item.title)
        question = await user.expect_reply()
        assert label_with(question, texts.r_btn_topics_done(number))
    return question


async def test_report_with_emoji_notes_and_every_topic_can_be_sent(
    sim: BotApiSimulator, bot: Any, officer: SimUser, pack: ContentPack
) -> None:
    await add_leader(svc(bot).db, 2501, "Lan", "Tổ dân phố số 5")
    lan = sim.user(2501, "Lan")
    notes = "🙂" * 1000
    difficulties = "🙏" * 1000
    await lan.send("/baocao")
    await lan.press(await lan.expect_reply(), texts.R_BTN_TODAY)
    await lan.press(await lan.expect_reply(), texts.R_FORM_LABELS["hop_to"])
    question = await tick_all_topics(lan, await lan.expect_reply(), pack)
    await lan.press(question, texts.r_btn_topics_done(len(topics(pack))))
    await lan.expect_reply()
    await lan.send("40")
    await lan.expect_reply()
    await lan.send(notes)
    photos_q = await lan.expect_reply()
    await lan.press(photos_q, texts.R_BTN_DONE)
    await lan.expect_reply()
    await lan.send(difficulties)
    summary = await lan.expect_reply()

    assert summary.text.startswith("Kiểm tra báo cáo trước khi gửi")
    assert text_length(summary.text) <= TEXT_LIMIT
    assert all(item.title in summary.text for item in topics(pack))  # the topics whole
    assert "🙂" * 100 in summary.text and "🙏" * 100 in summary.text and ELLIPSIS in summary.text
    assert not [c for c in sim.failed_calls if "too long" in c["description"]]

    await lan.press(summary, texts.R_BTN_SEND)
    receipt = await lan.expect_reply()
    assert receipt.text.startswith("Đã gửi báo cáo số 1"), receipt.text
    row = await svc(bot).db.fetchone("SELECT notes, difficulties FROM reports WHERE id = 1")
    assert (row[0], row[1]) == (notes, difficulties)  # stored whole: only the display is cut

    card = (
        await eventually(
            lambda: [
                m for m in sim.messages_in(officer.chat_id) if m.text.startswith("Báo cáo số 1")
            ]
        )
    )[0]
    assert text_length(card.text) <= TEXT_LIMIT
    assert texts.R_BTN_APPROVE in [label for row in card.buttons for label in row]


def test_report_cards_fit_with_long_people_text(config: Config, pack: ContentPack) -> None:
    report = reports.Report(
        id=3,
        unit_id=1,
        unit_name="Tổ " + "🙂" * 119,
        leader_id=2501,
        leader_name="Lan " + "𝐀" * 120,
        session_date=datetime(2026, 4, 1).date(),
        form="khac",
        form_other="🙂" * 100,
        topics=tuple(item.id for item in topics(pack)),
        attendance=40,
        notes="🙂" * 1000,
        difficulties="🙏" * 1000,
        status="needs_more",
        version=2,
        submitted_at=datetime(2026, 4, 1, tzinfo=UTC),
        reviewed_by=ADMIN_ID,
        review_reason="🙂" * 500,
        photos=(),
    )
    screens = [
        reports.review_card(pack, report, config.ward.tz),
        reports.my_report_screen(pack, report),
        reports.report_list_screen([report] * 25, digest=True),
    ]
    for screen in screens:
        plain = parse_entities(screen_html(screen))
        assert text_length(plain) <= TEXT_LIMIT, plain[:80]
    assert "Lan 𝐀" in parse_entities(screen_html(screens[0]))
