"""Zalo updates into the durable inbox, then to the handler: long polling.

Zalo's getUpdates hands out one update per call, answers 408 when none came, and has no
update id and no offset: it forgets an update as soon as it has handed it out. So each
update is written to the inbox (keyed by Zalo's message id, which is also how a repeat is
recognised) before it is handled, and the next poll leaves only after that write. What this
cannot cover is the instant between Zalo handing an update out and the write finishing: a
crash there loses that one update (docs/architecture.md measures the window). The bot's own
messages, which Zalo has been seen to echo back, are dropped before anything is stored.
A sender over `[limits]` (the flood gate Telegram's updates pass too) is recorded, so a
repeat is still spotted, and closed without handling; the first of a flood is answered.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Awaitable, Callable

from bot.channels.zalo_api import ZaloApi, ZaloError, ZaloMessage, parse_update
from bot.inbox import EVENT, ChatSequencer, InboxWriter
from bot.limits import FloodGate, Verdict

log = logging.getLogger(__name__)

ZALO = "zalo"
Handler = Callable[[ZaloMessage], Awaitable[None]]


class ZaloReceiver:
    """What polling and the webhook share: drop echoes, record, then handle in chat order."""

    def __init__(
        self,
        writer: InboxWriter,
        bot_id: str,
        handle: Handler,
        *,
        gate: FloodGate | None = None,
        on_flood: Callable[[ZaloMessage], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.writer = writer
        self.bot_id = bot_id
        self.handle = handle
        self.gate = gate
        self.on_flood = on_flood
        self.clock = clock
        self.sequencer = ChatSequencer()
        self.dropped_echoes = 0
        self.duplicates = 0
        self._tasks: set[asyncio.Task[None]] = set()

    async def accept(self, body: object) -> bool:
        """Record one update (True once it is on disk, or when it is nothing to keep: an
        echo, a repeat, a body without a message), then handle it in the background."""
        message = parse_update(body)
        if message is None:
            log.info("a Zalo update without a message was ignored")
            return True
        if message.sender_id == self.bot_id or message.sender_is_bot:
            self.dropped_echoes += 1
            return True
        seq = self.writer.accept(
            ZALO,
            message.message_id,
            message.chat_id,
            message.sender_id,
            json.dumps(body, ensure_ascii=False),
        )
        if seq is None:
            self.duplicates += 1
            return True
        await self.writer.flush()  # on disk before anything else happens
        verdict = Verdict.ADMIT
        if self.gate is not None:
            verdict = self.gate.admit((ZALO, message.sender_id), self.clock())
        if verdict != Verdict.ADMIT:
            self.writer.finish(seq)  # recorded, never handled: a flood
            if verdict == Verdict.WARN:
                log.warning("Zalo chat %s sends too fast; its updates are dropped",
                            message.chat_id)  # fmt: skip
                if self.on_flood is not None:
                    self.on_flood(message)
            return True
        self._spawn(seq, message)
        return True

    def handle_again(self, seq: int, message: ZaloMessage) -> None:
        """An update recorded by a previous run that did not finish it (start-up): handled
        in the background, ahead of anything new from the same chat."""
        self.writer.seen((ZALO, message.message_id))
        self._spawn(seq, message)

    def _spawn(self, seq: int, message: ZaloMessage) -> None:
        task = asyncio.get_running_loop().create_task(self._handle(seq, message))
        self._tasks.add(task)  # a reference, so that it is not collected half-way
        task.add_done_callback(self._tasks.discard)

    async def _handle(self, seq: int, message: ZaloMessage) -> None:
        token = EVENT.set(seq)
        try:
            await self.sequencer.run(message.chat_id, self.handle(message))
        except Exception:
            log.exception("a Zalo update could not be handled")
        finally:
            EVENT.reset(token)
            self.writer.finish(seq)

    async def idle(self) -> None:
        """Until every update accepted so far has been handled (tests, shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)


class ZaloPoller:
    """Long polling: one getUpdates at a time, each update recorded before the next."""

    def __init__(self, api: ZaloApi, receiver: ZaloReceiver, *, timeout: float = 25.0) -> None:
        self.api = api
        self.receiver = receiver
        self.timeout = timeout
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self.receiver.idle()

    async def _run(self) -> None:
        backoff = 1.0
        while True:
            try:
                update = await self.api.get_update(self.timeout)
                backoff = 1.0
            except ZaloError as exc:
                # The reason only: the URL, and the token in it, never reach the log.
                log.warning("Zalo getUpdates failed (%s); again in %.0f s", exc, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 60.0)
                continue
            if update is not None:
                await self.receiver.accept(update)
