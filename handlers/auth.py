"""The one place handlers are guarded: `@requires(Role.OFFICER)` on a PTB callback.

The check is by numeric user id through `people.role_of`; a refusal is one sentence and an
audit-log row, and the callback never runs.

`private_only=True` marks a screen that shows people's data (names, tipsters, report cards,
invites): typed in a group, the command answers only that it works in a private chat, and a
button pressed in a group (forged, or on an old message) is refused with an alert that only
the presser sees; nothing is posted to the group.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import Update
from telegram.ext import ContextTypes

from bot import commands, people, texts
from bot.commands import Where
from bot.people import Role
from bot.services import services
from handlers.common import is_private, person_id
from handlers.outcomes import notify, say

# PTB declares a handler callback (its HandlerCallback) as returning a Coroutine, not any
# Awaitable; the `async def` callbacks we guard are both.
Callback = Callable[[Update, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, Any]]


def requires(
    needed: Role,
    action: str | None = None,
    *,
    private_only: bool = False,
    group_text: str = texts.PRIVATE_ONLY,
) -> Callable[[Callback], Callback]:
    """Run the callback only for users whose role is at least `needed` (and, with
    `private_only`, only in a private chat; a command typed in a group is answered with
    `group_text`); audit both outcomes."""

    def decorate(callback: Callback) -> Callback:
        name = action or callback.__name__

        @functools.wraps(callback)
        async def guarded(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Any:
            svc = services(context)
            user_id = await person_id(update, svc)
            role = await people.role_of(svc.db, svc.config, user_id)
            allowed = people.at_least(role, needed)
            in_group = allowed and private_only and not is_private(update)
            if needed != Role.RESIDENT:
                detail = f"{role.value} not private" if in_group else role.value
                await people.audit(
                    svc.db,
                    user_id,
                    name,
                    svc.clock.now(),
                    allowed=allowed and not in_group,
                    detail=detail,
                )
            if in_group:
                if update.callback_query is not None:
                    await notify(update, svc, texts.PRIVATE_ONLY)
                elif update.effective_message is not None:
                    await say(update, svc, group_text)
                return None
            if allowed:
                return await callback(update, context)
            if update.callback_query is not None:
                await notify(update, svc, texts.NO_PERMISSION)
            elif update.effective_message is not None:
                await say(update, svc, texts.NO_PERMISSION)
            return None

        guarded.needed = needed  # type: ignore[attr-defined]  # read by tests/test_commands.py
        guarded.private_only = private_only  # type: ignore[attr-defined]
        return guarded

    return decorate


def command(
    name: str, action: str | None = None, *, group_text: str = texts.PRIVATE_ONLY
) -> Callable[[Callback], Callback]:
    """`requires` with the role and the place that bot/commands.py's table gives `name`."""
    row = commands.get(name)
    return requires(
        row.role, action or name, private_only=row.where == Where.PRIVATE, group_text=group_text
    )
