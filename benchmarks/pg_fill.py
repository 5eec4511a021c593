"""A PostgreSQL knowledge base holding exactly what a cached SQLite one holds, made in minutes.

Benchmark-only (benchmarks/pg.py): ``citebot import`` of an export would re-analyse every
article (about 1 MB/s, ten minutes at 1M passages), so the rows are copied as they are with
COPY, one table after the other in one transaction, into the tables citebot's own migrations
made (``knowledge.pgstore.schema.migrate``):

- the ids are kept (sentences, passages, questions), and each identity sequence is moved past
  the highest id the SQLite store ever handed out (``sqlite_sequence`` for the passages, whose
  ids are never reused: an index following the change log relies on it);
- the ``meta`` rows are SQLite's (``store_id``, ``generation``, ``changes_since``,
  ``terms_version``), so the index saved beside the SQLite file is this store's index at this
  generation: a replica given a copy of it loads it and replays the log from there;
- the change log is copied in its order (SQLite's rowid order becomes ``seq``);
- questions' ``found`` becomes a boolean and their answers JSONB, as the PostgreSQL store
  writes them; feedback keeps its insertion order.

The tables are ANALYZEd afterwards, as an operator would after a bulk load: the planner's
statistics of an empty table would mislead the first reads.
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

# (table, SQLite select, PostgreSQL columns, row converter or None); parents before children.
_Row = tuple[Any, ...]
_TABLES: tuple[tuple[str, str, str, Callable[[_Row], _Row] | None], ...] = (
    (
        "articles",
        "SELECT id, replace_key, title, source, url, lang, published, format, added_at "
        "FROM articles ORDER BY rowid",
        "id, replace_key, title, source, url, lang, published, format, added_at",
        None,
    ),
    (
        "sentences",
        'SELECT id, article_id, position, paragraph, start, "end", text, terms '
        "FROM sentences ORDER BY id",
        'id, article_id, position, paragraph, start, "end", text, terms',
        None,
    ),
    (
        "passages",
        "SELECT id, article_id, first_position, last_position FROM passages ORDER BY id",
        "id, article_id, first_position, last_position",
        None,
    ),
    (
        "changes",
        "SELECT generation, passage_id, terms FROM changes ORDER BY rowid",
        "generation, passage_id, terms",
        None,
    ),
    ("aliases", "SELECT form, other, article_id FROM aliases", "form, other, article_id", None),
    (
        "questions",
        "SELECT id, asked_at, chat_id, user_id, question, lang, found, answer "
        "FROM questions ORDER BY id",
        "id, asked_at, chat_id, user_id, question, lang, found, answer",
        lambda r: (*r[:6], bool(r[6]), r[7]),
    ),
    (
        "feedback",
        "SELECT question_id, user_id, value, created_at, reason FROM feedback ORDER BY rowid",
        "question_id, user_id, value, created_at, reason",
        None,
    ),
    (
        "chat_settings",
        "SELECT chat_id, answer, lang, changed_by, changed_at FROM chat_settings",
        "chat_id, answer, lang, changed_by, changed_at",
        None,
    ),
)
# Identity columns whose sequence must move past the copied ids.
_SEQUENCES = ("sentences", "passages", "questions")
# The schema's tables with their indexes and TOAST, on disk.
_SCHEMA_SIZE = (
    "SELECT SUM(pg_total_relation_size(c.oid)) FROM pg_class c "
    "JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE n.nspname = current_schema() AND c.relkind = 'r'"
)


@contextlib.contextmanager
def _sqlite(path: Path) -> Iterator[sqlite3.Connection]:
    """The SQLite store read-only (nothing is written to the cached knowledge base)."""
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        yield db
    finally:
        db.close()


def _highest_ids(source: sqlite3.Connection) -> dict[str, int]:
    """The highest id each identity column has handed out: AUTOINCREMENT's record where the
    table has one (ids of removed rows included), else the highest stored."""
    highest: dict[str, int] = {}
    for table in _SEQUENCES:
        (stored,) = source.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}").fetchone()
        highest[table] = int(stored)
    with contextlib.suppress(sqlite3.OperationalError):  # no AUTOINCREMENT table at all
        for name, seq in source.execute("SELECT name, seq FROM sqlite_sequence"):
            if name in highest:
                highest[name] = max(highest[name], int(seq))
    return highest


def fill(sqlite_path: Path, url: str) -> dict[str, Any]:
    """Copy the SQLite store at ``sqlite_path`` into the empty PostgreSQL schema ``url``
    names (made by citebot's migrations first); returns the rows copied per table and the
    seconds taken (copy, then ANALYZE).

    Raises:
        ValueError: the schema already holds articles (it must be a fresh one).
    """
    import psycopg

    from knowledge.pgstore.schema import migrate

    result: dict[str, Any] = {"rows": {}}
    t0 = time.perf_counter()
    with _sqlite(sqlite_path) as source, psycopg.connect(url, autocommit=True) as conn:
        migrate(conn, read_only=False, location="the benchmark's database")
        row = conn.execute("SELECT COUNT(*) FROM articles").fetchone()
        if row is None or row[0]:
            raise ValueError("fill needs an empty schema: this one holds articles")
        with conn.transaction():
            conn.execute("DELETE FROM meta")
            with conn.cursor().copy("COPY meta (key, value) FROM STDIN") as copy:
                for key, value in source.execute("SELECT key, value FROM meta"):
                    copy.write_row((key, value))
            for table, select, columns, convert in _TABLES:
                count = 0
                with conn.cursor().copy(f"COPY {table} ({columns}) FROM STDIN".encode()) as copy:
                    for values in source.execute(select):
                        copy.write_row(convert(values) if convert else values)
                        count += 1
                result["rows"][table] = count
            for table, highest in _highest_ids(source).items():
                # is_called false: the next id handed out is highest + 1 (also for 0 rows).
                conn.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), %s, false)".encode(),
                    (highest + 1,),
                )
        result["copy_s"] = time.perf_counter() - t0
        t1 = time.perf_counter()
        tables = ", ".join(["meta", *(table for table, *_ in _TABLES)])
        conn.execute(f"ANALYZE {tables}".encode())
        result["analyze_s"] = time.perf_counter() - t1
        size = conn.execute(_SCHEMA_SIZE).fetchone()
        result["schema_mb"] = int(size[0]) / 1e6 if size and size[0] is not None else None
    return result
