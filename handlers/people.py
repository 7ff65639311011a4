"""People handlers: invites (/moi, /loimoi, /start <token>), consent (/dangky), data rights
(/dulieucuatoi, /xoadulieu), groups (/lienket, /nhom) and officer tools (/canbo, /dsto,
/huytotruong, /capquyen, /themto, /doiten, /ngungto).

Parse → ask the core → reply. Every privileged command and button goes through
`@requires` (one audit row either way); buttons are then re-checked against the database and
the presser's rights (`people.can_act_for_unit`, `invites.may_revoke`…), and a refusal is
`texts.NO_PERMISSION` plus an audit row. Lists that name people are private-chat only.
"""

from __future__ import annotations

from telegram import Update, User
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

from bot import chats, consent, invites, people, people_ui, scrub, texts, units
from bot.channels import telegram_inbox
from bot.invites import Outcome
from bot.people import Identity, Role
from bot.people_ui import Press
from bot.screens import Screen
from bot.services import Services, services
from handlers.auth import requires
from handlers.common import edit_screen, is_private, menu_for, reply_screen

OUTCOME_TEXTS = {
    Outcome.UNKNOWN: texts.INVITE_UNKNOWN,
    Outcome.EXPIRED: texts.INVITE_EXPIRED,
    Outcome.USED: texts.INVITE_USED,
    Outcome.REVOKED: texts.INVITE_REVOKED,
    Outcome.UNIT_INACTIVE: texts.INVITE_UNIT_INACTIVE,
    Outcome.REFUSED: texts.NO_PERMISSION,
}


def _identity(user: User) -> Identity:
    return Identity(user.id, user.first_name or "", user.last_name or "")


def _user_id(update: Update) -> int:
    return update.effective_user.id if update.effective_user else 0


async def _refuse(update: Update, svc: Services, action: str, target: str = "") -> None:
    """A permission refusal: one sentence, one audit row, nothing else happens."""
    await people.audit(
        svc.db, _user_id(update), action, svc.clock.now(), target=target, allowed=False
    )
    if update.callback_query is not None:
        await update.callback_query.answer(texts.NO_PERMISSION, show_alert=True)
    elif update.effective_message is not None:
        await update.effective_message.reply_text(texts.NO_PERMISSION, do_quote=False)


async def _stale(update: Update, svc: Services | None = None, action: str = "") -> None:
    """A button naming something that does not exist (old, or forged): change nothing."""
    if svc is not None and action:
        await people.audit(
            svc.db,
            _user_id(update),
            action,
            svc.clock.now(),
            detail=(update.callback_query.data or "") if update.callback_query else "",
            allowed=False,
        )
    if update.callback_query is not None:
        await update.callback_query.answer(texts.STALE_BUTTON, show_alert=True)


async def _say(update: Update, html: str) -> None:
    if update.effective_message is not None:
        await update.effective_message.reply_text(html, do_quote=False)


async def _edit(update: Update, screen: Screen) -> None:
    if update.callback_query is not None:
        await update.callback_query.answer()
    await edit_screen(update, screen)


def _args_text(update: Update) -> str:
    """Everything after the command, as typed (names contain spaces)."""
    message = update.effective_message
    if message is None or not message.text:
        return ""
    parts = message.text.split(maxsplit=1)
    return parts[1].strip() if len(parts) > 1 else ""


# ---------------------------------------------------------------- invites: redeeming


async def start_with_token(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/start <token> from an invite link or QR code: redeem, or first show the data notice."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or not context.args:
        return
    svc = services(context)
    token = context.args[0]
    if scrub.is_redacted(token):  # replayed after a restart: the token was never stored
        await _say(update, texts.INVITE_OPEN_AGAIN)
        return
    now = svc.clock.now()
    if await consent.is_registered(svc.db, user.id):
        result = await invites.redeem(svc.db, token, _identity(user), now)
        await _say(update, await _redemption_text(svc, update, result))
        return
    outcome, invite = await invites.check(svc.db, token, now)
    if outcome != Outcome.OK:
        await _audit_redeem_refusal(svc, user.id, outcome, invite)
        await _say(update, OUTCOME_TEXTS.get(outcome, texts.INVITE_UNKNOWN))
        return
    assert invite is not None
    await invites.offer(svc.db, user.id, invite, now)  # "Đồng ý" redeems it by this row
    await reply_screen(update, people_ui.consent_screen(invite))


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


async def _redemption_text(svc: Services, update: Update, result: invites.Redemption) -> str:
    if result.outcome != Outcome.OK or result.invite is None:
        await _audit_redeem_refusal(svc, _user_id(update), result.outcome, result.invite)
        return OUTCOME_TEXTS.get(result.outcome, texts.INVITE_UNKNOWN)
    invite = result.invite
    if invite.role == Role.LEADER and invite.unit is not None:
        return texts.invite_welcome_leader(people_ui.unit_html(invite.unit))
    return texts.invite_welcome_role(invite.role.value)


# ---------------------------------------------------------------- consent and data rights


async def register_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/dangky: show the data notice (or say the person is already registered)."""
    if not is_private(update):
        await _say(update, texts.PRIVATE_ONLY)
        return
    svc = services(context)
    if await consent.is_registered(svc.db, _user_id(update)):
        await _say(update, texts.ALREADY_REGISTERED)
        return
    await reply_screen(update, people_ui.consent_screen())


async def my_data_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/dulieucuatoi: everything stored about the person."""
    if not is_private(update):
        await _say(update, texts.PRIVATE_ONLY)
        return
    svc = services(context)
    data = await consent.my_data(svc.db, _user_id(update))
    await reply_screen(update, people_ui.my_data_screen(data, svc.config.ward.tz))


async def erase_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/xoadulieu: ask for confirmation before deleting the person's data."""
    if not is_private(update):
        await _say(update, texts.PRIVATE_ONLY)
        return
    svc = services(context)
    if not await consent.is_registered(svc.db, _user_id(update)):
        await _say(update, texts.ERASE_NOTHING)
        return
    await reply_screen(update, people_ui.erase_confirm_screen())


async def _consent_button(update: Update, context: ContextTypes.DEFAULT_TYPE, press: Press) -> None:
    """ "Đồng ý" / "Không đồng ý" under the notice; with a token, redeem in the same step."""
    user = update.effective_user
    if user is None:
        return
    if not is_private(update):  # the notice is only ever shown in a private chat
        await _stale(update)
        return
    svc = services(context)
    now = svc.clock.now()
    if press.verb == "no":
        await _edit(update, Screen(texts.CONSENT_DECLINED))
        return
    if press.word:
        registered = await consent.is_registered(svc.db, user.id)
        version = None if registered else consent.CONSENT_VERSION
        if press.word == people_ui.OFFERED:
            result = await invites.redeem_offer(
                svc.db, _identity(user), now, consent_version=version
            )
        else:  # a notice shown by an older version, whose button carries the token
            result = await invites.redeem(
                svc.db, press.word, _identity(user), now, consent_version=version
            )
        await _edit(update, Screen(await _redemption_text(svc, update, result)))
        if await people.leader_units(svc.db, user.id):
            # An edit cannot carry a reply keyboard: the new 📝 button needs its own message.
            await context.bot.send_message(
                user.id, texts.LEADER_MENU_READY, reply_markup=await menu_for(svc, user.id)
            )
        return
    created = await consent.register(svc.db, _identity(user), now)
    await _edit(update, Screen(texts.REGISTERED if created else texts.ALREADY_REGISTERED))


async def _erase_button(update: Update, context: ContextTypes.DEFAULT_TYPE, press: Press) -> None:
    """The confirmation under /xoadulieu: it only ever erases the presser's own data."""
    if not is_private(update):
        await _stale(update)
        return
    if press.verb == "no":
        await _edit(update, Screen(texts.CANCELLED))
        return
    svc = services(context)
    # The raw updates this person sent may still be waiting to be written (the inbox
    # batches its writes): write them now, so that the erasure finds and removes them.
    await telegram_inbox.flush(context.application)
    erased = await consent.erase(svc.db, _user_id(update), svc.clock.now())
    await _edit(update, Screen(texts.ERASE_DONE if erased else texts.ERASE_NOTHING))


# ---------------------------------------------------------------- invites: creating


@requires(Role.OFFICER, "invite.menu")
async def invite_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/moi [MÃ_TỔ]: pick a role (admins) and a tổ (leaders), then get the link and QR code."""
    if not is_private(update):
        await _say(update, texts.INVITE_GROUP_HINT)
        return
    svc = services(context)
    role = await people.role_of(svc.db, svc.config, _user_id(update))
    roles = invites.creatable_roles(role)
    code = _args_text(update)
    if code:
        unit = await units.get_by_code(svc.db, code.split()[0])
        if unit is None or not unit.active:
            await _say(update, texts.unit_not_found(code.split()[0]))
            return
        await _create_and_send(update, context, Role.LEADER, unit.id)
        return
    if roles == (Role.LEADER,):
        await reply_screen(update, await _invite_unit_picker(svc, 0))
        return
    await reply_screen(update, people_ui.invite_role_screen(roles))


async def _invite_unit_picker(svc: Services, page: int) -> Screen:
    found = await units.list_units(svc.db)
    if not found:
        return Screen(texts.NO_UNITS_YET)
    return people_ui.unit_picker(texts.INVITE_PICK_UNIT, found, page, "pi")


@requires(Role.OFFICER, "invite.button")
async def _invite_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    press = people_ui.parse(update.callback_query.data or "")  # type: ignore[union-attr]
    assert press is not None
    svc = services(context)
    if not is_private(update):
        await _stale(update, svc, "invite.forged")
        return
    role = await people.role_of(svc.db, svc.config, _user_id(update))
    allowed = invites.creatable_roles(role)
    if press.verb == "page":
        count = len(await units.list_units(svc.db))
        if press.ids[0] >= people_ui.page_count(count):
            await _stale(update, svc, "invite.forged")
            return
        await _edit(update, await _invite_unit_picker(svc, press.ids[0]))
        return
    wanted = Role(press.word) if press.verb == "role" else Role.LEADER
    if wanted not in allowed:
        await _refuse(update, svc, "invite.create", target=wanted.value)
        return
    if press.verb == "role" and wanted == Role.LEADER:
        await _edit(update, await _invite_unit_picker(svc, 0))
        return
    unit_id = None
    if press.verb == "unit":
        unit = await units.get_unit(svc.db, press.ids[0])
        if unit is None or not unit.active:
            await _stale(update, svc, "invite.forged")
            return
        unit_id = unit.id
    if update.callback_query is not None:
        await update.callback_query.answer()
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
        created_by=_user_id(update),
        now=svc.clock.now(),
    )
    link = invites.deep_link(context.bot.username, made.token)
    if update.callback_query is not None:
        await edit_screen(update, Screen(texts.invite_made(made.invite.id)))
    await context.bot.send_photo(
        chat.id,
        photo=invites.qr_png(link),
        caption=people_ui.invite_caption(made.invite, link, svc.config.ward.tz),
        filename=f"loi-moi-{made.invite.id}.png",
    )


@requires(Role.OFFICER, "invite.list")
async def invites_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/loimoi: open invites (an officer's own; all of them for admins) with revoke buttons."""
    if not is_private(update):
        await _say(update, texts.PRIVATE_ONLY)
        return
    svc = services(context)
    uid = _user_id(update)
    role = await people.role_of(svc.db, svc.config, uid)
    mine = None if role == Role.ADMIN else uid
    found = await invites.open_invites(svc.db, svc.clock.now(), created_by=mine)
    await reply_screen(update, people_ui.invites_screen(found, svc.config.ward.tz))


@requires(Role.OFFICER, "invite.revoke")
async def _revoke_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    press = people_ui.parse(update.callback_query.data or "")  # type: ignore[union-attr]
    assert press is not None
    svc = services(context)
    invite = await invites.get(svc.db, press.ids[0])
    if invite is None or not is_private(update):
        await _stale(update, svc, "invite.forged")
        return
    uid = _user_id(update)
    role = await people.role_of(svc.db, svc.config, uid)
    if not invites.may_revoke(uid, role, invite):
        await _refuse(update, svc, "invite.revoke", target=f"invite:{invite.id}")
        return
    done = await invites.revoke(svc.db, invite.id, svc.clock.now(), actor_id=uid)
    await _edit(update, Screen(texts.invite_revoked(invite.id) if done else texts.INVITE_NOT_OPEN))


# ---------------------------------------------------------------- groups


@requires(Role.LEADER, "group.link")
async def link_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/lienket [MÃ_TỔ] in a group: link it to the presser's tổ (a picker when several)."""
    chat = update.effective_chat
    if chat is None or chat.type not in ("group", "supergroup"):
        await _say(update, texts.LINK_PRIVATE_HINT)
        return
    svc = services(context)
    uid = _user_id(update)
    await chats.ensure_group(svc.db, chat.id, chat.type, chat.title or "", svc.clock.now())
    mine = await people.units_for(svc.db, svc.config, uid)
    if not mine:
        if people.at_least(await people.role_of(svc.db, svc.config, uid), Role.OFFICER):
            await _say(update, texts.NO_UNITS_YET)
        else:  # a leader whose tổ was deactivated
            await _refuse(update, svc, "group.link", target=f"chat:{chat.id}")
        return
    code = _args_text(update).split()[0] if _args_text(update) else ""
    if code:
        unit = await units.get_by_code(svc.db, code)
        if unit is None or not unit.active:
            await _say(update, texts.unit_not_found(code))
            return
        await _link(update, svc, unit.id)
        return
    is_officer = people.at_least(await people.role_of(svc.db, svc.config, uid), Role.OFFICER)
    if len(mine) == 1 and not is_officer:
        await _link(update, svc, mine[0].id)
        return
    await reply_screen(update, people_ui.unit_picker(texts.LINK_PICK, mine, 0, "pl"))


async def _link(update: Update, svc: Services, unit_id: int) -> None:
    """Link the current group to `unit_id` if the person may act for it (and for the tổ the
    group is linked to now, if another): a leader cannot take another tổ's group."""
    chat = update.effective_chat
    assert chat is not None
    uid = _user_id(update)
    target = f"chat:{chat.id}"
    if not await people.can_act_for_unit(svc.db, svc.config, uid, unit_id):
        await _refuse(update, svc, "group.link", target=target)
        return
    group = await chats.get(svc.db, chat.id)
    current = group.unit_id if group else None
    if current is not None and current != unit_id:
        still_active = await units.get_unit(svc.db, current)
        if (
            still_active is not None
            and still_active.active
            and not await people.can_act_for_unit(svc.db, svc.config, uid, current)
        ):
            await _refuse(update, svc, "group.link", target=target)
            return
    unit = await units.get_unit(svc.db, unit_id)
    assert unit is not None
    if current == unit_id:
        screen = Screen(texts.link_already(people_ui.unit_html(unit)))
    else:
        await chats.link(svc.db, chat.id, unit_id, uid, svc.clock.now())
        screen = Screen(texts.link_done(chat.title or "", people_ui.unit_html(unit)))
    if update.callback_query is not None:
        await _edit(update, screen)
    else:
        await reply_screen(update, screen)


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
        mine = await people.units_for(svc.db, svc.config, _user_id(update))
        if press.ids[0] >= people_ui.page_count(len(mine)) or not mine:
            await _stale(update, svc, "group.forged")
            return
        await _edit(update, people_ui.unit_picker(texts.LINK_PICK, mine, press.ids[0], "pl"))
        return
    unit = await units.get_unit(svc.db, press.ids[0])
    if unit is None:
        await _stale(update, svc, "group.forged")
        return
    await _link(update, svc, unit.id)


@requires(Role.OFFICER, "group.list")
async def groups_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/nhom: every group the bot is in, with its tổ."""
    if not is_private(update):
        await _say(update, texts.PRIVATE_ONLY)
        return
    for html in people_ui.nhom_messages(await chats.groups(services(context).db)):
        await _say(update, html)


# ---------------------------------------------------------------- officer tools


@requires(Role.LEADER, "tools.menu")
async def tools_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/canbo: what this person's role can do."""
    svc = services(context)
    role = await people.role_of(svc.db, svc.config, _user_id(update))
    await reply_screen(update, people_ui.canbo_screen(role))


@requires(Role.OFFICER, "units.list")
async def units_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/dsto: every tổ with its leaders and linked groups."""
    if not is_private(update):
        await _say(update, texts.PRIVATE_ONLY)
        return
    for html in people_ui.dsto_messages(await units.overview(services(context).db)):
        await _say(update, html)


@requires(Role.OFFICER, "leader.deactivate")
async def deactivate_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/huytotruong: pick a leader to stop being leader of one tổ."""
    if not is_private(update):
        await _say(update, texts.PRIVATE_ONLY)
        return
    found = await people.active_leaderships(services(context).db)
    await reply_screen(update, people_ui.deact_picker(found, 0))


@requires(Role.OFFICER, "leader.deactivate")
async def _deactivate_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    press = people_ui.parse(update.callback_query.data or "")  # type: ignore[union-attr]
    assert press is not None
    svc = services(context)
    if not is_private(update):
        await _stale(update, svc, "leader.forged")
        return
    if press.verb == "no":
        await _edit(update, Screen(texts.CANCELLED))
        return
    if press.verb == "page":
        found = await people.active_leaderships(svc.db)
        if press.ids[0] >= people_ui.page_count(len(found)):
            await _stale(update, svc, "leader.forged")
            return
        await _edit(update, people_ui.deact_picker(found, press.ids[0]))
        return
    unit_id, user_id = press.ids
    unit = await units.get_unit(svc.db, unit_id)
    person = await people.get_person(svc.db, user_id)
    if unit is None or person is None:
        await _stale(update, svc, "leader.forged")
        return
    if not await people.leadership_active(svc.db, unit_id, user_id):
        await _edit(update, Screen(texts.DEACT_GONE))
        return
    if press.verb == "ask":
        await _edit(update, people_ui.deact_confirm_screen(unit, person))
        return
    done = await people.deactivate_leader(
        svc.db, unit_id, user_id, svc.clock.now(), actor_id=_user_id(update)
    )
    html = (
        texts.deact_done(person.full_name, people_ui.unit_html(unit)) if done else texts.DEACT_GONE
    )
    await _edit(update, Screen(html))


async def _promotable(svc: Services, actor_id: int) -> list[people.Person]:
    """Registered people an admin may give a role to: not themselves, not config admins
    (the config decides those), never GroupAnonymousBot."""
    return [
        p
        for p in await people.registered_people(svc.db)
        if p.user_id != actor_id
        and p.user_id not in svc.config.admins.telegram_ids
        and people.can_be_privileged(p.user_id)
    ]


@requires(Role.ADMIN, "role.menu")
async def promote_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/capquyen: make a registered person officer or admin, or take it away."""
    if not is_private(update):
        await _say(update, texts.PRIVATE_ONLY)
        return
    svc = services(context)
    await reply_screen(
        update, people_ui.promote_picker(await _promotable(svc, _user_id(update)), 0)
    )


@requires(Role.ADMIN, "role.set")
async def _promote_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    press = people_ui.parse(update.callback_query.data or "")  # type: ignore[union-attr]
    assert press is not None
    svc = services(context)
    uid = _user_id(update)
    if not is_private(update):
        await _stale(update, svc, "role.forged")
        return
    candidates = await _promotable(svc, uid)
    if press.verb == "page":
        if press.ids[0] >= people_ui.page_count(len(candidates)):
            await _stale(update, svc, "role.forged")
            return
        await _edit(update, people_ui.promote_picker(candidates, press.ids[0]))
        return
    target = press.ids[0]
    if target == uid:
        await _refuse(update, svc, "role.set", target=f"user:{target}")
        return
    person = next((p for p in candidates if p.user_id == target), None)
    if person is None:
        await _stale(update, svc, "role.forged")
        return
    if press.verb == "person":
        await _edit(update, people_ui.promote_choose_screen(person))
        return
    stored = await people.set_role(svc.db, target, Role(press.word), svc.clock.now(), actor_id=uid)
    if stored is None:
        await _edit(update, Screen(texts.PERSON_GONE))
        return
    await _edit(update, Screen(texts.promote_done(person.full_name, stored.value)))


# ---------------------------------------------------------------- units (admins)


@requires(Role.ADMIN, "unit.add")
async def unit_add_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/themto MÃ Tên tổ | khu vực: add a tổ, or update (and reopen) the one with this code."""
    svc = services(context)
    try:
        code, name, area = units.parse_unit_args(_args_text(update))
        unit, created = await units.upsert_unit(
            svc.db, code, name, area, svc.clock.now(), actor_id=_user_id(update)
        )
    except units.UnitInputError as exc:
        await _say(update, texts.unit_input_problem(str(exc), texts.UNIT_ADD_USAGE))
        return
    await _say(update, texts.unit_saved(people_ui.unit_html(unit), created))


@requires(Role.ADMIN, "unit.rename")
async def unit_rename_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/doiten MÃ Tên mới."""
    svc = services(context)
    parts = _args_text(update).split(maxsplit=1)
    if len(parts) < 2:
        await _say(update, texts.UNIT_RENAME_USAGE)
        return
    try:
        unit = await units.rename_unit(
            svc.db, parts[0], parts[1], svc.clock.now(), actor_id=_user_id(update)
        )
    except units.UnitInputError as exc:
        await _say(update, texts.unit_input_problem(str(exc), texts.UNIT_RENAME_USAGE))
        return
    if unit is None:
        await _say(update, texts.unit_not_found(parts[0]))
        return
    await _say(update, texts.unit_renamed(people_ui.unit_html(unit)))


@requires(Role.ADMIN, "unit.deactivate")
async def unit_deactivate_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/ngungto MÃ: the tổ stops being offered; leaders and groups are kept for a reopening."""
    svc = services(context)
    parts = _args_text(update).split()
    if not parts:
        await _say(update, texts.UNIT_DEACT_USAGE)
        return
    unit = await units.set_unit_active(
        svc.db, parts[0], False, svc.clock.now(), actor_id=_user_id(update)
    )
    if unit is None:
        await _say(update, texts.unit_not_found(parts[0]))
        return
    await _say(update, texts.unit_deactivated(people_ui.unit_html(unit)))


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


# Commands and their callbacks, in the order they appear in /canbo.
COMMANDS = {
    "dangky": register_command,
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


def register(app: Application) -> None:  # type: ignore[type-arg]
    """People commands and buttons (before the catch-alls). `/start <token>` is dispatched
    from handlers.start, which sees /start first."""
    for name, callback in COMMANDS.items():
        app.add_handler(CommandHandler(name, callback))
    app.add_handler(CallbackQueryHandler(button, pattern=people_ui.CALLBACK_PATTERN))
