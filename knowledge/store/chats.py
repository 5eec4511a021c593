"""What each chat's admins set: how the bot answers there, and in which language."""

from __future__ import annotations

import sqlite3

from knowledge.models import ANSWER_MODES, REPLY_LANGS, ChatSettings
from knowledge.store.database import Database
from knowledge.store.schema import now


class Chats:
    """The chat_settings table, through the store's :class:`Database`."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def chat_settings(self, chat_id: int) -> ChatSettings:
        """What the chat's admins set; the defaults for a chat that set nothing (or for an
        older store opened read-only, which has no such table). A value this code does not
        know (written by a newer version) reads as its default."""
        if self._db.read_only and not self._db.has_table("chat_settings"):
            return ChatSettings()
        rows = self._db.query(
            "SELECT answer, lang FROM chat_settings WHERE chat_id = ?", (chat_id,)
        )
        if not rows:
            return ChatSettings()
        answer, lang = rows[0]["answer"], rows[0]["lang"]
        return ChatSettings(
            answer=answer if answer in ANSWER_MODES else "asked",
            lang=lang if lang in REPLY_LANGS else "auto",
        )

    def set_chat_settings(self, chat_id: int, settings: ChatSettings, user_id: int | None) -> None:
        """Keep ``settings`` for ``chat_id`` (who changed them last, and when).

        Raises:
            StoreError: the store is read-only, or the write failed.
        """
        self._db.refuse_if_read_only()
        try:
            self._db.execute(
                "INSERT INTO chat_settings(chat_id, answer, lang, changed_by, changed_at) "
                "VALUES (?,?,?,?,?) ON CONFLICT(chat_id) DO UPDATE SET "
                "answer = excluded.answer, lang = excluded.lang, "
                "changed_by = excluded.changed_by, changed_at = excluded.changed_at",
                (chat_id, settings.answer, settings.lang, user_id, now()),
            )
        except sqlite3.Error as exc:
            raise self._db.error("could not keep the chat's settings", exc) from exc
