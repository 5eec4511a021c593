"""The buttons under an answer (``answer_keyboard``) and their presses: More, Source (the cited
paragraph), 👍/👎 and the reasons for a 👎.
"""

from __future__ import annotations

import contextlib
import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update, User
from telegram.constants import ChatType
from telegram.error import BadRequest, Forbidden

from bot.context import Context
from bot.handlers.chat_settings import settings_for
from bot.handlers.common import off_loop, reply
from bot.i18n import choose_lang, lang_from_code, t
from bot.refusals import refusal_text
from bot.render import render_more, render_passage
from knowledge import to_simplified, to_traditional
from knowledge.errors import NotFound
from knowledge.models import FEEDBACK_REASONS, Answer, Citation, Lang

log = logging.getLogger(__name__)

MAX_SOURCE_BUTTONS = 6


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
    allowed, _ = await context.rate.check(user.id)
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
