"""Content commands and buttons: /noidung, /muctieu, /chitieu, /nhiemvu, /dotpha, /timkiem."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot import browse, inputs, search_waits, texts
from bot.services import services
from handlers.common import edit_screen, is_private, person_id, reply_screen


async def menu(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """List every kind of content as buttons."""
    await reply_screen(update, browse.content_menu(services(context).content))


async def kind_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/muctieu, /nhiemvu …: the kind's list, or one item when a number follows."""
    message = update.effective_message
    if message is None or not message.text:
        return
    command = message.text.split()[0].lstrip("/").split("@")[0].lower()
    kind = browse.COMMAND_KINDS[command]
    pack = services(context).content
    private = is_private(update)
    args = context.args or []
    number = inputs.number(args[0], high=10**6) if args else None
    if number is not None or (args and args[0].isdigit()):  # "²" is a digit int() refuses
        item = browse.item_by_number(pack, kind, number) if number is not None else None
        if item is None:
            count = len(pack.of_kind(kind))
            await message.reply_text(texts.item_number_out_of_range(command, count))
            return
        await reply_screen(update, browse.item_summary(pack, item, with_buttons=private))
        return
    screen = (
        browse.kind_list(pack, kind) if private else browse.kind_list_brief(pack, kind, command)
    )
    await reply_screen(update, screen)


async def search_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/timkiem <từ khóa>; without a keyword, ask for one."""
    message = update.effective_message
    if message is None:
        return
    query = " ".join(context.args or []).strip()
    if not query:
        if is_private(update):
            if update.effective_user is not None:
                svc = services(context)
                await search_waits.ask(svc.db, await person_id(update, svc), svc.clock.now())
            await message.reply_text(texts.SEARCH_PROMPT)
        else:
            await message.reply_text(texts.SEARCH_PROMPT_GROUP, do_quote=False)
        return
    await run_search(update, context, query)


async def run_search(update: Update, context: ContextTypes.DEFAULT_TYPE, query: str) -> None:
    """Search the pack (diacritics optional) and show the hits."""
    pack = services(context).content
    query = query[:100]  # a keyword, not an essay: keeps the echo in the answer short
    screen = browse.search(pack, query) if is_private(update) else browse.search_brief(pack, query)
    await reply_screen(update, screen)


async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A content button: validate its payload against the pack, then edit the message."""
    query = update.callback_query
    if query is None or query.data is None:
        return
    pack = services(context).content
    action = browse.parse_callback(pack, query.data)
    if action is None:
        await query.answer(texts.STALE_BUTTON, show_alert=True)
        return
    await query.answer()
    await edit_screen(update, browse.render_action(pack, action))
