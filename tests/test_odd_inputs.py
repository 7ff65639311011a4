"""Odd input reaches a specific answer, never the generic error (issue 9, item 8).

Every command and every button pattern the running application registered (read from its
handlers, so a new command is covered the day it is added) gets arguments no one types by
accident: Unicode digits `int()` or SQLite refuse ("²", "٣", "𝟙"), numbers past 2**63,
negative numbers, 5,000 characters, emoji and other astral characters, NUL and
right-to-left overrides. They are sent through the simulator by a resident, a leader, an
officer and the config admin. Buttons are forged: callback data that starts as a pattern
demands, with random fields, and real payloads the bot sent with one field swapped for an
odd one. The bot must answer every command and every press, never with the generic error,
never reach its error handler, and never ask Telegram for a message it would refuse.
"""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass, field
from re import _constants as sre_constants  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot import texts
from bot.app import build_application
from bot.config import Config
from bot.content import ContentPack
from bot.simulator import BotApiSimulator, SentMessage, SimChat, SimUser

from .conftest import ADMIN_ID, with_changes
from .report_helpers import (
    add_leader,
    add_officer,
    add_person,
    add_unit,
    file_report,
    svc,
    without_reminders,
)

TEXT_LIMIT = 4096  # UTF-16 code units after entity parsing, as Telegram counts
CALLBACK_BYTES = 64
KNOWN_COMMANDS = {"nhiemvu", "muctieu", "tinhtrang", "themto", "doiten", "ngungto", "moi"}

# ---------------------------------------------------------------- the odd values

UNICODE_DIGITS = "²³¹⁰₅٣٠۴५০௫໓༣႓០᠕𝟘𝟙"
INVISIBLE = "\x00\u202e\u202d\u200b\u200f\ufeff\u2066"
HUGE = [10**20, 2**63, 2**63 - 1, 2**64, 10**30, 99999999999999999999999]


def utf16(text: str) -> int:
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def repeated(piece: str, size: int = 5000) -> str:
    return (piece * (size // len(piece) + 1))[:size]


unicode_number = st.text(st.sampled_from(UNICODE_DIGITS), min_size=1, max_size=25)
huge_number = st.one_of(
    st.sampled_from(HUGE), st.integers(min_value=2**63 - 2, max_value=10**40)
).map(str)
negative_number = st.integers(max_value=-1, min_value=-(10**30)).map(str)
# Past every id, page or count in these tests, yet a number a parser may well accept.
far_number = st.integers(min_value=10**5, max_value=2**63 - 3).map(str)
spelled_number = st.sampled_from(
    ["0", "-0", "+5", "007", "1_000", "0x1f", "1e9", "1.5", "½", "Ⅻ", "NaN", "inf", " 7"]
)
astral = st.text(st.characters(min_codepoint=0x10000, max_codepoint=0x1FAFF), min_size=1)
invisible = st.text(st.sampled_from(INVISIBLE), min_size=1, max_size=5)
mixed = st.lists(
    st.one_of(unicode_number, astral, invisible, st.text(min_size=1, max_size=6)),
    min_size=1,
    max_size=4,
).map("".join)
# Repetition, not st.text(min_size=5000): hypothesis would spend its whole budget on one.
long_text = st.one_of(
    st.text(min_size=1, max_size=4).filter(str.strip), astral, unicode_number, invisible
).map(repeated)
odd = st.one_of(
    unicode_number,
    huge_number,
    negative_number,
    far_number,
    spelled_number,
    astral,
    invisible,
    mixed,
    long_text,
)
# Drawn as a list and joined by the test: hypothesis then shows a failing case as
# [repeated('ab'), '²'], not as 5,000 characters.
command_args = st.lists(odd, min_size=1, max_size=3)
odd_field = st.one_of(
    unicode_number,
    huge_number,
    negative_number,
    far_number,
    spelled_number,
    astral,
    invisible,
    st.just(""),
    long_text,
)

# The cases the issue names: always tried first, whatever hypothesis draws next.
NAMED_ARGS = [
    "²",
    "¹",
    "99999999999999999999999",
    str(2**63),
    "-5",
    "٣",
    repeated("٣"),  # one 5,000-character word: a code or token that gets quoted back
    repeated("🙂"),  # 10,000 UTF-16 units
    "TDP06 " + repeated("Tổ dân phố số 6 "),  # a real tổ's code, then a very long name
    repeated("T") + " Tổ mới",  # a very long code, then a name
    "\u202e\x00TDP06\u200b",
]


# ---------------------------------------------------------------- what the app registered


def registered(app: Application) -> tuple[list[str], list[re.Pattern[str] | None]]:  # type: ignore[type-arg]
    """Every command name and every callback pattern (None for the catch-all), in order."""
    commands: list[str] = []
    patterns: list[re.Pattern[str] | None] = []
    for group in sorted(app.handlers):
        for handler in app.handlers[group]:
            if isinstance(handler, CommandHandler):
                commands += sorted(c for c in handler.commands if c not in commands)
            elif isinstance(handler, CallbackQueryHandler):
                pattern = handler.pattern
                assert pattern is None or isinstance(pattern, re.Pattern), pattern
                patterns.append(pattern)
    return commands, patterns


def literal_starts(pattern: str) -> set[str]:
    """The literal text a regex forces at the start, one entry per alternative:
    `^(r|my):` → {"r:", "my:"}, `^p[cx]:` → {"pc:", "px:"}, `^(m|[kif]:.*)$` → {"m", "k:",
    "i:", "f:"}. Stops at the first part that is not a literal (a repeat, `.`, an end)."""
    return {text for text, _ in _starts(list(sre_parse.parse(pattern)))}


def _starts(items: list[tuple[Any, Any]]) -> set[tuple[str, bool]]:
    """(text, stopped) pairs: stopped means a non-literal part cut the alternative short."""
    heads = {("", False)}
    for op, arg in items:
        grown: set[tuple[str, bool]] = set()
        for head, stopped in heads:
            if stopped:
                grown.add((head, True))
            elif op is sre_constants.AT:
                grown.add((head, False))
            elif op is sre_constants.LITERAL:
                grown.add((head + chr(arg), False))
            elif op is sre_constants.IN and all(o is sre_constants.LITERAL for o, _ in arg):
                grown |= {(head + chr(a), False) for _, a in arg}
            elif op is sre_constants.SUBPATTERN:
                grown |= {(head + t, s) for t, s in _starts(list(arg[-1]))}
            elif op is sre_constants.BRANCH:
                for branch in arg[1]:
                    grown |= {(head + t, s) for t, s in _starts(list(branch))}
            else:
                grown.add((head, True))
        heads = grown
    return heads


def telegram_sized(data: str) -> str:
    """Callback data as Telegram carries it: at most 64 bytes of UTF-8 (a longer forged
    payload never reaches a bot)."""
    return data.encode()[:CALLBACK_BYTES].decode(errors="ignore")


def payload_fields(prefix: str) -> st.SearchStrategy[str]:
    """`prefix` followed by 0-4 odd, colon-separated fields."""
    return st.lists(odd_field, max_size=4).map(lambda parts: prefix + ":".join(parts))


def mutated(real: str) -> st.SearchStrategy[str]:
    """A payload the bot really sent, with one of its fields (after the first) made odd."""
    parts = real.split(":")
    if len(parts) < 2:
        return odd_field.map(lambda odd_part: real + ":" + odd_part)

    def swap(choice: tuple[int, str]) -> str:
        index, value = choice
        return ":".join([*parts[:index], value, *parts[index + 1 :]])

    return st.tuples(st.integers(1, len(parts) - 1), odd_field).map(swap)


# ---------------------------------------------------------------- driving the bot


@dataclass
class Findings:
    """Everything that went wrong in one batch, so one run reports every bad input."""

    problems: list[str] = field(default_factory=list)

    def add(self, what: str, problem: str) -> None:
        self.problems.append(f"{what[:160]!r}: {problem}")


def short(text: str) -> str:
    return text if len(text) <= 60 else f"{text[:60]}… ({len(text)} chars)"


@dataclass
class Person:
    """A test user and the role they were given."""

    name: str
    user: SimUser


@pytest.fixture
def config(config: Config) -> Config:
    # Telegram's 30 a second overall would pace this test's thousand replies to half a
    # minute, and after ten wrong invite links /start rightly goes silent.
    paced = with_changes(without_reminders(config), "delivery", global_per_second=10_000.0)
    return with_changes(paced, "limits", invite_guesses=1_000_000)


@pytest.fixture
async def roles(sim: BotApiSimulator, bot: Any) -> list[Person]:
    db = svc(bot).db
    await add_person(db, 3001, "Mai")
    await add_leader(db, 3002, "Lan", "Tổ dân phố số 5")
    await add_officer(db, 3003, "Hùng")
    await add_unit(db, "Tổ dân phố số 6", "TDP06")  # one for /doiten, /ngungto to find
    people = [
        Person("resident", sim.user(3001, "Mai")),
        Person("leader", sim.user(3002, "Lan")),
        Person("officer", sim.user(3003, "Hùng")),
        Person("admin", sim.user(ADMIN_ID, "Hà")),
    ]
    for person in people:  # a message in each private chat to press forged buttons on
        await person.user.send("/help")
        await person.user.expect_reply()
    return people


async def settle(sim: BotApiSimulator) -> None:
    """Until the bot has finished with the update (callers first wait for its answer)."""
    await sim.wait_idle(timeout=10, quiet=0.005)


def events(sim: BotApiSimulator, chat_id: int) -> list[SentMessage]:
    """What the bot sent or edited in the chat, in order, as it looked each time."""
    chat = sim.chats.get(chat_id)
    return chat.events if chat is not None else []


def check_messages(messages: list[SentMessage], what: str, found: Findings) -> None:
    for message in messages:
        body = message.text if message.text is not None else (message.caption or "")
        if texts.ERROR_GENERIC in body:
            found.add(what, "answered with the generic error")
        if utf16(body) > TEXT_LIMIT:
            found.add(what, f"a reply of {utf16(body)} UTF-16 units")


def check_log(
    sim: BotApiSimulator,
    caplog: pytest.LogCaptureFixture,
    failed_before: int,
    what: str,
    found: Findings,
) -> None:
    for record in caplog.records:
        if record.levelno >= logging.ERROR:
            cause = f" ({record.exc_info[1]!r})" if record.exc_info and record.exc_info[1] else ""
            found.add(what, f"logged {record.getMessage()!r}{cause}"[:400])
    caplog.clear()
    for call in list(sim.failed_calls)[failed_before:]:
        if "message is not modified" in call["description"]:
            continue  # the same screen again: Telegram says so, nobody sees anything
        found.add(what, f"Telegram refused {call['method']}: {call['description']}")


async def send_command(
    sim: BotApiSimulator,
    person: Person,
    text: str,
    caplog: pytest.LogCaptureFixture,
    found: Findings,
    group: SimChat | None = None,
) -> None:
    """`text` from `person`, in private (where every command must be answered) or in
    `group` (where the bot may stay silent)."""
    where = f" in {group.title}" if group is not None else ""
    what = f"{short(text)} as {person.name}{where}"
    chat_id = group.chat_id if group is not None else person.user.chat_id
    failed_before, seen_before = len(sim.failed_calls), len(events(sim, chat_id))
    person.user.skip_replies(group)
    await person.user.send(text, chat=group)
    if group is None:
        try:
            await person.user.expect_reply(timeout=3)
        except AssertionError:
            found.add(what, "no answer at all")
    await settle(sim)
    check_messages(events(sim, chat_id)[seen_before:], what, found)
    person.user.skip_replies(group)
    check_log(sim, caplog, failed_before, what, found)


async def press_forged(
    sim: BotApiSimulator,
    person: Person,
    data: str,
    caplog: pytest.LogCaptureFixture,
    found: Findings,
    group: SimChat | None = None,
) -> None:
    """`data` pressed by `person` on the bot's last message in private (or in `group`)."""
    where = f" in {group.title}" if group is not None else ""
    what = f"button {data!r} as {person.name}{where}"
    chats = [person.user.chat_id] + ([group.chat_id] if group is not None else [])
    failed_before = len(sim.failed_calls)
    seen_before = [len(events(sim, chat_id)) for chat_id in chats]
    target = sim.last_in(chats[-1])
    assert target is not None
    query_id = await person.user.press(target, callback_data=data)
    deadline = asyncio.get_running_loop().time() + 3
    while not sim.callback_queries[query_id]["answered"]:
        if asyncio.get_running_loop().time() > deadline:
            found.add(what, "the press was never answered")
            break
        await asyncio.sleep(0.002)
    await settle(sim)
    for answer in sim.callback_answers:
        if answer["callback_query_id"] == query_id and answer["text"] == texts.ERROR_GENERIC:
            found.add(what, "answered with the generic error")
    for chat_id, before in zip(chats, seen_before, strict=True):
        check_messages(events(sim, chat_id)[before:], what, found)
    person.user.skip_replies()
    check_log(sim, caplog, failed_before, what, found)


# ---------------------------------------------------------------- the tests


def test_the_enumeration_finds_what_it_must(config: Config, pack: ContentPack) -> None:
    commands, patterns = registered(build_application(config, pack))
    assert set(commands) >= KNOWN_COMMANDS, sorted(KNOWN_COMMANDS - set(commands))
    assert None in patterns  # the catch-all for unknown buttons
    starts = {s for p in patterns if p is not None for s in literal_starts(p.pattern)}
    assert {"f:", "k:", "i:", "m", "bc:", "st:", "rv:"} <= starts, sorted(starts)
    for pattern in patterns:
        if pattern is not None:  # every start found really is accepted by its pattern
            for start in literal_starts(pattern.pattern):
                assert pattern.match(start) or pattern.match(start + "1"), (pattern, start)


def test_literal_starts() -> None:
    assert literal_starts(r"^(r|my):") == {"r:", "my:"}
    assert literal_starts(r"^p[cx]:") == {"pc:", "px:"}
    assert literal_starts(r"^(m|[kif]:.*)$") == {"m", "k:", "i:", "f:"}
    assert literal_starts(r"^tip:\d+") == {"tip:"}


FAST = settings(
    max_examples=2,
    deadline=None,
    phases=[Phase.generate],  # each run reports every bad input: shrinking would only cost time
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def report(found: Findings) -> None:
    assert not found.problems, f"{len(found.problems)} odd inputs went wrong:\n" + "\n".join(
        found.problems
    )


async def test_the_inputs_the_issue_names(
    sim: BotApiSimulator, bot: Any, roles: list[Person], caplog: pytest.LogCaptureFixture
) -> None:
    """Every command with each argument issue 9 names, as the admin (who may use them all),
    and with the numbers as a resident (who is refused most of them)."""
    caplog.set_level(logging.ERROR)
    commands, _ = registered(bot)
    found = Findings()
    resident, admin = roles[0], roles[-1]
    for person, args in ((resident, NAMED_ARGS[:7]), (admin, NAMED_ARGS)):
        for command in commands:
            for arg in args:
                await send_command(sim, person, f"/{command} {arg}", caplog, found)
    report(found)


@FAST
@given(data=st.data())
async def test_every_command_with_odd_arguments(
    sim: BotApiSimulator,
    bot: Any,
    roles: list[Person],
    caplog: pytest.LogCaptureFixture,
    data: st.DataObject,
) -> None:
    """Each command, then one odd message with no command: whatever step the command
    opened (a report, a draft, a tip, a search) gets it."""
    caplog.set_level(logging.ERROR)
    commands, _ = registered(bot)
    found = Findings()
    for person in roles:
        for command in commands:
            args = data.draw(command_args, label=f"/{command} as {person.name}")
            await send_command(sim, person, f"/{command} {' '.join(args)}", caplog, found)
            text = data.draw(odd, label=f"then, after /{command}")
            if not text.startswith("/"):
                await send_command(sim, person, text, caplog, found)
    report(found)


@pytest.fixture
async def group(sim: BotApiSimulator, bot: Any, roles: list[Person]) -> SimChat:
    """The leader's group, the bot and the admin in it, with a bot message to press on."""
    chat = sim.group(-100777, "Tổ dân phố số 5", bot_member=False)
    sim.add_bot_to_group(chat, by=roles[1].user)
    chat.members[ADMIN_ID] = "member"
    await roles[1].user.send("/help", chat=chat)
    await roles[1].user.expect_reply(chat=chat)
    await settle(sim)
    return chat


@FAST
@given(data=st.data())
async def test_every_command_in_a_group(
    sim: BotApiSimulator,
    bot: Any,
    roles: list[Person],
    group: SimChat,
    caplog: pytest.LogCaptureFixture,
    data: st.DataObject,
) -> None:
    """In a group the bot may say nothing, but never the generic error."""
    caplog.set_level(logging.ERROR)
    commands, _ = registered(bot)
    found = Findings()
    for person in (roles[0], roles[1], roles[-1]):
        for command in commands:
            args = data.draw(command_args, label=f"/{command} in the group as {person.name}")
            text = f"/{command} {' '.join(args)}"
            await send_command(sim, person, text, caplog, found, group)
    report(found)


async def answered(user: SimUser, sim: BotApiSimulator, text: str) -> SentMessage:
    await user.send(text)
    reply = await user.expect_reply()
    await settle(sim)
    user.skip_replies()
    return reply


def buttons_shown(sim: BotApiSimulator, chat_id: int) -> dict[str, SentMessage]:
    """Every payload the bot put on a button in the chat, with the message that carried it."""
    return {
        data: message
        for message in events(sim, chat_id)
        for row in message.callback_data
        for data in row
        if data
    }


async def press_real(sim: BotApiSimulator, user: SimUser, message: SentMessage, data: str) -> None:
    query_id = await user.press(message, callback_data=data)
    deadline = asyncio.get_running_loop().time() + 3
    while not sim.callback_queries[query_id]["answered"]:
        assert asyncio.get_running_loop().time() < deadline, f"{data!r} was never answered"
        await asyncio.sleep(0.002)
    await settle(sim)
    user.skip_replies()


class Harvest(dict[str, list[str]]):
    """Payloads per role; short in hypothesis's report of a failing case."""

    def __repr__(self) -> str:
        return f"Harvest({sum(map(len, self.values()))} payloads)"


@pytest.fixture
async def payloads(
    sim: BotApiSimulator, bot: Any, roles: list[Person], pack: ContentPack
) -> Harvest:
    """Per role, the payloads of the buttons the bot showed them: once a report, a tip and
    a draft broadcast exist (so lists have items), after each bare command and after each
    button those answers carried (one level deeper: pickers, confirmations, pages)."""
    resident, leader, _, admin = (person.user for person in roles)
    leader.skip_replies()
    await file_report(leader, pack)
    for text in ("/baotin", "Nghe nói phường thu phí chuyển đổi số", "Thấy trên Zalo"):
        await answered(resident, sim, text)
    for text in ("/guitin", "Họp tổ dân phố tối thứ Bảy"):
        await answered(admin, sim, text)
    commands, _ = registered(bot)
    for person in roles:
        for command in commands:
            if command == "xoadulieu":
                continue  # its confirmation button would erase the person this test needs
            await answered(person.user, sim, f"/{command}")
        for data, message in sorted(buttons_shown(sim, person.user.chat_id).items()):
            await press_real(sim, person.user, message, data)
        await answered(person.user, sim, "/help")  # a message to press forged buttons on
    seen = Harvest(
        {person.name: sorted(buttons_shown(sim, person.user.chat_id)) for person in roles}
    )
    # Each list really has something to forge from: content, reports, tips, people tools.
    assert any(d.startswith("f:") for d in seen["resident"]), seen["resident"]
    assert any(d.startswith("r:") for d in seen["leader"]), seen["leader"]
    assert any(d.startswith(("rv:", "tip:")) for d in seen["officer"]), seen["officer"]
    assert any(d.startswith(("bc:", "pr:")) for d in seen["admin"]), seen["admin"]
    return seen


@FAST
@given(data=st.data())
async def test_every_button_pattern_with_odd_fields(
    sim: BotApiSimulator,
    bot: Any,
    roles: list[Person],
    payloads: Harvest,
    group: SimChat,
    caplog: pytest.LogCaptureFixture,
    data: st.DataObject,
) -> None:
    caplog.set_level(logging.ERROR)
    _, patterns = registered(bot)
    found = Findings()
    for person in roles:
        for pattern in patterns:
            forged: list[str] = []
            if pattern is None:  # the catch-all for buttons nobody recognises
                forged.append(data.draw(odd_field.filter(bool), label="unknown button"))
            else:
                for start in sorted(literal_starts(pattern.pattern)):
                    forged.append(data.draw(payload_fields(start), label=f"{start} fields"))
                real = [d for d in payloads[person.name] if pattern.match(d)]
                if real:
                    picks = st.lists(st.sampled_from(real), max_size=3, unique=True)
                    for pick in data.draw(picks, label=f"real {pattern.pattern} payloads"):
                        forged.append(data.draw(mutated(pick), label=f"{pick} changed"))
            for payload in forged:
                await press_forged(sim, person, telegram_sized(payload), caplog, found)
                if person.name in ("leader", "admin"):  # the same press in their group
                    await press_forged(sim, person, telegram_sized(payload), caplog, found, group)
    report(found)
