"""The test side playing users: say something, send a document or a photo, edit, press a
button, type an inline query, pick an inline result. Each queues the update Telegram would
send the bot and returns at once (nothing here waits for the bot)."""

from __future__ import annotations

import copy
import secrets
import time
from typing import Any

from benchmarks.fakes.telegram.entities import find_auto_entities
from benchmarks.fakes.telegram.methods.common import prepare_text
from benchmarks.fakes.telegram.state import DEFAULT_USER_ID, State, message_key, public_user

JSON = dict[str, Any]

# What each media kind carries besides its file ids, as Telegram sends it.
_MEDIA_SHAPES: dict[str, Any] = {
    "photo": lambda f: [{**f, "width": 320, "height": 240}],
    "sticker": lambda f: {
        **f,
        "type": "regular",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
    },
    "voice": lambda f: {**f, "duration": 3, "mime_type": "audio/ogg"},
    "location": lambda f: {"latitude": 22.3364, "longitude": 114.2655},
}


class PlaysUsers:
    """FakeTelegram's methods that act as users; every one takes the fake's lock."""

    state: State

    def user_says(
        self,
        text: str,
        *,
        user_id: int = DEFAULT_USER_ID,
        chat_id: int | None = None,
        chat_type: str | None = None,
        first_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "en",
        reply_to_message_id: int | None = None,
        message_thread_id: int | None = None,
    ) -> JSON:
        """Enqueue a text message from a user; returns the Message dict the bot will receive.

        ``chat_id`` None is the user's private chat; ``chat_type`` defaults to the chat's
        existing type, else "supergroup" for ids starting with -100 and "group" for other
        negative ids.
        """
        if not text:
            raise ValueError("Telegram users cannot send empty messages")
        with self.state.cond:
            message = self.state.new_user_message(
                user_id,
                chat_id,
                chat_type=chat_type,
                first_name=first_name,
                username=username,
                language_code=language_code,
                reply_to_message_id=reply_to_message_id,
                message_thread_id=message_thread_id,
            )
            _set_text(message, "text", "entities", text)
            return self.state.deliver_user_message(message)

    def user_sends_document(
        self,
        data: bytes,
        file_name: str,
        *,
        user_id: int = DEFAULT_USER_ID,
        chat_id: int | None = None,
        caption: str | None = None,
        language_code: str | None = "en",
        reply_to_message_id: int | None = None,
    ) -> JSON:
        """Enqueue a document message; the bytes become downloadable via getFile."""
        with self.state.cond:
            message = self.state.new_user_message(
                user_id,
                chat_id,
                language_code=language_code,
                reply_to_message_id=reply_to_message_id,
            )
            message["document"] = self.state.register_file(
                data, file_name=file_name, kind="documents"
            )
            if caption:
                _set_text(message, "caption", "caption_entities", caption)
            return self.state.deliver_user_message(message)

    def user_sends_media(
        self,
        kind: str,
        *,
        caption: str | None = None,
        user_id: int = DEFAULT_USER_ID,
        chat_id: int | None = None,
        language_code: str | None = "en",
    ) -> JSON:
        """Enqueue a photo, sticker, voice note or location (``kind``), with an optional caption
        (photos and voice notes only, as in Telegram); returns the Message dict."""
        if kind not in _MEDIA_SHAPES:
            raise ValueError(f"unsupported media kind {kind!r}")
        if caption and kind not in ("photo", "voice"):
            raise ValueError(f"a {kind} has no caption in Telegram")
        with self.state.cond:
            message = self.state.new_user_message(user_id, chat_id, language_code=language_code)
            stored = self.state.register_file(b"\x00" * 64, kind=f"{kind}s")
            ids = {k: stored[k] for k in ("file_id", "file_unique_id")}
            message[kind] = _MEDIA_SHAPES[kind](ids)
            if caption:
                _set_text(message, "caption", "caption_entities", caption)
            return self.state.deliver_user_message(message)

    def user_edits(self, message: JSON, text: str) -> JSON:
        """Edit a user's earlier text message; enqueues an ``edited_message`` update."""
        with self.state.cond:
            key = message_key(message)
            current = self.state.messages.get(key)
            if current is None or current.get("from", {}).get("is_bot"):
                raise ValueError(f"no user message {key} to edit")
            current["edit_date"] = int(time.time())
            current.pop("entities", None)
            _set_text(current, "text", "entities", text)
            self.state.enqueue("edited_message", current, key[0], key)
            return copy.deepcopy(current)

    def user_presses(
        self, message: JSON | str, callback_data: str, *, user_id: int | None = None
    ) -> str:
        """Press an inline-keyboard button; returns the callback query id.

        ``message`` is a bot message (record from ``bot_messages()`` or a Message dict) or an
        inline_message_id.  The button must exist on the message's *current* keyboard, since a
        real user cannot press a button that is not there.
        """
        state = self.state
        with state.cond:
            query_id = str(9_000_000_000_000 + next(state.ids))
            query: JSON = {"id": query_id, "data": callback_data}
            if isinstance(message, str):
                inline = state.inline_messages.get(message)
                if inline is None:
                    raise ValueError(f"unknown inline_message_id {message!r}")
                markup = inline.get("reply_markup")
                sender = user_id if user_id is not None else inline["user_id"]
                query["inline_message_id"] = message
                query["chat_instance"] = f"inline{inline['user_id']}"
                chat_id: int | None = None
                event_key: tuple[int, int] | str = message
            else:
                key = message_key(message)
                current = state.messages.get(key)
                if current is None:
                    raise ValueError(f"message {key} does not exist (deleted?)")
                markup = current.get("reply_markup")
                chat = state.chats[key[0]]
                sender = user_id
                if sender is None:
                    sender = key[0] if chat["type"] == "private" else DEFAULT_USER_ID
                query["message"] = copy.deepcopy(current)
                query["chat_instance"] = str((key[0] * 2654435761) % (2**62))
                chat_id = key[0]
                event_key = key
            data_values = [
                button.get("callback_data")
                for row in (markup or {}).get("inline_keyboard", [])
                for button in row
            ]
            if callback_data not in data_values:
                raise ValueError(
                    f"no button with callback_data {callback_data!r}; keyboard has {data_values}"
                )
            query["from"] = public_user(state.users.get(sender) or state.add_user(sender))
            state.pending_callbacks[query_id] = query
            seq = state.enqueue("callback_query", query, chat_id, event_key)
            state.user_event_seq[query_id] = seq
            return query_id

    def user_inline_query(
        self, query: str, *, user_id: int = DEFAULT_USER_ID, language_code: str | None = "en"
    ) -> str:
        """Enqueue an inline query ("@bot query" typed anywhere); returns its id."""
        state = self.state
        with state.cond:
            user = state.add_user(user_id, language_code=language_code)
            query_id = str(8_000_000_000_000 + next(state.ids))
            inline_query: JSON = {
                "id": query_id,
                "from": public_user(user),
                "query": query,
                "offset": "",
            }
            state.pending_inline[query_id] = inline_query
            state.user_event_seq[query_id] = state.enqueue("inline_query", inline_query, None)
            return query_id

    def user_chooses_inline_result(
        self, inline_query_id: str, result_id: str, *, user_id: int | None = None
    ) -> str:
        """Send one of the bot's inline results into a chat; returns the inline_message_id.

        Enqueues a ``chosen_inline_result`` update (real Telegram sends it only when inline
        feedback is enabled in BotFather) and creates an inline message the bot may edit.
        """
        state = self.state
        with state.cond:
            answer = next(
                (
                    a
                    for a in reversed(state.inline_answers)
                    if a["inline_query_id"] == inline_query_id
                ),
                None,
            )
            if answer is None:
                raise ValueError(f"the bot never answered inline query {inline_query_id!r}")
            result = next((r for r in answer["results"] if r.get("id") == result_id), None)
            if result is None:
                ids = [r.get("id") for r in answer["results"]]
                raise ValueError(f"no result {result_id!r}; the bot answered {ids}")
            sender = user_id if user_id is not None else answer["user_id"]
            inline_message_id = f"AgAAA{next(state.ids):08d}{secrets.token_urlsafe(12)}"
            content = result.get("input_message_content") or {}
            text = content.get("message_text")
            plain: str | None = None
            entities: list[JSON] = []
            if isinstance(text, str):
                plain, entities = prepare_text(
                    state, text, content.get("parse_mode"), content.get("entities")
                )
            seq = state.tick()
            state.inline_messages[inline_message_id] = {
                "inline_message_id": inline_message_id,
                "user_id": sender,
                "result_id": result_id,
                "text": text,
                "plain_text": plain,
                "parse_mode": content.get("parse_mode"),
                "entities": entities,
                "reply_markup": result.get("reply_markup"),
                "edits": [],
                "seq": seq,
                "updated_seq": seq,
            }
            chosen: JSON = {
                "result_id": result_id,
                "from": public_user(state.users.get(sender) or state.add_user(sender)),
                "query": answer["query"],
            }
            if result.get("reply_markup"):
                chosen["inline_message_id"] = inline_message_id
            state.enqueue("chosen_inline_result", chosen, None)
            return inline_message_id


def _set_text(message: JSON, field: str, entities_field: str, text: str) -> None:
    """Put what the user typed on the message, with the entities Telegram detects in it."""
    message[field] = text
    entities = find_auto_entities(text)
    if entities:
        message[entities_field] = entities
