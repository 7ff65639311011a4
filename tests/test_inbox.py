"""The durable inbox: recorded before handling, done after, replayed after a crash,
duplicates dropped; one chat in order, chats concurrently."""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from telegram import Update
from telegram.error import NetworkError
from telegram.ext import ContextTypes, TypeHandler

from bot import texts
from bot.app import build_application, running
from bot.channels import telegram_inbox
from bot.channels.telegram_inbox import DurableQueue
from bot.clock import FakeClock, SystemClock
from bot.config import Config
from bot.content import ContentPack
from bot.db import Database
from bot.inbox import MAX_ATTEMPTS, ChatSequencer, Inbox, InboxWriter, Record
from bot.simulator import BotApiSimulator

from .conftest import SteadyClock
from .report_helpers import add_leader, svc, without_reminders

# The leaders' report flows run on a fixed date (the `bot` fixture and the restarted apps
# below): with the real clock, a run in the last minute of a month met a report reminder.
pytestmark = pytest.mark.fixed_date


@pytest.fixture
def config(config: Config) -> Config:
    return without_reminders(config)


async def wait_done(db: Database, seq: int) -> None:
    for _ in range(250):
        if await db.fetchval("SELECT done_at FROM inbox WHERE seq = ?", (seq,)):
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"update {seq} never done")


def record(seq: int, chat: int = 1, payload: str = "{}", channel: str = "telegram") -> Record:
    """An update as a channel hands it in; its external id is its number in the test."""
    return Record(seq, channel, str(seq), str(chat), None, payload)


def accept(writer: InboxWriter, external_id: int, chat: int = 1, payload: str = "{}") -> int | None:
    return writer.accept("telegram", str(external_id), str(chat), None, payload)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    async with Database(tmp_path / "i.sqlite3") as opened:
        yield opened


async def test_record_done_and_unfinished(db: Database) -> None:
    inbox = Inbox(db, SystemClock())
    writer = InboxWriter(inbox)
    await writer.load()
    five = accept(writer, 5, 100, '{"update_id": 5}')
    assert five is not None
    assert accept(writer, 5, 100, '{"update_id": 5}') is None  # a duplicate
    six = accept(writer, 6, 100, '{"update_id": 6}')
    assert six is not None and six > five  # numbered in order of arrival
    writer.finish(five)
    await writer.flush()
    # on disk twice (same channel and id, even under another number): left as it is
    await inbox.write([Record(99, "telegram", "5", "100", None, '{"update_id": 5}')], [])
    again = await inbox.take_unfinished("telegram")
    assert [(p.seq, p.external_id, p.attempts) for p in again] == [(six, "6", 2)]
    assert await inbox.take_unfinished("zalo") == []  # each channel replays its own
    assert (await inbox.stats()) == {"total": 2, "pending": 1, "retried": 1}


async def test_the_sequence_spans_channels_and_restarts(db: Database) -> None:
    """The same id on two channels is two updates; a new run numbers above the last one."""
    inbox = Inbox(db, SystemClock())
    first = InboxWriter(inbox)
    await first.load()
    numbers = [
        first.accept("telegram", "7", "1", "1", "{}"),
        first.accept("zalo", "7", "u1", "u1", "{}"),
    ]
    assert numbers == [1, 2]
    await first.flush()
    second = InboxWriter(inbox)
    await second.load()
    assert second.accept("zalo", "7", "u1", "u1", "{}") is None  # still known
    assert second.accept("zalo", "8", "u1", "u1", "{}") == 3
    with pytest.raises(RuntimeError):
        InboxWriter(inbox).accept("telegram", "9", None, None, "{}")  # load() first


async def test_an_update_that_keeps_failing_is_given_up(db: Database) -> None:
    inbox = Inbox(db, SystemClock())
    await inbox.write([record(7)], [])
    for expected in range(2, MAX_ATTEMPTS + 1):
        assert [p.attempts for p in await inbox.take_unfinished("telegram")] == [expected]
    assert await inbox.take_unfinished("telegram") == []  # closed instead of one more try
    assert await db.fetchval("SELECT done_at IS NOT NULL FROM inbox WHERE seq = 7")


async def test_prune_keeps_recent_and_unfinished(db: Database) -> None:
    from datetime import UTC, datetime, timedelta

    clock = FakeClock(datetime(2026, 4, 1, tzinfo=UTC))
    inbox = Inbox(db, clock)
    await inbox.write([record(1), record(2)], [])
    await inbox.write([], [1])
    clock.advance(days=8)
    await inbox.write([record(3)], [3])
    assert await inbox.prune(timedelta(days=7)) == 1
    rows = await db.fetchall("SELECT seq FROM inbox ORDER BY seq")
    assert [r[0] for r in rows] == [2, 3]


async def test_sequencer_orders_one_key_and_overlaps_keys() -> None:
    seq = ChatSequencer()
    log: list[tuple[str, int, str]] = []
    running_now = 0
    peak = 0

    async def work(key: str, n: int) -> None:
        nonlocal running_now, peak
        running_now += 1
        peak = max(peak, running_now)
        log.append((key, n, "start"))
        await asyncio.sleep(random.uniform(0, 0.01))
        log.append((key, n, "end"))
        running_now -= 1

    tasks = [
        asyncio.create_task(seq.run(key, work(key, n))) for n in range(8) for key in ("a", "b", "c")
    ]
    await asyncio.gather(*tasks)
    for key in ("a", "b", "c"):
        mine = [(n, what) for k, n, what in log if k == key]
        assert mine == [(n, what) for n in range(8) for what in ("start", "end")]
    assert peak > 1  # different chats did overlap
    assert len(seq) == 0  # nothing left behind


async def test_sequencer_survives_a_failing_item() -> None:
    seq = ChatSequencer()

    async def boom() -> None:
        raise RuntimeError("handler bug")

    async def fine() -> str:
        return "ok"

    first = asyncio.create_task(seq.run(1, boom()))
    second = asyncio.create_task(seq.run(1, fine()))
    with pytest.raises(RuntimeError):
        await first
    assert await second == "ok"


async def test_every_update_is_recorded_and_done(
    sim: BotApiSimulator, bot: Any, pack: ContentPack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Recorded as JSON good for a replay while unfinished; once done, only the id stays
    (what people wrote is not kept after it was handled)."""
    queue = bot.update_queue
    assert isinstance(queue, DurableQueue)
    finished: list[int] = []
    monkeypatch.setattr(queue.writer, "finish", finished.append)  # hold the done marks back
    user = sim.user(5001, "An")
    await user.send("/start")
    await user.expect_reply()
    await user.send("/nhiemvu")
    listing = await user.expect_reply()
    await user.press(listing, listing.buttons[0][0])
    await user.expect_reply()
    await sim.wait_idle()
    await telegram_inbox.flush(bot)
    rows = await svc(bot).db.fetchall(
        "SELECT seq, channel, external_id, chat, sender, payload, done_at FROM inbox ORDER BY seq"
    )
    assert len(rows) == 3 and not any(r["done_at"] for r in rows)
    assert {(r["channel"], r["chat"], r["sender"]) for r in rows} == {("telegram", "5001", "5001")}
    for row in rows:  # the stored JSON is the update, good for Update.de_json
        update = Update.de_json(json.loads(row["payload"]), bot.bot)
        assert update is not None and str(update.update_id) == row["external_id"]
        assert update.effective_user is not None and update.effective_user.id == 5001
    press = [Update.de_json(json.loads(r["payload"]), bot.bot) for r in rows][-1]
    assert press.callback_query is not None and press.callback_query.data
    assert sorted(finished) == [r["seq"] for r in rows]  # each one was handled
    monkeypatch.undo()
    for seq in finished:
        queue.writer.finish(seq)
    await telegram_inbox.flush(bot)
    rows = await svc(bot).db.fetchall("SELECT seq, payload, sender, done_at FROM inbox")
    assert len(rows) == 3 and all(r["done_at"] for r in rows)
    assert all(r["payload"] == "" and r["sender"] is None for r in rows)


async def test_duplicate_update_is_not_queued(bot: Any) -> None:
    queue = bot.update_queue
    assert isinstance(queue, DurableQueue)
    update = Update.de_json(
        {
            "update_id": 987654,
            "message": {
                "message_id": 1,
                "date": 0,
                "chat": {"id": 5002, "type": "private"},
                "from": {"id": 5002, "is_bot": False, "first_name": "B"},
                "text": "xin chào",
            },
        },
        bot.bot,
    )
    before = queue.qsize()
    await bot.stop()  # keep the queue still while we look at it
    try:
        await queue.put(update)
        await queue.put(update)
        assert queue.qsize() == before + 1
    finally:
        while queue.qsize() > before:
            queue.get_nowait()
            queue.task_done()
        await bot.start()


async def held_back(app: Any, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """From now on the app's handlers run but their updates are never marked done, as in a
    process killed between the two; returns the ids whose handlers finished."""
    queue = app.update_queue
    assert isinstance(queue, DurableQueue)
    finished: list[int] = []
    monkeypatch.setattr(queue.writer, "finish", finished.append)
    return finished


async def wait_finished(finished: list[int], count: int) -> None:
    for _ in range(250):
        if len(finished) >= count:
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"only {len(finished)} of {count} updates finished")


async def test_unfinished_update_is_handled_again_after_a_restart(
    sim: BotApiSimulator,
    config: Config,
    pack: ContentPack,
    clock: SteadyClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    lan = sim.user(5003, "Lan")
    first = build_application(config, pack, clock=clock)
    async with running(first):
        db = svc(first).db
        await add_leader(db, 5003, "Lan", "Tổ dân phố số 5")
        finished = await held_back(first, monkeypatch)
        await lan.send("/baocao")
        await lan.expect_reply()
        await wait_finished(finished, 1)
        await telegram_inbox.flush(first)
        seq = await db.fetchval("SELECT MAX(seq) FROM inbox")
        assert finished == [seq]
        assert await db.fetchval("SELECT done_at FROM inbox WHERE seq = ?", (seq,)) is None
        # Pretend the process died while handling it: its effects never happened.
        await db.execute("DELETE FROM report_drafts")
        await db.execute("DELETE FROM flow_marks")
    monkeypatch.undo()
    second = build_application(config, pack, clock=clock)
    async with running(second):
        again = await lan.expect_reply(timeout=10)
        assert texts.R_Q_DATE in again.text
        db = svc(second).db
        await wait_done(db, seq)
        assert await db.fetchval("SELECT attempts FROM inbox WHERE seq = ?", (seq,)) == 2
        assert await db.fetchval("SELECT COUNT(*) FROM report_drafts") == 1


async def test_replayed_step_that_had_finished_its_effect_is_not_applied_twice(
    sim: BotApiSimulator,
    config: Config,
    pack: ContentPack,
    clock: SteadyClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    lan = sim.user(5004, "Lan")
    first = build_application(config, pack, clock=clock)
    async with running(first):
        db = svc(first).db
        await add_leader(db, 5004, "Lan", "Tổ dân phố số 5")
        await lan.send("/baocao")
        question = await lan.expect_reply()
        await lan.press(question, texts.R_BTN_TODAY)
        form_q = await lan.expect_reply()
        await lan.press(form_q, texts.R_FORM_LABELS["loa"])
        topics_q = await lan.expect_reply()
        await telegram_inbox.flush(first)
        await wait_done(db, await db.fetchval("SELECT MAX(seq) FROM inbox"))
        # Killed after the tick was committed but before the update was marked done.
        finished = await held_back(first, monkeypatch)
        await lan.press(topics_q, topics_q.buttons[0][0])  # tick the first topic
        await lan.expect_reply()
        await wait_finished(finished, 1)
        await telegram_inbox.flush(first)
        seq = await db.fetchval("SELECT MAX(seq) FROM inbox")
        assert finished == [seq]
    monkeypatch.undo()
    second = build_application(config, pack, clock=clock)
    async with running(second):
        db = svc(second).db
        await wait_done(db, seq)
        assert await db.fetchval("SELECT attempts FROM inbox WHERE seq = ?", (seq,)) == 2
        # the stored answer was shown again: the same screen, so nothing visibly changes
        await lan.expect_no_reply(within=0.2)
        topics = json.loads(await svc(second).db.fetchval("SELECT topics FROM report_drafts"))
        assert len(topics) == 1  # ticked once, not ticked and un-ticked


async def test_one_chat_in_order_chats_concurrently(
    sim: BotApiSimulator, config: Config, pack: ContentPack
) -> None:
    app = build_application(config, pack)
    seen: list[tuple[int, int, str]] = []
    active = 0
    peak = 0

    async def slow(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        nonlocal active, peak
        assert isinstance(update, Update) and update.effective_chat is not None
        chat = update.effective_chat.id
        active += 1
        peak = max(peak, active)
        seen.append((chat, update.update_id, "start"))
        await asyncio.sleep(random.uniform(0.001, 0.02))
        seen.append((chat, update.update_id, "end"))
        active -= 1

    app.add_handler(TypeHandler(Update, slow), group=-100)
    async with running(app):
        users = [sim.user(5100 + i, f"U{i}") for i in range(6)]
        for round_ in range(5):
            for user in users:
                await user.send(f"tin {round_}")
        for user in users:
            await user.expect_replies(5, timeout=10)
    for user in users:
        mine = [(u, what) for c, u, what in seen if c == user.chat_id]
        ids = [u for u, what in mine if what == "start"]
        assert ids == sorted(ids) and len(ids) == 5
        # never two updates of one chat at once: start/end strictly alternate
        assert [what for _, what in mine] == ["start", "end"] * 5
    assert peak > 1


# ---------------------------------------------------------------- the batched writer


async def test_writer_drops_what_a_previous_run_recorded(db: Database) -> None:
    """After a restart, Telegram may send again what it was never told to forget."""
    inbox = Inbox(db, SystemClock())
    await inbox.write([record(41)], [])
    writer = InboxWriter(inbox)
    await writer.load()
    assert accept(writer, 41) is None
    assert accept(writer, 42) == 42  # numbered above what is on disk
    assert accept(writer, 42) is None  # and what this run already took


async def test_writer_batches_and_writes_done_marks_soon_by_itself(db: Database) -> None:
    inbox = Inbox(db, SystemClock())
    writer = InboxWriter(inbox)
    writes: list[tuple[int, int]] = []
    real_write = inbox.write

    async def counted(records: list[Any], done: list[int]) -> None:
        writes.append((len(records), len(done)))
        await real_write(records, done)

    inbox.write = counted  # type: ignore[method-assign]
    await writer.load()
    seqs = []
    for update_id in range(100, 150):
        seq = accept(writer, update_id, update_id % 7, json.dumps({"update_id": update_id}))
        assert seq is not None
        seqs.append(seq)
    await writer.flush()
    assert writes == [(50, 0)]  # fifty updates, one transaction
    assert await db.fetchval("SELECT COUNT(*) FROM inbox WHERE done_at IS NULL") == 50
    for seq in seqs:
        writer.finish(seq)
    await wait_done(db, seqs[-1])  # no flush called: the marks go out on their own
    assert writes[1:] == [(0, 50)]
    assert writer.pending == 0


async def test_updates_are_on_disk_before_the_next_get_updates_leaves(db: Database) -> None:
    """The getUpdates request writes first; if the database refuses, the call fails like a
    network error (PTB retries it) and the updates stay pending, so nothing is lost."""
    from aiohttp import web

    inbox = Inbox(db, SystemClock())
    writer = InboxWriter(inbox)
    seen_on_disk: list[int] = []

    async def get_updates(request: web.Request) -> web.Response:
        seen_on_disk.append(int(await db.fetchval("SELECT COUNT(*) FROM inbox")))
        return web.json_response({"ok": True, "result": []})

    server = web.Application()
    server.router.add_post("/getUpdates", get_updates)
    runner = web.AppRunner(server)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}/getUpdates"  # type: ignore[union-attr]
    request = telegram_inbox.FlushFirstRequest(writer)
    await request.initialize()
    await writer.load()
    try:
        accept(writer, 1)
        accept(writer, 2)
        await request.do_request(url, "POST")
        assert seen_on_disk == [2]

        accept(writer, 3)
        real_write = inbox.write

        async def broken(records: list[Any], done: list[int]) -> None:
            raise OSError("disk full")

        inbox.write = broken  # type: ignore[method-assign]
        with pytest.raises(NetworkError):
            await request.do_request(url, "POST")
        assert seen_on_disk == [2] and writer.pending == 1  # not asked, nothing dropped
        inbox.write = real_write  # type: ignore[method-assign]
        await request.do_request(url, "POST")
        assert seen_on_disk == [2, 3]
    finally:
        await request.shutdown()
        await runner.cleanup()


async def test_the_updater_is_held_back_while_the_backlog_is_full(db: Database) -> None:
    """Beyond MAX_BACKLOG updates taken and not handled, put() waits (so updates wait at
    Telegram, not in memory); each handled update makes room for one more. Only the first
    PER_CHAT_COUNTED waiting updates of a chat count, so one busy chat never fills it."""
    writer = InboxWriter(Inbox(db, SystemClock()))
    await writer.load()
    queue = DurableQueue(writer)

    def update(update_id: int, chat_id: int) -> Update:
        return Update.de_json(
            {
                "update_id": update_id,
                "message": {
                    "message_id": update_id,
                    "date": 0,
                    "chat": {"id": chat_id, "type": "private"},
                    "text": "/muctieu",
                },
            },
            None,
        )

    busy = telegram_inbox.PER_CHAT_COUNTED  # chat 100's updates come first
    taken = [update(n, 100 if n <= busy else 100 + n) for n in range(1, 33)]
    assert len(taken) == telegram_inbox.MAX_BACKLOG
    for item in taken:
        await asyncio.wait_for(queue.put(item), 1)
    # Chat 100 already has PER_CHAT_COUNTED waiting: it adds more without waiting.
    for n in range(5):
        await asyncio.wait_for(queue.put(update(500 + n, 100)), 1)
    blocked = asyncio.create_task(queue.put(update(1000, 999)))
    await asyncio.sleep(0.05)
    assert not blocked.done()
    queue.get_nowait()
    queue.task_done()
    await asyncio.sleep(0.05)
    assert not blocked.done()  # taken, but not handled yet
    queue.release(taken[-1])
    await asyncio.wait_for(blocked, 1)
    assert queue.backlog == telegram_inbox.MAX_BACKLOG
