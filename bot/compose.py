"""Composing a broadcast (/guitin): a state machine whose draft lives in SQLite.

An official writes the text (the same Markdown as the content pack, rendered and checked
exactly like it) or picks a content item, optionally with a photo or a document; chooses
who gets it; sees a preview exactly as recipients will and the recipient count; then sends
now, schedules it (once, daily, chosen weekdays, monthly) or cancels. Every step is saved in
`compose_drafts`, so a restart in the middle loses nothing: the buttons keep working.

The handler asks "this official typed / sent / pressed X" and gets back a `Reply`: the
screen (often replacing the pressed message), the preview as an `OutMessage` and the card
after it, a short alert, and possibly a broadcast to start once the card shows it is sending.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import aiosqlite

from bot import inputs, media, moments, people, texts
from bot.clock import iso, parse_iso
from bot.db import Database
from bot.delivery import (
    Audience,
    AudienceKind,
    OutMessage,
    broadcast_status,
    count_recipients,
    create_broadcast,
    item_message,
    progress_screen,
    title_of,
)
from bot.media import Incoming, MediaRef
from bot.render import html_to_rich, typed_markdown_to_html
from bot.reply import Reply
from bot.rich import Rich
from bot.schedule import (
    Content,
    Quiet,
    Rule,
    create_schedule,
    describe,
    fire_time,
    hold_until,
    next_due,
    when_text,
)
from bot.screens import TAKES_TEXT, Button, Screen, page_nav, rows
from bot.telegram_html import HtmlError, parse_entities, text_length
from bot.units import UNIT_ORDER, count_units, get_unit, units_page

if TYPE_CHECKING:
    from bot.services import Services

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
UNITS_PER_PAGE = 8

# Steps of a draft.
TEXT, AUDIENCE, UNITS, WHO, PREVIEW, WHEN, REPEAT, WEEKDAYS, UNTIL = (
    "text", "audience", "units", "who", "preview", "when", "repeat", "weekdays", "until",
)  # fmt: skip
EDIT_AT, EDIT_UNTIL = "edit_at", "edit_until"  # changing a schedule (bot/schedule_edit.py)
TYPED = (TEXT, WHEN, UNTIL)  # the steps that wait for typed text here
EDITING = (EDIT_AT, EDIT_UNTIL)


@dataclass
class Draft:
    step: str = TEXT
    text: list[list[Any]] = field(default_factory=list)  # the message as rich text (JSON)
    item_id: str = ""
    media_kind: str = ""
    media_id: int = 0  # the photo or document (bot/media.py), 0: none
    audience: str = ""  # Audience JSON once chosen
    units: list[int] = field(default_factory=list)
    page: int = 0
    urgent: bool = False
    when: str = ""  # UTC ISO, for Hẹn giờ
    weekdays: list[int] = field(default_factory=list)
    repeat: str = ""  # daily | weekly | monthly, once chosen (the end date is asked next)
    editing: int = 0  # EDIT_AT / EDIT_UNTIL: the schedule being changed
    at: str = ""  # EDIT_AT: a time in quiet hours typed, "HH:MM", waiting for "Đồng ý"

    def message(self) -> OutMessage:
        ref = MediaRef(self.media_id, self.media_kind) if self.media_id else None
        return OutMessage(Rich.from_json(self.text), ref)


async def load(db: Database, user_id: int) -> Draft | None:
    text = await db.fetchval("SELECT data FROM compose_drafts WHERE user_id = ?", (user_id,))
    if text is None:
        return None
    data = json.loads(text)
    if "html" in data:  # a draft saved before rich text held Telegram HTML
        data["text"] = html_to_rich(data.pop("html")).to_json()
    known = Draft.__dataclass_fields__
    return Draft(**{k: v for k, v in data.items() if k in known})


async def save(db: Database, user_id: int, draft: Draft, now: datetime) -> None:
    async with db.transaction() as conn:
        await save_in(conn, user_id, draft, now)


async def save_in(conn: aiosqlite.Connection, user_id: int, draft: Draft, now: datetime) -> None:
    """`save` inside the caller's transaction."""
    await conn.execute(
        "INSERT INTO compose_drafts (user_id, data, updated_at) VALUES (?, ?, ?)"
        " ON CONFLICT(user_id) DO UPDATE SET data = excluded.data,"
        " updated_at = excluded.updated_at",
        (user_id, json.dumps(asdict(draft), ensure_ascii=False), iso(now)),
    )


async def discard(db: Database, user_id: int) -> None:
    await db.execute("DELETE FROM compose_drafts WHERE user_id = ?", (user_id,))


async def still_officer(svc: Services, user_id: int) -> bool:
    """Whether the person composing may still send; an official demoted while typing loses
    the draft (what they type next is no longer theirs to broadcast)."""
    role = await people.role_of(svc.db, svc.config, user_id)
    if people.at_least(role, people.Role.OFFICER):
        return True
    await discard(svc.db, user_id)
    return False


async def step_of(db: Database, user_id: int) -> str | None:
    """The step of this official's draft, or None: cheap, for routing typed messages."""
    draft = await load(db, user_id)
    return None if draft is None else draft.step


# ---------------------------------------------------------------- text: Markdown as typed

Entity = tuple[str, int, int, str]  # (type, offset, length, url) in UTF-16 code units
_MARKERS = {"bold": ("**", "**"), "italic": ("*", "*"), "code": ("`", "`")}


def _utf16_to_index(text: str) -> list[int]:
    """Map each UTF-16 offset (0..len16) to a Python string index."""
    mapping = []
    for index, char in enumerate(text):
        mapping.extend([index] * (2 if ord(char) > 0xFFFF else 1))
    mapping.append(len(text))
    return mapping


def with_markdown(text: str, entities: Sequence[Entity] = ()) -> str:
    """The official's Markdown. Telegram apps turn **bold** into a bold entity and drop the
    stars before the bot sees the text; put the marks back (bold, italic, code, links) so
    the text renders as written. Entities the bot cannot express are left as plain text."""
    if not entities:
        return text
    index = _utf16_to_index(text)
    inserts: list[tuple[int, int, str]] = []  # (position, order, mark)
    for kind, offset, length, url in entities:
        if offset < 0 or length <= 0 or offset + length >= len(index):
            continue
        start, end = index[offset], index[offset + length]
        span = text[start:end]
        # Markdown emphasis cannot start or end on a space: keep the spaces outside.
        start += len(span) - len(span.lstrip())
        end -= len(span) - len(span.rstrip())
        if start >= end or ("\n" in text[start:end] and kind != "text_link"):
            continue
        if kind in _MARKERS:
            opening, closing = _MARKERS[kind]
        elif kind == "text_link" and url:
            opening, closing = "[", f"]({url})"
        else:
            continue
        inserts.append((start, 1, opening))
        inserts.append((end, 0, closing))
    for position, _, mark in sorted(inserts, key=lambda i: (i[0], i[1]), reverse=True):
        text = text[:position] + mark + text[position:]
    return text


def validate(md: str, *, caption: bool) -> tuple[Rich | None, str]:
    """Markdown → rich text, checked as the content pack is: (text, "") or (None, why)."""
    if not md.strip():
        return None, texts.BC_EMPTY
    # Leading spaces mean nothing in a Telegram message, but four of them would make the
    # line a Markdown code block: the official's text is dedented line by line.
    md = "\n".join(line.lstrip(" \t") for line in md.strip().splitlines())
    try:
        html = typed_markdown_to_html(md)
        plain = parse_entities(html)
    except (HtmlError, ValueError):
        return None, texts.BC_BAD_TEXT
    if not plain.strip():
        return None, texts.BC_EMPTY
    limit = CAPTION_LIMIT if caption else TEXT_LIMIT
    length = text_length(plain)
    if length > limit:
        return None, texts.bc_too_long(length, limit, caption)
    return html_to_rich(html), ""


# ---------------------------------------------------------------- screens


def _audience_of(draft: Draft) -> Audience | None:
    return Audience.from_json(draft.audience) if draft.audience else None


def prompt_screen() -> Screen:
    return Screen(
        texts.BC_PROMPT,
        rows([Button(texts.BC_BTN_PICK, "bc:pick"), Button(texts.BC_BTN_CANCEL, "bc:x")]),
        TAKES_TEXT,
    )


def audience_screen() -> Screen:
    return Screen(
        texts.BC_AUDIENCE_PROMPT,
        rows(
            [
                Button(texts.BC_AUD_LEADERS, "bc:a:leaders"),
                Button(texts.BC_AUD_GROUPS, "bc:a:groups"),
                Button(texts.BC_AUD_UNITS, "bc:a:units"),
                Button(texts.BC_AUD_EVERYONE, "bc:a:everyone"),
                Button(texts.BC_BTN_CANCEL, "bc:x"),
            ]
        ),
    )


async def units_screen(svc: Services, draft: Draft) -> Screen:
    """One page of the tổ to tick (read from the database one page at a time)."""
    pages = max(1, -(-(await count_units(svc.db)) // UNITS_PER_PAGE))
    page = max(0, min(draft.page, pages - 1))
    shown = await units_page(svc.db, page * UNITS_PER_PAGE, UNITS_PER_PAGE)
    buttons: list[tuple[Button, ...]] = [
        (Button(("✅ " if u.id in draft.units else "") + f"{u.code} · {u.name}", f"bc:u:{u.id}"),)
        for u in shown
    ]
    buttons.extend(page_nav(page, pages, "bc:up:{}"))
    buttons.append((Button(texts.bc_btn_units_done(len(draft.units)), "bc:ud"),))
    buttons.append((Button(texts.BC_BTN_CANCEL, "bc:x"),))
    return Screen(texts.bc_units_prompt(page + 1, pages), tuple(buttons))


def who_screen() -> Screen:
    return Screen(
        texts.BC_WHO_PROMPT,
        rows(
            [
                Button(texts.BC_WHO_LEADERS, "bc:w:l"),
                Button(texts.BC_WHO_GROUPS, "bc:w:g"),
                Button(texts.BC_WHO_BOTH, "bc:w:b"),
                Button(texts.BC_WHO_RESIDENTS, "bc:w:r"),
                Button(texts.BC_WHO_ALL, "bc:w:a"),
                Button(texts.BC_BTN_CANCEL, "bc:x"),
            ]
        ),
    )


async def describe_audience(svc: Services, audience: Audience) -> str:
    names: list[str] = []
    if audience.kind == AudienceKind.UNITS:
        marks = ",".join("?" for _ in audience.units)
        rows_found = await svc.db.fetchall(
            f"SELECT name FROM units WHERE id IN ({marks}) ORDER BY {UNIT_ORDER}",
            tuple(audience.units),
        )
        names = [str(r[0]) for r in rows_found]
    return texts.bc_audience(
        audience.kind.value, names, audience.leaders, audience.groups, audience.residents
    )


async def card_screen(svc: Services, draft: Draft) -> Screen:
    """The preview card: who, how many, and the choices."""
    audience = _audience_of(draft)
    assert audience is not None
    count = await count_recipients(svc.db, audience, draft.urgent)
    first: list[Button] = []
    if count:
        first.append(Button(texts.BC_BTN_SEND, "bc:send"))
    first.append(Button(texts.BC_BTN_LATER, "bc:later"))
    urgent_label = texts.BC_BTN_NOT_URGENT if draft.urgent else texts.BC_BTN_URGENT
    return Screen(
        texts.bc_card(await describe_audience(svc, audience), count, draft.urgent),
        (
            tuple(first),
            (Button(texts.BC_BTN_AUDIENCE, "bc:aud"), Button(urgent_label, "bc:urg")),
            (Button(texts.BC_BTN_CANCEL, "bc:x"),),
        ),
    )


def when_screen(now: datetime, tz: ZoneInfo) -> Screen:
    return Screen(
        texts.bc_when_prompt(moments.example_moment(now, tz)),
        ((Button(texts.BTN_BACK, "bc:back"), Button(texts.BC_BTN_CANCEL, "bc:x")),),
        TAKES_TEXT,
    )


def quiet_screen(moment: datetime, quiet: Quiet, tz: ZoneInfo) -> Screen:
    """The chosen time is in quiet hours: said before it is taken."""
    goes = hold_until(moment, quiet, tz)
    hours = (quiet.start.strftime("%H:%M"), quiet.end.strftime("%H:%M"))
    return Screen(
        texts.bc_when_quiet(when_text(moment, tz), hours, when_text(goes, tz)),
        (
            (Button(texts.bc_btn_quiet_ok(goes.astimezone(tz).strftime("%H:%M")), "bc:wq"),),
            (Button(texts.BTN_BACK, "bc:back"), Button(texts.BC_BTN_CANCEL, "bc:x")),
        ),
        TAKES_TEXT,
    )


def until_screen(draft: Draft, tz: ZoneInfo) -> Screen:
    moment = parse_iso(draft.when)
    rule = describe(_rule(draft, draft.repeat, tz), tz)
    return Screen(
        texts.bc_until_prompt(rule, moments.end_example(moment.astimezone(tz).date())),
        (
            (Button(texts.BC_BTN_NO_END, "bc:un"),),
            (Button(texts.BTN_BACK, "bc:back"), Button(texts.BC_BTN_CANCEL, "bc:x")),
        ),
        TAKES_TEXT,
    )


def repeat_screen(moment: datetime, tz: ZoneInfo) -> Screen:
    return Screen(
        texts.bc_repeat_prompt(when_text(moment, tz)),
        rows(
            [
                Button(texts.BC_REPEAT_ONCE, "bc:r:once"),
                Button(texts.BC_REPEAT_DAILY, "bc:r:daily"),
                Button(texts.BC_REPEAT_WEEKLY, "bc:r:weekly"),
                Button(texts.BC_REPEAT_MONTHLY, "bc:r:monthly"),
                Button(texts.BTN_BACK, "bc:back"),
            ]
        ),
    )


def weekdays_screen(draft: Draft) -> Screen:
    days = [
        Button(("✅ " if d in draft.weekdays else "") + texts.BC_WEEKDAY_SHORT[d], f"bc:d:{d}")
        for d in range(7)
    ]
    return Screen(
        texts.BC_WEEKDAYS_PROMPT,
        (
            tuple(days[:4]),
            tuple(days[4:]),
            (Button(texts.BC_BTN_DONE, "bc:dd"), Button(texts.BTN_BACK, "bc:back")),
        ),
    )


def kinds_screen(svc: Services) -> Screen:
    pack = svc.content
    buttons = [
        Button(kind.label, f"bc:k:{kind.name}")
        for kind in pack.kinds
        if any(not item.pending for item in pack.of_kind(kind.name))
    ]
    buttons.append(Button(texts.BC_BTN_CANCEL, "bc:x"))
    return Screen(texts.BC_PICK_KIND, rows(buttons))


def items_screen(svc: Services, kind: str) -> Screen:
    items = [item for item in svc.content.of_kind(kind) if not item.pending]
    buttons = [Button(item.title, f"bc:i:{item.id}") for item in items]
    buttons.append(Button(texts.BTN_BACK, "bc:pick"))
    return Screen(texts.BC_PICK_ITEM, rows(buttons))


# ---------------------------------------------------------------- the flow


async def begin(svc: Services, user_id: int) -> Reply:
    """/guitin: a fresh draft (an unfinished one is replaced)."""
    await save(svc.db, user_id, Draft(), svc.clock.now())
    return Reply(prompt_screen())


async def cancel(svc: Services, user_id: int) -> Reply | None:
    if await load(svc.db, user_id) is None:
        return None
    await discard(svc.db, user_id)
    return Reply(Screen(texts.BC_CANCELLED))


async def on_text(
    svc: Services, user_id: int, text: str, entities: Sequence[Entity] = ()
) -> Reply | None:
    """Typed text: the message itself (step text) or the date and time (step when).
    None when this official has no draft waiting for text."""
    draft = await load(svc.db, user_id)
    if draft is None or draft.step not in TYPED:
        return None
    now = svc.clock.now()
    if draft.step == TEXT:
        checked, error = validate(with_markdown(text, entities), caption=False)
        if checked is None:
            return Reply(Screen(error))
        draft.text, draft.item_id = checked.to_json(), ""
        draft.media_kind, draft.media_id = "", 0
        draft.step = AUDIENCE
        await save(svc.db, user_id, draft, now)
        return Reply(audience_screen())
    if draft.step == UNTIL:
        return await _typed_end(svc, user_id, draft, text)
    tz = svc.config.ward.tz
    horizon = svc.config.schedule.horizon_days
    parsed = moments.parse_moment(text, now, tz, horizon)
    example = moments.example_moment(now, tz)
    if parsed.value is None:
        problem = _when_problem(parsed.problem, example, now, tz, horizon)
        return Reply(Screen(problem, takes=TAKES_TEXT))
    moment = parsed.value
    draft.when = iso(moment)
    cfg = svc.config.schedule
    quiet = Quiet(cfg.quiet_start, cfg.quiet_end)
    if not draft.urgent and quiet.contains(moment.astimezone(tz).time()):
        # Said before the time is taken, not after: the official may choose another.
        await save(svc.db, user_id, draft, now)
        return Reply(quiet_screen(moment, quiet, tz))
    draft.step = REPEAT
    await save(svc.db, user_id, draft, now)
    return Reply(repeat_screen(moment, tz))


def _when_problem(
    problem: moments.Problem | None, example: str, now: datetime, tz: ZoneInfo, horizon: int
) -> str:
    if problem == moments.Problem.PAST:
        return texts.BC_WHEN_PAST
    if problem == moments.Problem.TOO_FAR:
        return texts.bc_when_too_far(moments.last_day(now, tz, horizon))
    if problem == moments.Problem.NO_TIME:
        return texts.bc_when_no_time(example)
    return texts.bc_when_bad(example)


async def _typed_end(svc: Services, user_id: int, draft: Draft, text: str) -> Reply:
    """The last day of a repeating schedule, typed."""
    tz = svc.config.ward.tz
    horizon = svc.config.schedule.horizon_days
    first = parse_iso(draft.when).astimezone(tz).date()
    end, problem = moments.parse_end_day(text, first, horizon)
    if end is None:
        if problem == moments.Problem.PAST:
            again = texts.bc_until_before(first.strftime("%d/%m/%Y"))
        elif problem == moments.Problem.TOO_FAR:
            again = texts.bc_when_too_far(
                moments.last_day(svc.clock.now(), tz, svc.config.schedule.horizon_days)
            )
        else:
            again = texts.bc_until_bad(moments.end_example(first))
        return Reply(Screen(again, ((Button(texts.BC_BTN_NO_END, "bc:un"),),), TAKES_TEXT))
    return await _schedule(svc, user_id, draft, draft.repeat, end)


async def on_media(
    svc: Services,
    user_id: int,
    file: Incoming,
    caption: str,
    entities: Sequence[Entity] = (),
) -> Reply | None:
    """A photo or document (with an optional caption) as the message."""
    draft = await load(svc.db, user_id)
    if draft is None or draft.step != TEXT:
        return None
    body = Rich()
    if caption.strip():
        checked, error = validate(with_markdown(caption, entities), caption=True)
        if checked is None:
            return Reply(Screen(error))
        body = checked
    now = svc.clock.now()
    async with svc.db.transaction() as conn:
        ref = await media.add(conn, file, now)
        draft.text, draft.item_id = body.to_json(), ""
        draft.media_kind, draft.media_id = ref.kind, ref.id
        draft.step = AUDIENCE
        await save_in(conn, user_id, draft, now)
    return Reply(audience_screen())


async def _preview(svc: Services, user_id: int, draft: Draft, chosen: str) -> Reply:
    """The audience is chosen: confirm it on the pressed message, then send the preview
    (exactly as recipients get it) and the card under it."""
    draft.step = PREVIEW
    await save(svc.db, user_id, draft, svc.clock.now())
    return Reply(
        Screen(texts.bc_audience_chosen(chosen)),
        more=(_as_sent(svc, draft), await card_screen(svc, draft)),
        replace=True,
    )


async def on_button(svc: Services, user_id: int, data: str, where: tuple[int, int]) -> Reply:
    """A compose button ("bc:…") pressed on message `where` = (chat id, message id)."""
    draft = await load(svc.db, user_id)
    if draft is None:
        return Reply(notice=texts.BC_STALE, alert=True)
    now = svc.clock.now()
    tz = svc.config.ward.tz
    parts = data.split(":")[1:]
    match parts:
        case ["x"]:
            await discard(svc.db, user_id)
            return Reply(Screen(texts.BC_CANCELLED), replace=True)
        case ["pick"] if draft.step == TEXT:
            return Reply(kinds_screen(svc), replace=True)
        case ["k", kind] if draft.step == TEXT and svc.content.kind(kind) is not None:
            return Reply(items_screen(svc, kind), replace=True)
        case ["i", item_id] if draft.step == TEXT:
            item = svc.content.get(item_id)
            if item is None or item.pending:
                return Reply(notice=texts.BC_STALE, alert=True)
            draft.text = item_message(svc.content, item).text.to_json()
            draft.item_id, draft.media_kind, draft.media_id = item.id, "", 0
            draft.step = AUDIENCE
            await save(svc.db, user_id, draft, now)
            return Reply(audience_screen(), replace=True)
        case ["a", "units"] if draft.step in (AUDIENCE, PREVIEW):
            if not await count_units(svc.db):
                return Reply(notice=texts.BC_NO_UNITS, alert=True)
            draft.step, draft.page = UNITS, 0
            await save(svc.db, user_id, draft, now)
            return Reply(await units_screen(svc, draft), replace=True)
        case ["a", kind] if draft.step in (AUDIENCE, PREVIEW) and kind in (
            "leaders",
            "groups",
            "everyone",
        ):
            audience = Audience(AudienceKind(kind))
            draft.audience = audience.to_json()
            return await _preview(svc, user_id, draft, await describe_audience(svc, audience))
        case ["u", unit_id] if draft.step == UNITS and inputs.number(unit_id) is not None:
            unit = await get_unit(svc.db, int(unit_id))
            if unit is None or not unit.active:
                return Reply(notice=texts.BC_STALE, alert=True)
            chosen = set(draft.units) ^ {unit.id}
            draft.units = sorted(chosen)
            await save(svc.db, user_id, draft, now)
            return Reply(await units_screen(svc, draft), replace=True)
        case ["up", page] if draft.step == UNITS and inputs.number(page) is not None:
            draft.page = int(page)
            await save(svc.db, user_id, draft, now)
            return Reply(await units_screen(svc, draft), replace=True)
        case ["ud"] if draft.step == UNITS:
            if not draft.units:
                return Reply(notice=texts.BC_PICK_A_UNIT, alert=True)
            draft.step = WHO
            await save(svc.db, user_id, draft, now)
            return Reply(who_screen(), replace=True)
        case ["w", who] if draft.step == WHO and who in ("l", "g", "b", "r", "a"):
            audience = Audience(
                AudienceKind.UNITS,
                tuple(draft.units),
                leaders=who in ("l", "b", "a"),
                groups=who in ("g", "b", "a"),
                residents=who in ("r", "a"),
            )
            draft.audience = audience.to_json()
            return await _preview(svc, user_id, draft, await describe_audience(svc, audience))
        case ["aud"] if draft.step == PREVIEW:
            draft.step = AUDIENCE
            await save(svc.db, user_id, draft, now)
            return Reply(audience_screen(), replace=True)
        case ["urg"] if draft.step == PREVIEW:
            draft.urgent = not draft.urgent
            await save(svc.db, user_id, draft, now)
            return Reply(await card_screen(svc, draft), replace=True)
        case ["send"] if draft.step == PREVIEW:
            return await _send_now(svc, user_id, draft, where)
        case ["later"] if draft.step == PREVIEW:
            draft.step = WHEN
            await save(svc.db, user_id, draft, now)
            return Reply(when_screen(now, tz), replace=True)
        case ["wq"] if draft.step == WHEN and draft.when:
            draft.step = REPEAT
            await save(svc.db, user_id, draft, now)
            return Reply(repeat_screen(parse_iso(draft.when), tz), replace=True)
        case ["un"] if draft.step == UNTIL:
            return await _schedule(svc, user_id, draft, draft.repeat)
        case ["back"] if draft.step in (WHEN, REPEAT, WEEKDAYS, UNTIL):
            draft.step = PREVIEW
            await save(svc.db, user_id, draft, now)
            return Reply(await card_screen(svc, draft), replace=True)
        case ["r", repeat] if draft.step == REPEAT and repeat in (
            "once",
            "daily",
            "weekly",
            "monthly",
        ):
            moment = parse_iso(draft.when)
            if repeat == "weekly":
                draft.step = WEEKDAYS
                draft.weekdays = [moment.astimezone(tz).weekday()]
                await save(svc.db, user_id, draft, now)
                return Reply(weekdays_screen(draft), replace=True)
            if repeat == "once":
                return await _schedule(svc, user_id, draft, repeat)
            draft.step, draft.repeat = UNTIL, repeat
            await save(svc.db, user_id, draft, now)
            return Reply(until_screen(draft, tz), replace=True)
        case ["d", day] if draft.step == WEEKDAYS and inputs.number(day, high=6) is not None:
            draft.weekdays = sorted(set(draft.weekdays) ^ {int(day)})
            await save(svc.db, user_id, draft, now)
            return Reply(weekdays_screen(draft), replace=True)
        case ["dd"] if draft.step == WEEKDAYS:
            if not draft.weekdays:
                return Reply(notice=texts.BC_PICK_A_DAY, alert=True)
            draft.step, draft.repeat = UNTIL, "weekly"
            await save(svc.db, user_id, draft, now)
            return Reply(until_screen(draft, tz), replace=True)
    return Reply(notice=texts.BC_STALE, alert=True)


def _as_sent(svc: Services, draft: Draft) -> OutMessage:
    """The draft's message as recipients get it (an urgent one marked as such)."""
    message = draft.message()
    return message.urgent_from(svc.config.ward.name) if draft.urgent else message


async def _send_now(svc: Services, user_id: int, draft: Draft, where: tuple[int, int]) -> Reply:
    audience = _audience_of(draft)
    assert audience is not None
    now = svc.clock.now()
    broadcast_id, count = await create_broadcast(
        svc.db,
        now,
        created_by=user_id,
        message=_as_sent(svc, draft),
        audience=audience,
        urgent=draft.urgent,
        progress=where,
    )
    await discard(svc.db, user_id)
    await people.audit(
        svc.db,
        user_id,
        "broadcast.send",
        now,
        target=f"broadcast:{broadcast_id}",
        detail=f"{audience.kind.value} {count}{' urgent' if draft.urgent else ''}",
    )
    status = await broadcast_status(svc.db, broadcast_id)
    assert status is not None
    return Reply(progress_screen(status), replace=True, enqueue=broadcast_id)


def _rule(draft: Draft, repeat: str, tz: ZoneInfo, until: date | None = None) -> Rule:
    moment = parse_iso(draft.when)
    local = moment.astimezone(tz)
    return Rule(
        repeat,
        local.time().replace(second=0, microsecond=0),
        tuple(draft.weekdays) if repeat == "weekly" else (),
        local.day if repeat == "monthly" else 0,
        moment if repeat == "once" else None,
        until if repeat != "once" else None,
    )


async def _schedule(
    svc: Services, user_id: int, draft: Draft, repeat: str, until: date | None = None
) -> Reply:
    audience = _audience_of(draft)
    assert audience is not None
    tz = svc.config.ward.tz
    now = svc.clock.now()
    moment = parse_iso(draft.when)
    rule = _rule(draft, repeat, tz, until)
    if draft.item_id:
        content = Content("item", item_id=draft.item_id)
        item = svc.content.get(draft.item_id)
        title = item.title if item else draft.item_id
    else:
        message = draft.message()
        content = Content.of(message)
        title = title_of(message.text) if message.text else texts.bc_media_title(draft.media_kind)
    # Nothing is owed before the first moment the official chose.
    since = moment - timedelta(seconds=1)
    schedule_id = await create_schedule(
        svc.db,
        now,
        created_by=user_id,
        title=title,
        rule=rule,
        content=content,
        audience=audience,
        urgent=draft.urgent,
        since=since,
    )
    await discard(svc.db, user_id)
    await people.audit(
        svc.db, user_id, "schedule.create", now, target=f"schedule:{schedule_id}", detail=repeat
    )
    await svc.schedules.rearm(schedule_id)
    cfg = svc.config.schedule
    quiet = Quiet(cfg.quiet_start, cfg.quiet_end)
    first = next_due(rule, since, tz)
    fire = fire_time(first, urgent=draft.urgent, quiet=quiet, tz=tz) if first else None
    return Reply(
        Screen(
            texts.bc_scheduled(
                schedule_id,
                describe(rule, tz),
                when_text(fire, tz) if fire else None,
                held=fire is not None and first is not None and fire != first,
                quiet=(cfg.quiet_start.strftime("%H:%M"), cfg.quiet_end.strftime("%H:%M")),
            )
        ),
        replace=True,
    )
