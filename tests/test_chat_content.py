"""End to end: a person browses the programme through the real PTB stack and the simulator."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from bot import texts
from bot.content import ContentPack
from bot.simulator import BotApiSimulator

from .conftest import TOKEN

pytestmark = pytest.mark.usefixtures("bot")


async def test_start_shows_welcome_and_menu(sim: BotApiSimulator) -> None:
    lan = sim.user(1001, first_name="Lan")
    await lan.send("/start")
    reply = await lan.expect_reply()
    assert reply.text.startswith("Chào Lan")
    assert texts.BTN_CONTENT in sum(reply.keyboard, [])
    assert texts.BTN_SEARCH in sum(reply.keyboard, [])


async def test_menu_task_group_full_text_and_back(sim: BotApiSimulator, pack: ContentPack) -> None:
    lan = sim.user(1002, first_name="Lan")
    await lan.send(texts.BTN_CONTENT)
    menu = await lan.expect_reply()
    task_label = pack.kind("task_group").label
    assert task_label in sum(menu.buttons, [])

    await lan.press(menu, task_label)
    listing = await lan.expect_reply()
    groups = pack.of_kind("task_group")
    assert len(groups) == 12
    labels = sum(listing.buttons, [])
    assert sum(1 for label in labels if texts.PENDING_MARK in label) == sum(
        g.pending for g in groups
    )
    first = groups[0]
    assert "12" in listing.text

    await lan.press(listing, next(label for label in labels if first.title in label))
    summary = await lan.expect_reply()
    assert summary.text.startswith(first.title)
    assert sum(summary.buttons, []) == [texts.BTN_READ_FULL, texts.BTN_BACK]
    assert len(summary.text) <= 4096

    await lan.press(summary, texts.BTN_READ_FULL)
    full = await lan.expect_reply()
    assert "Nguồn" in full.text
    assert full.message_id == summary.message_id  # edited in place, no new clutter

    await lan.press(full, texts.BTN_BACK)
    again = await lan.expect_reply()
    assert again.text.startswith(first.title)


async def test_pending_group_says_so_honestly(sim: BotApiSimulator, pack: ContentPack) -> None:
    pending = [g for g in pack.of_kind("task_group") if g.pending]
    assert pending, "the plan details six of twelve groups"
    number = pack.of_kind("task_group").index(pending[0]) + 1
    user = sim.user(1003, first_name="Hùng")
    await user.send(f"/nhiemvu {number}")
    reply = await user.expect_reply()
    assert "cập nhật" in reply.text
    assert texts.BTN_READ_FULL not in sum(reply.buttons, [])


async def test_goal_and_breakthroughs_commands(sim: BotApiSimulator, pack: ContentPack) -> None:
    user = sim.user(1004, first_name="Mai")
    await user.send("/muctieu")
    goal = await user.expect_reply()
    assert goal.text.startswith(pack.of_kind("goal")[0].title)
    await user.send("/dotpha")
    listing = await user.expect_reply()
    titles = [b.title for b in pack.of_kind("breakthrough")]
    assert len(titles) == 3
    for title in titles:
        assert any(title in label for label in sum(listing.buttons, []))


async def test_search_without_diacritics(sim: BotApiSimulator, pack: ContentPack) -> None:
    user = sim.user(1005, first_name="Tú")
    await user.send("/timkiem chuyen doi so")
    reply = await user.expect_reply()
    hits = sum(reply.buttons, [])
    assert hits, reply.text
    # every hit really contains the words, with their diacritics, in the shipped pack
    for label in hits:
        item = next(i for i in pack.items if i.title in label)
        assert "chuyển đổi số" in (item.title + item.summary_md + item.body_md).lower()


async def test_search_button_then_typed_query(sim: BotApiSimulator) -> None:
    user = sim.user(1006, first_name="Tú")
    await user.send(texts.BTN_SEARCH)
    prompt = await user.expect_reply()
    assert "từ khóa" in prompt.text
    await user.send("dot pha")
    reply = await user.expect_reply()
    assert sum(reply.buttons, [])


async def test_search_nothing_found_is_kind(sim: BotApiSimulator) -> None:
    user = sim.user(1007, first_name="Tú")
    await user.send("/timkiem xyzzy <b>")
    reply = await user.expect_reply()
    assert "Chưa tìm thấy" in reply.text
    assert "xyzzy <b>" in reply.text  # the user's text came back escaped, not as markup


async def test_unknown_command_and_stray_text_get_a_hint(sim: BotApiSimulator) -> None:
    user = sim.user(1008, first_name="Tú")
    await user.send("/khongco")
    assert (await user.expect_reply()).text == texts.UNKNOWN_PRIVATE
    await user.send("xin chào")  # free text is searched; nothing found: what to do instead
    reply = await user.expect_reply()
    assert reply.text == texts.free_text_none("xin chào") and "/help" in reply.text
    assert reply.keyboard  # the main menu's keys come with it


async def test_menu_keys_typed_out_and_free_text_searched(
    sim: BotApiSimulator, pack: ContentPack
) -> None:
    """Issue 11: "Hướng dẫn" or "noi dung" typed without the emoji was not understood, and
    free text was not searched; "a" returned eight items."""
    user = sim.user(1010, first_name="Tú")
    await user.send("Hướng dẫn")
    assert (await user.expect_reply()).text.startswith("Hướng dẫn sử dụng Loa Phường")
    await user.send("noi dung")
    menu = await user.expect_reply()
    assert menu.buttons and menu.text == (await _content_menu_text(user))
    await user.send("đột phá chiến lược")
    results = await user.expect_reply()
    breakthroughs = [b.title for b in pack.of_kind("breakthrough")]
    assert any(title in sum(results.buttons, [])[0] for title in breakthroughs)
    await user.send("a")
    assert (await user.expect_reply()).text == texts.SEARCH_TOO_SHORT


async def _content_menu_text(user: Any) -> str:
    await user.send("📚 Nội dung")  # the key itself, for comparison
    return str((await user.expect_reply()).text)


async def test_forged_button_is_refused(sim: BotApiSimulator) -> None:
    user = sim.user(1009, first_name="Tú")
    await user.send("/nhiemvu")
    listing = await user.expect_reply()
    await user.press(listing, callback_data="i:khong-ton-tai")
    await sim.wait_idle()
    answers = [a for a in sim.callback_answers if a.get("text")]
    assert answers and answers[-1]["text"] == texts.STALE_BUTTON
    assert listing.edits == []  # the message was not touched


async def test_group_chat_brief_and_greets_once(sim: BotApiSimulator, pack: ContentPack) -> None:
    lan = sim.user(1010, first_name="Lan")
    group = sim.group(-100555, title="Tổ dân phố số 5")
    sim.add_bot_to_group(group, by=lan)
    greeting = await sim.wait_for_message(group.chat_id)
    assert "bà con" in greeting.text
    sim.remove_bot_from_group(group, by=lan)
    sim.add_bot_to_group(group, by=lan)
    await sim.wait_idle()
    greetings = [m for m in sim.messages_in(group.chat_id) if "xin chào bà con" in m.text]
    assert len(greetings) == 1

    await lan.send("/nhiemvu", chat=group)
    listing = await sim.wait_for_message(group.chat_id, after=greeting.message_id)
    assert listing.keyboard == [] and listing.buttons == []
    assert pack.of_kind("task_group")[0].title in listing.text

    await lan.send("xin chào cả tổ", chat=group)  # plain chatter: the bot stays silent
    await lan.send("/lenhla", chat=group)  # unknown command: silent too
    await sim.wait_idle()
    assert sim.messages_in(group.chat_id)[-1].message_id == listing.message_id


async def test_commands_menu_set_in_vietnamese(sim: BotApiSimulator) -> None:
    await sim.wait_idle()
    scopes = {scope for scope in sim.commands}
    assert any("all_private_chats" in s for s in scopes)
    assert any("all_group_chats" in s for s in scopes)
    private = next(v for k, v in sim.commands.items() if "all_private_chats" in k)
    assert {c["command"] for c in private} >= {"start", "nhiemvu", "timkiem"}


async def test_error_reaches_chat_as_one_sentence_and_log_hides_token(
    sim: BotApiSimulator, caplog: pytest.LogCaptureFixture
) -> None:
    user = sim.user(1011, first_name="Tú")
    await user.send("/start")
    await user.expect_reply()
    # Telegram refuses the next sendMessage outright (a 500 would now be retried
    # until it goes through): the handler raises and the error handler apologises.
    sim.faults.add(
        method="sendMessage",
        status=400,
        times=1,
        description="Bad Request: can't parse entities: unsupported start tag",
    )
    with caplog.at_level(logging.DEBUG):
        await user.send("/muctieu")
        reply = await user.expect_reply()
    assert reply.text == texts.ERROR_GENERIC
    assert "Traceback" not in reply.text
    logged = caplog.text
    assert "error while handling update" in logged
    assert TOKEN not in logged and TOKEN.split(":")[1] not in logged


async def test_start_menu_has_report_button_for_leaders_only(sim: BotApiSimulator, bot) -> None:
    from .report_helpers import add_leader, svc

    await add_leader(svc(bot).db, 1012, "Lan", "Tổ dân phố số 7")
    leader, resident = sim.user(1012, first_name="Lan"), sim.user(1013, first_name="Mai")
    await leader.send("/start")
    await resident.send("/start")
    assert texts.BTN_REPORT in sum((await leader.expect_reply()).keyboard, [])
    assert texts.BTN_REPORT not in sum((await resident.expect_reply()).keyboard, [])


async def test_a_bold_heading_in_the_full_text_keeps_its_line(sim: BotApiSimulator) -> None:
    """Issue 11: the full text read "Ý nghĩa với bà con Mục tiêu nêu rõ…" on one line."""
    user = sim.user(1005, first_name="Tâm")
    await user.send("/muctieu")
    summary = await user.expect_reply()
    await user.press(summary, texts.BTN_READ_FULL)
    full = await user.expect_reply()
    assert "Ý nghĩa với bà con\nMục tiêu nêu rõ" in full.text
    assert "<b>Ý nghĩa với bà con</b>\n" in full.html


async def test_back_from_a_search_result_returns_to_the_results(sim: BotApiSimulator) -> None:
    """Issue 11: "Quay lại" from a result went to the item's list, losing the search."""
    user = sim.user(1011, first_name="Tú")
    await user.send("/timkiem đột phá")
    results = await user.expect_reply()
    first = sum(results.buttons, [])[0]
    await user.press(results, first)
    summary = await user.expect_reply()
    assert summary.text.startswith(first)
    await user.press(summary, texts.BTN_BACK)
    again = await user.expect_reply()
    assert again.message_id == summary.message_id  # in place, as every content screen
    assert sum(again.buttons, []) == sum(results.buttons, [])
    assert "“dot pha”" in again.text  # the search, as it was folded to fit the button
