"""The report and broadcast flows walked by typing numbers, as on a channel without buttons
(issue 10, item 2): `[telegram] buttons = false` shows every screen as plain text with
"1. …" option lines (bot/numbered.py), and a typed number is the same press as a tap."""

from __future__ import annotations

import re
from typing import Any

import pytest

from bot import texts
from bot.config import Config
from bot.content import ContentPack
from bot.report_parse import topics
from bot.simulator import BotApiSimulator
from bot.simulator.models import SentMessage, SimUser

from .broadcast_support import add_leader as add_broadcast_leader
from .broadcast_support import add_unit
from .conftest import ADMIN_ID, with_changes
from .report_helpers import add_leader, eventually, svc, without_reminders

OPTION = re.compile(r"^(\d+)\. (.*)$", re.M)


@pytest.fixture
def config(config: Config) -> Config:
    return with_changes(without_reminders(config), "telegram", buttons=False)


def options(message: SentMessage) -> dict[str, int]:
    """label → number, as the message lists them."""
    return {label: int(n) for n, label in OPTION.findall(message.text)}


async def answer(
    sim: BotApiSimulator, user: SimUser, label: str, *, part: bool = False
) -> SentMessage:
    """Type the number of the option `label` (or the one containing it) from the messages
    the bot sent last, and return the bot's next message."""
    shown = [m for m in sim.messages_in(user.chat_id) if options(m)]
    assert shown, "no numbered options shown"
    listed = options(shown[-1])
    found = [n for text, n in listed.items() if (label in text if part else text == label)]
    assert len(found) == 1, (label, listed)
    await user.send(str(found[0]))
    return await user.expect_reply()


def no_buttons(sim: BotApiSimulator, chat_id: int) -> None:
    for message in sim.messages_in(chat_id):
        assert message.buttons == [] and message.keyboard == [], message.text
        assert "<b>" not in message.raw_text  # plain text: no markup is sent


async def test_a_report_is_filed_and_reviewed_by_typing_numbers(
    sim: BotApiSimulator, bot: Any, pack: ContentPack
) -> None:
    db = svc(bot).db
    await add_leader(db, 6501, "Lan", "Tổ dân phố số 5")
    lan = sim.user(6501, "Lan")
    await lan.send("/baocao")
    date_q = await lan.expect_reply()
    assert texts.R_BTN_TODAY in options(date_q) and date_q.text.rstrip().endswith("để chọn.")
    await answer(sim, lan, texts.R_BTN_TODAY)
    await answer(sim, lan, texts.R_FORM_LABELS["hop_to"])
    first, second = topics(pack)[0], topics(pack)[2]
    await answer(sim, lan, first.title, part=True)
    await answer(sim, lan, second.title, part=True)
    await answer(sim, lan, texts.r_btn_topics_done(2))
    await lan.send("khoảng 40")
    await lan.expect_reply()
    await lan.send("Bà con hỏi nhiều về chuyển đổi số")
    await lan.expect_reply()
    await answer(sim, lan, texts.R_BTN_DONE)  # no photos
    await lan.send("Cần thêm tài liệu in")
    summary = await lan.expect_reply()
    assert "40" in summary.text
    receipt = await answer(sim, lan, texts.R_BTN_SEND)
    assert receipt.text.startswith("Đã gửi báo cáo số"), receipt.text
    number = int(receipt.text.split("số ")[1].split()[0])
    no_buttons(sim, lan.chat_id)

    officer = sim.user(ADMIN_ID, "Hà", started=True)
    await eventually(
        lambda: [m for m in sim.messages_in(ADMIN_ID) if m.text.startswith(f"Báo cáo số {number}")]
    )
    officer.skip_replies()
    await answer(sim, officer, texts.R_BTN_APPROVE)
    status = await db.fetchval("SELECT status FROM reports WHERE id = ?", (number,))
    assert status == "approved"
    no_buttons(sim, ADMIN_ID)


async def test_a_number_is_an_answer_where_the_screen_asks_for_one(
    sim: BotApiSimulator, bot: Any, pack: ContentPack
) -> None:
    """Where the screen takes only its options, a number beyond them is answered with how
    to answer (the draft keeps its place); where it asks for a number (how many came), "1"
    is one person, not its first option, and the options are picked by their label."""
    db = svc(bot).db
    await add_leader(db, 6502, "Lan", "Tổ dân phố số 5")
    lan = sim.user(6502, "Lan")
    await lan.send("/baocao")
    await lan.expect_reply()
    form_q = await answer(sim, lan, texts.R_BTN_TODAY)
    count = len(options(form_q))
    await lan.send(str(count + 5))
    hint = await lan.expect_reply()
    assert hint.text == texts.numbered_out_of_range(count)
    step = await db.fetchval("SELECT step FROM report_drafts")
    assert step == "form"  # nothing lost, nothing moved
    await answer(sim, lan, texts.R_FORM_LABELS["hop_to"])
    await answer(sim, lan, topics(pack)[0].title, part=True)
    attendance_q = await answer(sim, lan, texts.r_btn_topics_done(1))
    assert options(attendance_q) == {}  # no numbered lines where a number is the answer
    assert f"• {texts.BTN_BACK}" in attendance_q.text
    await lan.send("1")
    await lan.expect_reply()
    assert await db.fetchval("SELECT attendance FROM report_drafts") == 1
    step = await db.fetchval("SELECT step FROM report_drafts")
    assert step == "notes"


async def test_a_broadcast_is_composed_and_sent_by_typing_numbers(
    sim: BotApiSimulator, bot: Any
) -> None:
    db = svc(bot).db
    await add_unit(db, 1)
    await add_broadcast_leader(db, 6601, 1)
    leader = sim.user(6601, "Lan", started=True)
    officer = sim.user(ADMIN_ID, "Hà", started=True)
    await sim.wait_idle()
    officer.skip_replies()
    await officer.send("/guitin")
    assert (await officer.expect_reply()).text.startswith("Soạn tin gửi")
    await officer.send("Họp tổ tối thứ Sáu lúc 19 giờ")
    await officer.expect_reply()
    await answer(sim, officer, texts.BC_AUD_LEADERS)
    await eventually(lambda: [m for m in sim.messages_in(ADMIN_ID) if texts.BC_BTN_SEND in m.text])
    officer.skip_replies()
    await answer(sim, officer, texts.BC_BTN_SEND)
    got = await sim.wait_for_message(leader.chat_id)
    assert "Họp tổ tối thứ Sáu" in got.text
    report = await eventually(
        lambda: [m for m in sim.messages_in(ADMIN_ID) if m.text.startswith("Báo cáo tin số")]
    )
    assert "1/1" in report[0].text
    no_buttons(sim, ADMIN_ID)


async def test_the_main_menu_keys_are_numbered_too(sim: BotApiSimulator, bot: Any) -> None:
    """A reply-keyboard button stands for its label typed out: "1" opens the content menu,
    and what it opens is not taken as an answer again."""
    mai = sim.user(6701, "Mai")
    await mai.send("/start")
    welcome = await mai.expect_reply()
    assert options(welcome)[texts.BTN_CONTENT] == 1
    menu = await answer(sim, mai, texts.BTN_CONTENT)
    assert menu.text.startswith("Nội dung") and len(options(menu)) > 3
    second = next(label for label, n in options(menu).items() if n == 2)
    opened = await answer(sim, mai, second)
    assert opened.message_id > menu.message_id and opened.text != menu.text
    assert texts.UNKNOWN_PRIVATE not in opened.text and texts.STALE_BUTTON not in opened.text
    no_buttons(sim, mai.chat_id)
