"""Zalo updates through the same handlers as Telegram's: the channel code only translates.

A Zalo message becomes the python-telegram-bot `Update` a Telegram user typing the same
would make, with the person's local id standing in for Telegram's number and their Zalo
address carried beside it (`bot.addresses.CARRIED`), so every rule of the core — who may do
what, the durable flows, the exactly-once guard — is the one Telegram's updates meet. A reply
"2" to a numbered screen becomes the press of its second option (bot/numbered.py); a photo
keeps its URL (bot/channels/zalo_media.py downloads it). The answer goes back through the
channel of the address: `bot/channels/zalo_channel.py`.
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass
from typing import Any

from telegram import Update
from telegram.ext import Application

from bot import numbered, texts
from bot.addresses import CARRIED, ZALO, ZALO_PHOTO, Address, Kind
from bot.channels import zalo_media_web, zalo_webhook
from bot.channels.zalo_api import ZaloApi, ZaloError, ZaloMessage, parse_update
from bot.channels.zalo_inbox import ZaloPoller, ZaloReceiver
from bot.config import Config
from bot.delivery import Mode
from bot.inbox import EVENT, InboxWriter
from bot.limits import FloodGate
from bot.media import Library
from bot.reply import Reply
from bot.screens import Screen
from bot.services import BOT_DATA_KEY, Services
from bot.web import WebApp

log = logging.getLogger(__name__)

PRESS_PREFIX = "z:"  # the id of a press made by typing a number on Zalo
TYPING_AFTER = 1.0  # seconds of handling before the chat shows "typing…"
TYPING_BUSY = 16  # updates in hand beyond which no "typing…" is sent (bench/zalo.py)


class ZaloBridge:
    def __init__(self, app: Application, api: ZaloApi) -> None:
        self.app = app
        self.api = api
        self.handling = 0  # Zalo updates being handled right now

    @property
    def svc(self) -> Services:
        found: Services = self.app.bot_data[BOT_DATA_KEY]
        return found

    async def handle(self, message: ZaloMessage) -> None:
        """One Zalo message, handled as Telegram's would be (inside the inbox's EVENT)."""
        # Updates taken in at start-up (a previous run's unfinished ones) wait until the
        # application runs: its handlers are not to be called before app.start().
        while not self.app.running:
            await asyncio.sleep(0.05)
        svc = self.svc
        address = Address(ZALO, message.chat_id, Kind.PERSON)
        local = await svc.directory.local(address)
        seq = EVENT.get() or 0
        token: str | None = None
        if message.text:
            found = await numbered.resolve(svc.db, str(address), message.text)
            if found.out_of:  # "7" of three: say so, keep the screen
                assert svc.channel is not None
                hint = Reply(Screen(texts.numbered_out_of_range(found.out_of)))
                await svc.channel.send(address, hint)
                return
            token = found.token
        raw = translate(message, local, seq, token)
        update = Update.de_json(raw, self.app.bot)
        if update is None:
            return
        # A person who waits more than a moment sees "typing…" rather than nothing; not
        # when many wait at once: then every extra call would make all of them wait longer.
        typing = None
        if self.handling < TYPING_BUSY:
            typing = asyncio.create_task(self._typing_after(message.chat_id, TYPING_AFTER))
        self.handling += 1
        try:
            await self.app.process_update(update)
        finally:
            self.handling -= 1
            if typing is not None:
                typing.cancel()

    async def _typing_after(self, chat_id: str, delay: float) -> None:
        await asyncio.sleep(delay)
        try:
            await self.api.send_chat_action(chat_id, "typing")
        except ZaloError as exc:  # a nicety: never worth a retry
            log.info("Zalo typing action failed: %s", exc)

    def slow_down(self, message: ZaloMessage) -> None:
        """Once per flood: the sentence, not its retries (the same as on Telegram)."""
        channel = self.svc.channel
        if channel is None:
            return
        address = Address(ZALO, message.chat_id, Kind.PERSON)
        sent = channel.send(address, Reply(Screen(texts.FLOOD_SLOW_DOWN)), mode=Mode.ONCE)
        self.app.create_task(sent)


def translate(message: ZaloMessage, local: int, seq: int, token: str | None) -> dict[str, Any]:
    """The Telegram update JSON for a Zalo message (or the press it stands for)."""
    carried = str(Address(ZALO, message.chat_id))
    name = message.sender_name or "Zalo"
    user = {"id": local, "is_bot": False, "first_name": name, CARRIED: carried}
    chat = {"id": local, "type": "private", "first_name": name, CARRIED: carried}
    base: dict[str, Any] = {"message_id": seq, "date": message.date_ms // 1000, "chat": chat}
    if token is not None and not token.startswith(numbered.TEXT_TOKEN):
        return {
            "update_id": seq,
            "callback_query": {
                "id": f"{PRESS_PREFIX}{seq}",
                "from": user,
                "chat_instance": carried,
                "data": token,
                "message": base | {"text": ""},
            },
        }
    body: dict[str, Any] = base | {"from": user}
    text = token[len(numbered.TEXT_TOKEN) :] if token is not None else message.text
    if message.photo_url:
        body["photo"] = [
            {"file_id": message.photo_url, "file_unique_id": message.message_id,
             "width": 1, "height": 1}
        ]  # fmt: skip
        body[ZALO_PHOTO] = message.photo_url
        if message.caption:
            body["caption"] = message.caption
    elif text:
        body["text"] = text
        if text.startswith("/"):
            length = len(text.split()[0])
            body["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
    return {"update_id": seq, "message": body}


@dataclass
class ZaloRuntime:
    """What runs for Zalo inside the bot process: polling, or the webhook on the web app."""

    api: ZaloApi
    receiver: ZaloReceiver
    poller: ZaloPoller | None
    web: WebApp | None = None


async def start(app: Application, api: ZaloApi, writer: InboxWriter, config: Config) -> ZaloRuntime:
    """Learn the bot's own id (to drop its echoes), handle again what a previous run left
    unfinished, then poll, or take the webhook's calls."""
    me = await api.get_me()
    bridge = ZaloBridge(app, api)
    limits = config.limits
    receiver = ZaloReceiver(
        writer,
        str(me.get("id", "")),
        bridge.handle,
        gate=FloodGate(limits.updates_burst, limits.updates_per_second),
        on_flood=bridge.slow_down,
    )
    await writer.load()
    pending = await writer.inbox.take_unfinished(ZALO)
    for item in pending:
        message = parse_update(json.loads(item.payload)) if item.payload else None
        if message is not None:
            receiver.handle_again(item.seq, message)
    if pending:
        log.warning("handling %d Zalo update(s) again that a previous run did not finish",
                    len(pending))  # fmt: skip
    site: WebApp | None = None
    if config.zalo.mode == "webhook" or config.web.public_url:  # the webhook, Zalo's photos
        site = WebApp(config.web.host, config.web.port)
        library = Library(app.bot_data[BOT_DATA_KEY].db, config.storage.media)
        site.add_get(
            zalo_media_web.PATH, zalo_media_web.handler(library, zalo_media_web.media_key(config))
        )
        if config.zalo.mode == "webhook":
            secret = config.zalo.webhook_secret
            site.add_post(zalo_webhook.PATH, zalo_webhook.handler(receiver, secret))
        await site.start()
    if config.zalo.mode == "webhook":
        assert site is not None
        if config.web.public_url:
            url = config.web.public_url.rstrip("/") + zalo_webhook.PATH
            await api.set_webhook(url, config.zalo.webhook_secret)
        else:
            log.warning("[web] public_url is empty: register the Zalo webhook by hand")
        return ZaloRuntime(api, receiver, None, site)
    try:  # getUpdates fails while a webhook is set (a webhook deployment before this one)
        await api.delete_webhook()
    except ZaloError as exc:
        log.warning("could not clear a Zalo webhook: %s", exc)
    poller = ZaloPoller(api, receiver, timeout=config.zalo.poll_timeout)
    poller.start()
    return ZaloRuntime(api, receiver, poller, site)


async def stop(runtime: ZaloRuntime) -> None:
    if runtime.poller is not None:
        await runtime.poller.stop()
    if runtime.web is not None:
        await runtime.web.stop()
    await runtime.receiver.idle()
    await runtime.api.aclose()
