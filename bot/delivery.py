"""Broadcasts: the outbox, our own paced sender, classified outcomes, resume after a crash.

A broadcast is one message (text, or a photo/document with a caption) for many chats. When
it is confirmed, one outbox row per (broadcast, recipient) is written in one transaction.
`Delivery` then works through the rows:

- **Claim before the call.** A row goes to 'sending' (committed) before the Bot API call;
  the call's classified outcome and the row's next state are written in one transaction.
  At start-up rows still in 'sending' (in flight when the process died) go back to
  'pending': after a SIGKILL nothing is lost and at most those rows are sent twice.
- **Outcomes, not exceptions.** The channel (`bot/channels/telegram_delivery.py`) turns
  every answer into an `Outcome`, as RapidPro's courier does, and the outbox acts on the
  class only: sent · throttled (429: wait retry_after, not a failure) · gone (blocked,
  kicked, deactivated, chat not found: the recipient is marked unreachable and never
  retried) · migrated (the group became a supergroup: move it, send once more) · temporary
  (timeout, 5xx: back off, at most `[delivery] max_attempts` calls) · permanent (any other
  400: failed, Telegram's description kept for the report).
- **Pacing is ours** (`Pacer`): under `[delivery] global_per_second` overall, one message a
  second per chat and `per_group_per_minute` per group, so Telegram rarely has to say 429.
  A 429 pauses this sender only; replies to people do not pass through here and keep
  flowing. Broadcasts take turns (round-robin) so a big one does not starve a small one;
  urgent broadcasts go first.
- **Progress**: the official's preview card is edited at most every few seconds
  ("Đã gửi 120/312…"); at the end a report (sent / gone / failed with reasons) is sent.

Nothing here imports `telegram`: the sender talks to a `Channel`.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import json
import logging
import math
import random
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

import aiosqlite

from bot import browse, texts
from bot.addresses import Address, Directory
from bot.clock import Clock, iso, parse_iso
from bot.config import DeliveryConfig
from bot.content import ContentPack, Item
from bot.db import Database
from bot.media import MediaRef
from bot.render import html_to_rich
from bot.reply import Menu, Pressed, Reply
from bot.rich import Rich, bold, italic, rich
from bot.screens import Button, Screen

log = logging.getLogger(__name__)

# Margins over Telegram's windows: a request leaves here a moment before Telegram counts it,
# and two requests sent in order may arrive a few milliseconds closer together.
CHAT_MARGIN = 0.05  # seconds added to the per-chat gap
GROUP_MARGIN = 0.5  # seconds added to the one-minute group window
THROTTLE_MARGIN = 0.05  # seconds added to Telegram's retry_after
MAX_IN_FLIGHT = 32  # calls awaiting an answer at once: also the most a crash can duplicate
BACKOFF_BASE = 1.0  # seconds before the first retry of a temporary failure; doubles each time
BACKOFF_CAP = 30.0
REPLY_HEADROOM = 2  # slots a full window keeps free while people chat with the bot
CATCH_UP = 3  # ticks of the overall grid made up after the event loop was late
IN_FLIGHT_POLL = 0.005  # seconds between looks when the window waits on answers to come


# ---------------------------------------------------------------- outcomes and messages


class Outcome(StrEnum):
    """What one send came to, in the classes the outbox acts on."""

    SENT = "sent"
    THROTTLED = "throttled"
    GONE = "gone"
    MIGRATED = "migrated"
    TEMPORARY = "temporary"
    PERMANENT = "permanent"


@dataclass(frozen=True)
class Result:
    outcome: Outcome
    message_id: int | None = None
    retry_after: float = 0.0  # THROTTLED: seconds Telegram asked us to wait
    moved_to: Address | None = None  # MIGRATED: where the group is now (a new supergroup)
    description: str = ""  # Telegram's own words, kept for the report


@dataclass(frozen=True)
class OutMessage:
    """One message as every recipient gets it: rich text, or a file with a rich caption.
    Each channel renders it (Telegram: bot/channels/telegram_render.py)."""

    text: Rich
    media: MediaRef | None = None  # a photo or a document, the text as its caption

    def body_json(self) -> str:
        return json.dumps(self.text.to_json(), ensure_ascii=False)

    def urgent_from(self, ward: str) -> OutMessage:
        """The message as an urgent broadcast: a visible mark and the ward's name first."""
        mark = bold(texts.bc_urgent_mark(ward))
        return replace(self, text=rich(mark, "\n\n", self.text) if self.text else rich(mark))

    def as_reply(self) -> Reply:
        """The message as the channel sends it: the text, as its file's caption if any."""
        return Reply(Screen(self.text), photo=self.media)


def stored_body(body: str, html: str) -> Rich:
    """A stored body: rich JSON, or (a broadcast or schedule stored before rich text)
    Telegram HTML, read back as rich text."""
    return Rich.from_json(json.loads(body)) if body else html_to_rich(html)


def item_message(pack: ContentPack, item: Item) -> OutMessage:
    """A content item as a broadcast: its summary, and how to read the rest."""
    command = next((c for c, kind in browse.COMMAND_KINDS.items() if kind == item.kind), "")
    number = pack.of_kind(item.kind).index(item) + 1 if command else 0
    more = texts.bc_item_more(command, number)
    return OutMessage(
        rich(bold(item.title), "\n\n", browse.as_rich(item.summary_html), "\n\n", italic(more))
    )


class Mode(StrEnum):
    """How a send is tried, by who is waiting for it."""

    REPLY = "reply"  # a person waits: tried again through 429s, 5xx and timeouts, for a while
    ONCE = "once"  # one attempt; the caller acts on the Result (notices, progress cards)
    PACED = "paced"  # the outbox: paced by it, one attempt, its own 429s pause it


class Channel(Protocol):
    """How the core reaches a chat platform (Telegram: bot/channels/telegram_delivery.py).
    The core names recipients by local id; the channel is handed their `Address`. Every
    message leaves through `send`: replies, notices, broadcasts, an official's cards."""

    edits: bool  # whether a shown message can be replaced (a progress card is edited)

    async def send(
        self,
        address: Address,
        reply: Reply,
        *,
        pressed: Pressed | None = None,
        menu: Menu = (),
        mode: Mode = Mode.REPLY,
    ) -> Result:
        """Answer the press (its notice) if any, then show the reply's screen — as the
        caption of its file; in place of the pressed message where the channel can replace
        it (in a mode other than REPLY, a message that cannot be replaced is reported, not
        sent anew); else as a new message with its options or `menu` — then what follows
        it. Never raises for the platform's own refusals: every answer is classified."""
        ...


# ---------------------------------------------------------------- audiences


class AudienceKind(StrEnum):
    LEADERS = "leaders"  # every active tổ trưởng
    GROUPS = "groups"  # every group chat linked to an active tổ
    UNITS = "units"  # chosen tổ: their leaders, linked groups and/or residents
    EVERYONE = "everyone"  # everyone who agreed to the data notice (started the bot)


@dataclass(frozen=True)
class Audience:
    kind: AudienceKind
    units: tuple[int, ...] = ()
    leaders: bool = True  # UNITS: include the leaders of the chosen tổ
    groups: bool = True  # UNITS: include the groups linked to the chosen tổ
    residents: bool = False  # UNITS: include the people who said they live in them

    def to_json(self) -> str:
        return json.dumps(
            {
                "kind": self.kind.value,
                "units": list(self.units),
                "leaders": self.leaders,
                "groups": self.groups,
                "residents": self.residents,
            }
        )

    @classmethod
    def from_json(cls, text: str) -> Audience:
        data = json.loads(text)
        return cls(
            AudienceKind(data["kind"]),
            tuple(int(u) for u in data.get("units", ())),
            bool(data.get("leaders", True)),
            bool(data.get("groups", True)),
            bool(data.get("residents", False)),
        )


async def _ids(conn: aiosqlite.Connection, sql: str, params: Iterable[Any] = ()) -> list[int]:
    async with conn.execute(sql, tuple(params)) as cursor:
        return [int(row[0]) for row in await cursor.fetchall()]


async def recipients(conn: aiosqlite.Connection, audience: Audience, urgent: bool) -> list[int]:
    """The chat ids a broadcast goes to, each once. Leaders, officials and groups always get
    operational messages; a resident who turned notifications off gets urgent ones only."""
    leaders_sql = (
        "SELECT DISTINCT l.user_id FROM unit_leaders l"
        " JOIN units u ON u.id = l.unit_id JOIN people p ON p.user_id = l.user_id"
        " WHERE l.active = 1 AND u.active = 1 AND p.reachable = 1"
    )
    groups_sql = (
        "SELECT c.chat_id FROM chats c JOIN units u ON u.id = c.unit_id"
        " WHERE c.active = 1 AND u.active = 1"
    )
    found: list[int] = []
    if audience.kind == AudienceKind.LEADERS:
        found = await _ids(conn, leaders_sql)
    elif audience.kind == AudienceKind.GROUPS:
        found = await _ids(conn, groups_sql)
    elif audience.kind == AudienceKind.UNITS:
        units = tuple(audience.units)
        if units:
            marks = ",".join("?" * len(units))
            if audience.leaders:
                found += await _ids(conn, f"{leaders_sql} AND l.unit_id IN ({marks})", units)
            if audience.groups:
                found += await _ids(conn, f"{groups_sql} AND c.unit_id IN ({marks})", units)
            if audience.residents:  # as for everyone: a resident who opted out, urgent only
                found += await _ids(
                    conn,
                    "SELECT user_id FROM people WHERE reachable = 1 AND home_unit_id IN"
                    f" ({marks}) AND (role != 'resident' OR notifications = 1 OR ?)",
                    (*units, int(urgent)),
                )
    elif audience.kind == AudienceKind.EVERYONE:
        found = await _ids(
            conn,
            "SELECT user_id FROM people WHERE reachable = 1"
            " AND (role != 'resident' OR notifications = 1 OR ?)",
            (int(urgent),),
        )
    return list(dict.fromkeys(found))  # each chat once, in the order found


async def count_recipients(db: Database, audience: Audience, urgent: bool) -> int:
    return len(await recipients(db.conn, audience, urgent))


# ---------------------------------------------------------------- broadcasts in the database


def title_of(text: Rich) -> str:
    """A short plain title for lists: the first line of the text."""
    first = next((line.strip() for line in text.text.splitlines() if line.strip()), "")
    return first if len(first) <= 60 else first[:57].rstrip() + "…"


async def create_broadcast(
    db: Database,
    now: datetime,
    *,
    created_by: int,
    message: OutMessage,
    audience: Audience,
    urgent: bool,
    schedule_id: int | None = None,
    progress: tuple[int, int] | None = None,
    conn: aiosqlite.Connection | None = None,
) -> tuple[int, int]:
    """Write the broadcast and one outbox row per recipient, atomically; returns (id, count).
    Pass `conn` to do it inside a transaction the caller already holds."""
    if conn is None:
        async with db.transaction() as own:
            return await create_broadcast(
                db,
                now,
                created_by=created_by,
                message=message,
                audience=audience,
                urgent=urgent,
                schedule_id=schedule_id,
                progress=progress,
                conn=own,
            )
    stamp = iso(now)
    media_kind = message.media.kind if message.media else ""
    cursor = await conn.execute(
        "INSERT INTO broadcasts (created_by, created_at, schedule_id, title, html, body,"
        " media_kind, media_id, audience, urgent, status, progress_chat_id,"
        " progress_message_id) VALUES (?, ?, ?, ?, '', ?, ?, ?, ?, ?, 'sending', ?, ?)",
        (
            created_by,
            stamp,
            schedule_id,
            title_of(message.text) if message.text else texts.bc_media_title(media_kind),
            message.body_json(),
            media_kind,
            message.media.id if message.media else None,
            audience.to_json(),
            int(urgent),
            progress[0] if progress else None,
            progress[1] if progress else None,
        ),
    )
    broadcast_id = int(cursor.lastrowid or 0)
    chats = await recipients(conn, audience, urgent)
    await conn.executemany(
        "INSERT INTO outbox (broadcast_id, chat_id, updated_at) VALUES (?, ?, ?)",
        [(broadcast_id, chat_id, stamp) for chat_id in chats],
    )
    return broadcast_id, len(chats)


@dataclass(frozen=True)
class Status:
    """Where one broadcast stands, counted from its outbox rows."""

    id: int
    title: str
    created_by: int
    created_at: datetime
    finished_at: datetime | None
    schedule_id: int | None
    urgent: bool
    audience: Audience
    done: bool
    total: int
    sent: int
    gone: int
    failed: int
    waiting: int  # pending or in flight
    errors: tuple[tuple[str, int], ...]  # failed rows grouped by Telegram's description
    progress: tuple[int, int] | None

    @property
    def processed(self) -> int:
        return self.sent + self.gone + self.failed


async def broadcast_status(db: Database, broadcast_id: int) -> Status | None:
    row = await db.fetchone(
        "SELECT id, title, created_by, created_at, finished_at, schedule_id, urgent, audience,"
        " status, progress_chat_id, progress_message_id FROM broadcasts WHERE id = ?",
        (broadcast_id,),
    )
    if row is None:
        return None
    counts = {
        r[0]: int(r[1])
        for r in await db.fetchall(
            "SELECT state, COUNT(*) FROM outbox WHERE broadcast_id = ? GROUP BY state",
            (broadcast_id,),
        )
    }
    errors = await db.fetchall(
        "SELECT error, COUNT(*) AS n FROM outbox WHERE broadcast_id = ? AND state = 'failed'"
        " GROUP BY error ORDER BY n DESC, error",
        (broadcast_id,),
    )
    return Status(
        id=int(row[0]),
        title=row[1],
        created_by=int(row[2]),
        created_at=parse_iso(row[3]),
        finished_at=parse_iso(row[4]) if row[4] else None,
        schedule_id=row[5],
        urgent=bool(row[6]),
        audience=Audience.from_json(row[7]),
        done=row[8] == "done",
        total=sum(counts.values()),
        sent=counts.get("sent", 0),
        gone=counts.get("gone", 0),
        failed=counts.get("failed", 0),
        waiting=counts.get("pending", 0) + counts.get("sending", 0),
        errors=tuple((r[0] or "", int(r[1])) for r in errors),
        progress=(int(row[9]), int(row[10])) if row[9] is not None and row[10] else None,
    )


async def recent_broadcasts(db: Database, limit: int = 8) -> list[Status]:
    ids = [
        int(r[0])
        for r in await db.fetchall("SELECT id FROM broadcasts ORDER BY id DESC LIMIT ?", (limit,))
    ]
    found = [await broadcast_status(db, i) for i in ids]
    return [s for s in found if s is not None]


async def retry_failed(
    db: Database, broadcast_id: int, now: datetime, progress: tuple[int, int] | None = None
) -> int:
    """Put the failed rows of a broadcast back in the queue (gone ones stay gone)."""
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "UPDATE outbox SET state = 'pending', attempts = 0, outcome = '', error = '',"
            " updated_at = ? WHERE broadcast_id = ? AND state = 'failed'",
            (iso(now), broadcast_id),
        )
        count = cursor.rowcount
        if count:
            await conn.execute(
                "UPDATE broadcasts SET status = 'sending', finished_at = NULL,"
                " progress_chat_id = COALESCE(?, progress_chat_id),"
                " progress_message_id = COALESCE(?, progress_message_id) WHERE id = ?",
                (
                    progress[0] if progress else None,
                    progress[1] if progress else None,
                    broadcast_id,
                ),
            )
    return count


# ---------------------------------------------------------------- reports (screens)


def progress_screen(status: Status) -> Screen:
    return Screen(
        texts.bc_progress(
            status.id, status.sent, status.total, status.gone, status.failed, status.done
        )
    )


def report_screen(status: Status) -> Screen:
    buttons: tuple[tuple[Button, ...], ...] = ()
    if status.failed and status.done:
        buttons = ((Button(texts.bc_btn_retry(status.failed), f"st:r:{status.id}"),),)
    return Screen(
        texts.bc_report(
            status.id,
            status.title,
            status.total,
            status.sent,
            status.gone,
            status.failed,
            status.waiting,
            status.errors,
            status.done,
        ),
        buttons,
    )


# ---------------------------------------------------------------- pacing


class Send:
    """One request in the overall window: when its answer came (`math.inf` while it is in
    flight). Only the answer matters: a send counts until a second after it."""

    __slots__ = ("answered",)

    def __init__(self) -> None:
        self.answered = math.inf


class Pacer:
    """Our own flood control, so that Telegram has no reason to answer 429.

    - Overall: requests leave on a grid `1/global_per_second` apart, and never more than
      n = ceil(rate) of them in any one second as Telegram counts them. Telegram counts a
      request when it arrives, which we cannot see; we only know it arrived between the
      moment it left and the moment its answer came. So a new request may leave only if
      fewer than n earlier ones were answered within the last second (or are still in
      flight): then no second at Telegram can hold more than n, however late the event
      loop wakes up or the network delivers. On loopback this costs nothing (answers take
      milliseconds, the grid leaves ~17 ms of slack per second at 29.5/s); over a slow
      network it slows broadcasts a little rather than risk a 429, which would stop them
      for retry_after seconds.
    - Per chat: one message per `1/per_chat_per_second` seconds (plus a margin).
    - Per group: at most `per_group_per_minute` in any minute (plus a margin).
    - `pause(until)`: after a 429, nothing leaves before `until`.
    - Other messages the bot sends (replies to people) count too (`note_other`). They may
      use the whole window and wait only when it is full, until its oldest send ages out;
      while people are chatting the broadcast stops a few slots short of a full window, so
      replies find room at once and the total stays under Telegram's limit.

    Times are plain floats (the event loop's monotonic clock), so tests can drive it."""

    WINDOW = 1.0  # Telegram's "per second"

    def __init__(
        self, config: DeliveryConfig, is_group: Callable[[int], bool] = lambda _: False
    ) -> None:
        # Which addresses are groups is the channel's knowledge (Telegram: negative ids);
        # until a channel says so, no address gets the group budget.
        self.is_group = is_group
        rate = max(0.1, config.global_per_second)
        self.interval = 1.0 / rate
        self.burst = max(1, math.ceil(rate))
        self.chat_gap = 1.0 / max(0.01, config.per_chat_per_second) + CHAT_MARGIN
        self.group_limit = max(1, config.per_group_per_minute)
        self.group_window = 60.0 + GROUP_MARGIN
        self.paused_until = -math.inf
        self._next = -math.inf
        self._sends: deque[Send] = deque()  # every send, ours and others, that may share a second
        self._others: deque[float] = deque()  # others' sends in the last two seconds
        self._chat_free: dict[int, float] = {}
        self._groups: dict[int, deque[float]] = {}

    def reserve(self, now: float) -> int:
        """Slots of the window kept free while people are chatting (a reply went out in the
        last two seconds): when the window is full, room for a few replies at once."""
        others = self._others
        while others and others[0] <= now - 2.0:
            others.popleft()
        return min(REPLY_HEADROOM, self.burst // 2) if others else 0

    def _window_wait(self, now: float, cap: int) -> float:
        """Seconds until fewer than `cap` sends could share a second with one leaving now;
        `IN_FLIGHT_POLL` when that hangs on answers still to come."""
        horizon = now - self.WINDOW
        sends = self._sends
        # Sends leave in order and are mostly answered in order: drop the answered-long-ago
        # ones from the front, and count exactly only when the rough count is at the cap.
        while sends and sends[0].answered <= horizon:
            sends.popleft()
        if len(sends) < cap:
            return 0.0
        answered = sorted(s.answered for s in sends if s.answered > horizon)
        if len(answered) < cap:
            return 0.0
        # The window frees up when all but cap - 1 of them have aged out.
        oldest_to_go = answered[len(answered) - cap]
        if oldest_to_go == math.inf:
            return IN_FLIGHT_POLL
        return max(0.0, oldest_to_go + self.WINDOW - now)

    def global_wait(self, now: float) -> float:
        """Seconds until the next broadcast request may leave (0: now)."""
        wait = max(0.0, self.paused_until - now, self._next - now)
        return max(wait, self._window_wait(now, self.burst - self.reserve(now)))

    def other_wait(self, now: float) -> float:
        """Seconds a reply waits for room in the overall window: only when the window is
        full, and then only until its oldest send ages out (a few hundredths of a second).
        Replies use the whole window; broadcasts stop short of it (`reserve`)."""
        return self._window_wait(now, self.burst)

    def chat_wait(self, chat_id: int, now: float) -> float:
        wait = max(0.0, self._chat_free.get(chat_id, -math.inf) - now)
        if self.is_group(chat_id):
            sends = self._groups.get(chat_id)
            if sends:
                while sends and sends[0] <= now - self.group_window:
                    sends.popleft()
                if len(sends) >= self.group_limit:
                    wait = max(wait, sends[len(sends) - self.group_limit] + self.group_window - now)
        return wait

    def record(self, chat_id: int, now: float) -> Send:
        """One request to `chat_id` leaves now; call `answered` when its answer comes."""
        send = Send()
        self._sends.append(send)
        # Late (the event loop was busy): keep the grid, so the lost ticks are made up, but
        # only the last few; later than that, start afresh from now. The window above is
        # what keeps Telegram's count under the limit, whatever the grid does.
        base = self._next if self._next >= now - CATCH_UP * self.interval else now
        self._next = base + self.interval
        self._chat_free[chat_id] = now + self.chat_gap
        if self.is_group(chat_id):
            self._groups.setdefault(chat_id, deque()).append(now)
        if len(self._chat_free) > 50_000:  # forget chats whose gap is long over
            self._chat_free = {c: t for c, t in self._chat_free.items() if t > now}
        return send

    def note_other(self, chat_id: int, now: float) -> Send:
        """A message that is not ours (a reply to a person) leaves now: it takes its share
        of the overall and per-chat budget, so broadcasts leave room for it."""
        send = Send()
        self._sends.append(send)
        self._others.append(now)
        if chat_id:
            self.record_chat(chat_id, now)
        return send

    @staticmethod
    def answered(send: Send, now: float) -> None:
        """The answer to `send` came (or the call failed) at `now`."""
        send.answered = now

    def record_chat(self, chat_id: int, now: float) -> None:
        """A message may have reached `chat_id` at `now` (sent before a restart)."""
        self._chat_free[chat_id] = now + self.chat_gap
        if self.is_group(chat_id):
            self._groups.setdefault(chat_id, deque()).append(now)

    def pause(self, until: float) -> None:
        self.paused_until = max(self.paused_until, until)


# ---------------------------------------------------------------- the sender


@dataclass(eq=False)
class _Lane:
    """The queued rows of one broadcast."""

    broadcast_id: int
    urgent: bool
    message: OutMessage
    rows: deque[tuple[int, int]] = field(default_factory=deque)  # (row id, chat id)
    known: set[int] = field(default_factory=set)  # row ids queued, delayed or in flight
    inflight: int = 0
    delayed: int = 0

    @property
    def idle(self) -> bool:
        return not self.rows and not self.inflight and not self.delayed


SCAN = 64  # rows looked at per lane per pick when the first ones must wait (groups)


class Delivery:
    """The outbox sender. Built empty (a `Services` field); `start()` wires it up and
    resumes whatever a previous run left unfinished."""

    def __init__(self) -> None:
        self._db: Database | None = None
        self._config: DeliveryConfig = DeliveryConfig()
        self._clock: Clock | None = None
        self._channel: Channel | None = None
        self._directory: Directory | None = None
        self._pacer = Pacer(self._config)
        self._lanes: dict[int, _Lane] = {}
        self._turns: dict[bool, deque[int]] = {True: deque(), False: deque()}
        self._delayed: list[tuple[float, int, int, int, int]] = []  # (when, seq, lane, row, chat)
        self._seq = itertools.count()
        self._wake = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()
        self._dispatcher: asyncio.Task[None] | None = None
        self._progress_task: asyncio.Task[None] | None = None
        self._slots: asyncio.Semaphore | None = None
        self._shown: dict[int, tuple[int, int, int]] = {}
        self.progress_every = 3.0
        self._alive: Callable[[], bool] = lambda: True
        self.running = False

    # -------------------------------------------------------------- life cycle

    async def start(
        self,
        db: Database,
        config: DeliveryConfig,
        clock: Clock,
        channel: Channel,
        *,
        progress_every: float = 3.0,
        alive: Callable[[], bool] | None = None,
        directory: Directory | None = None,
    ) -> int:
        """Resume after a restart and start sending; returns how many rows were in flight
        when the previous run stopped (they are sent again: the only possible duplicates).
        `directory` turns recipients' local ids into addresses (by default one of its own)."""
        self._db, self._config, self._clock, self._channel = db, config, clock, channel
        self._directory = directory or Directory(db, clock)
        self._pacer = Pacer(config, self._directory.is_group)
        self._slots = asyncio.Semaphore(MAX_IN_FLIGHT)
        self.progress_every = progress_every
        # Nothing is claimed while the bot cannot send (before the Application started, and
        # once it is stopping): a claimed row would only fail and use up an attempt.
        self._alive = alive or (lambda: True)
        async with db.transaction() as conn:
            async with conn.execute(
                "SELECT DISTINCT chat_id FROM outbox WHERE state = 'sending'"
            ) as cursor:
                touched = [int(row[0]) for row in await cursor.fetchall()]
            cursor = await conn.execute(
                "UPDATE outbox SET state = 'pending', updated_at = ? WHERE state = 'sending'",
                (iso(clock.now()),),
            )
            in_flight = cursor.rowcount
        # Those chats may have just received the message: give them their per-chat gap.
        now = asyncio.get_running_loop().time()
        for chat_id in touched:
            self._pacer.record_chat(chat_id, now)
        if in_flight:
            log.warning(
                "%d messages were in flight at the last stop; sending them again", in_flight
            )
        self.running = True
        for row in await db.fetchall(
            "SELECT id FROM broadcasts WHERE status = 'sending' ORDER BY urgent DESC, id"
        ):
            await self.enqueue(int(row[0]))
        self._dispatcher = asyncio.create_task(self._dispatch_loop(), name="delivery-dispatch")
        self._progress_task = asyncio.create_task(self._progress_loop(), name="delivery-progress")
        return in_flight

    async def stop(self, timeout: float = 3.0) -> None:
        """Stop claiming rows, let calls in flight finish (briefly), then stop."""
        if not self.running:
            return
        self.running = False
        for task in (self._dispatcher, self._progress_task):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        if self._tasks:
            _, pending = await asyncio.wait(set(self._tasks), timeout=timeout)
            for task in pending:  # their rows stay 'sending' and are resent at the next start
                task.cancel()
            if pending:
                await asyncio.wait(pending, timeout=1.0)

    @property
    def db(self) -> Database:
        assert self._db is not None, "Delivery.start() was not called"
        return self._db

    def _now(self) -> datetime:
        assert self._clock is not None
        return self._clock.now()

    # -------------------------------------------------------------- queueing

    async def enqueue(self, broadcast_id: int) -> None:
        """Queue the pending rows of a broadcast (new, resumed or retried) and wake up."""
        if not self.running:
            return
        row = await self.db.fetchone(
            "SELECT body, html, media_kind, media_id, urgent FROM broadcasts WHERE id = ?",
            (broadcast_id,),
        )
        if row is None:
            return
        pending = await self.db.fetchall(
            "SELECT id, chat_id FROM outbox WHERE broadcast_id = ? AND state = 'pending'"
            " ORDER BY id",
            (broadcast_id,),
        )
        # No await from here on: the lane cannot be dropped while rows are added to it.
        lane = self._lanes.get(broadcast_id)
        if lane is None:
            ref = MediaRef(int(row[3]), str(row[2])) if row[3] else None
            message = OutMessage(stored_body(row[0], row[1]), ref)
            lane = _Lane(broadcast_id, bool(row[4]), message)
            self._lanes[broadcast_id] = lane
            self._turns[lane.urgent].append(broadcast_id)
        for row_id, chat_id in pending:
            if row_id not in lane.known:
                lane.known.add(row_id)
                lane.rows.append((int(row_id), int(chat_id)))
        if lane.idle:
            self._drop_lane(lane)
            self._spawn(self._finish(broadcast_id))
        self._wake.set()

    def _drop_lane(self, lane: _Lane) -> None:
        self._lanes.pop(lane.broadcast_id, None)
        with contextlib.suppress(ValueError):
            self._turns[lane.urgent].remove(lane.broadcast_id)

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _pick(self, now: float) -> tuple[tuple[_Lane, int, int] | None, float | None]:
        """The next row to send: urgent lanes first, lanes in turn, skipping rows whose
        chat must wait. Returns (lane, row, chat) or (None, seconds until one is ready)."""
        soonest: float | None = None
        for urgent in (True, False):
            turns = self._turns[urgent]
            for _ in range(len(turns)):
                lane = self._lanes[turns[0]]
                turns.rotate(-1)  # whoever is looked at goes to the back: round-robin
                for index in range(min(SCAN, len(lane.rows))):
                    row_id, chat_id = lane.rows[index]
                    wait = self._pacer.chat_wait(chat_id, now)
                    if wait <= 0:
                        del lane.rows[index]
                        return (lane, row_id, chat_id), None
                    soonest = wait if soonest is None else min(soonest, wait)
        return None, soonest

    def _release_delayed(self, now: float) -> None:
        while self._delayed and self._delayed[0][0] <= now:
            _, _, lane_id, row_id, chat_id = heapq.heappop(self._delayed)
            lane = self._lanes.get(lane_id)
            if lane is not None:
                lane.delayed -= 1
                lane.rows.appendleft((row_id, chat_id))

    def _delay(self, lane: _Lane, row_id: int, chat_id: int, seconds: float) -> None:
        when = asyncio.get_running_loop().time() + seconds
        lane.delayed += 1
        heapq.heappush(self._delayed, (when, next(self._seq), lane.broadcast_id, row_id, chat_id))

    async def _sleep(self, timeout: float | None) -> None:
        if timeout is not None and timeout <= 0:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout)

    async def _dispatch_loop(self) -> None:
        loop = asyncio.get_running_loop()
        assert self._slots is not None
        while True:
            try:
                if not self._alive():
                    await asyncio.sleep(0.05)
                    continue
                self._wake.clear()
                now = loop.time()
                self._release_delayed(now)
                wait: float | None = self._pacer.global_wait(now)
                if wait is not None and wait <= 0:
                    picked, wait = self._pick(now)
                    if picked is not None:
                        await self._launch(*picked)
                        continue
                if self._delayed:
                    until = self._delayed[0][0] - loop.time()
                    wait = until if wait is None else min(wait, until)
                await self._sleep(wait)
            except asyncio.CancelledError:
                raise
            except Exception:  # a database hiccup must not end the sender for good
                log.exception("delivery dispatcher error; retrying in 1 s")
                await asyncio.sleep(1.0)

    async def _launch(self, lane: _Lane, row_id: int, chat_id: int) -> None:
        """Claim the row (committed) and start the call. The row counts as in flight from
        the moment it left the queue, so the lane cannot look finished meanwhile."""
        assert self._slots is not None
        lane.inflight += 1
        acquired = launched = False
        try:
            await self._slots.acquire()
            acquired = True
            try:
                async with self.db.transaction() as conn:
                    cursor = await conn.execute(
                        "UPDATE outbox SET state = 'sending', attempts = attempts + 1,"
                        " updated_at = ? WHERE id = ? AND state = 'pending'",
                        (iso(self._now()), row_id),
                    )
                    claimed = cursor.rowcount == 1
            except BaseException:
                lane.rows.appendleft((row_id, chat_id))  # not claimed: back in the queue
                raise
            if not claimed:  # erased or finished meanwhile
                lane.known.discard(row_id)
                return
            # Looked up before pacing, so the pacer knows a group's budget applies.
            assert self._directory is not None
            address = await self._directory.address_of(chat_id)
            # Replies may have gone out while the claim waited for the database: look
            # again, and book the slot with no await between the look and the booking.
            loop = asyncio.get_running_loop()
            while True:
                now = loop.time()
                wait = max(self._pacer.global_wait(now), self._pacer.chat_wait(chat_id, now))
                if wait <= 0:
                    break
                await asyncio.sleep(wait)
            send = self._pacer.record(chat_id, now)
            self._spawn(self._send_one(lane, row_id, chat_id, address, send))
            launched = True
        finally:
            if not launched:  # (a claimed row left in 'sending' is resent at the next start)
                lane.inflight -= 1
                if acquired:
                    self._slots.release()
                self._after(lane)

    async def _send_one(
        self, lane: _Lane, row_id: int, chat_id: int, address: Address | None, send: Send
    ) -> None:
        assert self._channel is not None and self._slots is not None
        try:
            try:
                if address is None:  # erased meanwhile: nobody to reach any more
                    result = Result(Outcome.GONE, description="no address")
                else:
                    result = await self._channel.send(
                        address, lane.message.as_reply(), mode=Mode.PACED
                    )
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the channel classifies; anything else is our bug
                log.exception("unclassified error sending to %s", chat_id)
                result = Result(Outcome.TEMPORARY, description=type(exc).__name__)
            finally:
                self._answered(send)
        except BaseException:
            lane.inflight -= 1
            self._slots.release()
            raise
        self._slots.release()
        try:
            await self._settle(lane, row_id, chat_id, result)
        except Exception:
            # The row stays 'sending'; the next start sends it again.
            log.exception("could not record the outcome for outbox row %s", row_id)
            lane.known.discard(row_id)
        finally:
            lane.inflight -= 1
            self._after(lane)

    def _after(self, lane: _Lane) -> None:
        self._wake.set()
        if lane.idle and self._lanes.get(lane.broadcast_id) is lane:
            self._drop_lane(lane)
            self._spawn(self._finish(lane.broadcast_id))

    async def _settle(self, lane: _Lane, row_id: int, chat_id: int, result: Result) -> None:
        """Write the outcome and the row's next state in one transaction, then act on it."""
        stamp = iso(self._now())
        loop = asyncio.get_running_loop()
        requeue: tuple[int, float] | None = None  # (chat id, delay) when the row goes back
        # A group that moved has a new address: its local id is made before the transaction
        # (the directory writes in one of its own).
        new_id = 0
        if result.outcome == Outcome.MIGRATED and result.moved_to is not None:
            assert self._directory is not None
            new_id = await self._directory.local(result.moved_to)
        async with self.db.transaction() as conn:
            async with conn.execute(
                "SELECT attempts, migrated_from FROM outbox WHERE id = ?", (row_id,)
            ) as cursor:
                found = await cursor.fetchone()
            if found is None:  # the person erased their data meanwhile
                lane.known.discard(row_id)
                return
            attempts, migrated_from = int(found[0]), found[1]
            outcome = result.outcome
            if outcome == Outcome.SENT:
                await self._set(conn, row_id, "sent", outcome, "", stamp, result.message_id)
            elif outcome == Outcome.THROTTLED:
                # Not a failure: the call does not count, the row waits its turn again.
                await conn.execute(
                    "UPDATE outbox SET state = 'pending', attempts = attempts - 1, outcome = ?,"
                    " updated_at = ? WHERE id = ?",
                    (outcome.value, stamp, row_id),
                )
                pause = max(0.0, result.retry_after) + THROTTLE_MARGIN
                self._pacer.pause(loop.time() + pause)
                requeue = (chat_id, pause)
            elif outcome == Outcome.GONE:
                await self._set(conn, row_id, "gone", outcome, result.description, stamp)
                await _mark_unreachable(conn, chat_id, stamp)
            elif outcome == Outcome.MIGRATED and new_id and migrated_from is None:
                await _move_chat(conn, chat_id, new_id, stamp)
                async with conn.execute(
                    "SELECT 1 FROM outbox WHERE broadcast_id = ? AND chat_id = ?",
                    (lane.broadcast_id, new_id),
                ) as cursor:
                    duplicate = await cursor.fetchone() is not None
                if duplicate:  # the supergroup is already on the list: this address is done
                    await self._set(conn, row_id, "gone", outcome, result.description, stamp)
                else:
                    await conn.execute(
                        "UPDATE outbox SET state = 'pending', chat_id = ?, migrated_from = ?,"
                        " attempts = attempts - 1, outcome = ?, updated_at = ? WHERE id = ?",
                        (new_id, chat_id, outcome.value, stamp, row_id),
                    )
                    requeue = (new_id, 0.0)
            elif outcome == Outcome.TEMPORARY and attempts < self._config.max_attempts:
                await conn.execute(
                    "UPDATE outbox SET state = 'pending', outcome = ?, error = ?, updated_at = ?"
                    " WHERE id = ?",
                    (outcome.value, result.description, stamp, row_id),
                )
                backoff = min(BACKOFF_CAP, BACKOFF_BASE * 2 ** max(0, attempts - 1))
                requeue = (chat_id, backoff * random.uniform(0.8, 1.2))
            else:  # permanent, temporary too often, or migrated twice
                # The platform's own words go to the log and the row; the official's
                # report says in Vietnamese what went wrong (texts.failure_reason).
                log.warning(
                    "broadcast %s to %s failed (%s): %s",
                    lane.broadcast_id, chat_id, outcome.value, result.description,
                )  # fmt: skip
                await self._set(conn, row_id, "failed", outcome, result.description, stamp)
        if requeue is None:
            lane.known.discard(row_id)
        else:
            new_chat, delay = requeue
            if delay > 0:
                self._delay(lane, row_id, new_chat, delay)
            else:
                lane.rows.appendleft((row_id, new_chat))

    @staticmethod
    async def _set(
        conn: aiosqlite.Connection,
        row_id: int,
        state: str,
        outcome: Outcome,
        error: str,
        stamp: str,
        message_id: int | None = None,
    ) -> None:
        await conn.execute(
            "UPDATE outbox SET state = ?, outcome = ?, error = ?, message_id = ?,"
            " updated_at = ? WHERE id = ?",
            (state, outcome.value, error[:500], message_id, stamp, row_id),
        )

    # -------------------------------------------------------------- finishing and progress

    async def _finish(self, broadcast_id: int) -> None:
        """Mark the broadcast done (if no row is left) and report to the official."""
        async with self.db.transaction() as conn:
            async with conn.execute(
                "SELECT COUNT(*) FROM outbox WHERE broadcast_id = ?"
                " AND state IN ('pending', 'sending')",
                (broadcast_id,),
            ) as cursor:
                left = (await cursor.fetchone())[0]  # type: ignore[index]
            if left:
                return
            cursor = await conn.execute(
                "UPDATE broadcasts SET status = 'done', finished_at = ?"
                " WHERE id = ? AND status = 'sending'",
                (iso(self._now()), broadcast_id),
            )
            if cursor.rowcount == 0:
                return
        status = await broadcast_status(self.db, broadcast_id)
        if status is None or status.progress is None or self._channel is None:
            return
        chat_id, message_id = status.progress
        self._shown.pop(broadcast_id, None)
        assert self._directory is not None
        address = await self._directory.address_of(chat_id)
        if address is None:
            return
        await self._show(address, progress_screen(status), edit=message_id)
        await self._show(address, report_screen(status))

    async def _progress_loop(self) -> None:
        while True:
            await asyncio.sleep(self.progress_every)
            if not self._alive():
                continue
            try:
                await self.show_progress()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("could not update broadcast progress")

    async def show_progress(self) -> None:
        """Edit each running broadcast's progress card if its numbers changed."""
        if self._channel is None:
            return
        for broadcast_id in list(self._lanes):
            status = await broadcast_status(self.db, broadcast_id)
            if status is None or status.progress is None or status.done:
                continue
            key = (status.sent, status.gone, status.failed)
            if self._shown.get(broadcast_id) == key:
                continue
            self._shown[broadcast_id] = key
            chat_id, message_id = status.progress
            assert self._directory is not None
            address = await self._directory.address_of(chat_id)
            if address is not None:
                await self._show(address, progress_screen(status), edit=message_id)

    async def _show(self, address: Address, screen: Screen, *, edit: int | None = None) -> None:
        """An official's progress card (edited in place, tried once: the next edit comes in
        seconds) or the delivery report (tried as a reply is); best effort, never raises."""
        assert self._channel is not None
        if edit is not None and not self._channel.edits:
            return
        try:
            result = await self._channel.send(
                address,
                Reply(screen, replace=edit is not None),
                pressed=None if edit is None else Pressed("", edit),
                mode=Mode.REPLY if edit is None else Mode.ONCE,
            )
        except Exception:  # best effort: the bot may be shutting down
            log.warning("could not show a delivery message to %s", address, exc_info=True)
            return
        if result.outcome is not Outcome.SENT:
            log.warning("could not show a delivery message to %s: %s", address, result)

    async def other_send(self, chat_id: int) -> Send:
        """Another part of the bot (a reply to a person) is about to send a message: wait
        for room in the overall window if it is full (rarely, briefly), then count it.
        Pass what this returns to `other_answered` when the answer comes."""
        loop = asyncio.get_running_loop()
        while True:
            now = loop.time()
            wait = self._pacer.other_wait(now)
            if wait <= 0:
                break
            await asyncio.sleep(wait)
        return self._pacer.note_other(chat_id, now)

    def other_answered(self, send: Send) -> None:
        self._answered(send)

    def _answered(self, send: Send) -> None:
        self._pacer.answered(send, asyncio.get_running_loop().time())
        self._wake.set()  # the dispatcher may be waiting on this answer

    def pause_for(self, seconds: float) -> None:
        """Telegram answered 429 to another part of the bot: broadcasts wait as long."""
        self._pacer.pause(asyncio.get_running_loop().time() + seconds + THROTTLE_MARGIN)

    # -------------------------------------------------------------- for tests and benchmarks

    @property
    def in_flight(self) -> int:
        return sum(lane.inflight for lane in self._lanes.values())

    @property
    def queued(self) -> int:
        return sum(len(lane.rows) + lane.delayed for lane in self._lanes.values())


async def _mark_unreachable(conn: aiosqlite.Connection, chat_id: int, stamp: str) -> None:
    """The channel says this address is gone: stop addressing it until it comes back. The
    address is a person's or a group's, whichever table holds it (no sign convention)."""
    await conn.execute(
        "UPDATE people SET reachable = 0, updated_at = ? WHERE user_id = ?", (stamp, chat_id)
    )
    await conn.execute(
        "UPDATE chats SET active = 0, updated_at = ? WHERE chat_id = ?", (stamp, chat_id)
    )


async def _move_chat(conn: aiosqlite.Connection, old_id: int, new_id: int, stamp: str) -> None:
    """A group became a supergroup: keep its record (and its tổ link) under the new id."""
    async with conn.execute("SELECT 1 FROM chats WHERE chat_id = ?", (new_id,)) as cursor:
        exists = await cursor.fetchone() is not None
    if exists:
        await conn.execute(
            "UPDATE chats SET unit_id = COALESCE(unit_id,"
            " (SELECT unit_id FROM chats WHERE chat_id = ?)), updated_at = ? WHERE chat_id = ?",
            (old_id, stamp, new_id),
        )
        await conn.execute("DELETE FROM chats WHERE chat_id = ?", (old_id,))
    else:
        await conn.execute(
            "UPDATE chats SET chat_id = ?, type = 'supergroup', updated_at = ? WHERE chat_id = ?",
            (new_id, stamp, old_id),
        )
