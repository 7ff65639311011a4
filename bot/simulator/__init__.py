"""A local Telegram Bot API server (loopback HTTP) for the demo, the tests and the benchmarks.

The real python-telegram-bot talks to it as it would to Telegram
(`ApplicationBuilder().base_url(sim.base_url).base_file_url(sim.base_file_url)`), and it
answers as strictly as Telegram: the same validation, the same error descriptions and codes,
optional flood limits (429 with retry_after) and injected faults. Tests drive people with
`sim.user(...)` / `sim.group(...)` and wait for the bot's answers with `expect_reply()`;
another process can do the same through the JSON control API under /_sim/.

Modules: `server` (BotApiSimulator, the HTTP side), `state` (the simulated world and the
in-process control API), `people` (what users do), `store` (pending updates, files),
`methods` / `messages` (Bot API methods), `recipients` (who the bot can reach), `validate` /
`markup` (parameters and Telegram's checks), `limits` (flood limits, faults, stats), `models`
(SentMessage, SimUser, SimChat), `control` (/_sim/ HTTP API), `cli` (`python -m
bot.simulator`).

Semantics worth knowing:
- `expect_reply()` returns a snapshot of the version the event produced (a send or an edit)
  whose `edits` list is shared with the live message; `sim.sent`, `messages_in()`, `last_in()`
  and `wait_for_message()` return live records.
- `press(msg, "text")` finds the button in the message as it is now; `press(msg,
  callback_data=...)` sends the data as is (a stale or forged button).
- Groups created with `sim.group()` already have the bot as a member (`bot_member=False` to
  start without it); privacy mode is on unless `privacy_mode=False`.
- An injected "timeout" records the message by default (`deliver=False` drops it).
- Stricter than Telegram on purpose: an inline button with two action fields, commands with
  upper-case letters and a bare `&` in HTML are refused. Markdown parse modes are accepted
  but not parsed (this project sends HTML only).
"""

from bot.simulator.cli import main
from bot.simulator.limits import FaultRule, Faults, Limits, Stats
from bot.simulator.models import SentMessage, SimChat, SimUser
from bot.simulator.server import BotApiSimulator
from bot.simulator.validate import ApiError

__all__ = [
    "ApiError",
    "BotApiSimulator",
    "FaultRule",
    "Faults",
    "Limits",
    "SentMessage",
    "SimChat",
    "SimUser",
    "Stats",
    "main",
]
