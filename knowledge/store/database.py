"""The store's one SQLite connection, opened writable or read-only and used under one lock.

:class:`Database` owns the connection and how it is used: the transaction a write runs in, the
read transaction that sees one state of the file, queries whose SQLite errors come out as
StoreError (DamagedStore when the file is damaged). The classes of the tables (articles.py,
questions.py, chats.py, ...) receive it and run their SQL through it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from knowledge.errors import DamagedStore, StoreError
from knowledge.store import schema
from knowledge.tempfiles import remove_stale

log = logging.getLogger(__name__)

# Ids per "IN (...)" list: SQLite allows 32,766 parameters a statement.
IN_BATCH = 10_000


class Database:
    """One SQLite database file; thread-safe through one lock around one connection.

    A damaged file (malformed pages, undecodable text, a missing column, 0 bytes) raises
    DamagedStore, one line naming the file and what to do, wherever it is noticed.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        # True when the store can be read but not written (a read-only data dir or file):
        # questions are answered, nothing is logged, and every write raises StoreError.
        self.read_only = False
        # Added columns (``schema.ADDED_COLUMNS``) an older store opened read-only does not
        # have: read as NULL.
        self._absent: frozenset[tuple[str, str]] = frozenset()
        db: sqlite3.Connection | None = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            remove_stale(path.parent, (path.name,))
            if not path.exists():
                schema.create(path)
            elif path.stat().st_size == 0:
                # Every store this code made has its first page written before it is in
                # place: an empty file is one whose content was lost, not a new store to be
                # filled with the bundled articles.
                raise DamagedStore(
                    f"the store {path} is empty (0 bytes): restore a backup of it, or move it "
                    "away to start a new knowledge base",
                    path=str(path),
                )
            try:
                # SQLite itself falls back to reading a file it cannot write, and says so only
                # at the first write: ask the file system first.
                if path.is_file() and not _writable(path):
                    raise sqlite3.OperationalError("attempt to write a readonly database")
                db = _open_writable(path)
            except sqlite3.Error:
                if not path.is_file() or _writable(path):
                    raise
                db = _open_read_only(path)
                self.read_only = True
                log.warning(
                    "%s cannot be written: answering from it read-only (questions are not "
                    "logged; nothing can be added or removed)",
                    path,
                )
            self.store_id: str = schema.store_id(db, self.read_only)
            self._absent = schema.absent_columns(db, path, self.read_only)
        except BaseException as exc:
            if db is not None:
                db.close()
            if isinstance(exc, (OSError, sqlite3.Error)):
                raise self.error(f"cannot open the store at {path}", exc) from exc
            raise
        self._db = db
        self._lock = threading.RLock()

    def close(self) -> None:
        """Close the connection; the store is not used after this."""
        with self._lock:
            self._db.close()

    def error(self, doing: str, exc: BaseException) -> StoreError:
        """The StoreError for ``exc`` met while ``doing``: DamagedStore when the file is."""
        damage = _damage(exc)
        if damage is None:
            return StoreError(f"{doing}: {exc}", path=str(self.path))
        return DamagedStore(
            f"the store {self.path} is damaged ({damage}): restore a backup of it, or try "
            "`citebot export` to save what is still readable",
            path=str(self.path),
        )

    def refuse_if_read_only(self) -> None:
        """Raises StoreError when the store cannot be written."""
        if self.read_only:
            raise StoreError(f"{self.path} is read-only", path=str(self.path))

    @contextmanager
    def transaction(self, *, bump: bool = True) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE ... COMMIT, rolled back whole on any exception; bumps the generation
        (unless ``bump`` is false: a write that changes nothing the index holds)."""
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                yield self._db
                if bump:
                    self._db.execute(
                        "INSERT INTO meta(key, value) VALUES('generation', '1') ON CONFLICT(key) "
                        "DO UPDATE SET value = CAST(value AS INTEGER) + 1"
                    )
                self._db.execute("COMMIT")
            except BaseException:
                # SQLite has already rolled back after some errors (a full disk, an I/O error):
                # a second ROLLBACK would fail and hide the real error behind "cannot rollback -
                # no transaction is active".
                # And a ROLLBACK that fails must not replace the error that brought us here.
                if self._db.in_transaction:
                    with contextlib.suppress(sqlite3.Error):
                        self._db.execute("ROLLBACK")
                raise

    @contextmanager
    def reading(self) -> Iterator[None]:
        """One read transaction: every read inside sees the same state of the store, whatever
        other processes commit meanwhile (WAL keeps that state for the reader). Other threads
        of this process wait for the store until it ends."""
        with self._lock:
            self._db.execute("BEGIN")
            try:
                yield
            finally:
                self._db.execute("COMMIT")

    def query(self, sql: str, params: Sequence[object] = ()) -> list[sqlite3.Row]:
        """The rows of one read; a SQLite error comes out as StoreError (DamagedStore)."""
        with self._lock:
            try:
                cursor = self._db.execute(sql, params)
                cursor.row_factory = sqlite3.Row
                return cursor.fetchall()
            except sqlite3.Error as exc:
                raise self.error("could not read the store", exc) from exc

    def execute(self, sql: str, params: Sequence[object] = ()) -> sqlite3.Cursor:
        """One statement on its own (SQLite commits it alone), under the lock; a SQLite error
        is the caller's to word."""
        with self._lock:
            return self._db.execute(sql, params)

    def column(self, table: str, column: str, alias: str) -> str:
        """``alias.column`` for a SELECT, or NULL when the store lacks it (see ``lacks``)."""
        if self.lacks(table, column):
            return f"NULL AS {column}"
        return f"{alias}.{column} AS {column}"

    def lacks(self, table: str, column: str) -> bool:
        """Whether the store lacks an added column: an older store opened read-only."""
        return (table, column) in self._absent

    def has_table(self, name: str) -> bool:
        """Whether the store has the table (an older store opened read-only may lack one)."""
        rows = self.query("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,))
        return bool(rows)

    def backup(self, target: Path) -> None:
        """A consistent copy of the database in ``target`` (a new, empty file) through SQLite's
        online backup API; the caller makes it the destination (``writing.atomic_path``)."""
        try:
            dest = sqlite3.connect(target)
            try:
                with self._lock:
                    self._db.backup(dest)
            finally:
                dest.close()
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"could not write the backup: {exc}", path=str(target)) from exc


def _damage(exc: BaseException) -> str | None:
    """What damage ``exc`` shows in the store file, in a few words; None when it is another
    failure (a busy or full disk, a lock held too long)."""
    text = str(exc)
    if isinstance(exc, sqlite3.DatabaseError):
        if "Could not decode" in text:  # the bytes of a text column are not UTF-8
            column = re.search(r"column '(\w+)'", text)
            return "undecodable text" + (f" in column {column.group(1)}" if column else "")
        signs = ("malformed", "not a database", "no such column", "has no column", "no such table")
        for sign in signs:
            if sign in text:
                return text
    return None


def _writable(path: Path) -> bool:
    """Whether this process may write the store file and create its -wal and -shm files."""
    return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)


def _open_writable(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
    try:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("PRAGMA foreign_keys=ON")
        db.execute("PRAGMA busy_timeout=10000")
        schema.upgrade(db)
    except BaseException:
        db.close()
        raise
    return db


def _open_read_only(path: Path) -> sqlite3.Connection:
    """A connection that only reads, for a store in a data dir this process cannot write.

    A WAL store needs its -shm file to be read. With a writer running it exists and is
    shared (mode=ro). With none, and no way to create it, the store is opened as
    immutable: without a -wal file no writer has it open and every commit is in the main
    file (a writer that starts later is not seen until the store is opened again).
    """
    uri = path.resolve().as_uri()
    try:
        return _read_only_connection(f"{uri}?mode=ro")
    except sqlite3.Error:
        if path.with_name(path.name + "-wal").exists():
            raise
        return _read_only_connection(f"{uri}?immutable=1")


def _read_only_connection(uri: str) -> sqlite3.Connection:
    """A connection to ``uri`` (a file: URI with mode=ro or immutable=1), checked by a read."""
    db = sqlite3.connect(uri, uri=True, check_same_thread=False, isolation_level=None)
    try:
        db.execute("PRAGMA busy_timeout=10000")
        db.execute("SELECT COUNT(*) FROM meta").fetchone()
    except BaseException:
        db.close()
        raise
    return db
