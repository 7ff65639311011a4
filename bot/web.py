"""The bot process's one small web app (aiohttp): Zalo's webhook, and what later issues add.

It listens only when something needs it (`[zalo] mode = "webhook"`, or `[web] public_url`
set so that Zalo can fetch the photos it is sent), on `[web] host` and
`[web] port`; `[web] public_url` is the address the outside world reaches it by (behind a
reverse proxy with TLS: Zalo wants https), used to register the webhook.
"""

from __future__ import annotations

import logging

from aiohttp import web

log = logging.getLogger(__name__)


class WebApp:
    """Routes added before `start`; `port` is the one bound (0 in the config: any free one)."""

    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port
        self.app = web.Application(client_max_size=1024 * 1024)
        self._runner: web.AppRunner | None = None

    def add_post(self, path: str, handler: web.Handler) -> None:  # type: ignore[name-defined]
        self.app.router.add_post(path, handler)

    def add_get(self, path: str, handler: web.Handler) -> None:  # type: ignore[name-defined]
        self.app.router.add_get(path, handler)

    async def start(self) -> None:
        self._runner = web.AppRunner(self.app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        server = site._server
        if server is not None and server.sockets:  # type: ignore[attr-defined]
            self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
        log.info("web app listening on %s:%s", self.host, self.port)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
