"""Scripted leaders filing reports through the simulator, for the fault test and the bench.

A leader acts like a person: it looks at the latest message of the bot in its chat, presses
a button or types, and waits until the bot shows the next question. Waiting for what the
screen says (not for "the next message") makes duplicated or re-sent replies after a crash
harmless, and a step applied twice visible: ticking a topic twice would un-tick it, and the
leader would wait in vain for "✅".
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from bot import texts
from bot.content import ContentPack
from bot.report_parse import topics
from bot.simulator import BotApiSimulator
from bot.simulator.models import SentMessage, SimUser

Check = Callable[[SentMessage], bool]


def _has(text: str) -> Check:
    return lambda m: text in m.text


def _button(label: str) -> Check:
    return lambda m: any(label in row for row in m.buttons)


@dataclass(frozen=True)
class Action:
    kind: str  # "send" | "press"
    value: str
    then: Check  # what the screen shows once this step was handled
    step: str  # the draft's step after this action (for the resume check)


def script(pack: ContentPack, attendance: str = "35") -> list[Action]:
    """The eleven steps of a complete report: the date, a form, two topics, …, Gửi."""
    first, second = topics(pack)[0].title, topics(pack)[2].title
    return [
        Action("send", "/baocao", _has(texts.R_Q_DATE), "date"),
        Action("press", texts.R_BTN_TODAY, _has(texts.R_Q_FORM), "form"),
        Action("press", texts.R_FORM_LABELS["hop_to"], _has(texts.R_Q_TOPICS), "topics"),
        Action("press", first, _button("✅ " + first), "topics"),
        Action("press", second, _button("✅ " + second), "topics"),
        Action("press", texts.r_btn_topics_done(2), _has(texts.R_Q_ATTENDANCE), "attendance"),
        Action("send", attendance, _has(texts.R_Q_NOTES), "notes"),
        Action("press", texts.R_BTN_SKIP, _has(texts.R_Q_PHOTOS), "photos"),
        Action("press", texts.R_BTN_DONE, _has(texts.R_Q_DIFFICULTIES), "difficulties"),
        Action("press", texts.R_BTN_NONE, _has("Kiểm tra báo cáo"), "summary"),
        Action("press", texts.R_BTN_SEND, _has("Đã gửi báo cáo số"), "sent"),
    ]


@dataclass
class Leader:
    user: SimUser
    actions: list[Action]
    stop_after: int | None = None  # leave the draft half-written after this many actions
    done: int = 0
    receipt: int | None = None
    latencies: list[float] = field(default_factory=list)


def latest_screen(sim: BotApiSimulator, chat_id: int) -> SentMessage | None:
    """The bot message that changed last in the chat (sent or edited), as a person sees it:
    after a crash the bot may send a question again, and the edit that answers the next
    press lands on an older message; what changed last is what the person looks at."""
    chat = sim.chats.get(chat_id)
    if chat is None or not chat.events:
        return None
    return chat.events[-1]


async def wait_screen(
    sim: BotApiSimulator, chat_id: int, check: Check, timeout: float
) -> SentMessage:
    """The bot's latest message in the chat once it passes `check`."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        latest = latest_screen(sim, chat_id)
        if latest is not None and check(latest):
            return latest
        remaining = deadline - loop.time()
        if remaining <= 0:
            shown = latest.text[:120] if latest is not None else "nothing"
            raise AssertionError(f"chat {chat_id}: the expected screen never came; {shown!r}")
        chat = sim.chats.get(chat_id)
        if chat is None:
            await asyncio.sleep(0.01)
        else:
            await chat.changed(min(remaining, 0.5))


async def run_leader(sim: BotApiSimulator, leader: Leader, step_timeout: float) -> None:
    """Act out the script (or its first `stop_after` actions), timing every step."""
    chat_id = leader.user.chat_id
    limit = len(leader.actions) if leader.stop_after is None else leader.stop_after
    for action in leader.actions[:limit]:
        started = time.perf_counter()
        if action.kind == "send":
            await leader.user.send(action.value)
        else:
            latest = latest_screen(sim, chat_id)
            assert latest is not None
            await leader.user.press(latest, action.value)
        shown = await wait_screen(sim, chat_id, action.then, step_timeout)
        leader.latencies.append(time.perf_counter() - started)
        leader.done += 1
        if action.step == "sent":
            leader.receipt = int(shown.text.split("số ")[1].split()[0])


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]
