"""The bot's own membership in groups: greet once when added, note removal and migration."""

from __future__ import annotations

from telegram import ChatMember, Update
from telegram.ext import ContextTypes

from bot import chats, texts
from bot.services import services

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
            svc.db, change.chat.id, change.chat.type, change.chat.title or "", now
        )
        if first:
            await context.bot.send_message(
                change.chat.id, texts.welcome_group(svc.config.ward.name)
            )
    elif new in _OUT:
        await chats.bot_removed(svc.db, change.chat.id, now)


async def migration(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A group upgraded to a supergroup: keep our records under the new chat id."""
    message = update.effective_message
    if message is None or message.migrate_to_chat_id is None:
        return
    svc = services(context)
    await chats.migrated(svc.db, message.chat.id, message.migrate_to_chat_id, svc.clock.now())
