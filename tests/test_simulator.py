"""The Bot API simulator, driven by the real python-telegram-bot 22 as the bot would drive it.

Each test checks one promise the rest of the suite relies on: Telegram's envelopes and error
descriptions, long polling and offsets, HTML and size limits, recipients that are gone, flood
limits, injected faults, the update path into PTB handlers, privacy mode in groups, and the
two control interfaces (in-process and HTTP under /_sim/).
"""

from __future__ import annotations

import asyncio
import datetime as dtm
import html
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllPrivateChats,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    ReplyKeyboardMarkup,
    Update,
)
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
)

from bot.simulator import BotApiSimulator, Limits
from bot.simulator.limits import RateLimiter, Stats
from bot.simulator.people import typed_entities
from bot.simulator.store import SAMPLE_JPEG
from bot.simulator.validate import ApiError, render, utf16_len

TOKEN = "123456:SIM-TEST-TOKEN"


@pytest.fixture
async def sim() -> AsyncIterator[BotApiSimulator]:
    async with BotApiSimulator(token=TOKEN, bot_username="loaphuong_bot") as simulator:
        yield simulator


@pytest.fixture
async def tg(sim: BotApiSimulator) -> AsyncIterator[Bot]:
    """A plain PTB Bot pointed at the simulator."""
    bot = Bot(TOKEN, base_url=sim.base_url, base_file_url=sim.base_file_url)
    async with bot:
        yield bot


@asynccontextmanager
async def polling(sim: BotApiSimulator, *handlers: Any) -> AsyncIterator[Application]:  # type: ignore[type-arg]
    """A small PTB Application polling the simulator with `handlers`."""
    app = (
        ApplicationBuilder()
        .token(TOKEN)
        .base_url(sim.base_url)
        .base_file_url(sim.base_file_url)
        .build()
    )
    for handler in handlers:
        app.add_handler(handler)
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(
            poll_interval=0.0, timeout=5, allowed_updates=Update.ALL_TYPES
        )
        try:
            yield app
        finally:
            await app.updater.stop()
            await app.stop()


def seconds(retry_after: int | dtm.timedelta) -> float:
    return retry_after.total_seconds() if isinstance(retry_after, dtm.timedelta) else retry_after


def keyboard(*buttons: tuple[str, str]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(t, callback_data=d) for t, d in buttons]])


# --------------------------------------------------------------------------- envelopes


async def test_get_me_describes_the_bot(tg: Bot) -> None:
    me = await tg.get_me()
    assert (me.id, me.username, me.is_bot) == (123456, "loaphuong_bot", True)
    assert me.can_read_all_group_messages is False  # privacy mode on, as by default


async def test_wrong_token_and_unknown_method_answer_in_telegrams_envelope(
    sim: BotApiSimulator,
) -> None:
    async with httpx.AsyncClient() as client:
        wrong = await client.get(f"{sim.base_url}999:WRONG/getMe")
        unknown = await client.post(f"{sim.base_url}{TOKEN}/sendTelepathy", data={"x": "1"})
        other = await client.get(f"{sim.url}/nowhere")
    assert wrong.status_code == 401
    assert wrong.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}
    assert unknown.status_code == 404
    assert unknown.json() == {"ok": False, "error_code": 404, "description": "Not Found"}
    assert other.status_code == 404
    with pytest.raises(InvalidToken):
        async with Bot("999:WRONG", base_url=sim.base_url):
            pass


async def test_json_body_query_string_and_form_are_all_accepted(sim: BotApiSimulator) -> None:
    sim.user(501, "An", started=True)
    url = f"{sim.base_url}{TOKEN}/sendMessage"
    markup = {"inline_keyboard": [[{"text": "Mở", "callback_data": "o"}]]}
    async with httpx.AsyncClient() as client:
        as_json = await client.post(url, json={"chat_id": 501, "text": "a", "reply_markup": markup})
        as_query = await client.get(url, params={"chat_id": "501", "text": "b"})
        as_form = await client.post(
            url, data={"chat_id": "501", "text": "<i>c</i>", "parse_mode": "HTML"}
        )
        bad_json = await client.post(
            url, content=b"{not json", headers={"Content-Type": "application/json"}
        )
    assert [r.json()["ok"] for r in (as_json, as_query, as_form)] == [True, True, True]
    assert as_json.json()["result"]["reply_markup"] == markup
    assert as_form.json()["result"]["entities"] == [{"type": "italic", "offset": 0, "length": 1}]
    assert bad_json.status_code == 400
    assert [m.text for m in sim.messages_in(501)] == ["a", "b", "c"]


# --------------------------------------------------------------------------- updates


async def test_long_poll_returns_as_soon_as_a_user_writes(sim: BotApiSimulator, tg: Bot) -> None:
    lan = sim.user(1001, first_name="Lan")
    poll = asyncio.create_task(tg.get_updates(timeout=10))
    await asyncio.sleep(0.2)
    assert not poll.done(), "with nothing to deliver the long poll must wait"
    started = time.monotonic()
    await lan.send("xin chào")
    updates = await asyncio.wait_for(poll, 2)
    assert time.monotonic() - started < 1.0
    assert [u.message.text for u in updates] == ["xin chào"]
    assert updates[0].message.from_user.first_name == "Lan"
    assert updates[0].message.chat.type == "private"


async def test_offset_confirms_and_forgets_earlier_updates(sim: BotApiSimulator, tg: Bot) -> None:
    lan = sim.user(1002, first_name="Lan")
    await lan.send("một")
    await lan.send("hai")
    first = await tg.get_updates(limit=1)
    assert [u.message.text for u in first] == ["một"]
    again = await tg.get_updates()
    assert [u.message.text for u in again] == ["một", "hai"]  # unconfirmed: delivered again
    after = await tg.get_updates(offset=again[0].update_id + 1)
    assert [u.message.text for u in after] == ["hai"]
    assert await tg.get_updates(offset=again[-1].update_id + 1) == ()
    assert sim.idle
    await sim.wait_idle(timeout=1)


async def test_allowed_updates_filters_later_updates(sim: BotApiSimulator, tg: Bot) -> None:
    lan = sim.user(1003, first_name="Lan", started=True)
    sent = await tg.send_message(1003, "chọn", reply_markup=keyboard(("Có", "yes")))
    assert await tg.get_updates(allowed_updates=["callback_query"]) == ()
    await lan.send("bị lọc")
    await lan.press(sim.message(1003, sent.message_id), "Có")
    updates = await tg.get_updates()
    assert [u.callback_query.data for u in updates] == ["yes"]


async def test_one_long_poll_at_a_time_and_none_with_a_webhook(
    sim: BotApiSimulator, tg: Bot
) -> None:
    first = asyncio.create_task(tg.get_updates(timeout=5))
    await asyncio.sleep(0.1)
    async with Bot(TOKEN, base_url=sim.base_url) as other_instance:  # a second bot process
        second = asyncio.create_task(other_instance.get_updates(timeout=5))
        with pytest.raises(Conflict, match=r"(?i)terminated by other getUpdates request"):
            await asyncio.wait_for(first, 2)
        await sim.user(1005, first_name="Lan").send("một")
        assert [u.message.text for u in await asyncio.wait_for(second, 2)] == ["một"]
    await tg.set_webhook("https://loaphuong.example/hook", secret_token="bi-mat_1")
    with pytest.raises(Conflict, match=r"(?i)webhook is active"):
        await tg.get_updates()
    assert (await tg.get_webhook_info()).url == "https://loaphuong.example/hook"
    await tg.delete_webhook()
    assert len(await tg.get_updates()) == 1


async def test_wait_idle_waits_for_confirmation(sim: BotApiSimulator, tg: Bot) -> None:
    await sim.user(1004, first_name="Lan").send("chào")
    with pytest.raises(AssertionError, match=r"(?i)not confirmed"):
        await sim.wait_idle(timeout=0.2)
    updates = await tg.get_updates()
    await tg.get_updates(offset=updates[-1].update_id + 1)
    await sim.wait_idle(timeout=1)


# --------------------------------------------------------------------------- validation


async def test_html_is_checked_like_telegram(sim: BotApiSimulator, tg: Bot) -> None:
    sim.user(1101, first_name="Lan", started=True)
    with pytest.raises(BadRequest, match=r'(?i)parse entities: Unsupported start tag "p"'):
        await tg.send_message(1101, "<p>Đoạn văn</p>", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)Can't find end tag corresponding to start tag"):
        await tg.send_message(1101, "<b>chưa đóng", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)Unsupported parse_mode"):
        await tg.send_message(1101, "x", parse_mode="HTMLX")
    good = await tg.send_message(
        1101, "  <b>Tổ 5</b> &amp; <a href='https://x.vn'>web</a> ", "HTML"
    )
    assert good.text == "Tổ 5 & web"  # parsed and trimmed as Telegram does
    assert [(e.type, e.offset, e.length) for e in good.entities] == [
        ("bold", 0, 4),
        ("text_link", 7, 3),
    ]
    assert good.entities[1].url == "https://x.vn"
    assert sim.last_in(1101).html == "  <b>Tổ 5</b> &amp; <a href='https://x.vn'>web</a> "
    assert len(sim.messages_in(1101)) == 1  # refused messages are not recorded


async def test_text_and_caption_limits_count_utf16_after_parsing(
    sim: BotApiSimulator, tg: Bot
) -> None:
    sim.user(1102, first_name="Lan", started=True)
    with pytest.raises(BadRequest, match=r"(?i)Message text is empty"):
        await tg.send_message(1102, "")
    with pytest.raises(BadRequest, match=r"(?i)Text must be non-empty"):
        await tg.send_message(1102, "<b> </b>", parse_mode="HTML")
    await tg.send_message(1102, "<b>" + "ạ" * 4096 + "</b>", parse_mode="HTML")  # tags are free
    with pytest.raises(BadRequest, match=r"(?i)Message is too long"):
        await tg.send_message(1102, "ạ" * 4097)
    await tg.send_message(1102, "😀" * 2048)  # an emoji is two UTF-16 units
    with pytest.raises(BadRequest, match=r"(?i)Message is too long"):
        await tg.send_message(1102, "😀" * 2048 + "a")
    with pytest.raises(BadRequest, match=r"(?i)Message caption is too long"):
        await tg.send_photo(1102, SAMPLE_JPEG, caption="c" * 1025)
    assert len(sim.messages_in(1102)) == 2


async def test_inline_keyboard_rules(sim: BotApiSimulator, tg: Bot) -> None:
    sim.user(1103, first_name="Lan", started=True)
    exactly_64_bytes = "đ" * 32  # "đ" is two bytes in UTF-8
    sent = await tg.send_message(1103, "ok", reply_markup=keyboard(("Mở", exactly_64_bytes)))
    assert sent.reply_markup.inline_keyboard[0][0].callback_data == exactly_64_bytes
    with pytest.raises(BadRequest, match=r"(?i)Button_data_invalid"):
        await tg.send_message(1103, "x", reply_markup=keyboard(("Mở", exactly_64_bytes + "a")))
    url = f"{sim.base_url}{TOKEN}/sendMessage"
    cases = {
        '{"inline_keyboard": [[{"text": "Chỉ chữ"}]]}': (
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        ),
        '{"inline_keyboard": [[{"text": "Hai", "callback_data": "a", "url": "https://a.vn"}]]}': (
            "exactly one action field must be used"
        ),
        '{"inline_keyboard": [{"text": "a", "callback_data": "a"}]}': (
            'field "inline_keyboard" must be an Array of Arrays'
        ),
        '{"inline_keyboard": [[{"text": "Web", "url": "ftp://a.vn"}]]}': "Unsupported URL protocol",
        '{"keyboard": "Có"}': 'field "keyboard" must be of type Array',
        '{"keyboard": [[{"request_contact": true}]]}': 'Can\'t find field "text"',
        "[1, 2]": "object expected as reply markup",
        "{oops": "can't parse reply keyboard markup JSON object",
    }
    async with httpx.AsyncClient() as client:
        for markup, description in cases.items():
            answer = await client.post(
                url, data={"chat_id": "1103", "text": "x", "reply_markup": markup}
            )
            assert answer.status_code == 400, markup
            assert description in answer.json()["description"], (markup, answer.json())
    reply = await tg.send_message(
        1103, "menu", reply_markup=ReplyKeyboardMarkup([["Nội dung", "Tìm kiếm"]])
    )
    assert reply.reply_markup is None  # Telegram returns only inline keyboards in a Message
    assert sim.last_in(1103).keyboard == [["Nội dung", "Tìm kiếm"]]


# --------------------------------------------------------------------------- recipients


async def test_recipients_that_cannot_be_reached(sim: BotApiSimulator, tg: Bot) -> None:
    never = sim.user(1201, first_name="Chưa bấm Start")
    with pytest.raises(Forbidden, match=r"(?i)bot can't initiate conversation with a user"):
        await tg.send_message(never.user_id, "chào")
    with pytest.raises(BadRequest, match=r"(?i)Chat not found"):
        await tg.send_message(987654, "chào")
    lan = sim.user(1202, first_name="Lan")
    await lan.send("/start")
    await tg.send_message(1202, "chào Lan")
    lan.block_bot()
    with pytest.raises(Forbidden, match=r"(?i)bot was blocked by the user"):
        await tg.send_message(1202, "còn đó không?")
    lan.unblock_bot()
    await tg.send_message(1202, "chào lại")
    lan.deactivate()
    with pytest.raises(Forbidden, match=r"(?i)user is deactivated"):
        await tg.send_message(1202, "?")
    statuses = [
        (u.my_chat_member.old_chat_member.status, u.my_chat_member.new_chat_member.status)
        for u in await tg.get_updates()
        if u.my_chat_member
    ]
    assert statuses == [("member", "kicked"), ("kicked", "member")]


async def test_group_lifecycle(sim: BotApiSimulator, tg: Bot) -> None:
    lan = sim.user(1203, first_name="Lan")
    group = sim.group(-100123, title="Tổ 5", bot_member=False)
    with pytest.raises(Forbidden, match=r"(?i)bot is not a member of the group chat"):
        await tg.send_message(group.chat_id, "chào")
    sim.add_bot_to_group(group, by=lan)
    updates = await tg.get_updates()
    change = updates[0].my_chat_member
    assert (change.old_chat_member.status, change.new_chat_member.status) == ("left", "member")
    assert change.from_user.id == lan.user_id
    assert updates[1].message.new_chat_members[0].username == "loaphuong_bot"
    await tg.send_message(group.chat_id, "chào bà con")
    member = await tg.get_chat_member(group.chat_id, lan.user_id)
    assert member.status == "member"
    sim.remove_bot_from_group(group, by=lan)
    with pytest.raises(Forbidden, match=r"(?i)bot was kicked from the group chat"):
        await tg.send_message(group.chat_id, "còn ai không")
    kicked = (await tg.get_updates(offset=updates[-1].update_id + 1))[0].my_chat_member
    assert kicked.new_chat_member.status == "kicked"
    with pytest.raises(Forbidden):
        await tg.get_chat_member(group.chat_id, lan.user_id)


async def test_migrated_group_raises_chat_migrated(sim: BotApiSimulator, tg: Bot) -> None:
    lan = sim.user(1204, first_name="Lan")
    group = sim.group(-4001, title="Tổ 6", creator=lan)
    supergroup = sim.migrate_group(group, -1004001)
    with pytest.raises(ChatMigrated) as caught:
        await tg.send_message(-4001, "chào")
    assert caught.value.new_chat_id == supergroup.chat_id
    sent = await tg.send_message(caught.value.new_chat_id, "chào")
    assert sent.chat.type == "supergroup"
    service = [u.message for u in await tg.get_updates()]
    assert service[0].migrate_to_chat_id == -1004001 and service[0].chat.id == -4001
    assert service[1].migrate_from_chat_id == -4001 and service[1].chat.id == -1004001


# --------------------------------------------------------------------------- limits & faults


async def test_injected_429_raises_retry_after_once(sim: BotApiSimulator, tg: Bot) -> None:
    sim.user(1301, first_name="Lan", started=True)
    rule = sim.faults.add(method="sendMessage", status=429, times=1, retry_after=7)
    with pytest.raises(RetryAfter) as caught:
        await tg.send_message(1301, "một")
    assert seconds(caught.value.retry_after) == 7
    await tg.send_message(1301, "hai")
    assert rule.hits == 1 and rule.exhausted and len(sim.faults) == 0
    assert sim.stats.faults["sendMessage"] == 1
    assert [m.text for m in sim.messages_in(1301)] == ["hai"]


async def test_faults_by_status_chat_and_probability(sim: BotApiSimulator, tg: Bot) -> None:
    for user_id in (1302, 1303):
        sim.user(user_id, first_name="Lan", started=True)
    sim.faults.add(method="sendMessage", status=403, probability=1.0, chat_id=1302)
    with pytest.raises(Forbidden):
        await tg.send_message(1302, "x")
    await tg.send_message(1303, "y")  # the rule is for another chat
    sim.faults.clear()
    sim.faults.add(method="sendMessage", status=502, times=2)
    for _ in range(2):
        with pytest.raises(NetworkError) as caught:
            await tg.send_message(1303, "z")
        assert not isinstance(caught.value, BadRequest)
    sim.faults.add(method="sendMessage", status=400, probability=0.0)
    await tg.send_message(1303, "never fails")
    with pytest.raises(ValueError):
        sim.faults.add(method="sendMessage", status=418)


async def test_timeout_fault_delivers_by_default(sim: BotApiSimulator, tg: Bot) -> None:
    sim.user(1304, first_name="Lan", started=True)
    sim.faults.add(method="sendMessage", status="timeout", delay=0.6)
    with pytest.raises(TimedOut):
        await tg.send_message(1304, "đến nơi dù hết giờ", read_timeout=0.2)
    assert (await sim.wait_for_message(1304, timeout=1)).text == "đến nơi dù hết giờ"
    sim.faults.add(method="sendMessage", status="timeout", delay=0.6, deliver=False)
    with pytest.raises(TimedOut):
        await tg.send_message(1304, "mất", read_timeout=0.2)
    await asyncio.sleep(0.5)
    assert [m.text for m in sim.messages_in(1304)] == ["đến nơi dù hết giờ"]


async def test_limits_global_window(sim: BotApiSimulator, tg: Bot) -> None:
    users = [sim.user(1400 + i, first_name="Dân", started=True) for i in range(31)]
    sim.set_limits(Limits())
    results = await asyncio.gather(
        *(tg.send_message(u.user_id, "thông báo") for u in users), return_exceptions=True
    )
    refused = [r for r in results if isinstance(r, RetryAfter)]
    assert len(refused) >= 1
    assert len(results) - len(refused) <= 30
    assert sim.stats.rate_limited["global"] == len(refused)
    assert sim.stats.snapshot()["rate_limited"]["global"] == len(refused)


async def test_limits_per_chat_and_per_group(sim: BotApiSimulator, tg: Bot) -> None:
    sim.user(1501, first_name="Lan", started=True)
    sim.set_limits(Limits())
    await tg.send_message(1501, "một")
    with pytest.raises(RetryAfter) as caught:
        await tg.send_message(1501, "hai")
    assert seconds(caught.value.retry_after) == 1
    with pytest.raises(RetryAfter):
        await tg.send_message(1501, "hai, thử lại ngay")  # too early: refused again
    assert sim.stats.rate_limited["per_chat"] == 2 and sim.stats.early_retries == 1
    group = sim.group(-100777, title="Tổ 7")
    sim.set_limits(Limits(per_chat_per_sec=1000, per_group_per_min=20))
    for i in range(20):
        await tg.send_message(group.chat_id, f"tin {i}")
    with pytest.raises(RetryAfter) as caught:
        await tg.send_message(group.chat_id, "tin 21")
    assert 55 <= seconds(caught.value.retry_after) <= 60
    assert sim.stats.rate_limited["per_group"] == 1


def test_rate_limiter_window_slides() -> None:
    now = [100.0]
    stats = Stats()
    limiter = RateLimiter(Limits(global_per_sec=3, per_chat_per_sec=10), stats, lambda: now[0])
    for chat_id in (1, 2, 3):
        limiter.admit(chat_id, False)
        now[0] += 0.25
    with pytest.raises(ApiError) as caught:
        limiter.admit(4, False)
    assert caught.value.code == 429 and caught.value.parameters == {"retry_after": 1}
    now[0] = 101.01  # the first send left the window, but the announced wait is not over
    with pytest.raises(ApiError):
        limiter.admit(4, False)
    assert stats.early_retries == 1
    now[0] = 101.8
    limiter.admit(4, False)
    assert stats.rate_limited["global"] == 2


# --------------------------------------------------------------------------- PTB handlers


async def test_commands_and_buttons_reach_ptb_handlers(sim: BotApiSimulator) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        payload = " ".join(context.args or [])
        await update.effective_message.reply_text(
            f"Chào {update.effective_user.first_name} [{payload}]",
            reply_markup=keyboard(("Đọc đầy đủ", "full:1"), ("Quay lại", "back")),
        )

    async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        await query.answer("Đã mở")
        await query.edit_message_text(f"Nội dung {query.data}")

    async with polling(sim, CommandHandler("start", start), CallbackQueryHandler(button)):
        lan = sim.user(1601, first_name="Lan")
        await lan.send("/start abc")
        greeting = await lan.expect_reply()
        assert greeting.text == "Chào Lan [abc]"
        assert greeting.buttons == [["Đọc đầy đủ", "Quay lại"]]
        await lan.send("/start@loaphuong_bot xyz")
        assert (await lan.expect_reply()).text == "Chào Lan [xyz]"
        await lan.send("/start@other_bot nope")  # addressed to another bot
        await lan.press(greeting, "Đọc đầy đủ")
        edited = await lan.expect_reply()
        await sim.wait_idle()
    assert edited.event == "edited" and edited.message_id == greeting.message_id
    assert edited.text == "Nội dung full:1" and edited.buttons == []
    assert greeting.text == "Chào Lan [abc]"  # the snapshot keeps the version it reported
    assert [v["parsed_text"] for v in greeting.edits] == ["Chào Lan [abc]"]
    assert sim.callback_answers[-1]["text"] == "Đã mở"
    assert sim.callback_answers[-1]["data"] == "full:1"
    assert len(sim.messages_in(1601)) == 2


async def test_expect_reply_explains_what_went_wrong(sim: BotApiSimulator, tg: Bot) -> None:
    lan = sim.user(1602, first_name="Lan")
    await lan.send("/start")
    with pytest.raises(BadRequest):
        await tg.send_message(1602, "<h1>Tiêu đề</h1>", parse_mode="HTML")
    with pytest.raises(AssertionError) as caught:
        await lan.expect_reply(timeout=0.1)
    assert 'Unsupported start tag "h1"' in str(caught.value)
    await tg.send_message(1602, "một")
    await tg.send_message(1602, "hai")
    assert [m.text for m in await lan.expect_replies(2, timeout=1)] == ["một", "hai"]
    await lan.expect_no_reply(within=0.05)


# --------------------------------------------------------------------------- groups


async def test_group_privacy_mode_filters_plain_text(sim: BotApiSimulator, tg: Bot) -> None:
    lan = sim.user(1701, first_name="Lan")
    group = sim.group(-100170, title="Tổ 1")
    from_bot = await tg.send_message(group.chat_id, "Bot đã vào nhóm")
    await lan.send("chuyện phiếm trong nhóm", chat=group)
    await lan.send("/nhiemvu", chat=group)
    await lan.send("/nhiemvu@other_bot", chat=group)
    await lan.send("/nhiemvu@LoaPhuong_Bot 2", chat=group)
    await lan.send("nhờ @loaphuong_bot xem giúp", chat=group)
    await lan.send("trả lời bot", chat=group, reply_to=from_bot.message_id)
    await lan.send("tin riêng")
    seen = [u.message.text for u in await tg.get_updates()]
    assert seen == [
        "/nhiemvu",
        "/nhiemvu@LoaPhuong_Bot 2",
        "nhờ @loaphuong_bot xem giúp",
        "trả lời bot",
        "tin riêng",
    ]
    no_privacy = BotApiSimulator(token=TOKEN, privacy_mode=False)
    chat = no_privacy.group(-1, title="Tổ")
    no_privacy.user_message(no_privacy.user(5, "An"), chat, {"text": "chuyện phiếm"})
    assert len(no_privacy.updates.items) == 1


# --------------------------------------------------------------------------- messages


async def test_edits_and_deletes_are_recorded(sim: BotApiSimulator, tg: Bot) -> None:
    sim.user(1801, first_name="Lan", started=True)
    sent = await tg.send_message(1801, "<b>Bản 1</b>", "HTML", reply_markup=keyboard(("A", "a")))
    record = sim.message(1801, sent.message_id)
    with pytest.raises(BadRequest, match=r"(?i)Message is not modified"):
        await tg.edit_message_text(
            "<b>Bản 1</b>",
            1801,
            sent.message_id,
            parse_mode="HTML",
            reply_markup=keyboard(("A", "a")),
        )
    await tg.edit_message_text(
        "<i>Bản 1</i>", 1801, sent.message_id, parse_mode="HTML", reply_markup=keyboard(("A", "a"))
    )  # formatting alone is a change
    edited = await tg.edit_message_text("Bản 2", 1801, sent.message_id)
    assert edited.reply_markup is None  # an edit without reply_markup drops the keyboard
    await tg.edit_message_reply_markup(1801, sent.message_id, reply_markup=keyboard(("B", "b")))
    assert [v["raw_text"] for v in record.edits] == ["<b>Bản 1</b>", "<i>Bản 1</i>", "Bản 2"]
    assert record.text == "Bản 2" and record.buttons == [["B"]]
    with pytest.raises(BadRequest, match=r"(?i)Message to edit not found"):
        await tg.edit_message_text("?", 1801, 999)
    assert await tg.delete_message(1801, sent.message_id)
    with pytest.raises(BadRequest, match=r"(?i)Message to delete not found"):
        await tg.delete_message(1801, sent.message_id)
    assert sim.messages_in(1801) == [] and record.deleted and record in sim.sent


async def test_files_upload_and_download(sim: BotApiSimulator, tg: Bot) -> None:
    lan = sim.user(1901, first_name="Lan")
    await lan.send_photo(caption="Ảnh báo cáo")
    photo = (await tg.get_updates())[0].message
    assert photo.caption == "Ảnh báo cáo" and len(photo.photo) == 2
    file = await photo.photo[-1].get_file()
    assert bytes(await file.download_as_bytearray()) == SAMPLE_JPEG
    sent = await tg.send_photo(1901, SAMPLE_JPEG, caption="<b>Đã nhận</b>", parse_mode="HTML")
    assert sent.caption == "Đã nhận" and sent.photo[-1].width == 8
    with pytest.raises(BadRequest, match=r"(?i)Image_process_failed"):
        await tg.send_photo(1901, b"not an image")
    with pytest.raises(BadRequest, match=r"(?i)Wrong file identifier"):
        await tg.send_photo(1901, "no-such-file-id")
    again = await tg.send_photo(1901, sent.photo[-1].file_id)  # re-send by file_id
    assert again.photo[-1].file_id == sent.photo[-1].file_id
    document = await tg.send_document(1901, b"a;b\n1;2\n", filename="bao-cao.csv")
    assert document.document.file_name == "bao-cao.csv"
    got = await tg.get_file(document.document.file_id)
    assert bytes(await got.download_as_bytearray()) == b"a;b\n1;2\n"
    with pytest.raises(BadRequest, match=r"(?i)Invalid file_id"):
        await tg.get_file("nope")
    assert sim.last_in(1901).document and sim.messages_in(1901)[0].photo


async def test_forwards_documents_and_user_edits_deserialise(sim: BotApiSimulator, tg: Bot) -> None:
    lan = sim.user(2201, first_name="Lan")
    await lan.forward("Lịch cắt điện", from_chat_title="Điện lực Hải An")
    await lan.send_document(caption="Báo cáo tổ 5", file_name="bao-cao.pdf")
    draft = await lan.send("bản nháp")
    await lan.edit(draft, "bản sửa")
    forwarded, document, first, edited = await tg.get_updates()
    assert forwarded.message.forward_origin.chat.title == "Điện lực Hải An"
    assert forwarded.message.text == "Lịch cắt điện"
    assert document.message.document.file_name == "bao-cao.pdf"
    assert document.message.caption == "Báo cáo tổ 5"
    assert first.message.text == "bản nháp"
    assert edited.edited_message.text == "bản sửa"
    assert edited.edited_message.message_id == first.message.message_id


async def test_commands_menu_and_chat_queries(sim: BotApiSimulator, tg: Bot) -> None:
    private = BotCommandScopeAllPrivateChats()
    await tg.set_my_commands([BotCommand("start", "Bắt đầu")], scope=private, language_code="vi")
    assert [c.command for c in await tg.get_my_commands(scope=private, language_code="vi")] == [
        "start"
    ]
    assert await tg.get_my_commands() == ()
    key = next(iter(sim.commands))
    assert "all_private_chats" in key and "vi" in key
    with pytest.raises(BadRequest, match=r"(?i)Bot_command_invalid"):
        await tg.set_my_commands([BotCommand("Bắt_đầu", "x")])
    await tg.delete_my_commands(scope=private, language_code="vi")
    assert sim.commands == {}
    lan = sim.user(2001, first_name="Lan", username="lan_ha")
    chat = await tg.get_chat(lan.user_id)
    assert (chat.type, chat.first_name, chat.username) == ("private", "Lan", "lan_ha")
    group = sim.group(-100200, title="Tổ 2", creator=lan, bot_admin=True)
    admins = await tg.get_chat_administrators(group.chat_id)
    assert {a.status for a in admins} == {"creator", "administrator"}
    await tg.send_chat_action(group.chat_id, "typing")
    assert sim.chat_actions[-1]["action"] == "typing"
    assert await tg.leave_chat(group.chat_id)
    (left,) = [u.my_chat_member for u in await tg.get_updates()]
    assert (left.old_chat_member.status, left.new_chat_member.status) == ("administrator", "left")
    with pytest.raises(Forbidden, match=r"(?i)not a member"):
        await tg.send_message(group.chat_id, "?")


# --------------------------------------------------------------------------- control side


async def test_http_control_api(sim: BotApiSimulator, tg: Bot) -> None:
    control = sim.control_url
    async with httpx.AsyncClient() as client:
        sent = await client.post(f"{control}/users/2101/send", json={"text": "/start"})
        assert sent.json()["ok"], sent.text
        update = (await tg.get_updates())[0]
        assert update.message.text == "/start" and update.message.entities[0].type == "bot_command"
        reply = await tg.send_message(2101, "Chọn", reply_markup=keyboard(("Một", "1")))
        replies = await client.get(f"{control}/users/2101/replies", params={"timeout": 1})
        assert [(r["text"], r["buttons"]) for r in replies.json()["result"]] == [
            ("Chọn", [["Một"]])
        ]
        messages = (await client.get(f"{control}/chats/2101/messages?after=0")).json()["result"]
        assert [(m["from_bot"], m["text"]) for m in messages] == [
            (False, "/start"),
            (True, "Chọn"),
        ]
        pressed = await client.post(
            f"{control}/users/2101/press",
            json={"chat_id": 2101, "message_id": reply.message_id, "text": "Một"},
        )
        assert pressed.json()["ok"], pressed.text
        fault = await client.post(
            f"{control}/faults", json={"method": "sendMessage", "status": 500}
        )
        assert fault.json()["result"]["times"] == 1
        with pytest.raises(NetworkError):
            await tg.send_message(2101, "lỗi máy chủ")
        limits = await client.post(f"{control}/limits", json={"global_per_sec": 5})
        assert limits.json()["result"]["global_per_sec"] == 5
        assert sim.limits == Limits(global_per_sec=5)
        stats = (await client.get(f"{control}/stats")).json()["result"]
        assert stats["faults"] == {"sendMessage": 1} and stats["requests"]["sendMessage"] == 2
        bad = await client.post(f"{control}/users/2101/press", json={"message_id": 999})
        assert bad.status_code == 404 and not bad.json()["ok"]
    callback = (await tg.get_updates(offset=update.update_id + 1))[0].callback_query
    assert callback.data == "1" and callback.message.message_id == reply.message_id


def test_runs_standalone_and_prints_its_address() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.simulator", "--port", "0", "--token", TOKEN],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline() for _ in range(2)]
        base_url = lines[1].strip().removeprefix("base_url=")
        me = httpx.get(f"{base_url}{TOKEN}/getMe", timeout=5).json()
        assert me["ok"] and me["result"]["username"] == "loaphuong_bot"
    finally:
        process.terminate()
        process.wait(timeout=5)
    assert process.returncode == 0


# --------------------------------------------------------------------------- properties


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30))
def test_command_entity_offsets_are_utf16(prefix: str) -> None:
    text = f"{prefix} /baocao@loaphuong_bot xong"
    command = next(
        e
        for e in typed_entities(text)
        if e["type"] == "bot_command" and e["length"] == len("/baocao@loaphuong_bot")
    )
    units = text.encode("utf-16-le")
    start, length = command["offset"] * 2, command["length"] * 2
    assert units[start : start + length].decode("utf-16-le") == "/baocao@loaphuong_bot"


@settings(max_examples=80, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["b", "i", "u", "s", "code", None]),
            st.text(
                alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=12
            ),
        ),
        min_size=1,
        max_size=6,
    )
)
def test_html_entities_point_at_their_text(parts: list[tuple[str | None, str]]) -> None:
    source = "".join(
        f"<{tag}>{html.escape(text)}</{tag}>" if tag else html.escape(text) for tag, text in parts
    )
    rendered = render(source, "HTML")
    plain = "".join(text for _, text in parts)
    assert rendered.text == plain.strip()
    assert rendered.length == utf16_len(rendered.text)
    units = rendered.text.encode("utf-16-le")
    kind = {"b": "bold", "i": "italic", "u": "underline", "s": "strikethrough", "code": "code"}
    for entity in rendered.entities:
        piece = units[entity["offset"] * 2 : (entity["offset"] + entity["length"]) * 2]
        owners = [t for tag, t in parts if tag and kind[tag] == entity["type"]]
        assert any(piece.decode("utf-16-le") in t for t in owners)
