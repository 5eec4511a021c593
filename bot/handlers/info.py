"""What the bot says about itself: /start, /help and /whoami (see bot/about.py for the texts).

/whoami answers anyone, in any chat, before the allowed-chats gate: it is how an operator
learns the user id to put in CITEBOT_ADMIN_IDS, or a group's id for CITEBOT_ALLOWED_CHATS,
before either is set, and it says nothing about the articles.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import ApplicationHandlerStop

from bot.about import help_text, read_collection, start_text
from bot.context import Context
from bot.handlers.common import is_admin, lang_for, off_loop, reply
from bot.i18n import t
from knowledge.errors import KnowledgeError

log = logging.getLogger(__name__)


async def start(update: Update, context: Context) -> None:
    """/start: what the bot answers from: the number of stored articles and some titles."""
    message = update.effective_message
    if message is None:
        return
    collection = await off_loop(read_collection, context.kb)
    await reply(context, message, [start_text(collection, lang_for(update))])


async def help_command(update: Update, context: Context) -> None:
    """/help: how to ask (inline mode too), two example questions, the limits."""
    message = update.effective_message
    if message is None:
        return
    lang = lang_for(update)
    try:
        examples = await off_loop(context.kb.examples, lang)
    except KnowledgeError as exc:  # the help still helps without them
        log.warning("no example questions for /help: %s", exc)
        examples = ()
    user = update.effective_user
    text = help_text(
        context.settings,
        lang,
        bot_username=context.bot.username,
        inline_supported=bool(context.bot.supports_inline_queries),
        examples=examples,
        admin=is_admin(context, user.id if user else None),
    )
    await reply(context, message, [text])


async def whoami(update: Update, context: Context) -> None:
    """/whoami: the sender's user id and this chat's id, to anyone; no other handler runs."""
    message = update.effective_message
    user = update.effective_user
    if message is None or user is None:
        return
    lang = lang_for(update)
    text = t("whoami", lang, user=user.id, chat=message.chat_id)
    text += t("whoami_admin" if is_admin(context, user.id) else "whoami_hint", lang)
    await reply(context, message, [text])
    raise ApplicationHandlerStop
