"""Issue 12, step 1: the fake Zalo Bot Platform, the HTTP transport on it, and long polling
into the durable inbox (one update per poll, 408 when empty, no offset: de-duplicated by
message id, the bot's own echoes dropped). The token never reaches a log line."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from bot.channels.zalo_api import ZaloApi, ZaloError, ZaloMessage, parse_update
from bot.channels.zalo_inbox import ZALO, ZaloPoller, ZaloReceiver
from bot.clock import SystemClock
from bot.db import Database
from bot.inbox import EVENT, Inbox, InboxWriter
from bot.simulator.zalo import TEXT_LIMIT, ZaloSimulator

TOKEN = "1234567890:ZALO-SECRET-abcdef"


@pytest.fixture
async def zalo() -> AsyncIterator[ZaloSimulator]:
    async with ZaloSimulator(token=TOKEN) as sim:
        yield sim


@pytest.fixture
async def api(zalo: ZaloSimulator) -> AsyncIterator[ZaloApi]:
    client = ZaloApi(TOKEN, zalo.base_url)
    yield client
    await client.aclose()


async def raw(zalo: ZaloSimulator, method: str, body: object, token: str = TOKEN) -> httpx.Response:
    async with httpx.AsyncClient() as client:
        return await client.post(f"{zalo.base_url}/bot{token}/{method}", json=body)


async def test_the_fake_answers_in_the_documented_shapes(zalo: ZaloSimulator) -> None:
    me = (await raw(zalo, "getMe", {})).json()
    assert me["ok"] is True and isinstance(me["result"]["id"], str)
    assert me["result"]["account_type"] == "BASIC" and me["result"]["can_join_groups"] is False
    empty = await raw(zalo, "getUpdates", {"timeout": 0})
    assert empty.status_code == 408 and empty.json() == {
        "ok": False,
        "error_code": 408,
        "description": "Request timeout",
    }
    lan = zalo.user("u-lan-01", "Lan")
    await lan.send("/start")
    await lan.send("xin chào")
    first = (await raw(zalo, "getUpdates", {"timeout": 1})).json()["result"]
    assert first["event_name"] == "message.text.received"  # one update, not a list
    message = first["message"]
    assert isinstance(message["message_id"], str) and message["text"] == "/start"
    assert message["date"] > 1_700_000_000_000  # epoch milliseconds
    assert message["chat"] == {"id": "u-lan-01", "chat_type": "PRIVATE"}
    assert (await raw(zalo, "getUpdates", {"timeout": 1})).json()["result"]["message"]["text"] == (
        "xin chào"
    )
    sent = (await raw(zalo, "sendMessage", {"chat_id": "u-lan-01", "text": "Chào"})).json()
    assert isinstance(sent["result"]["message_id"], str) and sent["result"]["date"] > 0
    too_long = await raw(zalo, "sendMessage", {"chat_id": "u-lan-01", "text": "😀" * 1001})
    assert too_long.status_code == 400  # 2,002 UTF-16 units
    assert (
        await raw(zalo, "sendMessage", {"chat_id": "u-lan-01", "text": "a" * TEXT_LIMIT})
    ).is_success
    assert (await raw(zalo, "getMe", {}, token="1:wrong")).status_code == 401
    zalo.fail_next("sendMessage", 429)
    throttled = await raw(zalo, "sendMessage", {"chat_id": "u-lan-01", "text": "x"})
    assert throttled.status_code == 429 and throttled.json()["error_code"] == 429


async def test_the_transport_reads_the_envelope_and_says_what_went_wrong(
    zalo: ZaloSimulator, api: ZaloApi
) -> None:
    assert (await api.get_me())["account_name"] == "Loa Phường"
    assert await api.get_update(0) is None  # 408: nothing came
    zalo.user("u-1", "Hà")
    assert await api.send_message("u-1", "Chào anh/chị")
    zalo.fail_next("sendMessage", 403)
    with pytest.raises(ZaloError) as refused:
        await api.send_message("u-1", "lần hai")
    assert refused.value.code == 403
    with pytest.raises(ZaloError) as unknown:
        await api.send_message("u-nobody", "?")
    assert unknown.value.code == 400 and "chat not found" in unknown.value.description
    gone = ZaloApi(TOKEN, "http://127.0.0.1:9")  # nothing listens there
    with pytest.raises(ZaloError) as unreachable:
        await gone.get_me()
    assert unreachable.value.code == 0 and TOKEN not in str(unreachable.value)
    await gone.aclose()


def test_flat_and_wrapped_bodies_read_the_same() -> None:
    message = {
        "message_id": "m1",
        "date": 1_765_000_000_000,
        "chat": {"id": "u-1", "chat_type": "PRIVATE"},
        "from": {"id": "u-1", "first_name": "Hà", "is_bot": False},  # an older field name
        "photo": "https://example.org/a.jpg",
    }
    flat = {"event_name": "message.image.received", "message": message}
    wrapped = {"ok": True, "result": flat}
    assert parse_update(flat) == parse_update(wrapped)
    read = parse_update(flat)
    assert read == ZaloMessage(
        "m1", "u-1", "u-1", "Hà", False, 1_765_000_000_000, "message.image.received",
        photo_url="https://example.org/a.jpg",
    )  # fmt: skip
    for broken in (None, [], {"message": "x"}, {"message": {"chat": {"id": "u"}}}):
        assert parse_update(broken) is None


async def test_polling_records_each_update_once_before_handling_it_and_drops_echoes(
    zalo: ZaloSimulator, api: ZaloApi, tmp_path: Path
) -> None:
    async with Database(tmp_path / "inbox.sqlite3") as db:
        writer = InboxWriter(Inbox(db, SystemClock()))
        await writer.load()
        handled: list[tuple[str, int | None, int]] = []

        async def handle(message: ZaloMessage) -> None:
            stored = await db.fetchval(
                "SELECT COUNT(*) FROM inbox WHERE channel = 'zalo' AND external_id = ?",
                (message.message_id,),
            )
            handled.append((message.text, EVENT.get(), int(stored)))
            if message.text != "echo me":
                await api.send_message(message.chat_id, f"đã nhận: {message.text}")

        receiver = ZaloReceiver(writer, zalo.bot_id, handle)
        poller = ZaloPoller(api, receiver, timeout=1)
        poller.start()
        lan = zalo.user("u-lan", "Lan")
        zalo.duplicate_next = 1  # Zalo hands the same update out twice
        await lan.send("một")
        await lan.expect_reply()
        zalo.echo_own = True  # and echoes the bot's own messages back
        await lan.send("hai")
        await lan.expect_reply()
        zalo.echo_own = False
        await lan.send("ba")
        await lan.expect_reply()
        await poller.stop()
        assert [text for text, _, _ in handled] == ["một", "hai", "ba"]
        assert all(stored == 1 for _, _, stored in handled)  # on disk before handling
        sequence = [event for _, event, _ in handled]
        assert sequence == sorted(sequence) and len(set(sequence)) == 3
        assert receiver.duplicates == 1 and receiver.dropped_echoes == 1
        rows = await db.fetchall("SELECT channel, done_at FROM inbox ORDER BY seq")
        assert [r[0] for r in rows] == [ZALO] * 3 and all(r[1] for r in rows)


async def test_the_token_never_reaches_a_log_line_at_the_most_verbose_level(
    zalo: ZaloSimulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    for name in ("httpx", "httpcore", "bot"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    api = ZaloApi(TOKEN, zalo.base_url)
    zalo.user("u-1")
    await api.get_me()
    await api.send_message("u-1", "chào")
    await api.get_update(0)
    zalo.fail_next("getUpdates", 500)
    receiver_log = logging.getLogger("bot.channels.zalo_inbox")
    with pytest.raises(ZaloError) as failed:
        await api.get_update(0)
    receiver_log.warning("Zalo getUpdates failed (%s)", failed.value)
    gone = ZaloApi(TOKEN, "http://127.0.0.1:9")
    with pytest.raises(ZaloError):
        await gone.get_me()
    logging.getLogger("test").exception("with a traceback", exc_info=failed.value)
    await gone.aclose()
    await api.aclose()
    text = caplog.text + json.dumps([r.getMessage() for r in caplog.records])
    assert "HTTP Request" in text or "send_request" in text  # httpx did log the requests
    assert TOKEN not in text and TOKEN.split(":", 1)[1] not in text


def test_zalo_errors_are_classified_like_telegrams() -> None:
    from bot.channels.zalo_channel import classify
    from bot.delivery import Outcome

    cases = {
        (429, "Quota exceeded"): Outcome.THROTTLED,
        (403, "Internal server error"): Outcome.TEMPORARY,  # Zalo's own words for its 403
        (500, "Internal Server Error"): Outcome.TEMPORARY,
        (0, "unreachable: ConnectError"): Outcome.TEMPORARY,
        (400, "Bad Request: chat not found"): Outcome.GONE,
        (400, "Bad Request: text must be 1-2000 characters"): Outcome.PERMANENT,
        (404, "Not Found"): Outcome.PERMANENT,
    }
    for (code, description), outcome in cases.items():
        assert classify(ZaloError(code, description)).outcome is outcome, (code, description)
    assert classify(ZaloError(429, "x")).retry_after > 0
