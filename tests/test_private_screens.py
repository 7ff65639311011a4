"""Officer screens with people's data never open in a group (issue 9, item 5).

The attack: an officer typed /xulytin or /duyetbaocao in a tổ's group chat and tapped a
button; the bot posted "Người báo: …" and whole report cards to everyone in the group. Here an
officer types every registered command in a group, then presses, in the group, every button
the private tip queue and review lists offered them: nothing the group sees names the
tipster, the leader or what they wrote.
"""

from __future__ import annotations

from typing import Any

import pytest
from telegram.ext import CommandHandler

from bot import texts
from bot.config import Config
from bot.content import ContentPack
from bot.simulator import BotApiSimulator
from bot.simulator.models import SentMessage

from .conftest import ADMIN_ID
from .report_helpers import add_leader, add_person, eventually, svc, walk, without_reminders

TIPSTER, LEADER = 4_300_101, 4_300_202
SECRETS = ("Bìnhzqx", "Lanzqx", "ZQXTIPNOTE", "ZQXTIPBODY", "ZQXREPORT", "Người báo")


@pytest.fixture
def config(config: Config) -> Config:
    return without_reminders(config)


def commands(app: Any) -> list[str]:
    found = []
    for group in app.handlers.values():
        for handler in group:
            if isinstance(handler, CommandHandler):
                found.extend(sorted(handler.commands))
    return found


def callback_data(messages: list[SentMessage]) -> set[str]:
    return {
        button["callback_data"]
        for message in messages
        for row in (message.reply_markup or {}).get("inline_keyboard", [])
        for button in row
        if "callback_data" in button
    }


async def test_officer_screens_with_peoples_data_stay_private(
    sim: BotApiSimulator, bot: Any, pack: ContentPack
) -> None:
    db = svc(bot).db
    await add_person(db, TIPSTER, "Bìnhzqx", last_name="Trần")
    await add_leader(db, LEADER, "Lanzqx", "Tổ dân phố số 3")
    binh, lan = sim.user(TIPSTER, "Bìnhzqx"), sim.user(LEADER, "Lanzqx")
    officer = sim.user(ADMIN_ID, "Hà", started=True)
    await binh.send("/baotin")
    await binh.expect_reply()
    await binh.send("Nghe nói ZQXTIPBODY phường thu phí")
    await binh.expect_reply()
    await binh.send("ZQXTIPNOTE thấy ở chợ")
    await binh.expect_reply()
    summary = await walk(lan, pack, notes="ZQXREPORT bà con hỏi nhiều")
    await lan.press(summary, texts.R_BTN_SEND)
    await lan.expect_reply()
    await eventually(lambda: [m for m in sim.messages_in(officer.chat_id) if "Lanzqx" in m.text])
    await sim.wait_idle()
    officer.skip_replies()

    # In private the officer sees the queue and the lists, with their buttons.
    private: list[SentMessage] = []
    for command in ("/xulytin", "/duyetbaocao", "/chuabaocao"):
        await officer.send(command)
        private.append(await officer.expect_reply())
    presses = callback_data(private)
    assert any(d.startswith("tip:") for d in presses) and any(d.startswith("rv:") for d in presses)

    group = sim.group(-100_4300, title="Tổ dân phố số 3")
    sim.add_bot_to_group(group, by=officer)
    greeting = await sim.wait_for_message(group.chat_id)
    found = commands(bot)
    assert {"xulytin", "duyetbaocao", "chuabaocao", "dsto", "moi"} <= set(found)
    for command in found:
        await officer.send(f"/{command}", chat=group)
        await sim.wait_idle()
    await officer.send("/xulytin", chat=group)
    answer = await sim.wait_for_message(group.chat_id, after=greeting.message_id)
    for data in sorted(presses):
        await officer.press(greeting, callback_data=data)
        await sim.wait_idle()

    said = [m.text for m in sim.messages_in(group.chat_id)]
    said += [str(e.get("text", "")) for m in sim.messages_in(group.chat_id) for e in m.edits]
    assert [s for s in said for secret in SECRETS if secret in s] == []
    assert texts.PRIVATE_ONLY in [m.text for m in sim.messages_in(group.chat_id)]
    assert answer is not None
    alerts = [a for a in sim.callback_answers if a.get("text") == texts.PRIVATE_ONLY]
    assert len(alerts) >= len([d for d in presses if d.startswith(("tip:", "rv:", "rl:"))])


async def test_a_tipster_cannot_start_a_tip_in_a_group(sim: BotApiSimulator, bot: Any) -> None:
    await add_person(svc(bot).db, TIPSTER, "Bìnhzqx")
    binh = sim.user(TIPSTER, "Bìnhzqx")
    group = sim.group(-100_4301, title="Tổ dân phố số 4")
    sim.add_bot_to_group(group, by=binh)
    greeting = await sim.wait_for_message(group.chat_id)
    await binh.send("/baotin", chat=group)
    reply = await sim.wait_for_message(group.chat_id, after=greeting.message_id)
    assert reply.text == texts.PRIVATE_ONLY
    assert await svc(bot).db.fetchval("SELECT COUNT(*) FROM tip_drafts") == 0
