"""build_application(config): the one place where the bot is wired together.

Services (database, content pack, clock) are built here and handed to handlers through one
frozen `Services` object. `running()` starts the application inside an existing event loop,
the way the demo, the tests and the benchmarks need it; `run` uses PTB's own run_polling.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from urllib.parse import urlsplit

from telegram import (
    LinkPreviewOptions,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, InvalidToken, NetworkError, TelegramError
from telegram.ext import Application, ApplicationBuilder, Defaults, TypeHandler
from telegram.request import BaseRequest

import handlers
from bot import texts
from bot.addresses import TELEGRAM, ZALO, Directory
from bot.channels import (
    telegram_inbox,
    telegram_jobs,
    telegram_menus,
    telegram_notices,
    telegram_off,
    zalo_bridge,
    zalo_media_web,
)
from bot.channels.aiohttp_request import AiohttpRequest
from bot.channels.router import Channels
from bot.channels.telegram_delivery import SharedBudget, TelegramChannel
from bot.channels.telegram_errors import on_error
from bot.channels.telegram_numbered import NumberedRequest, numbered_input
from bot.channels.zalo_api import ZaloApi, ZaloError
from bot.channels.zalo_channel import ZaloChannel
from bot.clock import Clock, SystemClock
from bot.config import PUBLIC_BOT_API, Config, ConfigError, check_writable
from bot.content import ContentPack
from bot.db import Database
from bot.delivery import Channel
from bot.inbox import Inbox
from bot.limits import FloodGate
from bot.logs import protect, redact
from bot.media import Library
from bot.services import BOT_DATA_KEY, Services, services
from handlers.common import admin_addresses

log = logging.getLogger(__name__)


def build_application(
    config: Config, content: ContentPack, *, clock: Clock | None = None, updates: str = "durable"
) -> Application:
    """An Application with every handler registered; the database opens in post_init.

    `updates`: "durable" records every update before handling it and keeps each chat in
    order (see bot/channels/telegram_inbox.py); "ordered"/"sequential" are for benchmarks."""
    protect(config.telegram.token)
    check_writable(config.storage.database, "[storage] database")
    db = Database(config.storage.database)
    clock = clock or SystemClock()
    svc = Services(
        config=config,
        db=db,
        content=content,
        clock=clock,
        directory=Directory(db, clock),
    )
    limits = config.limits
    gate = FloodGate(limits.updates_burst, limits.updates_per_second)
    app = (
        telegram_inbox.configure(ApplicationBuilder(), Inbox(svc.db, svc.clock), updates, gate)
        .token(config.telegram.token or telegram_off.PLACEHOLDER_TOKEN)
        .request(_request(config, svc))
        .base_url(config.telegram.base_url)
        .base_file_url(config.file_url)
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML,
                tzinfo=config.ward.tz,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        )
        .post_init(post_init)
        .post_shutdown(post_shutdown)
        # Replies share the 30/s with broadcasts, and keep trying through 429s and 5xx.
        .rate_limiter(SharedBudget(svc.delivery, config.delivery.reply_retry_seconds))
        .build()
    )

    async def refresh_menu(local_id: int) -> None:
        if config.telegram.enabled:  # Zalo has no command menu to set
            await telegram_menus.set_persons(app.bot, app.bot_data[BOT_DATA_KEY], local_id)

    app.bot_data[BOT_DATA_KEY] = replace(
        svc,
        flush_inbox=lambda: telegram_inbox.flush(app),
        refresh_menu=refresh_menu,
        # The one way out: replies, notices, previews and broadcasts (Telegram, and Zalo
        # when it has a token: one router over both, by each address's channel).
        channel=_channel(app, config, svc),
    )
    telegram_inbox.answer_floods(app)
    handlers.register(app)
    if not config.telegram.buttons:  # typed numbers are presses: before every other handler
        app.add_handler(TypeHandler(Update, numbered_input), group=-100)
    app.add_error_handler(on_error)
    telegram_jobs.register(app, config)
    return app


ZALO_API, ZALO_RUNTIME = "zalo.api", "zalo.runtime"  # in bot_data when Zalo runs


def _channel(app: Application, config: Config, svc: Services) -> Channel:
    library = Library(svc.db, config.storage.media)
    channels: dict[str, Channel] = {}
    if config.telegram.enabled:
        channels[TELEGRAM] = TelegramChannel(app.bot, library, edits=config.telegram.buttons)
    if not config.zalo.token:
        return channels[TELEGRAM]
    api = ZaloApi(config.zalo.token, config.zalo.base_url)
    app.bot_data[ZALO_API] = api
    zalo_channel = ZaloChannel(
        api,
        library,
        svc.db,
        svc.clock,
        per_second=config.zalo.per_second,
        retry_for=config.delivery.reply_retry_seconds,
        public_url=config.web.public_url,
        media_key=zalo_media_web.media_key(config),
        telegram_too=config.telegram.enabled,
    )
    channels[ZALO] = zalo_channel
    return Channels(channels)


def _request(config: Config, svc: Services) -> BaseRequest:
    if not config.telegram.enabled:
        return telegram_off.NoTelegram()  # answers PTB's getMe; nothing else is asked
    # aiohttp rather than PTB's httpx: a fraction of the CPU per call (see the module).
    # Room for the outbox's calls in flight and the replies being sent at once.
    request: BaseRequest = AiohttpRequest(connection_pool_size=64)
    if not config.telegram.buttons:
        request = NumberedRequest(request, svc.db, svc.clock)
    return request


async def post_init(app: Application) -> None:
    """Open the database, then set the Vietnamese command menus (failure is only logged)."""
    svc: Services = app.bot_data[BOT_DATA_KEY]
    await svc.db.open()
    # The config's admins are known addresses from the start: cards and digests reach them
    # before they ever write to the bot, and the role check finds them like anyone else.
    await svc.directory.know(admin_addresses(svc.config.admins.keys()))
    await telegram_inbox.replay_unfinished(app)  # before polling: keeps each chat's order
    assert svc.channel is not None  # made with the application
    await svc.delivery.start(  # resume unfinished broadcasts and start the outbox sender
        svc.db,
        svc.config.delivery,
        svc.clock,
        svc.channel,
        alive=lambda: app.running,  # sends wait for app.start() and stop at app.stop()
        directory=svc.directory,
    )
    api = app.bot_data.get(ZALO_API)
    writer = telegram_inbox.writer_of(app)
    if isinstance(api, ZaloApi) and writer is not None:  # Zalo's updates, into the same inbox
        app.bot_data[ZALO_RUNTIME] = await zalo_bridge.start(app, api, writer, svc.config)
    await telegram_jobs.arm_schedules(app)  # the calendar and officials' schedules
    if svc.config.telegram.enabled:
        await telegram_menus.set_all(app.bot, svc)  # everyone's menus, then each official's


async def post_shutdown(app: Application) -> None:
    try:
        runtime = app.bot_data.pop(ZALO_RUNTIME, None)
        if isinstance(runtime, zalo_bridge.ZaloRuntime):  # no more Zalo updates taken in
            await zalo_bridge.stop(runtime)
        # Stop claiming outbox rows, let calls in flight finish briefly: before the
        # database closes.
        await app.bot_data[BOT_DATA_KEY].delivery.stop()
        await telegram_notices.stop(app)
        await telegram_inbox.flush(app)  # the last done marks
        await app.bot_data[BOT_DATA_KEY].directory.close()
    finally:
        await app.bot_data[BOT_DATA_KEY].db.close()


@asynccontextmanager
async def running(app: Application) -> AsyncIterator[Application]:
    """Run `app` inside the current event loop until the block exits (polling Telegram
    unless the ward runs on Zalo alone)."""
    telegram_on = services_of(app).config.telegram.enabled
    async with app:
        try:
            await post_init(app)
        except BaseException:  # e.g. Zalo refused the token: stop what started, close the db
            try:
                await post_shutdown(app)
            except Exception:  # the first failure is the one to report
                log.exception("could not shut down cleanly after a failed start")
            raise
        await app.start()
        assert app.updater is not None
        if telegram_on:
            await app.updater.start_polling(
                poll_interval=0.0, timeout=10, allowed_updates=Update.ALL_TYPES
            )
        try:
            yield app
        finally:
            if telegram_on:
                await app.updater.stop()
            await app.stop()
            await post_shutdown(app)


def services_of(app: Application) -> Services:
    found: Services = app.bot_data[BOT_DATA_KEY]
    return found


def run_polling(app: Application) -> None:
    """Serve Telegram and Zalo (either alone) until interrupted (Ctrl+C, SIGTERM).

    A start-up that Telegram or Zalo refuses raises ConfigError naming the key to fix (issue
    9): PTB's own InvalidToken quotes the whole token. Any other exception comes out as is."""
    # aiosqlite answers from its own thread and must take the GIL back to wake the loop;
    # with the default 5 ms switch interval a busy loop makes every database call wait up
    # to 5 ms for it. 0.5 ms keeps each call's hand-over short.
    sys.setswitchinterval(0.0005)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    config = services_of(app).config
    try:
        if config.telegram.enabled:
            # bootstrap_retries=0: one getMe; a wrong token or address fails at once.
            app.run_polling(allowed_updates=Update.ALL_TYPES, bootstrap_retries=0, close_loop=False)
        else:
            loop.run_until_complete(_serve_without_telegram(app))
    except TelegramError as exc:
        problem = startup_problem(config, exc)
        if problem is None:
            raise
        raise problem from None
    except ZaloError as exc:
        zalo_problem = zalo_startup_problem(config, exc)
        if zalo_problem is None:
            raise
        raise zalo_problem from None
    finally:
        # PTB closes the bot's HTTP sessions only after a start that succeeded; left open
        # they are reported ("Unclosed client session") after the last line we print.
        loop.run_until_complete(app.bot.shutdown())
        loop.close()


async def _serve_without_telegram(app: Application) -> None:
    """What PTB's run_polling does, less the Telegram polling: until SIGINT or SIGTERM."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        async with running(app):
            log.info("serving Zalo only ([telegram] token is empty)")
            await stop.wait()
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)


def zalo_startup_problem(config: Config, exc: ZaloError) -> ConfigError | None:
    """The config key behind a Zalo start-up that failed (getMe refused or unreachable)."""
    if exc.code in (401, 403, 404):  # the token is part of the path: a wrong one is "not found"
        return ConfigError(
            "[zalo] token", texts.STARTUP_ZALO_TOKEN_REFUSED, texts.CFG_FIX_ZALO_TOKEN
        )
    if exc.code == 0:
        where = urlsplit(config.zalo.base_url).netloc or config.zalo.base_url
        return ConfigError(
            "[zalo] base_url", texts.startup_unreachable(where), texts.STARTUP_FIX_ZALO_URL
        )
    return None


def startup_problem(config: Config, exc: TelegramError) -> ConfigError | None:
    """The config key behind a failed start (getMe refused or unreachable), or None."""
    base_url = redact(config.telegram.base_url)
    if isinstance(exc, InvalidToken):
        # 401 "Unauthorized": a well-formed token Telegram does not know. 404 "Not Found":
        # a malformed token, or a base_url that is not a Bot API at all (PTB says "token"
        # for both); on Telegram's own address only the token can be wrong.
        refused = "unauthorized" in str(exc.__cause__ or exc).lower()
        if refused or config.telegram.base_url == PUBLIC_BOT_API:
            return ConfigError("[telegram] token", texts.STARTUP_TOKEN_REFUSED, texts.CFG_FIX_TOKEN)
        return ConfigError(
            "[telegram] base_url", texts.startup_not_bot_api(base_url), texts.STARTUP_FIX_BASE_URL
        )
    if type(exc) is TelegramError:  # "Invalid server response": an answer, but not JSON
        return ConfigError(
            "[telegram] base_url", texts.startup_not_bot_api(base_url), texts.STARTUP_FIX_BASE_URL
        )
    if isinstance(exc, NetworkError) and not isinstance(exc, BadRequest):  # TimedOut too
        where = urlsplit(base_url).netloc or base_url
        return ConfigError(
            "[telegram] base_url",
            texts.startup_unreachable(where),
            texts.STARTUP_FIX_UNREACHABLE,
        )
    return None


__all__ = ["build_application", "run_polling", "running", "services"]
