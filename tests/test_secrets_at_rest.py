"""Invite tokens never reach disk in clear (issue 9, item 1): not in a table, not in the WAL.

The attack: a local user who can read the database file took the token of an invite that had
been opened but not yet accepted out of the durable inbox (`/start <token>`, or the consent
button's `pc:y:<token>`) and redeemed it from a second account.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from bot import invites, people, scrub, texts, units
from bot.app import build_application, running
from bot.channels import telegram_inbox
from bot.config import Config
from bot.content import ContentPack
from bot.inbox import InboxWriter
from bot.people import Role
from bot.simulator import BotApiSimulator

from .conftest import ADMIN_ID
from .local_ids import local
from .report_helpers import svc


def on_disk(config: Config) -> bytes:
    """Every byte SQLite keeps for the database: the file, its WAL and its shared memory."""
    base = Path(config.storage.database)
    found = b""
    for suffix in ("", "-wal", "-shm", "-journal"):
        path = base.with_name(base.name + suffix)
        if path.exists():
            found += path.read_bytes()
    return found


@pytest.fixture
async def app(config: Config, pack: ContentPack) -> AsyncIterator[Any]:
    application = build_application(config, pack)
    async with running(application):
        yield application


async def leader_invite(app: Any) -> str:
    db = svc(app).db
    now = svc(app).clock.now()
    unit, _ = await units.upsert_unit(
        db, "TDP05", "Tổ dân phố số 5", "", now, actor_id=await local(db, ADMIN_ID)
    )
    made = await invites.create(
        db,
        svc(app).config,
        role=Role.LEADER,
        unit_id=unit.id,
        created_by=await local(db, ADMIN_ID),
        now=now,
    )
    return made.token


async def test_an_opened_invite_leaves_no_token_on_disk_and_consent_needs_none(
    sim: BotApiSimulator, app: Any, config: Config
) -> None:
    token = await leader_invite(app)
    lan = sim.user(4101, "Lan")
    await lan.send(f"/start {token}")
    notice = await lan.expect_reply()
    assert texts.BTN_AGREE in [b for row in notice.buttons for b in row]
    agree = next(d for row in notice.callback_data for d in row if d and d.startswith("pc:y"))
    assert token not in agree
    await telegram_inbox.flush(app)
    await sim.wait_idle()
    raw = on_disk(config)
    assert b"/start" in raw or b"redacted" in raw  # the update itself was written…
    assert token.encode() not in raw  # …without the token
    # Pressing "Đồng ý" (which names no token) makes Lan the leader.
    await lan.press(notice, texts.BTN_AGREE)
    assert "tổ trưởng" in (await lan.expect_reply()).text
    db = svc(app).db
    assert [u.code for u in await people.leader_units(db, await local(db, 4101))] == ["TDP05"]
    await telegram_inbox.flush(app)
    assert token.encode() not in on_disk(config)


async def test_invite_tokens_stay_out_of_the_most_verbose_log(
    sim: BotApiSimulator, app: Any, caplog: pytest.LogCaptureFixture
) -> None:
    token = await leader_invite(app)
    lan = sim.user(4104, "Lan")
    with caplog.at_level(logging.DEBUG):
        await lan.send(f"/start {token}")
        await lan.press(await lan.expect_reply(), texts.BTN_AGREE)
        await lan.expect_reply()
    assert "/start" in caplog.text  # PTB logged the update…
    assert token not in caplog.text  # …without the token


async def test_links_pasted_replied_or_sent_in_a_group_are_not_stored_in_clear(
    sim: BotApiSimulator, app: Any, config: Config
) -> None:
    token = await leader_invite(app)
    hoa = sim.user(4102, "Hoa")
    group = sim.group(-100777, "Tổ 5")
    sim.add_bot_to_group(group, by=hoa)
    await hoa.send(f"Link đây: https://t.me/loaphuong_bot?start={token} nhé")
    await hoa.send(f"/start@loaphuong_bot {token}", chat=group)
    await hoa.send(f"/start\n{token}")
    await sim.wait_idle()
    await telegram_inbox.flush(app)
    raw = on_disk(config)
    assert token.encode() not in raw
    assert b"Link \\u0111\\u00e2y" in raw or "Link đây".encode() in raw  # the rest was kept


async def test_a_replayed_start_asks_to_open_the_link_again(
    sim: BotApiSimulator, config: Config, pack: ContentPack, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = build_application(config, pack)
    lan = sim.user(4103, "Lan")
    async with running(first):
        token = await leader_invite(first)
        # Killed before the update was marked done: the done mark never reaches disk.
        monkeypatch.setattr(InboxWriter, "finish", lambda self, update_id: None)
        await lan.send(f"/start {token}")
        await lan.expect_reply()
        await telegram_inbox.flush(first)
    monkeypatch.undo()
    assert token.encode() not in on_disk(config)
    second = build_application(config, pack)
    async with running(second):
        again = await lan.expect_reply(timeout=10)
        assert again.text == texts.INVITE_OPEN_AGAIN
    # The token still works when the link is opened again.
    third = build_application(config, pack)
    async with running(third):
        await lan.send(f"/start {token}")
        notice = await lan.expect_reply()
        await lan.press(notice, texts.BTN_AGREE)
        assert "tổ trưởng" in (await lan.expect_reply()).text


TOKENS = st.text(
    alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-",
    min_size=22,
    max_size=64,
)
AROUND = st.text(max_size=40)


@given(TOKENS, AROUND, AROUND, st.sampled_from(["/start ", "/start@loaphuong_bot ", "/start\n"]))
def test_scrub_removes_every_start_token_and_keeps_the_json(
    token: str, before: str, after: str, command: str
) -> None:
    assume(token not in before + after)
    update = {
        "update_id": 1,
        "message": {"text": f"{command}{token}", "caption": f"{before}?start={token}&x {after}"},
        "callback_query": {"data": f"pc:y:{token}"},
    }
    cleaned = scrub.scrub(json.dumps(update, ensure_ascii=False))
    assert token not in cleaned
    parsed = json.loads(cleaned)  # still valid JSON
    assert parsed["message"]["text"] == command + scrub.REDACTED
    assert parsed["message"]["caption"] == f"{before}?start={scrub.REDACTED}&x {after}"


@given(st.text(max_size=200))
def test_scrub_leaves_updates_without_secrets_alone(text: str) -> None:
    payload = json.dumps({"message": {"text": text.replace("start", "")}})
    assert scrub.scrub(payload) == payload
