"""The bot's own membership in groups: greet once when added, note removal and migration."""

from __future__ import annotations

from telegram import ChatMember, Update
from telegram.ext import ContextTypes

from bot import chats, texts
from bot.addresses import Kind, telegram
from bot.services import services
from handlers.common import local_chat_id
from handlers.outcomes import say

_IN = {ChatMember.MEMBER, ChatMember.ADMINISTRATOR, ChatMember.OWNER}
_OUT = {ChatMember.LEFT, ChatMember.BANNED}


async def bot_membership(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """my_chat_member: added → record and greet (once); removed → mark the group inactive."""
    change = update.my_chat_member
    if change is None or change.chat.type not in ("group", "supergroup"):
        return
    svc = services(context)
    old, new = change.old_chat_member.status, change.new_chat_member.status
    now = svc.clock.now()
    if new in _IN and old in _OUT:
        first = await chats.bot_added(
            svc.db,
            await local_chat_id(svc, change.chat),
            change.chat.type,
            change.chat.title or "",
            now,
        )
        if first:
            await say(update, svc, texts.welcome_group(svc.config.ward.name))
    elif new in _OUT:
        await chats.bot_removed(svc.db, await local_chat_id(svc, change.chat), now)


async def migration(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A group upgraded to a supergroup: keep our records under the new chat id."""
    message = update.effective_message
    if message is None or message.migrate_to_chat_id is None:
        return
    svc = services(context)
    # Both ids are Telegram's; the core moves the records from one local id to the other.
    old = await local_chat_id(svc, message.chat)
    new = await svc.directory.local(telegram(message.migrate_to_chat_id, Kind.GROUP))
    await chats.migrated(svc.db, old, new, svc.clock.now())
