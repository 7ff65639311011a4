"""Invite links: the one-tap way an official makes someone a tổ leader, officer or admin.

A token is 144 random bits in base64url (24 characters, well inside Telegram's 64-character
deep-link payload). Only its sha256 is stored, so a copy of the database cannot be used to
redeem anything: the token is not in the durable inbox either (`bot/scrub.py` cuts it out of
every update before it is written), and the "Đồng ý" button under the data notice names the
person's `invite_offers` row, not the token. An invite is single-use and expires after
`[invites] ttl_days`. Redeeming is one conditional UPDATE (`… WHERE used_at IS NULL AND
revoked_at IS NULL AND expires_at > now`) inside the same transaction that grants the role:
when two people redeem at once, exactly one UPDATE matches a row, and the other changes
nothing — this holds across processes too.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

import qrcode
import qrcode.constants

from bot.clock import iso, parse_iso
from bot.config import Config, LimitsConfig
from bot.db import Database
from bot.limits import Verdict
from bot.people import (
    Identity,
    Role,
    Unit,
    at_least,
    audit_conn,
    can_be_privileged,
    higher,
    unit_from_row,
)

TOKEN_BYTES = 18  # 144 bits
# The typed code: no 0/O, 1/I/L or U to confuse, read aloud in groups of three.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 9  # 30**9 ≈ 2**44: guesses are limited per sender, and codes expire
CODE_RE = re.compile(r"^\s*([A-Za-z0-9]{3})[-\s]?([A-Za-z0-9]{3})[-\s]?([A-Za-z0-9]{3})\s*$")
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{22,64}$")
INVITABLE = (Role.LEADER, Role.OFFICER, Role.ADMIN)


class Outcome(StrEnum):
    OK = "ok"
    UNKNOWN = "unknown"  # never issued, mistyped or forged
    EXPIRED = "expired"
    USED = "used"
    REVOKED = "revoked"
    UNIT_INACTIVE = "unit_inactive"
    NEEDS_CONSENT = "needs_consent"  # valid, but the person has not agreed to the notice
    REFUSED = "refused"  # this user id can never hold a role (GroupAnonymousBot)


@dataclass(frozen=True)
class Invite:
    id: int
    role: Role
    unit: Unit | None
    created_by: int
    created_at: datetime
    expires_at: datetime
    used_by: int | None
    used_at: datetime | None
    revoked_at: datetime | None


@dataclass(frozen=True)
class NewInvite:
    """A freshly created invite: the only moment the token exists outside the person's hands."""

    invite: Invite
    token: str
    code: str = ""  # the same invite, typed: "7KQ-M4X-P9D"


@dataclass(frozen=True)
class Redemption:
    outcome: Outcome
    invite: Invite | None = None
    role: Role | None = None  # the person's role afterwards (OK only)


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def new_code() -> str:
    """ "7KQ-M4X-P9D": random, from an alphabet without look-alikes."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return f"{raw[:3]}-{raw[3:6]}-{raw[6:]}"


def normal_code(text: str) -> str | None:
    """The code a person typed ("7kq m4x p9d", "7KQM4XP9D"), or None when it is not one.
    Nine letters without a digit or a separator are a word, not a code."""
    match = CODE_RE.match(text)
    if match is None:
        return None
    code = "".join(match.groups()).upper()
    if any(c not in CODE_ALPHABET for c in code):
        return None
    if not any(c.isdigit() for c in code) and not re.search(r"[-\s]", text.strip()):
        return None
    return code


def code_hash(code: str, key: bytes) -> str:
    """A keyed hash: 44 bits are too few to hide behind a plain sha256 from someone with a
    copy of the database, so the key comes from the bot's secrets, never stored beside it."""
    return hmac.new(key, code.encode("ascii"), hashlib.sha256).hexdigest()


def code_key(config: Config) -> bytes:
    """The key of `code_hash` (Config.secret_key: from the bot's tokens, not the database)."""
    return config.secret_key("invite code")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def deep_link(bot_username: str, token: str) -> str:
    return f"https://t.me/{bot_username.lstrip('@')}?start={token}"


def qr_png(link: str) -> bytes:
    """A QR code of `link` as PNG bytes, large enough to print and scan from paper."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=10, border=4)
    code.add_data(link)
    code.make(fit=True)
    out = io.BytesIO()
    code.make_image().save(out)
    return out.getvalue()


def invite_qr(link: str, chat_link: str, code: str) -> bytes | None:
    """The one QR of an invite: Telegram's `link` when Telegram runs (it opens the invite
    itself), else Zalo's `chat_link` with the `code` under it; None on Zalo alone without a
    chat link (the code is typed)."""
    if link:
        return qr_png(link)
    if chat_link:
        return zalo_qr_png(chat_link, code)
    return None


def zalo_qr_png(chat_link: str, code: str) -> bytes:
    """The printed invite for Zalo: a QR code that opens the chat with the bot, and the code
    to type there written under it (Zalo passes no payload through a link)."""
    from PIL import Image, ImageDraw, ImageFont  # pillow comes with qrcode[pil]

    code_image = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=10, border=4
    )
    code_image.add_data(chat_link)
    code_image.make(fit=True)
    qr = code_image.make_image().get_image().convert("RGB")
    font = ImageFont.load_default(size=44)
    band = 90
    page = Image.new("RGB", (qr.width, qr.height + band), "white")
    page.paste(qr, (0, 0))
    draw = ImageDraw.Draw(page)
    box = draw.textbbox((0, 0), code, font=font)
    x = (page.width - (box[2] - box[0])) // 2
    draw.text((x, qr.height + 10), code, fill="black", font=font)
    out = io.BytesIO()
    page.save(out, format="PNG")
    return out.getvalue()


def creatable_roles(actor_role: Role) -> tuple[Role, ...]:
    """Officers invite leaders; only admins invite officers and admins."""
    if actor_role == Role.ADMIN:
        return INVITABLE
    if at_least(actor_role, Role.OFFICER):
        return (Role.LEADER,)
    return ()


_INVITE_SELECT = (
    "SELECT i.id, i.role, i.created_by, i.created_at, i.expires_at, i.used_by, i.used_at,"
    " i.revoked_at, u.id, u.code, u.name, u.area, u.active"
    " FROM invites i LEFT JOIN units u ON u.id = i.unit_id"
)


def _invite(r: Sequence[Any]) -> Invite:
    return Invite(
        id=int(r[0]),
        role=Role(r[1]),
        unit=unit_from_row(r[8:13]) if r[8] is not None else None,
        created_by=int(r[2]),
        created_at=parse_iso(r[3]),
        expires_at=parse_iso(r[4]),
        used_by=r[5],
        used_at=parse_iso(r[6]) if r[6] else None,
        revoked_at=parse_iso(r[7]) if r[7] else None,
    )


async def create(
    db: Database,
    config: Config,
    *,
    role: Role,
    unit_id: int | None,
    created_by: int,
    now: datetime,
) -> NewInvite:
    """Create an invite (audited). The caller has checked that `created_by` may do so."""
    if role not in INVITABLE:
        raise ValueError(f"cannot invite to role {role}")
    if role == Role.LEADER and unit_id is None:
        raise ValueError("a leader invite needs a unit")
    if role != Role.LEADER:
        unit_id = None
    token, code = new_token(), new_code()
    expires = now + timedelta(days=config.invites.ttl_days)
    async with db.transaction() as conn:
        if unit_id is not None:
            cursor = await conn.execute("SELECT active FROM units WHERE id = ?", (unit_id,))
            found = await cursor.fetchone()
            if found is None or not found[0]:
                raise ValueError("unit is missing or inactive")
        cursor = await conn.execute(
            "INSERT INTO invites (token_hash, code_hash, role, unit_id, created_by, created_at,"
            " expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                token_hash(token),
                code_hash(normal_code(code) or "", code_key(config)),
                role.value,
                unit_id,
                created_by,
                iso(now),
                iso(expires),
            ),
        )
        invite_id = cursor.lastrowid
        await audit_conn(
            conn,
            created_by,
            "invite.create",
            now,
            target=f"invite:{invite_id}",
            detail=f"{role.value} unit:{unit_id}" if unit_id else role.value,
        )
    invite = await get(db, int(invite_id or 0))
    assert invite is not None
    return NewInvite(invite, token, code)


async def get(db: Database, invite_id: int) -> Invite | None:
    row = await db.fetchone(f"{_INVITE_SELECT} WHERE i.id = ?", (invite_id,))
    return None if row is None else _invite(row)


async def find(db: Database, token: str) -> Invite | None:
    if not TOKEN_RE.match(token):
        return None
    row = await db.fetchone(f"{_INVITE_SELECT} WHERE i.token_hash = ?", (token_hash(token),))
    return None if row is None else _invite(row)


def status(invite: Invite | None, now: datetime) -> Outcome:
    """Whether the invite could be redeemed now, and if not, why."""
    if invite is None:
        return Outcome.UNKNOWN
    if invite.revoked_at is not None:
        return Outcome.REVOKED
    if invite.used_at is not None:
        return Outcome.USED
    if invite.expires_at <= now:
        return Outcome.EXPIRED
    if invite.unit is not None and not invite.unit.active:
        return Outcome.UNIT_INACTIVE
    return Outcome.OK


async def find_code(db: Database, code: str, key: bytes) -> Invite | None:
    """The invite of a typed code (already normalised by `normal_code`)."""
    row = await db.fetchone(f"{_INVITE_SELECT} WHERE i.code_hash = ?", (code_hash(code, key),))
    return None if row is None else _invite(row)


async def check_code(
    db: Database, code: str, key: bytes, now: datetime
) -> tuple[Outcome, Invite | None]:
    invite = await find_code(db, code, key)
    return status(invite, now), invite


async def redeem_code(
    db: Database, code: str, key: bytes, person: Identity, now: datetime
) -> Redemption:
    """`redeem` for a typed code (a registered person: the notice was agreed to before)."""
    return await _redeem(db, "i.code_hash = ?", code_hash(code, key), person, now, None)


async def check(db: Database, token: str, now: datetime) -> tuple[Outcome, Invite | None]:
    """Look at a token without using it (to decide whether to show the data notice)."""
    invite = await find(db, token)
    return status(invite, now), invite


async def guess_verdict(db: Database, user_id: int, now: datetime, limits: LimitsConfig) -> Verdict:
    """May this person try an invite link now? Refused tries are audited (`invite.redeem`,
    allowed 0); after `[limits] invite_guesses` of them within the window the answer is
    WARN once (one `invite.limited` row, one sentence) and then DROP: no answer and no
    audit row per guess, so thousands of guesses cost the ward nothing."""
    since = iso(now - timedelta(minutes=limits.guess_window_minutes))
    row = await db.fetchone(
        "SELECT COUNT(*) FILTER (WHERE action = 'invite.redeem' AND allowed = 0),"
        " COUNT(*) FILTER (WHERE action = 'invite.limited')"
        " FROM audit_log WHERE actor_id = ? AND at >= ?",
        (user_id, since),
    )
    refused, limited = (int(v or 0) for v in (row or (0, 0)))
    if refused < limits.invite_guesses:
        return Verdict.ADMIT
    if limited:
        return Verdict.DROP
    await db.execute(
        "INSERT INTO audit_log (at, actor_id, action, target, detail, allowed)"
        " VALUES (?, ?, 'invite.limited', '', ?, 0)",
        (iso(now), user_id, str(refused)),
    )
    return Verdict.WARN


async def offer(db: Database, user_id: int, invite: Invite, now: datetime) -> None:
    """Remember that `user_id` opened `invite`'s link and is reading the data notice, so that
    "Đồng ý" can redeem it by this row: the button never carries the token (an update is
    written to disk; see bot/scrub.py). A newer link replaces an older one."""
    await db.execute(
        "INSERT INTO invite_offers (user_id, invite_id, offered_at) VALUES (?, ?, ?)"
        " ON CONFLICT (user_id) DO UPDATE SET invite_id = excluded.invite_id,"
        " offered_at = excluded.offered_at",
        (user_id, invite.id, iso(now)),
    )


async def redeem(
    db: Database,
    token: str,
    person: Identity,
    now: datetime,
    *,
    consent_version: str | None = None,
) -> Redemption:
    """Use the invite for `person`, atomically, and grant its role (and tổ for leaders).

    A person with no people row must pass `consent_version` (they just pressed "Đồng ý"):
    the row is created in the same transaction. Anything but OK changes nothing at all;
    the caller audits refusals (the audit for a success commits with it)."""
    if not await can_be_privileged(db, person.user_id):
        return Redemption(Outcome.REFUSED)
    if not TOKEN_RE.match(token):
        return Redemption(Outcome.UNKNOWN)
    return await _redeem(db, "i.token_hash = ?", token_hash(token), person, now, consent_version)


async def redeem_offer(
    db: Database, person: Identity, now: datetime, *, consent_version: str | None = None
) -> Redemption:
    """Redeem the invite `person` opened last (see `offer`); UNKNOWN if there is none."""
    return await _redeem(
        db,
        "i.id = (SELECT invite_id FROM invite_offers WHERE user_id = ?)",
        person.user_id,
        person,
        now,
        consent_version,
    )


async def _redeem(
    db: Database,
    where: str,
    key: object,
    person: Identity,
    now: datetime,
    consent_version: str | None,
) -> Redemption:
    if not await can_be_privileged(db, person.user_id):
        return Redemption(Outcome.REFUSED)
    stamp = iso(now)
    async with db.transaction() as conn:
        cursor = await conn.execute(f"{_INVITE_SELECT} WHERE {where}", (key,))
        row = await cursor.fetchone()
        invite = None if row is None else _invite(row)
        outcome = status(invite, now)
        if outcome != Outcome.OK or invite is None:
            return Redemption(outcome, invite)
        cursor = await conn.execute("SELECT role FROM people WHERE user_id = ?", (person.user_id,))
        existing = await cursor.fetchone()
        if existing is None and consent_version is None:
            return Redemption(Outcome.NEEDS_CONSENT, invite)
        # The race is decided here: only one UPDATE can match the still-open row.
        cursor = await conn.execute(
            "UPDATE invites SET used_by = ?, used_at = ? WHERE id = ? AND used_at IS NULL"
            " AND revoked_at IS NULL AND expires_at > ?",
            (person.user_id, stamp, invite.id, stamp),
        )
        if cursor.rowcount != 1:
            return Redemption(Outcome.USED, invite)
        # Others who opened the same link keep their offer: pressing "Đồng ý" tells them
        # it was used (rather than that it never existed).
        await conn.execute("DELETE FROM invite_offers WHERE user_id = ?", (person.user_id,))
        if existing is None:
            role = invite.role
            await conn.execute(
                "INSERT INTO people (user_id, first_name, last_name, role, consent_at,"
                " consent_version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    person.user_id,
                    person.first_name,
                    person.last_name,
                    role.value,
                    stamp,
                    consent_version,
                    stamp,
                    stamp,
                ),
            )
        else:
            role = higher(Role(existing[0]), invite.role)  # an invite never demotes anyone
            await conn.execute(
                "UPDATE people SET role = ?, first_name = ?, last_name = ?, updated_at = ?"
                " WHERE user_id = ?",
                (role.value, person.first_name, person.last_name, stamp, person.user_id),
            )
        if invite.role == Role.LEADER and invite.unit is not None:
            await conn.execute(
                "INSERT INTO unit_leaders (unit_id, user_id, since, active) VALUES (?, ?, ?, 1)"
                " ON CONFLICT(unit_id, user_id) DO UPDATE SET active = 1, since = excluded.since,"
                " ended_at = NULL",
                (invite.unit.id, person.user_id, stamp),
            )
        await audit_conn(
            conn,
            person.user_id,
            "invite.redeem",
            now,
            target=f"invite:{invite.id}",
            detail=f"{invite.role.value} unit:{invite.unit.id}"
            if invite.unit
            else invite.role.value,
        )
    return Redemption(Outcome.OK, invite, role)


async def open_invites(
    db: Database,
    now: datetime,
    *,
    created_by: int | None = None,
    limit: int = -1,
    offset: int = 0,
) -> list[Invite]:
    """Invites that could still be redeemed, newest first (only one creator's, if given);
    `limit`/`offset` read one page of them (-1: all)."""
    sql = f"{_INVITE_SELECT} WHERE i.used_at IS NULL AND i.revoked_at IS NULL AND i.expires_at > ?"
    params: list[object] = [iso(now)]
    if created_by is not None:
        sql += " AND i.created_by = ?"
        params.append(created_by)
    sql += " ORDER BY i.id DESC LIMIT ? OFFSET ?"
    return [_invite(r) for r in await db.fetchall(sql, [*params, limit, offset])]


async def count_open_invites(db: Database, now: datetime, *, created_by: int | None = None) -> int:
    sql = (
        "SELECT COUNT(*) FROM invites i"
        " WHERE i.used_at IS NULL AND i.revoked_at IS NULL AND i.expires_at > ?"
    )
    params: list[object] = [iso(now)]
    if created_by is not None:
        sql += " AND i.created_by = ?"
        params.append(created_by)
    return int(await db.fetchval(sql, params))


def may_revoke(actor_id: int, actor_role: Role, invite: Invite) -> bool:
    """Admins revoke any invite; an officer only the ones they created."""
    if actor_role == Role.ADMIN:
        return True
    return at_least(actor_role, Role.OFFICER) and invite.created_by == actor_id


async def revoke(db: Database, invite_id: int, now: datetime, *, actor_id: int) -> bool:
    """Close an open invite (audited). False if it was already used, revoked or expired."""
    stamp = iso(now)
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "UPDATE invites SET revoked_at = ?, revoked_by = ? WHERE id = ? AND used_at IS NULL"
            " AND revoked_at IS NULL AND expires_at > ?",
            (stamp, actor_id, invite_id, stamp),
        )
        if cursor.rowcount != 1:
            return False
        await audit_conn(conn, actor_id, "invite.revoke", now, target=f"invite:{invite_id}")
    return True
