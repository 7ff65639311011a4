"""Where a person or a group is reached: an `Address` on a channel, and the local id the core
knows them by.

The core names people and groups by local ids (`people.user_id`, `chats.chat_id`, the
recipients of the outbox and of notices, the audit log); only a channel knows what its own ids
look like. `Directory` maps one to the other: `local(address)` when an update comes in,
`address_of(local_id)` when something is sent. Whether an address is a group's is its `kind`,
never the sign of a number.

Local ids are numbered from 1 in order of first contact (`local_ids`, migration 011, which
renumbered the Telegram ids earlier releases used). A person reached on two channels has two
addresses and one local id. An id is never reused: an erased person's addresses are deleted,
and the number the audit log keeps then names nobody.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from bot.clock import Clock, iso
from bot.db import Database

TELEGRAM = "telegram"
ZALO = "zalo"
# The address a channel that speaks through the Telegram-shaped handlers (Zalo: its updates
# are translated into python-telegram-bot Updates, bot/channels/zalo_bridge.py) puts on the
# user and the chat it made, beside the local id standing in for Telegram's number.
CARRIED = "loa_address"
ZALO_PHOTO = "loa_photo_url"  # a translated Zalo photo's URL, on its message
CACHE_LIMIT = 100_000  # addresses remembered in memory (the ward has a few thousand people)


class Kind(StrEnum):
    PERSON = "person"
    GROUP = "group"
    SHARED = "shared"  # an account anyone may be behind: it speaks, it never holds a role


@dataclass(frozen=True)
class Address:
    channel: str
    external_id: str
    kind: Kind = Kind.PERSON

    def __str__(self) -> str:
        return f"{self.channel}:{self.external_id}"

    @classmethod
    def parse(cls, text: str, kind: Kind = Kind.PERSON) -> Address:
        """`channel:id` as written in the config (`telegram:123456`, `zalo:7d1f…`)."""
        channel, sep, external_id = text.strip().partition(":")
        if not sep or not channel or not external_id.strip():
            raise ValueError(f"an address is channel:id, got {text!r}")
        return cls(channel.strip().lower(), external_id.strip(), kind)


def telegram(external_id: int, kind: Kind = Kind.PERSON) -> Address:
    return Address(TELEGRAM, str(external_id), kind)


def carried(obj: object, kind: Kind = Kind.PERSON) -> Address | None:
    """The address a translated update's user or chat carries (None: a Telegram one)."""
    extra = getattr(obj, "api_kwargs", None) or {}
    found = extra.get(CARRIED)
    return Address.parse(found, kind) if isinstance(found, str) else None


# Every column that holds a local id (of a person or a group). An address whose local id is
# in none of them, nor in the audit log, belongs to someone the bot keeps nothing about.
LOCAL_ID_COLUMNS = (
    ("people", "user_id"), ("unit_leaders", "user_id"), ("chats", "chat_id"),
    ("chats", "linked_by"), ("invites", "created_by"), ("invites", "used_by"),
    ("invites", "revoked_by"), ("invite_offers", "user_id"), ("audit_log", "actor_id"),
    ("flow_marks", "user_id"), ("report_drafts", "user_id"), ("reports", "leader_id"),
    ("reports", "reviewed_by"), ("review_waits", "officer_id"), ("reminders", "user_id"),
    ("tips", "reporter_id"), ("tips", "handled_by"), ("tip_drafts", "user_id"),
    ("notices", "chat_id"), ("broadcasts", "created_by"), ("broadcasts", "progress_chat_id"),
    ("outbox", "chat_id"), ("outbox", "migrated_from"), ("compose_drafts", "user_id"),
    ("schedules", "created_by"), ("search_waits", "user_id"), ("unit_asks", "officer_id"),
    ("tip_waits", "officer_id"),
    ("link_codes", "user_id"),
)  # fmt: skip
SEEN_BATCH_SECONDS = 1.0  # where people last wrote from is written this long after
STRANGER_DAYS = 30  # an address nothing refers to is kept this long after first contact


class Directory:
    """Addresses ↔ local ids, from the `addresses` table, remembered in memory (an address
    never changes its local id, so the memory needs no invalidation; erasure forgets)."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock
        self._local: dict[tuple[str, str], int] = {}
        self._address: dict[int, Address] = {}
        self._seen: dict[int, Address] = {}  # the address each person last wrote from
        self._unwritten: dict[tuple[str, str], str] = {}  # its time, not yet in the table
        self._writer: asyncio.Task[None] | None = None

    async def local(self, address: Address) -> int:
        """The local id of `address`, made on first contact."""
        key = (address.channel, address.external_id)
        found = self._local.get(key)
        if found is not None:
            return found
        row = await self.db.fetchone(
            "SELECT local_id FROM addresses WHERE channel = ? AND external_id = ?", key
        )
        if row is not None:
            local_id = int(row[0])
        else:
            local_id = await self._add(address)
        self._remember(address, local_id)
        return local_id

    async def address_of(self, local_id: int) -> Address | None:
        """Where to reach `local_id`: the address they last wrote from (a person on Telegram
        and Zalo is answered where they are), else their first; None for an id nobody has."""
        found = self._seen.get(local_id) or self._address.get(local_id)
        if found is not None:
            return found
        row = await self.db.fetchone(
            "SELECT channel, external_id, kind FROM addresses WHERE local_id = ?"
            " ORDER BY last_seen_at IS NULL, last_seen_at DESC, added_at, channel LIMIT 1",
            (local_id,),
        )
        if row is None:
            return None
        address = Address(str(row[0]), str(row[1]), Kind(row[2]))
        self._remember(address, local_id)
        return address

    async def seen(self, address: Address, local_id: int) -> None:
        """`local_id` wrote from `address` just now. Known at once in memory; written once
        per person per run, and again only when they change channel, in one batch a moment
        later (beside the replies, not before them: bench/zalo.py)."""
        if address.kind != Kind.PERSON or self._seen.get(local_id) == address:
            return
        self._seen[local_id] = address
        self._unwritten[(address.channel, address.external_id)] = iso(self.clock.now())
        if self._writer is None or self._writer.done():
            self._writer = asyncio.get_running_loop().create_task(self._write_seen_soon())

    async def _write_seen_soon(self) -> None:
        await asyncio.sleep(SEEN_BATCH_SECONDS)
        await self.write_seen()

    async def close(self) -> None:
        """At shutdown, before the database closes: write what waits, stop the batch."""
        if self._writer is not None and not self._writer.done():
            self._writer.cancel()
        await self.write_seen()

    async def write_seen(self) -> None:
        """Write the marks not written yet (also at shutdown, before the database closes).
        A mark lost in a crash costs nothing: the person's next message writes it again."""
        marks, self._unwritten = self._unwritten, {}
        if not marks:
            return
        async with self.db.transaction() as conn:
            await conn.executemany(
                "UPDATE addresses SET last_seen_at = ? WHERE channel = ? AND external_id = ?",
                [(stamp, channel, external) for (channel, external), stamp in marks.items()],
            )

    def is_group(self, local_id: int) -> bool:
        """Whether `local_id` is a group, for the pacer (groups have a budget of their own).
        Answers from memory: the sender looks the address up before it paces a send."""
        address = self._address.get(local_id)
        return address is not None and address.kind == Kind.GROUP

    async def know(self, addresses: Iterable[Address]) -> None:
        """Make sure these addresses have local ids (the config's admins, at start-up: cards
        and digests reach them before they ever write to the bot). The channel says what
        each one is (`kind`), as it does for a sender."""
        for address in addresses:
            await self.local(address)

    async def prune_strangers(self, days: int = STRANGER_DAYS) -> int:
        """Forget the addresses of people the bot keeps nothing about — someone who wrote in
        a group, opened the bot and left — `days` after their first contact; the count. A
        person who comes back is given a new local id (ids are never reused)."""
        cutoff = iso(self.clock.now() - timedelta(days=days))
        used = " UNION ".join(
            f"SELECT {column} FROM {table} WHERE {column} IS NOT NULL"
            for table, column in LOCAL_ID_COLUMNS
        )
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "SELECT DISTINCT local_id FROM addresses WHERE kind != 'group' AND added_at < ?"
                f" AND local_id NOT IN ({used})"
                " AND local_id NOT IN (SELECT local_id FROM addresses WHERE added_at >= ?)"
                " AND NOT EXISTS (SELECT 1 FROM audit_log WHERE target IN"
                " ('user:' || addresses.local_id, 'chat:' || addresses.local_id))"
                " AND NOT EXISTS (SELECT 1 FROM notices WHERE"
                " json_extract(payload, '$.user') = addresses.local_id)",
                (cutoff, cutoff),
            )
            strangers = [int(r[0]) for r in await cursor.fetchall()]
            for local_id in strangers:
                await conn.execute("DELETE FROM addresses WHERE local_id = ?", (local_id,))
                await conn.execute("DELETE FROM local_ids WHERE id = ?", (local_id,))
        for local_id in strangers:
            self.forget(local_id)
        return len(strangers)

    def moved(self, address: Address, local_id: int, *, was: int) -> None:
        """`address` now belongs to `local_id` (bot/links.py changed its row)."""
        self._local[(address.channel, address.external_id)] = local_id
        if self._address.get(was) == address:
            del self._address[was]
        if self._seen.get(was) == address:
            del self._seen[was]
        self._address.setdefault(local_id, address)

    def forget(self, local_id: int) -> None:
        """After an erasure (which deleted the person's address rows, bot/erasure.py): keep
        nothing of them in memory either."""
        self._address.pop(local_id, None)
        self._seen.pop(local_id, None)
        for key in [k for k, v in self._local.items() if v == local_id]:
            del self._local[key]

    async def _add(self, address: Address) -> int:
        stamp = iso(self.clock.now())
        async with self.db.transaction() as conn:
            cursor = await conn.execute("INSERT INTO local_ids (made_at) VALUES (?)", (stamp,))
            made = cursor.lastrowid
            # Two first messages from one address can race here: the second insert is
            # ignored, and its number stays unused (numbers are cheap, never reused).
            await conn.execute(
                "INSERT OR IGNORE INTO addresses (channel, external_id, kind, local_id, added_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (address.channel, address.external_id, address.kind.value, made, stamp),
            )
            row = list(
                await conn.execute_fetchall(
                    "SELECT local_id FROM addresses WHERE channel = ? AND external_id = ?",
                    (address.channel, address.external_id),
                )
            )
            return int(row[0][0])

    def _remember(self, address: Address, local_id: int) -> None:
        if len(self._local) >= CACHE_LIMIT:
            self._local.clear()
            self._address.clear()
            self._seen.clear()
        self._local[(address.channel, address.external_id)] = local_id
        self._address.setdefault(local_id, address)
