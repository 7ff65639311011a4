"""Untrusted text from chats and files, made safe to use: numbers, echoes and names.

Telegram delivers whatever a client sends: a command's arguments and a button's callback data
can hold any Unicode (forging a button press takes a few lines of code). `str.isdigit()` says
yes to "²" and "¹", which `int()` then refuses; `int()` itself reads "٣", " 7" and "1_000";
and SQLite refuses integers past 2**63. So every number typed or carried by a button is read
here, ASCII digits only and within a sane range; text quoted back in a reply is cut short
(Telegram refuses a message past 4096 characters); and names keep no invisible characters
(NUL, right-to-left overrides, zero-width spaces) and no text that was double-encoded on the
way (UTF-8 read as Windows-1252: "Tá»• 3" for "Tổ 3").
"""

from __future__ import annotations

import unicodedata

# Ids, page numbers, counts: far above any real value, far below SQLite's 2**63 - 1.
NUMBER_MAX = 10**15
ECHO_MAX = 40  # characters of an argument quoted back in a reply
ELLIPSIS = "…"

# Unicode categories never kept in a name: controls (NUL, ESC…), formats (RTL override,
# zero-width space and joiner, BOM…), surrogates and private use.
_DROPPED = frozenset({"Cc", "Cf", "Cs", "Co"})


def number(text: str, *, low: int = 0, high: int = NUMBER_MAX) -> int | None:
    """`text` as a whole number when it is ASCII digits only and `low` ≤ value ≤ `high`."""
    if not text or len(text) > len(str(high)) or not (text.isascii() and text.isdigit()):
        return None
    value = int(text)
    return value if low <= value <= high else None


def utf16_length(text: str) -> int:
    """Length in UTF-16 code units, the unit of Telegram's limits."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def clip_words(text: str, limit: int) -> str:
    """`clip` at a word boundary where there is one in the last third: a preview reads
    "Nghe nói phường sắp…", not "Nghe nói phường s…"."""
    cut = clip(text, limit)
    if cut == text:
        return text
    kept = cut[: -len(ELLIPSIS)]
    space = kept.rstrip().rfind(" ")
    if space >= len(kept) * 2 // 3:
        kept = kept[:space]
    return kept.rstrip(" ,.;:-–") + ELLIPSIS


def clip(text: str, limit: int) -> str:
    """`text` cut to at most `limit` UTF-16 units, ending with "…" when it was cut."""
    if utf16_length(text) <= limit:
        return text
    kept: list[str] = []
    used = 0
    for ch in text:
        size = 2 if ord(ch) > 0xFFFF else 1
        if used + size > limit - 1:
            break
        kept.append(ch)
        used += size
    return "".join(kept) + ELLIPSIS


def clean_name(text: str) -> str:
    """A name as it should be stored and shown: no control or format characters, any run of
    white space (tabs, line breaks, no-break spaces) one space, trimmed, then NFC (a Mac may
    write decomposed Vietnamese; a dropped zero-width character may let two parts compose)."""
    spaced = "".join(" " if ch.isspace() else ch for ch in text)
    kept = "".join(ch for ch in spaced if unicodedata.category(ch) not in _DROPPED)
    return unicodedata.normalize("NFC", " ".join(kept.split()))


def shown(text: str, limit: int = ECHO_MAX) -> str:
    """What a person typed, as it may be quoted back: one clean line of at most `limit`
    characters. Not escaped: the text functions in bot.texts escape what they quote."""
    return clip(clean_name(text), limit)


def mojibake(text: str) -> str | None:
    """The text `text` was before its UTF-8 bytes were read as Windows-1252 (or Latin-1) and
    saved again ("Tá»• 3" → "Tổ 3"); None for ordinary text.

    Real Vietnamese almost always has a letter outside those code pages (ổ, ư, đ, ạ…), and
    Windows-1252 text almost never forms valid UTF-8, so a text that does turn into different,
    valid UTF-8 this way was double-encoded."""
    if text.isascii():
        return None
    raw = bytearray()
    for ch in text:
        try:
            raw += ch.encode("cp1252")
        except UnicodeEncodeError:
            if ord(ch) > 0xFF:  # not a byte read as Latin-1 either (0x81, 0x8D… in cp1252)
                return None
            raw.append(ord(ch))
    try:
        fixed = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return fixed if fixed != text else None
