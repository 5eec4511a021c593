"""Telegram handlers: ask.py (questions, inline mode, answer buttons), admin.py (the collection),
info.py (/start, /help, /whoami).

``register`` is the one place that says which update goes where, in which order.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    InlineQueryHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.handlers import admin, ask, info

# Edited messages are not questions: answering an edit again would repeat the conversation.
NEW = filters.UpdateType.MESSAGE


def register(app: Application) -> None:  # type: ignore[type-arg]
    """Add every handler; the allowed-chats gate runs first, in its own group, after /whoami,
    which answers anyone anywhere (see bot/handlers/info.py)."""
    app.add_handler(CommandHandler("whoami", info.whoami, filters=NEW), group=-2)
    app.add_handler(TypeHandler(Update, ask.gate), group=-1)
    app.add_handler(CommandHandler("start", info.start, filters=NEW))
    app.add_handler(CommandHandler("help", info.help_command, filters=NEW))
    app.add_handler(CommandHandler("ask", ask.ask_command, filters=NEW))
    app.add_handler(CommandHandler("add", admin.add, filters=NEW))
    app.add_handler(CommandHandler("articles", admin.articles, filters=NEW))
    app.add_handler(CommandHandler("remove", admin.remove, filters=NEW))
    app.add_handler(CommandHandler("stats", admin.stats, filters=NEW))
    app.add_handler(CommandHandler("gaps", admin.gaps, filters=NEW))
    app.add_handler(
        MessageHandler(NEW & filters.ChatType.PRIVATE & filters.Document.ALL, admin.document)
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
    app.add_handler(InlineQueryHandler(ask.inline_query))
    app.add_handler(CallbackQueryHandler(ask.more_button, pattern=r"^more:\d+$"))
    app.add_handler(CallbackQueryHandler(ask.source_button, pattern=r"^src:\w+:\d+:\d+(:\d+)?$"))
    app.add_handler(CallbackQueryHandler(ask.feedback_button, pattern=r"^fb:\d+:[+-]1$"))
    app.add_handler(CallbackQueryHandler(ask.reason_button, pattern=r"^fbr:\d+:[a-z_]+$"))
    app.add_handler(CallbackQueryHandler(admin.gap_button, pattern=r"^gap:\d+$"))
    app.add_handler(CallbackQueryHandler(admin.articles_button, pattern=r"^arts:\d+$"))
    app.add_handler(CallbackQueryHandler(admin.remove_button, pattern=r"^(rm:\w+|rmx)$"))
