"""What the simulator records: people, chats and the messages the bot sent.

`SentMessage` is the test-facing view of one bot message; `SimUser` is a person who talks to
the bot (its coroutines push updates the bot will fetch with getUpdates); `SimChat` is a chat
(private, group or supergroup) with its message history. The JSON builders produce Bot API
objects that python-telegram-bot 22 de-serialises without complaint.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.simulator.state import SimState


@dataclass(eq=False)
class SentMessage:
    """One message the bot sent, as the simulator stored it.

    `raw_text` is the text (or caption) exactly as the bot sent it, `html` the same when the
    parse mode was HTML, `parsed_text` what Telegram shows after entity parsing (`text` is an
    alias, for media the caption). `edits` holds the previous versions, oldest first.
    `time` is `time.monotonic()` at acceptance, `date` the Unix time in the Message object.

    Objects in `sim.sent` / `sim.messages_in()` are live (edits update them); the ones
    returned by `SimUser.expect_reply()` are snapshots of the version the event produced, but
    share `edits` with the live message, so `reply.edits == []` still means "never edited".
    """

    method: str
    chat_id: int
    message_id: int
    raw_text: str | None
    parse_mode: str | None
    parsed_text: str
    entities: list[dict[str, Any]]
    reply_markup: dict[str, Any] | None
    time: float
    date: int
    photo: bool = False
    document: bool = False
    file_id: str | None = None
    file_name: str | None = None
    caption: str | None = None
    reply_to_message_id: int | None = None
    options: dict[str, Any] = field(default_factory=dict)
    edits: list[dict[str, Any]] = field(default_factory=list)
    deleted: bool = False
    edit_date: int | None = None
    event: str = "sent"  # "sent" or "edited": which event produced this version

    @property
    def text(self) -> str:
        return self.parsed_text

    @property
    def html(self) -> str | None:
        return self.raw_text if self.parse_mode == "HTML" else None

    @property
    def buttons(self) -> list[list[str]]:
        """Texts of the inline keyboard, row by row ([] when there is none)."""
        rows = (self.reply_markup or {}).get("inline_keyboard") or []
        return [[button.get("text", "") for button in row] for row in rows]

    @property
    def keyboard(self) -> list[list[str]]:
        """Texts of the reply keyboard, row by row ([] when there is none)."""
        rows = (self.reply_markup or {}).get("keyboard") or []
        return [[b if isinstance(b, str) else b.get("text", "") for b in row] for row in rows]

    @property
    def callback_data(self) -> list[list[str | None]]:
        rows = (self.reply_markup or {}).get("inline_keyboard") or []
        return [[button.get("callback_data") for button in row] for row in rows]

    def button(self, text: str | None = None, *, callback_data: str | None = None) -> dict:
        """The inline button with this text (or callback_data); KeyError when absent."""
        for row in (self.reply_markup or {}).get("inline_keyboard") or []:
            for button in row:
                if text is not None and button.get("text") == text:
                    return button
                if callback_data is not None and button.get("callback_data") == callback_data:
                    return button
        wanted = text if text is not None else f"callback_data={callback_data!r}"
        raise KeyError(f"no inline button {wanted!r}; buttons are {self.buttons}")

    def snapshot(self) -> SentMessage:
        return dataclasses.replace(self)

    def version(self) -> dict[str, Any]:
        """The content fields of this version (what `edits` stores)."""
        return {
            "method": self.method,
            "raw_text": self.raw_text,
            "parse_mode": self.parse_mode,
            "parsed_text": self.parsed_text,
            "entities": self.entities,
            "reply_markup": self.reply_markup,
            "caption": self.caption,
            "time": self.time,
            "edit_date": self.edit_date,
        }

    def describe(self) -> str:
        """One line for assertion messages."""
        kind = "edit" if self.event == "edited" else self.method
        text = self.parsed_text if len(self.parsed_text) <= 80 else self.parsed_text[:77] + "..."
        extra = f" buttons={self.buttons}" if self.buttons else ""
        extra += f" keyboard={self.keyboard}" if self.keyboard else ""
        return f"#{self.message_id} {kind}: {text!r}{extra}"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready view for the HTTP control API."""
        return {
            "method": self.method,
            "chat_id": self.chat_id,
            "message_id": self.message_id,
            "from_bot": True,
            "text": self.parsed_text,
            "html": self.html,
            "raw_text": self.raw_text,
            "parse_mode": self.parse_mode,
            "entities": self.entities,
            "reply_markup": self.reply_markup,
            "buttons": self.buttons,
            "keyboard": self.keyboard,
            "photo": self.photo,
            "document": self.document,
            "file_id": self.file_id,
            "caption": self.caption,
            "reply_to_message_id": self.reply_to_message_id,
            "edits": len(self.edits),
            "deleted": self.deleted,
            "date": self.date,
            "edit_date": self.edit_date,
        }


class SimChat:
    """A chat the simulator knows: private (with one SimUser), group or supergroup."""

    def __init__(
        self,
        chat_id: int,
        type: str,
        *,
        title: str | None = None,
        user: SimUser | None = None,
        username: str | None = None,
    ) -> None:
        self.chat_id = chat_id
        self.type = type
        self.title = title
        self.user = user
        self.username = username
        self.bot_status = "member" if type == "private" else "left"
        self.migrated_to: int | None = None
        self.migrated_from: int | None = None
        self.members: dict[int, str] = {}
        self.next_message_id = 1
        self.bot_messages: dict[int, SentMessage] = {}
        self.user_messages: dict[int, dict[str, Any]] = {}
        self.order: list[int] = []  # every message id, increasing
        self.events: list[SentMessage] = []  # bot sends and edits, as snapshots
        self.menu_button: dict[str, Any] | None = None
        self._waiters: list[asyncio.Future[None]] = []

    @property
    def is_group(self) -> bool:
        return self.type in ("group", "supergroup")

    @property
    def bot_is_member(self) -> bool:
        return self.bot_status in ("member", "administrator", "creator")

    def take_message_id(self) -> int:
        message_id = self.next_message_id
        self.next_message_id += 1
        self.order.append(message_id)
        return message_id

    def to_dict(self) -> dict[str, Any]:
        if self.type == "private" and self.user is not None:
            data: dict[str, Any] = {"id": self.chat_id, "type": "private"}
            data["first_name"] = self.user.first_name
            if self.user.last_name:
                data["last_name"] = self.user.last_name
            if self.user.username:
                data["username"] = self.user.username
            return data
        data = {"id": self.chat_id, "type": self.type, "title": self.title or ""}
        if self.username:
            data["username"] = self.username
        if self.type == "group":
            data["all_members_are_administrators"] = False
        return data

    def notify(self) -> None:
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    async def changed(self, timeout: float) -> bool:
        """Wait until something is sent or edited here; False on timeout."""
        if timeout <= 0:
            return False
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await asyncio.wait_for(waiter, timeout)
        except TimeoutError:
            return False
        finally:
            if waiter in self._waiters:
                self._waiters.remove(waiter)
        return True

    def __repr__(self) -> str:
        return f"SimChat({self.chat_id}, {self.type!r}, title={self.title!r})"


class SimUser:
    """A person. Coroutines act (send, press) and wait for the bot's answers."""

    def __init__(
        self,
        sim: SimState,
        user_id: int,
        first_name: str,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "vi",
    ) -> None:
        self._sim = sim
        self.user_id = user_id
        self.first_name = first_name
        self.last_name = last_name
        self.username = username
        self.language_code = language_code
        self.started = False
        self.blocked = False
        self.deactivated = False
        self._cursors: dict[int, int] = {}

    @property
    def chat_id(self) -> int:
        """The id of this user's private chat with the bot (equal to the user id)."""
        return self.user_id

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.user_id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        if self.language_code:
            data["language_code"] = self.language_code
        return data

    # ---------------------------------------------------------------- acting

    async def send(
        self,
        text: str,
        chat: SimChat | int | None = None,
        *,
        reply_to: SentMessage | int | None = None,
    ) -> dict[str, Any]:
        """Send a text message (to the bot in private, or in `chat`); returns the Message."""
        message = self._sim.user_message(self, chat, {"text": text}, reply_to=reply_to)
        await asyncio.sleep(0)
        return message

    async def send_photo(
        self,
        chat: SimChat | int | None = None,
        caption: str | None = None,
        *,
        data: bytes | None = None,
        width: int = 1280,
        height: int = 960,
    ) -> dict[str, Any]:
        """Send a photo (a tiny valid JPEG unless `data` is given) the bot can download."""
        message = self._sim.user_photo(self, chat, caption, data, width, height)
        await asyncio.sleep(0)
        return message

    async def send_document(
        self,
        chat: SimChat | int | None = None,
        caption: str | None = None,
        *,
        data: bytes = b"%PDF-1.4\n% simulated document\n",
        file_name: str = "tai-lieu.pdf",
        mime_type: str = "application/pdf",
    ) -> dict[str, Any]:
        message = self._sim.user_document(self, chat, caption, data, file_name, mime_type)
        await asyncio.sleep(0)
        return message

    async def forward(
        self,
        text: str,
        *,
        from_chat_title: str | None = None,
        from_user: SimUser | None = None,
        from_name: str | None = None,
        chat: SimChat | int | None = None,
    ) -> dict[str, Any]:
        """Forward a message from a channel (`from_chat_title`), a user or a hidden user."""
        origin = self._sim.forward_origin(from_chat_title, from_user, from_name)
        message = self._sim.user_message(
            self, chat, {"text": text, "forward_origin": origin}, auto_entities=False
        )
        await asyncio.sleep(0)
        return message

    async def edit(self, message: dict[str, Any], text: str) -> dict[str, Any]:
        """Edit one of this user's own messages (an edited_message update)."""
        edited = self._sim.user_edit(self, message, text)
        await asyncio.sleep(0)
        return edited

    async def press(
        self,
        message: SentMessage,
        text: str | None = None,
        *,
        callback_data: str | None = None,
    ) -> str:
        """Press an inline button by its text (looked up in the message as it is now) or send
        `callback_data` as is (a stale or forged button). Returns the callback query id."""
        query_id = self._sim.press(self, message, text, callback_data)
        await asyncio.sleep(0)
        return query_id

    def block_bot(self) -> None:
        self._sim.set_blocked(self, True)

    def unblock_bot(self) -> None:
        self._sim.set_blocked(self, False)

    def deactivate(self) -> None:
        self.deactivated = True

    # ---------------------------------------------------------------- expecting

    def _chat_id(self, chat: SimChat | int | None) -> int:
        if chat is None:
            return self.user_id
        return chat.chat_id if isinstance(chat, SimChat) else int(chat)

    async def expect_reply(
        self, timeout: float = 5.0, *, chat: SimChat | int | None = None
    ) -> SentMessage:
        """The next message the bot sent or edited in this user's private chat (or `chat`)
        after the last one consumed; AssertionError listing what was seen on timeout."""
        return (await self.expect_replies(1, timeout, chat=chat))[0]

    async def expect_replies(
        self, n: int, timeout: float = 5.0, *, chat: SimChat | int | None = None
    ) -> list[SentMessage]:
        chat_id = self._chat_id(chat)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            state = self._sim.chats.get(chat_id)
            cursor = self._cursors.get(chat_id, 0)
            if state is not None and len(state.events) - cursor >= n:
                self._cursors[chat_id] = cursor + n
                return state.events[cursor : cursor + n]
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(self._sim.describe_wait(chat_id, cursor, n, timeout))
            if state is None:
                await asyncio.sleep(min(remaining, 0.01))
            else:
                await state.changed(remaining)

    async def expect_no_reply(
        self, within: float = 0.3, *, chat: SimChat | int | None = None
    ) -> None:
        """Assert that the bot sends or edits nothing here for `within` seconds."""
        chat_id = self._chat_id(chat)
        await asyncio.sleep(within)
        state = self._sim.chats.get(chat_id)
        cursor = self._cursors.get(chat_id, 0)
        if state is not None and len(state.events) > cursor:
            seen = "; ".join(m.describe() for m in state.events[cursor:])
            self._cursors[chat_id] = len(state.events)
            raise AssertionError(f"expected no reply in chat {chat_id}, got: {seen}")

    def skip_replies(self, chat: SimChat | int | None = None) -> int:
        """Mark everything the bot sent so far here as consumed; returns how many."""
        chat_id = self._chat_id(chat)
        state = self._sim.chats.get(chat_id)
        total = len(state.events) if state is not None else 0
        skipped = total - self._cursors.get(chat_id, 0)
        self._cursors[chat_id] = total
        return skipped

    def __repr__(self) -> str:
        return f"SimUser({self.user_id}, {self.first_name!r})"


def now_date() -> int:
    return int(time.time())
