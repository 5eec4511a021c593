"""Telegram handlers: ask.py (questions in private chats and groups), buttons.py (the buttons
under an answer), inline.py (inline mode), edits.py (edited questions), gate.py (the
allowed-chats gate), admin.py (the collection), info.py (/start, /help, /whoami),
chat_settings.py (/settings: when the bot answers in a chat, and in which language);
addressing.py says whether a message is meant for the bot.

``register`` is the one place that says which update goes where, in which order.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    InlineQueryHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.context import BotApplication, Context
from bot.handlers import addressing, admin, ask, buttons, chat_settings, edits, gate, info, inline

# Commands, documents and the rest are acted on when sent, not when edited; an edited text
# message is a corrected question (edits.edited_text: its answer is edited in place).
NEW = filters.UpdateType.MESSAGE
EDITED = filters.UpdateType.EDITED_MESSAGE


async def document(update: Update, context: Context) -> None:
    """A document: a non-admin's captioned with a question is that question (answered as a
    caption in private is), any other an upload (which admin.document refuses to non-admins)."""
    if admin.asks_instead(update, context):
        await ask.private_other(update, context)
    else:
        await admin.document(update, context)


def register(app: BotApplication) -> None:
    """Add every handler: /whoami first (it answers anyone anywhere, see bot/handlers/info.py),
    then the allowed-chats gate, then the chat's "off" setting, each in its own group."""
    app.add_handler(CommandHandler("whoami", info.whoami, filters=NEW), group=-3)
    app.add_handler(TypeHandler(Update, gate.gate), group=-2)
    app.add_handler(TypeHandler(Update, chat_settings.off_gate), group=-1)
    app.add_handler(CommandHandler("settings", chat_settings.settings_command, filters=NEW))
    app.add_handler(CommandHandler("start", info.start, filters=NEW))
    app.add_handler(CommandHandler("help", info.help_command, filters=NEW))
    app.add_handler(CommandHandler("ask", ask.ask_command, filters=NEW))
    app.add_handler(CommandHandler("add", admin.add, filters=NEW))
    app.add_handler(CommandHandler("articles", admin.articles, filters=NEW))
    app.add_handler(CommandHandler("remove", admin.remove, filters=NEW))
    app.add_handler(CommandHandler("stats", admin.stats, filters=NEW))
    app.add_handler(CommandHandler("gaps", admin.gaps, filters=NEW))
    app.add_handler(MessageHandler(NEW & filters.ChatType.PRIVATE & filters.Document.ALL, document))
    # In a group, a document is for the bot only when addressed to it (mention, /command,
    # reply): an admin sharing a file with the group is not uploading it.
    app.add_handler(
        MessageHandler(
            NEW & filters.ChatType.GROUPS & filters.Document.ALL,
            addressing.when_addressed(document),
        )
    )
    app.add_handler(
        MessageHandler(
            NEW & filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND, ask.private_text
        )
    )
    app.add_handler(
        MessageHandler(
            NEW & filters.ChatType.GROUPS & filters.TEXT & ~filters.COMMAND, ask.group_text
        )
    )
    # After every command the bot has: the rest get /help's text.
    app.add_handler(MessageHandler(NEW & filters.COMMAND, ask.unknown_command))
    # In private nothing goes unanswered: captions are questions, the rest gets one line.
    app.add_handler(
        MessageHandler(
            NEW & filters.ChatType.PRIVATE & ~filters.TEXT & ~filters.Document.ALL,
            ask.private_other,
        )
    )
    app.add_handler(MessageHandler(EDITED & filters.TEXT, edits.edited_text))
    app.add_handler(InlineQueryHandler(inline.inline_query))
    app.add_handler(CallbackQueryHandler(buttons.more_button, pattern=r"^more:\d+$"))
    app.add_handler(
        CallbackQueryHandler(buttons.source_button, pattern=r"^src:\w+:\d+:\d+(:\d+)?$")
    )
    app.add_handler(CallbackQueryHandler(buttons.feedback_button, pattern=r"^fb:\d+:[+-]1$"))
    app.add_handler(CallbackQueryHandler(buttons.reason_button, pattern=r"^fbr:\d+:[a-z_]+$"))
    app.add_handler(CallbackQueryHandler(admin.gap_button, pattern=r"^gap:\d+$"))
    app.add_handler(CallbackQueryHandler(admin.articles_button, pattern=r"^arts:\d+$"))
    app.add_handler(CallbackQueryHandler(admin.remove_button, pattern=r"^(rm:\w+|rmx)$"))
    app.add_handler(
        CallbackQueryHandler(chat_settings.settings_button, pattern=r"^cs:[al]:[\w-]+$")
    )
