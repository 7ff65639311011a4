"""The command table: every command the bot answers, who may use it and where.

One row per command, in the order of Telegram's command menu. The menus (`menu`), the
/canbo list (`tools_for`) and the role guard on each guarded handler (`handlers.auth.command`)
are all read from here, and tests/test_commands.py checks that the handlers registered are
exactly these, each guarded as its row says. The Vietnamese lines are in bot/texts.py.

`where`: PRIVATE commands show people's data or start a private conversation; typed in a
group they answer only that they work in a private chat. ANYWHERE commands work in groups
too (some answer there more briefly).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot import texts
from bot.people import Role, at_least


class Where(StrEnum):
    PRIVATE = "private"
    ANYWHERE = "anywhere"


class Menu(StrEnum):
    NONE = "none"
    PRIVATE = "private"  # in the menu of private chats
    BOTH = "both"  # in the menus of private and group chats


@dataclass(frozen=True)
class Command:
    name: str
    role: Role  # the lowest role that may use it
    where: Where = Where.ANYWHERE
    menu: Menu = Menu.NONE


RESIDENT, LEADER, OFFICER, ADMIN = Role.RESIDENT, Role.LEADER, Role.OFFICER, Role.ADMIN
PRIVATE = Where.PRIVATE

TABLE: tuple[Command, ...] = (
    Command("start", RESIDENT, menu=Menu.PRIVATE),
    Command("muctieu", RESIDENT, menu=Menu.BOTH),
    Command("chitieu", RESIDENT, menu=Menu.PRIVATE),
    Command("nhiemvu", RESIDENT, menu=Menu.BOTH),
    Command("dotpha", RESIDENT, menu=Menu.BOTH),
    Command("noidung", RESIDENT, menu=Menu.PRIVATE),
    Command("timkiem", RESIDENT, menu=Menu.BOTH),
    # A resident typing these is told kindly that they are for tổ trưởng (the flow decides).
    Command("baocao", RESIDENT, menu=Menu.PRIVATE),
    Command("baocaocuatoi", RESIDENT, menu=Menu.PRIVATE),
    Command("baotin", RESIDENT, menu=Menu.PRIVATE),
    Command("dangky", RESIDENT, menu=Menu.PRIVATE),
    Command("todanpho", RESIDENT, menu=Menu.PRIVATE),
    Command("themkenh", RESIDENT, PRIVATE, Menu.PRIVATE),  # a code for another channel too
    Command("tatthongbao", RESIDENT, menu=Menu.PRIVATE),
    Command("batthongbao", RESIDENT, menu=Menu.PRIVATE),
    Command("dulieucuatoi", RESIDENT, menu=Menu.PRIVATE),
    Command("xoadulieu", RESIDENT, menu=Menu.PRIVATE),
    Command("canbo", LEADER, menu=Menu.PRIVATE),
    Command("help", RESIDENT, menu=Menu.BOTH),
    Command("huy", RESIDENT),
    Command("lienket", LEADER),  # typed in the group to be linked
    Command("moi", OFFICER, PRIVATE),
    Command("loimoi", OFFICER, PRIVATE),
    Command("dsto", OFFICER, PRIVATE),
    Command("nhom", OFFICER, PRIVATE),
    Command("huytotruong", OFFICER, PRIVATE),
    Command("duyetbaocao", OFFICER, PRIVATE),
    Command("chuabaocao", OFFICER, PRIVATE),
    Command("xulytin", OFFICER, PRIVATE),
    Command("guitin", OFFICER, PRIVATE),
    Command("tinhtrang", OFFICER, PRIVATE),
    Command("lich", OFFICER, PRIVATE),
    Command("themto", ADMIN),
    Command("doiten", ADMIN),
    Command("ngungto", ADMIN),
    Command("capquyen", ADMIN, PRIVATE),
)
_BY_NAME = {c.name: c for c in TABLE}


def get(name: str) -> Command:
    """The row of `name`; KeyError for a command that is not in the table (a bug)."""
    return _BY_NAME[name]


# What only the leader of a tổ can use (a resident or an officer leading no tổ is refused).
FOR_LEADERS = frozenset({"baocao", "baocaocuatoi", "lienket"})


def menu(group: bool) -> list[tuple[str, str]]:
    """(command, description) for Telegram's menu of group chats, or of the private chats of
    people without a role (residents): what everyone may use."""
    wanted = (Menu.BOTH,) if group else (Menu.PRIVATE, Menu.BOTH)
    return [
        (c.name, texts.MENU_LINES[c.name])
        for c in TABLE
        if c.menu in wanted and c.name not in FOR_LEADERS and c.name != "canbo"
    ]


def may_use(name: str, role: Role, leads: bool) -> bool:
    """Whether a person with `role` (who leads a tổ or not) can use `name`."""
    return at_least(role, get(name).role) and (name not in FOR_LEADERS or leads)


def person_menu(role: Role, leads: bool) -> list[tuple[str, str]]:
    """The private menu of one person: everyone's commands, then the tools of their role
    (and of leading a tổ), in the table's order; what they would be refused is left out."""
    everyone = {name for name, _ in menu(group=False)}
    found = []
    for c in TABLE:
        if c.name in everyone:
            found.append((c.name, texts.MENU_LINES[c.name]))
        elif c.name in texts.TOOL_LINES and may_use(c.name, role, leads) and c.name != "lienket":
            found.append((c.name, texts.menu_line_of_tool(c.name)))
        elif c.name == "canbo" and (leads or at_least(role, Role.OFFICER)):
            found.append((c.name, texts.MENU_LINES[c.name]))
    return found


def tools_for(role: Role, leads: bool) -> list[tuple[str, str]]:
    """(command, what it does) of /canbo for a person with `role`, in /canbo's order: only
    what that person can do."""
    return [(name, line) for name, line in texts.TOOL_LINES.items() if may_use(name, role, leads)]
