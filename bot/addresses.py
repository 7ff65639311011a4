"""Where a person or a group is reached: an `Address` on a channel, and the local id the core
knows them by.

The core names people and groups by local ids (`people.user_id`, `chats.chat_id`, the
recipients of the outbox and of notices, the audit log); only a channel knows what its own ids
look like. `Directory` maps one to the other: `local(address)` when an update comes in,
`address_of(local_id)` when something is sent. Whether an address is a group's is its `kind`,
never the sign of a number.

This is the first step of numbering people locally (issue 10, item 3): a Telegram address's
local id is still its Telegram id, so every row written before stays valid and the tests'
people keep their ids; an address of any other channel gets a local id from `FIRST_LOCAL`
upward, where no Telegram id reaches. A local id with no address row (written by the previous
release, or by a test's fixture) is handed to `legacy`, which the Telegram wiring supplies:
only the channel knows what its ids look like. The next step numbers everyone from 1 and
migrates the rows; nothing outside this module decides how local ids are made.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from bot.clock import Clock, iso
from bot.db import Database

TELEGRAM = "telegram"
FIRST_LOCAL = 2**53  # Telegram ids have at most 52 significant bits
CACHE_LIMIT = 100_000  # addresses remembered in memory (the ward has a few thousand people)


class Kind(StrEnum):
    PERSON = "person"
    GROUP = "group"


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


class Directory:
    """Addresses ↔ local ids, from the `addresses` table, remembered in memory (an address
    never changes its local id, so the memory needs no invalidation; erasure forgets)."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        legacy: Callable[[int], Address | None] | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.legacy = legacy
        self._local: dict[tuple[str, str], int] = {}
        self._address: dict[int, Address] = {}

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
        """Where to reach `local_id` (its first address); None for an id nobody has."""
        found = self._address.get(local_id)
        if found is not None:
            return found
        row = await self.db.fetchone(
            "SELECT channel, external_id, kind FROM addresses WHERE local_id = ?"
            " ORDER BY added_at, channel LIMIT 1",
            (local_id,),
        )
        if row is not None:
            address = Address(str(row[0]), str(row[1]), Kind(row[2]))
        else:
            legacy = self.legacy(local_id) if self.legacy is not None else None
            if legacy is None:
                return None
            address = legacy
        self._remember(address, local_id)
        return address

    def is_group(self, local_id: int) -> bool:
        """Whether `local_id` is a group, for the pacer (groups have a budget of their own).
        Answers from memory: the sender looks the address up before it paces a send."""
        address = self._address.get(local_id)
        if address is None and self.legacy is not None:
            address = self.legacy(local_id)
        return address is not None and address.kind == Kind.GROUP

    async def know(self, keys: tuple[str, ...]) -> None:
        """Make sure these `channel:id` addresses have local ids (the config's admins, at
        start-up: cards and digests reach them before they ever write to the bot)."""
        for key in keys:
            await self.local(Address.parse(key))

    def forget(self, local_id: int) -> None:
        """After an erasure (which deleted the person's address rows, bot/erasure.py): keep
        nothing of them in memory either."""
        self._address.pop(local_id, None)
        for key in [k for k, v in self._local.items() if v == local_id]:
            del self._local[key]

    async def _add(self, address: Address) -> int:
        async with self.db.transaction() as conn:
            if address.channel == TELEGRAM and address.external_id.lstrip("-").isdigit():
                local_id = int(address.external_id)
            else:
                row = list(
                    await conn.execute_fetchall(
                        "SELECT MAX(local_id) FROM addresses WHERE local_id >= ?", (FIRST_LOCAL,)
                    )
                )
                top = row[0][0] if row and row[0][0] is not None else FIRST_LOCAL - 1
                local_id = int(top) + 1
            await conn.execute(
                "INSERT OR IGNORE INTO addresses (channel, external_id, kind, local_id, added_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (
                    address.channel,
                    address.external_id,
                    address.kind.value,
                    local_id,
                    iso(self.clock.now()),
                ),
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
        self._local[(address.channel, address.external_id)] = local_id
        self._address.setdefault(local_id, address)
