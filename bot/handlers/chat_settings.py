"""Per-chat settings: when the bot answers in a chat, and in which language, as the chat's own
administrators set them with /settings and its buttons.

The settings are kept by the knowledge base (one row per chat in the store) and read through a
short-lived cache here: every update in a chat needs them (a chat set "off" hears nothing but
/settings), and another replica's change shows within ``SETTINGS_TTL``. Who administers a
group is Telegram's to say (getChatMember), asked when someone presses a button and kept for
``ADMIN_TTL``: a demoted admin loses the power within a minute.
"""

from __future__ import annotations

import logging

from telegram import (
    Chat,
    ChatMember,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
)
from telegram.constants import ChatType
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import ApplicationHandlerStop

from bot.context import Context
from bot.handlers.addressing import is_command
from bot.handlers.common import lang_for, off_loop, reply
from bot.i18n import lang_from_code, t
from bot.refusals import refusal_text
from knowledge.errors import StoreError
from knowledge.models import ANSWER_MODES, REPLY_LANGS, ChatSettings, Lang

log = logging.getLogger(__name__)

# What the language buttons say, the same in every language: each names itself.
LANG_LABELS: dict[str, str] = {"en": "English", "zh-Hans": "简体", "zh-Hant": "繁體"}


async def settings_for(context: Context, chat_id: int) -> ChatSettings:
    """The chat's settings; the defaults when the store cannot be read (logged): a bot that
    cannot read its settings answers as it always did rather than not at all."""
    cache = context.bot_data.chat_settings
    kept = cache.get(chat_id)
    if kept is None:
        try:
            kept = await off_loop(context.kb.chat_settings, chat_id)
        except StoreError as exc:
            log.warning("could not read the settings of chat %s: %s", chat_id, exc)
            return ChatSettings()
        cache.put(chat_id, kept)
    return kept


async def reply_lang(update: Update, context: Context, text: str | None = None) -> Lang:
    """The language to reply in: the chat's setting, else the text's or the user's."""
    chat = update.effective_chat
    if chat is not None:
        chosen = (await settings_for(context, chat.id)).reply_lang
        if chosen is not None:
            return chosen
    return lang_for(update, text)


async def may_change(context: Context, chat: Chat, user_id: int) -> bool:
    """Whether ``user_id`` may change ``chat``'s settings: the user of a private chat, or an
    administrator (or the owner) of a group as Telegram says now (cached ``ADMIN_TTL``).

    A button press comes from the admin's own account even when they post anonymously, so
    getChatMember knows them. Telegram unreachable: refused this time, and not remembered.
    """
    if chat.type == ChatType.PRIVATE:
        return chat.id == user_id
    cache = context.bot_data.chat_admins
    kept = cache.get((chat.id, user_id))
    if kept is not None:
        return kept
    try:
        member = await context.bot.get_chat_member(chat.id, user_id)
        admin = member.status in (ChatMember.OWNER, ChatMember.ADMINISTRATOR)
    except (BadRequest, Forbidden) as exc:  # "user not found", the bot no longer in the chat
        log.debug("user %s is no admin of chat %s: %s", user_id, chat.id, exc)
        admin = False
    except TelegramError as exc:
        log.warning(
            "could not check whether user %s administers chat %s: %s", user_id, chat.id, exc
        )
        return False
    cache.put((chat.id, user_id), admin)
    return admin


def settings_text(settings: ChatSettings, lang: Lang, *, private: bool, sees_all: bool) -> str:
    """The /settings message: what is set, and, for "every question" in a group where the
    bot is not sent every message (privacy mode on), what the group's admins must do."""
    mode = "private_" + settings.answer if private and settings.answer != "off" else settings.answer
    said = t(f"settings_{mode}", lang)
    language = (
        t("settings_lang_auto", lang) if settings.lang == "auto" else LANG_LABELS[settings.lang]
    )
    text = t("settings", lang, mode=said, language=language)
    if not private and settings.answer == "questions" and not sees_all:
        text += "\n\n" + t("settings_privacy", lang)
    return text


def settings_keyboard(settings: ChatSettings, lang: Lang, *, private: bool) -> InlineKeyboardMarkup:
    """One row for when to answer, one for the language; the current choices ticked.

    In a private chat every message is addressed to the bot, so "when asked" and "every
    question" are the same there: it gets "on" and "off".
    """
    modes = ("asked", "off") if private else ANSWER_MODES

    def mark(label: str, chosen: bool) -> str:
        return f"✓ {label}" if chosen else label

    answer_row = [
        InlineKeyboardButton(
            mark(
                t(f"plain_set_{'on' if private and m == 'asked' else m}", lang),
                m == settings.answer,
            ),
            callback_data=f"cs:a:{m}",
        )
        for m in modes
    ]
    lang_row = [
        InlineKeyboardButton(
            mark(
                t("plain_set_auto", lang) if code == "auto" else LANG_LABELS[code],
                code == settings.lang,
            ),
            callback_data=f"cs:l:{code}",
        )
        for code in REPLY_LANGS
    ]
    return InlineKeyboardMarkup([answer_row, lang_row])


def _sees_all(context: Context) -> bool:
    """Whether Telegram sends the bot every group message (privacy mode off, per getMe)."""
    return bool(context.bot.bot.can_read_all_group_messages)


async def settings_command(update: Update, context: Context) -> None:
    """/settings: the chat's settings with buttons to change them (anyone may look)."""
    message = update.effective_message
    chat = update.effective_chat
    if message is None or chat is None:
        return
    settings = await settings_for(context, chat.id)
    lang = settings.reply_lang or lang_for(update)
    private = chat.type == ChatType.PRIVATE
    text = settings_text(settings, lang, private=private, sees_all=_sees_all(context))
    await reply(context, message, [text], settings_keyboard(settings, lang, private=private))


async def settings_button(update: Update, context: Context) -> None:
    """A settings button: for the chat's admins, the change kept and the message redrawn;
    anyone else gets a toast saying who may change them."""
    query = update.callback_query
    if query is None or query.data is None:
        return
    message = query.message
    if not isinstance(message, Message):
        await query.answer()
        return
    chat = message.chat
    user = query.from_user
    _, field, value = query.data.split(":")
    current = await settings_for(context, chat.id)
    toast_lang = current.reply_lang or lang_from_code(user.language_code)
    if not await may_change(context, chat, user.id):
        log.info("refused a settings change by user %s in chat %s", user.id, chat.id)
        await query.answer(t("plain_settings_refused", toast_lang), show_alert=True)
        return
    if field == "a" and value in ANSWER_MODES:
        wanted = ChatSettings(answer=value, lang=current.lang)
    elif field == "l" and value in REPLY_LANGS:
        wanted = ChatSettings(answer=current.answer, lang=value)
    else:  # data from an older keyboard, or made up: nothing to change
        await query.answer()
        return
    if wanted == current:
        await query.answer(t("plain_settings_saved", toast_lang))
        return
    try:
        await off_loop(context.kb.set_chat_settings, chat.id, wanted, user_id=user.id)
    except StoreError as exc:
        log.warning("could not keep the settings of chat %s: %s", chat.id, exc)
        text = refusal_text(exc, toast_lang, failed="plain_settings_failed")
        await query.answer(text, show_alert=True)
        return
    context.bot_data.chat_settings.put(chat.id, wanted)
    log.info(
        "chat %s settings set by user %s: %s, %s", chat.id, user.id, wanted.answer, wanted.lang
    )
    lang = wanted.reply_lang or lang_from_code(user.language_code)
    private = chat.type == ChatType.PRIVATE
    await query.answer(t("plain_settings_saved", lang))
    await query.edit_message_text(
        settings_text(wanted, lang, private=private, sees_all=_sees_all(context)),
        reply_markup=settings_keyboard(wanted, lang, private=private),
    )


async def off_gate(update: Update, context: Context) -> None:
    """In a chat set "off", stop every update but /settings and its buttons; a press of an
    old answer's button gets a toast saying the bot is off here."""
    chat = update.effective_chat
    if chat is None:
        return  # inline queries, and buttons under messages sent inline: no chat to be off in
    if (await settings_for(context, chat.id)).answer != "off":
        return
    query = update.callback_query
    if query is not None:
        if (query.data or "").startswith("cs:"):
            return
        await query.answer(t("plain_chat_off", lang_from_code(query.from_user.language_code)))
        raise ApplicationHandlerStop
    message = update.message
    if message is not None and is_command(message, "settings", context.bot):
        return
    raise ApplicationHandlerStop
