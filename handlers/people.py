"""People handlers: invites (/moi, /loimoi, /start <token>), consent (/dangky), data rights
(/dulieucuatoi, /xoadulieu), groups (/lienket, /nhom) and officer tools (/canbo, /dsto,
/huytotruong, /capquyen, /themto, /doiten, /ngungto).

Parse → ask the core → reply. Every privileged command and button goes through
`@requires` (one audit row either way); buttons are then re-checked against the database and
the presser's rights (`people.can_act_for_unit`, `invites.may_revoke`…), and a refusal is
`texts.NO_PERMISSION` plus an audit row. Lists that name people are private-chat only.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path

from telegram import Update, User
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot import (
    chats,
    consent,
    erasure,
    inputs,
    invites,
    links,
    people,
    people_ui,
    scrub,
    texts,
    units,
)
from bot.invites import Outcome
from bot.limits import Verdict
from bot.media import Generated
from bot.people import Identity, Role
from bot.people_ui import Press
from bot.reply import Reply
from bot.rich import Rich
from bot.screens import Screen, page_of
from bot.services import Services, services
from handlers.auth import command, requires
from handlers.common import chat_address, is_private, local_chat_id, person_id
from handlers.outcomes import notify, replace_with, say, show

OUTCOME_TEXTS = {
    Outcome.UNKNOWN: texts.INVITE_UNKNOWN,
    Outcome.EXPIRED: texts.INVITE_EXPIRED,
    Outcome.USED: texts.INVITE_USED,
    Outcome.REVOKED: texts.INVITE_REVOKED,
    Outcome.UNIT_INACTIVE: texts.INVITE_UNIT_INACTIVE,
    Outcome.REFUSED: texts.NO_PERMISSION,
}


async def _identity(update: Update, svc: Services, user: User) -> Identity:
    return Identity(await person_id(update, svc), user.first_name or "", user.last_name or "")


async def _refuse(update: Update, svc: Services, action: str, target: str = "") -> None:
    """A permission refusal: one sentence, one audit row, nothing else happens."""
    await people.audit(
        svc.db, await person_id(update, svc), action, svc.clock.now(), target=target, allowed=False
    )
    if update.callback_query is not None:
        await notify(update, svc, texts.NO_PERMISSION)
    elif update.effective_message is not None:
        await say(update, svc, texts.NO_PERMISSION)


async def _stale(update: Update, svc: Services, action: str = "") -> None:
    """A button naming something that does not exist (old, or forged): change nothing."""
    if action:
        await people.audit(
            svc.db,
            await person_id(update, svc),
            action,
            svc.clock.now(),
            detail=(update.callback_query.data or "") if update.callback_query else "",
            allowed=False,
        )
    if update.callback_query is not None:
        await notify(update, svc, texts.STALE_BUTTON)


def _args_text(update: Update) -> str:
    """Everything after the command, as typed (names contain spaces)."""
    message = update.effective_message
    if message is None or not message.text:
        return ""
    parts = message.text.split(maxsplit=1)
    # Only ASCII white space: a trailing no-break space is what "à" leaves when UTF-8 was
    # read as Windows-1252, and the double-encoding check needs to see it (bot/inputs.py).
    return parts[1].strip(" \t\r\n") if len(parts) > 1 else ""


# ---------------------------------------------------------------- invites: redeeming


async def start_with_token(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/start <token> from an invite link or QR code: redeem, or first show the data notice."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or not context.args:
        return
    svc = services(context)
    token = context.args[0]
    if scrub.is_redacted(token):  # replayed after a restart: the token was never stored
        await say(update, svc, texts.INVITE_OPEN_AGAIN)
        return
    uid = await person_id(update, svc)
    if not await _may_guess(update, svc, uid):
        return
    await _open_invite(
        update,
        svc,
        user,
        redeem=lambda who, now: invites.redeem(svc.db, token, who, now),
        check=lambda now: invites.check(svc.db, token, now),
        refusal=_link_refusal,
    )


async def _open_invite(
    update: Update,
    svc: Services,
    user: User,
    *,
    redeem: Callable[[Identity, datetime], Awaitable[invites.Redemption]],
    check: Callable[[datetime], Awaitable[tuple[Outcome, invites.Invite | None]]],
    refusal: Callable[[Outcome], Rich | str],
) -> None:
    """What a link's token or a typed code does: redeem it for a registered person, else
    show the data notice first ("Đồng ý" redeems the invite this person opened)."""
    now = svc.clock.now()
    uid = await person_id(update, svc)
    if await consent.is_registered(svc.db, uid):
        result = await redeem(await _identity(update, svc, user), now)
        await say(update, svc, await _redemption_text(svc, update, result, refusal))
        await svc.refresh_menu(uid)
        return
    outcome, invite = await check(now)
    if outcome != Outcome.OK:
        await _audit_redeem_refusal(svc, uid, outcome, invite)
        await say(update, svc, refusal(outcome))
        return
    assert invite is not None
    await invites.offer(svc.db, uid, invite, now)  # "Đồng ý" redeems it by this row
    await say(update, svc, people_ui.consent_screen(invite))


async def code_typed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """An invite's code typed in a private chat ("7KQ-M4X-P9D": what a Zalo user, who cannot
    open a deep link, reads off the printed invite): as /start <token> would."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or not message.text:
        return
    code = invites.normal_code(message.text)
    if code is None:
        return  # nine letters that are a word: the search has them
    svc = services(context)
    now = svc.clock.now()
    uid = await person_id(update, svc)
    if not await _may_guess(update, svc, uid):
        raise ApplicationHandlerStop
    key = invites.code_key(svc.config)
    chat = update.effective_chat
    assert chat is not None
    linked, owner = await links.redeem(svc.db, svc.directory, code, key, chat_address(chat), now)
    if linked != links.Linked.UNKNOWN:  # a code to add this channel to a person
        if linked != links.Linked.OK:
            await people.audit(svc.db, uid, "link.redeem", now, detail=linked.value, allowed=False)
        await say(update, svc, await _link_text(svc, linked, owner))
        if linked == links.Linked.OK:
            await svc.refresh_menu(owner)
        raise ApplicationHandlerStop
    await _open_invite(
        update,
        svc,
        user,
        redeem=lambda who, at: invites.redeem_code(svc.db, code, key, who, at),
        check=lambda at: invites.check_code(svc.db, code, key, at),
        refusal=_code_refusal,
    )
    raise ApplicationHandlerStop


async def _link_text(svc: Services, linked: links.Linked, owner: int) -> Rich | str:
    if linked == links.Linked.OK:
        person = await people.get_person(svc.db, owner)
        name = person.full_name if person is not None else ""
        role = texts.ROLE_LABELS[person.role.value] if person is not None else ""
        return texts.link_done_for(name, role)
    return texts.LINK_REFUSALS[linked.value]


@command("themkenh", "link.create")
async def add_channel_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/themkenh: a code to type on the other channel (Zalo or Telegram), to be one person
    on both: the same role, the same reports."""
    svc = services(context)
    uid = await person_id(update, svc)
    if not await consent.is_registered(svc.db, uid):
        await say(update, svc, texts.LINK_NOT_REGISTERED)
        return
    code = await links.create(svc.db, uid, invites.code_key(svc.config), svc.clock.now())
    await say(update, svc, texts.link_code_made(code, links.LINK_HOURS))


def _code_refusal(outcome: Outcome) -> Rich | str:
    """Why a typed code did nothing; an unknown one is spoken of as a code, not a link."""
    if outcome == Outcome.UNKNOWN:
        return texts.INVITE_CODE_UNKNOWN
    return OUTCOME_TEXTS.get(outcome, texts.INVITE_CODE_UNKNOWN)


async def _may_guess(update: Update, svc: Services, user_id: int) -> bool:
    """False (after one sentence, then silently) once this person tried too many wrong
    invite links; see invites.guess_verdict."""
    verdict = await invites.guess_verdict(svc.db, user_id, svc.clock.now(), svc.config.limits)
    if verdict == Verdict.WARN:
        minutes = svc.config.limits.guess_window_minutes
        if update.callback_query is not None:
            await notify(update, svc, texts.invite_too_many(minutes))
        else:
            await say(update, svc, texts.invite_too_many(minutes))
    elif verdict == Verdict.DROP and update.callback_query is not None:
        await show(update, svc, Reply())  # a silent answer to the press
    return verdict == Verdict.ADMIT


async def _audit_redeem_refusal(
    svc: Services, user_id: int, outcome: Outcome, invite: invites.Invite | None
) -> None:
    await people.audit(
        svc.db,
        user_id,
        "invite.redeem",
        svc.clock.now(),
        target=f"invite:{invite.id}" if invite else "",
        detail=outcome.value,
        allowed=False,
    )


def _link_refusal(outcome: Outcome) -> Rich | str:
    """Why an invite link did nothing."""
    return OUTCOME_TEXTS.get(outcome, texts.INVITE_UNKNOWN)


async def _redemption_text(
    svc: Services,
    update: Update,
    result: invites.Redemption,
    refusal: Callable[[Outcome], Rich | str] = _link_refusal,
) -> Rich | str:
    if result.outcome != Outcome.OK or result.invite is None:
        await _audit_redeem_refusal(
            svc, await person_id(update, svc), result.outcome, result.invite
        )
        return refusal(result.outcome)
    invite = result.invite
    if invite.role == Role.LEADER and invite.unit is not None:
        return texts.invite_welcome_leader(people_ui.unit_text(invite.unit))
    return texts.invite_welcome_role(invite.role.value)


# ---------------------------------------------------------------- consent and data rights


async def register_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/dangky: show the data notice (or say the person is already registered)."""
    if not is_private(update):
        await say(update, services(context), texts.PRIVATE_ONLY)
        return
    svc = services(context)
    if await consent.is_registered(svc.db, await person_id(update, svc)):
        await say(update, svc, texts.ALREADY_REGISTERED)
        return
    await say(update, svc, people_ui.consent_screen())


async def my_data_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/dulieucuatoi: everything stored about the person."""
    if not is_private(update):
        await say(update, services(context), texts.PRIVATE_ONLY)
        return
    svc = services(context)
    data = await consent.my_data(svc.db, await person_id(update, svc))
    await say(update, svc, people_ui.my_data_screen(data, svc.config.ward.tz))


async def erase_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/xoadulieu: ask for confirmation before deleting the person's data."""
    if not is_private(update):
        await say(update, services(context), texts.PRIVATE_ONLY)
        return
    svc = services(context)
    registered = await consent.is_registered(svc.db, await person_id(update, svc))
    await say(update, svc, people_ui.erase_confirm_screen(registered))


async def _consent_button(update: Update, context: ContextTypes.DEFAULT_TYPE, press: Press) -> None:
    """ "Đồng ý" / "Không đồng ý" under the notice; with a token, redeem in the same step."""
    user = update.effective_user
    if user is None:
        return
    if not is_private(update):  # the notice is only ever shown in a private chat
        await _stale(update, services(context))
        return
    svc = services(context)
    now = svc.clock.now()
    if press.verb == "no":
        await replace_with(update, svc, Screen(texts.CONSENT_DECLINED))
        return
    if press.word:
        uid = await person_id(update, svc)
        registered = await consent.is_registered(svc.db, uid)
        version = None if registered else consent.CONSENT_VERSION
        if press.word == people_ui.OFFERED:
            result = await invites.redeem_offer(
                svc.db, await _identity(update, svc, user), now, consent_version=version
            )
        else:  # a notice shown by an older version, whose button carries the token
            if not await _may_guess(update, svc, uid):
                return
            result = await invites.redeem(
                svc.db, press.word, await _identity(update, svc, user), now, consent_version=version
            )
        await replace_with(update, svc, Screen(await _redemption_text(svc, update, result)))
        await svc.refresh_menu(uid)
        if await people.leader_units(svc.db, uid):
            # An edit cannot carry a reply keyboard: the new 📝 button needs its own message.
            await say(update, svc, texts.LEADER_MENU_READY, menu=True)
        return
    uid = await person_id(update, svc)
    created = await consent.register(svc.db, await _identity(update, svc, user), now)
    await replace_with(
        update, svc, Screen(texts.REGISTERED if created else texts.ALREADY_REGISTERED)
    )
    if created and await units.count_units(svc.db):  # where they live, if they like to say
        await say(update, svc, await _home_picker(svc, uid, 0, first_time=True))


async def home_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/todanpho: say (or change) which tổ the person lives in."""
    if not is_private(update):
        await say(update, services(context), texts.PRIVATE_ONLY)
        return
    svc = services(context)
    uid = await person_id(update, svc)
    if not await consent.is_registered(svc.db, uid):
        await say(update, svc, texts.HOME_NOT_REGISTERED)
        return
    if not await units.count_units(svc.db):
        await say(update, svc, texts.NO_UNITS_YET)
        return
    await say(update, svc, await _home_picker(svc, uid, 0, first_time=False))


async def _home_picker(svc: Services, uid: int, page: int, *, first_time: bool) -> Screen:
    total = await units.count_units(svc.db)
    size = people_ui.PAGE_SIZE
    page = max(0, min(page, people_ui.page_count(total) - 1))
    shown = await units.units_page(svc.db, page * size, size)
    current = await people.home_unit(svc.db, uid)
    return people_ui.home_picker(shown, page, total, current, first_time=first_time)


async def _home_button(update: Update, context: ContextTypes.DEFAULT_TYPE, press: Press) -> None:
    """A tổ picked as home, a page turned, "Không chọn tổ nào" or "Bỏ qua"."""
    if not is_private(update):
        await _stale(update, services(context))
        return
    svc = services(context)
    uid = await person_id(update, svc)
    if not await consent.is_registered(svc.db, uid):
        await replace_with(update, svc, Screen(texts.HOME_NOT_REGISTERED))
        return
    if press.verb == "page":  # past the first page, "Không chọn tổ nào" serves as "Bỏ qua"
        await replace_with(
            update, svc, await _home_picker(svc, uid, press.ids[0], first_time=False)
        )
    elif press.verb == "skip":
        await replace_with(update, svc, Screen(texts.HOME_SKIPPED))
    elif press.verb == "none":
        await people.set_home_unit(svc.db, uid, None)
        await replace_with(update, svc, Screen(texts.HOME_CLEARED))
    else:
        unit = await units.get_unit(svc.db, press.ids[0])
        if unit is None or not unit.active:
            await _stale(update, svc, "home.forged")
            return
        await people.set_home_unit(svc.db, uid, unit.id)
        await replace_with(update, svc, Screen(texts.home_set(people_ui.unit_text(unit))))


async def _erase_button(update: Update, context: ContextTypes.DEFAULT_TYPE, press: Press) -> None:
    """The confirmation under /xoadulieu: it only ever erases the presser's own data."""
    if not is_private(update):
        await _stale(update, services(context))
        return
    if press.verb == "no":
        await replace_with(update, services(context), Screen(texts.CANCELLED))
        return
    svc = services(context)
    # The raw updates this person sent may still be waiting to be written (the inbox
    # batches its writes): write them now, so that the erasure finds and removes them.
    await svc.flush_inbox()
    uid = await person_id(update, svc)
    registered = await consent.erase(svc.db, uid, svc.clock.now())
    svc.directory.forget(uid)  # its rows went with the erasure; nothing stays in memory
    await erasure.forget_files(svc.db, Path(svc.config.storage.media))
    # Until a checkpoint the WAL still holds the pages as they were before the erasure.
    await svc.db.forget_old_pages()
    await replace_with(
        update, svc, Screen(texts.ERASE_DONE if registered else texts.ERASE_DONE_UNREGISTERED)
    )


# ---------------------------------------------------------------- invites: creating


@command("moi", "invite.menu", group_text=texts.INVITE_GROUP_HINT)
async def invite_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/moi [MÃ_TỔ]: pick a role (admins) and a tổ (leaders), then get the link and QR code."""
    svc = services(context)
    role = await people.role_of(svc.db, svc.config, await person_id(update, svc))
    roles = invites.creatable_roles(role)
    code = _args_text(update)
    if code:
        unit = await units.get_by_code(svc.db, code.split()[0])
        if unit is None or not unit.active:
            await say(update, svc, texts.unit_not_found(inputs.shown(code.split()[0])))
            return
        await _create_and_send(update, context, Role.LEADER, unit.id)
        return
    if roles == (Role.LEADER,):
        await say(update, svc, await _invite_unit_picker(svc, 0))
        return
    await say(update, svc, people_ui.invite_role_screen(roles))


async def _invite_unit_picker(svc: Services, page: int) -> Screen:
    total = await units.count_units(svc.db)
    if not total:
        return Screen(texts.NO_UNITS_YET)
    page, offset = page_of(page, total, people_ui.PAGE_SIZE)
    found = await units.units_page(svc.db, offset, people_ui.PAGE_SIZE)
    return people_ui.unit_picker(texts.INVITE_PICK_UNIT, found, page, "pi", total)


@requires(Role.OFFICER, "invite.button", private_only=True)
async def _invite_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    press = people_ui.parse(update.callback_query.data or "")  # type: ignore[union-attr]
    assert press is not None
    svc = services(context)
    role = await people.role_of(svc.db, svc.config, await person_id(update, svc))
    allowed = invites.creatable_roles(role)
    if press.verb == "page":
        count = await units.count_units(svc.db)
        if press.ids[0] >= people_ui.page_count(count):
            await _stale(update, svc, "invite.forged")
            return
        await replace_with(update, svc, await _invite_unit_picker(svc, press.ids[0]))
        return
    wanted = Role(press.word) if press.verb == "role" else Role.LEADER
    if wanted not in allowed:
        await _refuse(update, svc, "invite.create", target=wanted.value)
        return
    if press.verb == "role" and wanted == Role.LEADER:
        await replace_with(update, svc, await _invite_unit_picker(svc, 0))
        return
    unit_id = None
    if press.verb == "unit":
        unit = await units.get_unit(svc.db, press.ids[0])
        if unit is None or not unit.active:
            await _stale(update, svc, "invite.forged")
            return
        unit_id = unit.id
    await _create_and_send(update, context, wanted, unit_id)


async def _create_and_send(
    update: Update, context: ContextTypes.DEFAULT_TYPE, role: Role, unit_id: int | None
) -> None:
    """Create the invite and send its link and printable QR code as one photo."""
    svc = services(context)
    chat = update.effective_chat
    if chat is None:
        return
    made = await invites.create(
        svc.db,
        svc.config,
        role=role,
        unit_id=unit_id,
        created_by=await person_id(update, svc),
        now=svc.clock.now(),
    )
    if update.callback_query is not None:
        await replace_with(update, svc, Screen(texts.invite_made(made.invite.id)))
    chat_link = svc.config.zalo.chat_link
    link = ""  # a ward on Zalo alone has no Telegram link to make
    if svc.config.telegram.enabled:
        link = invites.deep_link(context.bot.username, made.token)
    png = invites.invite_qr(link, chat_link, made.code)
    qr = Generated(png, f"loi-moi-{made.invite.id}.png") if png is not None else None
    tz = svc.config.ward.tz
    caption = people_ui.invite_caption(made.invite, link, tz, made.code, chat_link)
    await show(update, svc, Reply(Screen(caption), photo=qr), answer=False)


@command("loimoi", "invite.list")
async def invites_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/loimoi: open invites (an officer's own; all of them for admins) with revoke buttons."""
    svc = services(context)
    await say(update, svc, await _invites_page(svc, await person_id(update, svc), 0))


async def _invites_page(svc: Services, uid: int, page: int) -> Screen:
    """One page of the open invites `uid` may see (read one page at a time)."""
    role = await people.role_of(svc.db, svc.config, uid)
    mine = None if role == Role.ADMIN else uid
    now = svc.clock.now()
    total = await invites.count_open_invites(svc.db, now, created_by=mine)
    page, offset = page_of(page, total, people_ui.LIST_PAGE_SIZE)
    found = await invites.open_invites(
        svc.db, now, created_by=mine, limit=people_ui.LIST_PAGE_SIZE, offset=offset
    )
    return people_ui.invites_screen(found, svc.config.ward.tz, page, total)


@requires(Role.OFFICER, "invite.revoke", private_only=True)
async def _revoke_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    press = people_ui.parse(update.callback_query.data or "")  # type: ignore[union-attr]
    assert press is not None
    svc = services(context)
    if press.verb == "page":
        await replace_with(
            update, svc, await _invites_page(svc, await person_id(update, svc), press.ids[0])
        )
        return
    invite = await invites.get(svc.db, press.ids[0])
    if invite is None:
        await _stale(update, svc, "invite.forged")
        return
    uid = await person_id(update, svc)
    role = await people.role_of(svc.db, svc.config, uid)
    if not invites.may_revoke(uid, role, invite):
        await _refuse(update, svc, "invite.revoke", target=f"invite:{invite.id}")
        return
    done = await invites.revoke(svc.db, invite.id, svc.clock.now(), actor_id=uid)
    await replace_with(
        update, svc, Screen(texts.invite_revoked(invite.id) if done else texts.INVITE_NOT_OPEN)
    )


# ---------------------------------------------------------------- groups


@command("lienket", "group.link")
async def link_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/lienket [MÃ_TỔ] in a group: link it to the presser's tổ (a picker when several)."""
    chat = update.effective_chat
    if chat is None or chat.type not in ("group", "supergroup"):
        await say(update, services(context), texts.LINK_PRIVATE_HINT)
        return
    svc = services(context)
    uid = await person_id(update, svc)
    group = await local_chat_id(svc, chat)
    await chats.ensure_group(svc.db, group, chat.type, chat.title or "", svc.clock.now())
    choices, total, is_officer = await chats.link_choices(
        svc.db, svc.config, uid, 0, people_ui.PAGE_SIZE
    )
    if not total:
        if is_officer:
            await say(update, svc, texts.NO_UNITS_YET)
        else:  # a leader whose tổ was deactivated
            await _refuse(update, svc, "group.link", target=f"chat:{group}")
        return
    code = _args_text(update).split()[0] if _args_text(update) else ""
    if code:
        unit = await units.get_by_code(svc.db, code)
        if unit is None or not unit.active:
            await say(update, svc, texts.unit_not_found(inputs.shown(code)))
            return
        await _link(update, svc, unit.id)
        return
    if total == 1 and not is_officer:
        await _link(update, svc, choices[0].id)
        return
    await say(update, svc, people_ui.unit_picker(texts.LINK_PICK, choices, 0, "pl", total))


async def _link(update: Update, svc: Services, unit_id: int, moving_from: int = 0) -> None:
    """Link the current group to `unit_id` if the person may act for it (and for the tổ the
    group is linked to now, if another): a leader cannot take another tổ's group. A group
    linked to another tổ moves only once asked (`moving_from`: the tổ the person agreed to
    move it from; if the link changed since, they are asked again)."""
    chat = update.effective_chat
    assert chat is not None
    uid = await person_id(update, svc)
    group = await local_chat_id(svc, chat)
    verdict = await chats.link_verdict(svc.db, svc.config, uid, group, unit_id)
    if verdict == chats.LinkVerdict.REFUSED:
        await _refuse(update, svc, "group.link", target=f"chat:{group}")
        return
    unit = await units.get_unit(svc.db, unit_id)
    assert unit is not None
    linked = await chats.get(svc.db, group)
    current = await units.get_unit(svc.db, linked.unit_id) if linked and linked.unit_id else None
    if verdict == chats.LinkVerdict.ALREADY:
        screen = Screen(texts.link_already(people_ui.unit_text(unit)))
    elif current is not None and current.id != moving_from:
        screen = people_ui.link_move_screen(current, unit)
    else:
        await chats.link(svc.db, group, unit_id, uid, svc.clock.now())
        screen = Screen(texts.link_done(chat.title or "", people_ui.unit_text(unit)))
    if update.callback_query is not None:
        await replace_with(update, svc, screen)
    else:
        await say(update, svc, screen)


@requires(Role.LEADER, "group.link")
async def _link_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    press = people_ui.parse(update.callback_query.data or "")  # type: ignore[union-attr]
    assert press is not None
    svc = services(context)
    chat = update.effective_chat
    if chat is None or chat.type not in ("group", "supergroup"):
        await _stale(update, svc, "group.forged")
        return
    if press.verb == "page":
        choices, total, _ = await chats.link_choices(
            svc.db, svc.config, await person_id(update, svc), press.ids[0], people_ui.PAGE_SIZE
        )
        if press.ids[0] >= people_ui.page_count(total) or not total:
            await _stale(update, svc, "group.forged")
            return
        picker = people_ui.unit_picker(texts.LINK_PICK, choices, press.ids[0], "pl", total)
        await replace_with(update, svc, picker)
        return
    if press.verb == "keep":
        await replace_with(update, svc, Screen(texts.LINK_KEPT))
        return
    unit = await units.get_unit(svc.db, press.ids[0])
    if unit is None:
        await _stale(update, svc, "group.forged")
        return
    await _link(update, svc, unit.id, moving_from=press.ids[1] if press.verb == "move" else 0)


@command("nhom", "group.list")
async def groups_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/nhom: every group the bot is in, with its tổ (one page at a time)."""
    await say(update, services(context), await _groups_page(services(context), 0))


async def _groups_page(svc: Services, page: int) -> Screen:
    total = await chats.count_groups(svc.db)
    page, offset = page_of(page, total, people_ui.LIST_PAGE_SIZE)
    found = await chats.groups_page(svc.db, offset, people_ui.LIST_PAGE_SIZE)
    return people_ui.nhom_screen(found, page, total)


@requires(Role.OFFICER, "group.list", private_only=True)
async def _groups_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    press = people_ui.parse(update.callback_query.data or "")  # type: ignore[union-attr]
    assert press is not None
    await replace_with(
        update, services(context), await _groups_page(services(context), press.ids[0])
    )


# ---------------------------------------------------------------- officer tools


@command("canbo", "tools.menu")
async def tools_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/canbo: what this person's role can do."""
    svc = services(context)
    role, leads = await people.standing(svc.db, svc.config, await person_id(update, svc))
    await say(update, svc, people_ui.canbo_screen(role, leads))


@command("dsto", "units.list")
async def units_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/dsto: every tổ with its leaders and linked groups, one page at a time."""
    await say(update, services(context), await _units_page(services(context), 0))


async def _units_page(svc: Services, page: int) -> Screen:
    totals = await units.overview_totals(svc.db)
    page, offset = page_of(page, totals.units, people_ui.DSTO_PAGE_SIZE)
    found = await units.overview_page(svc.db, offset, people_ui.DSTO_PAGE_SIZE)
    return people_ui.dsto_screen(totals, found, page)


@requires(Role.OFFICER, "units.list", private_only=True)
async def _units_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    press = people_ui.parse(update.callback_query.data or "")  # type: ignore[union-attr]
    assert press is not None
    await replace_with(
        update, services(context), await _units_page(services(context), press.ids[0])
    )


async def _deact_picker(svc: Services, page: int) -> Screen:
    total = await people.count_leaderships(svc.db)
    size = people_ui.PAGE_SIZE
    found = await people.leaderships_page(svc.db, page * size, size)
    return people_ui.deact_picker(found, page, total)


@command("huytotruong", "leader.deactivate")
async def deactivate_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/huytotruong: pick a leader to stop being leader of one tổ."""
    await say(update, services(context), await _deact_picker(services(context), 0))


@requires(Role.OFFICER, "leader.deactivate", private_only=True)
async def _deactivate_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    press = people_ui.parse(update.callback_query.data or "")  # type: ignore[union-attr]
    assert press is not None
    svc = services(context)
    if press.verb == "no":
        await replace_with(update, svc, Screen(texts.CANCELLED))
        return
    if press.verb == "page":
        if press.ids[0] >= people_ui.page_count(await people.count_leaderships(svc.db)):
            await _stale(update, svc, "leader.forged")
            return
        await replace_with(update, svc, await _deact_picker(svc, press.ids[0]))
        return
    unit_id, user_id = press.ids
    unit = await units.get_unit(svc.db, unit_id)
    person = await people.get_person(svc.db, user_id)
    if unit is None or person is None:
        await _stale(update, svc, "leader.forged")
        return
    if not await people.leadership_active(svc.db, unit_id, user_id):
        await replace_with(update, svc, Screen(texts.DEACT_GONE))
        return
    if press.verb == "ask":
        await replace_with(update, svc, people_ui.deact_confirm_screen(unit, person))
        return
    done = await people.deactivate_leader(
        svc.db, unit_id, user_id, svc.clock.now(), actor_id=await person_id(update, svc)
    )
    html = (
        texts.deact_done(person.full_name, people_ui.unit_text(unit)) if done else texts.DEACT_GONE
    )
    await replace_with(update, svc, Screen(html))
    if done:
        await svc.refresh_menu(user_id)


async def _promote_picker(svc: Services, actor_id: int, page: int) -> Screen:
    """One page of the registered people an admin may give a role to (people.py decides)."""
    total = await people.count_promotable(svc.db, svc.config, actor_id)
    size = people_ui.PAGE_SIZE
    found = await people.promotable_page(svc.db, svc.config, actor_id, page * size, size)
    return people_ui.promote_picker(found, page, total)


@command("capquyen", "role.menu")
async def promote_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/capquyen: make a registered person officer or admin, or take it away."""
    svc = services(context)
    await say(update, svc, await _promote_picker(svc, await person_id(update, svc), 0))


@requires(Role.ADMIN, "role.set", private_only=True)
async def _promote_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    press = people_ui.parse(update.callback_query.data or "")  # type: ignore[union-attr]
    assert press is not None
    svc = services(context)
    uid = await person_id(update, svc)
    if press.verb == "page":
        total = await people.count_promotable(svc.db, svc.config, uid)
        if press.ids[0] >= people_ui.page_count(total):
            await _stale(update, svc, "role.forged")
            return
        await replace_with(update, svc, await _promote_picker(svc, uid, press.ids[0]))
        return
    target = press.ids[0]
    if target == uid:
        await _refuse(update, svc, "role.set", target=f"user:{target}")
        return
    eligible = await people.may_be_promoted(svc.db, svc.config, uid, target)
    person = await people.get_person(svc.db, target) if eligible else None
    if person is None:
        await _stale(update, svc, "role.forged")
        return
    if press.verb == "person":
        await replace_with(update, svc, people_ui.promote_choose_screen(person))
        return
    stored = await people.set_role(svc.db, target, Role(press.word), svc.clock.now(), actor_id=uid)
    if stored is None:
        await replace_with(update, svc, Screen(texts.PERSON_GONE))
        return
    await replace_with(update, svc, Screen(texts.promote_done(person.full_name, stored.value)))
    await svc.refresh_menu(target)


# ---------------------------------------------------------------- units (admins)


@command("themto", "unit.add")
async def unit_add_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/themto MÃ Tên tổ | khu vực: add a tổ, or update (and reopen) the one with this code."""
    svc = services(context)
    try:
        typed = units.Typed(*units.parse_unit_args(_args_text(update)))
    except units.UnitInputError as exc:
        await say(update, svc, texts.unit_input_problem(str(exc), texts.UNIT_ADD_USAGE))
        return
    officer = await person_id(update, svc)
    doubt = await units.doubt(svc.db, typed)
    if doubt is not None:  # "tdp 03 Tổ 3", "T5" beside "T05", or another name for a tổ
        ask_id = await units.ask(svc.db, officer, doubt, svc.clock.now())
        await say(update, svc, people_ui.unit_doubt_screen(doubt, ask_id))
        return
    await _save_unit(update, svc, typed, officer)


async def _save_unit(update: Update, svc: Services, typed: units.Typed, officer: int) -> None:
    try:
        unit, created = await units.upsert_unit(
            svc.db, typed.code, typed.name, typed.area, svc.clock.now(), actor_id=officer
        )
    except units.UnitInputError as exc:  # checked when typed: only a changed rule lands here
        await say(update, svc, texts.unit_input_problem(str(exc), texts.UNIT_ADD_USAGE))
        return
    screen = Screen(texts.unit_saved(people_ui.unit_text(unit), created))
    if update.callback_query is not None:
        await replace_with(update, svc, screen)
    else:
        await say(update, svc, screen)


@requires(Role.ADMIN, "unit.add", private_only=True)
async def _unit_answer_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The officer's answer to /themto's question: the other reading, as typed, or nothing."""
    press = people_ui.parse(update.callback_query.data or "")  # type: ignore[union-attr]
    assert press is not None
    svc = services(context)
    officer = await person_id(update, svc)
    answer = await units.take_answer(svc.db, press.ids[0], officer, svc.clock.now())
    if answer is None:
        await replace_with(update, svc, Screen(texts.UNIT_ASK_STALE))
        return
    typed, other = answer
    if press.word == "n":
        await replace_with(update, svc, Screen(texts.UNIT_KEPT))
    elif press.word == "o" and other is not None:
        await _save_unit(update, svc, other, officer)
    else:
        await _save_unit(update, svc, typed, officer)


@command("doiten", "unit.rename")
async def unit_rename_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/doiten MÃ Tên mới."""
    svc = services(context)
    parts = _args_text(update).split(maxsplit=1)
    if len(parts) < 2:
        await say(update, svc, texts.UNIT_RENAME_USAGE)
        return
    try:
        unit = await units.rename_unit(
            svc.db, parts[0], parts[1], svc.clock.now(), actor_id=await person_id(update, svc)
        )
    except units.UnitInputError as exc:
        await say(update, svc, texts.unit_input_problem(str(exc), texts.UNIT_RENAME_USAGE))
        return
    if unit is None:
        await say(update, svc, texts.unit_not_found(inputs.shown(parts[0])))
        return
    await say(update, svc, texts.unit_renamed(people_ui.unit_text(unit)))


@command("ngungto", "unit.deactivate")
async def unit_deactivate_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/ngungto MÃ: the tổ stops being offered; leaders and groups are kept for a reopening."""
    svc = services(context)
    parts = _args_text(update).split()
    if not parts:
        await say(update, svc, texts.UNIT_DEACT_USAGE)
        return
    unit = await units.set_unit_active(
        svc.db, parts[0], False, svc.clock.now(), actor_id=await person_id(update, svc)
    )
    if unit is None:
        await say(update, svc, texts.unit_not_found(inputs.shown(parts[0])))
        return
    await say(update, svc, texts.unit_deactivated(people_ui.unit_text(unit)))


# ---------------------------------------------------------------- buttons and registration


async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Every people button: a payload of the wrong shape is refused before anything else."""
    query = update.callback_query
    if query is None:
        return
    press = people_ui.parse(query.data or "")
    if press is None:
        await _stale(update, services(context), "button.forged")
        return
    if press.kind == "consent":
        await _consent_button(update, context, press)
    elif press.kind == "erase":
        await _erase_button(update, context, press)
    elif press.kind == "invite":
        await _invite_button(update, context)
    elif press.kind == "revoke":
        await _revoke_button(update, context)
    elif press.kind == "link":
        await _link_button(update, context)
    elif press.kind == "deact":
        await _deactivate_button(update, context)
    elif press.kind == "role":
        await _promote_button(update, context)
    elif press.kind == "units":
        await _units_button(update, context)
    elif press.kind == "groups":
        await _groups_button(update, context)
    elif press.kind == "unit":
        await _unit_answer_button(update, context)
    elif press.kind == "home":
        await _home_button(update, context, press)


# Commands and their callbacks, in the order they appear in /canbo.
COMMANDS = {
    "dangky": register_command,
    "todanpho": home_command,
    "themkenh": add_channel_command,
    "dulieucuatoi": my_data_command,
    "xoadulieu": erase_command,
    "moi": invite_command,
    "loimoi": invites_command,
    "lienket": link_command,
    "nhom": groups_command,
    "canbo": tools_command,
    "dsto": units_command,
    "huytotruong": deactivate_command,
    "capquyen": promote_command,
    "themto": unit_add_command,
    "doiten": unit_rename_command,
    "ngungto": unit_deactivate_command,
}


def register(app: Application) -> None:
    """People commands and buttons (before the catch-alls). `/start <token>` is dispatched
    from handlers.start, which sees /start first."""
    for name, callback in COMMANDS.items():
        app.add_handler(CommandHandler(name, callback))
    app.add_handler(CallbackQueryHandler(button, pattern=people_ui.CALLBACK_PATTERN))


def code_handler() -> MessageHandler:
    """A typed invite code, in a flow group of its own (handlers.flows): a text that only
    looks like a code passes on to the catch-alls."""
    code_like = filters.ChatType.PRIVATE & filters.Regex(invites.CODE_RE) & ~filters.COMMAND
    return MessageHandler(code_like, code_typed)
