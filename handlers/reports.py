"""Report handlers: /baocao and "📝 Báo cáo", /baocaocuatoi, officers' /duyetbaocao and
/chuabaocao, the review buttons and /huy (their timed jobs are in bot/jobs.py).

Parse → ask the core (`bot.report_flow`, `bot.reports`) → show its `Reply`. Typed answers,
photos and /huy of a person in the middle of a flow (a report, a tip, an officer typing a
reason) are picked up by `route` in its own handler group ahead of the normal handlers;
anything else passes on untouched. Every core call carries the update id, so an update
handled again after a crash replays its stored answer instead of acting twice.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot import flows, inputs, pages, reports, texts
from bot.delivery import OutMessage
from bot.people import Role
from bot.reply import Reply
from bot.report_flow import ReportFlow
from bot.rich import Rich
from bot.services import Services, services
from handlers.auth import command, requires
from handlers.common import incoming_file, is_private, person_id
from handlers.outcomes import event as _event
from handlers.outcomes import notify, replace_with, say, show
from handlers.tips import tip_flow, tip_input

log = logging.getLogger(__name__)

MENU_LABELS = frozenset({texts.BTN_CONTENT, texts.BTN_SEARCH, texts.BTN_HELP, texts.BTN_REPORT})


def report_flow(svc: Services) -> ReportFlow:
    return ReportFlow(svc.db, svc.config, svc.content, svc.clock)


# ---------------------------------------------------------------- the report flow


async def report_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/baocao and "📝 Báo cáo": begin a report, or offer to resume the one in progress."""
    user = update.effective_user
    if user is None or update.effective_message is None:
        return
    svc = services(context)
    if not is_private(update):
        await say(update, svc, texts.R_PRIVATE_ONLY)
        return
    uid = await person_id(update, svc)
    await show(update, svc, await report_flow(svc).start(uid, _event(update)))


async def my_reports_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/baocaocuatoi: the person's recent reports with their review state."""
    user = update.effective_user
    message = update.effective_message
    if user is None or message is None:
        return
    svc = services(context)
    if not is_private(update):
        await say(update, svc, texts.R_PRIVATE_ONLY)
        return
    await say(update, svc, await report_flow(svc).my_reports(await person_id(update, svc)))


@requires(Role.RESIDENT, private_only=True)  # a leader's reports are never shown in a group
async def flow_press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Buttons of the report flow (`r:`) and of the leader's list (`my:`)."""
    query = update.callback_query
    if query is None or query.data is None or update.effective_user is None:
        return
    svc = services(context)
    outcome = await report_flow(svc).press(await person_id(update, svc), query.data, _event(update))
    await show(update, services(context), outcome)


async def route(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A private message from someone in the middle of a flow goes to that flow, and stops
    there; everyone else's message passes on to the normal handlers."""
    message = update.effective_message
    user = update.effective_user
    if message is None or user is None or not is_private(update):
        return
    if message.text and (message.text.startswith("/") or message.text in MENU_LABELS):
        return
    svc = services(context)
    event = _event(update)
    uid = await person_id(update, svc)
    found = await flows.in_progress(svc.db, uid, event)
    if found.replay is not None:
        await show(update, services(context), found.replay)
        raise ApplicationHandlerStop
    outcome: Reply | None = None
    if found.tip:
        outcome = await tip_flow(svc).message(uid, tip_input(message), message.text or "", event)
    elif found.closing and message.text:
        outcome = await tip_flow(svc).closing_note(uid, message.text, event)
    elif found.reason and message.text:
        outcome = await reports.typed_reason(
            svc.db, svc.config, svc.content, svc.clock, uid, message.text, event
        )
    elif found.report:
        flow = report_flow(svc)
        photo = incoming_file(message)
        if photo is not None:
            outcome = await flow.photo(uid, photo, event)
            if outcome is not None:
                svc.bell.ring(media=True)  # Telegram keeps a download link about an hour
        elif message.text is not None:
            outcome = await flow.text(uid, message.text, event)
        else:  # a PDF, a sticker, a voice message: never left without an answer
            what = "file" if message.document is not None else "other"
            outcome = await flow.unsupported(uid, what, event)
    if outcome is None:
        return
    await show(update, services(context), outcome)
    raise ApplicationHandlerStop


async def cancel_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/huy: stop whatever flow of this module the person is in (tip, reason, report)."""
    user = update.effective_user
    if user is None or not is_private(update):
        return
    svc = services(context)
    event = _event(update)
    uid = await person_id(update, svc)
    stored = await flows.replayed(svc.db, uid, event)
    outcome = stored or await tip_flow(svc).cancel(uid, event)
    if outcome is None:
        outcome = await reports.cancel_reason(svc.db, uid, event)
    if outcome is None:
        outcome = await report_flow(svc).cancel(uid, event)
    if outcome is None:
        return  # nothing of ours to stop: let other handlers see /huy
    await show(update, services(context), outcome)
    raise ApplicationHandlerStop


# ---------------------------------------------------------------- officers


@requires(Role.OFFICER, "reports.review", private_only=True)
async def review_press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`rv:<report>:<version>:ok|more|bad` verdicts, `show` (open a card), `ph` (photos)."""
    query = update.callback_query
    user = update.effective_user
    if query is None or query.data is None or user is None:
        return
    svc = services(context)
    parts = query.data.split(":")
    # ASCII digits in range only: "²" passes isdigit() and breaks int(); huge ids break SQLite
    report_id = inputs.number(parts[1]) if len(parts) == 4 else None
    version = inputs.number(parts[2]) if len(parts) == 4 else None
    if report_id is None or version is None:
        await notify(update, svc, texts.STALE_BUTTON)
        return
    action = parts[3]
    if action in ("show", "ph"):
        report = await reports.find(svc.db, report_id)
        if report is None:
            await show(update, svc, Reply())
        elif action == "ph":
            photos = tuple(OutMessage(Rich(), photo) for photo in report.photos)
            await show(update, svc, Reply(more=photos))
        else:
            await say(update, svc, reports.review_card(svc.content, report, svc.config.ward.tz))
        return
    if action not in ("ok", "more", "bad"):
        await notify(update, svc, texts.STALE_BUTTON)
        return

    outcome = await reports.press_verdict(
        svc.db,
        svc.config,
        svc.content,
        svc.clock,
        await person_id(update, svc),
        report_id,
        version,
        action,
        _event(update),
    )
    await show(update, svc, outcome)


@command("duyetbaocao", "reports.pending")
async def pending_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/duyetbaocao: reports waiting for review, each with a button to open it (one page)."""
    svc = services(context)
    await say(update, svc, await pages.pending_page(svc.db, 0))


@command("chuabaocao", "reports.silent")
async def silent_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/chuabaocao: the tổ with no report in the current period (one page)."""
    svc = services(context)
    await say(update, svc, await pages.silent_page(svc.db, svc.clock, svc.config, 0))


@requires(Role.OFFICER, "reports.list", private_only=True)
async def list_press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The "Trang trước/Trang sau" of /chuabaocao (`rl:s:<page>`) and /duyetbaocao (`rl:p:`)."""
    query = update.callback_query
    if query is None:
        return
    svc = services(context)
    wanted = pages.parse(query.data or "")
    if wanted is None:
        await notify(update, svc, texts.STALE_BUTTON)
        return
    which, page = wanted
    if which == "s":
        screen = await pages.silent_page(svc.db, svc.clock, svc.config, page)
    elif which == "n":
        screen = await pages.nudge_ask(svc.db, svc.clock, svc.config)
    elif which == "y":
        screen = await pages.nudge(svc.db, svc.clock, svc.config, await person_id(update, svc))
        svc.bell.ring()
    else:
        screen = await pages.pending_page(svc.db, page)
    await replace_with(update, svc, screen)


# ---------------------------------------------------------------- registration


def register(app: Application) -> None:
    """Report and tip handlers (before the catch-alls); the flow router is `flow_handlers`."""
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler("baocao", report_command))
    app.add_handler(MessageHandler(private & filters.Text([texts.BTN_REPORT]), report_command))
    app.add_handler(CommandHandler("baocaocuatoi", my_reports_command))
    app.add_handler(CommandHandler("duyetbaocao", pending_command))
    app.add_handler(CommandHandler("chuabaocao", silent_command))
    app.add_handler(CallbackQueryHandler(flow_press, pattern=r"^(r|my):"))
    app.add_handler(CallbackQueryHandler(review_press, pattern=r"^rv:"))
    app.add_handler(CallbackQueryHandler(list_press, pattern=pages.CALLBACK_PATTERN))


def flow_handlers() -> list[BaseHandler]:
    """/huy, and the typed answers and photos, of a report, a tip or a review reason in
    progress: flows in handlers/__init__.py's order, ahead of every normal handler."""
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler("huy", cancel_command),
        MessageHandler(private & ~filters.COMMAND, route),
    ]
