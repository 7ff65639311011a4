"""The Bot API methods the simulator implements, by name (`METHODS`).

Each method takes the simulator state and the request's `Params` and returns the `result` of
a successful answer or raises `ApiError`. Message methods live in messages.py; this module has
the bot, update, webhook, command-menu, chat and file methods and the registry.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from bot.simulator import messages
from bot.simulator.markup import bot_commands, scope_key
from bot.simulator.models import now_date
from bot.simulator.people import chat_member
from bot.simulator.recipients import find_chat
from bot.simulator.state import SimState
from bot.simulator.validate import ApiError, Params, bad_request

MAX_DOWNLOAD = 20 * 1024 * 1024  # getFile refuses bigger files

Method = Callable[[SimState, Params], Any]


# --------------------------------------------------------------------------- bot & updates


def get_me(sim: SimState, params: Params) -> dict[str, Any]:
    return {
        **sim.bot_user,
        "can_join_groups": True,
        "can_read_all_group_messages": not sim.privacy_mode,
        "supports_inline_queries": False,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


def _ok(sim: SimState, params: Params) -> bool:
    return True


async def get_updates(sim: SimState, params: Params) -> list[dict[str, Any]]:
    if sim.webhook is not None:
        raise ApiError(
            409,
            "Conflict: can't use getUpdates method while webhook is active; "
            "use deleteWebhook to delete the webhook first",
        )
    queue = sim.updates
    offset = params.integer("offset") or 0
    limit = min(max(params.integer("limit") or 100, 1), 100)
    timeout = min(max(params.number("timeout") or 0.0, 0.0), 50.0)
    if params.has("allowed_updates"):
        queue.set_allowed(params.json("allowed_updates", "can't parse allowed updates JSON"))
    confirmed = queue.confirm(offset)
    # Only one long poll at a time: a new one ends the previous with 409, as on Telegram.
    queue.wake("conflict")
    items = queue.take(limit)
    if items or confirmed:
        sim.touch()
    if items or timeout <= 0:
        return items
    poller: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    queue.poller = poller
    try:
        done, _ = await asyncio.wait({poller}, timeout=timeout)
        reason = poller.result() if done else "timeout"
    finally:
        if queue.poller is poller:
            queue.poller = None
    if reason == "conflict":
        raise ApiError(
            409,
            "Conflict: terminated by other getUpdates request; "
            "make sure that only one bot instance is running",
        )
    if reason == "webhook":
        raise ApiError(409, "Conflict: terminated by setWebhook request")
    items = queue.take(limit)
    if items:
        sim.touch()
    return items


def set_webhook(sim: SimState, params: Params) -> bool:
    url = params.string("url") or ""
    if not url:
        sim.webhook = None
        return True
    if not url.startswith("https://"):
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    secret = params.string("secret_token")
    if secret is not None and not (
        1 <= len(secret) <= 256 and all(c.isascii() and (c.isalnum() or c in "_-") for c in secret)
    ):
        raise bad_request("secret token contains unallowed characters")
    if params.boolean("drop_pending_updates"):
        sim.updates.clear()
    if params.has("allowed_updates"):
        sim.updates.set_allowed(params.json("allowed_updates", "can't parse allowed updates JSON"))
    sim.webhook = {
        "url": url,
        "secret_token": secret,
        "max_connections": params.integer("max_connections") or 40,
    }
    sim.updates.wake("webhook")
    return True


def delete_webhook(sim: SimState, params: Params) -> bool:
    sim.webhook = None
    if params.boolean("drop_pending_updates"):
        sim.updates.clear()
    return True


def get_webhook_info(sim: SimState, params: Params) -> dict[str, Any]:
    info: dict[str, Any] = {
        "url": sim.webhook["url"] if sim.webhook else "",
        "has_custom_certificate": False,
        "pending_update_count": len(sim.updates.items),
    }
    if sim.webhook:
        info["max_connections"] = sim.webhook["max_connections"]
    return info


# --------------------------------------------------------------------------- commands & menu


def _commands_key(params: Params) -> str:
    key = scope_key(params)
    language = params.string("language_code") or ""
    if language:
        if not (len(language) == 2 and language.isascii() and language.isalpha()):
            raise bad_request("invalid language code specified")
        key += f" lang={language.lower()}"
    return key


def set_my_commands(sim: SimState, params: Params) -> bool:
    commands = bot_commands(params)
    key = _commands_key(params)
    if commands:
        sim.commands[key] = commands
    else:
        sim.commands.pop(key, None)
    return True


def get_my_commands(sim: SimState, params: Params) -> list[dict[str, str]]:
    return list(sim.commands.get(_commands_key(params), []))


def delete_my_commands(sim: SimState, params: Params) -> bool:
    sim.commands.pop(_commands_key(params), None)
    return True


def set_chat_menu_button(sim: SimState, params: Params) -> bool:
    button = params.json("menu_button", "can't parse menu button JSON object")
    if button is None:
        button = {"type": "default"}
    if not isinstance(button, dict) or button.get("type") not in ("default", "commands", "web_app"):
        raise bad_request("unsupported menu button type specified")
    key = "default"
    if params.string("chat_id"):
        key = str(find_chat(sim, params, send=False).chat_id)
    sim.menu_buttons[key] = button
    return True


def get_chat_menu_button(sim: SimState, params: Params) -> dict[str, Any]:
    key = "default"
    if params.string("chat_id"):
        key = str(find_chat(sim, params, send=False).chat_id)
    return sim.menu_buttons.get(key) or sim.menu_buttons.get("default") or {"type": "default"}


# --------------------------------------------------------------------------- chats & files


def get_chat(sim: SimState, params: Params) -> dict[str, Any]:
    chat = find_chat(sim, params, send=False)
    data = chat.to_dict()
    data.update(
        accent_color_id=0,
        max_reaction_count=11,
        accepted_gift_types={
            "unlimited_gifts": False,
            "limited_gifts": False,
            "unique_gifts": False,
            "premium_subscription": False,
            "gifts_from_channels": False,
        },
    )
    if chat.is_group:
        data["permissions"] = {"can_send_messages": True}
    return data


def get_chat_member(sim: SimState, params: Params) -> dict[str, Any]:
    chat = find_chat(sim, params, send=False)
    user_id = params.integer("user_id")
    if not user_id:
        raise bad_request("invalid user_id specified")
    member = sim.chat_member_json(chat, user_id)
    if member is None:
        raise bad_request("user not found")
    return member


def get_chat_administrators(sim: SimState, params: Params) -> list[dict[str, Any]]:
    chat = find_chat(sim, params, send=False)
    if chat.type == "private":
        raise bad_request("there are no administrators in the private chat")
    admins = [
        sim.chat_member_json(chat, user_id)
        for user_id, status in chat.members.items()
        if status in ("creator", "administrator")
    ]
    if chat.bot_status == "administrator":
        admins.append(sim.chat_member_json(chat, sim.bot_id))
    return [a for a in admins if a is not None]


def get_chat_member_count(sim: SimState, params: Params) -> int:
    chat = find_chat(sim, params, send=False)
    if chat.type == "private":
        return 2
    present = sum(1 for s in chat.members.values() if s not in ("left", "kicked"))
    return present + (1 if chat.bot_is_member else 0)


def leave_chat(sim: SimState, params: Params) -> bool:
    chat = find_chat(sim, params, send=False)
    if chat.type == "private":
        raise bad_request("chat member status can't be changed in private chats")
    old = chat.bot_status
    chat.bot_status = "left"
    sim.push(
        "my_chat_member",
        {
            "chat": chat.to_dict(),
            "from": sim.bot_user,
            "date": now_date(),
            "old_chat_member": chat_member(old, sim.bot_user),
            "new_chat_member": chat_member("left", sim.bot_user),
        },
    )
    return True


def get_file(sim: SimState, params: Params) -> dict[str, Any]:
    record = sim.files.get(params.string("file_id") or "")
    if record is None:
        raise bad_request("invalid file_id")
    if len(record.data) > MAX_DOWNLOAD:
        raise bad_request("file is too big")
    return {
        "file_id": record.file_id,
        "file_unique_id": record.file_unique_id,
        "file_size": len(record.data),
        "file_path": record.file_path,
    }


METHODS: dict[str, tuple[str, Method | Callable[[SimState, Params], Awaitable[Any]]]] = {
    name.lower(): (name, func)
    for name, func in (
        ("getMe", get_me),
        ("getUpdates", get_updates),
        ("setWebhook", set_webhook),
        ("deleteWebhook", delete_webhook),
        ("getWebhookInfo", get_webhook_info),
        ("logOut", _ok),
        ("close", _ok),
        ("sendMessage", messages.send_message),
        ("sendPhoto", messages.send_photo),
        ("sendDocument", messages.send_document),
        ("editMessageText", messages.edit_message_text),
        ("editMessageCaption", messages.edit_message_caption),
        ("editMessageReplyMarkup", messages.edit_message_reply_markup),
        ("deleteMessage", messages.delete_message),
        ("answerCallbackQuery", messages.answer_callback_query),
        ("sendChatAction", messages.send_chat_action),
        ("setMyCommands", set_my_commands),
        ("getMyCommands", get_my_commands),
        ("deleteMyCommands", delete_my_commands),
        ("setChatMenuButton", set_chat_menu_button),
        ("getChatMenuButton", get_chat_menu_button),
        ("getChat", get_chat),
        ("getChatMember", get_chat_member),
        ("getChatAdministrators", get_chat_administrators),
        ("getChatMemberCount", get_chat_member_count),
        ("leaveChat", leave_chat),
        ("getFile", get_file),
    )
}
