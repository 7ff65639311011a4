"""The one place handlers are guarded: `@requires(Role.OFFICER)` on a PTB callback.

The check is by numeric user id through `people.role_of`; a refusal is one sentence and an
audit-log row, and the callback never runs.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import ContextTypes

from bot import people, texts
from bot.people import Role
from bot.services import services

Callback = Callable[[Update, ContextTypes.DEFAULT_TYPE], Awaitable[Any]]


def requires(needed: Role, action: str | None = None) -> Callable[[Callback], Callback]:
    """Run the callback only for users whose role is at least `needed`; audit both outcomes."""

    def decorate(callback: Callback) -> Callback:
        name = action or callback.__name__

        @functools.wraps(callback)
        async def guarded(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Any:
            svc = services(context)
            user = update.effective_user
            user_id = user.id if user else 0
            role = await people.role_of(svc.db, svc.config, user_id)
            allowed = people.at_least(role, needed)
            if needed != Role.RESIDENT:
                await people.audit(
                    svc.db, user_id, name, svc.clock.now(), allowed=allowed, detail=role.value
                )
            if allowed:
                return await callback(update, context)
            if update.callback_query is not None:
                await update.callback_query.answer(texts.NO_PERMISSION, show_alert=True)
            elif update.effective_message is not None:
                await update.effective_message.reply_text(texts.NO_PERMISSION)
            return None

        return guarded

    return decorate
