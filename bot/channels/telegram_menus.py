"""Telegram's command menus, per person: everyone's commands for residents and in groups,
and for each leader and officer a menu of their own (a chat scope) with the tools of their
role, so that officials find them and nobody is offered what they would be refused.

The menus come from the command table (`bot.commands`); a person's menu is set at start-up
for everyone with a role and again whenever their role or their tổ changes
(`Services.refresh_menu`). A failure is logged only: the menu is a convenience, /canbo and
/help say the same.
"""

from __future__ import annotations

import logging

from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
)
from telegram.error import TelegramError

from bot import commands, people
from bot.addresses import TELEGRAM, Kind
from bot.services import Services

log = logging.getLogger(__name__)


async def set_everyones(bot: Bot) -> None:
    """The menus of groups and of private chats without a menu of their own."""
    await bot.set_my_commands(
        [BotCommand(c, d) for c, d in commands.menu(group=False)],
        scope=BotCommandScopeAllPrivateChats(),
    )
    await bot.set_my_commands(
        [BotCommand(c, d) for c, d in commands.menu(group=True)],
        scope=BotCommandScopeAllGroupChats(),
    )


async def set_persons(bot: Bot, svc: Services, local_id: int) -> None:
    """The private menu of one person, from their role now (residents: everyone's)."""
    address = await svc.directory.address_of(local_id)
    if address is None or address.channel != TELEGRAM or address.kind != Kind.PERSON:
        return
    role, leads = await people.standing(svc.db, svc.config, local_id)
    scope = BotCommandScopeChat(int(address.external_id))
    try:
        if leads or people.at_least(role, people.Role.OFFICER):
            menu = commands.person_menu(role, leads)
            await bot.set_my_commands([BotCommand(c, d) for c, d in menu], scope=scope)
        else:  # back to everyone's menu
            await bot.delete_my_commands(scope=scope)
    except TelegramError as exc:
        log.warning("could not set the command menu of %s: %s", local_id, exc)


async def set_all(bot: Bot, svc: Services) -> int:
    """At start-up: everyone's menus, then one per leader and officer; how many people."""
    try:
        await set_everyones(bot)
    except TelegramError as exc:
        log.warning("could not set the command menu: %s", exc)
        return 0
    with_roles = await people.with_menus(svc.db, svc.config)
    for local_id in with_roles:
        await set_persons(bot, svc, local_id)
    return len(with_roles)
