"""Files for Zalo by URL: Zalo takes a photo only as a public address, so with `[web]
public_url` set the bot's web app serves each file a Zalo message needs.

A URL names the media row and carries an HMAC of its id (keyed by the bot's tokens), so
nobody can walk the ids to read other people's photos; only files with a copy on disk are
served, and only while their row exists (an erased person's photos are gone).
"""

from __future__ import annotations

import hashlib
import hmac
import mimetypes

from aiohttp import web

from bot.config import Config
from bot.media import Library, MediaRef

PATH = "/media/{media_id}/{signature}"


def media_key(config: Config) -> bytes:
    return config.secret_key("media url")


def signature(media_id: int, key: bytes) -> str:
    return hmac.new(key, str(media_id).encode("ascii"), hashlib.sha256).hexdigest()[:32]


def url_of(public_url: str, ref: MediaRef, key: bytes) -> str:
    return f"{public_url.rstrip('/')}/media/{ref.id}/{signature(ref.id, key)}"


def handler(library: Library, key: bytes) -> web.Handler:  # type: ignore[name-defined]
    async def serve(request: web.Request) -> web.StreamResponse:
        raw = request.match_info["media_id"]
        if not raw.isdigit() or len(raw) > 15:
            raise web.HTTPNotFound()
        media_id = int(raw)
        given = request.match_info["signature"]
        if not hmac.compare_digest(
            given.encode("ascii", "replace"), signature(media_id, key).encode()
        ):
            raise web.HTTPNotFound()  # the same answer as a file that is not there
        found = await library.locate(MediaRef(media_id, "photo"))
        if found is None or found.path is None or not found.path.is_file():
            raise web.HTTPNotFound()
        kind = mimetypes.guess_type(found.path.name)[0] or "application/octet-stream"
        return web.FileResponse(found.path, headers={"Content-Type": kind})

    return serve
