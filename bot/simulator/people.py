"""What people do on the simulated Telegram: write, press buttons, block, manage groups.

`PeopleMixin` is part of `SimState`; it turns an action into the stored message and the
update the bot will fetch, applying Telegram's rules on the way: a private chat exists once
the user writes, commands get a bot_command entity, and in groups privacy mode lets the bot
see only commands, replies to its messages, mentions of it and service messages.
"""

from __future__ import annotations

import re
import time
from typing import TYPE_CHECKING, Any

from bot.simulator.models import SentMessage, SimChat, SimUser, now_date
from bot.simulator.store import SAMPLE_JPEG, FileRecord, image_size
from bot.simulator.validate import utf16_len

if TYPE_CHECKING:
    from bot.simulator.store import UpdateQueue

_COMMAND = re.compile(r"(?<![\w/@])/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?![\w@/])")
_MENTION = re.compile(r"(?<![\w@])@[A-Za-z0-9_]{4,32}(?!\w)")
_URL = re.compile(r"(?<!\w)https?://[^\s<>\"]+")
_SERVICE_KEYS = (
    "new_chat_members",
    "left_chat_member",
    "new_chat_title",
    "new_chat_photo",
    "delete_chat_photo",
    "group_chat_created",
    "supergroup_chat_created",
    "migrate_to_chat_id",
    "migrate_from_chat_id",
    "pinned_message",
)


def typed_entities(text: str) -> list[dict[str, Any]]:
    """The entities Telegram's clients attach to typed text: commands, mentions, links."""
    entities: list[dict[str, Any]] = []
    for pattern, kind in ((_COMMAND, "bot_command"), (_MENTION, "mention"), (_URL, "url")):
        if kind == "bot_command" and "/" not in text:
            continue
        if kind == "mention" and "@" not in text:
            continue
        if kind == "url" and "://" not in text:
            continue
        for match in pattern.finditer(text):
            entities.append(
                {
                    "type": kind,
                    "offset": utf16_len(text[: match.start()]),
                    "length": utf16_len(match.group()),
                }
            )
    entities.sort(key=lambda e: e["offset"])
    return entities


def chat_member(status: str, user: dict[str, Any]) -> dict[str, Any]:
    """A ChatMember object for `status` (PTB needs every field of an administrator)."""
    data: dict[str, Any] = {"status": status, "user": user}
    if status == "kicked":
        data["until_date"] = 0
    elif status == "creator":
        data["is_anonymous"] = False
    elif status == "administrator":
        data.update(
            can_be_edited=False,
            is_anonymous=False,
            can_manage_chat=True,
            can_delete_messages=True,
            can_manage_video_chats=True,
            can_restrict_members=True,
            can_promote_members=False,
            can_change_info=True,
            can_invite_users=True,
            can_post_stories=False,
            can_edit_stories=False,
            can_delete_stories=False,
            can_pin_messages=True,
        )
    return data


class PeopleMixin:
    """The people side of SimState (see state.py for the attributes it relies on)."""

    if TYPE_CHECKING:
        bot_id: int
        bot_user: dict[str, Any]
        bot_username: str
        privacy_mode: bool
        users: dict[int, SimUser]
        chats: dict[int, SimChat]
        updates: UpdateQueue
        callback_queries: dict[str, dict[str, Any]]
        _callback_counter: int

        def push(self, kind: str, payload: dict[str, Any]) -> int | None: ...
        def private_chat(self, user: SimUser) -> SimChat: ...
        def new_file(
            self,
            kind: str,
            data: bytes,
            *,
            mime_type: str | None = None,
            file_name: str | None = None,
            width: int = 0,
            height: int = 0,
            url: str | None = None,
        ) -> FileRecord: ...
        def photo_sizes(self, record: FileRecord) -> list[dict[str, Any]]: ...
        def bot_message_json(self, message: SentMessage) -> dict[str, Any]: ...
        def message_json(
            self, chat: SimChat, message_id: int, *, nested: bool = True
        ) -> dict[str, Any] | None: ...

    def _resolve_chat(self, user: SimUser, chat: SimChat | int | None) -> SimChat:
        if chat is None:
            return self.private_chat(user)
        chat_id = chat.chat_id if isinstance(chat, SimChat) else int(chat)
        if chat_id == user.user_id:
            return self.private_chat(user)
        state = self.chats.get(chat_id)
        if state is None:
            raise LookupError(f"unknown chat {chat_id}: create it with sim.group()")
        if state.migrated_to is not None:
            raise LookupError(f"chat {chat_id} became supergroup {state.migrated_to}")
        if state.type == "private":
            raise LookupError("a user can only write to the bot, not to another private chat")
        return state

    def _my_chat_member(self, chat: SimChat, by: dict[str, Any], old: str, new: str) -> None:
        self.push(
            "my_chat_member",
            {
                "chat": chat.to_dict(),
                "from": by,
                "date": now_date(),
                "old_chat_member": chat_member(old, self.bot_user),
                "new_chat_member": chat_member(new, self.bot_user),
            },
        )

    def set_blocked(self, user: SimUser, blocked: bool) -> None:
        """Block or unblock the bot; Telegram tells the bot with a my_chat_member update."""
        if user.blocked == blocked:
            return
        user.blocked = blocked
        chat = self.chats.get(user.user_id)
        if chat is not None:
            chat.bot_status = "kicked" if blocked else "member"
            old, new = ("member", "kicked") if blocked else ("kicked", "member")
            self._my_chat_member(chat, user.to_dict(), old, new)

    def add_bot_to_group(self, group: SimChat, by: SimUser, *, as_admin: bool = False) -> None:
        """`by` adds the bot: my_chat_member (left→member) and a new_chat_members message."""
        old = group.bot_status if not group.bot_is_member else "left"
        new = "administrator" if as_admin else "member"
        group.bot_status = new
        group.members.setdefault(by.user_id, "member")
        self._my_chat_member(group, by.to_dict(), old, new)
        self._service_message(group, by, {"new_chat_members": [self.bot_user]})

    def remove_bot_from_group(self, group: SimChat, by: SimUser) -> None:
        """`by` removes the bot: my_chat_member (member→kicked); later sends get 403."""
        old = group.bot_status
        group.bot_status = "kicked"
        self._my_chat_member(group, by.to_dict(), old, "kicked")

    def migrate_group(
        self, group: SimChat, new_chat_id: int, *, by: SimUser | None = None
    ) -> SimChat:
        """Upgrade a basic group to a supergroup with a new id; returns the new chat."""
        if group.type != "group" or group.migrated_to is not None:
            raise ValueError("only a basic group that was not migrated yet can be upgraded")
        if new_chat_id in self.chats:
            raise ValueError(f"chat {new_chat_id} already exists")
        new = SimChat(new_chat_id, "supergroup", title=group.title, username=group.username)
        new.members = dict(group.members)
        new.bot_status = group.bot_status
        new.migrated_from = group.chat_id
        self.chats[new_chat_id] = new
        group.migrated_to = new_chat_id
        if by is None:
            creator = next((uid for uid, s in group.members.items() if s == "creator"), None)
            by = self.users.get(creator) if creator is not None else None
        self._service_message(group, by, {"migrate_to_chat_id": new_chat_id})
        self._service_message(new, by, {"migrate_from_chat_id": group.chat_id})
        return new

    def _service_message(self, chat: SimChat, by: SimUser | None, fields: dict[str, Any]) -> None:
        message: dict[str, Any] = {"message_id": chat.take_message_id()}
        if by is not None:
            message["from"] = by.to_dict()
        message.update(chat=chat.to_dict(), date=now_date(), **fields)
        chat.user_messages[message["message_id"]] = message
        if chat.bot_is_member:
            self.push("message", message)

    def user_message(
        self,
        user: SimUser,
        chat: SimChat | int | None,
        fields: dict[str, Any],
        *,
        reply_to: SentMessage | dict[str, Any] | int | None = None,
        auto_entities: bool = True,
    ) -> dict[str, Any]:
        if user.deactivated:
            raise RuntimeError(f"{user!r} is deactivated and cannot write")
        state = self._resolve_chat(user, chat)
        if state.type == "private" and user.blocked:
            # Writing to a blocked bot means pressing "Restart": Telegram unblocks first.
            self.set_blocked(user, False)
        if state.is_group:
            state.members.setdefault(user.user_id, "member")
        message: dict[str, Any] = {
            "message_id": state.take_message_id(),
            "from": user.to_dict(),
            "chat": state.to_dict(),
            "date": now_date(),
        }
        message.update(fields)
        text = fields.get("text")
        if text is not None and auto_entities:
            entities = typed_entities(text)
            if entities:
                message["entities"] = entities
        caption = fields.get("caption")
        if caption:
            entities = typed_entities(caption)
            if entities:
                message["caption_entities"] = entities
        if reply_to is not None:
            if isinstance(reply_to, int):
                reply_id = reply_to
            elif isinstance(reply_to, dict):
                reply_id = reply_to["message_id"]
            else:
                reply_id = reply_to.message_id
            original = self.message_json(state, reply_id, nested=False)
            if original is None:
                raise LookupError(f"no message {reply_id} in chat {state.chat_id} to reply to")
            message["reply_to_message"] = original
        state.user_messages[message["message_id"]] = message
        if self._bot_sees(state, message):
            self.push("message", message)
        return message

    def _bot_sees(self, chat: SimChat, message: dict[str, Any]) -> bool:
        """Group privacy mode: the bot gets commands, replies to it, mentions, service."""
        if chat.type == "private":
            return True
        if not chat.bot_is_member:
            return False
        if not self.privacy_mode or chat.bot_status == "administrator":
            return True
        if any(key in message for key in _SERVICE_KEYS):
            return True
        reply = message.get("reply_to_message")
        if reply is not None and reply.get("from", {}).get("id") == self.bot_id:
            return True
        text = message.get("text") or message.get("caption") or ""
        mine = self.bot_username.lower()
        if text.startswith("/"):
            match = _COMMAND.match(text)
            if match is not None:
                _, _, target = match.group().partition("@")
                if not target or target.lower() == mine:
                    return True
        if "@" in text:
            return any(m.group()[1:].lower() == mine for m in _MENTION.finditer(text))
        return False

    def user_photo(
        self,
        user: SimUser,
        chat: SimChat | int | None,
        caption: str | None,
        data: bytes | None,
        width: int,
        height: int,
    ) -> dict[str, Any]:
        data = SAMPLE_JPEG if data is None else data
        size = image_size(data)
        if size is not None and data is not SAMPLE_JPEG:
            width, height = size
        record = self.new_file("photo", data, mime_type="image/jpeg", width=width, height=height)
        fields: dict[str, Any] = {"photo": self.photo_sizes(record)}
        if caption:
            fields["caption"] = caption
        return self.user_message(user, chat, fields)

    def user_document(
        self,
        user: SimUser,
        chat: SimChat | int | None,
        caption: str | None,
        data: bytes,
        file_name: str,
        mime_type: str,
    ) -> dict[str, Any]:
        record = self.new_file("document", data, mime_type=mime_type, file_name=file_name)
        fields: dict[str, Any] = {"document": record.document()}
        if caption:
            fields["caption"] = caption
        return self.user_message(user, chat, fields)

    def forward_origin(
        self, from_chat_title: str | None, from_user: SimUser | None, from_name: str | None
    ) -> dict[str, Any]:
        date = now_date() - 3600
        if from_chat_title is not None:
            channel_id = -1000000000000 - (abs(hash(from_chat_title)) % 10**9)
            return {
                "type": "channel",
                "chat": {"id": channel_id, "type": "channel", "title": from_chat_title},
                "message_id": 1 + abs(hash(from_chat_title)) % 10000,
                "date": date,
            }
        if from_user is not None:
            return {"type": "user", "sender_user": from_user.to_dict(), "date": date}
        return {"type": "hidden_user", "sender_user_name": from_name or "Ẩn danh", "date": date}

    def user_edit(self, user: SimUser, message: dict[str, Any], text: str) -> dict[str, Any]:
        chat = self.chats[message["chat"]["id"]]
        stored = chat.user_messages.get(message["message_id"])
        if stored is None or stored.get("from", {}).get("id") != user.user_id:
            raise LookupError("a user can only edit their own messages")
        edited = {**stored, "text": text, "edit_date": now_date()}
        edited.pop("entities", None)
        entities = typed_entities(text)
        if entities:
            edited["entities"] = entities
        chat.user_messages[message["message_id"]] = edited
        if self._bot_sees(chat, edited):
            self.push("edited_message", edited)
        return edited

    def press(
        self,
        user: SimUser,
        message: SentMessage,
        text: str | None,
        callback_data: str | None,
    ) -> str:
        chat = self.chats.get(message.chat_id)
        live = chat.bot_messages.get(message.message_id) if chat is not None else None
        if chat is None or live is None or live.deleted:
            raise LookupError(f"message {message.message_id} in chat {message.chat_id} is gone")
        if chat.type == "private" and chat.chat_id != user.user_id:
            raise LookupError(f"{user!r} cannot see another user's private chat")
        if text is not None:
            button = live.button(text)
            if "callback_data" not in button:
                raise ValueError(f"button {text!r} is not a callback button: {button}")
            data = button["callback_data"]
        elif callback_data is not None:
            data = callback_data
        else:
            raise ValueError("press() needs the button text or callback_data")
        if chat.is_group:
            chat.members.setdefault(user.user_id, "member")
        self._callback_counter += 1
        query_id = f"{self.bot_id}{self._callback_counter:012d}"
        self.callback_queries[query_id] = {
            "id": query_id,
            "user_id": user.user_id,
            "chat_id": chat.chat_id,
            "message_id": live.message_id,
            "data": data,
            "answered": False,
            "time": time.monotonic(),
        }
        if chat.type == "private" or chat.bot_is_member:
            self.push(
                "callback_query",
                {
                    "id": query_id,
                    "from": user.to_dict(),
                    "message": self.bot_message_json(live),
                    "chat_instance": str(abs(hash((chat.chat_id, self.bot_id))) % 10**18),
                    "data": data,
                },
            )
        return query_id
