"""Glue shared by the Telegram handlers: who sent an update, which chat it is, the menu."""

from __future__ import annotations

from telegram import (
    Chat,
    Message,
    Update,
)
from telegram.constants import ChatType
from telegram.ext import ContextTypes

from bot import people
from bot.addresses import TELEGRAM, ZALO, ZALO_PHOTO, Address, Kind, carried, telegram
from bot.media import Incoming
from bot.reply import Menu
from bot.screens import main_menu
from bot.services import Services, services

# Telegram's GroupAnonymousBot: the sender of every anonymous group admin's messages, so
# anyone could be behind it. Its address is shared: it may speak, it never holds a role.
GROUP_ANONYMOUS_BOT = 1087968824


def incoming_file(message: Message, *, images_only: bool = True) -> Incoming | None:
    """The photo or file of a message as the core receives files (the largest size of a
    photo); with `images_only`, a file that is not an image is not one. A translated Zalo
    photo is its URL (downloaded like Telegram's, by bot/channels/zalo_media.py)."""
    url = (message.api_kwargs or {}).get(ZALO_PHOTO)
    if isinstance(url, str) and url:
        return Incoming(ZALO, "photo", url, str(message.message_id))
    if message.photo:
        size = message.photo[-1]
        return Incoming(TELEGRAM, "photo", size.file_id, size.file_unique_id)
    document = message.document
    if document is not None and (
        not images_only or (document.mime_type or "").startswith("image/")
    ):
        return Incoming(TELEGRAM, "document", document.file_id, document.file_unique_id)
    return None


def sender_address(user_id: int) -> Address:
    kind = Kind.SHARED if user_id == GROUP_ANONYMOUS_BOT else Kind.PERSON
    return telegram(user_id, kind)


def admin_addresses(keys: tuple[str, ...]) -> list[Address]:
    """The `[admins]` entries as addresses, a Telegram one as its sender would have (so a
    shared account listed by mistake is still known as shared)."""
    found = [Address.parse(key) for key in keys]
    return [
        sender_address(int(a.external_id))
        if a.channel == TELEGRAM and a.external_id.isdigit()
        else a
        for a in found
    ]


async def person_id(update: Update, svc: Services) -> int:
    """The local id the core knows the sender of `update` by (0 when nobody sent it). Every
    person id a handler hands the core comes from here, never from Telegram's own id."""
    user = update.effective_user
    if user is None:
        return 0
    return await svc.directory.local(carried(user) or sender_address(user.id))


async def note_sender(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Before any handler: a person reached on two channels is reached on the one they
    last wrote to the bot from (a private chat; a group says nothing about that)."""
    if not isinstance(update, Update) or update.effective_user is None or not is_private(update):
        return
    svc = services(context)
    address = carried(update.effective_user) or sender_address(update.effective_user.id)
    await svc.directory.seen(address, await svc.directory.local(address))


def chat_address(chat: Chat) -> Address:
    """Where a chat is reached: a private chat is its person's address, a group a group's."""
    kind = Kind.PERSON if chat.type == ChatType.PRIVATE else Kind.GROUP
    return carried(chat, kind) or telegram(chat.id, kind)


async def local_chat_id(svc: Services, chat: Chat) -> int:
    """The local id of a chat: a private chat is its person, a group is a group."""
    return await svc.directory.local(chat_address(chat))


def is_private(update: Update) -> bool:
    chat = update.effective_chat
    return chat is not None and chat.type == ChatType.PRIVATE


async def menu_for(svc: Services, user_id: int) -> Menu:
    """The main menu for this person: with "📝 Báo cáo" for leaders (bot.screens.main_menu)."""
    return main_menu(leader=bool(await people.leader_units(svc.db, user_id)))
