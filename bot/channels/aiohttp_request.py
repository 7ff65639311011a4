"""python-telegram-bot's networking on aiohttp instead of httpx.

PTB talks HTTP through a `BaseRequest`, which it documents as the place to plug in another
asyncio HTTP library; its own is httpx. We use aiohttp (already our simulator's server)
because httpx costs the bot more CPU per call than anything the bot itself does: its
connection pool looks at every open connection on every request (expiry checks through
anyio, O(connections)), and each call goes through cookie, redirect and auth layers the Bot
API never needs. Measured with bench/updates.py (py-spy): with 16 chats handled at once,
httpx's pool alone took about a third of a millisecond per update.

The mapping of PTB's four timeouts: read → aiohttp's `sock_read` (PTB adds the long-poll
time to it for getUpdates); connect → `sock_connect`; aiohttp's `connect` covers waiting for
a free connection *and* opening one, so it gets pool + connect (a new TLS connection to
Telegram after a quiet spell must not be cut at the 1 s pool limit); aiohttp has no write
timeout, so an upload gets a `total` of write + read instead. Proxy settings come from the
environment (HTTPS_PROXY …), as with httpx.
"""

from __future__ import annotations

import functools
import urllib.request

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

# PTB's own defaults for HTTPXRequest (seconds), so the bot behaves the same on both.
CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 5.0
POOL_TIMEOUT = 1.0
MEDIA_WRITE_TIMEOUT = 60.0  # sending a whole upload (photos of a session, report files)


class AiohttpRequest(BaseRequest):
    """A `BaseRequest` on one `aiohttp.ClientSession` with a bounded connection pool."""

    __slots__ = ("_pool_size", "_read_timeout", "_session")

    def __init__(self, connection_pool_size: int = 32, read_timeout: float = READ_TIMEOUT) -> None:
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float:
        return self._read_timeout

    async def initialize(self) -> None:
        # Created here, inside the running loop (aiohttp binds its session to it).
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size),
                headers={"User-Agent": self.USER_AGENT},
                # The Bot API speaks JSON over plain POSTs: no cookies to keep.
                cookie_jar=aiohttp.DummyCookieJar(),
            )

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized")
        files = request_data is not None and request_data.contains_files
        timeout = client_timeout(
            files, read_timeout, write_timeout, connect_timeout, pool_timeout, self._read_timeout
        )
        data: aiohttp.FormData | dict[str, str] | None = None
        if request_data is not None:
            if files:
                form = aiohttp.FormData(request_data.json_parameters)
                for name, (filename, content, mimetype) in request_data.multipart_data.items():
                    form.add_field(name, content, filename=filename, content_type=mimetype)
                data = form
            else:
                data = request_data.json_parameters  # url-encoded, as PTB's httpx request
        try:
            async with self._session.request(
                method, url, data=data, timeout=timeout, proxy=env_proxy(*_scheme_host(url))
            ) as response:
                return response.status, await response.read()
        except TimeoutError as exc:
            if isinstance(exc, aiohttp.ConnectionTimeoutError):
                raise TimedOut("Timed out waiting for a connection; not sent") from exc
            raise TimedOut from exc
        except aiohttp.ClientError as exc:
            raise NetworkError(f"aiohttp.{type(exc).__name__}: {exc}") from exc


def client_timeout(
    files: bool, read_timeout: ODVInput[float], write_timeout: ODVInput[float],
    connect_timeout: ODVInput[float], pool_timeout: ODVInput[float],
    default_read: float = READ_TIMEOUT,
) -> aiohttp.ClientTimeout:  # fmt: skip
    """PTB's four timeouts (a DefaultValue: ours; None: no limit) as aiohttp's."""
    read = _given(read_timeout, default_read)
    connect = _given(connect_timeout, CONNECT_TIMEOUT)
    upload = _given(write_timeout, MEDIA_WRITE_TIMEOUT) if files else None
    return aiohttp.ClientTimeout(
        total=_sum(upload, read) if files else None,
        connect=_sum(_given(pool_timeout, POOL_TIMEOUT), connect),
        sock_connect=connect,
        sock_read=read,
    )


@functools.lru_cache(maxsize=16)
def env_proxy(scheme: str, host: str) -> str | None:
    """The proxy the environment names for this scheme and host (HTTPS_PROXY, NO_PROXY …),
    looked up once per host. Not aiohttp's trust_env: that reads the environment and
    ~/.netrc on every request, which doubled the CPU per call (bench/updates.py)."""
    if host in ("127.0.0.1", "localhost", "[::1]") or urllib.request.proxy_bypass(host):
        return None  # loopback (the simulator) never goes through a proxy
    return urllib.request.getproxies().get(scheme)


def _scheme_host(url: str) -> tuple[str, str]:
    scheme, _, rest = url.partition("://")
    return scheme, rest.split("/", 1)[0].rsplit("@", 1)[-1].split(":", 1)[0]


def _sum(a: float | None, b: float | None) -> float | None:
    """Two limits in a row; None (no limit) if either has none."""
    return None if a is None or b is None else a + b


def _given(value: ODVInput[float], default: float) -> float | None:
    """PTB passes a DefaultValue for "use your default" and None for "no timeout"."""
    if isinstance(value, DefaultValue):
        return default
    return value
