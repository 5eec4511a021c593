"""What every handler shares: who is an admin, the reply language, sending, and who counts
as a member of the allowed chats. Dependencies and state arrive with the typed context
(``context.kb``, ``context.settings``…: bot/context.py).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from telegram import (
    Bot,
    ChatMember,
    ChatMemberRestricted,
    InlineKeyboardMarkup,
    Message,
    ReplyParameters,
    Update,
)
from telegram.constants import ChatAction, ChatType
from telegram.error import BadRequest, Forbidden, TelegramError

from bot.context import Context
from bot.i18n import choose_lang
from knowledge.models import Lang

log = logging.getLogger(__name__)

T = TypeVar("T")


def counts_as_member(member: ChatMember) -> bool:
    """In the chat now: owner, administrator, member, or restricted but still in it."""
    if isinstance(member, ChatMemberRestricted):
        return member.is_member
    return member.status in (ChatMember.OWNER, ChatMember.ADMINISTRATOR, ChatMember.MEMBER)


async def member_of_any(bot: Bot, chat_ids: Sequence[int], user_id: int) -> bool | None:
    """Whether ``user_id`` is in one of ``chat_ids``; None when Telegram could not say.

    A private chat (a positive id) has only its own user in it, so it needs no call.
    """
    unsure = False
    for chat_id in chat_ids:
        if chat_id == user_id:
            return True
        if chat_id > 0:
            continue
        try:
            if counts_as_member(await bot.get_chat_member(chat_id, user_id)):
                return True
        except (BadRequest, Forbidden) as exc:
            # "chat not found", "user not found", the bot removed from the chat: not in it.
            log.debug("no membership of user %s in chat %s: %s", user_id, chat_id, exc)
        except TelegramError as exc:
            log.warning("could not check user %s in chat %s: %s", user_id, chat_id, exc)
            unsure = True
    return None if unsure else False


def is_admin(context: Context, user_id: int | None) -> bool:
    return user_id is not None and user_id in context.settings.admin_ids


def lang_for(update: Update, text: str | None = None) -> Lang:
    """Reply language: the text's when it has words, else the user's Telegram language."""
    user = update.effective_user
    return choose_lang(text, user.language_code if user else None)


async def off_loop(func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run blocking knowledge-base work in a thread, keeping the event loop free."""
    return await asyncio.to_thread(func, *args, **kwargs)


def thread_id_of(message: Message) -> int | None:
    """The forum topic to answer in; ordinary reply chains in groups have no topic."""
    return message.message_thread_id if message.is_topic_message else None


async def typing(context: Context, message: Message) -> None:
    """Show "typing…"; cosmetic, so a failure here must not cost the answer."""
    try:
        await context.bot.send_chat_action(
            message.chat_id, ChatAction.TYPING, message_thread_id=thread_id_of(message)
        )
    except TelegramError as exc:
        log.debug("chat action failed: %s", exc)


async def reply(
    context: Context,
    message: Message,
    parts: Sequence[str],
    markup: InlineKeyboardMarkup | None = None,
    *,
    quote: bool | None = None,
    counted: bool = False,
) -> list[Message]:
    """Send ``parts`` in order; the keyboard goes under the last one.

    In groups each part replies to the asker's message (so the answer is found in a busy chat)
    and stays in the asker's forum topic, and counts against the group's ``ChatBudget``. In
    private chats replies are not quoted. ``counted``: the caller has already counted the
    message against the group's budget (a Source reply takes its place when pressed).
    """
    if quote is None:
        quote = message.chat.type != ChatType.PRIVATE
    sent: list[Message] = []
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if not counted and message.chat.type != ChatType.PRIVATE:
            # Counted before the send: a press handled meanwhile must already see it.
            context.budget.spent(message.chat_id)
        sent.append(
            await context.bot.send_message(
                message.chat_id,
                part,
                message_thread_id=thread_id_of(message),
                reply_parameters=(
                    ReplyParameters(message.message_id, allow_sending_without_reply=True)
                    if quote
                    else None
                ),
                reply_markup=markup if last else None,
            )
        )
    return sent
