"""Helpers for the report tests: tổ, leaders and officers inserted as plain rows.

The people engineer owns how people get into the database (invites, consent); these tests
only need the rows `people.role_of`, `people.leader_units` and `people.officer_ids` read.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import time
from typing import Any, TypeVar

from bot import texts
from bot.config import Config
from bot.content import ContentPack
from bot.db import Database
from bot.report_parse import topics
from bot.services import BOT_DATA_KEY, Services
from bot.simulator.models import SentMessage, SimUser

from .conftest import with_changes
from .local_ids import local

STAMP = "2026-04-01T00:00:00Z"
T = TypeVar("T")


def svc(app: Any) -> Services:
    found = app.bot_data[BOT_DATA_KEY]
    assert isinstance(found, Services)
    return found


async def add_unit(db: Database, name: str, code: str | None = None) -> int:
    code = code or "T" + "".join(ch for ch in name if ch.isdigit()).zfill(3)
    return await db.execute(
        "INSERT INTO units (code, name, created_at, updated_at) VALUES (?, ?, ?, ?)",
        (code, name, STAMP, STAMP),
    )


async def add_person(
    db: Database, telegram_id: int, first_name: str, role: str = "resident", last_name: str = ""
) -> int:
    """A consented person reached at Telegram id `telegram_id`; returns their local id."""
    user_id = await local(db, telegram_id)
    await db.execute(
        "INSERT INTO people (user_id, first_name, last_name, role, consent_at, consent_version,"
        " created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'test', ?, ?)",
        (user_id, first_name, last_name, role, STAMP, STAMP, STAMP),
    )
    return user_id


async def add_leader(db: Database, telegram_id: int, first_name: str, *units: str) -> list[int]:
    """A consented leader of the named tổ (created here); returns the unit ids."""
    user_id = await add_person(db, telegram_id, first_name, "leader")
    ids = []
    for name in units:
        unit_id = await add_unit(db, name)
        await db.execute(
            "INSERT INTO unit_leaders (unit_id, user_id, since) VALUES (?, ?, ?)",
            (unit_id, user_id, STAMP),
        )
        ids.append(unit_id)
    return ids


async def add_officer(db: Database, telegram_id: int, first_name: str) -> int:
    return await add_person(db, telegram_id, first_name, "officer")


def labels(message: SentMessage) -> list[str]:
    return [label for row in message.buttons for label in row]


def label_with(message: SentMessage, part: str) -> str:
    found = [label for label in labels(message) if part in label]
    assert len(found) == 1, (part, labels(message))
    return found[0]


async def begin(user: SimUser) -> SentMessage:
    await user.send("/baocao")
    return await user.expect_reply()


async def walk(
    user: SimUser,
    pack: ContentPack,
    photo: bool = False,
    notes: str = "Bà con hỏi nhiều về chuyển đổi số",
    difficulties: str = "Cần thêm tài liệu in cho bà con",
) -> SentMessage:
    """/baocao, then every answer from the date to the difficulties; returns the summary."""
    date_q = await begin(user)
    await user.press(date_q, texts.R_BTN_TODAY)
    form_q = await user.expect_reply()
    await user.press(form_q, texts.R_FORM_LABELS["hop_to"])
    topic_q = await user.expect_reply()
    first, second = topics(pack)[0], topics(pack)[2]
    await user.press(topic_q, first.title)
    topic_q = await user.expect_reply()
    await user.press(topic_q, label_with(topic_q, second.title))
    topic_q = await user.expect_reply()
    await user.press(topic_q, texts.r_btn_topics_done(2))
    await user.expect_reply()
    await user.send("khoảng 40")
    await user.expect_reply()
    await user.send(notes)
    photos_q = await user.expect_reply()
    if photo:
        await user.send_photo()
        await user.expect_reply()
    await user.press(photos_q, texts.R_BTN_DONE)
    await user.expect_reply()
    await user.send(difficulties)
    return await user.expect_reply()


async def file_report(user: SimUser, pack: ContentPack, photo: bool = False) -> int:
    """A complete report sent by `user`; returns its number from the receipt."""
    summary = await walk(user, pack, photo)
    await user.press(summary, texts.R_BTN_SEND)
    receipt = await user.expect_reply()
    assert receipt.text.startswith("Đã gửi báo cáo số"), receipt.text
    return int(receipt.text.split("số ")[1].split()[0])


def without_reminders(config: Config) -> Config:
    """The config with the period's reminder moment at the last minute of the month, so a
    test that is not about reminders never meets one."""
    return with_changes(
        config, "reports", period="monthly", reminder_day=31, reminder_time=time(23, 59)
    )


async def eventually(probe: Callable[[], list[T]], timeout: float = 10.0) -> list[T]:
    """Poll `probe` until it finds something (notices are paced, one a second per chat)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        found = probe()
        if found:
            return found
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("nothing found in time")
        await asyncio.sleep(0.05)
