"""Every classified outcome of a broadcast send, through the simulator (issue 5).

The sender runs on its own here (a database, a PTB `Bot` with short timeouts, the channel),
so each test sees exactly one outcome class and what the outbox did with it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TimedOut,
)

from bot import texts
from bot.addresses import Kind, telegram
from bot.channels.telegram_delivery import classify
from bot.channels.telegram_render import screen_html
from bot.clock import SystemClock
from bot.config import DeliveryConfig
from bot.db import Database
from bot.delivery import (
    Audience,
    AudienceKind,
    Mode,
    Outcome,
    OutMessage,
    broadcast_status,
    create_broadcast,
    report_screen,
    retry_failed,
)
from bot.invites import qr_png
from bot.media import MediaRef
from bot.reply import Pressed, Reply
from bot.rich import rich
from bot.screens import Screen
from bot.simulator import BotApiSimulator

from .broadcast_support import Rig, add_group, add_people, new_broadcast, start_rig, wait_done
from .local_ids import by_telegram


@pytest.fixture
async def rig(sim: BotApiSimulator, tmp_path: Path) -> AsyncIterator[Rig]:
    async for made in start_rig(sim, tmp_path / "d.sqlite3", DeliveryConfig(max_attempts=3)):
        yield made


def test_classifier_maps_ptb_errors_to_classes() -> None:
    # BadRequest and TimedOut are NetworkErrors in PTB: the order of checks matters.
    assert issubclass(BadRequest, NetworkError) and issubclass(TimedOut, NetworkError)
    cases = [
        (RetryAfter(3), Outcome.THROTTLED),
        (ChatMigrated(-1001), Outcome.MIGRATED),
        (Forbidden("Forbidden: bot was blocked by the user"), Outcome.GONE),
        (Forbidden("Forbidden: bot was kicked from the group chat"), Outcome.GONE),
        (BadRequest("Bad Request: chat not found"), Outcome.GONE),
        (BadRequest("Bad Request: can't parse entities: unclosed tag"), Outcome.PERMANENT),
        (TimedOut(), Outcome.TEMPORARY),
        (NetworkError("Bad Gateway"), Outcome.TEMPORARY),
    ]
    for exc, expected in cases:
        assert classify(exc).outcome == expected, exc
    assert classify(RetryAfter(3)).retry_after == 3.0
    assert classify(ChatMigrated(-1001)).moved_to == telegram(-1001, Kind.GROUP)
    assert "parse entities" in classify(BadRequest("Bad Request: can't parse entities")).description


async def test_sent(rig: Rig) -> None:
    await add_people(rig.db, [11, 12])
    for uid in (11, 12):
        rig.sim.user(uid, started=True)
    status = await wait_done(rig.db, await rig.broadcast(AudienceKind.EVERYONE))
    assert (status.sent, status.total) == (2, 2)
    row = await rig.row(11)
    assert (row["state"], row["attempts"], row["outcome"]) == ("sent", 1, "sent")
    message = rig.sim.last_in(11)
    assert message is not None and message.html == "<b>Thông báo</b> của phường"


async def test_a_broadcast_stored_before_rich_text_is_sent_as_it_was(rig: Rig) -> None:
    """A broadcast written before migration 012 has its body as Telegram HTML and no rich
    body: resumed after the upgrade, it arrives exactly as it would have."""
    await add_people(rig.db, [13])
    rig.sim.user(13, started=True)
    old = '<b>Họp tổ</b> lúc 19:30 &amp; <a href="https://haian.gov.vn">xem thêm</a>'
    broadcast_id, _ = await new_broadcast(rig.db, "thay bằng nội dung cũ")
    await rig.db.execute(
        "UPDATE broadcasts SET html = ?, body = '' WHERE id = ?", (old, broadcast_id)
    )
    await rig.delivery.enqueue(broadcast_id)
    assert (await wait_done(rig.db, broadcast_id)).sent == 1
    message = rig.sim.last_in(13)
    assert message is not None and message.html == old


async def test_a_file_from_another_channel_is_uploaded_from_its_copy(
    rig: Rig, tmp_path: Path
) -> None:
    """Telegram can send by its own file id only the files that came through Telegram; a
    file from another channel (a Zalo photo, next) goes up from the downloaded copy."""
    await add_people(rig.db, [14])
    rig.sim.user(14, started=True)
    image = qr_png("https://zalo.me/loaphuong")
    copy = tmp_path / "media" / "2026-12" / "zalo-1.png"
    copy.parent.mkdir(parents=True)
    copy.write_bytes(image)
    media_id = await rig.db.fetchval(
        "INSERT INTO media (channel, kind, source, path, added_at)"
        " VALUES ('zalo', 'photo', 'https://zalo.example/p/1.jpg', '2026-12/zalo-1.png',"
        " '2026-12-03T00:00:00Z') RETURNING id"
    )
    broadcast_id, _ = await create_broadcast(
        rig.db,
        SystemClock().now(),
        created_by=1,
        message=OutMessage(rich("Ảnh buổi họp"), MediaRef(int(media_id), "photo")),
        audience=Audience(AudienceKind.EVERYONE),
        urgent=False,
    )
    await rig.delivery.enqueue(broadcast_id)
    assert (await wait_done(rig.db, broadcast_id)).sent == 1
    got = rig.sim.last_in(14)
    assert got is not None and got.photo and got.caption == "Ảnh buổi họp"
    assert got.file_id is not None and rig.sim.files[got.file_id].data == image


async def test_one_send_for_every_message_and_its_modes(rig: Rig) -> None:
    """Replies, notices and cards leave through the channel's one `send`. A card edited on
    its own (Mode.ONCE: a progress card) that can no longer be edited is reported, not sent
    anew; a reply to a person (Mode.REPLY) is sent anew instead. A refusal is classified,
    never raised, in every mode."""
    user = rig.sim.user(15, started=True)
    address = telegram(15)
    channel = rig.channel
    assert channel is not None
    card = Reply(Screen("Đã gửi 3/10…"), replace=True)
    gone = Pressed("", 999_999)  # no such message in the chat
    once = await channel.send(address, card, pressed=gone, mode=Mode.ONCE)
    assert once.outcome is Outcome.PERMANENT and rig.sim.messages_in(user.chat_id) == []
    shown = await channel.send(address, card, pressed=gone, mode=Mode.REPLY)
    assert shown.outcome is Outcome.SENT
    assert [m.text for m in rig.sim.messages_in(user.chat_id)] == ["Đã gửi 3/10…"]
    edited = await channel.send(
        address, Reply(Screen("Đã gửi 10/10"), replace=True),
        pressed=Pressed("", shown.message_id), mode=Mode.ONCE,
    )  # fmt: skip
    assert edited.outcome is Outcome.SENT and edited.message_id == shown.message_id
    assert [m.text for m in rig.sim.messages_in(user.chat_id)] == ["Đã gửi 10/10"]
    rig.sim.faults.add(
        method="sendMessage",
        status=403,
        chat_id=15,
        description="Forbidden: bot was blocked by the user",
    )
    refused = await channel.send(address, Reply(Screen("Nhắc họp")), mode=Mode.ONCE)
    assert refused.outcome is Outcome.GONE


@pytest.mark.parametrize(
    "description",
    [
        "Bad Request: can't parse entities: unsupported start tag",
        "Bad Request: message is too long",
        "Bad Request: wrong file identifier/HTTP URL specified",
        "Bad Gateway",
        "Forbidden: bot is not a member of the supergroup chat",
        "Bad Request: something Telegram never said before",
    ],
)
def test_every_failure_reads_in_vietnamese(description: str) -> None:
    reason = texts.failure_reason(description)
    english = {w for w in description.lower().split() if w.isascii() and len(w) > 2}
    assert reason and not (english - {"telegram"}) & set(reason.lower().split())
    assert "Gửi lại" in reason or "Nhờ" in reason or "Rút ngắn" in reason or "Soạn lại" in reason


async def test_throttled_waits_retry_after_and_is_not_a_failure(rig: Rig) -> None:
    await add_people(rig.db, [21, 22, 23])
    for uid in (21, 22, 23):
        rig.sim.user(uid, started=True)
    rig.sim.faults.add(method="sendMessage", status=429, retry_after=1, chat_id=21, times=1)
    status = await wait_done(rig.db, await rig.broadcast(AudienceKind.EVERYONE))
    assert (status.sent, status.failed) == (3, 0)
    row = await rig.row(21)
    assert (row["state"], row["attempts"]) == ("sent", 1)  # the 429 did not count
    refused = next(c for c in rig.sim.failed_calls if c["code"] == 429)
    # Nothing left between the 429 and retry_after (a call already on its way may land
    # within a few milliseconds of the refusal: it left before the 429 was known).
    early = [m.time - refused["time"] for m in rig.sim.sent]
    assert not [t for t in early if 0.1 < t < 1.0], early
    assert max(early) >= 1.0
    assert rig.sim.stats.early_retries == 0


async def test_gone_recipients_are_marked_and_never_retried(rig: Rig) -> None:
    await add_people(rig.db, [31, 32, 33, 34, 35])
    rig.sim.user(31, started=True)  # fine
    rig.sim.user(32, started=True).block_bot()
    rig.sim.user(33, started=True).deactivate()
    rig.sim.user(34)  # never pressed Start: "bot can't initiate conversation"
    # 35 does not exist on Telegram at all: "chat not found"
    status = await wait_done(rig.db, await rig.broadcast(AudienceKind.EVERYONE))
    assert (status.sent, status.gone, status.failed) == (1, 4, 0)
    for uid in (32, 33, 34, 35):
        row = await rig.row(uid)
        assert row["state"] == "gone" and row["outcome"] == "gone"
        assert rig.calls_to(uid) == 1  # tried once, never again
    reasons = {str((await rig.row(uid))["error"]).lower() for uid in (32, 33, 34, 35)}
    assert any("blocked" in r for r in reasons) and any("chat not found" in r for r in reasons)
    reachable = await by_telegram(rig.db, "SELECT user_id, reachable FROM people")
    assert reachable == {31: 1, 32: 0, 33: 0, 34: 0, 35: 0}


async def test_kicked_group_is_marked_inactive(rig: Rig) -> None:
    admin = rig.sim.user(41, started=True)
    kept, kicked = rig.sim.group(-4101), rig.sim.group(-4102)
    rig.sim.remove_bot_from_group(kicked, by=admin)
    await add_group(rig.db, kept.chat_id, 1)
    await add_group(rig.db, kicked.chat_id, 1)
    status = await wait_done(rig.db, await rig.broadcast(AudienceKind.GROUPS))
    assert (status.sent, status.gone) == (1, 1)
    active = await by_telegram(rig.db, "SELECT chat_id, active FROM chats")
    assert active == {-4101: 1, -4102: 0}
    assert rig.calls_to(-4102) == 1


async def test_migrated_group_is_moved_and_sent_once_more(rig: Rig) -> None:
    group = rig.sim.group(-4200, title="Tổ 42")
    await add_group(rig.db, group.chat_id, 1)
    rig.sim.migrate_group(group, -1004200)
    status = await wait_done(rig.db, await rig.broadcast(AudienceKind.GROUPS))
    assert (status.sent, status.total) == (1, 1)
    assert rig.sim.last_in(-1004200) is not None
    row = await rig.row(-4200)
    assert (row["chat_id"], row["migrated_from"], row["attempts"]) == (-1004200, -4200, 1)
    chats = await by_telegram(rig.db, "SELECT chat_id, type || ':' || unit_id FROM chats")
    assert chats == {-1004200: "supergroup:1"}  # the tổ link moved too


async def test_temporary_failures_back_off_then_succeed(rig: Rig) -> None:
    await add_people(rig.db, [51])
    rig.sim.user(51, started=True)
    rig.sim.faults.add(method="sendMessage", status=500, chat_id=51, times=2)
    status = await wait_done(rig.db, await rig.broadcast(AudienceKind.EVERYONE))
    assert status.sent == 1
    assert (await rig.row(51))["attempts"] == 3
    refusals = [c["time"] for c in rig.sim.failed_calls if c["chat_id"] == "51"]
    assert refusals[1] - refusals[0] >= 0.7  # backed off (1 s, jittered), not hammered


async def test_temporary_failures_stop_at_max_attempts(rig: Rig) -> None:
    await add_people(rig.db, [52])
    rig.sim.user(52, started=True)
    rig.sim.faults.add(method="sendMessage", status=502, chat_id=52, times=10)
    status = await wait_done(rig.db, await rig.broadcast(AudienceKind.EVERYONE))
    assert (status.sent, status.failed) == (0, 1)
    row = await rig.row(52)
    assert (row["state"], row["attempts"], row["outcome"]) == ("failed", 3, "temporary")
    assert rig.calls_to(52) == 3  # [delivery] max_attempts = 3 in this rig


async def test_timeout_is_temporary_and_retried(rig: Rig) -> None:
    await add_people(rig.db, [53])
    rig.sim.user(53, started=True)
    rig.sim.faults.add(
        method="sendMessage", status="timeout", chat_id=53, times=1, delay=1.5, deliver=False
    )
    status = await wait_done(rig.db, await rig.broadcast(AudienceKind.EVERYONE))
    assert status.sent == 1
    row = await rig.row(53)
    assert (row["state"], row["attempts"]) == ("sent", 2)
    assert len(rig.sim.messages_in(53)) == 1


async def test_permanent_failure_keeps_telegrams_description_and_can_be_retried(
    rig: Rig, caplog: pytest.LogCaptureFixture
) -> None:
    await add_people(rig.db, [61, 62])
    for uid in (61, 62):
        rig.sim.user(uid, started=True)
    rig.sim.faults.add(
        method="sendMessage",
        status=400,
        chat_id=61,
        times=1,
        description="Bad Request: message is too long",
    )
    broadcast_id = await rig.broadcast(AudienceKind.EVERYONE)
    status = await wait_done(rig.db, broadcast_id)
    assert (status.sent, status.failed) == (1, 1)
    row = await rig.row(61)
    assert (row["state"], row["attempts"], row["outcome"]) == ("failed", 1, "permanent")
    assert "message is too long" in str(row["error"]).lower()
    assert status.errors and "too long" in status.errors[0][0].lower()
    # The official reads what it means and what to do, in Vietnamese (issue 11: "Telegram
    # báo: Bad Request: message is too long" reached them); Telegram's words are in the log.
    report = report_screen(status)
    shown = screen_html(report)
    assert texts.failure_reason("Bad Request: message is too long") in shown
    assert "Rút ngắn" in shown and "Bad Request" not in shown and "too long" not in shown
    assert report.buttons  # the retry button
    assert any("message is too long" in r.getMessage().lower() for r in caplog.records)

    assert await retry_failed(rig.db, broadcast_id, SystemClock().now()) == 1
    await rig.delivery.enqueue(broadcast_id)
    status = await wait_done(rig.db, broadcast_id)
    assert (status.sent, status.failed) == (2, 0)
    assert len(rig.sim.messages_in(62)) == 1  # the others were not sent again


async def test_rows_in_flight_at_a_crash_are_sent_again(
    sim: BotApiSimulator, tmp_path: Path
) -> None:
    path = tmp_path / "crash.sqlite3"
    db = await Database(path).open()
    ids = await add_people(db, [71, 72])
    for uid in (71, 72):
        sim.user(uid, started=True)
    broadcast_id, _ = await new_broadcast(db, "Tin")
    # As a SIGKILL leaves it: one row claimed, the call's fate unknown.
    await db.execute(
        "UPDATE outbox SET state = 'sending', attempts = 1 WHERE chat_id = ?", (ids[71],)
    )
    await db.close()
    async for rig in start_rig(sim, path):
        status = await wait_done(rig.db, broadcast_id)
        assert (status.sent, status.total) == (2, 2)
        assert len(sim.messages_in(71)) == 1 and len(sim.messages_in(72)) == 1
        final = await broadcast_status(rig.db, broadcast_id)
        assert final is not None and final.done
