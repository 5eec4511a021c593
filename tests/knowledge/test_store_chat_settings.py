"""Per-chat settings in the store: kept per chat, and an older store file gains their table
when it is opened (the schema is written at every open), or reads as defaults when it cannot
be written."""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

import pytest

from knowledge.models import ChatSettings
from knowledge.service import KnowledgeBase
from knowledge.store import Store

GROUP = -1001234567890


def _make_older_store(path: Path) -> None:
    """A store as written before chat settings existed."""
    Store(path).close()
    db = sqlite3.connect(path)
    db.execute("DROP TABLE chat_settings")
    db.commit()
    db.close()


def test_settings_are_kept_per_chat_and_outlive_a_reopen(empty_kb: KnowledgeBase) -> None:
    assert empty_kb.chat_settings(GROUP) == ChatSettings()
    kept = ChatSettings(answer="questions", lang="zh-Hant")
    assert empty_kb.set_chat_settings(GROUP, kept, user_id=7) == kept
    empty_kb.set_chat_settings(42, ChatSettings(answer="off"))
    path = empty_kb.store.path
    empty_kb.close()
    store = Store(path)
    try:
        assert store.chat_settings(GROUP) == kept
        assert store.chat_settings(42) == ChatSettings(answer="off")
        assert store.chat_settings(43) == ChatSettings()
    finally:
        store.close()


def test_an_older_store_gains_the_settings_table_when_opened(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite3"
    _make_older_store(path)
    store = Store(path)  # as an upgrade opens it
    try:
        assert store.chat_settings(GROUP) == ChatSettings()
        store.set_chat_settings(GROUP, ChatSettings(lang="en"), None)
        assert store.chat_settings(GROUP) == ChatSettings(lang="en")
    finally:
        store.close()


def test_a_value_from_a_newer_version_reads_as_the_default(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite3"
    Store(path).close()
    db = sqlite3.connect(path)
    db.execute(
        "INSERT INTO chat_settings(chat_id, answer, lang, changed_at) "
        "VALUES (?, 'sometimes', 'fr', '2026-01-01')",
        (GROUP,),
    )
    db.commit()
    db.close()
    store = Store(path)
    try:
        assert store.chat_settings(GROUP) == ChatSettings()
    finally:
        store.close()


def test_unknown_settings_are_refused_where_they_are_made() -> None:
    with pytest.raises(ValueError, match="answer mode"):
        ChatSettings(answer="always")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="reply language"):
        ChatSettings(lang="fr")  # type: ignore[arg-type]


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes read-only files: chmod cannot stop it")
def test_an_older_store_that_cannot_be_written_opens_with_default_settings(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    path = folder / "store.sqlite3"
    _make_older_store(path)
    path.chmod(stat.S_IRUSR)
    folder.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        store = Store(path)
        try:
            assert store.read_only
            assert store.chat_settings(GROUP) == ChatSettings()
        finally:
            store.close()
    finally:
        folder.chmod(stat.S_IRWXU)
        path.chmod(stat.S_IRUSR | stat.S_IWUSR)
