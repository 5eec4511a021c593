"""What the bot does to messages: sendMessage, editMessageText, editMessageReplyMarkup,
deleteMessage and sendChatAction, each checked as Telegram checks it ("message is not
modified", "message to edit not found", ...).

Every message the bot sends is kept as a *record* (``State.bot_records``) that tests read:
message_id, chat_id, text (raw, as sent), plain_text (what users see), parse_mode, entities,
reply_markup, reply_to_message_id, message_thread_id, date, deleted, edit_date, edits
(earlier versions, oldest first), message (the Bot API Message dict), seq / updated_seq
(event positions, usable as markers).
"""

from __future__ import annotations

import copy
import time
from typing import Any

from benchmarks.fakes.telegram.methods.common import (
    ApiError,
    check_markup,
    inline_markup,
    prepare_text,
    resolve_chat,
)
from benchmarks.fakes.telegram.state import State, topic_root, without_reply

JSON = dict[str, Any]

_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)


def send_message(state: State, params: JSON) -> JSON:
    chat = resolve_chat(state, params.get("chat_id"))
    text, entities = prepare_text(
        state, params.get("text"), params.get("parse_mode"), params.get("entities")
    )
    markup = check_markup(params.get("reply_markup"))
    chat_id = chat["id"]
    replied = _replied(state, params, chat_id)

    thread_id = params.get("message_thread_id")
    in_forum = chat.get("is_forum") and isinstance(thread_id, int) and thread_id > 0
    topic: int | None = thread_id if in_forum else None  # the forum topic it goes to
    message: JSON = {
        "message_id": state.allocate_message_id(chat_id),
        "from": state.bot_from(),
        "chat": dict(chat),
        "date": int(time.time()),
    }
    if topic is not None:
        message["message_thread_id"] = topic
        message["is_topic_message"] = True
    if replied is not None:
        message["reply_to_message"] = without_reply(replied)
    elif topic is not None:
        message["reply_to_message"] = topic_root(chat, topic, state.bot_from())
    message["text"] = text
    if entities:
        message["entities"] = entities
    if inline_markup(markup):
        message["reply_markup"] = markup

    key = (chat_id, message["message_id"])
    state.messages[key] = message
    seq = state.tick()
    record: JSON = {
        "message_id": message["message_id"],
        "chat_id": chat_id,
        "text": params["text"],
        "plain_text": text,
        "parse_mode": params.get("parse_mode"),
        "entities": entities,
        "reply_markup": markup,
        "reply_to_message_id": replied["message_id"] if replied else None,
        "message_thread_id": thread_id if isinstance(thread_id, int) else None,
        "date": message["date"],
        "deleted": False,
        "edit_date": None,
        "edits": [],
        "message": message,
        "seq": seq,
        "updated_seq": seq,
    }
    state.bot_records.append(record)
    state.bot_index[key] = record
    return copy.deepcopy(message)


def _replied(state: State, params: JSON, chat_id: int) -> JSON | None:
    """The message a send replies to (reply_parameters or the older reply_to_message_id)."""
    reply = params.get("reply_parameters")
    if reply is None and params.get("reply_to_message_id") is not None:
        reply = {
            "message_id": params["reply_to_message_id"],
            "allow_sending_without_reply": params.get("allow_sending_without_reply", False),
        }
    if reply is None:
        return None
    if not isinstance(reply, dict) or not isinstance(reply.get("message_id"), int):
        raise ApiError(400, "Bad Request: can't parse reply parameters JSON object")
    reply_chat_id = chat_id
    if reply.get("chat_id") not in (None, ""):
        reply_chat_id = resolve_chat(state, reply["chat_id"])["id"]
    replied = state.messages.get((reply_chat_id, reply["message_id"]))
    if replied is None and not reply.get("allow_sending_without_reply"):
        raise ApiError(400, "Bad Request: message to be replied not found")
    return replied


def edit_message_text(state: State, params: JSON) -> JSON | bool:
    record, inline = _edit_target(state, params)
    text, entities = prepare_text(
        state, params.get("text"), params.get("parse_mode"), params.get("entities")
    )
    # Like Telegram: omitting reply_markup in an edit removes the inline keyboard.
    markup = check_markup(params.get("reply_markup"), inline_only=True)
    return _apply_edit(
        state,
        record,
        raw_text=params["text"],
        plain_text=text,
        parse_mode=params.get("parse_mode"),
        entities=entities,
        markup=markup,
        inline=inline,
    )


def edit_message_reply_markup(state: State, params: JSON) -> JSON | bool:
    record, inline = _edit_target(state, params)
    markup = check_markup(params.get("reply_markup"), inline_only=True)
    return _apply_edit(
        state,
        record,
        raw_text=record["text"],
        plain_text=record["plain_text"],
        parse_mode=record["parse_mode"],
        entities=record["entities"],
        markup=markup,
        inline=inline,
    )


def _edit_target(state: State, params: JSON) -> tuple[JSON, bool]:
    """The record an edit changes, and whether it is an inline message."""
    inline_id = params.get("inline_message_id")
    if inline_id:
        record = state.inline_messages.get(str(inline_id))
        if record is None:
            raise ApiError(400, "Bad Request: MESSAGE_ID_INVALID")
        return record, True
    chat = resolve_chat(state, params.get("chat_id"))
    message_id = params.get("message_id")
    if not isinstance(message_id, int):
        raise ApiError(400, "Bad Request: message identifier is not specified")
    key = (chat["id"], message_id)
    record = state.bot_index.get(key)
    if record is None or record["deleted"]:
        if key in state.messages:
            raise ApiError(400, "Bad Request: message can't be edited")
        raise ApiError(400, "Bad Request: message to edit not found")
    return record, False


def _apply_edit(
    state: State,
    record: JSON,
    *,
    raw_text: str | None,
    plain_text: str | None,
    parse_mode: Any,
    entities: list[JSON],
    markup: JSON | None,
    inline: bool,
) -> JSON | bool:
    unchanged = (
        record["plain_text"] == plain_text
        and record["entities"] == entities
        and inline_markup(record["reply_markup"]) == inline_markup(markup)
    )
    if unchanged:
        raise ApiError(400, _NOT_MODIFIED)
    now = int(time.time())
    record["edits"].append(
        {
            key: copy.deepcopy(record.get(key))
            for key in ("text", "plain_text", "parse_mode", "entities", "reply_markup")
        }
        | {"edit_date": record.get("edit_date")}
    )
    record.update(
        text=raw_text,
        plain_text=plain_text,
        parse_mode=parse_mode,
        entities=entities,
        reply_markup=markup,
        edit_date=now,
    )
    record["updated_seq"] = state.tick()
    if inline:
        return True
    message: JSON = record["message"]
    message["text"] = plain_text
    message["edit_date"] = now
    if entities:
        message["entities"] = entities
    else:
        message.pop("entities", None)
    if inline_markup(markup):
        message["reply_markup"] = markup
    else:
        message.pop("reply_markup", None)
    return copy.deepcopy(message)


def delete_message(state: State, params: JSON) -> bool:
    chat = resolve_chat(state, params.get("chat_id"))
    message_id = params.get("message_id")
    if not isinstance(message_id, int):
        raise ApiError(400, "Bad Request: message identifier is not specified")
    key = (chat["id"], message_id)
    if state.messages.pop(key, None) is None:
        raise ApiError(400, "Bad Request: message to delete not found")
    record = state.bot_index.get(key)
    if record is not None:
        record["deleted"] = True
        record["updated_seq"] = state.tick()
    state.cond.notify_all()
    return True


def send_chat_action(state: State, params: JSON) -> bool:
    chat = resolve_chat(state, params.get("chat_id"))
    action = params.get("action")
    if action not in _CHAT_ACTIONS:
        raise ApiError(400, "Bad Request: wrong parameter action in request")
    state.chat_actions.append(
        {
            "chat_id": chat["id"],
            "action": action,
            "message_thread_id": params.get("message_thread_id"),
        }
    )
    state.cond.notify_all()
    return True
