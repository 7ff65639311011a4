"""The layout rules of docs/architecture.md, checked on the source so they stay true.

- The core (`bot/` outside `app.py`, `channels/` and `simulator/`) never imports `telegram`:
  a second channel must be able to use all of it.
- Handlers parse an update, call the core and show its answer: no SQL, no database
  connection, no `aiosqlite`, and nothing of `bot.channels` but its renderer (the seam they
  hand screens to).
- Every reply leaves through handlers/outcomes.py (one applier of the core's `Reply`).
- The simulator stands in for Telegram and knows nothing of the bot: from `bot` it imports
  only itself and `bot.telegram_html` (Telegram's HTML rules, which import nothing of the bot).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SQL = re.compile(
    r"\b(SELECT\s.+\sFROM|INSERT\s+(OR\s+\w+\s+)?INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM)\b",
    re.S | re.I,
)
DATABASE_CALLS = {"execute", "executemany", "executescript", "fetchone", "fetchall", "fetchval"}
DATABASE_NAMES = {"conn", "transaction"}


def sources(folder: str) -> list[Path]:
    return sorted(p for p in (ROOT / folder).rglob("*.py") if "__pycache__" not in p.parts)


def imports(path: Path) -> list[str]:
    """Every module (or module.name, for `from module import name`) `path` imports."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.extend(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def core_files() -> list[Path]:
    glue = (ROOT / "bot" / "channels", ROOT / "bot" / "simulator")
    return [
        p
        for p in sources("bot")
        if p != ROOT / "bot" / "app.py" and not any(g in p.parents for g in glue)
    ]


def rel(path: Path) -> str:
    return str(path.relative_to(ROOT))


def test_the_rules_see_the_code() -> None:
    """The checks below read real files: the core, handlers and simulator are all there."""
    assert len(core_files()) > 30 and len(sources("handlers")) > 8
    assert any(n.startswith("telegram.ext.") for n in imports(ROOT / "handlers" / "__init__.py"))
    assert "bot.channels.telegram_inbox" in imports(ROOT / "bot" / "app.py")
    assert "bot.telegram_html" in imports(ROOT / "bot" / "simulator" / "validate.py")
    assert SQL.search("SELECT id FROM units") and not SQL.search("Chọn một mục bên dưới")


def test_the_core_never_imports_telegram() -> None:
    wrong = [
        (rel(p), name)
        for p in core_files()
        for name in imports(p)
        if name == "telegram" or name.startswith("telegram.")
    ]
    assert wrong == []


@pytest.mark.parametrize("path", sources("handlers"), ids=rel)
def test_handlers_hold_no_sql_and_no_channel_internals(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    sql = [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL.search(node.value)
    ]
    calls = [
        (node.lineno, node.attr)
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and (node.attr in DATABASE_CALLS or node.attr in DATABASE_NAMES)
    ]
    names = imports(path)
    channel = [n for n in names if n.startswith("bot.channels")]
    assert (sql, calls, channel, [n for n in names if n.startswith("aiosqlite")]) == (
        [],
        [],
        [],
        [],
    )


def test_the_simulator_knows_nothing_of_the_bot() -> None:
    allowed = ("bot.simulator", "bot.telegram_html")
    wrong = [
        (rel(p), name)
        for p in sources("bot/simulator")
        for name in imports(p)
        if (name == "bot" or name.startswith("bot.")) and not name.startswith(allowed)
    ]
    assert wrong == []
    spec = [n for n in imports(ROOT / "bot" / "telegram_html.py") if n.startswith("bot")]
    assert spec == []


def test_the_core_never_tells_a_group_by_its_sign() -> None:
    """Negative ids are groups on Telegram only: the core asks the channel (is_group) or
    looks in its tables, so that another channel's addresses need no such convention."""
    sign = re.compile(r"chat_id\s*[<>]=?\s*0\b")
    wrong = [
        (rel(p), n)
        for p in core_files()
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), start=1)
        if sign.search(line)
    ]
    assert wrong == []
    assert sign.search("if chat_id < 0:")  # the check sees what it looks for


def test_handlers_name_people_by_local_id_only() -> None:
    """The core knows people by local ids (bot/addresses.py): a handler takes the sender's
    id from handlers.common.person_id, never Telegram's own number, so a person who comes
    through another channel is the same person to every rule."""
    telegram_id = re.compile(r"effective_user\.id\b|from_user\.id\b")
    wrong = [
        (rel(p), n)
        for p in sources("handlers")
        if p != ROOT / "handlers" / "common.py"
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), start=1)
        if telegram_id.search(line)
    ]
    assert wrong == []
    assert telegram_id.search("uid = update.effective_user.id")  # it sees what it looks for


# The Bot API calls that send or change a message: only each channel's one `send` makes them
# (bot/channels/telegram_delivery.py, bot/channels/zalo_channel.py).
REPLY_CALLS = {
    "reply_text", "reply_photo", "reply_document", "reply_html", "send_message", "send_photo",
    "send_document", "edit_message_text", "edit_message_caption", "edit_text", "edit_caption",
    "edit_message_reply_markup", "answer", "answer_callback_query", "copy_message",
}  # fmt: skip
ALLOWED_REPLY_CALLS: set[tuple[str, str]] = set()  # none: even the invite's QR is a Reply
ONE_SEND = {"bot/channels/telegram_delivery.py", "bot/channels/zalo_channel.py"}


def test_every_reply_leaves_through_the_one_applier() -> None:
    """Handlers answer with a `Reply` through handlers.outcomes (show, say, replace_with,
    notify), which hands it to the channel's one `send` and owes a refused screen as a
    notice; the core sends notices and broadcasts through the same `send`, and so do the
    error handler and the flood warning. No Bot API call that sends or edits a message is
    made anywhere else."""
    senders = [*sources("handlers"), *sources("bot")]
    wrong = [
        (rel(p), node.lineno, node.attr)
        for p in senders
        if rel(p) not in ONE_SEND and not rel(p).startswith("bot/simulator/")
        for node in ast.walk(ast.parse(p.read_text(encoding="utf-8")))
        if isinstance(node, ast.Attribute)
        and node.attr in REPLY_CALLS
        and (rel(p), node.attr) not in ALLOWED_REPLY_CALLS
    ]
    assert wrong == []
    probe = ast.parse("await query.answer('x')\nawait message.reply_text('y')")
    seen = {n.attr for n in ast.walk(probe) if isinstance(n, ast.Attribute)}
    assert {"answer", "reply_text"} <= seen & REPLY_CALLS  # it sees what it looks for
