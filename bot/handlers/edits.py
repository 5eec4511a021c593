"""Edited messages: a corrected question gets its answer edited in place."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatType

from bot.context import Context
from bot.handlers.addressing import command_argument, group_question, is_command
from bot.handlers.ask import answer_question, group_text


async def edited_text(update: Update, context: Context) -> None:
    """An edited text message. One the bot answered gets its answer edited in place with the
    answer to the new text; any other is taken as a new message: answered in a private chat,
    and in a group when it is now addressed to the bot (or, in a chat answering every
    question, when it now looks like one)."""
    message = update.effective_message
    if message is None or message.text is None:
        return
    private = message.chat.type == ChatType.PRIVATE
    if not private and context.settings.group_mode == "off":
        return
    command = message.text.startswith("/")
    if private:
        question = command_argument(message) if is_command(message, "ask", context.bot) else None
        if not command:
            question = message.text
    else:
        question = group_question(message, context.bot)
    # An edit made while the first answer is still on its way waits for it, then edits it.
    old = await context.answered.after(message.chat_id, message.message_id)
    if old is not None:
        # No longer addressed (the mention edited out): the text is still what was asked.
        if question is None and not command:
            question = message.text
        if question and question.strip():
            await answer_question(update, context, question.strip(), replacing=old)
        return
    if question is not None:
        if question.strip():
            await answer_question(update, context, question.strip())
        return
    if not private and not command:
        await group_text(update, context)  # a chat answering every question-looking message
