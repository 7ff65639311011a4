"""Sending what the core queued in `notices`, and downloading the photos people sent.

One background task per application, started by a job once the application runs: it sends
the oldest due notice of each chat, at most `[delivery] per_chat_per_second` per chat and
`global_per_second` in all, and acts on the class of each failure (Telegram asked us to
wait; the person blocked the bot; the message was refused; the network hiccuped). Between
rounds it sleeps until woken (a handler queued something) or a second passes.

Photos of reports and tips are downloaded with getFile into `[storage] media`, promptly,
because Telegram keeps a download link for about an hour.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.ext import Application, ContextTypes

from bot import media, notices
from bot.channels.telegram_delivery import single_attempt
from bot.channels.telegram_render import inline_markup
from bot.notices import RenderContext
from bot.private_files import private_dir, private_file
from bot.services import BOT_DATA_KEY, Services

log = logging.getLogger(__name__)
SENDER_KEY = "report_notices"
OWED_SCREEN_ATTEMPTS = 40  # 2 s, 4 s, … then every 5 minutes: about three hours in all


class NoticeSender:
    """The paced sender of `notices` rows and the downloader of `media` rows."""

    def __init__(self, app: Application) -> None:
        self.app = app
        self._next_for_chat: dict[int, float] = {}
        self._paused_until = 0.0
        self._media_lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None

    @property
    def svc(self) -> Services:
        found = self.app.bot_data[BOT_DATA_KEY]
        assert isinstance(found, Services)
        return found

    def wake(self) -> None:
        self.svc.bell.ring()

    def start(self) -> None:
        if self._task is None or self._task.done():
            self._task = self.app.create_task(self.run(), name="report-notices")

    async def run(self) -> None:
        """Send until the application stops; never dies of one bad notice."""
        last_media = 0.0
        while self.app.running:
            try:
                sent = await self.send_due()
                if self.svc.bell.take_media() or time.monotonic() - last_media > 30:
                    last_media = time.monotonic()
                    if self.app.running:  # beside the notices: a download may take seconds
                        self.app.create_task(self.download_media(), name="media-download")
            except Exception:
                log.exception("notice sender round failed")
                sent = 0
            if sent:
                continue
            await self.svc.bell.wait(timeout=1.0)

    async def send_due(self) -> int:
        """One round: the oldest due notice of every chat that may receive one now."""
        svc = self.svc
        if time.monotonic() < self._paused_until:
            return 0
        rows = await notices.next_per_chat(svc.db, svc.clock.now())
        per_chat = 1.0 / max(svc.config.delivery.per_chat_per_second, 0.01)
        spacing = 1.0 / max(svc.config.delivery.global_per_second, 0.1)
        ctx = RenderContext(svc.db, svc.content, svc.config)
        sent = 0
        for row in rows:
            notice = notices.Notice(
                int(row[0]), int(row[1]), str(row[2]), int(row[3]), _json(row[4]), int(row[5])
            )
            if self._next_for_chat.get(notice.chat_id, 0.0) > time.monotonic():
                continue
            if not await self._send_one(ctx, notice):
                break  # Telegram asked everyone to wait
            self._next_for_chat[notice.chat_id] = time.monotonic() + per_chat
            sent += 1
            await asyncio.sleep(spacing)
        return sent

    async def _send_one(self, ctx: RenderContext, notice: notices.Notice) -> bool:
        svc = self.svc
        db, now = svc.db, svc.clock.now()
        rendered = await notices.render(ctx, notice)
        if rendered is None:
            await notices.mark_failed(db, notice.id, "stale")
            return True
        markup = inline_markup(rendered.screen)
        try:
            with single_attempt():  # this sender acts on every failure itself, below
                await self._deliver(notice, rendered, markup)
        except RetryAfter as exc:
            wait = _seconds(exc.retry_after)
            self._paused_until = time.monotonic() + wait
            await notices.postpone(db, notice.id, now + timedelta(seconds=wait))
            return False
        except Forbidden:
            await notices.mark_failed(db, notice.id, "gone")
        except BadRequest as exc:
            gone = "not found" in str(exc).lower()
            if not gone:
                log.error("notice %s (%s) refused: %s", notice.id, notice.kind, exc)
            await notices.mark_failed(db, notice.id, "gone" if gone else "bad")
        except (TimedOut, NetworkError) as exc:
            # It may or may not have arrived; sending again risks a duplicate, not a loss.
            log.warning("notice %s: %s; will retry", notice.id, exc)
            attempts = svc.config.delivery.max_attempts
            if notice.kind == notices.SCREEN:
                # A person is waiting for this screen: try again soon, and for hours.
                delay = timedelta(seconds=min(300, 2 * 2**notice.attempts))
                attempts = max(attempts, OWED_SCREEN_ATTEMPTS)
            else:
                delay = timedelta(seconds=30 * (notice.attempts + 1))
            await notices.retry_later(db, notice.id, now, delay, attempts)
        else:
            await notices.mark_sent(db, notice.id, now)
        return True

    async def _deliver(
        self, notice: notices.Notice, rendered: notices.Rendered, markup: object
    ) -> None:
        if rendered.photo:
            await self.app.bot.send_photo(
                notice.chat_id,
                rendered.photo,
                caption=rendered.screen.html,
                reply_markup=markup,
            )
        else:
            await self.app.bot.send_message(
                notice.chat_id,
                rendered.screen.html,
                reply_markup=markup,
            )

    async def download_media(self) -> int:
        """Download the files people sent that are not on disk yet; return how many."""
        svc = self.svc
        if self._media_lock.locked():
            return 0
        async with self._media_lock:
            done = 0
            for file_id, unique_id in (
                (w.file_id, w.unique_id) for w in await media.wanted(svc.db)
            ):
                relative = Path(svc.clock.now().strftime("%Y-%m")) / f"{unique_id or file_id}.jpg"
                target = Path(svc.config.storage.media) / relative
                try:
                    found = await self.app.bot.get_file(file_id)
                    private_dir(target.parent)  # people's photos: 0700 folders, 0600 files
                    if found.file_path and "." in Path(found.file_path).name:
                        target = target.with_suffix(Path(found.file_path).suffix)
                        relative = relative.with_suffix(target.suffix)
                    private_file(target)  # private before the first byte is written
                    await found.download_to_drive(target)
                except Exception as exc:  # a network error, a file too big (20 MB), a full disk
                    log.warning("could not download %s: %s", file_id, exc)
                    await media.failed(svc.db, file_id, str(exc))
                    continue
                if await media.stored(svc.db, file_id, relative.as_posix(), svc.clock.now()):
                    done += 1
                else:  # its owner erased their data while it downloaded (bot/erasure.py)
                    target.unlink(missing_ok=True)
            return done


def _json(text: str) -> dict[str, Any]:
    value = json.loads(text)
    return value if isinstance(value, dict) else {}


def _seconds(value: object) -> float:
    if isinstance(value, timedelta):
        return value.total_seconds()
    return float(value)  # type: ignore[arg-type]


def sender(app: Application) -> NoticeSender:
    """The application's notice sender (created on first use)."""
    found = app.bot_data.get(SENDER_KEY)
    if not isinstance(found, NoticeSender):
        found = NoticeSender(app)
        app.bot_data[SENDER_KEY] = found
    return found


def wake(context: ContextTypes.DEFAULT_TYPE) -> None:
    sender(context.application).wake()


async def start_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Job: start the sender once the application runs."""
    sender(context.application).start()


async def media_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    await sender(context.application).download_media()
