"""Telegram's flood limits, injected faults and request statistics for the simulator.

Flood limits are sliding windows over accepted sends (one deque of timestamps per window, so a
check costs O(1) amortised whatever the history). Telegram does not publish its exact limits;
the defaults are the documented advice (30 messages/s overall, about 1/s per chat, 20/min per
group). Like Telegram, a chat that was told "retry after N" keeps getting 429 until N seconds
have passed, and such early retries are counted so a test can prove the bot waits.
"""

from __future__ import annotations

import math
import random
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.simulator.validate import ApiError

SEND_METHODS = frozenset(
    {
        "sendmessage",
        "sendphoto",
        "senddocument",
        "sendaudio",
        "sendvideo",
        "sendanimation",
        "sendvoice",
        "sendsticker",
        "sendlocation",
        "sendcontact",
        "sendpoll",
        "sendmediagroup",
        "copymessage",
        "forwardmessage",
    }
)
EDIT_METHODS = frozenset({"editmessagetext", "editmessagereplymarkup", "editmessagecaption"})


@dataclass(frozen=True)
class Limits:
    """Telegram's flood limits. Windows slide; `per_chat_window` widens the per-chat window
    (allowing `per_chat_per_sec * per_chat_window` messages in any such window)."""

    global_per_sec: int = 30
    per_chat_per_sec: int = 1
    per_group_per_min: int = 20
    per_chat_window: float = 1.0
    enforce_retry_after: bool = True
    count_edits: bool = False

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Limits:
        known = {f for f in cls.__dataclass_fields__}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown limit fields: {sorted(unknown)}")
        return cls(**data)

    def to_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


class Stats:
    """Counters of what the simulator saw; `snapshot()` gives a JSON-ready copy."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.requests: Counter[str] = Counter()
        self.responses: Counter[int] = Counter()
        self.errors: Counter[str] = Counter()
        self.rate_limited: Counter[str] = Counter()
        self.early_retries = 0
        self.faults: Counter[str] = Counter()
        self.updates = 0
        self.messages_sent = 0

    def snapshot(self) -> dict[str, Any]:
        return {
            "requests": dict(self.requests),
            "total_requests": sum(self.requests.values()),
            "responses": {str(code): n for code, n in self.responses.items()},
            "errors": dict(self.errors),
            "rate_limited": {
                "global": self.rate_limited["global"],
                "per_chat": self.rate_limited["per_chat"],
                "per_group": self.rate_limited["per_group"],
            },
            "early_retries": self.early_retries,
            "faults": dict(self.faults),
            "updates": self.updates,
            "messages_sent": self.messages_sent,
        }


def too_many(retry_after: int) -> ApiError:
    return ApiError(
        429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after}
    )


class _Window:
    """Timestamps of accepted sends inside one sliding window."""

    __slots__ = ("length", "limit", "stamps")

    def __init__(self, limit: int, length: float) -> None:
        self.limit = limit
        self.length = length
        self.stamps: deque[float] = deque()

    def wait(self, now: float) -> float:
        """0 when one more send fits now, else seconds until it does."""
        stamps = self.stamps
        horizon = now - self.length
        while stamps and stamps[0] <= horizon:
            stamps.popleft()
        if len(stamps) < self.limit:
            return 0.0
        return stamps[len(stamps) - self.limit] + self.length - now


class RateLimiter:
    """Admits or refuses sends according to `Limits`; counts refusals in `Stats`."""

    def __init__(
        self, limits: Limits, stats: Stats, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limits = limits
        self._stats = stats
        self._clock = clock
        self._global = _Window(max(1, limits.global_per_sec), 1.0)
        self._chats: dict[int, _Window] = {}
        self._groups: dict[int, _Window] = {}
        self._blocked: dict[tuple[str, int], float] = {}
        self._chat_limit = max(1, round(limits.per_chat_per_sec * limits.per_chat_window))

    def applies_to(self, method: str) -> bool:
        return method in SEND_METHODS or (self.limits.count_edits and method in EDIT_METHODS)

    def admit(self, chat_id: int, is_group: bool) -> None:
        """Record one send to `chat_id` or raise the 429 Telegram would answer."""
        now = self._clock()
        keys = [("global", 0), ("per_chat", chat_id)]
        if is_group:
            keys.append(("per_group", chat_id))
        if self.limits.enforce_retry_after and self._blocked:
            for key in keys:
                until = self._blocked.get(key)
                if until is not None:
                    if now < until:
                        self._stats.rate_limited[key[0]] += 1
                        self._stats.early_retries += 1
                        raise too_many(max(1, math.ceil(until - now)))
                    del self._blocked[key]
        windows = [("global", 0, self._global), ("per_chat", chat_id, self._chat(chat_id))]
        if is_group:
            windows.append(("per_group", chat_id, self._group(chat_id)))
        for cause, key_id, window in windows:
            wait = window.wait(now)
            if wait > 0:
                retry_after = max(1, math.ceil(wait))
                self._blocked[(cause, key_id)] = now + retry_after
                self._stats.rate_limited[cause] += 1
                raise too_many(retry_after)
        for _, _, window in windows:
            window.stamps.append(now)

    def _chat(self, chat_id: int) -> _Window:
        window = self._chats.get(chat_id)
        if window is None:
            window = self._chats[chat_id] = _Window(self._chat_limit, self.limits.per_chat_window)
        return window

    def _group(self, chat_id: int) -> _Window:
        window = self._groups.get(chat_id)
        if window is None:
            window = self._groups[chat_id] = _Window(max(1, self.limits.per_group_per_min), 60.0)
        return window


FAULT_STATUSES = (400, 403, 429, 500, 502, 503, 504, "timeout")
_DEFAULT_DESCRIPTIONS = {
    400: "Bad Request: simulated error",
    403: "Forbidden: bot was blocked by the user",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


@dataclass(eq=False)
class FaultRule:
    """One injected failure. `times` counts down; `probability` fires at random instead.

    status "timeout" holds the response for `delay` seconds (default `Faults.timeout_delay`)
    so the client times out; with `deliver=True` the request is carried out first (the message
    IS recorded as delivered, the worst case for a client that retries after a timeout), with
    `deliver=False` it is dropped."""

    id: int
    method: str | None
    status: int | str
    times: int | None = None
    probability: float | None = None
    retry_after: int = 1
    chat_id: int | str | None = None
    description: str | None = None
    delay: float | None = None
    deliver: bool = True
    hits: int = 0
    exhausted: bool = field(default=False)

    def error(self) -> ApiError:
        if self.status == 429:
            error = too_many(self.retry_after)
            if self.description:
                error.description = self.description
            return error
        assert isinstance(self.status, int)
        return ApiError(
            self.status,
            self.description or _DEFAULT_DESCRIPTIONS.get(self.status, "Bad Request: simulated"),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "method": self.method,
            "status": self.status,
            "times": self.times,
            "probability": self.probability,
            "retry_after": self.retry_after,
            "chat_id": self.chat_id,
            "description": self.description,
            "delay": self.delay,
            "deliver": self.deliver,
            "hits": self.hits,
            "exhausted": self.exhausted,
        }


class Faults:
    """Injected failures, matched in the order they were added (first match wins)."""

    def __init__(self, seed: int | None = None) -> None:
        self._rules: list[FaultRule] = []
        self._next_id = 1
        self._rng = random.Random(seed)
        self.timeout_delay = 6.0  # python-telegram-bot's default read timeout is 5 s
        self.timeout_delivers = True

    def add(
        self,
        method: str | None = None,
        status: int | str = 500,
        *,
        times: int | None = None,
        probability: float | None = None,
        retry_after: int = 1,
        chat_id: int | str | None = None,
        description: str | None = None,
        delay: float | None = None,
        deliver: bool | None = None,
    ) -> FaultRule:
        """Make matching requests fail. `method=None` matches every method but getUpdates."""
        if status not in FAULT_STATUSES:
            raise ValueError(f"status must be one of {FAULT_STATUSES}, not {status!r}")
        if probability is not None and not 0.0 <= probability <= 1.0:
            raise ValueError("probability must be between 0 and 1")
        if times is None and probability is None:
            times = 1
        if times is not None and times < 1:
            raise ValueError("times must be at least 1")
        rule = FaultRule(
            id=self._next_id,
            method=method.lower() if method else None,
            status=status,
            times=times,
            probability=probability,
            retry_after=max(1, int(retry_after)),
            chat_id=chat_id,
            description=description,
            delay=delay,
            deliver=self.timeout_delivers if deliver is None else deliver,
        )
        self._next_id += 1
        self._rules.append(rule)
        return rule

    def clear(self) -> None:
        self._rules.clear()

    def remove(self, rule: FaultRule) -> None:
        if rule in self._rules:
            self._rules.remove(rule)

    @property
    def rules(self) -> list[FaultRule]:
        return list(self._rules)

    def __len__(self) -> int:
        return len(self._rules)

    def match(self, method: str, chat_id: str | None) -> FaultRule | None:
        """The rule that fires for this request, if any (its counters are updated)."""
        if not self._rules:
            return None
        for rule in self._rules:
            if rule.method is None:
                if method == "getupdates":
                    continue
            elif rule.method != method:
                continue
            if rule.chat_id is not None and str(rule.chat_id) != (chat_id or "").strip():
                continue
            if rule.probability is not None and self._rng.random() >= rule.probability:
                continue
            rule.hits += 1
            if rule.times is not None:
                rule.times -= 1
                if rule.times <= 0:
                    rule.exhausted = True
                    self._rules.remove(rule)
            return rule
        return None
