"""SQLite storage of articles, sentences, passages, learned aliases, questions and feedback.

All SQL of the project lives here, behind the methods of :class:`Store`, so that a PostgreSQL
store for several replicas can take its place later. Every ingest and removal is one
transaction and bumps ``generation``, which the index records to know whether it is current.

Each of those transactions also logs which passages left the index (with the terms they were
indexed with, which the removal deletes) and which came in. An index saved or held at an older
generation is brought up to date from that log (:meth:`Store.changes_since`) instead of being
rebuilt from every stored passage: after a crash between two saves, or when another process
(`citebot ingest` beside the bot, a replica) wrote. A rebuild takes minutes at a million
passages; replaying a few articles takes milliseconds.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import os
import re
import sqlite3
import threading
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from knowledge.errors import AmbiguousId, DamagedStore, NotFound, StoreChanged, StoreError
from knowledge.models import (
    ANSWER_MODES,
    REPLY_LANGS,
    Article,
    ChatSettings,
    Citation,
    GivenAnswer,
    GivenQuote,
    Lang,
    Sentence,
)
from knowledge.tempfiles import remove_stale, temporary

log = logging.getLogger(__name__)

_SCHEMA = """
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
"""
# Columns added to a table after stores were first made, oldest first. A table that exists
# is left as it is by CREATE TABLE IF NOT EXISTS: a store opened for writing gets each column
# it lacks (ALTER TABLE ... ADD COLUMN, NULL in the rows already there); one opened read-only
# is read without them (see Store._absent).
_ADDED_COLUMNS: tuple[tuple[str, str, str], ...] = (
    # The answer a question got, as quoted (JSON: the quotes with their citations).
    ("questions", "answer", "TEXT"),
    # Why a 👎 was given: wrong_answer, wrong_source or not_answered (None: no reason).
    ("feedback", "reason", "TEXT"),
)
# Tables added after stores were in use. Opening a store writes the schema, so an older store
# gains them then; one this process cannot write keeps lacking them, and reads as if empty.
_ADDED_LATER = frozenset({"chat_settings"})


@dataclass(frozen=True)
class NewSentence:
    position: int
    paragraph: int
    start: int
    end: int
    text: str
    terms: Sequence[str]


@dataclass(frozen=True)
class Changes:
    """What happened to the indexed passages after some generation, up to ``generation``."""

    generation: int
    # Passages that left the index, with the terms they had at the older generation.
    left: list[tuple[int, list[str]]]
    # Passages that came in and are still stored, with their terms now.
    came: list[tuple[int, list[str]]]


@dataclass(frozen=True)
class PassageRow:
    id: int
    article_id: str
    first_position: int
    last_position: int


# Ids an ambiguous prefix lists.
_AMBIGUOUS_SHOWN = 10
# Ids per "IN (...)" list: SQLite allows 32,766 parameters a statement.
_IN_BATCH = 10_000
# The next generation, as the write transaction under way will commit it.
_NEXT_GENERATION = (
    "COALESCE((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'generation'), 0) + 1"
)
_LOG_CHANGE = (
    f"INSERT INTO changes(generation, passage_id, terms) VALUES ({_NEXT_GENERATION}, ?, ?)"
)


def _schema_columns() -> dict[str, list[str]]:
    """The columns of each table the schema above creates, as SQLite reads it."""
    with contextlib.closing(sqlite3.connect(":memory:")) as db:
        db.executescript(_SCHEMA)
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {
            t: [r[1] for r in db.execute(f"PRAGMA table_info({t})")]
            for t in tables
            if not t.startswith("sqlite_")
        }


_COLUMNS = _schema_columns()


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


def _create(path: Path) -> None:
    """Make a new store at ``path`` whole: the schema is written in a temporary of this
    process and linked into place, so that nobody ever opens a half-made (or empty) store;
    when another process made one first, its store is kept."""
    tmp = temporary(path)
    try:
        with contextlib.closing(sqlite3.connect(tmp, isolation_level=None)) as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(_SCHEMA)
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


def _add_columns(db: sqlite3.Connection) -> None:
    """Give an older store the columns added since it was made (``_ADDED_COLUMNS``).

    Read first without a lock: a store that has them all (every store after the first open)
    is not written to, so opening it does not wait for another process's write. The check is
    made again inside the write transaction, where a second process opening the same older
    store at the same moment finds the columns the first one added.
    """

    def missing() -> list[tuple[str, str, str]]:
        present: dict[str, set[str]] = {}
        for table, _, _ in _ADDED_COLUMNS:
            if table not in present:
                present[table] = {r[1] for r in db.execute(f"PRAGMA table_info({table})")}
        return [(t, c, d) for t, c, d in _ADDED_COLUMNS if c not in present[t]]

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


class _Upgraded(Exception):
    """Another process recorded a terms version first (rolls the transaction back)."""


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


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


def _writable(path: Path) -> bool:
    """Whether this process may write the store file and create its -wal and -shm files."""
    return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)


class Store:
    """One SQLite database file; thread-safe through one lock around one connection.

    A damaged file (malformed pages, undecodable text, a missing column, 0 bytes) raises
    DamagedStore, one line naming the file and what to do, wherever it is noticed.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        # True when the store can be read but not written (a read-only data dir or file):
        # questions are answered, nothing is logged, and every write raises StoreError.
        self.read_only = False
        # Added columns (``_ADDED_COLUMNS``) an older store opened read-only does not have:
        # read as NULL.
        self._absent: frozenset[tuple[str, str]] = frozenset()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            remove_stale(path.parent, (path.name,))
            if not path.exists():
                _create(path)
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
                self._db = self._open_writable(path)
            except sqlite3.Error:
                if not path.is_file() or _writable(path):
                    raise
                self._db = self._open_read_only(path)
                self.read_only = True
                log.warning(
                    "%s cannot be written: answering from it read-only (questions are not "
                    "logged; nothing can be added or removed)",
                    path,
                )
            self.store_id: str = self._store_id()
            self._check_columns()
        except BaseException as exc:
            if hasattr(self, "_db"):
                self._db.close()
            if isinstance(exc, (OSError, sqlite3.Error)):
                raise self._error(f"cannot open the store at {path}", exc) from exc
            raise
        self._lock = threading.RLock()

    def _store_id(self) -> str:
        """The id the store was made with; an older store without one gets one here (written
        only then, so that a read-only older store still opens, with "" as its id)."""
        read = "SELECT value FROM meta WHERE key = 'store_id'"
        row = self._db.execute(read).fetchone()
        if row is None and self.read_only:
            return ""  # an older store that cannot be written: its saved index is rebuilt
        if row is None:  # the first process to write it wins
            self._db.execute(
                "INSERT OR IGNORE INTO meta(key, value) VALUES ('store_id', ?)",
                (uuid.uuid4().hex,),
            )
            row = self._db.execute(read).fetchone()
        return str(row[0])

    def _check_columns(self) -> None:
        """Refuse a store whose tables lack a column this code reads (dropped by hand, or
        damaged): noticed at open, rather than as a traceback in whichever command reads it.
        An older store opened read-only may lack the columns added since (it could not be
        upgraded): those are noted in ``_absent`` and read as NULL."""
        added = {(table, column) for table, column, _ in _ADDED_COLUMNS}
        absent: set[tuple[str, str]] = set()
        for table, columns in _COLUMNS.items():
            present = {row[1] for row in self._db.execute(f"PRAGMA table_info({table})")}
            if not present and table in _ADDED_LATER and self.read_only:
                continue  # an older store opened read-only: see _ADDED_LATER
            missing = [c for c in columns if c not in present]
            if self.read_only:
                absent.update((table, c) for c in missing if (table, c) in added)
                missing = [c for c in missing if (table, c) not in added]
            if missing:
                raise DamagedStore(
                    f"the store {self.path} is damaged: table {table} has no column "
                    f"{', '.join(missing)}; restore a backup of it",
                    path=str(self.path),
                )
        self._absent = frozenset(absent)

    def _column(self, table: str, column: str, alias: str) -> str:
        """``alias.column`` for a SELECT, or NULL when the store lacks it (see ``_absent``)."""
        if (table, column) in self._absent:
            return f"NULL AS {column}"
        return f"{alias}.{column} AS {column}"

    def _error(self, doing: str, exc: BaseException) -> StoreError:
        """The StoreError for ``exc`` met while ``doing``: DamagedStore when the file is."""
        damage = _damage(exc)
        if damage is None:
            return StoreError(f"{doing}: {exc}", path=str(self.path))
        return DamagedStore(
            f"the store {self.path} is damaged ({damage}): restore a backup of it, or try "
            "`citebot export` to save what is still readable",
            path=str(self.path),
        )

    @staticmethod
    def _open_writable(path: Path) -> sqlite3.Connection:
        db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("PRAGMA foreign_keys=ON")
            db.execute("PRAGMA busy_timeout=10000")
            db.executescript(_SCHEMA)
            _add_columns(db)
            # The log is complete from the generation it was first created at (an older store
            # has no record of what came before). Written only when missing: an INSERT, even
            # one that ends up ignored, waits for a writer another process has under way.
            if db.execute("SELECT 1 FROM meta WHERE key = 'changes_since'").fetchone() is None:
                db.execute(
                    "INSERT OR IGNORE INTO meta(key, value) SELECT 'changes_since', "
                    "COALESCE((SELECT value FROM meta WHERE key = 'generation'), '0')"
                )
        except BaseException:
            db.close()
            raise
        return db

    @staticmethod
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

    def close(self) -> None:
        """Close the connection; the store is not used after this."""
        with self._lock:
            self._db.close()

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

    def _query(self, sql: str, params: Sequence[object] = ()) -> list[sqlite3.Row]:
        with self._lock:
            try:
                cursor = self._db.execute(sql, params)
                cursor.row_factory = sqlite3.Row
                return cursor.fetchall()
            except sqlite3.Error as exc:
                raise self._error("could not read the store", exc) from exc

    # -- reading --------------------------------------------------------------------------
    def generation(self) -> int:
        """The number of the last write that changed what the index holds (0 for a new store):
        an index built or caught up at this generation is current."""
        rows = self._query("SELECT value FROM meta WHERE key = 'generation'")
        return int(rows[0]["value"]) if rows else 0

    def article_count(self) -> int:
        """How many articles are stored."""
        return int(self._query("SELECT COUNT(*) AS n FROM articles")[0]["n"])

    def counts(self) -> dict[str, int]:
        """Articles, passages and sentences, counted by SQL rather than by listing."""
        row = self._query(
            "SELECT (SELECT COUNT(*) FROM articles) AS articles, "
            "(SELECT COUNT(*) FROM passages) AS passages, "
            "(SELECT COUNT(*) FROM sentences) AS sentences"
        )[0]
        return {key: int(row[key]) for key in ("articles", "passages", "sentences")}

    def _article(self, row: sqlite3.Row) -> Article:
        return Article(
            id=row["id"],
            title=row["title"],
            source=row["source"],
            url=row["url"],
            lang=row["lang"],
            published=row["published"],
            added_at=row["added_at"],
            passages=row["passages"],
            sentences=row["sentences"],
            format=row["format"],
        )

    _ARTICLE_SELECT = (
        "SELECT a.*, (SELECT COUNT(*) FROM passages p WHERE p.article_id = a.id) AS passages, "
        "(SELECT COUNT(*) FROM sentences s WHERE s.article_id = a.id) AS sentences FROM articles a "
    )

    def article(self, article_id: str) -> Article:
        """The article with this full id; NotFound when there is none."""
        rows = self._query(self._ARTICLE_SELECT + "WHERE a.id = ?", (article_id,))
        if not rows:
            raise NotFound(f"no article with id {article_id}", id=article_id)
        return self._article(rows[0])

    def find_article(self, article_id: str) -> Article | None:
        """The article with this full id, None when there is none."""
        try:
            return self.article(article_id)
        except NotFound:
            return None

    def find_by_replace_key(self, key: str) -> Article | None:
        """The stored article a new one with this key replaces (the key is its url, else its
        source and title), None when there is none."""
        rows = self._query(self._ARTICLE_SELECT + "WHERE a.replace_key = ?", (key,))
        return self._article(rows[0]) if rows else None

    def resolve_id(self, prefix: str) -> str:
        """A full article id from an unambiguous prefix, as people type short ids.

        A range over the primary key, not LIKE: LIKE scans every article and takes "_" in a
        prefix for any character. Ids are lower-case hex; U+10FFFF sorts after every character a
        longer id can continue with.

        Raises:
            AmbiguousId: the prefix starts several ids; ``params["matches"]`` lists up to ten.
            NotFound: it starts none.
        """
        key = prefix.lower()
        rows = self._query(
            "SELECT id FROM articles WHERE id >= ? AND id < ? ORDER BY id LIMIT ?",
            (key, key + "\U0010ffff", _AMBIGUOUS_SHOWN + 1),
        )
        if not rows or not prefix:
            raise NotFound(f"no article with id {prefix}", id=prefix)
        if len(rows) > 1:
            matches = [str(r["id"]) for r in rows[:_AMBIGUOUS_SHOWN]]
            more = " and more" if len(rows) > _AMBIGUOUS_SHOWN else ""
            raise AmbiguousId(
                f"the id {prefix} is ambiguous: it starts {', '.join(matches)}{more}; "
                "give more of it",
                id=prefix,
                matches=matches,
            )
        return str(rows[0]["id"])

    def list_articles(self, offset: int = 0, limit: int = 1000) -> list[Article]:
        """Up to ``limit`` articles after the first ``offset``, oldest added first."""
        rows = self._query(
            self._ARTICLE_SELECT + "ORDER BY a.added_at, a.title LIMIT ? OFFSET ?", (limit, offset)
        )
        return [self._article(r) for r in rows]

    _PASSAGE_TERMS = (
        "SELECT p.id AS pid, s.terms AS terms FROM passages p JOIN sentences s "
        "ON s.article_id = p.article_id AND s.position BETWEEN p.first_position "
        "AND p.last_position "
    )

    def _passage_terms(
        self, where: str = "", params: Sequence[object] = ()
    ) -> Iterator[tuple[int, list[str]]]:
        """Passages with their terms, rebuilt from the stored sentence terms (no re-tokenizing)."""
        rows = self._query(self._PASSAGE_TERMS + where + " ORDER BY p.id, s.position", params)
        current: int | None = None
        terms: list[str] = []
        for row in rows:
            if row["pid"] != current:
                if current is not None:
                    yield current, terms
                current, terms = row["pid"], []
            terms.extend(row["terms"].split())
        if current is not None:
            yield current, terms

    def all_passage_terms(self, batch: int = 20_000) -> Iterator[tuple[int, list[str]]]:
        """Every passage with its terms, ``batch`` passages read at a time: a rebuild at a
        million passages held all 2.5 million rows in memory at once (GBs). Inside
        :meth:`reading` the pages come from one state of the store."""
        last = -1
        while True:
            rows = self._query(
                "SELECT MAX(id) AS hi FROM (SELECT id FROM passages WHERE id > ? ORDER BY id "
                "LIMIT ?)",
                (last, batch),
            )
            high = rows[0]["hi"]
            if high is None:
                return
            yield from self._passage_terms("WHERE p.id > ? AND p.id <= ?", (last, high))
            last = high

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

    def passage_terms(self, article_id: str) -> list[tuple[int, list[str]]]:
        """Each of the article's passages as (id, the terms of its sentences): what the index
        holds for it."""
        return list(self._passage_terms("WHERE p.article_id = ?", (article_id,)))

    def passage_terms_by_id(self, ids: Sequence[int]) -> list[tuple[int, list[str]]]:
        """The stored passages among ``ids``, each with its terms."""
        out: list[tuple[int, list[str]]] = []
        for lo in range(0, len(ids), _IN_BATCH):
            chunk = list(ids[lo : lo + _IN_BATCH])
            marks = ",".join("?" * len(chunk))
            out += self._passage_terms(f"WHERE p.id IN ({marks})", chunk)
        return out

    def changes_since(self, generation: int) -> Changes | None:
        """The passages that left and came after ``generation``, read in one snapshot of the
        store; None when the log does not reach back that far (the index must be rebuilt)."""
        with self.reading():
            now = self.generation()
            since = self._query("SELECT value FROM meta WHERE key = 'changes_since'")
            if generation > now or not since or generation < int(since[0]["value"]):
                return None
            left: dict[int, list[str]] = {}
            came: set[int] = set()
            rows = self._query(
                "SELECT passage_id, terms FROM changes WHERE generation > ? "
                "ORDER BY generation, rowid",
                (generation,),
            )
            for row in rows:
                if row["terms"] is None:
                    came.add(row["passage_id"])
                elif row["passage_id"] not in left:
                    # Its first departure after ``generation`` carries the terms the older
                    # index holds it with; later ones, terms it came back with since.
                    left[row["passage_id"]] = row["terms"].split()
            present = self.passage_terms_by_id(sorted(came))
            return Changes(now, list(left.items()), present)

    def passages(self, ids: Sequence[int]) -> list[PassageRow]:
        """The stored passages among ``ids`` (their article and sentence positions); ids not
        stored are left out."""
        marks = ",".join("?" * len(ids))
        rows = self._query(f"SELECT * FROM passages WHERE id IN ({marks})", list(ids))
        return [
            PassageRow(r["id"], r["article_id"], r["first_position"], r["last_position"])
            for r in rows
        ]

    def sentences(self, article_id: str, first: int, last: int) -> list[tuple[Sentence, list[str]]]:
        """The article's sentences at positions ``first`` to ``last``, in order, each with its
        terms."""
        rows = self._query(
            "SELECT * FROM sentences WHERE article_id = ? AND position BETWEEN ? AND ? "
            "ORDER BY position",
            (article_id, first, last),
        )
        return [
            (
                Sentence(
                    r["id"],
                    r["article_id"],
                    r["paragraph"],
                    r["position"],
                    r["start"],
                    r["end"],
                    r["text"],
                ),
                r["terms"].split(),
            )
            for r in rows
        ]

    def sentences_like(self, needles: Sequence[str]) -> list[tuple[int, str]]:
        """Sentences whose text contains any needle (case-insensitive for ASCII)."""
        if not needles:
            return []
        where = " OR ".join("text LIKE ?" for _ in needles)
        rows = self._query(
            f"SELECT id, text FROM sentences WHERE {where}", [f"%{n}%" for n in needles]
        )
        return [(r["id"], r["text"]) for r in rows]

    def sentence_texts(self, batch: int = 10_000) -> Iterator[tuple[int, str]]:
        """Every sentence as (id, text), read in batches so the lock is not held throughout."""
        last = -1
        while True:
            rows = self._query(
                "SELECT id, text FROM sentences WHERE id > ? ORDER BY id LIMIT ?", (last, batch)
            )
            if not rows:
                return
            for row in rows:
                yield row["id"], row["text"]
            last = rows[-1]["id"]

    def passages_of_sentences(self, sentence_ids: Sequence[int]) -> list[int]:
        """The passages holding any of the sentences, ascending."""
        found: set[int] = set()
        for lo in range(0, len(sentence_ids), _IN_BATCH):
            chunk = list(sentence_ids[lo : lo + _IN_BATCH])
            marks = ",".join("?" * len(chunk))
            rows = self._query(
                "SELECT DISTINCT p.id AS pid FROM passages p JOIN sentences s ON s.article_id = "
                "p.article_id AND s.position BETWEEN p.first_position AND p.last_position "
                f"WHERE s.id IN ({marks})",
                chunk,
            )
            found.update(r["pid"] for r in rows)
        return sorted(found)

    def terms_version(self) -> int | None:
        """The analyzer version the stored terms were made with; None for a store from before
        versions were recorded."""
        rows = self._query("SELECT value FROM meta WHERE key = 'terms_version'")
        return int(rows[0]["value"]) if rows else None

    def reterm(
        self,
        retermed: Sequence[tuple[int, Sequence[str]]],
        version: int | None,
        *,
        expected: int | None,
    ) -> bool:
        """Give sentences new terms and record ``version`` (unless None), in one transaction;
        the passages holding them are logged as leaving with their old terms and coming back.

        False, and nothing written, when the stored version is no longer ``expected``: another
        process upgraded the store meanwhile.
        """
        try:
            with self.transaction(bump=bool(retermed)) as db:
                row = db.execute("SELECT value FROM meta WHERE key = 'terms_version'").fetchone()
                if (int(row[0]) if row else None) != expected:
                    raise _Upgraded
                left = self._set_terms(db, retermed)
                self._log(db, left, [pid for pid, _ in left])
                if version is not None:
                    db.execute(
                        "INSERT INTO meta(key, value) VALUES('terms_version', ?) "
                        "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                        (str(version),),
                    )
                return True
        except _Upgraded:  # rolled back: nothing written
            return False
        except sqlite3.Error as exc:
            raise StoreError(f"could not update the stored terms: {exc}") from exc

    def learned_aliases(self) -> list[tuple[str, str]]:
        """The name pairs learned from articles' brackets, to add to the alias table at open."""
        return [(r["form"], r["other"]) for r in self._query("SELECT form, other FROM aliases")]

    # -- writing (each call is one transaction) -------------------------------------------
    def add_article(
        self,
        article: Article,
        replace_key: str,
        sentences: Sequence[NewSentence],
        windows: Sequence[tuple[int, int]],
        aliases: Sequence[tuple[str, str]] = (),
        replace_id: str | None = None,
        retermed: Sequence[tuple[int, Sequence[str]]] = (),
        expected_generation: int | None = None,
    ) -> list[int]:
        """Insert an article whole (and drop the one it replaces, and give the ``retermed``
        sentences their new terms); returns the new passage ids.

        The change log learns what an index must do to follow (:meth:`changes_since`): the
        replaced article's passages leave with their stored terms, those holding a retermed
        sentence leave with their old terms and come back, and the new passages come.

        ``expected_generation`` is the generation the caller read the store at (whether the
        article is there, which one it replaces). It is checked inside the write transaction,
        which no other writer can enter: two processes storing two versions of one URL at once
        would otherwise both see no older version and keep both.

        Raises:
            StoreChanged: another write came in after ``expected_generation``; nothing written.
        """
        try:
            with self.transaction() as db:
                if expected_generation is not None:
                    row = db.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
                    if (int(row[0]) if row else 0) != expected_generation:
                        raise StoreChanged(
                            "the store changed while the article was being prepared",
                            path=str(self.path),
                        )
                left = self.passage_terms(replace_id) if replace_id is not None else []
                if replace_id is not None:
                    db.execute("DELETE FROM articles WHERE id = ?", (replace_id,))
                db.execute(
                    "INSERT INTO articles(id, replace_key, title, source, url, lang, published, "
                    "format, added_at) VALUES (?,?,?,?,?,?,?,?,?)",
                    (
                        article.id,
                        replace_key,
                        article.title,
                        article.source,
                        article.url,
                        article.lang,
                        article.published,
                        article.format,
                        article.added_at,
                    ),
                )
                db.executemany(
                    "INSERT INTO sentences(article_id, position, paragraph, start, end, text, "
                    "terms) VALUES (?,?,?,?,?,?,?)",
                    [
                        (
                            article.id,
                            s.position,
                            s.paragraph,
                            s.start,
                            s.end,
                            s.text,
                            " ".join(s.terms),
                        )
                        for s in sentences
                    ],
                )
                ids = []
                for first, last in windows:
                    cur = db.execute(
                        "INSERT INTO passages(article_id, first_position, last_position) "
                        "VALUES (?,?,?)",
                        (article.id, first, last),
                    )
                    ids.append(int(cur.lastrowid or 0))
                db.executemany(
                    "INSERT OR IGNORE INTO aliases(form, other, article_id) VALUES (?,?,?)",
                    [(a, b, article.id) for a, b in aliases],
                )
                reindexed = self._set_terms(db, retermed)
                self._log(db, left + reindexed, [*(pid for pid, _ in reindexed), *ids])
                return ids
        except sqlite3.Error as exc:
            raise StoreError(f"could not store the article: {exc}") from exc

    def remove_article(self, article_id: str) -> None:
        """Delete an article; its passages are logged as leaving, with their stored terms."""
        try:
            with self.transaction() as db:
                left = self.passage_terms(article_id)
                cur = db.execute("DELETE FROM articles WHERE id = ?", (article_id,))
                if cur.rowcount == 0:
                    raise NotFound(f"no article with id {article_id}", id=article_id)
                self._log(db, left, [])
        except sqlite3.Error as exc:
            raise StoreError(f"could not remove the article: {exc}") from exc

    def _set_terms(
        self, db: sqlite3.Connection, retermed: Sequence[tuple[int, Sequence[str]]]
    ) -> list[tuple[int, list[str]]]:
        """Inside a write: give sentences new terms; returns the passages holding them, with
        the terms they had before (the index holds them so), for the log."""
        if not retermed:
            return []
        before = self.passage_terms_by_id(self.passages_of_sentences([s for s, _ in retermed]))
        db.executemany(
            "UPDATE sentences SET terms = ? WHERE id = ?",
            [(" ".join(terms), sid) for sid, terms in retermed],
        )
        return before

    @staticmethod
    def _log(
        db: sqlite3.Connection, left: Sequence[tuple[int, Sequence[str]]], came: Sequence[int]
    ) -> None:
        db.executemany(_LOG_CHANGE, [(pid, " ".join(terms)) for pid, terms in left])
        db.executemany(_LOG_CHANGE, [(pid, None) for pid in came])

    def forget_changes(self, upto: int) -> None:
        """Drop the log up to generation ``upto``: indexes older than that get rebuilt."""
        try:
            with self.transaction(bump=False) as db:
                db.execute("DELETE FROM changes WHERE generation <= ?", (upto,))
                db.execute(
                    "UPDATE meta SET value = CAST(MAX(CAST(value AS INTEGER), ?) AS TEXT) "
                    "WHERE key = 'changes_since'",
                    (upto,),
                )
        except sqlite3.Error as exc:
            raise StoreError(f"could not trim the change log: {exc}") from exc

    def paragraphs(self, article_id: str) -> list[str]:
        """An article's paragraphs rebuilt from its sentences and their offsets.

        The gaps between sentences were whitespace; a space per gap character restores them.
        """
        paragraphs: dict[int, str] = {}
        for sentence, _ in self.sentences(article_id, 0, 1 << 62):
            text = paragraphs.get(sentence.paragraph, "")
            if sentence.start > len(text):
                text += " " * (sentence.start - len(text))
            paragraphs[sentence.paragraph] = text + sentence.text
        return [paragraphs[n] for n in sorted(paragraphs)]

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

    # -- questions and feedback -----------------------------------------------------------
    def log_question(
        self,
        question: str,
        lang: str,
        found: bool,
        chat_id: int | None,
        user_id: int | None,
        quotes: Sequence[GivenQuote] = (),
    ) -> int:
        """The id the question is kept under, with the ``quotes`` its answer gave.

        Raises:
            StoreError: it could not be written: a read-only store, a full disk, or another
                process holding the store for longer than the busy timeout (10 s).
        """
        if self.read_only:
            raise StoreError(f"{self.path} is read-only", path=str(self.path))
        try:
            with self._lock:
                cur = self._db.execute(
                    "INSERT INTO questions(asked_at, chat_id, user_id, question, lang, found, "
                    "answer) VALUES (?,?,?,?,?,?,?)",
                    (now(), chat_id, user_id, question, lang, int(found), _quotes_json(quotes)),
                )
                return int(cur.lastrowid or 0)
        except sqlite3.Error as exc:
            raise StoreError(f"could not log the question: {exc}", path=str(self.path)) from exc

    def question_text(self, question_id: int) -> str:
        """The logged question's text; NotFound when no question has that id."""
        rows = self._query("SELECT question FROM questions WHERE id = ?", (question_id,))
        if not rows:
            raise NotFound(f"no question with id {question_id}", id=question_id)
        return str(rows[0]["question"])

    def given_answer(self, question_id: int) -> GivenAnswer:
        """A logged question with the answer it got, as it was given.

        Raises:
            NotFound: no question has that id.
        """
        rows = self._query(
            f"SELECT q.id, q.question, q.lang, q.asked_at, q.found, "
            f"{self._column('questions', 'answer', 'q')} FROM questions q WHERE q.id = ?",
            (question_id,),
        )
        if not rows:
            raise NotFound(f"no question with id {question_id}", id=question_id)
        row = rows[0]
        quotes = _quotes_from_json(row["answer"])
        found = bool(row["found"])
        return GivenAnswer(
            question_id=row["id"],
            question=row["question"],
            lang=_lang(row["lang"]),
            asked_at=row["asked_at"],
            found=found,
            quotes=quotes or (),
            kept=not found or quotes is not None,
        )

    def add_feedback(
        self, question_id: int, user_id: int, value: int, reason: str | None = None
    ) -> None:
        """One user's vote on a question, replacing their earlier one. A 👎 without a reason
        keeps the reason the user gave it before (the reason buttons come after the 👎); a 👍
        has none."""
        with self._lock:
            self._db.execute(
                "INSERT INTO feedback(question_id, user_id, value, created_at, reason) "
                "VALUES (?,?,?,?,?) ON CONFLICT(question_id, user_id) DO UPDATE SET "
                "value = excluded.value, created_at = excluded.created_at, reason = CASE "
                "WHEN excluded.value > 0 THEN NULL "
                "ELSE COALESCE(excluded.reason, feedback.reason) END",
                (question_id, user_id, value, now(), reason if value < 0 else None),
            )

    def question_stats(self) -> dict[str, int]:
        """Questions logged, those answered, and the 👍 and 👎 given."""
        q = self._query("SELECT COUNT(*) AS n, COALESCE(SUM(found), 0) AS f FROM questions")[0]
        fb = self._query(
            "SELECT COALESCE(SUM(value > 0), 0) AS up, COALESCE(SUM(value < 0), 0) AS down "
            "FROM feedback"
        )[0]
        return {
            "questions": q["n"],
            "answered": q["f"],
            "thumbs_up": fb["up"],
            "thumbs_down": fb["down"],
        }

    def all_feedback(self) -> list[dict[str, object]]:
        """Every vote with its question, for an export; ``answer`` is the quotes the
        question's answer gave (JSON-ready dicts), None when not kept."""
        rows = self._query(
            "SELECT q.question, q.lang, q.found, q.asked_at, q.chat_id, f.user_id, f.value, "
            f"f.created_at, {self._column('feedback', 'reason', 'f')}, "
            f"{self._column('questions', 'answer', 'q')} "
            "FROM feedback f JOIN questions q ON q.id = f.question_id ORDER BY f.rowid"
        )
        return [{**dict(r), "answer": _quotes_dicts(r["answer"])} for r in rows]

    def declined_questions(self) -> list[dict[str, object]]:
        """The questions that were declined and got no vote (those with one come with their
        feedback), oldest first, for an export."""
        rows = self._query(
            "SELECT q.question, q.lang, q.asked_at, q.chat_id, q.user_id FROM questions q "
            "WHERE q.found = 0 AND NOT EXISTS (SELECT 1 FROM feedback f WHERE "
            "f.question_id = q.id) ORDER BY q.id"
        )
        return [dict(r) for r in rows]

    def add_feedback_record(self, record: dict[str, object]) -> None:
        """Re-create a question with its feedback, as exported from another install."""
        with self.transaction() as db:
            cur = db.execute(
                "INSERT INTO questions(asked_at, chat_id, user_id, question, lang, found, answer) "
                "VALUES (?,?,?,?,?,?,?)",
                (
                    record["asked_at"],
                    record.get("chat_id"),
                    record["user_id"],
                    record["question"],
                    record["lang"],
                    int(bool(record["found"])),
                    _dicts_json(record.get("answer")),
                ),
            )
            db.execute(
                "INSERT INTO feedback(question_id, user_id, value, created_at, reason) "
                "VALUES (?,?,?,?,?)",
                (
                    cur.lastrowid,
                    record["user_id"],
                    record["value"],
                    record["created_at"],
                    record.get("reason"),
                ),
            )

    def add_question_record(self, record: dict[str, object]) -> None:
        """Re-create a declined question, as exported from another install."""
        with self.transaction(bump=False) as db:
            db.execute(
                "INSERT INTO questions(asked_at, chat_id, user_id, question, lang, found) "
                "VALUES (?,?,?,?,?,0)",
                (
                    record["asked_at"],
                    record.get("chat_id"),
                    record.get("user_id"),
                    record["question"],
                    record["lang"],
                ),
            )

    def gap_rows(self, since: str | None = None, scan: int = 10_000) -> list[GapRow]:
        """The questions that were declined or voted 👎, latest first (by the later of the
        question and its latest 👎), at most ``scan`` of them, none older than ``since`` (an
        ISO 8601 time as the store writes them).

        Two reads that each stop at ``scan`` rows, rather than one join over every question:
        the declined questions newest first along the primary key, and the 👎 votes grouped
        by question (at 100,000 questions, 25,000 of them declined, one join grouped by
        question is about five times slower than these two reads).
        """
        after = since or ""
        reason = "NULL" if ("feedback", "reason") in self._absent else "reason"
        with self.reading():
            declined = self._query(
                "SELECT id, question, lang, asked_at, found FROM questions "
                "WHERE found = 0 AND asked_at >= ? ORDER BY id DESC LIMIT ?",
                (after, scan),
            )
            votes = {
                r["id"]: r
                for r in self._query(
                    "SELECT question_id AS id, COUNT(*) AS down, MAX(created_at) AS voted_at, "
                    f"GROUP_CONCAT({reason}, ' ') AS reasons FROM feedback WHERE value < 0 "
                    "GROUP BY question_id HAVING MAX(created_at) >= ? "
                    "ORDER BY voted_at DESC LIMIT ?",
                    (after, scan),
                )
            }
            questions = {r["id"]: r for r in declined}
            wanted = [qid for qid in votes if qid not in questions]
            for lo in range(0, len(wanted), _IN_BATCH):
                chunk = wanted[lo : lo + _IN_BATCH]
                marks = ",".join("?" * len(chunk))
                questions.update(
                    (r["id"], r)
                    for r in self._query(
                        "SELECT id, question, lang, asked_at, found FROM questions "
                        f"WHERE id IN ({marks})",
                        chunk,
                    )
                )
        rows = []
        for qid, q in questions.items():
            vote = votes.get(qid)
            rows.append(
                GapRow(
                    question_id=qid,
                    question=q["question"],
                    lang=_lang(q["lang"]),
                    latest=max(q["asked_at"], vote["voted_at"] if vote else ""),
                    found=bool(q["found"]),
                    thumbs_down=vote["down"] if vote else 0,
                    reasons=tuple((vote["reasons"] or "").split()) if vote else (),
                )
            )
        rows.sort(key=lambda r: (r.latest, r.question_id), reverse=True)
        return rows[:scan]

    def recent_feedback(self, limit: int = 20) -> list[dict[str, object]]:
        """The latest ``limit`` votes, newest first: the question, its language, the value, when."""
        rows = self._query(
            "SELECT q.question, q.lang, f.value, f.created_at FROM feedback f JOIN questions q "
            "ON q.id = f.question_id ORDER BY f.created_at DESC LIMIT ?",
            (limit,),
        )
        return [dict(r) for r in rows]

    # -- chat settings --------------------------------------------------------------------
    def chat_settings(self, chat_id: int) -> ChatSettings:
        """What the chat's admins set; the defaults for a chat that set nothing (or for an
        older store opened read-only, which has no such table). A value this code does not
        know (written by a newer version) reads as its default."""
        if self.read_only and not self._has_table("chat_settings"):
            return ChatSettings()
        rows = self._query("SELECT answer, lang FROM chat_settings WHERE chat_id = ?", (chat_id,))
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
        if self.read_only:
            raise StoreError(f"{self.path} is read-only", path=str(self.path))
        try:
            with self._lock:
                self._db.execute(
                    "INSERT INTO chat_settings(chat_id, answer, lang, changed_by, changed_at) "
                    "VALUES (?,?,?,?,?) ON CONFLICT(chat_id) DO UPDATE SET "
                    "answer = excluded.answer, lang = excluded.lang, "
                    "changed_by = excluded.changed_by, changed_at = excluded.changed_at",
                    (chat_id, settings.answer, settings.lang, user_id, now()),
                )
        except sqlite3.Error as exc:
            raise self._error("could not keep the chat's settings", exc) from exc

    def _has_table(self, name: str) -> bool:
        rows = self._query("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,))
        return bool(rows)


@dataclass(frozen=True)
class GapRow:
    """A question that was declined or voted 👎, with its 👎 votes and their reasons."""

    question_id: int
    question: str
    lang: Lang
    latest: str  # the later of when it was asked and its latest 👎
    found: bool
    thumbs_down: int
    reasons: tuple[str, ...]


def _lang(value: str) -> Lang:
    return value if value in ("en", "zh-Hans", "zh-Hant") else "en"  # type: ignore[return-value]


_QUOTE_FIELDS = ("text", "number", "article_id", "title", "source", "url", "published", "paragraph")


def _quotes_json(quotes: Sequence[GivenQuote]) -> str | None:
    """The quotes an answer gave, as the ``answer`` column keeps them; None for none."""
    if not quotes:
        return None
    return json.dumps(
        [{"text": q.text, **dataclasses.asdict(q.citation)} for q in quotes], ensure_ascii=False
    )


def _quotes_dicts(text: str | None) -> list[dict[str, object]] | None:
    """The ``answer`` column as JSON-ready dicts; None when there is none or it is unreadable."""
    if text is None:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    if not isinstance(value, list) or not all(isinstance(q, dict) for q in value):
        return None
    return [{key: q.get(key) for key in _QUOTE_FIELDS} for q in value]


def _dicts_json(value: object) -> str | None:
    """Quotes given as dicts (an import) in the ``answer`` column's form."""
    if not isinstance(value, list) or not value:
        return None
    return json.dumps(value, ensure_ascii=False)


def _quotes_from_json(text: str | None) -> tuple[GivenQuote, ...] | None:
    """The quotes kept in the ``answer`` column; None when none were kept (or unreadable)."""
    dicts = _quotes_dicts(text)
    if dicts is None:
        return None
    try:
        return tuple(
            GivenQuote(
                text=str(d["text"]),
                citation=Citation(
                    number=int(d["number"]),  # type: ignore[call-overload]
                    article_id=str(d["article_id"]),
                    title=str(d["title"]),
                    source=None if d["source"] is None else str(d["source"]),
                    url=None if d["url"] is None else str(d["url"]),
                    published=None if d["published"] is None else str(d["published"]),
                    paragraph=int(d["paragraph"]),  # type: ignore[call-overload]
                ),
            )
            for d in dicts
        )
    except (TypeError, ValueError):
        log.debug("an answer kept in the store could not be read back: %.80s", text)
        return None
