"""The photos people send on Zalo, downloaded from the URL Zalo gives (like Telegram's files).

A Zalo photo reaches the bot as a URL that may not last; the report keeps a media row for it
at once and the copy is fetched beside the notices (bot/notice_sender.py), into the same
private folders, so an officer on Telegram sees it and nothing depends on Zalo's link later.
"""

from __future__ import annotations

import logging
from pathlib import Path

import httpx

from bot import media
from bot.addresses import ZALO
from bot.private_files import private_dir, private_file
from bot.services import Services

log = logging.getLogger(__name__)

MAX_BYTES = 20 * 1024 * 1024  # as Telegram's own download limit
_SUFFIXES = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp", "image/gif": ".gif"}


async def download(svc: Services, client: httpx.AsyncClient) -> int:
    """Fetch the Zalo photos not on disk yet; how many were stored."""
    done = 0
    for wanted in await media.wanted(svc.db, ZALO):
        relative = Path(svc.clock.now().strftime("%Y-%m")) / f"zalo-{wanted.id}"
        try:
            answer = await client.get(wanted.source, follow_redirects=True)
            answer.raise_for_status()
            if len(answer.content) > MAX_BYTES:
                raise ValueError(f"{len(answer.content)} bytes is more than {MAX_BYTES}")
            kind = answer.headers.get("content-type", "").split(";")[0].strip()
            relative = relative.with_suffix(_SUFFIXES.get(kind, ".jpg"))
            target = Path(svc.config.storage.media) / relative
            private_dir(target.parent)
            private_file(target)  # private before the first byte is written
            target.write_bytes(answer.content)
        except (httpx.HTTPError, OSError, ValueError) as exc:
            log.warning("could not download Zalo photo %s: %s", wanted.id, type(exc).__name__)
            await media.failed(svc.db, wanted.id, str(exc))
            continue
        if await media.stored(svc.db, wanted.id, relative.as_posix(), svc.clock.now()):
            done += 1
        else:  # erased while it downloaded
            target.unlink(missing_ok=True)
    return done
