"""The simulator's world: the bot, people, chats, files, pending updates and what was sent.

`SimState` holds everything and implements the control side (people act, tests wait and
inspect) without any HTTP; the Bot API methods (`methods.py`) and the HTTP layers
(`server.py`, `control.py`) work on it. All of it runs on one asyncio loop, so no locking.

Lookups are dictionaries keyed by chat id and message id, and waiting is event driven (one
future per waiter), so the cost of a request does not grow with the history.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import deque
from collections.abc import Iterable
from typing import Any

from bot.simulator.limits import Faults, Limits, RateLimiter, Stats
from bot.simulator.models import SentMessage, SimChat, SimUser, now_date
from bot.simulator.people import PeopleMixin, chat_member
from bot.simulator.store import FileRecord, UpdateQueue
from bot.simulator.validate import Rendered


class SimState(PeopleMixin):
    """Everything the simulated Telegram knows, plus the control API used by tests."""

    def __init__(
        self,
        token: str = "123456:TEST-TOKEN",
        bot_username: str = "loaphuong_bot",
        limits: Limits | None = None,
        *,
        bot_name: str = "Loa Phường",
        privacy_mode: bool = True,
        seed: int | None = None,
    ) -> None:
        bot_id, sep, secret = token.partition(":")
        if not (sep and bot_id.isdigit() and secret):
            raise ValueError("token must look like '<digits>:<secret>'")
        self.token = token
        self.bot_id = int(bot_id)
        self.bot_username = bot_username
        self.bot_name = bot_name
        self.privacy_mode = privacy_mode
        self.bot_user: dict[str, Any] = {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": bot_name,
            "username": bot_username,
        }
        self.users: dict[int, SimUser] = {}
        self.chats: dict[int, SimChat] = {}
        self.updates = UpdateQueue()
        self.files: dict[str, FileRecord] = {}
        self.files_by_path: dict[str, FileRecord] = {}
        self.sent: list[SentMessage] = []
        self.callback_queries: dict[str, dict[str, Any]] = {}
        self.callback_answers: list[dict[str, Any]] = []
        self.chat_actions: list[dict[str, Any]] = []
        self.commands: dict[str, list[dict[str, str]]] = {}
        self.menu_buttons: dict[str, dict[str, Any]] = {}
        self.webhook: dict[str, Any] | None = None
        self.stats = Stats()
        self.faults = Faults(seed)
        self.failed_calls: deque[dict[str, Any]] = deque(maxlen=1000)
        self._limiter: RateLimiter | None = None
        self.limits = limits
        self._file_counter = 0
        self._callback_counter = 0
        self._inflight = 0
        self._last_activity = time.monotonic()

    # ---------------------------------------------------------------- limits

    @property
    def limits(self) -> Limits | None:
        return self._limiter.limits if self._limiter else None

    @limits.setter
    def limits(self, value: Limits | None) -> None:
        self._limiter = RateLimiter(value, self.stats) if value is not None else None

    def set_limits(self, limits: Limits | None) -> None:
        """Switch Telegram's flood limits on (fresh windows) or off (None)."""
        self.limits = limits

    def admit(self, method: str, chat: SimChat) -> None:
        """Apply the flood limits to one accepted send (raises the 429)."""
        limiter = self._limiter
        if limiter is not None and limiter.applies_to(method):
            limiter.admit(chat.chat_id, chat.is_group)

    # ---------------------------------------------------------------- people and chats

    def user(
        self,
        user_id: int,
        first_name: str = "Người dùng",
        last_name: str | None = None,
        username: str | None = None,
        *,
        language_code: str | None = "vi",
        started: bool = False,
    ) -> SimUser:
        """The person with this id (created on first use). `started=True` opens the private
        chat as if the user had pressed Start, without sending an update."""
        if user_id <= 0:
            raise ValueError("user ids are positive")
        user = self.users.get(user_id)
        if user is None:
            user = SimUser(self, user_id, first_name, last_name, username, language_code)
            self.users[user_id] = user
        if started:
            self.private_chat(user)
        return user

    def private_chat(self, user: SimUser) -> SimChat:
        chat = self.chats.get(user.user_id)
        if chat is None:
            chat = self.chats[user.user_id] = SimChat(user.user_id, "private", user=user)
        user.started = True
        return chat

    def group(
        self,
        chat_id: int,
        title: str = "Nhóm",
        type: str = "group",
        *,
        bot_member: bool = True,
        bot_admin: bool = False,
        creator: SimUser | None = None,
        admins: Iterable[SimUser] = (),
        username: str | None = None,
    ) -> SimChat:
        """A group or supergroup (created on first use). The bot is a member unless
        `bot_member=False`; use add_bot_to_group() to simulate being added."""
        if chat_id >= 0:
            raise ValueError("group chat ids are negative")
        if type not in ("group", "supergroup"):
            raise ValueError("type must be 'group' or 'supergroup'")
        chat = self.chats.get(chat_id)
        if chat is not None:
            return chat
        chat = self.chats[chat_id] = SimChat(chat_id, type, title=title, username=username)
        if bot_member or bot_admin:
            chat.bot_status = "administrator" if bot_admin else "member"
        if creator is not None:
            chat.members[creator.user_id] = "creator"
        for admin in admins:
            chat.members[admin.user_id] = "administrator"
        return chat

    def chat(self, chat_id: int) -> SimChat:
        return self.chats[chat_id]

    def chat_by_username(self, username: str) -> SimChat | None:
        wanted = username.lower()
        for chat in self.chats.values():
            if chat.username and chat.username.lower() == wanted:
                return chat
        return None

    def chat_member_json(self, chat: SimChat, user_id: int) -> dict[str, Any] | None:
        if user_id == self.bot_id:
            return chat_member(chat.bot_status, self.bot_user)
        user = self.users.get(user_id)
        if user is None:
            return None
        if chat.type == "private":
            status = "member" if user_id == chat.chat_id else "left"
        else:
            status = chat.members.get(user_id, "left")
        return chat_member(status, user.to_dict())

    # ---------------------------------------------------------------- updates and files

    def push(self, kind: str, payload: dict[str, Any]) -> int | None:
        update_id = self.updates.push(kind, payload)
        if update_id is not None:
            self.stats.updates += 1
        return update_id

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
    ) -> FileRecord:
        self._file_counter += 1
        n = self._file_counter
        prefix = "AgACAgUAAxk" if kind == "photo" else "BQACAgUAAxk"
        extension = {"photo": "jpg"}.get(kind) or (
            file_name.rsplit(".", 1)[-1] if file_name and "." in file_name else "bin"
        )
        folder = "photos" if kind == "photo" else "documents"
        record = FileRecord(
            file_id=f"{prefix}{self.bot_id:x}{n:08d}sim",
            file_unique_id=f"AQAD{n:08d}",
            kind=kind,
            data=data,
            file_path=f"{folder}/file_{n}.{extension}",
            mime_type=mime_type,
            file_name=file_name,
            width=width,
            height=height,
            url=url,
        )
        self.files[record.file_id] = record
        self.files_by_path[record.file_path] = record
        return record

    def photo_sizes(self, record: FileRecord) -> list[dict[str, Any]]:
        """A thumbnail and the full size, as Telegram lists them (smallest first)."""
        thumb = self.files.get(record.file_id + "-t")
        if thumb is None:
            scale = max(record.width, record.height, 1) / 90
            thumb = FileRecord(
                file_id=record.file_id + "-t",
                file_unique_id=record.file_unique_id + "t",
                kind="photo",
                data=record.data,
                file_path=record.file_path.replace(".jpg", "_t.jpg"),
                width=max(1, round(record.width / scale)) if scale > 1 else record.width,
                height=max(1, round(record.height / scale)) if scale > 1 else record.height,
            )
            self.files[thumb.file_id] = thumb
            self.files_by_path[thumb.file_path] = thumb
        return [thumb.photo_size(), record.photo_size()]

    # ---------------------------------------------------------------- what the bot sends

    def record_sent(
        self,
        method: str,
        chat: SimChat,
        *,
        raw_text: str | None,
        parse_mode: str | None,
        rendered: Rendered | None,
        reply_markup: dict[str, Any] | None,
        reply_to: int | None = None,
        photo: bool = False,
        document: bool = False,
        file_id: str | None = None,
        file_name: str | None = None,
        options: dict[str, Any] | None = None,
    ) -> SentMessage:
        message = SentMessage(
            method=method,
            chat_id=chat.chat_id,
            message_id=chat.take_message_id(),
            raw_text=raw_text,
            parse_mode=parse_mode,
            parsed_text=rendered.text if rendered else "",
            entities=rendered.entities if rendered else [],
            reply_markup=reply_markup,
            time=time.monotonic(),
            date=now_date(),
            photo=photo,
            document=document,
            file_id=file_id,
            file_name=file_name,
            caption=rendered.text if rendered and (photo or document) else None,
            reply_to_message_id=reply_to,
            options=options or {},
        )
        chat.bot_messages[message.message_id] = message
        self.sent.append(message)
        self.stats.messages_sent += 1
        chat.events.append(message.snapshot())
        chat.notify()
        return message

    def record_edit(
        self,
        message: SentMessage,
        *,
        raw_text: str | None,
        parse_mode: str | None,
        rendered: Rendered | None,
        reply_markup: dict[str, Any] | None,
    ) -> None:
        message.edits.append(message.version())
        if rendered is not None:
            message.raw_text = raw_text
            message.parse_mode = parse_mode
            message.parsed_text = rendered.text
            message.entities = rendered.entities
            if message.photo or message.document:
                message.caption = rendered.text
        message.reply_markup = reply_markup
        message.time = time.monotonic()
        message.edit_date = now_date()
        chat = self.chats[message.chat_id]
        snapshot = message.snapshot()
        snapshot.event = "edited"
        chat.events.append(snapshot)
        chat.notify()

    def bot_message_json(self, message: SentMessage) -> dict[str, Any]:
        chat = self.chats[message.chat_id]
        data: dict[str, Any] = {
            "message_id": message.message_id,
            "from": self.bot_user,
            "chat": chat.to_dict(),
            "date": message.date,
        }
        record = self.files.get(message.file_id) if message.file_id else None
        if message.photo and record is not None:
            data["photo"] = self.photo_sizes(record)
        elif message.document and record is not None:
            data["document"] = record.document()
        if message.photo or message.document:
            if message.caption:
                data["caption"] = message.caption
                if message.entities:
                    data["caption_entities"] = message.entities
        else:
            data["text"] = message.parsed_text
            if message.entities:
                data["entities"] = message.entities
        if message.reply_markup and "inline_keyboard" in message.reply_markup:
            data["reply_markup"] = {"inline_keyboard": message.reply_markup["inline_keyboard"]}
        if message.edit_date is not None:
            data["edit_date"] = message.edit_date
        if message.reply_to_message_id is not None:
            original = self.message_json(chat, message.reply_to_message_id, nested=False)
            if original is not None:
                data["reply_to_message"] = original
        return data

    def message_json(
        self, chat: SimChat, message_id: int, *, nested: bool = True
    ) -> dict[str, Any] | None:
        bot_message = chat.bot_messages.get(message_id)
        if bot_message is not None:
            if bot_message.deleted:
                return None
            data = self.bot_message_json(bot_message)
        else:
            stored = chat.user_messages.get(message_id)
            if stored is None:
                return None
            data = stored
        if not nested and "reply_to_message" in data:
            data = {k: v for k, v in data.items() if k != "reply_to_message"}
        return data

    # ---------------------------------------------------------------- inspecting

    def messages_in(self, chat_id: int | SimChat) -> list[SentMessage]:
        """The bot's messages still present in a chat (live objects), oldest first."""
        key = chat_id.chat_id if isinstance(chat_id, SimChat) else chat_id
        chat = self.chats.get(key)
        if chat is None:
            return []
        return [m for m in chat.bot_messages.values() if not m.deleted]

    def last_in(self, chat_id: int | SimChat) -> SentMessage | None:
        key = chat_id.chat_id if isinstance(chat_id, SimChat) else chat_id
        chat = self.chats.get(key)
        if chat is None:
            return None
        for message_id in reversed(chat.bot_messages):
            message = chat.bot_messages[message_id]
            if not message.deleted:
                return message
        return None

    def message(self, chat_id: int, message_id: int) -> SentMessage:
        """The live record of one bot message."""
        return self.chats[chat_id].bot_messages[message_id]

    async def wait_for_message(
        self, chat_id: int | SimChat, *, after: int = 0, timeout: float = 5.0
    ) -> SentMessage:
        """The first bot message in the chat with an id above `after` (live object)."""
        key = chat_id.chat_id if isinstance(chat_id, SimChat) else chat_id
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            chat = self.chats.get(key)
            if chat is not None:
                found = None
                for message_id in reversed(chat.bot_messages):
                    if message_id <= after:
                        break
                    candidate = chat.bot_messages[message_id]
                    if not candidate.deleted:
                        found = candidate
                if found is not None:
                    return found
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(
                    f"no bot message in chat {key} after #{after} within {timeout}s; "
                    + self._diagnostics(key)
                )
            if chat is None:
                await asyncio.sleep(min(remaining, 0.01))
            else:
                await chat.changed(remaining)

    def touch(self) -> None:
        self._last_activity = time.monotonic()

    @property
    def idle(self) -> bool:
        return not self.updates.items and self._inflight == 0

    async def wait_idle(self, timeout: float = 5.0, *, quiet: float = 0.05) -> None:
        """Until no update waits for delivery or confirmation, no request is in flight and
        none arrived for `quiet` seconds; AssertionError on timeout."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            if self.idle and time.monotonic() - self._last_activity >= quiet:
                return
            if loop.time() >= deadline:
                raise AssertionError(
                    f"simulator not idle after {timeout}s: {len(self.updates.items)} updates "
                    f"not confirmed by getUpdates, {self._inflight} requests in flight"
                )
            await asyncio.sleep(min(quiet / 2, 0.01))

    def _diagnostics(self, chat_id: int) -> str:
        parts = []
        errors = [
            f"{c['method']} → {c['code']} {c['description']}"
            for c in list(self.failed_calls)[-50:]
            if c.get("chat_id") == str(chat_id)
        ][-5:]
        if errors:
            parts.append("recent failed calls for this chat: " + "; ".join(errors))
        if self.updates.items:
            parts.append(
                f"{len(self.updates.items)} updates not yet fetched/confirmed (is the bot polling?)"
            )
        return " ".join(parts) or "no failed calls for this chat"

    def describe_wait(self, chat_id: int, cursor: int, n: int, timeout: float) -> str:
        chat = self.chats.get(chat_id)
        head = f"expected {n} new bot message(s) in chat {chat_id} within {timeout}s"
        if chat is None:
            return f"{head}, but the chat does not exist (did the user write first?). " + (
                self._diagnostics(chat_id)
            )
        new = chat.events[cursor:]
        seen = "; ".join(m.describe() for m in new) or "nothing new"
        before = "; ".join(m.describe() for m in chat.events[max(0, cursor - 3) : cursor])
        text = f"{head}; got {len(new)}: {seen}."
        if before:
            text += f" Already consumed: {before}."
        return f"{text} {self._diagnostics(chat_id)}"

    def commands_for(self, scope: dict[str, Any] | None = None, language_code: str = "") -> list:
        key = json.dumps(scope or {"type": "default"}, sort_keys=True, separators=(",", ":"))
        if language_code:
            key += f" lang={language_code}"
        return self.commands.get(key, [])
