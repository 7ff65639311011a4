"""`python -m bot demo`: the real bot against the local Bot API simulator, no account needed.

The scripted tour walks through what a resident and a tổ's group see and prints the
conversation; `--interactive` lets you type as a resident (type a button's number to press
it). Everything runs on loopback in a temporary folder and leaves nothing behind.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path
from typing import Any

from bot import texts
from bot.app import build_application, running
from bot.config import parse_config
from bot.content import ContentPack, load_pack
from bot.simulator import BotApiSimulator, SentMessage

DEMO_TOKEN = "100000001:DEMO-local-simulator"
WIDTH = 72


def _show_user(name: str, text: str) -> None:
    print(f"\n👤 {name}: {text}")


def _show_bot(message: Any) -> None:
    marker = "✏️ (sửa tin)" if message.edits else "🤖"
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

    print("\n" + "─" * WIDTH + "\nTrong nhóm Zalo/Telegram của tổ dân phố:")
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


async def _interactive(sim: BotApiSimulator) -> None:
    user = sim.user(DEMO_ADMIN_ID, first_name="Bạn")
    print("Gõ tin nhắn như một người dân (ví dụ /start). Gõ số để bấm nút của tin gần nhất;")
    print("gõ 'thoat' hoặc Ctrl+D để dừng.")
    loop = asyncio.get_running_loop()
    last: SentMessage | None = None
    while True:
        line = await loop.run_in_executor(None, sys.stdin.readline)
        if not line or line.strip().lower() in ("thoat", "thoát", "exit", "quit"):
            return
        text = line.strip()
        if not text:
            continue
        buttons = sum(last.buttons, []) if last is not None else []
        if last is not None and text.isdigit() and 1 <= int(text) <= len(buttons):
            await user.press(last, buttons[int(text) - 1])
        else:
            await user.send(text)
        try:
            for reply in await user.expect_replies(1, timeout=5):
                _show_bot(reply)
                last = reply
        except AssertionError:
            print("(Loa Phường không trả lời)")


DEMO_ADMIN_ID = 2002  # the interactive user; an admin of the demo ward with --admin


async def main(*, interactive: bool = False, admin: bool = False, numbered: bool = False) -> int:
    with tempfile.TemporaryDirectory(prefix="loa-phuong-demo-") as tmp:
        async with BotApiSimulator(token=DEMO_TOKEN, bot_username="loaphuong_demo_bot") as sim:
            config = parse_config(
                {
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
                    "admins": {"telegram_ids": [DEMO_ADMIN_ID] if admin else []},
                },
                env={},
            )
            pack = load_pack(config.content.path)
            app = build_application(config, pack)
            print("Loa Phường — chạy thử với máy chủ Telegram mô phỏng tại", sim.url)
            print("─" * WIDTH)
            async with running(app):
                if interactive:
                    await _interactive(sim)
                else:
                    await _tour(sim, pack)
            print("\n" + "─" * WIDTH + "\nXong. Chạy với --interactive để tự trò chuyện với bot.")
    return 0
