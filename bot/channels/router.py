"""Every channel behind one `send`: the core names an address, the router finds its channel.

The outbox, the notices, the replies and the error handler hold one `Channel`; with Telegram
and Zalo in one process that is this router. Whether a card can be edited in place depends on
the address: the router says yes when one channel can, and the Zalo channel leaves such a
card as it was.
"""

from __future__ import annotations

from bot.addresses import Address
from bot.delivery import Channel, Mode, Outcome, Result
from bot.reply import Menu, Pressed, Reply


class Channels:
    """`bot.delivery.Channel` over several channels, by the address's channel name."""

    def __init__(self, channels: dict[str, Channel]) -> None:
        self.channels = channels
        # Cards are edited where some channel can; one that cannot leaves them as they are.
        self.edits = any(c.edits for c in channels.values())

    async def send(
        self,
        address: Address,
        reply: Reply,
        *,
        pressed: Pressed | None = None,
        menu: Menu = (),
        mode: Mode = Mode.REPLY,
    ) -> Result:
        channel = self.channels.get(address.channel)
        if channel is None:  # e.g. a Telegram admin of a ward that now runs on Zalo alone
            return Result(Outcome.PERMANENT, description=f"{address.channel} is not running")
        return await channel.send(address, reply, pressed=pressed, menu=menu, mode=mode)
