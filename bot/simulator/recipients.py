"""Who the bot can write to: resolving `chat_id` and Telegram's answers for gone recipients.

A private chat exists once the user wrote to the bot; a user who never did gets 403 "bot
can't initiate conversation with a user"; blocked and deactivated users, groups the bot left
or was kicked from get their 403; a group upgraded to a supergroup gets 400 with
`parameters.migrate_to_chat_id` (python-telegram-bot raises ChatMigrated).
"""

from __future__ import annotations

from typing import Any

from bot.simulator.markup import link_preview_options
from bot.simulator.models import SimChat
from bot.simulator.state import SimState
from bot.simulator.validate import Params, bad_request, forbidden


def _kind(chat: SimChat) -> str:
    return "supergroup" if chat.type == "supergroup" else "group"


def check_reachable(chat: SimChat, *, private_checks: bool = True) -> None:
    """Raise what Telegram answers when the bot cannot write to `chat` any more."""
    if chat.migrated_to is not None:
        raise bad_request(
            "group chat was upgraded to a supergroup chat", migrate_to_chat_id=chat.migrated_to
        )
    if chat.type == "private":
        user = chat.user
        if private_checks and user is not None:
            if user.deactivated:
                raise forbidden("user is deactivated")
            if user.blocked:
                raise forbidden("bot was blocked by the user")
    elif chat.bot_status == "kicked":
        raise forbidden(f"bot was kicked from the {_kind(chat)} chat")
    elif not chat.bot_is_member:
        raise forbidden(f"bot is not a member of the {_kind(chat)} chat")


def find_chat(sim: SimState, params: Params, *, send: bool = True) -> SimChat:
    """The chat named by `chat_id`; `send=True` adds the checks of a message send."""
    raw = (params.string("chat_id") or "").strip()
    if not raw:
        raise bad_request("chat_id is empty")
    if raw.startswith("@"):
        chat = sim.chat_by_username(raw[1:])
        if chat is None:
            raise bad_request("chat not found")
    else:
        try:
            chat_id = int(raw)
        except ValueError:
            raise bad_request("chat not found") from None
        chat = sim.chats.get(chat_id)
        if chat is None:
            user = sim.users.get(chat_id)
            if user is not None and send:
                if user.deactivated:
                    raise forbidden("user is deactivated")
                raise forbidden("bot can't initiate conversation with a user")
            if user is not None:
                return SimChat(chat_id, "private", user=user)
            raise bad_request("chat not found")
    check_reachable(chat, private_checks=send)
    return chat


def replied_message(chat: SimChat, params: Params) -> int | None:
    value = params.json("reply_parameters", "can't parse reply parameters JSON object")
    allow = params.boolean("allow_sending_without_reply")
    message_id: Any = None
    if value is not None:
        if not isinstance(value, dict):
            raise bad_request("object expected as reply parameters")
        if "message_id" not in value:
            raise bad_request('can\'t find field "message_id"')
        message_id = value["message_id"]
        allow = bool(value.get("allow_sending_without_reply", False))
    elif params.has("reply_to_message_id"):
        message_id = params.integer("reply_to_message_id")
    if not message_id:
        return None
    if not isinstance(message_id, int):
        raise bad_request('field "message_id" must be of type Number')
    exists = message_id in chat.user_messages or (
        message_id in chat.bot_messages and not chat.bot_messages[message_id].deleted
    )
    if exists:
        return message_id
    if allow:
        return None
    raise bad_request("message to be replied not found")


def send_options(params: Params) -> dict[str, Any]:
    options: dict[str, Any] = {}
    for flag in ("disable_notification", "protect_content"):
        if params.boolean(flag):
            options[flag] = True
    preview = link_preview_options(params)
    if preview is not None:
        options["link_preview_options"] = preview
    return options
