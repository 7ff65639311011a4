"""Logging set-up that can never leak the bot token (or an invite token).

The token sits in every Bot API URL, and httpx logs URLs; exceptions quote them too. A
record factory redacts the token from the message and any traceback text as each record is
created, so it holds for every handler, including ones attached later (pytest's caplog).
Invite tokens inside updates (PTB's debug log prints whole updates) are cut out the same
way, by `bot.scrub`.
"""

from __future__ import annotations

import logging
import traceback
import types

from bot.scrub import scrub

REDACTED = "<token>"
_secrets: set[str] = set()
_installed = False


def _redact(text: str) -> str:
    for secret in _secrets:
        if secret:
            text = text.replace(secret, REDACTED)
    # Invite tokens too: PTB's debug log prints whole updates (`/start <token>`).
    return scrub(text)


def protect(secret: str) -> None:
    """Redact `secret` from every log record from now on."""
    global _installed
    if secret:
        _secrets.add(secret)
        # The numeric bot id before the colon is public; the part after it is the secret,
        # and it is what an attacker needs, so redact it on its own as well.
        if ":" in secret:
            _secrets.add(secret.split(":", 1)[1])
    if _installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args: object, **kwargs: object) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        message = record.getMessage()
        record.msg, record.args = _redact(message), None
        if record.exc_info and record.exc_info[0] is not None:
            record.exc_text = _redact("".join(traceback.format_exception(*record.exc_info)))
        return record

    logging.setLogRecordFactory(factory)
    _installed = True


def setup_logging(level: int = logging.INFO) -> None:
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s", level=level)
    # httpx logs one INFO line per request (with the URL): far too chatty for a bot.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)


def redact(text: str) -> str:
    """`text` with the protected secrets replaced (for anything printed outside logging)."""
    return _redact(text)


def install_excepthooks() -> None:
    """Print uncaught exceptions (main thread and other threads) with the secrets redacted.

    A crash prints its traceback through sys.excepthook, outside logging, and PTB's
    InvalidToken quotes the whole token; so does any exception that carries a Bot API URL.
    The event loop's handler goes through logging, which `protect` already redacts."""
    import sys
    import threading

    def print_redacted(
        kind: type[BaseException], exc: BaseException, tb: types.TracebackType | None
    ) -> None:
        text = "".join(traceback.format_exception(kind, exc, tb))
        sys.stderr.write(_redact(text))
        sys.stderr.flush()

    def thread_hook(args: threading.ExceptHookArgs) -> None:
        if args.exc_type is SystemExit or args.exc_value is None:
            return
        name = args.thread.name if args.thread is not None else "?"
        sys.stderr.write(f"Exception in thread {name}:\n")
        print_redacted(args.exc_type, args.exc_value, args.exc_traceback)

    sys.excepthook = print_redacted
    threading.excepthook = thread_hook
