"""Changing the collection: uploads, /add, /articles, /remove, /stats, /gaps — admins only.

Everyone else gets a polite refusal, nothing is stored, and the attempt is logged with who and
where but never with what they sent.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatType
from telegram.error import BadRequest

from bot.context import Context
from bot.handlers.addressing import addressed_caption, command_argument
from bot.handlers.common import (
    is_admin,
    lang_for,
    off_loop,
    reply,
    typing,
)
from bot.i18n import lang_from_code, t
from bot.refusals import refusal_text
from bot.render import render_article, render_articles, render_gaps, render_given, render_stats
from knowledge import classify
from knowledge.errors import KnowledgeError, NotFound
from knowledge.models import IngestResult, Lang

log = logging.getLogger(__name__)

PAGE_SIZE = 10
# Gaps one /gaps message lists (each with a button showing the answer given): the rest are
# counted ("…and N more"), and `citebot gaps` lists them all.
GAPS_SHOWN = 10
PUBLIC_API_DOWNLOAD_LIMIT = 20 * 1024 * 1024
_URL = re.compile(r"^https?://\S+$", re.IGNORECASE)


async def _admin_message(
    update: Update,
    context: Context,
    action: str,
    hint: Callable[[Message], str | None] | None = None,
    refusal: str = "admin_only",
) -> Message | None:
    """The message of an admin's command, or None: nothing to act on, or a non-admin, who is
    refused (with ``refusal``'s text, in the language of ``hint(message)``, the text they sent,
    when given) and logged with who and where but never with what they sent."""
    message = update.effective_message
    user = update.effective_user
    if message is None or user is None:
        return None
    if is_admin(context, user.id):
        return message
    chat = update.effective_chat
    log.warning(
        "refused %s from non-admin user %s in chat %s", action, user.id, chat.id if chat else None
    )
    text = hint(message) if hint else None
    await reply(context, message, [t(refusal, lang_for(update, text))])
    return None


async def _ingest_reply(
    context: Context, message: Message, lang: Lang, result: IngestResult
) -> None:
    log.info("ingest %s: article %s", result.status, result.article.id)
    context.metrics.inc("citebot_ingests_total", status=result.status)
    await reply(context, message, [render_article(result.article, lang, result.status)])


def _asks(caption: str) -> bool:
    """Whether a caption is a question (a question mark, or question words: who, 哪年, 幾多)."""
    text = caption.strip()
    return text.endswith(("?", "？")) or (bool(text) and classify(text) is not None)


def asks_instead(update: Update, context: Context) -> bool:
    """Whether a document is no upload but a question: a non-admin's document captioned with
    a question is that question, while one captioned "please add this" is an upload attempt,
    told that only admins add articles."""
    message = update.effective_message
    user = update.effective_user
    if message is None or is_admin(context, user.id if user else None):
        return False
    return _asks(message.caption or "")


async def document(update: Update, context: Context) -> None:
    """An admin's file: size checked before downloading, then read and stored in a thread."""
    if update.effective_message is None or update.effective_message.document is None:
        return
    message = await _admin_message(update, context, "upload", lambda m: m.caption)
    if message is None or message.document is None:
        return
    lang = lang_for(update, message.caption)
    doc = message.document
    limit = context.settings.max_upload_bytes
    if doc.file_size and doc.file_size > limit:
        mb = 1024 * 1024
        size, cap = f"{doc.file_size / mb:.1f}", f"{limit / mb:.1f}"
        await reply(context, message, [t("err_too_large", lang, size=size, limit=cap)])
        return
    await typing(context, message)
    try:
        tg_file = await context.bot.get_file(doc.file_id)
    except BadRequest as exc:
        if "too big" not in str(exc).lower():
            raise
        # The public Bot API will not hand out files over 20 MB whatever our own limit says.
        mb = 1024 * 1024
        size = f"{(doc.file_size or 0) / mb:.1f}"
        await reply(context, message, [t("err_too_large", lang, size=size, limit="20.0")])
        return
    data = bytes(await tg_file.download_as_bytearray())
    caption = message.caption or ""
    if message.chat.type != ChatType.PRIVATE:  # the "@bot" that addressed it is no title
        caption = addressed_caption(message, context.bot) or ""
    title = caption.strip() or None
    try:
        result = await off_loop(
            context.kb.ingest_bytes,
            data,
            doc.file_name or "upload",
            title=title,
            content_type=doc.mime_type,
        )
    except KnowledgeError as err:
        log.info("upload refused: %s", err.code)
        await reply(context, message, [refusal_text(err, lang)])
        return
    await _ingest_reply(context, message, lang, result)


async def add(update: Update, context: Context) -> None:
    """/add text, /add URL, or /add as a reply to a message."""
    message = await _admin_message(update, context, "/add", command_argument)
    if message is None:
        return
    text = command_argument(message)
    replied = message.reply_to_message
    if not text and replied is not None and replied.forum_topic_created is None:
        text = (replied.text or replied.caption or "").strip()
    lang = lang_for(update, text)
    if not text:
        await reply(context, message, [t("add_usage", lang)])
        return
    kb = context.kb
    settings = context.settings
    await typing(context, message)
    try:
        if _URL.match(text):
            result = await off_loop(
                kb.ingest_url,
                text,
                allowed_hosts=settings.fetch_allowed_hosts,
                timeout=settings.fetch_timeout,
            )
        else:
            result = await off_loop(kb.ingest_text, text, source="Telegram")
    except KnowledgeError as err:
        log.info("/add refused: %s %s", err.code, err.params.get("reason", ""))
        await reply(context, message, [refusal_text(err, lang)])
        return
    await _ingest_reply(context, message, lang, result)


def _articles_keyboard(offset: int, total: int, lang: Lang) -> InlineKeyboardMarkup | None:
    buttons = []
    if offset > 0:
        buttons.append(
            InlineKeyboardButton(
                t("plain_prev", lang), callback_data=f"arts:{max(0, offset - PAGE_SIZE)}"
            )
        )
    if offset + PAGE_SIZE < total:
        buttons.append(
            InlineKeyboardButton(t("plain_next", lang), callback_data=f"arts:{offset + PAGE_SIZE}")
        )
    return InlineKeyboardMarkup([buttons]) if buttons else None


async def _articles_page(
    context: Context, offset: int, lang: Lang
) -> tuple[str, InlineKeyboardMarkup | None]:
    kb = context.kb
    total = int((await off_loop(kb.stats))["articles"])
    offset = max(0, min(offset, max(0, total - 1)))
    page = await off_loop(kb.list, offset, PAGE_SIZE)
    return render_articles(page, offset, total, lang), _articles_keyboard(offset, total, lang)


async def articles(update: Update, context: Context) -> None:
    """/articles: the first page of the collection, with ids and page buttons."""
    message = await _admin_message(update, context, "/articles", refusal="admin_only_view")
    if message is None:
        return
    text, markup = await _articles_page(context, 0, lang_for(update))
    await reply(context, message, [text], markup)


async def articles_button(update: Update, context: Context) -> None:
    query = update.callback_query
    if query is None or query.data is None:
        return
    lang = lang_from_code(query.from_user.language_code)
    if not is_admin(context, query.from_user.id):
        await query.answer(t("plain_admin_only", lang), show_alert=True)
        return
    text, markup = await _articles_page(context, int(query.data.split(":")[1]), lang)
    await query.answer()
    await query.edit_message_text(text, reply_markup=markup)


async def remove(update: Update, context: Context) -> None:
    """/remove ID: asks to confirm with a button; nothing is removed yet."""
    message = await _admin_message(update, context, "/remove")
    if message is None:
        return
    lang = lang_for(update)
    wanted = command_argument(message).split()
    if not wanted:
        await reply(context, message, [t("remove_usage", lang)])
        return
    try:
        article = await off_loop(context.kb.article, wanted[0])
    except KnowledgeError as err:
        await reply(context, message, [refusal_text(err, lang)])
        return
    markup = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    t("plain_confirm_remove", lang), callback_data=f"rm:{article.id}"
                ),
                InlineKeyboardButton(t("plain_cancel", lang), callback_data="rmx"),
            ]
        ]
    )
    text = t("remove_confirm", lang, title=article.title, id=article.id)
    await reply(context, message, [text], markup)


async def remove_button(update: Update, context: Context) -> None:
    """The confirmation: remove (admins only, checked again) or cancel."""
    query = update.callback_query
    if query is None or query.data is None:
        return
    lang = lang_from_code(query.from_user.language_code)
    if not is_admin(context, query.from_user.id):
        log.warning("refused removal from non-admin user %s", query.from_user.id)
        await query.answer(t("plain_admin_only", lang), show_alert=True)
        return
    if query.data == "rmx":
        await query.answer()
        await query.edit_message_text(t("remove_cancelled", lang))
        return
    try:
        article = await off_loop(context.kb.remove, query.data.split(":", 1)[1])
    except KnowledgeError as err:
        await query.answer()
        await query.edit_message_text(refusal_text(err, lang))
        return
    log.info("removed article %s", article.id)
    await query.answer()
    await query.edit_message_text(t("removed", lang, title=article.title, id=article.id))


async def stats(update: Update, context: Context) -> None:
    """/stats: size of the collection, questions, share answered, 👍/👎."""
    message = await _admin_message(update, context, "/stats", refusal="admin_only_view")
    if message is None:
        return
    numbers = await off_loop(context.kb.stats)
    await reply(context, message, [render_stats(numbers, lang_for(update))])


def _gaps_keyboard(question_ids: list[int], lang: Lang) -> InlineKeyboardMarkup | None:
    """One button a gap, numbered as the list numbers them, five to a row."""
    buttons = [
        InlineKeyboardButton(t("plain_gap_button", lang, n=n), callback_data=f"gap:{qid}")
        for n, qid in enumerate(question_ids, start=1)
    ]
    rows = [buttons[i : i + 5] for i in range(0, len(buttons), 5)]
    return InlineKeyboardMarkup(rows) if rows else None


async def gaps(update: Update, context: Context) -> None:
    """/gaps: the recent questions declined or voted 👎, alike ones grouped, newest first,
    each with a button showing the answer that was given; in a private chat only."""
    message = await _admin_message(update, context, "/gaps")
    if message is None:
        return
    lang = lang_for(update)
    if message.chat.type != ChatType.PRIVATE:
        # The questions come from every chat, private ones included: not for a group to read.
        await reply(context, message, [t("gaps_in_private", lang)])
        return
    found = await off_loop(context.kb.gaps, GAPS_SHOWN)
    text, shown = render_gaps(found, lang)
    markup = _gaps_keyboard([g.question_id for g in found.gaps[:shown]], lang)
    await reply(context, message, [text], markup)


async def gap_button(update: Update, context: Context) -> None:
    """A gap's button: the answer its latest question got, as given (admins only)."""
    query = update.callback_query
    if query is None or query.data is None:
        return
    lang = lang_from_code(query.from_user.language_code)
    if not is_admin(context, query.from_user.id):
        await query.answer(t("plain_admin_only", lang), show_alert=True)
        return
    try:
        given = await off_loop(context.kb.given_answer, int(query.data.split(":")[1]))
    except NotFound as err:
        await query.answer(refusal_text(err, lang, gone="plain_gap_gone"))
        return
    await query.answer()
    if isinstance(query.message, Message):
        await reply(context, query.message, render_given(given, lang))
