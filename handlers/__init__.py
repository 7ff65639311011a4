"""register(application): the single ordered list of Telegram handlers.

Order matters: PTB runs the first matching handler of each group, so specific commands come
before the catch-alls at the end.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import (
    Application,
    BaseHandler,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot import browse, texts
from handlers import (
    broadcast,
    common,
    content,
    groups,
    people,
    reports,
    schedules,
    start,
    tips,
)


def flows() -> list[tuple[str, BaseHandler]]:
    """Conversations in progress, in precedence order. Each runs in its own handler group
    ahead of every normal handler, sees a message before the flows below it, and stops it
    when it is theirs; anything else passes on. (Before all of them, with [telegram]
    buttons = false, a typed number becomes a press: bot/app.py.)"""
    cancel, answers = reports.flow_handlers()
    return [
        (
            "a broadcast draft waiting for its text, date or file, and its /huy",
            broadcast.draft_handler(),
        ),
        ("/huy of a report, a tip or a review reason", cancel),
        ("typed answers and photos of a report, a tip or a review reason", answers),
        # After them (a report's note may be anything), before the search takes stray text.
        ("an invite's code typed (Zalo cannot open a deep link)", people.code_handler()),
    ]


FIRST_FLOW_GROUP = -20
AFTER_GROUP = 20  # sees updates the normal handlers have seen: my_chat_member twice


NOTE_SENDER_GROUP = -1000  # before everything, stops nothing


def register(app: Application) -> None:
    private = filters.ChatType.PRIVATE
    app.add_handler(TypeHandler(Update, common.note_sender), group=NOTE_SENDER_GROUP)
    for index, (_, handler) in enumerate(flows()):
        app.add_handler(handler, group=FIRST_FLOW_GROUP + index)

    # The bot's own membership and group migrations come first: they carry no command.
    app.add_handler(ChatMemberHandler(groups.bot_membership, ChatMemberHandler.MY_CHAT_MEMBER))
    app.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, groups.migration))

    # Commands that work everywhere (in groups they answer briefly).
    app.add_handler(CommandHandler("start", start.start))
    app.add_handler(CommandHandler("help", start.help_command))
    app.add_handler(CommandHandler(list(browse.COMMAND_KINDS), content.kind_command))
    app.add_handler(CommandHandler("noidung", content.menu))
    app.add_handler(CommandHandler("timkiem", content.search_command))

    # Content buttons; their payload is re-validated against the pack in the handler.
    app.add_handler(CallbackQueryHandler(content.button, pattern=r"^(m|[kifs]:.*)$"))

    # The private reply keyboard sends its label as text.
    app.add_handler(MessageHandler(private & filters.Text([texts.BTN_CONTENT]), content.menu))
    app.add_handler(MessageHandler(private & filters.Text([texts.BTN_SEARCH]), start.search_button))
    app.add_handler(MessageHandler(private & filters.Text([texts.BTN_HELP]), start.help_command))

    # People: invites, consent and data rights, groups, officer tools (issue 3).
    people.register(app)
    reports.register(app)  # reports, reviews, reminders; its flow router runs in group -10
    tips.register(app)  # /baotin misinformation tips and the officers' queue
    broadcast.register(app)  # /guitin, /tinhtrang, opt-out; draft input runs in group -20
    schedules.register(app)  # /lich

    # Catch-alls last: stray text and unknown commands get a hint in private chats only;
    # in groups the bot stays silent. Unknown buttons are refused without side effects.
    app.add_handler(MessageHandler(private & filters.TEXT, start.stray_text))
    app.add_handler(CallbackQueryHandler(start.stale_button))

    # After the groups' own membership handler (group 0): a person blocking or unblocking.
    app.add_handler(broadcast.reach_handler(), group=AFTER_GROUP)
