"""The command table (bot/commands.py) is what the bot does: the handlers registered, the
guard on each, the menus Telegram shows and /canbo all come from it (issue 10, item 6)."""

from __future__ import annotations

from typing import Any

from telegram.ext import CommandHandler

from bot import commands, texts
from bot.commands import Where
from bot.people import Role, at_least
from bot.simulator import BotApiSimulator

from .local_ids import local
from .report_helpers import add_leader, add_officer, svc


def registered(app: Any) -> dict[str, Any]:
    """Command name → callback, over every handler group."""
    found: dict[str, Any] = {}
    for group in app.handlers.values():
        for handler in group:
            if isinstance(handler, CommandHandler):
                for name in handler.commands:
                    assert name not in found, f"/{name} registered twice"
                    found[name] = handler.callback
    return found


def test_the_handlers_registered_are_the_table(bot: Any) -> None:
    assert set(registered(bot)) == {c.name for c in commands.TABLE}


def test_each_guard_is_the_one_its_row_gives(bot: Any) -> None:
    wrong = []
    for name, callback in registered(bot).items():
        row = commands.get(name)
        needed = getattr(callback, "needed", Role.RESIDENT)
        private_only = getattr(callback, "private_only", False)
        if (needed, private_only) != (row.role, row.where == Where.PRIVATE):
            wrong.append((name, needed, private_only, row))
    assert wrong == []


def test_menus_and_help_lines_come_from_the_table(sim: BotApiSimulator, bot: Any) -> None:
    private = next(v for k, v in sim.commands.items() if "all_private_chats" in k)
    group = next(v for k, v in sim.commands.items() if "all_group_chats" in k)
    assert [(c["command"], c["description"]) for c in private] == commands.menu(group=False)
    assert [(c["command"], c["description"]) for c in group] == commands.menu(group=True)
    assert {c["command"] for c in group} <= {c["command"] for c in private}
    assert set(texts.MENU_LINES) == {c.name for c in commands.TABLE if c.menu != "none"}
    assert set(texts.TOOL_LINES) <= {c.name for c in commands.TABLE}


LEADERS_ONLY = {"baocao", "baocaocuatoi", "lienket"}  # refused to whoever leads no tổ


async def test_canbo_lists_what_each_role_may_do(sim: BotApiSimulator, bot: Any) -> None:
    """Issue 11: /canbo listed /baocao to officers, who were then refused."""
    db = svc(bot).db
    await add_leader(db, 6301, "Lan", "Tổ dân phố số 1")
    await add_officer(db, 6302, "Hà")
    for user_id, role, leads in ((6301, Role.LEADER, True), (6302, Role.OFFICER, False)):
        user = sim.user(user_id, "Người")
        await user.send("/canbo")
        shown = (await user.expect_reply()).text
        allowed = {c.name for c in commands.TABLE if at_least(role, c.role)}
        if not leads:
            allowed -= LEADERS_ONLY
        listed = {name for name in texts.TOOL_LINES if f"/{name}" in shown.split()}
        assert listed == allowed & set(texts.TOOL_LINES), role
    # What the officer is not offered is what they would be refused.
    officer = sim.user(6302)
    await officer.send("/baocao")
    assert "tổ trưởng" in (await officer.expect_reply()).text


async def test_officers_and_leaders_have_menus_of_their_own(sim: BotApiSimulator, bot: Any) -> None:
    """Issue 11: the command menu had no officer commands. Residents and groups keep
    everyone's menu; a leader's menu adds the report commands; an officer's its tools; a
    person whose role changes gets the menu of the new role."""
    db = svc(bot).db
    await add_leader(db, 6311, "Lan", "Tổ dân phố số 1")
    await add_officer(db, 6312, "Hà")
    await svc(bot).refresh_menu(await local(db, 6311))
    await svc(bot).refresh_menu(await local(db, 6312))
    everyone = [c["command"] for c in sim.commands_for({"type": "all_private_chats"})]
    assert "baocao" not in everyone and "guitin" not in everyone and "muctieu" in everyone
    leader = [c["command"] for c in sim.commands_for({"type": "chat", "chat_id": 6311})]
    officer = [c["command"] for c in sim.commands_for({"type": "chat", "chat_id": 6312})]
    assert {"baocao", "baocaocuatoi", "canbo", "muctieu"} <= set(leader)
    assert "guitin" not in leader
    assert {"guitin", "duyetbaocao", "chuabaocao", "canbo", "muctieu"} <= set(officer)
    assert "baocao" not in officer and "capquyen" not in officer  # not theirs to use
    await db.execute(
        "UPDATE people SET role = 'resident' WHERE user_id = ?", (await local(db, 6312),)
    )
    await svc(bot).refresh_menu(await local(db, 6312))
    assert sim.commands_for({"type": "chat", "chat_id": 6312}) == []  # everyone's again


async def test_help_says_what_this_person_can_do(sim: BotApiSimulator, bot: Any) -> None:
    """Issue 11: /help was the same for an admin and a resident."""
    db = svc(bot).db
    await add_leader(db, 6321, "Lan", "Tổ dân phố số 1")
    await add_officer(db, 6322, "Hà")
    shown = {}
    for user_id in (6320, 6321, 6322):
        user = sim.user(user_id, "Người")
        await user.send("/help")
        shown[user_id] = (await user.expect_reply()).text
    assert "/baocao" not in shown[6320] and "/guitin" not in shown[6320]
    assert "/canbo" not in shown[6320]
    assert "/baocao" in shown[6321] and "/guitin" not in shown[6321] and "/canbo" in shown[6321]
    assert "/guitin" in shown[6322] and "/baocao " not in shown[6322] and "/canbo" in shown[6322]


async def test_a_resident_is_refused_every_command_above_their_role(
    sim: BotApiSimulator, bot: Any
) -> None:
    resident = sim.user(6303, "Mai")
    above = [c for c in commands.TABLE if c.role != Role.RESIDENT]
    assert len(above) > 15
    wrong = []
    for row in above:
        await resident.send(f"/{row.name}")
        reply = await resident.expect_reply()
        if reply.text != texts.NO_PERMISSION:
            wrong.append((row.name, reply.text[:60]))
    assert wrong == []


def test_flows_run_in_their_listed_order_ahead_of_everything(bot: Any) -> None:
    """One ordered list of conversations in progress (handlers.flows), each in its own group
    before the normal handlers; no module picks a group of its own."""
    import handlers
    from handlers.common import note_sender

    listed = [handler for _, handler in handlers.flows()]
    # Before them all, one handler that only notes where the sender wrote from.
    [noting] = bot.handlers[handlers.NOTE_SENDER_GROUP]
    assert noting.callback is note_sender
    early = sorted(g for g in bot.handlers if g < 0 and g != handlers.NOTE_SENDER_GROUP)
    assert early == [handlers.FIRST_FLOW_GROUP + i for i in range(len(listed))]
    for group, handler in zip(early, listed, strict=True):
        [registered_here] = bot.handlers[group]
        assert type(registered_here) is type(handler)
        assert registered_here.callback is handler.callback
    assert set(bot.handlers) == {handlers.NOTE_SENDER_GROUP, *early, 0, handlers.AFTER_GROUP}


def test_help_names_only_real_commands_and_every_menu_command() -> None:
    """The help is written as sentences, not generated; the table keeps it true: every
    /command it names exists, and every command of the menus is in the matching help."""
    import re

    names = {c.name for c in commands.TABLE}
    for help_text, group in ((texts.HELP_PRIVATE, False), (texts.HELP_GROUP, True)):
        named = set(re.findall(r"(?<![<\w])/([a-z]+)\b", help_text.text))  # not anh/chị
        assert named and named <= names, named - names
        in_menu = {name for name, _ in commands.menu(group=group)} - {"start", "help"}
        assert in_menu <= named, in_menu - named
