"""Content commands and buttons: /noidung, /muctieu, /chitieu, /nhiemvu, /dotpha, /timkiem."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot import browse, inputs, search_waits, texts
from bot.screens import TAKES_TEXT, Screen
from bot.services import services
from handlers.common import is_private, person_id
from handlers.outcomes import notify, replace_with, say


async def menu(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """List every kind of content as buttons."""
    svc = services(context)
    await say(update, svc, browse.content_menu(svc.content))


async def kind_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/muctieu, /nhiemvu …: the kind's list, or one item when a number follows."""
    message = update.effective_message
    if message is None or not message.text:
        return
    command = message.text.split()[0].lstrip("/").split("@")[0].lower()
    kind = browse.COMMAND_KINDS[command]
    svc = services(context)
    pack = svc.content
    private = is_private(update)
    args = context.args or []
    number = inputs.number(args[0], high=10**6) if args else None
    if number is not None or (args and args[0].isdigit()):  # "²" is a digit int() refuses
        item = browse.item_by_number(pack, kind, number) if number is not None else None
        if item is None:
            count = len(pack.of_kind(kind))
            await say(update, svc, texts.item_number_out_of_range(command, count))
            return
        await say(update, svc, browse.item_summary(pack, item, with_buttons=private))
        return
    screen = (
        browse.kind_list(pack, kind) if private else browse.kind_list_brief(pack, kind, command)
    )
    await say(update, svc, screen)


async def search_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/timkiem <từ khóa>; without a keyword, ask for one."""
    message = update.effective_message
    if message is None:
        return
    query = " ".join(context.args or []).strip()
    svc = services(context)
    if not query:
        if is_private(update):
            if update.effective_user is not None:
                await search_waits.ask(svc.db, await person_id(update, svc), svc.clock.now())
            await say(update, svc, Screen(texts.SEARCH_PROMPT, takes=TAKES_TEXT))
        else:
            await say(update, svc, texts.SEARCH_PROMPT_GROUP)
        return
    await run_search(update, context, query)


SEARCH_MAX = 100  # characters of a query: a keyword, not an essay; keeps the echo short


async def run_search(update: Update, context: ContextTypes.DEFAULT_TYPE, query: str) -> None:
    """Search the pack (diacritics optional) and show the hits."""
    svc = services(context)
    pack = svc.content
    query = query[:SEARCH_MAX]
    screen = browse.search(pack, query) if is_private(update) else browse.search_brief(pack, query)
    await say(update, svc, screen)


async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A content button: validate its payload against the pack, then edit the message."""
    query = update.callback_query
    if query is None or query.data is None:
        return
    svc = services(context)
    action = browse.parse_callback(svc.content, query.data)
    if action is None:
        await notify(update, svc, texts.STALE_BUTTON)
        return
    await replace_with(update, svc, browse.render_action(svc.content, action))
