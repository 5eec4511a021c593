"""The store's tables: made whole for a new store, older stores given what was added since.

Every table is created at every open (CREATE TABLE IF NOT EXISTS), so an older store gains a
table added later; a column added later is added by ALTER TABLE (``ADDED_COLUMNS``). A store
that cannot be written keeps lacking both, and is read without them.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import uuid
from datetime import UTC, datetime
from pathlib import Path

from knowledge.errors import DamagedStore
from knowledge.tempfiles import temporary

log = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS articles (
    id TEXT PRIMARY KEY,
    replace_key TEXT NOT NULL,
    title TEXT NOT NULL,
    source TEXT,
    url TEXT,
    lang TEXT NOT NULL,
    published TEXT,
    format TEXT NOT NULL,
    added_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS articles_replace_key ON articles(replace_key);
CREATE TABLE IF NOT EXISTS sentences (
    id INTEGER PRIMARY KEY,
    article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    paragraph INTEGER NOT NULL,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL,
    text TEXT NOT NULL,
    terms TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS sentences_article ON sentences(article_id, position);
CREATE TABLE IF NOT EXISTS passages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    first_position INTEGER NOT NULL,
    last_position INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS passages_article ON passages(article_id);
CREATE TABLE IF NOT EXISTS changes (
    generation INTEGER NOT NULL,
    passage_id INTEGER NOT NULL,
    terms TEXT
);
CREATE INDEX IF NOT EXISTS changes_generation ON changes(generation);
CREATE TABLE IF NOT EXISTS aliases (
    form TEXT NOT NULL,
    other TEXT NOT NULL,
    article_id TEXT,
    PRIMARY KEY (form, other)
);
CREATE TABLE IF NOT EXISTS questions (
    id INTEGER PRIMARY KEY,
    asked_at TEXT NOT NULL,
    chat_id INTEGER,
    user_id INTEGER,
    question TEXT NOT NULL,
    lang TEXT NOT NULL,
    found INTEGER NOT NULL,
    answer TEXT
);
CREATE TABLE IF NOT EXISTS feedback (
    question_id INTEGER NOT NULL REFERENCES questions(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL,
    value INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    reason TEXT,
    PRIMARY KEY (question_id, user_id)
);
CREATE TABLE IF NOT EXISTS chat_settings (
    chat_id INTEGER PRIMARY KEY,
    answer TEXT NOT NULL,
    lang TEXT NOT NULL,
    changed_by INTEGER,
    changed_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS deliveries (
    bot_id INTEGER NOT NULL,
    update_id INTEGER NOT NULL,
    owner TEXT NOT NULL,
    claimed_at REAL NOT NULL,
    lease_until REAL NOT NULL,
    finished_at REAL,
    takeovers INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (bot_id, update_id)
);
CREATE INDEX IF NOT EXISTS deliveries_claimed ON deliveries(claimed_at);
CREATE TABLE IF NOT EXISTS turns (
    key TEXT PRIMARY KEY,
    times TEXT NOT NULL,
    refused_until REAL NOT NULL,
    last_at REAL NOT NULL
);
"""
# Columns added to a table after stores were first made, oldest first. A table that exists
# is left as it is by CREATE TABLE IF NOT EXISTS: a store opened for writing gets each column
# it lacks (ALTER TABLE ... ADD COLUMN, NULL in the rows already there); one opened read-only
# is read without them (see :func:`absent_columns`).
ADDED_COLUMNS: tuple[tuple[str, str, str], ...] = (
    # The answer a question got, as quoted (JSON: the quotes with their citations).
    ("questions", "answer", "TEXT"),
    # Why a 👎 was given: wrong_answer, wrong_source or not_answered (None: no reason).
    ("feedback", "reason", "TEXT"),
)
# Tables added after stores were in use. Opening a store writes the schema, so an older store
# gains them then; one this process cannot write keeps lacking them, and reads as if empty.
# deliveries and turns (which replica handles each webhook update, shared rate limits) came
# with replicas (issue 18).
ADDED_LATER = frozenset({"chat_settings", "deliveries", "turns"})


def now() -> str:
    """The time now as the store's columns keep it: UTC, ISO 8601 to the second."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def _schema_columns() -> dict[str, list[str]]:
    """The columns of each table the schema above creates, as SQLite reads it."""
    with contextlib.closing(sqlite3.connect(":memory:")) as db:
        db.executescript(SCHEMA)
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {
            t: [r[1] for r in db.execute(f"PRAGMA table_info({t})")]
            for t in tables
            if not t.startswith("sqlite_")
        }


_COLUMNS = _schema_columns()


def create(path: Path) -> None:
    """Make a new store at ``path`` whole: the schema is written in a temporary of this
    process and linked into place, so that nobody ever opens a half-made (or empty) store;
    when another process made one first, its store is kept."""
    tmp = temporary(path)
    try:
        with contextlib.closing(sqlite3.connect(tmp, isolation_level=None)) as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(SCHEMA)
            db.execute("INSERT INTO meta(key, value) VALUES ('store_id', ?)", (uuid.uuid4().hex,))
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass  # another process made it first: its store is kept
        except OSError:  # a file system without hard links (FAT, some network shares)
            if not path.exists():
                os.replace(tmp, path)
    finally:
        for leftover in (tmp, tmp.with_name(tmp.name + "-wal"), tmp.with_name(tmp.name + "-shm")):
            leftover.unlink(missing_ok=True)


def upgrade(db: sqlite3.Connection) -> None:
    """Give a store opened for writing every table and column this code reads, and start its
    change log if it has none.

    The log is complete from the generation it was first created at (an older store has no
    record of what came before). Written only when missing: an INSERT, even one that ends up
    ignored, waits for a writer another process has under way.
    """
    db.executescript(SCHEMA)
    _add_columns(db)
    if db.execute("SELECT 1 FROM meta WHERE key = 'changes_since'").fetchone() is None:
        db.execute(
            "INSERT OR IGNORE INTO meta(key, value) SELECT 'changes_since', "
            "COALESCE((SELECT value FROM meta WHERE key = 'generation'), '0')"
        )


def _add_columns(db: sqlite3.Connection) -> None:
    """Give an older store the columns added since it was made (``ADDED_COLUMNS``).

    Read first without a lock: a store that has them all (every store after the first open)
    is not written to, so opening it does not wait for another process's write. The check is
    made again inside the write transaction, where a second process opening the same older
    store at the same moment finds the columns the first one added.
    """

    def missing() -> list[tuple[str, str, str]]:
        present: dict[str, set[str]] = {}
        for table, _, _ in ADDED_COLUMNS:
            if table not in present:
                present[table] = {r[1] for r in db.execute(f"PRAGMA table_info({table})")}
        return [(t, c, d) for t, c, d in ADDED_COLUMNS if c not in present[t]]

    if not missing():
        return
    db.execute("BEGIN IMMEDIATE")
    try:
        for table, column, decl in missing():
            db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {decl}")
            log.info("store upgraded: column %s.%s added", table, column)
        db.execute("COMMIT")
    except BaseException:
        if db.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                db.execute("ROLLBACK")
        raise


def store_id(db: sqlite3.Connection, read_only: bool) -> str:
    """The id the store was made with; an older store without one gets one here (written
    only then, so that a read-only older store still opens, with "" as its id)."""
    read = "SELECT value FROM meta WHERE key = 'store_id'"
    row = db.execute(read).fetchone()
    if row is None and read_only:
        return ""  # an older store that cannot be written: its saved index is rebuilt
    if row is None:  # the first process to write it wins
        db.execute(
            "INSERT OR IGNORE INTO meta(key, value) VALUES ('store_id', ?)",
            (uuid.uuid4().hex,),
        )
        row = db.execute(read).fetchone()
    return str(row[0])


def absent_columns(
    db: sqlite3.Connection, path: Path, read_only: bool
) -> frozenset[tuple[str, str]]:
    """The added columns (``ADDED_COLUMNS``) an older store opened read-only lacks, as
    (table, column): they read as NULL.

    Raises:
        DamagedStore: a table lacks a column this code reads (dropped by hand, or damaged):
            noticed at open, rather than as a traceback in whichever command reads it.
    """
    added = {(table, column) for table, column, _ in ADDED_COLUMNS}
    absent: set[tuple[str, str]] = set()
    for table, columns in _COLUMNS.items():
        present = {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
        if not present and table in ADDED_LATER and read_only:
            continue  # an older store opened read-only: see ADDED_LATER
        missing = [c for c in columns if c not in present]
        if read_only:
            absent.update((table, c) for c in missing if (table, c) in added)
            missing = [c for c in missing if (table, c) not in added]
        if missing:
            raise DamagedStore(
                f"the store {path} is damaged: table {table} has no column "
                f"{', '.join(missing)}; restore a backup of it",
                path=str(path),
            )
    return frozenset(absent)
