"""Questions: private chats, groups, inline mode, and the buttons under an answer.

Handlers stay thin: work out the question, call the knowledge base off the event loop, render,
reply. Whether a group message is meant for the bot is bot/handlers/addressing.py's to say.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import logging
import time
from collections.abc import Sequence

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    Message,
    Update,
    User,
)
from telegram.constants import ChatType
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import ApplicationHandlerStop

from bot.context import Context
from bot.handlers import info
from bot.handlers.addressing import (
    addressed_question,
    command_argument,
    group_question,
    is_addressed,
    is_command,
)
from bot.handlers.chat_settings import reply_lang, settings_for
from bot.handlers.common import (
    is_admin,
    lang_for,
    member_of_any,
    off_loop,
    reply,
    thread_id_of,
    typing,
)
from bot.i18n import choose_lang, lang_from_code, t
from bot.refusals import refusal_text
from bot.render import plain_summary, render_answer, render_more, render_passage
from knowledge import looks_like_question, to_simplified, to_traditional
from knowledge.errors import BadQuestion, NotFound
from knowledge.models import FEEDBACK_REASONS, Answer, Citation, Lang

log = logging.getLogger(__name__)

MAX_SOURCE_BUTTONS = 6
# Seconds Telegram may serve an inline answer again without asking the bot. With an allow-list
# the answer is cached for its asker alone (is_personal), and briefly, as is a refusal: a
# member's cached answer must not reach a stranger, nor outlive their membership by long.
INLINE_CACHE = 30
INLINE_PERSONAL_CACHE = 10


# -- the allowed-chats gate -------------------------------------------------------------------
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


# -- questions --------------------------------------------------------------------------------
def answer_keyboard(answer: Answer, *, with_more: bool = True) -> InlineKeyboardMarkup | None:
    """More / 👍 / 👎 and one "source" button per citation; callback data stays under 64 bytes
    (a source's: article id, paragraph, citation number, question id for the quotes to mark)."""
    if not answer.found or answer.question_id is None:
        return None
    qid = answer.question_id
    first: list[InlineKeyboardButton] = []
    if with_more and answer.more:
        first.append(
            InlineKeyboardButton(t("plain_more", answer.lang), callback_data=f"more:{qid}")
        )
    first.append(InlineKeyboardButton("👍", callback_data=f"fb:{qid}:+1"))
    first.append(InlineKeyboardButton("👎", callback_data=f"fb:{qid}:-1"))
    seen: dict[int, Citation] = {}
    for quote in answer.quotes:
        seen.setdefault(quote.citation.number, quote.citation)
    sources = [
        InlineKeyboardButton(
            t("plain_source", answer.lang, n=c.number),
            callback_data=f"src:{c.article_id}:{c.paragraph}:{c.number}:{qid}",
        )
        for c in list(seen.values())[:MAX_SOURCE_BUTTONS]
    ]
    rows = [first] + [sources[i : i + 3] for i in range(0, len(sources), 3)]
    return InlineKeyboardMarkup(rows)


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
        allowed, notice = context.rate.check(user.id)
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
            if not context.rate.check(user.id)[0]:
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


# -- inline mode ------------------------------------------------------------------------------
def _single_message(answer: Answer) -> str:
    """The answer as one message: drop the weakest quotes until quotes and sources fit."""
    for n in range(len(answer.quotes), 0, -1):
        parts = render_answer(dataclasses.replace(answer, quotes=answer.quotes[:n]))
        if len(parts) == 1:
            return parts[0]
    return render_answer(answer)[0]


async def inline_query(update: Update, context: Context) -> None:
    """@bot question typed anywhere: one result holding the answer, or a "no answer" result.

    Inline queries arrive as the user types, so they are not logged as questions.
    """
    query = update.inline_query
    if query is None:
        return
    text = query.query.strip()
    lang = choose_lang(text, query.from_user.language_code)
    if not text:
        await query.answer([], cache_time=5)
        return
    try:
        answer = await off_loop(context.kb.ask, text, user_id=query.from_user.id, log_it=False)
    except BadQuestion as err:
        title = t("plain_inline_no_answer", lang)
        content = InputTextMessageContent(refusal_text(err, lang))
        await query.answer([InlineQueryResultArticle("bad", title, content)], cache_time=5)
        return
    if answer.found:
        result = InlineQueryResultArticle(
            "answer",
            plain_summary(answer, 60),
            InputTextMessageContent(_single_message(answer)),
            description=plain_summary(answer, 200),
        )
    elif answer.small_talk is not None:
        text = render_answer(answer)[0]
        result = InlineQueryResultArticle(
            "talk", t("plain_inline_hello", lang), InputTextMessageContent(text)
        )
    else:
        result = InlineQueryResultArticle(
            "none",
            t("plain_inline_no_answer", lang),
            InputTextMessageContent(t("not_found", answer.lang)),
        )
    # With an allow-list the answer is for this user only: see INLINE_PERSONAL_CACHE.
    personal = bool(context.settings.allowed_chats)
    await query.answer(
        [result],
        cache_time=INLINE_PERSONAL_CACHE if personal else INLINE_CACHE,
        is_personal=personal,
    )


# -- buttons ----------------------------------------------------------------------------------
async def more_button(update: Update, context: Context) -> None:
    """Send the next best sentences and take the "more" button off the answer."""
    query = update.callback_query
    if query is None or query.data is None:
        return
    question_id = int(query.data.split(":")[1])
    answer = context.answers.get(question_id)
    if answer is None:
        # Not in this process's cache (a restart, another replica): ask the stored question again.
        try:
            chosen = None
            if isinstance(query.message, Message):
                chosen = (await settings_for(context, query.message.chat_id)).reply_lang
            answer = await off_loop(context.kb.recall, question_id, lang=chosen)
        except NotFound as err:
            lang = lang_from_code(query.from_user.language_code)
            await query.answer(refusal_text(err, lang, gone="plain_expired"))
            return
    # The "more" quotes come without highlights (most are never shown): found only now.
    if answer.more:
        answer = await off_loop(context.kb.more, answer)
        context.answers.put(answer)
    parts = render_more(answer)
    if not parts:
        await query.answer(t("plain_no_more", answer.lang))
        return
    await query.answer()
    message = query.message
    if isinstance(message, Message):
        await query.edit_message_reply_markup(answer_keyboard(answer, with_more=False))
        await reply(context, message, parts)


async def source_button(update: Update, context: Context) -> None:
    """The paragraph a cited sentence comes from, the quote in bold, in one message.

    Each answer's source goes out once: a second press, by anyone, gets a toast. A reply
    counts against the presser's rate limit like a question, and in a group against its
    budget (``ChatBudget``): past it the paragraph goes to the presser in private with a
    toast saying so, or, when the bot may not write to them, a toast asking them to start a
    private chat. No note is posted in the group: it would spend the budget that ran out.
    """
    query = update.callback_query
    if query is None or query.data is None:
        return
    origin = query.message
    if not isinstance(origin, Message):
        await query.answer()  # under a message sent inline: no chat to post in
        return
    article_id, paragraph, number, *asked = query.data.split(":")[1:]
    user = query.from_user
    lang = lang_from_code(user.language_code)
    shown = context.shown_sources
    keys = {
        where: (where, origin.chat_id, origin.message_id, article_id, int(paragraph))
        for where in (origin.chat_id, user.id)
    }
    if keys[origin.chat_id] in shown or keys[user.id] in shown:
        await query.answer(t("plain_source_shown", lang))
        return
    allowed, _ = context.rate.check(user.id)
    if not allowed:
        await query.answer(t("rate_limited", lang))
        return
    budget = context.budget
    in_group = origin.chat.type != ChatType.PRIVATE
    privately = in_group and not budget.source_fits(origin.chat_id, user.id)
    key = keys[user.id if privately else origin.chat_id]
    # Both taken before the first await, so presses handled meanwhile see them: "shown" (given
    # back when the paragraph did not go out, so a later press may try again) and the group's
    # budget (kept: a failed send may well have reached Telegram).
    shown.add(key)
    if in_group and not privately:
        budget.spent(origin.chat_id, pressed_by=user.id)
    delivered = False
    try:
        chosen = (await settings_for(context, origin.chat_id)).reply_lang
        parts = await _source_parts(
            context, article_id, int(paragraph), int(number), asked, user, chosen
        )
        if not privately:
            await query.answer()
            await reply(context, origin, parts, counted=True)
            delivered = True
            return
        try:
            await context.bot.send_message(user.id, parts[0])
        except (Forbidden, BadRequest) as exc:
            # Never started a chat with the bot ("chat not found", "can't initiate") or blocked it.
            log.debug("source for user %s not sent in private: %s", user.id, exc)
            await query.answer(t("plain_source_busy", lang), show_alert=True)
            return
        delivered = True
        await query.answer(t("plain_source_private", lang))
    except NotFound as err:
        await query.answer(refusal_text(err, lang, gone="plain_gone"))
    finally:
        if not delivered:
            shown.discard(key)


async def _source_parts(
    context: Context,
    article_id: str,
    paragraph: int,
    number: int,
    asked: list[str],
    user: User,
    chosen: Lang | None = None,
) -> list[str]:
    """The rendered paragraph (one message), the quotes of question ``asked`` marked in it;
    in the chat's reply language ``chosen`` when set (a Chinese paragraph in its script).

    The quotes come from this process's answer cache, else the question is asked again (as
    "More" does after a restart); a button from before question ids were in its data, or an
    answer that no longer cites this paragraph, shows it unmarked. Raises NotFound when the
    article or paragraph is gone.
    """
    kb = context.kb
    article = await off_loop(kb.article, article_id)
    text = await off_loop(kb.passage_text, article_id, paragraph)
    quoted: list[str] = []
    if asked:
        answer = context.answers.get(int(asked[0]))
        if answer is None:
            with contextlib.suppress(NotFound):
                answer = await off_loop(kb.recall, int(asked[0]))
                context.answers.put(answer)
        if answer is not None:
            quoted = [
                q.sentence.text
                for q in answer.quotes
                if q.citation.article_id == article.id and q.citation.paragraph == paragraph
            ]
    citation = Citation(
        number,
        article.id,
        article.title,
        article.source,
        article.url,
        article.published,
        paragraph,
    )
    lang = chosen or choose_lang(text, user.language_code)
    if chosen in ("zh-Hans", "zh-Hant"):
        # The quotes were converted alike (in_language), so they are still found in it.
        text = to_traditional(text) if chosen == "zh-Hant" else to_simplified(text)
    return render_passage(citation, text, lang, quoted)


async def feedback_button(update: Update, context: Context) -> None:
    """👍/👎: stored against the question, acknowledged in a small toast. A 👎 also puts the
    reasons under the answer (wrong answer / wrong source / not answered, in the presser's
    language); the vote stands whether or not one is pressed."""
    query = update.callback_query
    if query is None or query.data is None:
        return
    _, qid, value = query.data.split(":")
    await off_loop(context.kb.feedback, int(qid), query.from_user.id, int(value))
    lang = lang_from_code(query.from_user.language_code)
    markup = query.message.reply_markup if isinstance(query.message, Message) else None
    if int(value) > 0 or markup is None:
        await query.answer(t("plain_thanks", lang))
        return
    await query.answer(t("plain_thanks_why", lang))
    rows = [list(row) for row in markup.inline_keyboard]
    if not any(_is_reason(b) for row in rows for b in row):
        rows.append(
            [
                InlineKeyboardButton(
                    t(f"plain_reason_{reason}", lang), callback_data=f"fbr:{qid}:{reason}"
                )
                for reason in FEEDBACK_REASONS
            ]
        )
        with contextlib.suppress(BadRequest):  # "message is not modified": pressed twice
            await query.edit_message_reply_markup(InlineKeyboardMarkup(rows))


def _is_reason(button: InlineKeyboardButton) -> bool:
    return isinstance(button.callback_data, str) and button.callback_data.startswith("fbr:")


async def reason_button(update: Update, context: Context) -> None:
    """Why a 👎 was given: stored with the presser's 👎 (pressing one is a 👎), the reasons
    taken off the answer again."""
    query = update.callback_query
    if query is None or query.data is None:
        return
    _, qid, reason = query.data.split(":")
    lang = lang_from_code(query.from_user.language_code)
    if reason not in FEEDBACK_REASONS:
        await query.answer()
        return
    await off_loop(context.kb.feedback, int(qid), query.from_user.id, -1, reason)
    await query.answer(t("plain_reason_thanks", lang, reason=t(f"plain_reason_{reason}", lang)))
    message = query.message
    if isinstance(message, Message) and message.reply_markup is not None:
        rows = [
            [b for b in row if not _is_reason(b)] for row in message.reply_markup.inline_keyboard
        ]
        with contextlib.suppress(BadRequest):
            await query.edit_message_reply_markup(InlineKeyboardMarkup([r for r in rows if r]))
