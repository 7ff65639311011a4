"""`python -m bot demo --channel zalo`: the same tour on the fake Zalo Bot Platform.

Zalo shows no buttons: every menu is numbered lines, and a typed number answers it, as the
demo's resident does. `--interactive` lets you type as that person (or, with `--admin`, as
the ward's admin, listed by their Zalo address). Groups are Telegram's only: a Zalo bot
cannot join a group, and the tour says so instead of showing one.
"""

from __future__ import annotations

import asyncio
import sys

from bot import texts
from bot.content import ContentPack
from bot.simulator.zalo import ZaloSent, ZaloSimulator, ZaloUser

DEMO_ZALO_USER = "zalo-demo-2002"


def show_user(name: str, text: str) -> None:
    print(f"\n👤 {name}: {text}")


def show_bot(message: ZaloSent) -> None:
    print("🤖 Loa Phường (Zalo):")
    for line in (message.text or message.caption or message.photo).splitlines():
        print(f"   {line}")


def number_for(message: ZaloSent, starts: str) -> str:
    """The number the screen gives the option starting with `starts`."""
    for line in message.text.splitlines():
        head, _, rest = line.partition(". ")
        if head.isdigit() and rest.startswith(starts):
            return head
    raise LookupError(f"no option {starts!r}")


async def _say(user: ZaloUser, name: str, text: str) -> ZaloSent:
    show_user(name, text)
    await user.send(text)
    replies = await user.expect_replies(1, timeout=10)
    await asyncio.sleep(0.2)  # a second message of the same answer
    replies += user.received[user._cursor :]
    user.skip_replies()
    for reply in replies:
        show_bot(reply)
    return replies[-1]


async def tour(zalo: ZaloSimulator, pack: ContentPack) -> None:
    lan = zalo.user("zalo-lan-001", "Lan")
    welcome = await _say(lan, "Lan", "/start")
    menu = await _say(lan, "Lan", number_for(welcome, texts.BTN_CONTENT))
    task_groups = pack.kind("task_group")
    assert task_groups is not None
    groups = await _say(lan, "Lan", number_for(menu, task_groups.label))
    first = await _say(lan, "Lan", "1")
    await _say(lan, "Lan", number_for(first, texts.BTN_READ_FULL))
    for text in ("/timkiem chuyen doi so", "/dotpha", "xin chào"):
        await _say(lan, "Lan", text)
    assert groups is not None
    print("\n" + "─" * 72 + f"\n{texts.HELP_ZALO_GROUPS.strip()}")


async def interactive(zalo: ZaloSimulator, *, admin: bool) -> None:
    user = zalo.user(DEMO_ZALO_USER, "Bạn")
    print(texts.DEMO_ADMIN_HEADER if admin else texts.DEMO_RESIDENT_HEADER)
    print(texts.DEMO_HOW_TO_ZALO)
    loop = asyncio.get_running_loop()
    while True:
        line = await loop.run_in_executor(None, sys.stdin.readline)
        if not line or line.strip().lower() in ("thoat", "thoát", "exit", "quit"):
            return
        if not line.strip():
            continue
        await user.send(line.strip())
        try:
            await user.expect_replies(1, timeout=5)
        except AssertionError:
            print(texts.DEMO_NO_ANSWER)
            continue
        await asyncio.sleep(0.3)  # the rest of a several-message answer
        for reply in user.received[user._cursor - 1 :]:
            show_bot(reply)
        user.skip_replies()
