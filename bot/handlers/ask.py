"""Questions in private chats and groups: the text, /ask, mentions and replies, captions, and
commands the bot does not have.

Handlers stay thin: work out the question, call the knowledge base off the event loop, render,
reply. Whether a group message is meant for the bot is bot/handlers/addressing.py's to say; the
allowed-chats gate is gate.py's, inline mode inline.py's, the buttons under an answer
buttons.py's, an edited question edits.py's.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import Sequence

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatType
from telegram.error import BadRequest, TelegramError

from bot.context import Context
from bot.handlers import info
from bot.handlers.addressing import addressed_question, command_argument
from bot.handlers.buttons import answer_keyboard
from bot.handlers.chat_settings import reply_lang, settings_for
from bot.handlers.common import lang_for, off_loop, reply, typing
from bot.i18n import t
from bot.refusals import refusal_text
from bot.render import render_answer
from knowledge import looks_like_question
from knowledge.errors import BadQuestion, NotFound

log = logging.getLogger(__name__)


async def answer_question(
    update: Update,
    context: Context,
    question: str,
    *,
    quiet: bool = False,
    replacing: Sequence[int] = (),
) -> None:
    """Rate-limit, ask the knowledge base in a thread, reply with the rendered answer, in the
    chat's reply language when its admins set one.

    ``quiet``: a message not addressed to the bot (a chat set to answer every question) gets a
    reply only when the articles answer it; nothing else is said, not even "slow down", and
    the question is logged only then, so chatter does not fill the gaps admins read.
    ``replacing``: the bot's messages that answered this message before it was edited; the
    new answer takes their place (see ``_replace``).

    The "typing…" action goes out only if the answer is not ready after ``typing_delay`` and
    the bot is not behind (``InFlight``).
    """
    message = update.effective_message
    if message is None:
        return
    with context.answered.answering(message.chat_id, message.message_id):
        await _answer(update, context, question, quiet=quiet, replacing=replacing)


async def _answer(
    update: Update,
    context: Context,
    question: str,
    *,
    quiet: bool,
    replacing: Sequence[int],
) -> None:
    message = update.effective_message
    user = update.effective_user
    if message is None or user is None:
        return
    chosen = (await settings_for(context, message.chat_id)).reply_lang
    lang = chosen or lang_for(update, question)
    if not quiet:
        allowed, notice = await context.rate.check(user.id)
        if not allowed:
            if notice:
                await reply(context, message, [t("rate_limited", lang)])
            return
    settings = context.settings
    if settings.log_messages:
        log.info("question from user %s in chat %s: %r", user.id, message.chat_id, question)
    earlier = await earlier_question(context, message, user.id)
    ask = functools.partial(
        context.kb.ask,
        question,
        chat_id=message.chat_id,
        user_id=user.id,
        after=earlier,
        lang=chosen,
    )
    in_flight = context.in_flight
    with in_flight.one():
        started = time.perf_counter()
        asking = asyncio.ensure_future(off_loop(ask, log_it=not quiet))
        # "typing…" only for an answer that keeps the user waiting, and not while the bot is
        # behind: a fast answer would spend a second Bot API call (of about 30 a second for the
        # whole bot) on a hint nobody sees, a flood would spend them on hints instead of answers.
        if not quiet:
            done, _ = await asyncio.wait({asking}, timeout=settings.typing_delay)
            if not done and not in_flight.behind:
                await typing(context, message)
        try:
            answer = await asking
        except BadQuestion as err:
            if not quiet:
                await reply(context, message, [refusal_text(err, lang)])
            return
        if quiet:
            if not answer.found or answer.small_talk is not None or answer.choices:
                return
            if not (await context.rate.check(user.id))[0]:
                return
            # Asked again to be logged: only the questions answered aloud are (see above).
            answer = await off_loop(ask, log_it=True)
        context.answers.put(answer)
        # A reply to the question or to any part of the answer, or the asker's next message in
        # a private chat, may lean on it: kept as understood, so a chain stays on one thing.
        # Small talk is not a question to follow up on.
        talk = context.conversations
        understood = answer.understood or answer.question
        if answer.small_talk is None:
            talk.asked(message.chat_id, user.id, understood, message.message_id)
        parts, markup = render_answer(answer), answer_keyboard(answer)
        if replacing:
            sent = await _replace(context, message, replacing, parts, markup)
        else:
            sent = [m.message_id for m in await reply(context, message, parts, markup)]
        context.answered.put(message.chat_id, message.message_id, sent)
        if answer.small_talk is None:
            talk.answered(message.chat_id, understood, sent)
    if answer.small_talk is not None:
        return  # not counted as a question
    context.metrics.observe_question(answer.found, time.perf_counter() - started)


async def _replace(
    context: Context,
    message: Message,
    old: Sequence[int],
    parts: Sequence[str],
    markup: InlineKeyboardMarkup | None,
) -> list[int]:
    """The new answer to an edited question put where the old one was; its message ids.

    Each part is edited into the old answer's message at its place (editMessageText, the
    keyboard under the last part); old messages left over are deleted, and parts beyond the
    old ones, or whose old message is gone (deleted by someone), are sent as new replies.
    """
    sent: list[int] = []
    for i, part in enumerate(parts):
        keyboard = markup if i == len(parts) - 1 else None
        if i < len(old):
            try:
                await context.bot.edit_message_text(
                    part, chat_id=message.chat_id, message_id=old[i], reply_markup=keyboard
                )
                sent.append(old[i])
                continue
            except BadRequest as exc:
                if "not modified" in str(exc).lower():  # the same answer again
                    sent.append(old[i])
                    continue
                log.debug("answer %s not edited (%s): sent anew", old[i], exc)
        sent.extend(m.message_id for m in await reply(context, message, [part], keyboard))
    for leftover in old[len(parts) :]:
        try:
            await context.bot.delete_message(message.chat_id, leftover)
        except TelegramError as exc:  # already deleted, or too old to delete (48 hours)
            log.debug("answer part %s not deleted: %s", leftover, exc)
    return sent


async def earlier_question(context: Context, message: Message, user_id: int) -> str | None:
    """The question a follow-up may lean on: the one the replied-to message asked or answered,
    else, in a private chat, the asker's previous question if recent (see Conversations)."""
    talk = context.conversations
    replied = message.reply_to_message
    if replied is not None and not _is_topic_root(message, replied):
        known = talk.about(message.chat_id, replied.message_id)
        if known is not None:
            return known
        if replied.from_user is not None and replied.from_user.id == context.bot.id:
            return await _asked_under(context, replied)
        text = addressed_question(replied, context.bot) or command_argument(replied)
        return text or None
    if message.chat.type == ChatType.PRIVATE:
        return talk.previous(message.chat_id, user_id)
    return None


def _is_topic_root(message: Message, replied: Message) -> bool:
    """In a forum topic every message "replies" to the topic's first message: not a reply."""
    if replied.forum_topic_created is not None:
        return True
    return bool(message.is_topic_message and replied.message_id == message.message_thread_id)


async def _asked_under(context: Context, answer: Message) -> str | None:
    """The question a bot's answer this process no longer remembers (a restart) was about,
    from the question id its buttons carry; None for a message without them."""
    markup = answer.reply_markup
    data = [b.callback_data for row in markup.inline_keyboard for b in row] if markup else []
    for item in data:
        if isinstance(item, str) and item.startswith(("more:", "fb:")):
            try:
                recalled = await off_loop(context.kb.recall, int(item.split(":")[1]))
            except (NotFound, ValueError):
                return None
            return recalled.question
    return None


async def private_text(update: Update, context: Context) -> None:
    """In a private chat every text message is a question."""
    message = update.effective_message
    if message is not None:
        await answer_question(update, context, message.text or "")


async def ask_command(update: Update, context: Context) -> None:
    """/ask question (also /ask@bot); without a question, a usage hint."""
    message = update.effective_message
    if message is None:
        return
    if message.chat.type != ChatType.PRIVATE and context.settings.group_mode == "off":
        return
    question = command_argument(message)
    if not question:
        await reply(context, message, [t("usage_ask", await reply_lang(update, context))])
        return
    await answer_question(update, context, question)


async def group_text(update: Update, context: Context) -> None:
    """Group messages: answer mentions and replies to the bot, ignore everything else."""
    message = update.effective_message
    if message is None or context.settings.group_mode == "off":
        return
    question = addressed_question(message, context.bot)
    if question is None:
        # Chatter, unless the group's admins asked for every question to be answered (those
        # the articles answer: see answer_question's ``quiet``).
        text = (message.text or "").strip()
        chat = await settings_for(context, message.chat_id)
        from_bot = message.from_user is not None and message.from_user.is_bot
        if chat.answer == "questions" and not from_bot and looks_like_question(text):
            await answer_question(update, context, text, quiet=True)
        return
    if not question:
        await reply(context, message, [t("usage_ask", await reply_lang(update, context))])
        return
    await answer_question(update, context, question)


async def private_other(update: Update, context: Context) -> None:
    """Anything but text in a private chat: a photo's (or voice note's) caption is a question;
    a sticker, a voice note or a photo without one gets a line saying what the bot reads, so
    nothing sent in private meets silence."""
    message = update.effective_message
    if message is None:
        return
    caption = (message.caption or "").strip()
    if caption:
        await answer_question(update, context, caption)
        return
    await reply(context, message, [t("text_only", await reply_lang(update, context))])


async def unknown_command(update: Update, context: Context) -> None:
    """A command the bot does not have: /help's text, in private or when addressed to this bot
    in a group (/cmd@thisbot); a group's commands for other bots are not ours to answer."""
    message = update.effective_message
    if message is None:
        return
    if message.chat.type != ChatType.PRIVATE:
        command = (message.text or "").split(maxsplit=1)[0] if message.text else ""
        if not command.casefold().endswith(f"@{context.bot.username}".casefold()):
            return
    await info.help_command(update, context)
