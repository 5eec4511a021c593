"""The Bot API methods the fake answers, grouped by area; each is a function
``(state, params) -> result`` that raises ``ApiError`` as Telegram would answer.

Only methods the bot, PTB or a test calls are here: anything else gets Telegram's 404.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from benchmarks.fakes.telegram.methods import chats, messages, profile, queries, updates
from benchmarks.fakes.telegram.methods.common import ApiError
from benchmarks.fakes.telegram.state import State

JSON = dict[str, Any]
Method = Callable[[State, JSON], Any]

__all__ = ["METHODS", "ApiError", "Method", "find"]

METHODS: dict[str, Method] = {
    "getMe": profile.get_me,
    "setMyCommands": profile.set_my_commands,
    "setMyDescription": profile.set_my_description,
    "setMyShortDescription": profile.set_my_short_description,
    "getUpdates": updates.get_updates,
    "setWebhook": updates.set_webhook,
    "deleteWebhook": updates.delete_webhook,
    "sendMessage": messages.send_message,
    "editMessageText": messages.edit_message_text,
    "editMessageReplyMarkup": messages.edit_message_reply_markup,
    "deleteMessage": messages.delete_message,
    "sendChatAction": messages.send_chat_action,
    "answerCallbackQuery": queries.answer_callback_query,
    "answerInlineQuery": queries.answer_inline_query,
    "getChatMember": chats.get_chat_member,
    "getFile": chats.get_file,
}
_BY_LOWER_NAME = {name.lower(): (name, method) for name, method in METHODS.items()}


def find(name: str) -> tuple[str, Method] | None:
    """The method called ``name`` (Telegram ignores case) and its proper name, or None."""
    return _BY_LOWER_NAME.get(name.lower())
