"""The baseline bots for bench/updates.py: the smallest python-telegram-bot that answers.

Run as its own process, exactly like Loa Phường:
    python bench/echo_bot.py BASE_URL TOKEN            # echoes the text back
    python bench/echo_bot.py BASE_URL TOKEN --same     # answers with Loa Phường's screens
    python bench/echo_bot.py BASE_URL TOKEN --aiohttp  # the echo bot on Loa Phường's transport

`--same` answers each command with the very message Loa Phường would send (pre-rendered
once at start: same HTML, same buttons) and nothing else — no database, no durable inbox,
no routing — so the simulator does the same work for both and the ratio isolates what Loa
Phường's own machinery costs. `--aiohttp` swaps PTB's httpx transport for the aiohttp one
Loa Phường uses (bot/channels/aiohttp_request.py), to show how much of the difference is the
transport alone.
"""

from __future__ import annotations

import sys

from telegram import Update
from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters

from bot import browse
from bot.channels.aiohttp_request import AiohttpRequest
from bot.channels.telegram_render import inline_markup, screen_html
from bot.config import DEFAULT_CONTENT
from bot.content import load_pack


def prepared_answers() -> dict[str, tuple[str, object]]:
    """The benchmark's commands and Loa Phường's answer to each, rendered once."""
    pack = load_pack(DEFAULT_CONTENT)
    task_two = browse.item_by_number(pack, "task_group", 2)
    assert task_two is not None
    screens = {
        "/muctieu": browse.kind_list(pack, "goal"),
        "/nhiemvu": browse.kind_list(pack, "task_group"),
        "/dotpha": browse.kind_list(pack, "breakthrough"),
        "/nhiemvu 2": browse.item_summary(pack, task_two),
        "/timkiem chuyen doi so": browse.search(pack, "chuyen doi so"),
        "/chitieu": browse.kind_list(pack, "indicators"),
    }
    return {text: (screen_html(s), inline_markup(s)) for text, s in screens.items()}


def main() -> None:
    base_url, token = sys.argv[1], sys.argv[2]
    answers = prepared_answers() if "--same" in sys.argv[3:] else {}

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Answer every text: with the prepared screen when there is one, else the text."""
        message = update.effective_message
        assert message is not None and message.text is not None
        if message.text in answers:
            html, markup = answers[message.text]
            await message.reply_text(html, parse_mode="HTML", reply_markup=markup)
        else:
            await message.reply_text(message.text)

    builder = ApplicationBuilder().token(token).base_url(base_url)
    if "--aiohttp" in sys.argv[3:]:
        builder = builder.request(AiohttpRequest(connection_pool_size=64)).get_updates_request(
            AiohttpRequest(connection_pool_size=1)
        )
    app = builder.build()
    app.add_handler(MessageHandler(filters.TEXT, echo))
    app.run_polling(poll_interval=0.0, timeout=10)


if __name__ == "__main__":
    main()
