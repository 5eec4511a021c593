"""Whether a message is meant for the bot, and what it says to it: mentions, replies to the
bot, leading /commands. About Telegram's messages (entities, UTF-16 offsets, forum topics),
not about knowledge; questions, uploads and /settings all read their messages through here.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import Bot, Message, MessageEntity, Update
from telegram.constants import ChatType

from bot.context import Context

Handler = Callable[[Update, Context], Coroutine[Any, Any, None]]


def is_command(message: Message, name: str, bot: Bot) -> bool:
    """Whether the message starts with /``name`` (or /``name``@this_bot): another bot's
    command of the same name is not ours."""
    text = message.text or ""
    for entity in message.entities:
        if entity.type == MessageEntity.BOT_COMMAND and entity.offset == 0:
            command, _, to = text[1 : entity.length].casefold().partition("@")
            return command == name and to in ("", (bot.username or "").casefold())
    return False


def strip_entities(text: str, entities: list[MessageEntity]) -> str:
    """``text`` without the given entities; offsets are UTF-16 code units, as Telegram sends."""
    data = text.encode("utf-16-le")
    for entity in sorted(entities, key=lambda e: e.offset, reverse=True):
        data = data[: entity.offset * 2] + data[(entity.offset + entity.length) * 2 :]
    return data.decode("utf-16-le")


def is_reply_to_bot(message: Message, bot_id: int) -> bool:
    """A real reply to one of the bot's messages.

    In forum topics every message "replies" to the topic's service message, which may well be
    the bot's own if the bot opened the topic; that is not a reply to the bot.
    """
    replied = message.reply_to_message
    if replied is None or replied.from_user is None or replied.from_user.id != bot_id:
        return False
    if replied.forum_topic_created is not None:
        return False
    return not (message.is_topic_message and replied.message_id == message.message_thread_id)


def addressed_question(message: Message, bot: Bot) -> str | None:
    """The question in a group message meant for the bot, or None for ordinary chatter."""
    text = message.text or ""
    handle = f"@{bot.username}".casefold()
    mentions = [
        entity
        for entity, value in message.parse_entities([MessageEntity.MENTION]).items()
        if value.casefold() == handle
    ]
    if mentions:
        return strip_entities(text, mentions).strip()
    if is_reply_to_bot(message, bot.id):
        return text.strip()
    return None


def addressed_caption(message: Message, bot: Bot) -> str | None:
    """A group document's caption, without the bot's mention or a leading command, when the
    document is addressed to the bot (a mention in the caption, a leading /command for this
    bot, or a reply to the bot); None when it is not."""
    caption = message.caption or ""
    handle = f"@{bot.username}".casefold()
    mentions = [
        entity
        for entity, value in message.parse_caption_entities([MessageEntity.MENTION]).items()
        if value.casefold() == handle
    ]
    commands = [
        entity
        for entity, value in message.parse_caption_entities([MessageEntity.BOT_COMMAND]).items()
        if entity.offset == 0 and value.casefold().partition("@")[2] in ("", handle[1:])
    ]
    if mentions or commands:
        return strip_entities(caption, mentions + commands).strip()
    if is_reply_to_bot(message, bot.id):
        return caption.strip()
    return None


def when_addressed(handler: Handler) -> Handler:
    """``handler`` for group documents run only for those addressed to the bot (see
    ``addressed_caption``): an admin's file shared with the group is not an upload."""

    @functools.wraps(handler)
    async def addressed(update: Update, context: Context) -> None:
        message = update.effective_message
        if message is not None and addressed_caption(message, context.bot) is not None:
            await handler(update, context)

    return addressed


def group_question(message: Message, bot: Bot) -> str | None:
    """The question in a group message for the bot: /ask's argument (empty for a bare /ask),
    a mention's or a reply's text; None for chatter, and for other commands."""
    if is_command(message, "ask", bot):
        return command_argument(message)
    if any(e.type == MessageEntity.BOT_COMMAND and e.offset == 0 for e in message.entities):
        return None
    return addressed_question(message, bot)


def command_argument(message: Message) -> str:
    """The text after a leading /command (or /command@bot), keeping line breaks."""
    text = message.text or ""
    commands = [
        e for e in message.entities if e.type == MessageEntity.BOT_COMMAND and e.offset == 0
    ]
    return strip_entities(text, commands[:1]).strip() if commands else text.strip()


def is_addressed(update: Update, bot: Bot) -> bool:
    """Would the bot normally answer this update? (Private chats, commands, mentions, replies.)"""
    message = update.effective_message
    if message is None or update.effective_chat is None:
        return update.inline_query is not None
    if update.effective_chat.type == ChatType.PRIVATE:
        return True
    if any(e.type == MessageEntity.BOT_COMMAND and e.offset == 0 for e in message.entities):
        return True
    return addressed_question(message, bot) is not None
