"""The Telegram side of notices: the sender's wiring, and downloading the photos people sent.

The sender itself is channel-free (`bot/notice_sender.py`): it sends through
`TelegramChannel.send_screen`, whose failures are classified like every broadcast send
(`bot/channels/telegram_delivery.py`). What stays here is what only Telegram has: photos of
reports and tips are fetched with getFile into `[storage] media`, promptly, because
Telegram keeps a download link for about an hour.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import httpx
from telegram.ext import Application, ContextTypes

from bot import media
from bot.addresses import TELEGRAM
from bot.channels import zalo_media
from bot.notice_sender import NoticeSender
from bot.private_files import private_dir, private_file
from bot.services import BOT_DATA_KEY, Services

log = logging.getLogger(__name__)
SENDER_KEY = "report_notices"
DOWNLOADER_KEY = "media_downloader"


class MediaDownloader:
    """Fetches the files people sent that are not on disk yet, one run at a time."""

    def __init__(self, app: Application) -> None:
        self.app = app
        self._lock = asyncio.Lock()
        self._zalo: httpx.AsyncClient | None = None  # made the first time Zalo has a photo

    @property
    def svc(self) -> Services:
        found = self.app.bot_data[BOT_DATA_KEY]
        assert isinstance(found, Services)
        return found

    async def aclose(self) -> None:
        if self._zalo is not None:
            await self._zalo.aclose()
            self._zalo = None

    async def download(self) -> int:
        """Download what waits; return how many files were stored."""
        svc = self.svc
        if self._lock.locked():
            return 0
        async with self._lock:
            done = 0
            for wanted in await media.wanted(svc.db, TELEGRAM):
                file_id = wanted.source
                name = wanted.unique or file_id
                suffix = ".jpg" if wanted.kind == "photo" else ""
                relative = Path(svc.clock.now().strftime("%Y-%m")) / f"{name}{suffix}"
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
                    await media.failed(svc.db, wanted.id, str(exc))
                    continue
                if await media.stored(svc.db, wanted.id, relative.as_posix(), svc.clock.now()):
                    done += 1
                else:  # its owner erased their data while it downloaded (bot/erasure.py)
                    target.unlink(missing_ok=True)
            if svc.config.zalo.token:
                self._zalo = self._zalo or httpx.AsyncClient(timeout=30.0)
                done += await zalo_media.download(svc, self._zalo)
            return done


def sender(app: Application) -> NoticeSender:
    """The application's notice sender (created on first use), sending through Telegram."""
    found = app.bot_data.get(SENDER_KEY)
    if not isinstance(found, NoticeSender):
        svc = app.bot_data[BOT_DATA_KEY]
        assert isinstance(svc, Services)
        assert svc.channel is not None  # made with the application (Telegram, or a router)
        downloader = MediaDownloader(app)
        found = NoticeSender(
            svc,
            svc.channel,
            alive=lambda: app.running,
            download=downloader.download,
        )
        app.bot_data[SENDER_KEY] = found
        app.bot_data[DOWNLOADER_KEY] = downloader
    return found


async def stop(app: Application) -> None:
    """Stop the sender and the downloads, and close the downloader's connections."""
    found = app.bot_data.get(SENDER_KEY)
    if isinstance(found, NoticeSender):
        await found.stop()
    downloader = app.bot_data.get(DOWNLOADER_KEY)
    if isinstance(downloader, MediaDownloader):
        await downloader.aclose()


async def start_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Job: start the sender once the application runs."""
    sender(context.application).start()


async def media_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    found = sender(context.application).download
    if found is not None:
        await found()
