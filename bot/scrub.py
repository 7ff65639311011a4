"""Secrets that arrive inside updates are cut out before an update is written to disk.

An invite link is `t.me/<bot>?start=<token>`: opening it makes Telegram send `/start <token>`,
and the token would rest in the durable inbox (and the WAL) in clear until the update is
finished, enough for someone who can read the file to redeem an invite they were never given.
So the inbox stores every update through `scrub`, which replaces each secret with
`REDACTED`; only the update object in memory, handled at once, still carries the token.
An update replayed after a crash therefore arrives with `REDACTED` in the token's place, and
the invite handler asks the person to open the link again (`is_redacted`).

Where secrets sit, as patterns over the update's JSON text (tokens are base64url, so JSON
escaping never touches them): the `/start` command's argument, a deep link's `start=`
parameter (in any text, caption or entity URL: an officer's copy of a link they forward or
reply to), and the consent button of screens shown before invites were offered by id
(`pc:y:<token>`). Other channels register their own with `add_pattern` (a typed invite code).
"""

from __future__ import annotations

import re

REDACTED = "redacted"

# Each pattern captures the secret as its group "secret"; the rest stays as it was.
_patterns: list[re.Pattern[str]] = [
    # "/start TOKEN", "/start@loaphuong_bot TOKEN"; the whitespace may be JSON's "\n" escape.
    re.compile(r"/start(?:@\w+)?(?:\s|\\[nrt])+(?P<secret>[A-Za-z0-9_-]+)"),
    re.compile(r"[?&]start=(?P<secret>[A-Za-z0-9_-]+)"),
    re.compile(r"\bpc:y:(?P<secret>[A-Za-z0-9_-]{16,64})"),
]
# A cheap first look: most updates contain none of these and cost one substring search each.
_markers: list[str] = ["start", "pc:y:"]
# A typed invite code (bot/invites.py): a message that is nothing but three groups of three.
_patterns.append(
    re.compile(
        r'"text":\s*"\s*(?P<secret>(?=[A-Za-z0-9 -]*[0-9 -])'
        r'[A-Za-z0-9]{3}[- ]?[A-Za-z0-9]{3}[- ]?[A-Za-z0-9]{3})\s*"'
    )
)
_markers.append('"text"')


def add_pattern(pattern: str, marker: str) -> None:
    """Also cut out what `pattern`'s group "secret" matches, in updates containing `marker`."""
    compiled = re.compile(pattern)
    if "secret" not in compiled.groupindex:
        raise ValueError("the pattern needs a group named 'secret'")
    _patterns.append(compiled)
    _markers.append(marker)


def _cut(match: re.Match[str]) -> str:
    start, end = match.span("secret")
    whole_start = match.start()
    text = match.group(0)
    return text[: start - whole_start] + REDACTED + text[end - whole_start :]


def scrub(payload: str) -> str:
    """`payload` (an update as JSON text) with every secret replaced by REDACTED."""
    if not any(marker in payload for marker in _markers):
        return payload
    for pattern in _patterns:
        payload = pattern.sub(_cut, payload)
    return payload


def is_redacted(value: str) -> bool:
    """True for the placeholder a replayed update carries where a secret was."""
    return value == REDACTED
