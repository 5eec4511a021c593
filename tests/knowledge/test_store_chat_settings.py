"""Per-chat settings in the store: kept per chat, and an older store file gains their table
when it is opened (the schema is written at every open), or reads as defaults when it cannot
be written."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
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


# The folder mounted read-only for one child process alone (as tests/robustness/test_faults.py
# does): chmod does not stop root, and these tests may run as root.
_READ_ONLY_MOUNT = 'mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" "$0" && exec "$@"'
_READ_ONLY = ["unshare", "--map-root-user", "--mount", "sh", "-c", _READ_ONLY_MOUNT]
_OPEN_AND_READ = (
    "import sys; from pathlib import Path; from knowledge.store import Store; "
    "store = Store(Path(sys.argv[1])); print(store.read_only, store.chat_settings(-100123))"
)


def _can_mount_read_only() -> bool:
    try:
        probe = subprocess.run([*_READ_ONLY, "/tmp", "true"], capture_output=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return probe.returncode == 0


@pytest.mark.skipif(not _can_mount_read_only(), reason="needs unshare for a read-only mount")
def test_an_older_store_that_cannot_be_written_opens_with_default_settings(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    path = folder / "store.sqlite3"
    _make_older_store(path)
    root = Path(__file__).resolve().parents[2]
    opened = subprocess.run(
        [*_READ_ONLY, str(folder), sys.executable, "-c", _OPEN_AND_READ, str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(root)},
    )
    # Was: "the store ... is damaged: table chat_settings has no column ..." at open.
    assert opened.returncode == 0, opened.stderr[-2000:]
    assert opened.stdout.split() == ["True", "ChatSettings(answer='asked',", "lang='auto')"]
