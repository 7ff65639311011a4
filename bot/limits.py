"""How much one person may ask of the bot: a flood gate for incoming updates.

One person sending a thousand messages a second must not stall everyone else: each of their
updates would wait for their own chat's send limit (one message a second) while holding a
place the others need. `FloodGate` is a token bucket per person: a burst of `burst` updates,
then `per_second`. The first update over the limit gets one polite answer (WARN), later ones
are dropped unanswered (DROP), and while a person keeps flooding their bucket stays empty:
they are let in again only once they have paused long enough for half a burst to refill.

Pure and channel-free: keys are whatever identifies a person, time is passed in.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from enum import StrEnum

FORGET_AFTER = 600.0  # seconds of quiet after which a person's bucket is full again anyway


class Verdict(StrEnum):
    ADMIT = "admit"
    WARN = "warn"  # over the limit for the first time in this flood: say so once
    DROP = "drop"  # still over: silence


@dataclass
class _Bucket:
    tokens: float
    at: float
    over: bool = False


class FloodGate:
    """Token buckets per key; `admit(key, now)` for every update, in arrival order."""

    def __init__(self, burst: int, per_second: float, *, max_keys: int = 100_000) -> None:
        if burst < 1 or per_second <= 0:
            raise ValueError("burst must be at least 1 and per_second positive")
        self.burst = burst
        self.per_second = per_second
        self.max_keys = max_keys
        self._buckets: dict[Hashable, _Bucket] = {}

    def admit(self, key: Hashable, now: float) -> Verdict:
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= self.max_keys:
                self._forget(now)
            bucket = self._buckets[key] = _Bucket(float(self.burst), now)
        elapsed = max(0.0, now - bucket.at)
        bucket.tokens = min(float(self.burst), bucket.tokens + elapsed * self.per_second)
        bucket.at = now
        if bucket.over and bucket.tokens >= self.burst / 2:
            bucket.over = False
        if not bucket.over and bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return Verdict.ADMIT
        # Every update sent while over the limit costs as much as one let in, so a person
        # who keeps sending stays silent; only a pause lets the bucket fill again.
        bucket.tokens = max(0.0, bucket.tokens - 1.0)
        if bucket.over:
            return Verdict.DROP
        bucket.over = True
        return Verdict.WARN

    def _forget(self, now: float) -> None:
        """Drop the buckets of people quiet for a while (they are full again by now)."""
        for key in [k for k, b in self._buckets.items() if now - b.at > FORGET_AFTER]:
            del self._buckets[key]
        if len(self._buckets) >= self.max_keys:  # all busy: forget the quietest half
            by_age = sorted(self._buckets, key=lambda k: self._buckets[k].at)
            for key in by_age[: len(by_age) // 2]:
                del self._buckets[key]
