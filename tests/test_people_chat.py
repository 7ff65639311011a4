"""End to end through the simulator: invites, consent and data rights, groups, officer tools,
and every refusal (residents, other tổ, forged buttons, the anonymous group admin)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot import chats, consent, invites, people, texts, units
from bot.addresses import Kind
from bot.app import build_application, running
from bot.channels.telegram_render import html
from bot.clock import FakeClock, iso
from bot.config import Config
from bot.content import ContentPack
from bot.db import Database
from bot.people import Identity, Role
from bot.services import BOT_DATA_KEY, Services
from bot.simulator import BotApiSimulator, SentMessage, SimUser
from handlers.common import GROUP_ANONYMOUS_BOT

from .conftest import ADMIN_ID, with_changes
from .local_ids import local

START = datetime(2026, 1, 5, 1, 30, tzinfo=UTC)  # 08:30 in Hải Phòng
LINK = re.compile(r"https://t\.me/loaphuong_bot\?start=([A-Za-z0-9_-]+)")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
async def bot(config: Config, pack: ContentPack, clock: FakeClock) -> AsyncIterator[object]:
    """The real application on a fake clock (invite expiry is tested by moving it)."""
    app = build_application(config, pack, clock=clock)
    async with running(app):
        yield app


@pytest.fixture
def db(bot: object) -> Database:
    svc = bot.bot_data[BOT_DATA_KEY]  # type: ignore[attr-defined]
    assert isinstance(svc, Services)
    return svc.db


async def make_unit(db: Database, code: str = "TDP05", name: str = "Tổ dân phố số 5") -> int:
    unit, _ = await units.upsert_unit(db, code, name, "", START, actor_id=await local(db, ADMIN_ID))
    return unit.id


async def make_leader(db: Database, config: Config, user: SimUser, unit_id: int) -> None:
    made = await invites.create(
        db,
        config,
        role=Role.LEADER,
        unit_id=unit_id,
        created_by=await local(db, ADMIN_ID),
        now=START,
    )
    me = Identity(await local(db, user.user_id), user.first_name)
    result = await invites.redeem(db, made.token, me, START, consent_version="2026-01")
    assert result.outcome == invites.Outcome.OK


async def snapshot(db: Database) -> dict[str, list[tuple[object, ...]]]:
    tables = ("people", "unit_leaders", "invites", "units", "chats")
    return {
        t: [tuple(r) for r in await db.fetchall(f"SELECT * FROM {t} ORDER BY 1")] for t in tables
    }


async def refusals(db: Database, actor: int) -> list[str]:
    rows = await db.fetchall(
        "SELECT action FROM audit_log WHERE actor_id = ? AND allowed = 0 ORDER BY id", (actor,)
    )
    return [r[0] for r in rows]


def last_answer(sim: BotApiSimulator) -> str | None:
    return sim.callback_answers[-1]["text"] if sim.callback_answers else None


async def invite_through_chat(
    sim: BotApiSimulator, admin: SimUser, unit_label: str
) -> tuple[str, SentMessage]:
    """The admin's /moi → Tổ trưởng → the tổ; returns the token and the photo message."""
    await admin.send("/moi")
    roles = await admin.expect_reply()
    await admin.press(roles, texts.INVITE_ROLE_BUTTONS["leader"])
    picker = await admin.expect_reply()
    assert picker.text.startswith("Lời mời tổ trưởng")
    await admin.press(picker, unit_label)
    made, photo = await admin.expect_replies(2)
    assert made.message_id == picker.message_id and "Đã tạo lời mời" in made.text
    assert photo.photo and photo.caption
    match = LINK.search(photo.caption)
    assert match, photo.caption
    return match.group(1), photo


# ---------------------------------------------------------------- invite → redeem → role


async def test_invite_redeem_role(
    sim: BotApiSimulator, db: Database, config: Config, clock: FakeClock
) -> None:
    unit = await make_unit(db)
    admin = sim.user(ADMIN_ID, "Hà")
    token, photo = await invite_through_chat(sim, admin, "TDP05 — Tổ dân phố số 5")
    # the QR code is exactly the link, as a PNG ready to print
    png = sim.files[photo.file_id].data  # type: ignore[index]
    link = f"https://t.me/loaphuong_bot?start={token}"
    assert png.startswith(b"\x89PNG") and png == invites.qr_png(link)
    assert "12/01/2026 08:30" in photo.caption  # 7 days, shown in Hải Phòng time
    assert len(token) <= 64 and token not in str(await snapshot(db))

    lan = sim.user(1001, "Lan")
    await lan.send(f"/start {token}")
    notice = await lan.expect_reply()
    assert "Thông báo về dữ liệu cá nhân" in notice.text and "tổ trưởng" in notice.text
    assert "tổ dân phố anh/chị phụ trách" in notice.text and "báo cáo" in notice.text
    assert notice.buttons == [[texts.BTN_AGREE], [texts.BTN_DISAGREE]]
    assert (
        await people.get_person(db, await local(db, 1001)) is None
    )  # nothing stored before consent

    clock.advance(minutes=5)
    await lan.press(notice, texts.BTN_AGREE)
    welcome = await lan.expect_reply()
    assert welcome.text.startswith("Anh/chị đã là tổ trưởng TDP05")
    menu = await lan.expect_reply()  # the new leader's keyboard now carries the report button
    assert texts.BTN_REPORT in sum(menu.keyboard, [])
    assert await people.role_of(db, config, await local(db, 1001)) == Role.LEADER
    assert [u.id for u in await people.leader_units(db, await local(db, 1001))] == [unit]
    person = await people.get_person(db, await local(db, 1001))
    assert person is not None
    assert (person.consent_at, person.consent_version) == (
        iso(START + timedelta(minutes=5)),
        consent.CONSENT_VERSION,
    )

    await lan.send("/canbo")
    tools = await lan.expect_reply()
    assert "/lienket" in tools.text and "/moi" not in tools.text  # a leader's tools only


async def test_registered_person_redeems_in_one_tap(
    sim: BotApiSimulator, db: Database, config: Config
) -> None:
    await make_unit(db)
    admin = sim.user(ADMIN_ID, "Hà")
    lan = sim.user(1001, "Lan")
    await consent.register(db, Identity(await local(db, 1001), "Lan"), START)
    await admin.send("/moi TDP05")  # straight to the tổ
    photo = await admin.expect_reply()
    token = LINK.search(photo.caption or "").group(1)  # type: ignore[union-attr]
    await lan.send(f"/start {token}")
    assert (await lan.expect_reply()).text.startswith("Anh/chị đã là tổ trưởng")
    assert await people.role_of(db, config, await local(db, 1001)) == Role.LEADER


async def test_officer_invite_made_by_admin(
    sim: BotApiSimulator, db: Database, config: Config
) -> None:
    admin = sim.user(ADMIN_ID, "Hà")
    await admin.send("/moi")
    roles = await admin.expect_reply()
    await admin.press(roles, texts.INVITE_ROLE_BUTTONS["officer"])
    _, photo = await admin.expect_replies(2)
    token = LINK.search(photo.caption or "").group(1)  # type: ignore[union-attr]
    mai = sim.user(1005, "Mai")
    await mai.send(f"/start {token}")
    notice = await mai.expect_reply()
    # Issue 11: one notice per role; an officer files no reports and leads no tổ.
    assert "duyệt báo cáo" in notice.text and "phụ trách;" not in notice.text
    await mai.press(notice, texts.BTN_AGREE)
    assert "cán bộ phường" in (await mai.expect_reply()).text
    assert await people.role_of(db, config, await local(db, 1005)) == Role.OFFICER

    # an officer may only invite leaders: no role screen, and a forged role button is refused
    await make_unit(db)
    await mai.send("/moi")
    picker = await mai.expect_reply()
    assert picker.text.startswith("Lời mời tổ trưởng")
    before = await snapshot(db)
    await mai.press(picker, callback_data="pi:r:admin")
    await sim.wait_idle()
    assert last_answer(sim) == texts.NO_PERMISSION
    assert "invite.create" in await refusals(db, await local(db, 1005))
    assert await snapshot(db) == before


# ---------------------------------------------------------------- bad tokens


async def test_expired_used_revoked_and_forged_tokens_change_nothing(
    sim: BotApiSimulator, db: Database, config: Config, clock: FakeClock
) -> None:
    unit = await make_unit(db)

    async def new() -> str:
        made = await invites.create(
            db,
            config,
            role=Role.LEADER,
            unit_id=unit,
            created_by=await local(db, ADMIN_ID),
            now=clock.now(),
        )
        return made.token

    used, revoked, expiring = await new(), await new(), await new()
    first = sim.user(1001, "Lan")
    await first.send(f"/start {used}")
    await first.press(await first.expect_reply(), texts.BTN_AGREE)
    await first.expect_reply()

    admin = sim.user(ADMIN_ID, "Hà")
    await admin.send("/loimoi")
    listing = await admin.expect_reply()
    assert "Lời mời còn hạn: 2" in listing.text
    revoked_id = (await invites.find(db, revoked)).id  # type: ignore[union-attr]
    await admin.press(listing, texts.btn_revoke(revoked_id))
    assert "Đã thu hồi" in (await admin.expect_reply()).text

    clock.advance(days=config.invites.ttl_days, seconds=1)
    before = await snapshot(db)
    hung = sim.user(1002, "Hùng")
    forged = used[:-2] + ("AA" if not used.endswith("AA") else "BB")
    cases = [
        (used, texts.INVITE_USED),
        (revoked, texts.INVITE_REVOKED),
        (expiring, texts.INVITE_EXPIRED),
        (forged, texts.INVITE_UNKNOWN),
        ("khong-phai-loi-moi", texts.INVITE_UNKNOWN),
    ]
    replies = []
    for token, expected in cases:
        await hung.send(f"/start {token}")
        replies.append(await hung.expect_reply())
        assert replies[-1].text == expected, token
    # a consent button carrying a forged token registers nobody
    await hung.press(replies[0], callback_data=f"pc:y:{forged}")
    assert (await hung.expect_reply()).text == texts.INVITE_UNKNOWN
    assert await snapshot(db) == before
    assert (await refusals(db, await local(db, 1002))).count("invite.redeem") == len(cases) + 1


# ---------------------------------------------------------------- concurrency


async def test_two_people_press_agree_at_once_one_wins(
    sim: BotApiSimulator, db: Database, config: Config
) -> None:
    unit = await make_unit(db)
    made = await invites.create(
        db, config, role=Role.LEADER, unit_id=unit, created_by=await local(db, ADMIN_ID), now=START
    )
    lan, hung = sim.user(1001, "Lan"), sim.user(1002, "Hùng")
    await lan.send(f"/start {made.token}")
    await hung.send(f"/start {made.token}")
    notices = [await lan.expect_reply(), await hung.expect_reply()]
    await asyncio.gather(
        lan.press(notices[0], texts.BTN_AGREE), hung.press(notices[1], texts.BTN_AGREE)
    )
    answers = sorted([(await lan.expect_reply()).text, (await hung.expect_reply()).text])
    assert answers[1] == texts.INVITE_USED
    assert answers[0].startswith("Anh/chị đã là tổ trưởng")
    leaders = await db.fetchall("SELECT user_id FROM unit_leaders WHERE unit_id = ?", (unit,))
    assert len(leaders) == 1
    assert await db.fetchval("SELECT COUNT(*) FROM people") == 1  # the loser was not stored


# ---------------------------------------------------------------- consent and data rights


async def test_consent_gate(sim: BotApiSimulator, db: Database, clock: FakeClock) -> None:
    tu = sim.user(1003, "Tú")
    await tu.send("/dangky")
    notice = await tu.expect_reply()
    assert "91/2025/QH15" in notice.text and "/xoadulieu" in notice.text
    await tu.press(notice, texts.BTN_DISAGREE)
    assert (await tu.expect_reply()).text == texts.CONSENT_DECLINED
    assert await people.get_person(db, await local(db, 1003)) is None

    await tu.send("/muctieu")  # content needs no consent
    assert "Mục tiêu" in (await tu.expect_reply()).text
    await tu.send("/dulieucuatoi")
    assert "chưa đăng ký" in (await tu.expect_reply()).text

    clock.advance(hours=2)
    await tu.send("/dangky")
    notice = await tu.expect_reply()
    # Issue 11: the notice spoke to leaders ("tổ dân phố anh/chị phụ trách", "các báo cáo
    # anh/chị gửi") when a resident registered.
    assert "phụ trách" not in notice.text and "báo cáo" not in notice.text
    assert "tin báo sai sự thật" in notice.text
    await tu.press(notice, texts.BTN_AGREE)
    assert (await tu.expect_reply()).text.startswith("Đã đăng ký")
    person = await people.get_person(db, await local(db, 1003))
    assert person is not None and person.role == Role.RESIDENT
    assert person.consent_at == iso(START + timedelta(hours=2))
    await tu.send("/dangky")
    assert (await tu.expect_reply()).text == texts.ALREADY_REGISTERED


async def test_my_data_and_erasure(sim: BotApiSimulator, db: Database, config: Config) -> None:
    unit = await make_unit(db)
    lan = sim.user(1001, "Lan", "Nguyễn")
    await make_leader(db, config, lan, unit)
    lan_id = await local(db, 1001)

    await lan.send("/dulieucuatoi")
    shown = (await lan.expect_reply()).text
    for expected in (
        "Mã số Telegram: 1001",
        "Lan",
        "Tổ trưởng",
        "TDP05 — Tổ dân phố số 5",
        "05/01/2026 08:30",
    ):
        assert expected in shown, expected

    await lan.send("/xoadulieu")
    confirm = await lan.expect_reply()
    await lan.press(confirm, texts.BTN_CANCEL)
    assert (await lan.expect_reply()).text == texts.CANCELLED
    assert await people.get_person(db, lan_id) is not None

    await lan.send("/xoadulieu")
    await lan.press(await lan.expect_reply(), texts.BTN_ERASE)
    assert (await lan.expect_reply()).text.startswith("Đã xóa dữ liệu")
    assert await people.get_person(db, lan_id) is None
    assert await people.leader_units(db, lan_id) == []
    assert await people.role_of(db, config, lan_id) == Role.RESIDENT
    await lan.send("/dulieucuatoi")
    assert "chưa đăng ký" in (await lan.expect_reply()).text
    # Erased, Lan is like anyone who never registered: what the bot still holds of what she
    # sent can be erased too, and the notice says a registration is not among it.
    await lan.send("/xoadulieu")
    again = await lan.expect_reply()
    assert again.html == html(texts.ERASE_CONFIRM_UNREGISTERED)
    await lan.press(again, texts.BTN_ERASE)
    assert (await lan.expect_reply()).html == html(texts.ERASE_DONE_UNREGISTERED)
    assert await people.get_person(db, lan_id) is None


# ---------------------------------------------------------------- groups


async def test_group_add_link_remove_migrate(
    sim: BotApiSimulator, db: Database, config: Config
) -> None:
    unit = await make_unit(db)
    lan = sim.user(1001, "Lan")
    await make_leader(db, config, lan, unit)
    group = sim.group(-100555, title="Tổ 5 Hải An", bot_member=False)
    sim.add_bot_to_group(group, by=lan)
    greeting = await sim.wait_for_message(group.chat_id)
    assert (await chats.get(db, await local(db, group.chat_id, Kind.GROUP))) is not None

    await lan.send("/lienket", chat=group)
    done = await sim.wait_for_message(group.chat_id, after=greeting.message_id)
    assert "Đã liên kết nhóm “Tổ 5 Hải An” với TDP05" in done.text
    assert (await chats.get(db, await local(db, group.chat_id, Kind.GROUP))).unit_id == unit  # type: ignore[union-attr]
    assert await chats.linked_chat_ids(db, unit) == [await local(db, group.chat_id, Kind.GROUP)]

    admin = sim.user(ADMIN_ID, "Hà")
    await admin.send("/nhom")
    assert "Tổ 5 Hải An — TDP05" in (await admin.expect_reply()).text

    sim.remove_bot_from_group(group, by=lan)
    await sim.wait_idle()
    group_row = await chats.get(db, await local(db, group.chat_id, Kind.GROUP))
    assert group_row is not None and not group_row.active and group_row.unit_id == unit
    await admin.send("/dsto")
    assert "Loa Phường đã rời nhóm" in (await admin.expect_reply()).text

    sim.add_bot_to_group(group, by=lan)
    await sim.wait_idle()
    new = sim.migrate_group(group, -1001234567890, by=lan)
    await sim.wait_idle()
    assert await chats.get(db, await local(db, group.chat_id, Kind.GROUP)) is None
    moved = await chats.get(db, await local(db, new.chat_id, Kind.GROUP))
    assert moved is not None and moved.unit_id == unit and moved.active
    assert await chats.linked_chat_ids(db, unit) == [await local(db, new.chat_id, Kind.GROUP)]


async def test_officer_links_with_picker_and_code(sim: BotApiSimulator, db: Database) -> None:
    await make_unit(db, "TDP05")
    t6 = await make_unit(db, "TDP06", "Tổ dân phố số 6")
    admin = sim.user(ADMIN_ID, "Hà")
    group = sim.group(-100600, title="Nhóm tổ 6")
    await admin.send("/lienket", chat=group)
    picker = await sim.wait_for_message(group.chat_id)
    assert picker.buttons == [["TDP05 — Tổ dân phố số 5"], ["TDP06 — Tổ dân phố số 6"]]
    await admin.press(picker, "TDP06 — Tổ dân phố số 6")
    await sim.wait_idle()
    assert "Đã liên kết" in sim.message(group.chat_id, picker.message_id).text
    assert (await chats.get(db, await local(db, group.chat_id, Kind.GROUP))).unit_id == t6  # type: ignore[union-attr]

    other = sim.group(-100700, title="Nhóm khác")
    await admin.send("/lienket tdp06", chat=other)
    await sim.wait_idle()
    other_row = await chats.get(db, await local(db, other.chat_id, Kind.GROUP))
    assert other_row is not None and other_row.unit_id == t6
    await admin.send("/lienket KHONGCO", chat=other)
    await sim.wait_idle()
    assert "Không có tổ dân phố mã KHONGCO" in sim.last_in(other.chat_id).text  # type: ignore[union-attr]


async def test_leader_cannot_act_for_another_to(
    sim: BotApiSimulator, db: Database, config: Config
) -> None:
    t5 = await make_unit(db, "TDP05")
    t6 = await make_unit(db, "TDP06", "Tổ dân phố số 6")
    lan = sim.user(1001, "Lan")
    await make_leader(db, config, lan, t5)
    group6 = sim.group(-100666, title="Nhóm tổ 6")
    group6_id = await local(db, group6.chat_id, Kind.GROUP)
    await chats.ensure_group(db, group6_id, "group", "Nhóm tổ 6", START)
    await chats.link(db, group6_id, t6, await local(db, ADMIN_ID), START)
    before = await snapshot(db)

    await lan.send("/lienket", chat=group6)  # would re-link tổ 6's group to tổ 5
    refused = await sim.wait_for_message(group6.chat_id)
    assert refused.text == texts.NO_PERMISSION
    await lan.send("/lienket TDP06", chat=group6)
    await sim.wait_idle()
    assert sim.last_in(group6.chat_id).text == texts.NO_PERMISSION  # type: ignore[union-attr]

    # a forged picker press for tổ 6 in a group of her own
    group5 = sim.group(-100555, title="Nhóm tổ 5")
    await lan.send("/lienket", chat=group5)
    linked = await sim.wait_for_message(group5.chat_id)
    assert "TDP05" in linked.text
    await lan.press(linked, callback_data=f"pl:u:{t6}")
    await sim.wait_idle()
    assert last_answer(sim) == texts.NO_PERMISSION
    assert (await chats.get(db, await local(db, group5.chat_id, Kind.GROUP))).unit_id == t5  # type: ignore[union-attr]
    assert (await chats.get(db, await local(db, group6.chat_id, Kind.GROUP))).unit_id == t6  # type: ignore[union-attr]
    assert (await refusals(db, await local(db, 1001))).count("group.link") == 3
    after = await snapshot(db)
    for name in ("people", "unit_leaders", "invites", "units"):
        assert after[name] == before[name], name


# ---------------------------------------------------------------- refusals


PRIVILEGED = [
    "/moi",
    "/moi TDP05",
    "/loimoi",
    "/lienket",
    "/nhom",
    "/canbo",
    "/dsto",
    "/huytotruong",
    "/capquyen",
    "/themto TDP09 Tổ 9",
    "/doiten TDP05 Tên mới",
    "/ngungto TDP05",
]


async def test_every_privileged_command_refused_for_a_resident(
    sim: BotApiSimulator, db: Database, config: Config
) -> None:
    unit = await make_unit(db)
    tu = sim.user(1003, "Tú")
    await consent.register(
        db, Identity(await local(db, 1003), "Tú"), START
    )  # registered, still a resident
    before = await snapshot(db)
    for command in PRIVILEGED:
        await tu.send(command)
        assert (await tu.expect_reply()).text == texts.NO_PERMISSION, command
    group = sim.group(-100800, title="Nhóm")
    await tu.send("/lienket", chat=group)
    assert (await sim.wait_for_message(group.chat_id)).text == texts.NO_PERMISSION

    # buttons a resident could never have received
    holder = sim.last_in(tu.user_id)
    assert holder is not None
    forged = [
        "pi:r:leader",
        f"pi:u:{unit}",
        "pi:p:0",
        "pv:1",
        f"pl:u:{unit}",
        "pd:y:1:1",
        "pd:a:1:1",
        f"pr:s:{await local(db, 1003)}:admin",
        f"pr:u:{await local(db, 1003)}",
        "pr:p:0",
    ]
    for data in forged:
        await tu.press(holder, callback_data=data)
        await sim.wait_idle()
        assert last_answer(sim) == texts.NO_PERMISSION, data
    assert await snapshot(db) == before
    assert await people.role_of(db, config, await local(db, 1003)) == Role.RESIDENT
    assert len(await refusals(db, await local(db, 1003))) == len(PRIVILEGED) + 1 + len(forged)


async def test_leader_and_officer_refused_above_their_role(
    sim: BotApiSimulator, db: Database, config: Config
) -> None:
    unit = await make_unit(db)
    lan = sim.user(1001, "Lan")
    await make_leader(db, config, lan, unit)
    for command in ("/dsto", "/moi", "/capquyen", "/themto T1 Tổ 1"):
        await lan.send(command)
        assert (await lan.expect_reply()).text == texts.NO_PERMISSION, command
    await people.set_role(
        db, await local(db, 1001), Role.OFFICER, START, actor_id=await local(db, ADMIN_ID)
    )
    for command in ("/capquyen", "/themto T1 Tổ 1", "/ngungto TDP05"):
        await lan.send(command)
        assert (await lan.expect_reply()).text == texts.NO_PERMISSION, command
    await lan.send("/dsto")
    assert "Tổ dân phố: 1 tổ" in (await lan.expect_reply()).text


async def test_anonymous_group_admin_is_never_privileged(
    sim: BotApiSimulator, config: Config, pack: ContentPack, tmp_path: Path
) -> None:
    # even if someone put the anonymous admin id into the config
    listed = with_changes(config, "admins", telegram_ids=(ADMIN_ID, GROUP_ANONYMOUS_BOT))
    app = build_application(listed, pack, clock=FakeClock(START))
    async with running(app):
        db = app.bot_data[BOT_DATA_KEY].db
        await make_unit(db)
        anon = sim.user(GROUP_ANONYMOUS_BOT, "Group")
        group = sim.group(-100900, title="Nhóm tổ 5")
        await anon.send("/lienket", chat=group)
        assert (await sim.wait_for_message(group.chat_id)).text == texts.NO_PERMISSION
        await anon.send("/moi")
        assert (await anon.expect_reply()).text == texts.NO_PERMISSION
        assert (await chats.get(db, await local(db, group.chat_id, Kind.GROUP))) is None
        anon_id = await local(db, GROUP_ANONYMOUS_BOT)
        assert (
            await db.fetchval(  # the bot knew it for what it is on first contact
                "SELECT kind FROM addresses WHERE local_id = ?", (anon_id,)
            )
            == "shared"
        )
        assert await refusals(db, anon_id) == ["group.link", "invite.menu"]


async def test_forged_and_stale_buttons_from_an_admin(sim: BotApiSimulator, db: Database) -> None:
    await make_unit(db)
    admin = sim.user(ADMIN_ID, "Hà")
    await admin.send("/moi")
    roles = await admin.expect_reply()
    before = await snapshot(db)
    for data in ("pi:u:999", "pi:p:7", "pv:999", "pd:a:999:1", "pr:u:424242", "pz:1", "pi:r:god"):
        await admin.press(roles, callback_data=data)
        await sim.wait_idle()
        assert last_answer(sim) == texts.STALE_BUTTON, data
    assert await snapshot(db) == before
    assert roles.edits == []


# ---------------------------------------------------------------- officer tools


async def test_promote_deactivate_and_lists(
    sim: BotApiSimulator, db: Database, config: Config
) -> None:
    t5 = await make_unit(db)
    await make_unit(db, "TDP06", "Tổ dân phố số 6")
    lan = sim.user(1001, "Lan")
    await make_leader(db, config, lan, t5)
    admin = sim.user(ADMIN_ID, "Hà")

    await admin.send("/canbo")
    menu = (await admin.expect_reply()).text
    for command in ("/moi", "/dsto", "/nhom", "/huytotruong", "/capquyen", "/themto"):
        assert command in menu

    await admin.send("/dsto")
    listing = (await admin.expect_reply()).text
    assert "Tổ dân phố: 2 tổ" in listing and "Có tổ trưởng: 1/2" in listing
    assert "Tổ trưởng: Lan" in listing

    await admin.send("/capquyen")
    people_list = await admin.expect_reply()
    await admin.press(people_list, "Lan · Tổ trưởng")
    choose = await admin.expect_reply()
    await admin.press(choose, texts.INVITE_ROLE_BUTTONS["officer"])
    assert "Cán bộ phường" in (await admin.expect_reply()).text
    assert await people.role_of(db, config, await local(db, 1001)) == Role.OFFICER

    await admin.send("/huytotruong")
    picker = await admin.expect_reply()
    await admin.press(picker, "TDP05 — Lan")
    confirm = await admin.expect_reply()
    await admin.press(confirm, texts.BTN_CONFIRM)
    assert "Đã thôi giao Lan" in (await admin.expect_reply()).text
    assert await people.leader_units(db, await local(db, 1001)) == []
    await admin.press(
        confirm, callback_data=f"pd:y:{t5}:{await local(db, 1001)}"
    )  # the same press again
    assert "không còn là tổ trưởng" in (await admin.expect_reply()).text

    actions = [r[0] for r in await db.fetchall("SELECT action FROM audit_log WHERE allowed = 1")]
    assert {"role.set", "leader.deactivate", "units.list", "role.menu"} <= set(actions)


async def test_units_in_chat(sim: BotApiSimulator, db: Database) -> None:
    admin = sim.user(ADMIN_ID, "Hà")
    await admin.send("/themto tdp07 Tổ dân phố số 7 | Khu 2")
    assert "Đã thêm TDP07 — Tổ dân phố số 7" in (await admin.expect_reply()).text
    await admin.send("/doiten TDP07 Tổ dân phố số 7A")
    assert "TDP07 — Tổ dân phố số 7A" in (await admin.expect_reply()).text
    await admin.send("/themto có dấu Tên")
    assert "ví dụ: /themto" in (await admin.expect_reply()).text
    await admin.send("/ngungto TDP07")
    assert "Đã ngừng" in (await admin.expect_reply()).text
    await admin.send("/ngungto KHONG")
    assert "Không có tổ dân phố mã KHONG" in (await admin.expect_reply()).text
    unit = await units.get_by_code(db, "TDP07")
    assert unit is not None and not unit.active and unit.area == "Khu 2"
    assert unit.name == "Tổ dân phố số 7A"


async def test_themto_asks_before_saving_what_may_be_a_typo(
    sim: BotApiSimulator, db: Database, clock: FakeClock
) -> None:
    """ "tdp 03 Tổ 3" was a tổ "TDP" named "03 Tổ 3": now the bot asks which was meant."""
    admin = sim.user(ADMIN_ID, "Hà")
    await admin.send("/themto tdp 03 Tổ 3 | Khu 1")
    ask = await admin.expect_reply()
    assert "Gõ như vậy sẽ tạo tổ mới TDP — 03 Tổ 3 (Khu 1)" in ask.text
    assert "TDP03 — Tổ 3 (Khu 1)" in ask.text
    assert ask.buttons == [
        ["Tạo TDP03 — Tổ 3"],
        ["Tạo TDP — 03 Tổ 3"],
        [texts.UNIT_BTN_NONE],
    ]
    assert await units.list_units(db, include_inactive=True) == []  # nothing saved yet
    as_typed = ask.button("Tạo TDP — 03 Tổ 3")["callback_data"]
    await admin.press(ask, "Tạo TDP03 — Tổ 3")
    assert "Đã thêm TDP03 — Tổ 3" in (await admin.expect_reply()).text
    made = await units.list_units(db, include_inactive=True)
    assert [(u.code, u.name, u.area) for u in made] == [("TDP03", "Tổ 3", "Khu 1")]
    await admin.press(ask, callback_data=as_typed)  # answered once: the other answer is stale
    assert (await admin.expect_reply()).text == texts.UNIT_ASK_STALE
    assert len(await units.list_units(db, include_inactive=True)) == 1

    # "as typed" is honoured when it was meant
    await admin.send("/themto KHU 7 Tổ khu bảy")
    ask = await admin.expect_reply()
    await admin.press(ask, "Tạo KHU — 7 Tổ khu bảy")
    assert "Đã thêm KHU — 7 Tổ khu bảy" in (await admin.expect_reply()).text
    assert (await units.get_by_code(db, "KHU")).name == "7 Tổ khu bảy"  # type: ignore[union-attr]
    assert await units.get_by_code(db, "KHU7") is None

    # "T3" beside "TDP03"? no: only the same letters and number ask ("tdp3", "TDP-03")
    await admin.send("/themto tdp3 Tổ ba")
    near = await admin.expect_reply()
    assert "Đang có: TDP03 — Tổ 3 (Khu 1)" in near.text
    assert near.buttons[0] == ["Sửa tổ TDP03 đang có"]
    await admin.press(near, "Sửa tổ TDP03 đang có")
    assert "Đã cập nhật TDP03 — Tổ ba" in (await admin.expect_reply()).text
    assert await units.get_by_code(db, "TDP3") is None

    # another name for an existing code: the old one is shown, and kept unless changed
    await admin.send("/themto TDP03 Tổ dân phố số 3 | Khu 2")
    change = await admin.expect_reply()
    assert "Đang là: TDP03 — Tổ ba." in change.text
    assert "Sẽ đổi thành: TDP03 — Tổ dân phố số 3 (Khu 2)" in change.text
    await admin.press(change, texts.UNIT_BTN_KEEP)
    assert (await admin.expect_reply()).text == texts.UNIT_KEPT
    assert (await units.get_by_code(db, "TDP03")).name == "Tổ ba"  # type: ignore[union-attr]
    await admin.send("/themto TDP03 Tổ dân phố số 3 | Khu 2")
    change = await admin.expect_reply()
    await admin.send("/themto TDP03 Tổ dân phố số ba")  # a newer question replaces it
    newer = await admin.expect_reply()
    await admin.press(change, texts.UNIT_BTN_CHANGE)  # the first card's button
    assert (await admin.expect_reply()).text == texts.UNIT_ASK_STALE
    await admin.press(newer, texts.UNIT_BTN_CHANGE)
    assert "Đã cập nhật" in (await admin.expect_reply()).text
    assert (await units.get_by_code(db, "TDP03")).name == "Tổ dân phố số ba"  # type: ignore[union-attr]

    # the same tổ typed again (to reopen it) and a plainly new code save at once
    await admin.send("/themto TDP03 Tổ dân phố số ba")
    assert "Đã cập nhật TDP03" in (await admin.expect_reply()).text
    await admin.send("/themto TDP04 Tổ dân phố số 4")
    assert "Đã thêm TDP04" in (await admin.expect_reply()).text

    # a question left a day unanswered is stale, and the night forgets it
    await admin.send("/themto TDP04 Tên khác")
    old = await admin.expect_reply()
    clock.advance(hours=units.ASK_HOURS, seconds=1)
    await admin.press(old, texts.UNIT_BTN_CHANGE)
    assert (await admin.expect_reply()).text == texts.UNIT_ASK_STALE
    assert (await units.get_by_code(db, "TDP04")).name == "Tổ dân phố số 4"  # type: ignore[union-attr]


async def test_only_the_officer_asked_answers_the_themto_question(
    sim: BotApiSimulator, db: Database, config: Config, clock: FakeClock
) -> None:
    admin = sim.user(ADMIN_ID, "Hà")
    await admin.send("/themto tdp 03 Tổ 3")
    ask = await admin.expect_reply()
    ask_id = await db.fetchval("SELECT id FROM unit_asks")
    assert ask.callback_data[0] == [f"pt:o:{ask_id}"]
    other = sim.user(1001, "Minh")
    await make_leader(db, config, other, await make_unit(db, "TDP09", "Tổ 9"))
    await people.set_role(
        db, await local(db, 1001), Role.ADMIN, START, actor_id=await local(db, ADMIN_ID)
    )
    await other.send("/start")  # a private chat to press in
    await sim.wait_idle()
    mine = sim.last_in(other.chat_id)
    assert mine is not None
    await other.press(mine, callback_data=f"pt:o:{ask_id}")  # another admin, the same id
    await sim.wait_idle()
    assert sim.message(other.chat_id, mine.message_id).text == texts.UNIT_ASK_STALE
    assert [u.code for u in await units.list_units(db, include_inactive=True)] == ["TDP09"]
    assert await db.fetchval("SELECT COUNT(*) FROM unit_asks") == 1  # still the first's
    assert await units.prune_asks(db, clock.now()) == 0
    assert (
        await units.prune_asks(db, clock.now() + timedelta(hours=units.ASK_HOURS, seconds=1)) == 1
    )


async def test_lienket_asks_before_moving_a_group_to_another_to(
    sim: BotApiSimulator, db: Database
) -> None:
    t5 = await make_unit(db, "TDP05")
    t6 = await make_unit(db, "TDP06", "Tổ dân phố số 6")
    admin = sim.user(ADMIN_ID, "Hà")
    group = sim.group(-100650, title="Nhóm tổ 5")
    await admin.send("/lienket TDP05", chat=group)
    await sim.wait_idle()
    linked = sim.last_in(group.chat_id)
    assert linked is not None and "Đã liên kết" in linked.text
    group_id = await local(db, group.chat_id, Kind.GROUP)

    await admin.send("/lienket TDP06", chat=group)
    ask = await sim.wait_for_message(group.chat_id, after=linked.message_id)
    assert "Đang liên kết: TDP05 — Tổ dân phố số 5." in ask.text
    assert "Nếu chuyển sang TDP06 — Tổ dân phố số 6" in ask.text
    assert ask.buttons == [["Chuyển sang TDP06"], ["Giữ TDP05"]]
    assert (await chats.get(db, group_id)).unit_id == t5  # type: ignore[union-attr]
    await admin.press(ask, "Giữ TDP05")
    await sim.wait_idle()
    assert sim.message(group.chat_id, ask.message_id).text == texts.LINK_KEPT
    assert (await chats.get(db, group_id)).unit_id == t5  # type: ignore[union-attr]

    await admin.send("/lienket TDP06", chat=group)
    ask = await sim.wait_for_message(group.chat_id, after=ask.message_id)
    await admin.press(ask, "Chuyển sang TDP06")
    await sim.wait_idle()
    assert "Đã liên kết" in sim.message(group.chat_id, ask.message_id).text
    assert (await chats.get(db, group_id)).unit_id == t6  # type: ignore[union-attr]
    detail = await db.fetchval(
        "SELECT detail FROM audit_log WHERE action = 'group.link' AND allowed = 1"
        " ORDER BY id DESC LIMIT 1"
    )
    assert detail == f"unit:{t6} was:{t5}"

    # agreed to move from tổ 6, but the group went back to tổ 5 meanwhile: asked again
    await admin.send("/lienket TDP05", chat=group)
    back = await sim.wait_for_message(group.chat_id, after=ask.message_id)
    await admin.press(back, "Chuyển sang TDP05")
    await sim.wait_idle()
    await admin.press(back, callback_data=f"pl:m:{t6}:{t6}")  # stale: it is tổ 5's now
    await sim.wait_idle()
    assert "Đang liên kết: TDP05" in sim.message(group.chat_id, back.message_id).text
    assert (await chats.get(db, group_id)).unit_id == t5  # type: ignore[union-attr]


# ---------------------------------------------------------------- the invite command


async def test_invite_cli_with_get_me_and_all(
    sim: BotApiSimulator,
    db: Database,
    config: Config,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from bot.people_cli import invite_main

    await make_unit(db, "TDP05")
    await make_unit(db, "TDP06", "Tổ dân phố số 6")
    out = tmp_path / "qr" / "tdp05.png"
    import sys

    # no --bot-username: the username comes from getMe (here the simulator's)
    code = await invite_main(
        config,
        role="leader",
        unit_code="tdp05",
        all_units=False,
        out_path=out,
        out_dir=None,
        bot_username=None,
        out=sys.stdout,
        err=sys.stderr,
    )
    assert code == 0
    printed = capsys.readouterr().out
    token = LINK.search(printed).group(1)  # type: ignore[union-attr]
    assert out.read_bytes() == invites.qr_png(f"https://t.me/loaphuong_bot?start={token}")

    lan = sim.user(1001, "Lan")
    await lan.send(f"/start {token}")
    await lan.press(await lan.expect_reply(), texts.BTN_AGREE)
    assert (await lan.expect_reply()).text.startswith("Anh/chị đã là tổ trưởng TDP05")

    folder = tmp_path / "all"
    code = await invite_main(
        config,
        role="leader",
        unit_code=None,
        all_units=True,
        out_path=None,
        out_dir=folder,
        bot_username="loaphuong_bot",
        out=sys.stdout,
        err=sys.stderr,
    )
    assert code == 0
    assert sorted(p.name for p in folder.iterdir()) == ["TDP06.png", "invites.csv"]
    assert "TDP06" in (folder / "invites.csv").read_text(encoding="utf-8-sig")
    assert (
        await invite_main(
            config,
            role="leader",
            unit_code="NOPE",
            all_units=False,
            out_path=None,
            out_dir=None,
            bot_username="x_bot",
            out=sys.stdout,
            err=sys.stderr,
        )
        == 1
    )


async def test_consent_buttons_only_work_in_private(sim: BotApiSimulator, db: Database) -> None:
    admin = sim.user(ADMIN_ID, "Hà")
    tu = sim.user(1003, "Tú")
    group = sim.group(-100950, title="Nhóm")
    await admin.send("/lienket", chat=group)  # any bot message in the group to press on
    holder = await sim.wait_for_message(group.chat_id)
    await tu.press(holder, callback_data="pc:y")
    await sim.wait_idle()
    assert last_answer(sim) == texts.STALE_BUTTON
    assert await people.get_person(db, await local(db, 1003)) is None
