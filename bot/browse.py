"""Browsing the content pack: the menu, a kind's list, an item's summary and full text, search.

Pure functions from the pack to `Screen`s, shared by every channel. Callback data is short
and structured (`k:<kind>`, `i:<id>`, `f:<id>:<page>`) and is always re-validated against
the pack by `parse_callback`, so a forged payload cannot reach anything the pack lacks.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from bot import inputs, texts
from bot.content import ContentPack, Item, fold
from bot.render import html_to_rich
from bot.rich import Rich, bold, rich, split
from bot.screens import CALLBACK_DATA_LIMIT, TAKES_TEXT, Button, Screen, page_nav, rows

# Room left in a 4096-character message for the page marker and the source line.
PAGE_LIMIT = 3800

# The content commands and the kind each one opens.
COMMAND_KINDS: dict[str, str] = {
    "muctieu": "goal",
    "chitieu": "indicators",
    "nhiemvu": "task_group",
    "dotpha": "breakthrough",
}


@dataclass(frozen=True)
class Action:
    """A parsed, validated button press."""

    verb: str  # "menu" | "kind" | "item" | "full" | "search"
    kind: str = ""
    item_id: str = ""
    page: int = 0
    query: str = ""  # "search"; "item" opened from search results: where Quay lại goes


def parse_callback(pack: ContentPack, data: str) -> Action | None:
    """Parse callback data; None when it is malformed or names nothing in the pack."""
    parts = data.split(":")
    match parts:
        case ["m"]:
            return Action("menu")
        case ["k", kind] if pack.kind(kind) is not None:
            return Action("kind", kind=kind)
        case ["i", item_id] if pack.get(item_id) is not None:
            return Action("item", item_id=item_id)
        case ["i", item_id, "s", query] if pack.get(item_id) is not None and query:
            return Action("item", item_id=item_id, query=query)
        case ["s", query] if query:
            return Action("search", query=query)
        case ["f", item_id, page] if pack.get(item_id) is not None:
            item = pack.get(item_id)
            number = inputs.number(page)  # "²" passes isdigit() and breaks int()
            assert item is not None
            if number is not None and number < len(full_pages(item)):
                return Action("full", item_id=item_id, page=number)
    return None


def render_action(pack: ContentPack, action: Action) -> Screen:
    match action.verb:
        case "kind":
            return kind_list(pack, action.kind)
        case "item":
            return item_summary(pack, _item(pack, action.item_id), back_to=action.query)
        case "search":
            return search(pack, action.query)
        case "full":
            return item_full(pack, _item(pack, action.item_id), action.page)
    return content_menu(pack)


def _item(pack: ContentPack, item_id: str) -> Item:
    item = pack.get(item_id)
    if item is None:  # parse_callback validated it; a pack reload could still race
        raise KeyError(item_id)
    return item


def content_menu(pack: ContentPack) -> Screen:
    buttons = [
        Button(kind.label, f"k:{kind.name}")
        for kind in sorted(pack.kinds, key=lambda k: k.order)
        if pack.of_kind(kind.name)
    ]
    return Screen(texts.content_menu(), rows(buttons))


def _button_label(item: Item, number: int | None = None) -> str:
    prefix = f"{number}. " if number is not None else ""
    suffix = texts.PENDING_MARK if item.pending else ""
    return f"{prefix}{item.title}{suffix}"


def kind_list(pack: ContentPack, kind_name: str) -> Screen:
    """A kind with one item opens that item; otherwise a list of its items as buttons."""
    kind = pack.kind(kind_name)
    items = pack.of_kind(kind_name)
    if kind is None or not items:
        return content_menu(pack)
    if len(items) == 1:
        return item_summary(pack, items[0])
    pending = sum(1 for item in items if item.pending)
    buttons = [Button(_button_label(item, n), f"i:{item.id}") for n, item in enumerate(items, 1)]
    buttons.append(Button(texts.BTN_MENU, "m"))
    return Screen(texts.kind_list_title(kind.label, len(items), pending), rows(buttons))


def kind_list_brief(pack: ContentPack, kind_name: str, command: str) -> Screen:
    """The group-chat form: a numbered text list, no buttons to crowd the group."""
    kind = pack.kind(kind_name)
    items = pack.of_kind(kind_name)
    if kind is None or not items:
        return Screen(texts.NOT_PROVIDED_YET)
    if len(items) == 1:
        return item_summary(pack, items[0], with_buttons=False)
    lines = [texts_line(n, item) for n, item in enumerate(items, 1)]
    return Screen(texts.kind_list_group(kind.label, lines, command))


def texts_line(number: int, item: Item) -> str:
    return f"{number}. {item.title}{texts.PENDING_MARK if item.pending else ''}"


def item_by_number(pack: ContentPack, kind_name: str, number: int) -> Item | None:
    items = pack.of_kind(kind_name)
    return items[number - 1] if 1 <= number <= len(items) else None


def _back_target(pack: ContentPack, item: Item) -> str:
    return f"k:{item.kind}" if len(pack.of_kind(item.kind)) > 1 else "m"


def item_summary(
    pack: ContentPack, item: Item, *, with_buttons: bool = True, back_to: str = ""
) -> Screen:
    """An item's summary; `back_to`: the search it was opened from (Quay lại shows those
    results again)."""
    text = rich(bold(item.title), "\n\n", as_rich(item.summary_html))
    back = f"s:{back_to}" if back_to else _back_target(pack, item)
    if item.pending:
        buttons = [Button(texts.BTN_BACK, back)] if with_buttons else []
        return Screen(text, rows(buttons))
    if not with_buttons:
        return Screen(text)
    buttons = [
        Button(texts.BTN_READ_FULL, f"f:{item.id}:0"),
        Button(texts.BTN_BACK, back),
    ]
    return Screen(text, rows(buttons, per_row=2))


@lru_cache(maxsize=512)
def as_rich(html: str) -> Rich:
    """A content item's text (rendered from the pack's Markdown once, at load) as rich text;
    the pack never changes once loaded, so each text is converted once."""
    return html_to_rich(html)


@lru_cache(maxsize=256)
def full_pages(item: Item, limit: int = PAGE_LIMIT) -> tuple[Rich, ...]:
    """The item's full text split into pages of at most `limit` UTF-16 units (the
    channel's text limit, less room for the page marker and the source), when it is shown,
    not when loaded."""
    pages = split(as_rich(item.body_html), limit, _units) if item.body_html else []
    return tuple(pages) or (as_rich(item.summary_html),)


def _units(ch: str) -> int:
    return 2 if ord(ch) > 0xFFFF else 1  # Telegram counts UTF-16 code units


def item_full(pack: ContentPack, item: Item, page: int, limit: int = PAGE_LIMIT) -> Screen:
    pages = full_pages(item, limit)
    page = max(0, min(page, len(pages) - 1))
    text = pages[page]
    if len(pages) > 1:
        text += texts.page_mark(page + 1, len(pages))
    if page == len(pages) - 1:
        text += texts.item_source(item.source)
    nav = page_nav(page, len(pages), f"f:{item.id}:{{}}")
    return Screen(text, (*nav, (Button(texts.BTN_BACK, f"i:{item.id}"),)))


MIN_QUERY = 2  # letters or digits: one letter matches almost every item


def _too_short(query: str) -> bool:
    return sum(ch.isalnum() for ch in query) < MIN_QUERY


def search(pack: ContentPack, query: str) -> Screen:
    if _too_short(query):
        return Screen(texts.SEARCH_TOO_SHORT, takes=TAKES_TEXT)
    found = pack.search(query)
    if not found:
        return Screen(texts.search_none(query))
    buttons = [Button(_button_label(item), _from_search(item, query)) for item in found]
    return Screen(texts.search_results(query, len(found)), rows(buttons))


def _from_search(item: Item, query: str) -> str:
    """A result's button: the item, and the search to come back to (folded, cut at a word to
    fit the 64 bytes a button carries; without it, Quay lại goes to the item's list)."""
    base = f"i:{item.id}"
    room = CALLBACK_DATA_LIMIT - len(base.encode()) - len(":s:")
    words = fold(query).replace(":", " ").split()
    kept = ""
    for word in words:
        candidate = f"{kept} {word}".strip()
        if len(candidate.encode()) > room:
            break
        kept = candidate
    return f"{base}:s:{kept}" if kept else base


def search_brief(pack: ContentPack, query: str) -> Screen:
    """The group-chat form: the best match's summary, no buttons."""
    if _too_short(query):
        return Screen(texts.SEARCH_TOO_SHORT)
    found = pack.search(query, limit=1)
    if not found:
        return Screen(texts.search_none(query))
    return item_summary(pack, found[0], with_buttons=False)
