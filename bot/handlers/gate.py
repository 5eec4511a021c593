"""Who the bot answers: the allowed-chats gate every update passes first (``gate``), and who
may use inline mode, which comes with no chat to check (``may_use_inline``).
"""

from __future__ import annotations

import functools
import logging

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import ApplicationHandlerStop

from bot.context import Context
from bot.handlers.addressing import is_addressed
from bot.handlers.common import is_admin, lang_for, member_of_any, thread_id_of
from bot.handlers.inline import INLINE_PERSONAL_CACHE
from bot.i18n import t

log = logging.getLogger(__name__)


async def may_use_inline(context: Context, user_id: int) -> bool:
    """Whether inline answers (which come with no chat to check) are for this user.

    ``inline_mode`` "off": nobody's. Otherwise everyone's when ``allowed_chats`` is empty, else
    the admins' and those of the members of an allowed chat, as Telegram says (cached).
    """
    settings = context.settings
    if settings.inline_mode == "off":
        return False
    if not settings.allowed_chats or is_admin(context, user_id):
        return True
    lookup = functools.partial(member_of_any, context.bot, settings.allowed_chats)
    return await context.members.verdict(user_id, lookup)


async def gate(update: Update, context: Context) -> None:
    """Stop updates from chats outside ``allowed_chats``; tell each chat once why.

    Admins keep their private chats, or they could not manage a bot limited to one group.
    Inline queries, which have no chat, are let through by ``may_use_inline``; a refused one
    is answered with no results, so the stranger's client stops waiting and learns nothing.
    A button pressed where the bot may not answer gets a refusal in place of its reply.
    """
    inline = update.inline_query
    if inline is not None:
        if await may_use_inline(context, inline.from_user.id):
            return
        # Debug only: a refused user typing sends one query per key.
        log.debug("inline query from user %s refused", inline.from_user.id)
        await inline.answer([], cache_time=INLINE_PERSONAL_CACHE, is_personal=True)
        raise ApplicationHandlerStop
    chat = update.effective_chat
    button = update.callback_query
    if chat is None:
        # A button under a message sent inline: who may press it is who may ask inline.
        if button is None or await may_use_inline(context, button.from_user.id):
            return
    else:
        allowed = context.settings.allowed_chats
        if not allowed or chat.id in allowed:
            return
        user = update.effective_user
        if chat.type == ChatType.PRIVATE and is_admin(context, user.id if user else None):
            return
    if button is not None:
        await button.answer(t("chat_not_allowed", lang_for(update)), show_alert=True)
    elif chat is not None:
        await _tell_once(update, context, chat.id)
    raise ApplicationHandlerStop


async def _tell_once(update: Update, context: Context, chat_id: int) -> None:
    """Say "not enabled in this chat" the first time someone there addresses the bot."""
    notified = context.bot_data.notified_chats
    if chat_id in notified or not is_addressed(update, context.bot):
        return
    notified.add(chat_id)
    log.info("chat %s is not in allowed_chats; told it once", chat_id)
    message = update.effective_message
    await context.bot.send_message(
        chat_id,
        t("chat_not_allowed", lang_for(update)),
        message_thread_id=thread_id_of(message) if message else None,
    )
