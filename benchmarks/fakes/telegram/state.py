"""What the fake Telegram knows: users, chats, messages, chat members, the update queue, the
webhook, what the bot sent and every call it made.

All of it lives in one ``State`` behind one re-entrant lock with a ``threading.Condition``:
the HTTP threads, the test thread and PTB's event loop all touch it, and waits (long polls,
``wait_for_*``) wake up as soon as anything changes. The fields are the fake's data, read and
written by the method layer (methods/) and the test-side API (users.py, observe.py) while they
hold ``cond``; what several of them do (enqueue an update, store a user's message, count an
event) is written once here.
"""

from __future__ import annotations

import copy
import itertools
import json
import mimetypes
import re
import secrets
import threading
import time
from typing import Any

JSON = dict[str, Any]
# A position in the event stream: a mark(), a message dict or record, a query id, or None
# for "the latest user event in that chat".
Marker = int | JSON | str | None

DEFAULT_USER_ID = 1001
DEFAULT_TOKEN = "123456:TEST-TOKEN"
DEFAULT_BOT_USERNAME = "citebot_test_bot"
BOT_FIRST_NAME = "CiteBot Test"
TOKEN_SHAPE = re.compile(r"^\d+:[A-Za-z0-9_-]+$")
MEMBER_STATUSES = frozenset({"creator", "administrator", "member", "restricted", "left", "kicked"})


class State:
    """The fake's data and the few operations on it that more than one concern needs."""

    def __init__(self, token: str, bot_username: str, *, read_all_groups: bool) -> None:
        prefix = token.split(":", 1)[0]
        if not TOKEN_SHAPE.match(token) or not prefix.isdigit():
            raise ValueError(f"token must look like '<digits>:<secret>', got {token!r}")
        self.token = token
        self.bot_id = int(prefix)
        self.bot_username = bot_username
        self.read_all_groups = read_all_groups

        self.cond = threading.Condition(threading.RLock())
        self.stop_event = threading.Event()  # set once: long polls and webhook pushes end
        self.seq = 0  # global event counter; markers for race-free waits
        self.ids = itertools.count(1)

        self.next_update_id = 100_000_000
        self.updates: list[JSON] = []
        self.allowed_updates: set[str] | None = None
        self.poll_generation = 0
        self.webhook_url = ""
        self.webhook_secret: str | None = None
        self.deliveries: list[JSON] = []

        self.users: dict[int, JSON] = {}
        self.chats: dict[int, JSON] = {}
        self.member_status: dict[tuple[int, int], str] = {}
        self.restricted_is_member: dict[tuple[int, int], bool] = {}
        self.messages: dict[tuple[int, int], JSON] = {}
        self.next_message_id: dict[int, int] = {}
        self.user_event_seq: dict[tuple[int, int] | str, int] = {}
        self.last_user_seq: dict[int, int] = {}

        self.bot_records: list[JSON] = []
        self.bot_index: dict[tuple[int, int], JSON] = {}
        self.inline_messages: dict[str, JSON] = {}
        self.pending_callbacks: dict[str, JSON] = {}
        self.pending_inline: dict[str, JSON] = {}
        self.files: dict[str, JSON] = {}
        self.file_data: dict[str, bytes] = {}

        self.calls: list[JSON] = []
        self.internal_errors: list[str] = []
        self.inline_answers: list[JSON] = []
        self.callback_answers: list[JSON] = []
        self.chat_actions: list[JSON] = []
        self.commands: dict[tuple[str, str], list[JSON]] = {}
        # (kind, language_code) -> text; kind is "description" or "short_description".
        self.descriptions: dict[tuple[str, str], str] = {}

    @property
    def stopping(self) -> bool:
        return self.stop_event.is_set()

    def stop(self) -> None:
        """End pending long polls and webhook pushes."""
        with self.cond:
            self.stop_event.set()
            self.cond.notify_all()

    def tick(self) -> int:
        """Count one event and wake every waiter; returns the event's position."""
        self.seq += 1
        self.cond.notify_all()
        return self.seq

    # ---------------------------------------------------------------- users and chats

    def bot_from(self) -> JSON:
        """The bot as the ``from`` of its messages."""
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": BOT_FIRST_NAME,
            "username": self.bot_username,
        }

    def add_user(
        self,
        user_id: int,
        *,
        first_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "en",
    ) -> JSON:
        """Create or update a user; fields passed as None keep their current value."""
        with self.cond:
            user = self.users.setdefault(
                user_id, {"id": user_id, "is_bot": False, "first_name": f"User{user_id}"}
            )
            for key, value in (
                ("first_name", first_name),
                ("username", username),
                ("language_code", language_code),
            ):
                if value is not None:
                    user[key] = value
            return dict(user)

    def add_chat(self, chat_id: int, chat_type: str, *, is_forum: bool | None = None) -> JSON:
        """Create (or update) a chat; raises ValueError for ids Telegram would never give."""
        if chat_type not in ("private", "group", "supergroup", "channel"):
            raise ValueError(f"unknown chat type {chat_type!r}")
        if chat_type == "private" and chat_id <= 0:
            raise ValueError("private chat ids are positive (they equal the user id)")
        if chat_type != "private" and chat_id >= 0:
            raise ValueError(f"{chat_type} chat ids are negative, e.g. -100123 for supergroups")
        if is_forum and chat_type != "supergroup":
            raise ValueError("only supergroups can be forums")
        with self.cond:
            chat = self.chats.get(chat_id)
            if chat is not None and chat["type"] != chat_type:
                raise ValueError(f"chat {chat_id} already exists with type {chat['type']!r}")
            if chat is None:
                chat = {"id": chat_id, "type": chat_type}
                if chat_type == "private":
                    user = self.users.get(chat_id) or self.add_user(chat_id)
                    chat["first_name"] = user["first_name"]
                    if user.get("username"):
                        chat["username"] = user["username"]
                else:
                    chat["title"] = f"Test {chat_type} {chat_id}"
                self.chats[chat_id] = chat
            if is_forum is not None:
                if is_forum:
                    chat["is_forum"] = True
                else:
                    chat.pop("is_forum", None)
            return dict(chat)

    def set_member(self, chat_id: int, user_id: int, status: str, *, is_member: bool) -> None:
        if status not in MEMBER_STATUSES:
            raise ValueError(f"unknown chat member status {status!r}")
        with self.cond:
            self.member_status[(chat_id, user_id)] = status
            self.restricted_is_member[(chat_id, user_id)] = is_member

    # ---------------------------------------------------------------- messages and updates

    def allocate_message_id(self, chat_id: int) -> int:
        message_id = self.next_message_id.get(chat_id, 1)
        self.next_message_id[chat_id] = message_id + 1
        return message_id

    def new_user_message(
        self,
        user_id: int,
        chat_id: int | None,
        *,
        chat_type: str | None = None,
        first_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "en",
        reply_to_message_id: int | None = None,
        message_thread_id: int | None = None,
        is_forum: bool | None = None,
    ) -> JSON:
        """A Message dict from a user, its chat created on first use; not yet delivered.

        The chat's type is ``chat_type``, else its existing one, else "private" for a
        positive id, "supergroup" for ids starting with -100 and "group" for other negative ids.
        """
        user = self.add_user(
            user_id, first_name=first_name, username=username, language_code=language_code
        )
        if chat_id is None:
            chat_id = user_id
        existing = self.chats.get(chat_id)
        if chat_type is None and existing is not None:
            chat_type = existing["type"]
        elif chat_type is None:
            chat_type = "private" if chat_id > 0 else "group"
            if str(chat_id).startswith("-100"):
                chat_type = "supergroup"
        if chat_type == "private" and chat_id != user_id:
            raise ValueError("in a private chat, chat_id must equal user_id")
        chat = self.add_chat(chat_id, chat_type, is_forum=is_forum)
        # Whoever writes in a group is in it, unless a test said otherwise (set_chat_member).
        self.member_status.setdefault((chat_id, user_id), "member")
        if message_thread_id is not None:
            # Keep our ids clear of the topic's id, as Telegram's ids are unique per chat.
            self.next_message_id[chat_id] = max(
                self.next_message_id.get(chat_id, 1), message_thread_id + 1
            )
        message: JSON = {
            "message_id": self.allocate_message_id(chat_id),
            "from": public_user(user),
            "chat": chat,
            "date": int(time.time()),
        }
        in_forum = bool(chat.get("is_forum"))
        if message_thread_id is not None:
            message["message_thread_id"] = message_thread_id
            if in_forum:
                message["is_topic_message"] = True
        if reply_to_message_id is not None:
            replied = self.messages.get((chat_id, reply_to_message_id))
            if replied is None:
                raise ValueError(f"no message {reply_to_message_id} in chat {chat_id}")
            message["reply_to_message"] = without_reply(replied)
        elif message_thread_id is not None and in_forum:
            # In forum topics Telegram makes every message a reply to the topic's service
            # message; bots that treat "is a reply" as "reply to me" trip over this.
            message["reply_to_message"] = topic_root(chat, message_thread_id, user)
        return message

    def deliver_user_message(self, message: JSON) -> JSON:
        """Store a user's message and queue its update; returns a copy of the message."""
        key = (message["chat"]["id"], message["message_id"])
        self.messages[key] = message
        self.enqueue("message", message, key[0], key)
        return copy.deepcopy(message)

    def enqueue(
        self,
        kind: str,
        payload: JSON,
        chat_id: int | None,
        event_key: tuple[int, int] | str | None = None,
    ) -> int:
        """Queue an update for the bot; returns its event position, which later waits in
        ``chat_id`` (or on ``event_key``) count from."""
        self.next_update_id += 1
        self.updates.append({"update_id": self.next_update_id, kind: copy.deepcopy(payload)})
        seq = self.tick()
        if chat_id is not None:
            self.last_user_seq[chat_id] = seq
        if event_key is not None:
            self.user_event_seq[event_key] = seq
        return seq

    def drop_disallowed_updates(self) -> None:
        """Forget queued updates of kinds the bot said (allowed_updates) it does not want."""
        if self.allowed_updates:
            allowed = self.allowed_updates
            self.updates = [u for u in self.updates if (set(u) - {"update_id"}) & allowed]

    def register_file(
        self, data: bytes, *, file_name: str | None = None, mime_type: str | None = None, kind: str
    ) -> JSON:
        """Store bytes for getFile + download; returns a Document-shaped dict."""
        number = next(self.ids)
        suffix = ""
        if file_name and "." in file_name:
            suffix = "." + file_name.rsplit(".", 1)[1]
        file_id = f"BQACAgIAAxkBAAI{number:06d}{secrets.token_urlsafe(18)}"
        info: JSON = {
            "file_id": file_id,
            "file_unique_id": f"AgAD{number:04d}{secrets.token_hex(4)}",
            "file_size": len(data),
            "file_path": f"{kind}/file_{number}{suffix}",
        }
        self.files[file_id] = info
        self.file_data[info["file_path"]] = bytes(data)
        document = {k: v for k, v in info.items() if k != "file_path"}
        if file_name is not None:
            document["file_name"] = file_name
            guessed = mime_type or mimetypes.guess_type(file_name)[0]
            document["mime_type"] = guessed or "application/octet-stream"
        elif mime_type is not None:
            document["mime_type"] = mime_type
        return document

    # ---------------------------------------------------------------- markers and diagnostics

    def resolve_marker(self, chat_id: int | None, after: Marker) -> int:
        """The event position ``after`` stands for (see ``Marker``)."""
        if after is None:
            return self.last_user_seq.get(chat_id, 0) if chat_id is not None else 0
        if isinstance(after, bool):
            raise TypeError("after= must be a mark(), a message dict or a query id")
        if isinstance(after, int):
            return after
        if isinstance(after, str):
            if after in self.user_event_seq:
                return self.user_event_seq[after]
            raise ValueError(f"unknown query id {after!r}")
        if "seq" in after:
            return int(after["seq"])
        key = message_key(after)
        if key in self.user_event_seq:
            return self.user_event_seq[key]
        raise ValueError(f"message {key} is neither a user message nor a bot message record")

    def diagnostics(self, chat_id: int | None) -> str:
        """The recent calls and the bot's messages in the chat: why a wait timed out."""
        lines = ["recent Bot API calls:"]
        for call in self.calls[-15:]:
            params = {k: v for k, v in call["params"].items() if k != "results"}
            text = json.dumps(params, ensure_ascii=False, default=str)
            if len(text) > 200:
                text = text[:200] + "..."
            outcome = call["status"] or "pending"
            if call["description"]:
                outcome = f"{outcome} {call['description']}"
            lines.append(f"  {call['method']} -> {outcome}: {text}")
        if chat_id is not None:
            lines.append(f"bot messages in chat {chat_id}:")
            lines += [
                f"  #{r['message_id']} {r['plain_text']!r}"
                for r in self.bot_records
                if r["chat_id"] == chat_id
            ]
        if self.internal_errors:
            lines.append("FAKE SERVER BUGS:\n" + "\n".join(self.internal_errors))
        return "\n".join(lines)


def public_user(user: JSON) -> JSON:
    """A user as other users and the bot see it: fields that are set."""
    return {k: v for k, v in user.items() if v is not None}


def message_key(message: JSON) -> tuple[int, int]:
    """(chat id, message id) of a Message dict or of a bot message record."""
    chat_id = message.get("chat_id")
    if chat_id is None:
        chat_id = message["chat"]["id"]
    return int(chat_id), int(message["message_id"])


def without_reply(message: JSON) -> JSON:
    """Telegram never nests reply_to_message more than one level deep."""
    copied = copy.deepcopy(message)
    copied.pop("reply_to_message", None)
    return copied


def topic_root(chat: JSON, thread_id: int, creator: JSON) -> JSON:
    """The service message that opened a forum topic, which its messages reply to."""
    return {
        "message_id": thread_id,
        "from": public_user(creator),
        "chat": dict(chat),
        "date": int(time.time()),
        "message_thread_id": thread_id,
        "is_topic_message": True,
        "forum_topic_created": {"name": f"Topic {thread_id}", "icon_color": 7322096},
    }
