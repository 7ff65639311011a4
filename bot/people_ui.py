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

from bot import texts
from bot.chats import GroupListing
from bot.clock import parse_iso
from bot.consent import MyData
from bot.invites import Invite
from bot.people import RANK, Person, Role, Unit
from bot.render import escape, split_message
from bot.screens import Button, Screen, page_nav, rows
from bot.units import UnitOverview

PAGE_SIZE = 8
CALLBACK_PATTERN = r"^p[cxivldr]:"  # every payload this module makes starts so

_ID = r"(\d{1,15})"
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
        (rf"^pl:u:{_ID}$", "link", "unit"),
        (rf"^pl:p:{_ID}$", "link", "page"),
        (rf"^pd:a:{_ID}:{_ID}$", "deact", "ask"),
        (rf"^pd:y:{_ID}:{_ID}$", "deact", "yes"),
        (rf"^pd:p:{_ID}$", "deact", "page"),
        (r"^pd:n$", "deact", "no"),
        (rf"^pr:u:{_ID}$", "role", "person"),
        (rf"^pr:s:{_ID}:(officer|admin|resident)$", "role", "set"),
        (rf"^pr:p:{_ID}$", "role", "page"),
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


def unit_html(unit: Unit) -> str:
    return escape(texts.unit_label(unit.code, unit.name))


def local(moment: datetime, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).strftime("%d/%m/%Y %H:%M")


def local_iso(stamp: str, tz: ZoneInfo) -> str:
    return local(parse_iso(stamp), tz)


def invite_what(invite: Invite) -> str:
    return texts.invite_what(invite.role.value, unit_html(invite.unit) if invite.unit else "")


def page_count(total: int) -> int:
    return max(1, -(-total // PAGE_SIZE))


def paged(buttons: list[Button], page: int, prefix: str) -> tuple[tuple[Button, ...], ...]:
    """One page of big one-per-row buttons, with "Trang trước/Trang sau" as needed."""
    start = page * PAGE_SIZE
    laid = list(rows(buttons[start : start + PAGE_SIZE]))
    pages = -(-len(buttons) // PAGE_SIZE)
    laid.extend(page_nav(page, pages, f"{prefix}:p:{{}}"))
    return tuple(laid)


# ---------------------------------------------------------------- consent and my data


# "Đồng ý" under an invite's notice: redeem the invite this person opened (invite_offers).
# Screens shown by older versions carry the token itself here; those still work.
OFFERED = "inv"


def consent_screen(invite: Invite | None = None) -> Screen:
    head = texts.invite_line(invite_what(invite)) if invite is not None else ""
    agree = f"pc:y:{OFFERED}" if invite is not None else "pc:y"
    return Screen(
        texts.consent_notice(head),
        ((Button(texts.BTN_AGREE, agree),), (Button(texts.BTN_DISAGREE, "pc:n"),)),
    )


def my_data_screen(data: MyData, tz: ZoneInfo) -> Screen:
    person = data.person
    if person is None:
        return Screen(texts.my_data_none(data.audit_entries))
    lines = [
        f"{texts.MY_ID}: {person.user_id}",
        f"{texts.MY_NAME}: {escape(person.full_name)}",
        f"{texts.MY_ROLE}: {escape(texts.ROLE_LABELS[person.role.value])}",
    ]
    if data.units:
        lines.append(f"{texts.MY_UNITS}: " + ", ".join(unit_html(u) for u in data.units))
    lines.append(
        f"{texts.MY_CONSENT} "
        + escape(texts.my_consent(local_iso(person.consent_at, tz), person.consent_version))
    )
    lines.append(f"{texts.MY_NOTIFICATIONS}: {texts.YES if person.notifications else texts.NO}")
    if data.groups_linked:
        lines.append(f"{texts.MY_GROUPS}: {data.groups_linked}")
    if data.invites_created:
        lines.append(f"{texts.MY_INVITES}: {data.invites_created}")
    lines.extend(f"{escape(label)}: {escape(value)}" for label, value in data.extra)
    lines.append(f"{texts.MY_AUDIT}: {texts.audit_entries(data.audit_entries)}")
    return Screen(texts.my_data(lines))


def erase_confirm_screen() -> Screen:
    return Screen(
        texts.ERASE_CONFIRM,
        ((Button(texts.BTN_ERASE, "px:y"),), (Button(texts.BTN_CANCEL, "px:n"),)),
    )


# ---------------------------------------------------------------- invites


def invite_role_screen(roles: tuple[Role, ...]) -> Screen:
    return Screen(
        texts.INVITE_PICK_ROLE,
        rows([Button(texts.INVITE_ROLE_BUTTONS[r.value], f"pi:r:{r.value}") for r in roles]),
    )


def unit_picker(title_html: str, units: list[Unit], page: int, prefix: str) -> Screen:
    buttons = [Button(texts.unit_label(u.code, u.name)[:60], f"{prefix}:u:{u.id}") for u in units]
    return Screen(title_html, paged(buttons, page, prefix))


def invite_caption(invite: Invite, link: str, tz: ZoneInfo) -> str:
    return texts.invite_caption(invite_what(invite), link, local(invite.expires_at, tz))


def invites_screen(invites: list[Invite], tz: ZoneInfo) -> Screen:
    if not invites:
        return Screen(texts.INVITES_NONE)
    shown = invites[: PAGE_SIZE * 3]  # the newest; older ones can wait or expire
    lines = [texts.invites_line(i.id, invite_what(i), local(i.expires_at, tz)) for i in shown]
    buttons = [Button(texts.btn_revoke(i.id), f"pv:{i.id}") for i in shown]
    return Screen(texts.invites_list(lines), rows(buttons, per_row=2))


# ---------------------------------------------------------------- officer tools


def canbo_screen(role: Role) -> Screen:
    lines = [
        texts.canbo_line(command, description)
        for command, description, needed in texts.CANBO_TOOLS
        if RANK[role] >= RANK[Role(needed)]
    ]
    return Screen(texts.canbo_menu(role.value, lines))


def dsto_messages(overview: list[UnitOverview]) -> list[str]:
    if not overview:
        return [texts.DSTO_NONE]
    head = texts.dsto_title(
        len(overview),
        sum(1 for o in overview if o.leaders),
        sum(1 for o in overview if any(g.active for g in o.groups)),
    )
    blocks = [
        texts.dsto_unit(
            unit_html(o.unit),
            o.unit.area,
            [p.full_name for p in o.leaders],
            [texts.group_name(g.title, g.active) for g in o.groups],
        )
        for o in overview
    ]
    return split_message(head + "\n\n" + "\n\n".join(blocks))


def nhom_messages(groups: list[GroupListing]) -> list[str]:
    if not groups:
        return [texts.NHOM_NONE]
    lines = [
        texts.nhom_line(
            texts.group_name(g.title, g.active),
            escape(texts.unit_label(g.unit_code, g.unit_name or ""))
            if g.unit_code is not None
            else None,
        )
        for g in groups
    ]
    return split_message(texts.nhom_title(len(groups)) + "\n" + "\n".join(lines))


def deact_picker(leaderships: list[tuple[Unit, Person]], page: int) -> Screen:
    if not leaderships:
        return Screen(texts.DEACT_NONE)
    buttons = [
        Button(f"{u.code} — {p.full_name}"[:60], f"pd:a:{u.id}:{p.user_id}") for u, p in leaderships
    ]
    return Screen(texts.DEACT_PICK, paged(buttons, page, "pd"))


def deact_confirm_screen(unit: Unit, person: Person) -> Screen:
    return Screen(
        texts.deact_confirm(person.full_name, unit_html(unit)),
        (
            (Button(texts.BTN_CONFIRM, f"pd:y:{unit.id}:{person.user_id}"),),
            (Button(texts.BTN_CANCEL, "pd:n"),),
        ),
    )


def promote_picker(people: list[Person], page: int) -> Screen:
    if not people:
        return Screen(texts.PROMOTE_NONE)
    buttons = [
        Button(f"{p.full_name} · {texts.ROLE_LABELS[p.role.value]}"[:60], f"pr:u:{p.user_id}")
        for p in people
    ]
    return Screen(texts.PROMOTE_PICK, paged(buttons, page, "pr"))


def promote_choose_screen(person: Person) -> Screen:
    choices = [
        Button(texts.INVITE_ROLE_BUTTONS["officer"], f"pr:s:{person.user_id}:officer"),
        Button(texts.INVITE_ROLE_BUTTONS["admin"], f"pr:s:{person.user_id}:admin"),
        Button(texts.BTN_REMOVE_OFFICER, f"pr:s:{person.user_id}:resident"),
    ]
    return Screen(texts.promote_choose(person.full_name, person.role.value), rows(choices))
