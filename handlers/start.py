"""/start, /help and the catch-all for stray messages and stale buttons."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot import people as roles
from bot import search_waits, texts
from bot.addresses import ZALO
from bot.inputs import shown as shown_text
from bot.screens import TAKES_TEXT, Screen, menu_key
from bot.services import services
from handlers import people
from handlers.common import chat_address, is_private, person_id
from handlers.content import SEARCH_MAX, run_search
from handlers.content import menu as content_menu
from handlers.outcomes import notify, say
from handlers.reports import report_command


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Welcome the person and show the main menu (private) or a brief hello (group)."""
    message = update.effective_message
    if message is None:
        return
    if context.args and is_private(update):  # an invite link: t.me/<bot>?start=<token>
        await people.start_with_token(update, context)
        return
    svc = services(context)
    ward = svc.config.ward.name
    if is_private(update):
        user = update.effective_user
        name = user.first_name if user else ""
        await say(update, svc, texts.welcome_private(name, ward), menu=True)
    else:
        await say(update, svc, texts.welcome_group(ward))


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Show what the bot can do, shorter in groups."""
    message = update.effective_message
    if message is None:
        return
    svc = services(context)
    if is_private(update):
        role, leads = await roles.standing(svc.db, svc.config, await person_id(update, svc))
        officer = roles.at_least(role, roles.Role.OFFICER)
        chat = update.effective_chat
        on_zalo = chat is not None and chat_address(chat).channel == ZALO
        help_text = texts.help_private(leads=leads, officer=officer, zalo=on_zalo)
        await say(update, svc, help_text, menu=True)
    else:
        await say(update, svc, texts.HELP_GROUP)


async def search_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The 🔎 button: ask for a keyword; the next text is taken as the query."""
    svc = services(context)
    if update.effective_user is not None:
        await search_waits.ask(svc.db, await person_id(update, svc), svc.clock.now())
    if update.effective_message:
        await say(update, svc, Screen(texts.SEARCH_PROMPT, takes=TAKES_TEXT))


async def stray_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Private chats only: an unknown command gets a hint; a menu key typed out does what
    the key does (unless a keyword was asked for); any other text is searched."""
    message = update.effective_message
    if message is None or not message.text:
        return
    svc = services(context)
    user_id = await person_id(update, svc)
    pending = await search_waits.take(svc.db, user_id, svc.clock.now())
    if message.text.startswith("/"):  # a command the bot does not have
        await say(update, svc, texts.UNKNOWN_PRIVATE, menu=True)
        return
    key = None if pending else menu_key(message.text)
    if key is not None:  # a menu key typed out ("báo cáo", "Hướng dẫn")
        await _MENU_ACTIONS[key](update, context)
        return
    # The same search run_search makes (the pack remembers it): nothing found, say what to do.
    if not pending and not svc.content.search(message.text[:SEARCH_MAX]):  # "xin chào"
        shown = shown_text(message.text)
        await say(update, svc, texts.free_text_none(shown), menu=True)
        return
    await run_search(update, context, message.text)  # any other text: what they look for


async def stale_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A button whose payload we do not recognise (old, or forged): say so, change nothing."""
    if update.callback_query is not None:
        await notify(update, services(context), texts.STALE_BUTTON)


_MENU_ACTIONS = {
    texts.BTN_CONTENT: content_menu,
    texts.BTN_SEARCH: search_button,
    texts.BTN_HELP: help_command,
    texts.BTN_REPORT: report_command,
}
