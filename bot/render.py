"""Markdown to Telegram's HTML subset (and to plain text), and splitting into messages.

Content is written in Markdown and rendered with the `markdown` package. Its output uses
tags Telegram refuses (`<p>`, `<h1>`, `<ul>`, `<li>`, `<br>`...), so the output is parsed into
a small tree and written back using only tags Telegram accepts. Raw HTML in the source is
switched off in the `markdown` instance, so any `<tag>` an author types shows up as text.

`split_message` cuts a long HTML message into messages within Telegram's 4096-character
limit (counted in UTF-16 units after entity parsing), preferring paragraph, then line, then
word boundaries, and never cutting inside a tag or an entity.
"""

from __future__ import annotations

import html as _html
import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import NamedTuple

import markdown

from bot.rich import Rich, Span, rich
from bot.telegram_html import Token, href_of, text_length, tokenize

__all__ = [
    "escape",
    "markdown_to_html",
    "markdown_to_plain",
    "render",
    "split_message",
    "typed_markdown_to_html",
]

TELEGRAM_LIMIT = 4096

_HR_LINE = "―――――"
_BULLET = "• "
_INDENT = "    "
_SAFE_URL = re.compile(r"^(https?://|tg://|mailto:)", re.IGNORECASE)
# Collapse HTML whitespace (not NBSP and friends, which an author typed on purpose).
_HTML_SPACE = re.compile(r"[ \t\n\r\f\v]+")
# Python-Markdown marks stashed fragments with STX/ETX; such characters in the source
# would corrupt its output, and other C0 controls are invisible anyway.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_VOID = frozenset({"br", "hr", "img", "input", "meta", "link", "wbr", "col", "area", "source"})
_BLOCKS = frozenset(
    {"p", "ul", "ol", "li", "blockquote", "pre", "hr", "div", "table", "dl", "dd", "dt"} | _HEADINGS
)
_INLINE_TAGS = {
    "strong": "b",
    "b": "b",
    "em": "i",
    "i": "i",
    "u": "u",
    "ins": "u",
    "del": "s",
    "s": "s",
    "strike": "s",
}


def escape(text: str) -> str:
    """Escape user-supplied text for an HTML message (`<`, `>`, `&` and quotes)."""
    return _html.escape(text, quote=True)


# ---------------------------------------------------------------- Markdown output → tree


@dataclass
class _Element:
    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    children: list[_Element | str] = field(default_factory=list)


class _TreeBuilder(HTMLParser):
    """Builds a tree from Python-Markdown's output. That output is machine-made and
    well-formed, so the lenient stdlib parser is the right tool here (unlike for
    validation, see bot/telegram_html.py); stray end tags are ignored to stay safe."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = _Element("root")
        self._stack: list[_Element] = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = _Element(tag, {k: v or "" for k, v in attrs})
        self._stack[-1].children.append(element)
        if tag not in _VOID:
            self._stack.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._stack[-1].children.append(_Element(tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self._stack) - 1, 0, -1):
            if self._stack[depth].tag == tag:
                del self._stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        self._stack[-1].children.append(data)


def _new_markdown(*, typed: bool = False) -> markdown.Markdown:
    extensions = ["fenced_code", "sane_lists"]
    if typed:  # what a person types on separate lines arrives on separate lines
        extensions.append("nl2br")
    md = markdown.Markdown(extensions=extensions, output_format="html")
    # No raw HTML: authors' tags become visible text instead of reaching Telegram.
    md.preprocessors.deregister("html_block")
    md.inlinePatterns.deregister("html")
    if typed:
        # In a chat, __x__ and _x_ are not bold or italic (Telegram's apps send emphasis as
        # entities, put back as ** and *): underscores stay as typed, snake_case included.
        if "em_strong2" in md.inlinePatterns:  # Python-Markdown before 3.11
            md.inlinePatterns.deregister("em_strong2")
        delimiters = getattr(md, "delimiters", None)  # 3.11: one processor for * and _
        if delimiters is not None:
            delimiters.remove("_")
    return md


_FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
_QUOTE_PREFIX = re.compile(r"^(\s{0,3}>\s?)*")
_LIST_START = re.compile(r"^\s{0,3}([-*+]|1[.)])[ \t]+\S")
_LIST_LINE = re.compile(r"^\s*([-*+]|\d{1,9}[.)])([ \t]|$)")


def _lists_interrupt_paragraphs(source: str) -> str:
    """Insert a blank line before a list that starts right under a paragraph line.

    Authors write "Kế hoạch nêu:" followed directly by "- ..." lines, as CommonMark (and
    every chat app) allows; Python-Markdown would glue those lines into the paragraph.
    As in CommonMark, only bullets and lists starting at 1 interrupt a paragraph, so a line
    such as "2025. Năm..." stays text. Fenced code is left alone."""
    out: list[str] = []
    fence: str | None = None
    previous = ""
    for line in source.split("\n"):
        match = _FENCE.match(line)
        if fence is not None:
            if match and match.group(1)[0] == fence[0] and len(match.group(1)) >= len(fence):
                fence = None
        elif match:
            fence = match.group(1)
        else:
            prefix = _QUOTE_PREFIX.match(line).group(0)  # type: ignore[union-attr]
            rest, prev_rest = line[len(prefix) :], previous[len(prefix) :]
            if (
                _LIST_START.match(rest)
                and previous.startswith(prefix)
                and prev_rest.strip()
                and not prev_rest.startswith((" ", "\t"))
                and not _LIST_LINE.match(prev_rest)
            ):
                out.append(prefix.rstrip())
        out.append(line)
        previous = line
    return "\n".join(out)


_BOLD_LINE = re.compile(r"^\s{0,3}(\*\*|__)(?=\S)(?:(?!\1).)+?(?<=\S)\1[ \t]*$")


def _bold_lines_stand_alone(source: str) -> str:
    """A line that is wholly bold and has text right under it ("**Ý nghĩa với bà con**"
    then its paragraph) is a heading: it keeps its own line instead of running into the
    paragraph (a Markdown hard break)."""
    lines = source.split("\n")
    for n, line in enumerate(lines[:-1]):
        if _BOLD_LINE.match(line) and lines[n + 1].strip():
            lines[n] = line.rstrip() + "  "
    return "\n".join(lines)


def _lists_end_at_a_plain_line(source: str) -> str:
    """A typed line right under a list item that is neither indented nor an item itself
    starts a paragraph of its own (Markdown would glue it into the item: "- Bình xét…"
    then "Đề nghị bà con đến đúng giờ." on the next line)."""
    out: list[str] = []
    previous = ""
    for line in source.split("\n"):
        if (
            _LIST_LINE.match(previous)
            and line.strip()
            and not line.startswith((" ", "\t"))
            and not _LIST_LINE.match(line)
        ):
            out.append("")
        out.append(line)
        previous = line
    return "\n".join(out)


def _markdown_tree(md_text: str, *, typed: bool = False) -> _Element:
    source = _CONTROL.sub("", md_text.replace("\r\n", "\n").replace("\r", "\n"))
    source = _lists_interrupt_paragraphs(source)
    source = _bold_lines_stand_alone(source)
    if typed:
        source = _lists_end_at_a_plain_line(source)
    builder = _TreeBuilder()
    builder.feed(_new_markdown(typed=typed).convert(source))
    builder.close()
    return builder.root


def _text_of(node: _Element | str) -> str:
    if isinstance(node, str):
        return node
    if node.tag == "br":
        return "\n"
    if node.tag == "img":
        return node.attrs.get("alt", "")
    return "".join(_text_of(child) for child in node.children)


# ---------------------------------------------------------------- tree → output


class _Block(NamedTuple):
    text: str
    heading: bool


class _Writer:
    """Writes the tree either as Telegram HTML (`plain=False`) or as plain text."""

    def __init__(self, plain: bool) -> None:
        self.plain = plain

    def esc(self, text: str) -> str:
        return text if self.plain else _html.escape(text, quote=False)

    def wrap(self, tag: str, inner: str, attrs: str = "") -> str:
        if self.plain or not inner:
            return inner
        return f"<{tag}{attrs}>{inner}</{tag}>"

    # Inline content -------------------------------------------------------------

    def inline(self, nodes: list[_Element | str], in_link: bool = False) -> str:
        parts: list[str] = []
        for node in nodes:
            if isinstance(node, str):
                parts.append(self.esc(_HTML_SPACE.sub(" ", node)))
                continue
            tag = node.tag
            if tag == "br":
                parts.append("\n")
            elif tag == "img":
                parts.append(self.esc(_HTML_SPACE.sub(" ", node.attrs.get("alt", ""))))
            elif tag == "code":
                parts.append(self.wrap("code", self.esc(_HTML_SPACE.sub(" ", _text_of(node)))))
            elif tag in _INLINE_TAGS:
                parts.append(self.wrap(_INLINE_TAGS[tag], self.inline(node.children, in_link)))
            elif tag == "a":
                parts.append(self.link(node, in_link))
            else:
                parts.append(self.inline(node.children, in_link))
        return "".join(parts)

    def link(self, node: _Element, in_link: bool) -> str:
        inner = self.inline(node.children, in_link=True)
        href = node.attrs.get("href", "").strip()
        if in_link or not _SAFE_URL.match(href) or not inner.strip():
            return inner
        if self.plain:
            shown = href.removeprefix("mailto:")
            return inner if inner.strip() == shown else f"{inner} ({href})"
        return f'<a href="{_html.escape(href, quote=True)}">{inner}</a>'

    def finish_inline(self, text: str) -> str:
        # Spaces around a <br> come from the source's line ends, not from the author.
        return re.sub(r" *\n *", "\n", text).strip(" \n")

    # Blocks -----------------------------------------------------------------------

    def blocks(self, nodes: list[_Element | str], quote_depth: int = 0) -> list[str]:
        return [block.text for block in self.block_list(nodes, quote_depth)]

    def joined(self, nodes: list[_Element | str], quote_depth: int = 0) -> str:
        """Blocks separated by a blank line, except that a heading sits right on top of its
        text: a cut at a blank line then never leaves a heading alone at a message's end."""
        parts: list[str] = []
        previous_heading = False
        for block in self.block_list(nodes, quote_depth):
            if parts:
                parts.append("\n" if previous_heading else "\n\n")
            parts.append(block.text)
            previous_heading = block.heading
        return "".join(parts)

    def block_list(self, nodes: list[_Element | str], quote_depth: int = 0) -> list[_Block]:
        out: list[_Block] = []
        run: list[_Element | str] = []

        def flush() -> None:
            text = self.finish_inline(self.inline(run))
            if _visible(text, self.plain):
                out.append(_Block(text, heading=False))
            run.clear()

        for node in nodes:
            if isinstance(node, str) or node.tag not in _BLOCKS:
                run.append(node)
                continue
            flush()
            block = self.block(node, quote_depth)
            if block is not None and _visible(block, self.plain):
                out.append(_Block(block, heading=node.tag in _HEADINGS))
        flush()
        return out

    def block(self, node: _Element, quote_depth: int) -> str | None:
        tag = node.tag
        if tag in _HEADINGS:
            return self.wrap("b", self.finish_inline(self.inline(node.children)))
        if tag == "p":
            return self.finish_inline(self.inline(node.children))
        if tag in ("ul", "ol"):
            return self.list_block(node, quote_depth)
        if tag == "blockquote":
            inner = self.joined(node.children, quote_depth + 1)
            # Telegram has no nested quotes: inner quotes merge into the outer one.
            return inner if quote_depth else self.wrap("blockquote", inner)
        if tag == "pre":
            return self.pre_block(node)
        if tag == "hr":
            return _HR_LINE
        return "\n".join(self.blocks(node.children, quote_depth))

    def list_block(self, node: _Element, quote_depth: int) -> str:
        ordered = node.tag == "ol"
        try:
            number = int(node.attrs.get("start", "1"))
        except ValueError:
            number = 1
        lines: list[str] = []
        for child in node.children:
            if isinstance(child, str):
                if child.strip():
                    lines.append(_BULLET + self.esc(child.strip()))
                continue
            if child.tag != "li":
                lines.extend(self.blocks([child], quote_depth))
                continue
            marker = f"{number}. " if ordered else _BULLET
            number += 1
            body = "\n".join(self.blocks(child.children, quote_depth))
            first, *rest = body.split("\n") if body else [""]
            lines.append(marker + first)
            lines.extend(_INDENT + line if line else line for line in rest)
        return "\n".join(lines)

    def pre_block(self, node: _Element) -> str | None:
        code = _text_of(node).strip("\n")
        if not code.strip():
            return None
        if self.plain:
            return code
        language = ""
        for child in node.children:
            if isinstance(child, _Element) and child.tag == "code":
                for cls in child.attrs.get("class", "").split():
                    if re.fullmatch(r"language-[A-Za-z0-9_+.#-]{1,32}", cls):
                        language = cls
        body = _html.escape(code, quote=False)
        if language:
            body = f'<code class="{language}">{body}</code>'
        return f"<pre>{body}</pre>"


def _visible(text: str, plain: bool) -> bool:
    if plain:
        return bool(text.strip())
    return bool(re.sub(r"<[^>]*>", "", text).strip())


def markdown_to_html(md: str) -> str:
    """Render Markdown as HTML that Telegram's HTML parse mode accepts.

    Headings become bold lines directly above their text, paragraphs are separated by a
    blank line, list items become "• " (or "1. ") lines; bold, italic, code, pre, links and
    quotes are kept; everything else (raw HTML, images, rules) is reduced to escaped text."""
    return _Writer(plain=False).joined(_markdown_tree(md).children)


def typed_markdown_to_html(md: str) -> str:
    """`markdown_to_html` for what an official types in a chat (a broadcast, a schedule's
    message): every line break is kept, a line under a list item is not glued into it, and
    underscores are text. The content pack keeps `markdown_to_html`.

    Leading spaces mean nothing in a chat message, but four of them would make the line a
    Markdown code block, and one before a line keeps the bullet under it from starting a
    list: the text is dedented line by line first."""
    dedented = "\n".join(line.lstrip(" \t") for line in md.split("\n"))
    return _Writer(plain=False).joined(_markdown_tree(dedented, typed=True).children)


_RICH_TAGS = {"b": "bold", "strong": "bold", "i": "italic", "em": "italic", "code": "code",
              "pre": "code", "u": "underline", "ins": "underline", "s": "strike",
              "strike": "strike", "del": "strike"}  # fmt: skip


def html_to_rich(html: str) -> Rich:
    """Telegram HTML (what `markdown_to_html` writes, already checked) as rich text: the
    content pack is written in Markdown and shown by every channel from the same spans."""
    spans: list[Span] = []
    open_tags: list[tuple[str, str]] = []  # (name, href)
    for token in tokenize(html):
        if token.kind == "open":
            open_tags.append((token.name, href_of(token) if token.name == "a" else ""))
        elif token.kind == "close":
            for n in range(len(open_tags) - 1, -1, -1):
                if open_tags[n][0] == token.name:
                    del open_tags[n]
                    break
        elif token.text:
            names = {_RICH_TAGS.get(name, "") for name, _ in open_tags}
            link = next((href for name, href in reversed(open_tags) if name == "a"), "")
            spans.append(
                Span(
                    token.text,
                    bold="bold" in names,
                    italic="italic" in names,
                    link=link,
                    code="code" in names,
                    underline="underline" in names,
                    strike="strike" in names,
                )
            )
    return rich(*(Rich((span,)) for span in spans))


def markdown_to_plain(md: str) -> str:
    """Render Markdown as plain text (for channels without formatting): headings as their
    own lines, "• " bullets, links as "text (url)"."""
    return _Writer(plain=True).joined(_markdown_tree(md).children)


# ---------------------------------------------------------------- splitting


def _is_space(token: Token) -> bool:
    return token.kind == "text" and token.text.isspace()


def _cut_position(plain: str, start: int, end: int) -> int:
    """Where to cut `plain[start:]` given that at most `plain[start:end]` fits: the start of
    the last whitespace run inside the window, preferring runs with a blank line, then runs
    with a newline, then any space; with no whitespace at all, cut at `end`."""
    best: dict[int, int] = {}
    for p in range(start + 1, end + 1):
        if p >= len(plain) or not plain[p].isspace() or plain[p - 1].isspace():
            continue
        q = p
        while q < len(plain) and plain[q].isspace():
            q += 1
        newlines = plain.count("\n", p, q)
        rank = 2 if newlines >= 2 else 1 if newlines else 0
        best[rank] = p
    if best:
        return best[max(best)]
    cut = end
    # Keep a base letter with its combining marks / joiners (NFD text, emoji sequences).
    while cut - 1 > start and (
        unicodedata.combining(plain[cut]) or plain[cut] in "\u200d\ufe0e\ufe0f"
    ):
        cut -= 1
    return cut


def split_message(html: str, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Split valid Telegram HTML into messages of at most `limit` UTF-16 units of visible
    text each. Cuts fall on paragraph, then line, then word boundaries; whitespace at a cut
    is dropped. Tags open at a cut are closed at the end of one chunk and reopened (with
    their attributes) at the start of the next. Returns [] if there is no visible text.

    Raises telegram_html.HtmlError if `html` is not valid, ValueError if `limit` < 2."""
    if limit < 2:
        raise ValueError("limit must be at least 2 (one character can take 2 UTF-16 units)")
    tokens = tokenize(html)
    text_tokens = [i for i, token in enumerate(tokens) if token.kind == "text"]
    plain = "".join(tokens[i].text for i in text_tokens)
    plain_index = {token_index: p for p, token_index in enumerate(text_tokens)}
    units = [0]
    for ch in plain:
        units.append(units[-1] + text_length(ch))

    chunks: list[str] = []
    stack: list[Token] = []
    t = 0
    while True:
        # Skip whitespace at a cut; tags met on the way are reopened only once text follows.
        while t < len(tokens) and (tokens[t].kind != "text" or _is_space(tokens[t])):
            if tokens[t].kind == "open":
                stack.append(tokens[t])
            elif tokens[t].kind == "close":
                stack.pop()
            t += 1
        if t == len(tokens):
            break
        start = plain_index[t]
        end = bisect_right(units, units[start] + limit) - 1
        if end >= len(plain):
            last_token = len(tokens)
        else:
            cut = _cut_position(plain, start, end)
            last_token = text_tokens[cut - 1] + 1
            while last_token < len(tokens) and tokens[last_token].kind == "close":
                last_token += 1
        parts = [token.raw for token in stack]
        for token in tokens[t:last_token]:
            parts.append(token.raw)
            if token.kind == "open":
                stack.append(token)
            elif token.kind == "close":
                stack.pop()
        parts.extend(f"</{token.name}>" for token in reversed(stack))
        chunks.append("".join(parts))
        t = last_token
    return chunks


def render(md: str, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Markdown → Telegram HTML messages, each within `limit` (see split_message)."""
    return split_message(markdown_to_html(md), limit)
