"""`python -m bot demo`: the real bot against the local Bot API simulator, no account needed.

The scripted tour walks through what a resident and a tổ's group see and prints the
conversation; `--interactive` lets you type as a resident, or with `--admin` as the ward's
admin (type a button's number to press it), and prints every message, edit, toast and
alert as it arrives. Everything runs on loopback in a temporary folder and leaves nothing behind.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path
from typing import Any

from bot import demo_zalo, texts
from bot.app import build_application, running
from bot.config import parse_config
from bot.content import ContentPack, load_pack
from bot.simulator import BotApiSimulator, SentMessage
from bot.simulator.zalo import ZaloSimulator

DEMO_TOKEN = "100000001:DEMO-local-simulator"
DEMO_ZALO_TOKEN = "200000002:DEMO-local-zalo"
WIDTH = 72


def _show_user(name: str, text: str) -> None:
    print(f"\n👤 {name}: {text}")


def _show_bot(message: Any, *, edited: bool | None = None) -> None:
    changed = bool(message.edits) if edited is None else edited
    marker = "✏️ (sửa tin)" if changed else "🤖"
    attachment = " [ảnh]" if message.photo else " [tệp]" if message.document else ""
    print(f"{marker} Loa Phường{attachment}:")
    for line in message.text.splitlines():
        print(f"   {line}")
    number = 1
    for row in message.buttons:
        cells = []
        for label in row:
            cells.append(f"[{number}] {label}")
            number += 1
        print("   " + "   ".join(cells))
    if message.keyboard:
        print("   ⌨ " + " | ".join(label for row in message.keyboard for label in row))


async def _tour(sim: BotApiSimulator, pack: ContentPack) -> None:
    lan = sim.user(2001, first_name="Lan")
    for text in ("/start", texts.BTN_CONTENT):
        _show_user("Lan", text)
        await lan.send(text)
        _show_bot(await lan.expect_reply())
    menu = sim.last_in(lan.user_id)
    assert menu is not None
    task_groups = pack.kind("task_group")
    assert task_groups is not None
    for label in (task_groups.label, "1.", texts.BTN_READ_FULL, texts.BTN_BACK):
        target = next(b for b in sum(menu.buttons, []) if b.startswith(label))
        _show_user("Lan", f"bấm «{target}»")
        await lan.press(menu, target)
        menu = await lan.expect_reply()
        _show_bot(menu)
    for text in ("/timkiem chuyen doi so", "/dotpha", "xin chào"):
        _show_user("Lan", text)
        await lan.send(text)
        _show_bot(await lan.expect_reply())

    print("\n" + "─" * WIDTH + "\n" + texts.DEMO_IN_GROUP)
    group = sim.group(-1001234567, title="Tổ dân phố số 5")
    print("\n➕ Tổ trưởng thêm Loa Phường vào nhóm «Tổ dân phố số 5»")
    sim.add_bot_to_group(group, by=lan)
    greeting = await sim.wait_for_message(group.chat_id)
    _show_bot(greeting)
    last = greeting.message_id
    for text in ("/nhiemvu", "/nhiemvu 2"):
        _show_user("Lan (trong nhóm)", text)
        await lan.send(text, chat=group)
        reply = await sim.wait_for_message(group.chat_id, after=last)
        last = reply.message_id
        _show_bot(reply)


class _Watcher:
    """Prints, as it arrives, everything the bot shows the demo's user: each new message,
    each edit of one, and each toast or alert a button press brings. The typing loop never
    waits for an answer, so a two-message reply (or a notice that comes later) is never
    left behind for the next line typed."""

    def __init__(self, sim: BotApiSimulator, chat_id: int) -> None:
        self.sim = sim
        self.chat_id = chat_id
        self.last_with_buttons: SentMessage | None = None
        self._events = 0
        self._answers = 0

    def show_new(self) -> int:
        """Print what arrived since the last call; how many things were printed."""
        chat = self.sim.chats.get(self.chat_id)
        shown = 0
        events = chat.events if chat is not None else []
        for event in events[self._events :]:
            _show_bot(event, edited=event.event == "edited")
            live = self.sim.message(self.chat_id, event.message_id)
            if live.buttons:
                self.last_with_buttons = live
            shown += 1
        self._events = len(events)
        answers = self.sim.callback_answers
        for answer in answers[self._answers :]:
            if answer.get("chat_id") == self.chat_id and answer.get("text"):
                mark = texts.DEMO_ALERT if answer.get("show_alert") else texts.DEMO_TOAST
                print(f"{mark} {answer['text']}")
                shown += 1
        self._answers = len(answers)
        return shown

    async def run(self) -> None:
        while True:
            self.show_new()
            await asyncio.sleep(0.05)


async def _interactive(sim: BotApiSimulator, *, admin: bool) -> None:
    user = sim.user(DEMO_ADMIN_ID, first_name="Bạn")
    print(texts.DEMO_ADMIN_HEADER if admin else texts.DEMO_RESIDENT_HEADER)
    print(texts.DEMO_HOW_TO)
    watcher = _Watcher(sim, user.chat_id)
    printing = asyncio.create_task(watcher.run())
    loop = asyncio.get_running_loop()
    try:
        while True:
            line = await loop.run_in_executor(None, sys.stdin.readline)
            if not line or line.strip().lower() in ("thoat", "thoát", "exit", "quit"):
                break
            text = line.strip()
            if not text:
                continue
            watcher.show_new()  # the numbers refer to what is on screen now
            last = watcher.last_with_buttons
            buttons = sum(last.buttons, []) if last is not None else []
            if last is not None and text.isdigit() and 1 <= int(text) <= len(buttons):
                await user.press(last, buttons[int(text) - 1])
            else:
                await user.send(text)
            if not await _answered(watcher, sim):
                print(texts.DEMO_NO_ANSWER)
    finally:
        printing.cancel()
        watcher.show_new()  # what came in the last instant


async def _answered(
    watcher: _Watcher, sim: BotApiSimulator, wait: float = 5.0, settle: float = 0.3
) -> bool:
    """Whether anything came back within `wait` seconds (the watcher prints it), once the
    answer has settled: a reply of several messages is all on screen before the next line
    is read (typed ahead, as from a file, a number must mean the last message's buttons)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait
    chat = sim.chats.get(watcher.chat_id)

    def seen() -> tuple[int, int]:
        return (len(chat.events) if chat is not None else 0, len(sim.callback_answers))

    before = last = seen()
    quiet_since = loop.time()
    while loop.time() < deadline:
        await asyncio.sleep(0.05)
        chat = chat or sim.chats.get(watcher.chat_id)
        now = seen()
        if now != last:
            last, quiet_since = now, loop.time()
        elif now != before and loop.time() - quiet_since >= settle:
            return True
    return last != before


DEMO_ADMIN_ID = 2002  # the interactive user; an admin of the demo ward with --admin


async def main(
    *,
    interactive: bool = False,
    admin: bool = False,
    numbered: bool = False,
    channel: str = "telegram",
) -> int:
    with tempfile.TemporaryDirectory(prefix="loa-phuong-demo-") as tmp:
        async with (
            BotApiSimulator(token=DEMO_TOKEN, bot_username="loaphuong_demo_bot") as sim,
            ZaloSimulator(token=DEMO_ZALO_TOKEN) as zalo,
        ):
            on_zalo = channel == "zalo"
            admins = (
                {"addresses": [f"zalo:{demo_zalo.DEMO_ZALO_USER}"]}
                if on_zalo
                else {"telegram_ids": [DEMO_ADMIN_ID]}
            )
            config = parse_config(
                {
                    "zalo": {
                        "token": DEMO_ZALO_TOKEN,
                        "base_url": zalo.base_url,
                        "poll_timeout": 1,
                    },
                    # numbered: options as "1. …" lines and typed numbers, as on Zalo
                    "telegram": {
                        "token": DEMO_TOKEN,
                        "base_url": sim.base_url,
                        "buttons": not numbered,
                    },
                    "storage": {
                        "database": str(Path(tmp) / "demo.sqlite3"),
                        "media": str(Path(tmp) / "media"),
                    },
                    "admins": admins if admin else {},
                },
                env={},
            )
            pack = load_pack(config.content.path)
            app = build_application(config, pack)
            where = texts.DEMO_ON_ZALO if on_zalo else texts.DEMO_ON_TELEGRAM
            print(where, zalo.base_url if on_zalo else sim.url)
            print("─" * WIDTH)
            async with running(app):
                if interactive and on_zalo:
                    await demo_zalo.interactive(zalo, admin=admin)
                elif interactive:
                    await _interactive(sim, admin=admin)
                elif on_zalo:
                    await demo_zalo.tour(zalo, pack)
                else:
                    await _tour(sim, pack)
            done = texts.DEMO_INTERACTIVE_DONE if interactive else texts.DEMO_TOUR_DONE
            print("\n" + "─" * WIDTH + "\n" + done)
    return 0
