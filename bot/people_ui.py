"""What the people features say: screens for consent, invites, groups and officer tools, and
the parsing of their button payloads.

Pure functions from core data to `Screen`s, like `bot.browse`, so any channel can show them.
Button payloads are short (`pi:u:12`) and parsed strictly here; `parse` only checks their
shape — the handler then checks every id against the database and the presser's rights, so
a forged payload can name nothing that does not exist and do nothing the presser may not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot import commands, texts
from bot.chats import GroupListing
from bot.clock import parse_iso
from bot.consent import MyData
from bot.db import Database
from bot.fit import Field, fit
from bot.inputs import clip
from bot.invites import Invite
from bot.people import Person, Role, Unit, get_person, set_notifications
from bot.reply import Reply
from bot.rich import Rich, rich
from bot.screens import Button, Screen, page_nav, rows
from bot.units import Doubt, UnitOverview
from bot.units import OverviewTotals as UnitOverviewTotals

PAGE_SIZE = 8
LIST_PAGE_SIZE = 20  # lines of /nhom and /loimoi in one message
DSTO_PAGE_SIZE = 8  # tổ blocks of /dsto in one message (each at most ~450 characters)
CALLBACK_PATTERN = r"^p[cxivldrsnth]:"  # every payload this module makes starts so

# ASCII digits only (`\d` is any Unicode digit) and at most 15 of them: SQLite's integers end
# at 2**63, and no id or page of ours comes near 10**15.
_ID = r"([0-9]{1,15})"
_FORMS: tuple[tuple[re.Pattern[str], str, str], ...] = tuple(
    (re.compile(pattern), kind, verb)
    for pattern, kind, verb in (
        (r"^pc:y$", "consent", "yes"),
        (r"^pc:y:([A-Za-z0-9_-]{1,59})$", "consent", "yes"),
        (r"^pc:n$", "consent", "no"),
        (r"^px:y$", "erase", "yes"),
        (r"^px:n$", "erase", "no"),
        (r"^pi:r:(leader|officer|admin)$", "invite", "role"),
        (rf"^pi:u:{_ID}$", "invite", "unit"),
        (rf"^pi:p:{_ID}$", "invite", "page"),
        (rf"^pv:{_ID}$", "revoke", "invite"),
        (rf"^pv:p:{_ID}$", "revoke", "page"),
        (rf"^ps:p:{_ID}$", "units", "page"),
        (rf"^pn:p:{_ID}$", "groups", "page"),
        (rf"^pl:u:{_ID}$", "link", "unit"),
        (rf"^pl:p:{_ID}$", "link", "page"),
        (rf"^pl:m:{_ID}:{_ID}$", "link", "move"),  # to the first tổ, from the second
        (r"^pl:k$", "link", "keep"),
        (rf"^pd:a:{_ID}:{_ID}$", "deact", "ask"),
        (rf"^pd:y:{_ID}:{_ID}$", "deact", "yes"),
        (rf"^pd:p:{_ID}$", "deact", "page"),
        (r"^pd:n$", "deact", "no"),
        (rf"^pr:u:{_ID}$", "role", "person"),
        (rf"^pr:s:{_ID}:(officer|admin|resident)$", "role", "set"),
        (rf"^pr:p:{_ID}$", "role", "page"),
        (rf"^pt:(o|t|n):{_ID}$", "unit", "answer"),
        (rf"^ph:u:{_ID}$", "home", "unit"),  # /todanpho: where the person lives
        (rf"^ph:p:{_ID}$", "home", "page"),
        (r"^ph:n$", "home", "none"),
        (r"^ph:s$", "home", "skip"),  # /themto's question: other, typed, none
    )
)


@dataclass(frozen=True)
class Press:
    """A button payload of the right shape (not yet checked against anything)."""

    kind: str
    verb: str
    ids: tuple[int, ...] = ()
    word: str = ""  # OFFERED (or an older screen's invite token) or a role name


def parse(data: str) -> Press | None:
    for pattern, kind, verb in _FORMS:
        match = pattern.match(data)
        if match is None:
            continue
        ids: list[int] = []
        word = ""
        for group in match.groups():
            if group.isdigit() and kind != "consent":
                ids.append(int(group))
            else:
                word = group
        return Press(kind, verb, tuple(ids), word)
    return None


# ---------------------------------------------------------------- small pieces


def unit_text(unit: Unit) -> str:
    """ "TDP05 — Tổ dân phố số 5"."""
    return texts.unit_label(unit.code, unit.name)


def local(moment: datetime, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).strftime("%d/%m/%Y %H:%M")


def local_iso(stamp: str, tz: ZoneInfo) -> str:
    return local(parse_iso(stamp), tz)


def invite_what(invite: Invite) -> str:
    return texts.invite_what(invite.role.value, unit_text(invite.unit) if invite.unit else "")


def page_count(total: int) -> int:
    return max(1, -(-total // PAGE_SIZE))


def paged(
    buttons: list[Button], page: int, prefix: str, total: int | None = None
) -> tuple[tuple[Button, ...], ...]:
    """One page of big one-per-row buttons, with "Trang trước/Trang sau" as needed.

    Without `total`, `buttons` is the whole list; with it, `buttons` is already page `page`
    of `total` (as read from the database, one page at a time)."""
    if total is None:
        total = len(buttons)
        buttons = buttons[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    laid = list(rows(buttons))
    laid.extend(page_nav(page, -(-total // PAGE_SIZE), f"{prefix}:p:{{}}"))
    return tuple(laid)


# ---------------------------------------------------------------- consent and my data


# "Đồng ý" under an invite's notice: redeem the invite this person opened (invite_offers).
# Screens shown by older versions carry the token itself here; those still work.
OFFERED = "inv"


def consent_screen(invite: Invite | None = None) -> Screen:
    head = texts.invite_line(invite_what(invite)) if invite is not None else ""
    agree = f"pc:y:{OFFERED}" if invite is not None else "pc:y"
    role = invite.role.value if invite is not None else "resident"
    return Screen(
        texts.consent_notice(head, role),
        ((Button(texts.BTN_AGREE, agree),), (Button(texts.BTN_DISAGREE, "pc:n"),)),
    )


def my_data_screen(data: MyData, tz: ZoneInfo) -> Screen:
    person = data.person
    if person is None:
        lines = [f"{label}: {value}" for label, value in data.extra]
        return Screen(texts.my_data_none(data.audit_entries, lines))

    def build(f: dict[str, Field]) -> Rich:
        lines: list[Rich | str] = [
            *(f"{texts.my_id(channel)}: {ext}" for channel, ext in data.addresses),
            f"{texts.MY_NAME}: {f['name']}",
            f"{texts.MY_ROLE}: {texts.ROLE_LABELS[person.role.value]}",
        ]
        if data.units:
            lines.append(f"{texts.MY_UNITS}: " + ", ".join(unit_text(u) for u in data.units))
        lines.append(
            f"{texts.MY_CONSENT} "
            + texts.my_consent(local_iso(person.consent_at, tz), person.consent_version)
        )
        lines.append(f"{texts.MY_NOTIFICATIONS}: {texts.YES if person.notifications else texts.NO}")
        if data.groups_linked:
            lines.append(f"{texts.MY_GROUPS}: {data.groups_linked}")
        if data.invites_created:
            lines.append(f"{texts.MY_INVITES}: {data.invites_created}")
        lines.extend(
            f"{label}: {value}" for (label, _), value in zip(data.extra, f["extra"], strict=True)
        )
        lines.append(f"{texts.MY_AUDIT}: {texts.audit_entries(data.audit_entries)}")
        return texts.my_data(lines)

    # Within Telegram's limit whatever other modules' hooks add (bot/fit.py).
    people_text: dict[str, Field] = {
        "name": person.full_name,
        "extra": tuple(value for _, value in data.extra),
    }
    return Screen(fit(build, people_text))


def erase_confirm_screen(registered: bool = True) -> Screen:
    return Screen(
        texts.ERASE_CONFIRM if registered else texts.ERASE_CONFIRM_UNREGISTERED,
        ((Button(texts.BTN_ERASE, "px:y"),), (Button(texts.BTN_CANCEL, "px:n"),)),
    )


# ---------------------------------------------------------------- invites


def invite_role_screen(roles: tuple[Role, ...]) -> Screen:
    return Screen(
        texts.INVITE_PICK_ROLE,
        rows([Button(texts.INVITE_ROLE_BUTTONS[r.value], f"pi:r:{r.value}") for r in roles]),
    )


def home_picker(
    units: list[Unit], page: int, total: int, current: Unit | None, *, first_time: bool
) -> Screen:
    """Where the person lives: one page of tổ, and "skip" (just registered) or "none"."""
    screen = unit_picker(
        texts.home_prompt(unit_text(current) if current else None), units, page, "ph", total
    )
    last = (
        Button(texts.HOME_BTN_SKIP, "ph:s") if first_time else Button(texts.HOME_BTN_NONE, "ph:n")
    )
    return Screen(screen.text, (*screen.buttons, (last,)))


def unit_picker(
    title: Rich, units: list[Unit], page: int, prefix: str, total: int | None = None
) -> Screen:
    buttons = [Button(texts.unit_label(u.code, u.name)[:60], f"{prefix}:u:{u.id}") for u in units]
    return Screen(title, paged(buttons, page, prefix, total))


def invite_caption(
    invite: Invite, link: str, tz: ZoneInfo, code: str = "", zalo_link: str = ""
) -> Rich:
    what, expires = invite_what(invite), local(invite.expires_at, tz)
    return texts.invite_caption(what, link, expires, code, zalo_link)


def invites_screen(
    invites: list[Invite], tz: ZoneInfo, page: int = 0, total: int | None = None
) -> Screen:
    """Open invites with revoke buttons: the newest first, one page of `total`."""
    if not invites:
        return Screen(texts.INVITES_NONE)
    shown = invites[:LIST_PAGE_SIZE]
    lines = [texts.invites_line(i.id, _short_what(i), local(i.expires_at, tz)) for i in shown]
    buttons = [Button(texts.btn_revoke(i.id), f"pv:{i.id}") for i in shown]
    pages = -(-(total if total is not None else len(shown)) // LIST_PAGE_SIZE)
    text = texts.invites_list(lines) + (texts.page_mark(page + 1, pages) if pages > 1 else "")
    return Screen(text, (*rows(buttons, per_row=2), *page_nav(page, pages, "pv:p:{}")))


def _short_what(invite: Invite) -> str:
    """`invite_what` with the tổ's name cut short (a list line, not the invite itself)."""
    unit = invite.unit
    if unit is None:
        return invite_what(invite)
    label = clip(texts.unit_label(unit.code, unit.name), 80)
    return texts.invite_what(invite.role.value, label)


# ---------------------------------------------------------------- officer tools


def canbo_screen(role: Role, leads: bool) -> Screen:
    lines = [texts.canbo_line(name, line) for name, line in commands.tools_for(role, leads)]
    return Screen(texts.canbo_menu(role.value, lines))


def dsto_screen(totals: UnitOverviewTotals, overview: list[UnitOverview], page: int) -> Screen:
    """One page of /dsto: the counts of the whole ward, then `overview` (page `page`).

    Every field is cut short, so that a page of DSTO_PAGE_SIZE tổ always fits one message."""
    if not totals.units or not overview:
        return Screen(texts.DSTO_NONE)
    head = texts.dsto_title(totals.units, totals.with_leader, totals.with_group)
    blocks = []
    for o in overview:
        leaders = [clip(p.full_name, 30) for p in o.leaders]
        if o.more_leaders:
            leaders.append(texts.t_and_more(o.more_leaders))
        groups = [texts.group_name(clip(g.title, 30), g.active) for g in o.groups]
        if o.more_groups:
            groups.append(texts.t_and_more(o.more_groups))
        label = clip(texts.unit_label(o.unit.code, o.unit.name), 80)
        blocks.append(texts.dsto_unit(label, clip(o.unit.area, 40), leaders, groups))
    pages = -(-totals.units // DSTO_PAGE_SIZE)
    text = head + "\n\n" + rich("\n\n").join(blocks)
    if pages > 1:
        text += texts.page_mark(page + 1, pages)
    return Screen(text, page_nav(page, pages, "ps:p:{}"))


def nhom_screen(groups: list[GroupListing], page: int, total: int) -> Screen:
    """One page of /nhom (`groups`, page `page` of a list of `total`)."""
    if not total or not groups:
        return Screen(texts.NHOM_NONE)
    lines = [
        texts.nhom_line(
            texts.group_name(clip(g.title, 60), g.active),
            clip(texts.unit_label(g.unit_code, g.unit_name or ""), 80)
            if g.unit_code is not None
            else None,
        )
        for g in groups
    ]
    pages = -(-total // LIST_PAGE_SIZE)
    text = texts.nhom_title(total) + "\n" + rich("\n").join(lines)
    if pages > 1:
        text += texts.page_mark(page + 1, pages)
    return Screen(text, page_nav(page, pages, "pn:p:{}"))


def link_move_screen(current: Unit, wanted: Unit) -> Screen:
    """Asked before a group linked to one tổ is moved to another."""
    return Screen(
        texts.link_move_ask(unit_text(current), unit_text(wanted)),
        (
            (Button(texts.link_btn_move(wanted.code), f"pl:m:{wanted.id}:{current.id}"),),
            (Button(texts.link_btn_keep(current.code), "pl:k"),),
        ),
    )


def deact_picker(
    leaderships: list[tuple[Unit, Person]], page: int, total: int | None = None
) -> Screen:
    if not leaderships:
        return Screen(texts.DEACT_NONE)
    buttons = [
        Button(f"{u.code} — {p.full_name}"[:60], f"pd:a:{u.id}:{p.user_id}") for u, p in leaderships
    ]
    return Screen(texts.DEACT_PICK, paged(buttons, page, "pd", total))


def deact_confirm_screen(unit: Unit, person: Person) -> Screen:
    return Screen(
        texts.deact_confirm(person.full_name, unit_text(unit)),
        (
            (Button(texts.BTN_CONFIRM, f"pd:y:{unit.id}:{person.user_id}"),),
            (Button(texts.BTN_CANCEL, "pd:n"),),
        ),
    )


def unit_doubt_screen(doubt: Doubt, ask_id: int) -> Screen:
    """/themto's question before it saves what might not be what the officer meant."""
    typed = doubt.typed
    shown = texts.unit_with_area(typed.code, typed.name, typed.area)
    none = Button(texts.UNIT_BTN_NONE, f"pt:n:{ask_id}")
    if doubt.kind == "change" and doubt.existing is not None:
        e = doubt.existing
        return Screen(
            texts.unit_ask_change(texts.unit_with_area(e.code, e.name, e.area), shown),
            (
                (Button(texts.UNIT_BTN_CHANGE, f"pt:t:{ask_id}"),),
                (Button(texts.UNIT_BTN_KEEP, f"pt:n:{ask_id}"),),
            ),
        )
    other = doubt.other
    assert other is not None
    if doubt.kind == "near" and doubt.existing is not None:
        e = doubt.existing
        text = texts.unit_ask_near(shown, texts.unit_with_area(e.code, e.name, e.area))
        first = texts.unit_btn_update(e.code)
    else:
        text = texts.unit_ask_split(shown, texts.unit_with_area(other.code, other.name, other.area))
        first = texts.unit_btn_create(texts.unit_label(other.code, other.name))
    as_typed = texts.unit_btn_create(texts.unit_label(typed.code, typed.name))
    return Screen(
        text,
        (
            (Button(first[:60], f"pt:o:{ask_id}"),),
            (Button(as_typed[:60], f"pt:t:{ask_id}"),),
            (none,),
        ),
    )


def promote_picker(people: list[Person], page: int, total: int | None = None) -> Screen:
    if not people:
        return Screen(texts.PROMOTE_NONE)
    buttons = [
        Button(f"{p.full_name} · {texts.ROLE_LABELS[p.role.value]}"[:60], f"pr:u:{p.user_id}")
        for p in people
    ]
    return Screen(texts.PROMOTE_PICK, paged(buttons, page, "pr", total))


def promote_choose_screen(person: Person) -> Screen:
    choices = [
        Button(texts.INVITE_ROLE_BUTTONS["officer"], f"pr:s:{person.user_id}:officer"),
        Button(texts.INVITE_ROLE_BUTTONS["admin"], f"pr:s:{person.user_id}:admin"),
        Button(texts.BTN_REMOVE_OFFICER, f"pr:s:{person.user_id}:resident"),
    ]
    return Screen(texts.promote_choose(person.full_name, person.role.value), rows(choices))


async def notifications(
    db: Database, user_id: int, on: bool, private: bool, now: datetime
) -> Reply:
    """/tatthongbao, /batthongbao: a resident turns the ward's non-urgent news off or on;
    groups always get everything, and only a registered person has a choice to keep."""
    if not private:
        return Reply(Screen(texts.NOTIF_GROUP_ALWAYS))
    person = await get_person(db, user_id)
    if person is None:
        return Reply(Screen(texts.NOTIF_NOT_REGISTERED))
    await set_notifications(db, user_id, on, now)
    return Reply(Screen(texts.notifications_set(on, person.role != Role.RESIDENT)))
