"""People core without Telegram: invites, consent and erasure, roles, units, group links."""

from __future__ import annotations

import asyncio
import hashlib
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot import chats, consent, invites, people, people_ui, units
from bot.addresses import Directory, Kind, telegram
from bot.clock import SystemClock, iso
from bot.config import Config, parse_config
from bot.db import Database
from bot.invites import Outcome
from bot.people import Identity, Role
from handlers.common import GROUP_ANONYMOUS_BOT, admin_addresses

from .conftest import ADMIN_ID, TOKEN, with_changes

NOW = datetime(2026, 1, 5, 1, 0, tzinfo=UTC)
# The config's admin (Telegram id ADMIN_ID) is the first address the database knows (the db
# fixture), so its local id is 1. Other people here are core rows named by local id alone.
ADMIN = 1


@pytest.fixture
def config(tmp_path: Path) -> Config:
    """The test config without a simulator: these tests never talk to Telegram."""
    return parse_config(
        {
            "telegram": {"token": TOKEN},
            "storage": {"database": str(tmp_path / "unused.sqlite3")},
            "admins": {"telegram_ids": [ADMIN_ID]},
        },
        env={},
    )


@pytest.fixture
async def db(tmp_path: Path, config: Config) -> Database:
    database = await Database(tmp_path / "core.sqlite3").open()
    # as the wiring does at start-up: the config's admins are known addresses
    directory = Directory(database, SystemClock())
    await directory.know(admin_addresses(config.admins.keys()))
    assert await directory.local(telegram(ADMIN_ID)) == ADMIN
    yield database  # type: ignore[misc]
    await database.close()


async def add_unit(db: Database, code: str = "TDP05", name: str = "Tổ dân phố số 5") -> int:
    unit, _ = await units.upsert_unit(db, code, name, "", NOW, actor_id=ADMIN)
    return unit.id


async def table(db: Database, name: str) -> list[tuple[object, ...]]:
    return [tuple(r) for r in await db.fetchall(f"SELECT * FROM {name} ORDER BY 1")]


# ---------------------------------------------------------------- tokens


def test_tokens_are_long_random_base64url_and_only_hashed() -> None:
    tokens = {invites.new_token() for _ in range(200)}
    assert len(tokens) == 200
    for token in tokens:
        assert invites.TOKEN_RE.match(token)
        assert len(token) <= 64  # Telegram's deep-link payload limit
        # 18 random bytes → 24 base64url characters: 144 bits ≥ 128
        assert len(token) * 6 >= 128
    token = next(iter(tokens))
    assert invites.token_hash(token) == hashlib.sha256(token.encode()).hexdigest()


def test_deep_link_and_qr_png() -> None:
    link = invites.deep_link("@loaphuong_bot", "abc")
    assert link == "https://t.me/loaphuong_bot?start=abc"
    png = invites.qr_png(link)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert invites.qr_png(link) == png  # deterministic: the same link, the same picture
    assert invites.qr_png(link + "x") != png


async def test_token_is_never_stored(db: Database, config: Config) -> None:
    unit = await add_unit(db)
    made = await invites.create(
        db, config, role=Role.LEADER, unit_id=unit, created_by=ADMIN, now=NOW
    )
    dump = "\n".join(str(row) for row in await table(db, "invites"))
    assert made.token not in dump
    assert invites.token_hash(made.token) in dump


# ---------------------------------------------------------------- redeeming


async def test_invite_redeem_gives_role_and_unit(db: Database, config: Config) -> None:
    unit = await add_unit(db)
    made = await invites.create(
        db, config, role=Role.LEADER, unit_id=unit, created_by=ADMIN, now=NOW
    )
    lan = Identity(1001, "Lan", "Nguyễn")
    # Not registered yet: the invite waits for consent and nothing changes.
    result = await invites.redeem(db, made.token, lan, NOW)
    assert result.outcome == Outcome.NEEDS_CONSENT
    assert await table(db, "people") == []
    assert (await invites.get(db, made.invite.id)).used_at is None  # type: ignore[union-attr]

    result = await invites.redeem(db, made.token, lan, NOW, consent_version="2026-01")
    assert result.outcome == Outcome.OK and result.role == Role.LEADER
    assert await people.role_of(db, config, 1001) == Role.LEADER
    assert [u.id for u in await people.leader_units(db, 1001)] == [unit]
    person = await people.get_person(db, 1001)
    assert person is not None and person.consent_at == iso(NOW)
    assert person.consent_version == "2026-01"
    audit = await db.fetchall("SELECT actor_id, action, allowed FROM audit_log")
    assert (1001, "invite.redeem", 1) in [tuple(r) for r in audit]


async def test_used_expired_revoked_unknown_change_nothing(db: Database, config: Config) -> None:
    unit = await add_unit(db)
    make = lambda: invites.create(  # noqa: E731
        db, config, role=Role.LEADER, unit_id=unit, created_by=ADMIN, now=NOW
    )
    used, expired, revoked = await make(), await make(), await make()
    first = Identity(1001, "Lan")
    assert (
        await invites.redeem(db, used.token, first, NOW, consent_version="v")
    ).outcome == Outcome.OK
    assert await invites.revoke(db, revoked.invite.id, NOW, actor_id=ADMIN)
    later = NOW + timedelta(days=config.invites.ttl_days, seconds=1)
    snapshot = {t: await table(db, t) for t in ("people", "unit_leaders", "invites")}

    hung = Identity(1002, "Hùng")
    cases = [
        (used.token, NOW, Outcome.USED),
        (expired.token, later, Outcome.EXPIRED),
        (revoked.token, NOW, Outcome.REVOKED),
        (invites.new_token(), NOW, Outcome.UNKNOWN),  # well-formed, never issued
        ("x" * 30 + "!", NOW, Outcome.UNKNOWN),  # not even a token
        (used.token[:-1] + ("A" if used.token[-1] != "A" else "B"), NOW, Outcome.UNKNOWN),
    ]
    for token, when, expected in cases:
        result = await invites.redeem(db, token, hung, when, consent_version="v")
        assert result.outcome == expected, token
    for name, rows in snapshot.items():
        assert await table(db, name) == rows, name


async def test_expiry_follows_config_ttl(db: Database, config: Config) -> None:
    short = with_changes(config, "invites", ttl_days=2)
    unit = await add_unit(db)
    made = await invites.create(db, short, role=Role.LEADER, unit_id=unit, created_by=1, now=NOW)
    assert made.invite.expires_at == NOW + timedelta(days=2)
    just_before = NOW + timedelta(days=2) - timedelta(seconds=1)
    assert invites.status(made.invite, just_before) == Outcome.OK
    assert invites.status(made.invite, NOW + timedelta(days=2)) == Outcome.EXPIRED


async def test_concurrent_redemption_one_wins(db: Database, config: Config) -> None:
    unit = await add_unit(db)
    made = await invites.create(
        db, config, role=Role.LEADER, unit_id=unit, created_by=ADMIN, now=NOW
    )
    racers = [Identity(2000 + i, f"Người {i}") for i in range(8)]
    results = await asyncio.gather(
        *(invites.redeem(db, made.token, p, NOW, consent_version="v") for p in racers)
    )
    outcomes = [r.outcome for r in results]
    assert outcomes.count(Outcome.OK) == 1
    assert outcomes.count(Outcome.USED) == 7
    winner = racers[outcomes.index(Outcome.OK)].user_id
    assert [tuple(r) for r in await db.fetchall("SELECT user_id FROM unit_leaders")] == [(winner,)]
    # losers were not registered either: the whole step was one transaction
    assert await db.fetchval("SELECT COUNT(*) FROM people") == 1


async def test_concurrent_redemption_across_connections(tmp_path: Path, config: Config) -> None:
    """Two processes (two connections, no shared lock): the conditional UPDATE decides."""
    path = tmp_path / "shared.sqlite3"
    async with Database(path) as one, Database(path) as two:
        unit = await add_unit(one)
        made = await invites.create(
            one, config, role=Role.OFFICER, unit_id=None, created_by=ADMIN, now=NOW
        )
        del unit
        results = await asyncio.gather(
            invites.redeem(one, made.token, Identity(3001, "A"), NOW, consent_version="v"),
            invites.redeem(two, made.token, Identity(3002, "B"), NOW, consent_version="v"),
        )
        assert sorted(r.outcome for r in results) == sorted([Outcome.OK, Outcome.USED])
        assert await one.fetchval("SELECT COUNT(*) FROM people") == 1


async def test_invite_never_demotes_and_anonymous_admin_refused(
    db: Database, config: Config
) -> None:
    unit = await add_unit(db)
    officer = await invites.create(
        db, config, role=Role.OFFICER, unit_id=None, created_by=ADMIN, now=NOW
    )
    leader = await invites.create(
        db, config, role=Role.LEADER, unit_id=unit, created_by=ADMIN, now=NOW
    )
    me = Identity(1001, "Lan")
    await invites.redeem(db, officer.token, me, NOW, consent_version="v")
    result = await invites.redeem(db, leader.token, me, NOW)
    assert result.outcome == Outcome.OK and result.role == Role.OFFICER
    assert await people.role_of(db, config, 1001) == Role.OFFICER
    assert [u.id for u in await people.leader_units(db, 1001)] == [unit]

    spare = await invites.create(
        db, config, role=Role.ADMIN, unit_id=None, created_by=ADMIN, now=NOW
    )
    shared = await Directory(db, SystemClock()).local(telegram(GROUP_ANONYMOUS_BOT, Kind.SHARED))
    anon = Identity(shared, "Group")
    result = await invites.redeem(db, spare.token, anon, NOW, consent_version="v")
    assert result.outcome == Outcome.REFUSED
    assert await people.get_person(db, shared) is None
    assert await people.role_of(db, config, 0) == Role.RESIDENT  # nobody, too


async def test_anonymous_admin_never_privileged_even_if_stored(
    db: Database, config: Config
) -> None:
    shared = await Directory(db, SystemClock()).local(telegram(GROUP_ANONYMOUS_BOT, Kind.SHARED))
    await db.execute(
        "INSERT INTO people (user_id, role, consent_at, consent_version, created_at, updated_at)"
        " VALUES (?, 'admin', 'x', 'v', 'x', 'x')",
        (shared,),
    )
    listed = with_changes(config, "admins", telegram_ids=(GROUP_ANONYMOUS_BOT,))
    assert await people.role_of(db, listed, shared) == Role.RESIDENT
    assert shared not in await people.officer_ids(db, listed)
    assert await people.count_promotable(db, config, ADMIN) == 0  # not even by stored row
    unit = await add_unit(db)
    assert not await people.can_act_for_unit(db, listed, shared, unit)
    # the same row under a person's address is an admin: it is the address that decides
    await db.execute("UPDATE addresses SET kind = 'person' WHERE local_id = ?", (shared,))
    assert await people.role_of(db, listed, shared) == Role.ADMIN


async def test_revoke_list_and_rights(db: Database, config: Config) -> None:
    unit = await add_unit(db)
    by_officer = await invites.create(
        db, config, role=Role.LEADER, unit_id=unit, created_by=500, now=NOW
    )
    by_other = await invites.create(
        db, config, role=Role.LEADER, unit_id=unit, created_by=501, now=NOW
    )
    assert [i.id for i in await invites.open_invites(db, NOW, created_by=500)] == [
        by_officer.invite.id
    ]
    assert len(await invites.open_invites(db, NOW)) == 2
    assert invites.may_revoke(500, Role.OFFICER, by_officer.invite)
    assert not invites.may_revoke(500, Role.OFFICER, by_other.invite)
    assert invites.may_revoke(ADMIN, Role.ADMIN, by_other.invite)
    assert not invites.may_revoke(500, Role.LEADER, by_officer.invite)
    assert await invites.revoke(db, by_officer.invite.id, NOW, actor_id=500)
    assert not await invites.revoke(db, by_officer.invite.id, NOW, actor_id=500)  # once
    assert [i.id for i in await invites.open_invites(db, NOW)] == [by_other.invite.id]
    assert invites.creatable_roles(Role.OFFICER) == (Role.LEADER,)
    assert set(invites.creatable_roles(Role.ADMIN)) == {Role.LEADER, Role.OFFICER, Role.ADMIN}
    assert invites.creatable_roles(Role.LEADER) == ()


# ---------------------------------------------------------------- consent, my data, erasure


async def test_consent_register_and_erase_with_hooks(db: Database, config: Config) -> None:
    unit = await add_unit(db)
    lan = Identity(1001, "Lan")
    assert await consent.register(db, lan, NOW)
    assert not await consent.register(db, lan, NOW + timedelta(hours=1))  # consent time kept
    person = await people.get_person(db, 1001)
    assert person is not None and person.consent_at == iso(NOW)
    made = await invites.create(
        db, config, role=Role.LEADER, unit_id=unit, created_by=ADMIN, now=NOW
    )
    await invites.redeem(db, made.token, lan, NOW)
    await db.execute("INSERT INTO chats (chat_id, type, title) VALUES (-5, 'group', 'Tổ 5')")
    await chats.link(db, -5, unit, 1001, NOW)

    # Another module (reports, issue 4) keeps rows that point at the person.
    await db.execute("CREATE TABLE fake_reports (id INTEGER PRIMARY KEY, unit_id, author_id)")
    await db.execute("INSERT INTO fake_reports (unit_id, author_id) VALUES (?, 1001)", (unit,))

    async def anonymise(conn, user_id: int, now: datetime) -> None:  # type: ignore[no-untyped-def]
        await conn.execute(
            "UPDATE fake_reports SET author_id = NULL WHERE author_id = ?", (user_id,)
        )

    async def export(db: Database, user_id: int) -> list[tuple[str, str]]:
        n = await db.fetchval("SELECT COUNT(*) FROM fake_reports WHERE author_id = ?", (user_id,))
        return [("Báo cáo đã gửi", str(n))]

    consent.on_erase(anonymise)
    consent.on_export(export)
    try:
        data = await consent.my_data(db, 1001)
        assert data.person is not None and data.person.role == Role.LEADER
        assert [u.id for u in data.units] == [unit]
        assert data.groups_linked == 1 and data.extra == (("Báo cáo đã gửi", "1"),)

        assert await consent.erase(db, 1001, NOW)
        assert not await consent.erase(db, 1001, NOW)
    finally:
        consent._erase_hooks.remove(anonymise)
        consent._export_hooks.remove(export)
    assert await people.get_person(db, 1001) is None
    assert await db.fetchval("SELECT COUNT(*) FROM unit_leaders") == 0
    assert await db.fetchval("SELECT COUNT(*) FROM chats WHERE linked_by = 1001") == 0
    assert await db.fetchval("SELECT unit_id FROM chats WHERE chat_id = -5") == unit  # link kept
    assert await db.fetchval("SELECT COUNT(*) FROM invites WHERE used_by = 1001") == 0
    # the report stays, counted for the tổ, with no author
    assert [tuple(r) for r in await db.fetchall("SELECT unit_id, author_id FROM fake_reports")] == [
        (unit, None)
    ]
    assert await people.role_of(db, config, 1001) == Role.RESIDENT
    after = await consent.my_data(db, 1001)
    assert after.person is None and after.audit_entries >= 1  # the erasure itself is audited


# ---------------------------------------------------------------- leaders and roles


async def test_deactivate_leader_and_unit_rights(db: Database, config: Config) -> None:
    t5, t6 = await add_unit(db, "TDP05"), await add_unit(db, "TDP06", "Tổ 6")
    lan = Identity(1001, "Lan")
    for unit in (t5, t6):
        made = await invites.create(
            db, config, role=Role.LEADER, unit_id=unit, created_by=ADMIN, now=NOW
        )
        await invites.redeem(db, made.token, lan, NOW, consent_version="v")
    hung = Identity(1002, "Hùng")
    made = await invites.create(db, config, role=Role.LEADER, unit_id=t6, created_by=1, now=NOW)
    await invites.redeem(db, made.token, hung, NOW, consent_version="v")

    assert await people.can_act_for_unit(db, config, 1002, t6)
    assert not await people.can_act_for_unit(db, config, 1002, t5)  # another tổ
    assert await people.can_act_for_unit(db, config, ADMIN, t5)  # officers/admins: any tổ

    assert await people.deactivate_leader(db, t5, 1001, NOW, actor_id=ADMIN)
    assert not await people.deactivate_leader(db, t5, 1001, NOW, actor_id=ADMIN)
    assert await people.role_of(db, config, 1001) == Role.LEADER  # still leads TDP06
    assert await people.deactivate_leader(db, t6, 1001, NOW, actor_id=ADMIN)
    assert await people.role_of(db, config, 1001) == Role.RESIDENT
    assert not await people.can_act_for_unit(db, config, 1001, t6)

    # a deactivated unit: nobody acts for it, its leader keeps the row for a reopening
    await units.set_unit_active(db, "TDP06", False, NOW, actor_id=ADMIN)
    assert not await people.can_act_for_unit(db, config, 1002, t6)
    assert not await people.can_act_for_unit(db, config, ADMIN, t6)
    await units.set_unit_active(db, "tdp06", True, NOW, actor_id=ADMIN)
    assert await people.can_act_for_unit(db, config, 1002, t6)


async def test_set_role(db: Database, config: Config) -> None:
    unit = await add_unit(db)
    made = await invites.create(db, config, role=Role.LEADER, unit_id=unit, created_by=1, now=NOW)
    await invites.redeem(db, made.token, Identity(1001, "Lan"), NOW, consent_version="v")
    assert await people.set_role(db, 1001, Role.OFFICER, NOW, actor_id=ADMIN) == Role.OFFICER
    assert await people.role_of(db, config, 1001) == Role.OFFICER
    assert 1001 in await people.officer_ids(db, config)
    # taking the officer role away leaves them leader of their tổ
    assert await people.set_role(db, 1001, Role.RESIDENT, NOW, actor_id=ADMIN) == Role.LEADER
    assert await people.set_role(db, 4242, Role.ADMIN, NOW, actor_id=ADMIN) is None
    actions = [
        r[0] for r in await db.fetchall("SELECT action FROM audit_log WHERE actor_id = ?", (ADMIN,))
    ]
    assert actions.count("role.set") == 2


# ---------------------------------------------------------------- units and groups


async def test_unit_crud(db: Database) -> None:
    unit, created = await units.upsert_unit(db, " tdp5 ", "Tổ  5 ", "Khu 1", NOW, actor_id=ADMIN)
    assert created and unit.code == "TDP5" and unit.name == "Tổ 5"
    unit, created = await units.upsert_unit(db, "TDP5", "Tổ năm", "", NOW, actor_id=ADMIN)
    assert not created and unit.name == "Tổ năm"
    renamed = await units.rename_unit(db, "tdp5", "Tổ dân phố số 5", NOW, actor_id=ADMIN)
    assert renamed is not None and renamed.name == "Tổ dân phố số 5"
    assert await units.rename_unit(db, "NOPE", "x", NOW, actor_id=ADMIN) is None
    with pytest.raises(units.UnitInputError):
        await units.upsert_unit(db, "có dấu", "Tên", "", NOW, actor_id=ADMIN)
    with pytest.raises(units.UnitInputError):
        units.parse_unit_args("TDP9")
    assert units.parse_unit_args("tdp9 Tổ dân phố số 9 | Khu 2") == (
        "TDP9",
        "Tổ dân phố số 9",
        "Khu 2",
    )
    await units.upsert_unit(db, "T10", "Tổ 10", "", NOW, actor_id=ADMIN)
    await units.upsert_unit(db, "T2", "Tổ 2", "", NOW, actor_id=ADMIN)
    assert [u.code for u in await units.list_units(db)] == ["T2", "T10", "TDP5"]
    assert await units.set_unit_active(db, "T2", False, NOW, actor_id=ADMIN) is not None
    assert [u.code for u in await units.list_units(db)] == ["T10", "TDP5"]
    assert len(await units.list_units(db, include_inactive=True)) == 3


async def test_group_link_survives_removal_and_migration(db: Database) -> None:
    unit = await add_unit(db)
    assert await chats.bot_added(db, -100, "group", "Tổ 5", NOW)
    await chats.link(db, -100, unit, ADMIN, NOW)
    await chats.bot_removed(db, -100, NOW)
    group = await chats.get(db, -100)
    assert group is not None and not group.active and group.unit_id == unit
    assert await chats.linked_chat_ids(db, unit) == []  # inactive: nothing is sent there
    assert not await chats.bot_added(db, -100, "group", "Tổ 5", NOW)  # no second greeting
    assert await chats.linked_chat_ids(db, unit) == [-100]

    await chats.migrated(db, -100, -1009, NOW)
    assert await chats.get(db, -100) is None
    moved = await chats.get(db, -1009)
    assert moved is not None and moved.unit_id == unit and moved.type == "supergroup"

    # the supergroup's row may already exist (its update came first): the link still moves
    await chats.bot_added(db, -200, "group", "Tổ 6", NOW)
    await chats.link(db, -200, unit, ADMIN, NOW)
    await chats.bot_added(db, -2009, "supergroup", "Tổ 6", NOW)
    await chats.migrated(db, -200, -2009, NOW)
    assert (await chats.get(db, -2009)).unit_id == unit  # type: ignore[union-attr]
    assert await chats.get(db, -200) is None


async def test_conditional_update_decides_even_after_a_stale_read(
    db: Database, config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Even if the check before it were fooled (a stale read), the UPDATE lets one through."""
    unit = await add_unit(db)
    made = await invites.create(
        db, config, role=Role.LEADER, unit_id=unit, created_by=ADMIN, now=NOW
    )
    monkeypatch.setattr(invites, "status", lambda invite, now: Outcome.OK)
    first = await invites.redeem(db, made.token, Identity(1001, "A"), NOW, consent_version="v")
    second = await invites.redeem(db, made.token, Identity(1002, "B"), NOW, consent_version="v")
    assert (first.outcome, second.outcome) == (Outcome.OK, Outcome.USED)
    assert await people.get_person(db, 1002) is None


# ---------------------------------------------------------------- button payloads


@given(st.text(max_size=64))
def test_parse_never_raises_and_only_accepts_known_shapes(data: str) -> None:
    press = people_ui.parse(data)
    if press is not None:
        assert re.match(people_ui.CALLBACK_PATTERN, data)
        assert all(isinstance(i, int) for i in press.ids)


@given(
    st.integers(1, 10**12),
    st.integers(1, 10**12),
    st.sampled_from(["officer", "admin", "resident"]),
)
def test_every_button_the_screens_make_parses_back(unit_id: int, user_id: int, role: str) -> None:
    unit = people.Unit(unit_id, "TDP05", "Tổ dân phố số 5", "", True)
    person = people.Person(user_id, "Lan", "", Role.LEADER, "2026-01-05T01:00:00Z", "v", True, True)
    screens = [
        people_ui.consent_screen(
            invites.Invite(unit_id, Role.LEADER, unit, 1, NOW, NOW, None, None, None)
        ),
        people_ui.consent_screen(),
        people_ui.erase_confirm_screen(),
        people_ui.invite_role_screen(invites.INVITABLE),
        people_ui.unit_picker("x", [unit] * 20, 1, "pi"),
        people_ui.unit_picker("x", [unit] * 20, 0, "pl"),
        people_ui.deact_picker([(unit, person)] * 20, 2),
        people_ui.deact_confirm_screen(unit, person),
        people_ui.promote_picker([person] * 9, 1),
        people_ui.promote_choose_screen(person),
    ]
    for screen in screens:
        for row in screen.buttons:
            for button in row:
                press = people_ui.parse(button.data)
                assert press is not None, button.data
                if press.verb in ("unit", "ask", "yes") and press.kind in (
                    "invite",
                    "link",
                    "deact",
                ):
                    assert press.ids[0] == unit_id
                if press.kind == "role" and press.verb == "person":
                    assert press.ids == (user_id,)
    chosen = people_ui.parse(f"pr:s:{user_id}:{role}")
    assert chosen is not None and chosen.ids == (user_id,) and chosen.word == role


async def test_who_may_link_which_group(db: Database, config: Config) -> None:
    """The rule that was in the /lienket handler, now in the core (chats.link_verdict)."""
    t5, t6 = await add_unit(db, "TDP05"), await add_unit(db, "TDP06", "Tổ 6")
    for unit, person in ((t5, Identity(1001, "Lan")), (t6, Identity(1002, "Hùng"))):
        made = await invites.create(
            db, config, role=Role.LEADER, unit_id=unit, created_by=ADMIN, now=NOW
        )
        await invites.redeem(db, made.token, person, NOW, consent_version="v")
    await db.execute("INSERT INTO chats (chat_id, type, title) VALUES (-7, 'group', 'Nhóm')")
    verdict = chats.LinkVerdict
    assert await chats.link_verdict(db, config, 1001, -7, t5) == verdict.LINK
    assert await chats.link_verdict(db, config, 1001, -7, t6) == verdict.REFUSED  # not hers
    await chats.link(db, -7, t5, 1001, NOW)
    assert await chats.link_verdict(db, config, 1001, -7, t5) == verdict.ALREADY
    # Hùng may not take Lan's group for his tổ, while Lan's tổ is active …
    assert await chats.link_verdict(db, config, 1002, -7, t6) == verdict.REFUSED
    assert await chats.link_verdict(db, config, ADMIN, -7, t6) == verdict.LINK  # officials may
    await units.set_unit_active(db, "TDP05", False, NOW, actor_id=ADMIN)
    assert await chats.link_verdict(db, config, 1002, -7, t6) == verdict.LINK  # … then he may
    mine, total, officer = await chats.link_choices(db, config, 1002, 0, 10)
    assert ([u.id for u in mine], total, officer) == ([t6], 1, False)
    _, total, officer = await chats.link_choices(db, config, ADMIN, 0, 10)
    assert (total, officer) == (1, True)  # the active tổ only


# ---------------------------------------------------------------- /themto's doubts (pure)


def _unit(code: str, name: str = "Tổ", area: str = "", active: bool = True) -> people.Unit:
    return people.Unit(len(code), code, name, area, active)


def test_themto_doubts() -> None:
    typed = units.Typed
    known = [_unit("TDP03", "Tổ 3", "Khu 1")]
    split = units.doubt_about(typed("TDP", "05 Tổ 5", ""), known)
    assert split is not None and split.kind == "split"
    assert split.other == typed("TDP05", "Tổ 5", "")
    # the number's tổ exists: the other reading updates it
    near = units.doubt_about(typed("TDP", "3 Tổ ba", "Khu 2"), known)
    assert near is not None and near.kind == "near" and near.existing == known[0]
    assert near.other == typed("TDP03", "Tổ ba", "Khu 2")
    assert units.doubt_about(typed("TDP-3", "Tổ ba", ""), known).kind == "near"  # type: ignore[union-attr]
    assert units.doubt_about(typed("TDP30", "Tổ 30", ""), known) is None  # another number
    assert units.doubt_about(typed("T3", "Tổ 3", ""), known) is None  # other letters
    change = units.doubt_about(typed("TDP03", "Tổ ba", "Khu 1"), known)
    assert change is not None and change.kind == "change" and change.other is None
    assert units.doubt_about(typed("TDP03", "Tổ 3", "Khu 1"), known) is None  # reopen
    assert units.doubt_about(typed("KHU", "Tổ khu", ""), known) is None  # no number typed
    assert units.doubt_about(typed("KHU", "7", ""), known) is None  # nothing left for a name


@given(
    letters=st.text(alphabet="ABCDEFGHKLMNPQRSTUVXY", min_size=1, max_size=4),
    number=st.integers(min_value=0, max_value=999),
    zeros=st.integers(min_value=0, max_value=3),
    sep=st.sampled_from(["", "-", "."]),
)
def test_near_key_ignores_zeros_and_separators(
    letters: str, number: int, zeros: int, sep: str
) -> None:
    padded = f"{letters}{sep}{'0' * zeros}{number}"
    assert units.near_key(padded) == units.near_key(f"{letters.lower()}{number}")
    assert units.near_key(padded) != units.near_key(f"{letters}{number + 1}")


@given(st.text(alphabet="ABCDEFGHKLMNPQRSTUVXY0123456789", min_size=1, max_size=8))
def test_a_unit_typed_as_it_is_is_never_doubted(code: str) -> None:
    unit = _unit(code, "Tổ dân phố", "Khu 1")
    assert units.doubt_about(units.Typed(code, unit.name, unit.area), [unit]) is None


# ---------------------------------------------------------------- typed invite codes (pure)


@given(st.integers(min_value=0, max_value=200))
def test_a_new_code_reads_back_however_it_is_typed(_: int) -> None:
    code = invites.new_code()
    assert re.fullmatch(r"[2-9A-HJKMNP-TV-Z]{3}-[2-9A-HJKMNP-TV-Z]{3}-[2-9A-HJKMNP-TV-Z]{3}", code)
    plain = code.replace("-", "")
    for typed in (code, code.lower(), plain, code.replace("-", " "), f"  {code}  "):
        assert invites.normal_code(typed) == plain or (
            typed == plain and not any(c.isdigit() for c in plain)  # a word, not a code
        )
    assert len(invites.CODE_ALPHABET) ** invites.CODE_LENGTH >= 2**40


def test_what_is_not_a_code() -> None:
    for text in (
        "xinchaoba",
        "abc-def",
        "7KQ-M4X-P9",
        "7KQ-M4X-P9DD",
        "7KQ-M4X-P1D",
        "7KO-M4X-P9D",
    ):
        assert invites.normal_code(text) is None, text  # a word, too short/long, 1 and O


def test_codes_are_hashed_with_a_key_the_database_does_not_hold(config: Config) -> None:
    key = invites.code_key(config)
    other = invites.code_key(with_changes(config, "telegram", token="999:OTHER"))
    assert key != other
    digest = invites.code_hash("7KQM4XP9D", key)
    assert digest != hashlib.sha256(b"7KQM4XP9D").hexdigest() and len(digest) == 64
