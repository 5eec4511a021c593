"""Inline mode: ``@bot question`` typed in any chat gets one result holding the answer."""

from __future__ import annotations

import dataclasses

from telegram import InlineQueryResultArticle, InputTextMessageContent, Update

from bot.context import Context
from bot.handlers.common import off_loop
from bot.i18n import choose_lang, t
from bot.refusals import refusal_text
from bot.render import plain_summary, render_answer
from knowledge.errors import BadQuestion
from knowledge.models import Answer

# Seconds Telegram may serve an inline answer again without asking the bot. With an allow-list
# the answer is cached for its asker alone (is_personal), and briefly, as is a refusal: a
# member's cached answer must not reach a stranger, nor outlive their membership by long.
INLINE_CACHE = 30
INLINE_PERSONAL_CACHE = 10


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
