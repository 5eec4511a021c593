"""PostgreSQL storage of articles, sentences, passages, aliases, questions and feedback.

``PgStore`` has the public methods of the SQLite ``knowledge.store.Store``, with the same
arguments and results, so that several replicas on several machines can share one knowledge
base; tests/knowledge/test_store_contract.py runs one suite against both. What differs:

- Connections come from a pool (psycopg_pool), so threads do not queue behind one lock.
  ``reading()`` and ``transaction()`` hold one connection for the calling thread until they end;
  the store's methods called inside use it, so they see that snapshot (``reading``, REPEATABLE
  READ) or take part in that write.
- Writers take one lock per schema (a transaction-scoped advisory lock) where SQLite's writers
  take the file's lock: the generation counter and the change log stay in one order whichever
  replica writes, and the ``expected_generation`` check is made under it.
- ``backup`` raises StoreError: a PostgreSQL knowledge base is backed up by the database's own
  tools (pg_dump) or by ``citebot export``, not copied to a file by citebot.
- No DamagedStore: PostgreSQL checks its own pages; a failure is a StoreError naming the
  database (its URL without the password).
- ``read_only`` is true on a hot standby or a read-only role (``default_transaction_read_only``):
  questions are answered, nothing is logged, writes raise StoreError.
- Text may not contain NUL characters (PostgreSQL refuses them): such an article or question is
  refused whole with a StoreError.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import urlsplit

import psycopg
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb
from psycopg_pool import ConnectionPool

from knowledge.errors import AmbiguousId, NotFound, StoreChanged, StoreError
from knowledge.models import (
    ANSWER_MODES,
    REPLY_LANGS,
    Article,
    ChatSettings,
    GivenAnswer,
    GivenQuote,
    Lang,
    Sentence,
)
from knowledge.pgstore.quotes import cleaned, from_dicts, imported, to_dicts
from knowledge.pgstore.schema import migrate
from knowledge.store import Changes, GapRow, NewSentence, PassageRow, now

log = logging.getLogger(__name__)

Row = dict[str, Any]

# Ids an ambiguous prefix lists (as the SQLite store does).
_AMBIGUOUS_SHOWN = 10
# One writer at a time per schema, for the length of its transaction.
_WRITE_LOCK = "SELECT pg_advisory_xact_lock(hashtext(current_schema() || ':citebot-write'))"
_BUMP = "UPDATE meta SET value = (value::bigint + 1)::text WHERE key = 'generation'"
# The change log of the write under way: its rows carry the generation it will commit as.
_LOG_CHANGES = (
    "INSERT INTO changes(generation, passage_id, terms) "
    "SELECT (SELECT value::bigint + 1 FROM meta WHERE key = 'generation'), p, t "
    "FROM unnest(%s::bigint[], %s::text[]) WITH ORDINALITY AS u(p, t, n) ORDER BY n"
)
_ARTICLE_SELECT = (
    "SELECT a.*, (SELECT COUNT(*) FROM passages p WHERE p.article_id = a.id) AS passages, "
    "(SELECT COUNT(*) FROM sentences s WHERE s.article_id = a.id) AS sentences FROM articles a "
)
_PASSAGE_TERMS = (
    "SELECT p.id AS pid, s.terms AS terms FROM passages p JOIN sentences s "
    "ON s.article_id = p.article_id AND s.position BETWEEN p.first_position "
    "AND p.last_position "
)


class _Late(Exception):
    """Another process recorded a terms version first (rolls the transaction back)."""


def redacted(url: str) -> str:
    """``url`` without its password (and query), fit for messages and logs.

    Raises:
        StoreError: ``url`` is not a URL libpq reads; the message does not repeat it (it may
            hold a password).
    """
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        raise StoreError("the database URL is not a valid postgresql:// URL") from None
    user = f"{parts.username}@" if parts.username else ""
    return f"{parts.scheme}://{user}{host}{port}{parts.path}"


class PgStore:
    """A knowledge base in one PostgreSQL database (in the first schema of its search_path);
    safe to use from several threads and from several processes and machines at once."""

    def __init__(self, url: str, *, pool_size: int = 8, connect_timeout: int = 10) -> None:
        """Connect to ``url`` (``postgresql://user:password@host:port/dbname``; libpq's query
        parameters such as ``sslmode`` or ``options=-csearch_path%3Dcitebot`` are read), make
        or upgrade the tables, and open a pool of up to ``pool_size`` connections.

        Raises:
            StoreError: the database is out of reach, refuses the login, is not UTF-8, or its
                tables were made by a newer citebot. The message names the database without
                its password.
        """
        if pool_size < 1:
            raise ValueError(f"pool_size must be at least 1, got {pool_size}")
        self.location = redacted(url)
        # Not a file: read-ahead and file backups do not apply (see the module docstring).
        self.path: Path | None = None
        self._password = urlsplit(url).password
        self._local = threading.local()
        try:
            with psycopg.connect(url, autocommit=True, connect_timeout=connect_timeout) as conn:
                row = conn.execute(
                    "SELECT pg_is_in_recovery() OR current_setting('transaction_read_only') = "
                    "'on', current_setting('server_encoding')"
                ).fetchone()
                assert row is not None
                self.read_only: bool = bool(row[0])
                if row[1] != "UTF8":
                    raise StoreError(
                        f"the database at {self.location} stores text as {row[1]}; citebot "
                        "needs UTF8 (create it with: createdb -E UTF8 -T template0 NAME)",
                        path=self.location,
                    )
                migrate(conn, read_only=self.read_only, location=self.location)
                found = conn.execute("SELECT value FROM meta WHERE key = 'store_id'").fetchone()
                self.store_id: str = str(found[0]) if found else ""
        except psycopg.Error as exc:
            raise self._error("cannot open the store", exc) from exc
        if self.read_only:
            log.warning(
                "%s cannot be written: answering from it read-only (questions are not "
                "logged; nothing can be added or removed)",
                self.location,
            )
        self._pool: ConnectionPool[psycopg.Connection[Any]] = ConnectionPool(
            url,
            min_size=1,
            max_size=pool_size,
            kwargs={"autocommit": True, "connect_timeout": connect_timeout},
            # A connection the server dropped (a restart, a failover) is replaced before use
            # instead of failing the call that drew it.
            check=ConnectionPool.check_connection,
            timeout=connect_timeout,
            name="citebot-store",
            open=False,
        )
        try:
            self._pool.open(wait=True, timeout=connect_timeout)
        except psycopg.Error as exc:
            self._pool.close()
            raise self._error("cannot open the store", exc) from exc

    # -- connections ----------------------------------------------------------------------
    def _error(self, doing: str, exc: BaseException) -> StoreError:
        """``exc`` as one line naming the database, never its password."""
        detail = " ".join(str(exc).split()) or type(exc).__name__
        if self._password:
            detail = detail.replace(self._password, "***")
        return StoreError(f"{doing} ({self.location}): {detail}", path=self.location)

    @contextmanager
    def _failing(self, doing: str) -> Iterator[None]:
        try:
            yield
        except psycopg.Error as exc:
            raise self._error(doing, exc) from exc

    @contextmanager
    def _connection(self) -> Iterator[psycopg.Connection[Any]]:
        """The connection this thread holds inside ``reading`` or a write, else one from the
        pool for the length of the block."""
        held: psycopg.Connection[Any] | None = getattr(self._local, "conn", None)
        if held is not None:
            yield held
            return
        with self._pool.connection() as conn:
            yield conn

    def _rows(self, sql: str, params: Sequence[object] = ()) -> list[Row]:
        with (
            self._failing("could not read the store"),
            self._connection() as conn,
            conn.cursor(row_factory=dict_row) as cur,
        ):
            cur.execute(sql.encode(), params)
            return cur.fetchall()

    def _refuse_write(self) -> None:
        if self.read_only:
            raise StoreError(f"{self.location} is read-only", path=self.location)

    @contextmanager
    def _writing(self, doing: str, bump: bool) -> Iterator[psycopg.Connection[Any]]:
        self._refuse_write()
        if getattr(self._local, "conn", None) is not None:
            raise StoreError(
                "a write cannot start inside another read or write of the store",
                path=self.location,
            )
        with self._failing(doing), self._pool.connection() as conn:
            self._local.conn = conn
            try:
                with conn.transaction():
                    conn.execute(_WRITE_LOCK)
                    yield conn
                    if bump:
                        conn.execute(_BUMP)
            finally:
                self._local.conn = None

    @contextmanager
    def transaction(self, *, bump: bool = True) -> Iterator[psycopg.Connection[Any]]:
        """One write transaction, rolled back whole on any exception, with the other writers
        of this database waiting for it; bumps the generation (unless ``bump`` is false: a
        write that changes nothing the index holds). The connection it gives speaks
        PostgreSQL's SQL, with ``%s`` placeholders.

        Raises:
            StoreError: the store is read-only, or the write failed (nothing is written).
        """
        with self._writing("could not write the store", bump) as conn:
            yield conn

    @contextmanager
    def reading(self) -> Iterator[None]:
        """One read transaction: every read inside sees the same state of the store, whatever
        other processes commit meanwhile (REPEATABLE READ). Other threads are not held up."""
        if getattr(self._local, "conn", None) is not None:
            yield  # inside a read or write already: its snapshot
            return
        with self._failing("could not read the store"), self._pool.connection() as conn:
            conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
            self._local.conn = conn
            try:
                yield
            except BaseException:
                with contextlib.suppress(psycopg.Error):
                    conn.execute("ROLLBACK")
                raise
            else:
                conn.execute("COMMIT")
            finally:
                self._local.conn = None

    def close(self) -> None:
        """Close the pool's connections; the store is not used after this."""
        self._pool.close()

    # -- reading --------------------------------------------------------------------------
    def generation(self) -> int:
        """The number of the last write that changed what the index holds (0 for a new store):
        an index built or caught up at this generation is current."""
        rows = self._rows("SELECT value FROM meta WHERE key = 'generation'")
        return int(rows[0]["value"]) if rows else 0

    def article_count(self) -> int:
        """How many articles are stored."""
        return int(self._rows("SELECT COUNT(*) AS n FROM articles")[0]["n"])

    def counts(self) -> dict[str, int]:
        """Articles, passages and sentences, counted by SQL rather than by listing."""
        row = self._rows(
            "SELECT (SELECT COUNT(*) FROM articles) AS articles, "
            "(SELECT COUNT(*) FROM passages) AS passages, "
            "(SELECT COUNT(*) FROM sentences) AS sentences"
        )[0]
        return {key: int(row[key]) for key in ("articles", "passages", "sentences")}

    def article(self, article_id: str) -> Article:
        """The article with this full id; NotFound when there is none."""
        rows = self._rows(_ARTICLE_SELECT + "WHERE a.id = %s", (_clean(article_id),))
        if not rows:
            raise NotFound(f"no article with id {article_id}", id=article_id)
        return _article(rows[0])

    def find_article(self, article_id: str) -> Article | None:
        """The article with this full id, None when there is none."""
        try:
            return self.article(article_id)
        except NotFound:
            return None

    def find_by_replace_key(self, key: str) -> Article | None:
        """The stored article a new one with this key replaces (the key is its url, else its
        source and title), None when there is none."""
        rows = self._rows(_ARTICLE_SELECT + "WHERE a.replace_key = %s", (_clean(key),))
        return _article(rows[0]) if rows else None

    def resolve_id(self, prefix: str) -> str:
        """A full article id from an unambiguous prefix, as people type short ids (a range
        over the primary key, compared byte by byte).

        Raises:
            AmbiguousId: the prefix starts several ids; ``params["matches"]`` lists up to ten.
            NotFound: it starts none.
        """
        key = _clean(prefix.lower())
        if not key:
            raise NotFound(f"no article with id {prefix}", id=prefix)
        rows = self._rows(
            "SELECT id FROM articles WHERE id >= %s AND id < %s ORDER BY id LIMIT %s",
            (key, key + "\U0010ffff", _AMBIGUOUS_SHOWN + 1),
        )
        if not rows:
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
        rows = self._rows(
            _ARTICLE_SELECT + 'ORDER BY a.added_at, a.title COLLATE "C" LIMIT %s OFFSET %s',
            (limit, offset),
        )
        return [_article(r) for r in rows]

    def _passage_terms(
        self, where: str, params: Sequence[object]
    ) -> Iterator[tuple[int, list[str]]]:
        """Passages with their terms, rebuilt from the stored sentence terms."""
        rows = self._rows(_PASSAGE_TERMS + where + " ORDER BY p.id, s.position", params)
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
        """Every passage with its terms, ``batch`` passages read at a time. Inside
        :meth:`reading` the pages come from one state of the store."""
        last = -1
        while True:
            rows = self._rows(
                "SELECT MAX(id) AS hi FROM (SELECT id FROM passages WHERE id > %s ORDER BY id "
                "LIMIT %s) AS page",
                (last, batch),
            )
            high = rows[0]["hi"]
            if high is None:
                return
            yield from self._passage_terms("WHERE p.id > %s AND p.id <= %s", (last, high))
            last = high

    def passage_terms(self, article_id: str) -> list[tuple[int, list[str]]]:
        """Each of the article's passages as (id, the terms of its sentences): what the index
        holds for it."""
        return list(self._passage_terms("WHERE p.article_id = %s", (_clean(article_id),)))

    def passage_terms_by_id(self, ids: Sequence[int]) -> list[tuple[int, list[str]]]:
        """The stored passages among ``ids``, each with its terms."""
        if not ids:
            return []
        return list(self._passage_terms("WHERE p.id = ANY(%s::bigint[])", (list(ids),)))

    def changes_since(self, generation: int) -> Changes | None:
        """The passages that left and came after ``generation``, read in one snapshot of the
        store; None when the log does not reach back that far (the index must be rebuilt)."""
        with self.reading():
            current = self.generation()
            since = self._rows("SELECT value FROM meta WHERE key = 'changes_since'")
            if generation > current or not since or generation < int(since[0]["value"]):
                return None
            left: dict[int, list[str]] = {}
            came: set[int] = set()
            rows = self._rows(
                "SELECT passage_id, terms FROM changes WHERE generation > %s "
                "ORDER BY generation, seq",
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
            return Changes(current, list(left.items()), present)

    def passages(self, ids: Sequence[int]) -> list[PassageRow]:
        """The stored passages among ``ids`` (their article and sentence positions); ids not
        stored are left out."""
        if not ids:
            return []
        rows = self._rows(
            "SELECT * FROM passages WHERE id = ANY(%s::bigint[]) ORDER BY id", (list(ids),)
        )
        return [
            PassageRow(r["id"], r["article_id"], r["first_position"], r["last_position"])
            for r in rows
        ]

    def sentences(self, article_id: str, first: int, last: int) -> list[tuple[Sentence, list[str]]]:
        """The article's sentences at positions ``first`` to ``last``, in order, each with its
        terms."""
        rows = self._rows(
            "SELECT * FROM sentences WHERE article_id = %s AND position BETWEEN %s AND %s "
            "ORDER BY position",
            (_clean(article_id), first, last),
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
        """Sentences whose text contains any needle (case-insensitive, as ILIKE folds case:
        ASCII at least, as in SQLite, and more letters under a database's locale)."""
        patterns = [f"%{_clean(n)}%" for n in needles]
        if not patterns:
            return []
        rows = self._rows(
            "SELECT id, text FROM sentences WHERE text ILIKE ANY(%s::text[]) ORDER BY id",
            (patterns,),
        )
        return [(r["id"], r["text"]) for r in rows]

    def sentence_texts(self, batch: int = 10_000) -> Iterator[tuple[int, str]]:
        """Every sentence as (id, text), read in batches of ``batch``."""
        last = -1
        while True:
            rows = self._rows(
                "SELECT id, text FROM sentences WHERE id > %s ORDER BY id LIMIT %s",
                (last, batch),
            )
            if not rows:
                return
            for row in rows:
                yield row["id"], row["text"]
            last = rows[-1]["id"]

    def passages_of_sentences(self, sentence_ids: Sequence[int]) -> list[int]:
        """The passages holding any of the sentences, ascending."""
        if not sentence_ids:
            return []
        rows = self._rows(
            "SELECT DISTINCT p.id AS pid FROM passages p JOIN sentences s ON s.article_id = "
            "p.article_id AND s.position BETWEEN p.first_position AND p.last_position "
            "WHERE s.id = ANY(%s::bigint[]) ORDER BY p.id",
            (list(sentence_ids),),
        )
        return [r["pid"] for r in rows]

    def terms_version(self) -> int | None:
        """The analyzer version the stored terms were made with; None before any was
        recorded."""
        rows = self._rows("SELECT value FROM meta WHERE key = 'terms_version'")
        return int(rows[0]["value"]) if rows else None

    def learned_aliases(self) -> list[tuple[str, str]]:
        """The name pairs learned from articles' brackets, to add to the alias table at open."""
        rows = self._rows("SELECT form, other FROM aliases ORDER BY form, other")
        return [(r["form"], r["other"]) for r in rows]

    def paragraphs(self, article_id: str) -> list[str]:
        """An article's paragraphs rebuilt from its sentences and their offsets (a space per
        character between two sentences: the gaps were whitespace)."""
        paragraphs: dict[int, str] = {}
        for sentence, _ in self.sentences(article_id, 0, 1 << 62):
            text = paragraphs.get(sentence.paragraph, "")
            if sentence.start > len(text):
                text += " " * (sentence.start - len(text))
            paragraphs[sentence.paragraph] = text + sentence.text
        return [paragraphs[n] for n in sorted(paragraphs)]

    # -- writing (each call is one transaction) -------------------------------------------
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
            with self._writing("could not update the stored terms", bool(retermed)) as conn:
                row = conn.execute("SELECT value FROM meta WHERE key = 'terms_version'").fetchone()
                if (int(row[0]) if row else None) != expected:
                    raise _Late
                left = self._set_terms(conn, retermed)
                _log(conn, left, [pid for pid, _ in left])
                if version is not None:
                    conn.execute(
                        "INSERT INTO meta(key, value) VALUES ('terms_version', %s) "
                        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                        (str(version),),
                    )
                return True
        except _Late:  # rolled back: nothing written
            return False

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
        sentences their new terms), in one transaction; returns the new passage ids,
        ascending in the order of ``windows``.

        The change log learns what an index must do to follow (:meth:`changes_since`), as in
        the SQLite store. ``expected_generation`` is checked under the write lock.

        Raises:
            StoreChanged: another write came in after ``expected_generation``; nothing written.
            StoreError: the write failed; nothing written.
        """
        with self._writing("could not store the article", True) as conn:
            if expected_generation is not None and _generation(conn) != expected_generation:
                raise StoreChanged(
                    "the store changed while the article was being prepared",
                    path=self.location,
                )
            left = self.passage_terms(replace_id) if replace_id is not None else []
            if replace_id is not None:
                conn.execute("DELETE FROM articles WHERE id = %s", (replace_id,))
            conn.execute(
                "INSERT INTO articles(id, replace_key, title, source, url, lang, published, "
                "format, added_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
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
            # COPY: one round trip for the whole article, however many sentences.
            with (
                conn.cursor() as cur,
                cur.copy(
                    'COPY sentences (article_id, position, paragraph, start, "end", text, terms) '
                    "FROM STDIN"
                ) as copy,
            ):
                for s in sentences:
                    copy.write_row(
                        (article.id, s.position, s.paragraph, s.start, s.end, s.text,
                         " ".join(s.terms))
                    )  # fmt: skip
            ids = _new_passage_ids(conn, len(windows))
            if windows:
                with (
                    conn.cursor() as cur,
                    cur.copy(
                        "COPY passages (id, article_id, first_position, last_position) FROM STDIN"
                    ) as copy,
                ):
                    for pid, (first, last) in zip(ids, windows, strict=True):
                        copy.write_row((pid, article.id, first, last))
            if aliases:
                conn.execute(
                    "INSERT INTO aliases(form, other, article_id) SELECT f, o, %s "
                    "FROM unnest(%s::text[], %s::text[]) AS u(f, o) ON CONFLICT DO NOTHING",
                    (article.id, [a for a, _ in aliases], [b for _, b in aliases]),
                )
            reindexed = self._set_terms(conn, retermed)
            _log(conn, left + reindexed, [*(pid for pid, _ in reindexed), *ids])
            return ids

    def remove_article(self, article_id: str) -> None:
        """Delete an article; its passages are logged as leaving, with their stored terms.

        Raises:
            NotFound: no article has that id (nothing written).
        """
        with self._writing("could not remove the article", True) as conn:
            left = self.passage_terms(article_id)
            cur = conn.execute("DELETE FROM articles WHERE id = %s", (_clean(article_id),))
            if cur.rowcount == 0:
                raise NotFound(f"no article with id {article_id}", id=article_id)
            _log(conn, left, [])

    def _set_terms(
        self, conn: psycopg.Connection[Any], retermed: Sequence[tuple[int, Sequence[str]]]
    ) -> list[tuple[int, list[str]]]:
        """Inside a write: give sentences new terms; returns the passages holding them, with
        the terms they had before (the index holds them so), for the log."""
        if not retermed:
            return []
        before = self.passage_terms_by_id(self.passages_of_sentences([s for s, _ in retermed]))
        conn.execute(
            "UPDATE sentences s SET terms = u.terms "
            "FROM unnest(%s::bigint[], %s::text[]) AS u(id, terms) WHERE s.id = u.id",
            ([sid for sid, _ in retermed], [" ".join(terms) for _, terms in retermed]),
        )
        return before

    def forget_changes(self, upto: int) -> None:
        """Drop the log up to generation ``upto``: indexes older than that get rebuilt."""
        with self._writing("could not trim the change log", False) as conn:
            conn.execute("DELETE FROM changes WHERE generation <= %s", (upto,))
            conn.execute(
                "UPDATE meta SET value = GREATEST(value::bigint, %s)::text "
                "WHERE key = 'changes_since'",
                (upto,),
            )

    def backup(self, target: Path) -> NoReturn:
        """Always raises: citebot copies an SQLite store to a file, not a PostgreSQL database.

        Raises:
            StoreError: saying to use pg_dump (the whole database) or ``citebot export``.
        """
        raise StoreError(
            f"the knowledge base is in PostgreSQL ({self.location}): back it up with pg_dump, "
            "or with `citebot export`; nothing was written",
            path=str(target),
        )

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
            StoreError: it could not be written (a read-only store, the database out of
                reach, a question with a NUL character).
        """
        self._refuse_write()
        kept = _jsonb(to_dicts(quotes))
        with self._failing("could not log the question"), self._connection() as conn:
            row = conn.execute(
                "INSERT INTO questions(asked_at, chat_id, user_id, question, lang, found, answer) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s) RETURNING id",
                (now(), chat_id, user_id, question, lang, found, kept),
            ).fetchone()
            assert row is not None
            return int(row[0])

    def question_text(self, question_id: int) -> str:
        """The logged question's text; NotFound when no question has that id."""
        rows = self._rows("SELECT question FROM questions WHERE id = %s", (question_id,))
        if not rows:
            raise NotFound(f"no question with id {question_id}", id=question_id)
        return str(rows[0]["question"])

    def given_answer(self, question_id: int) -> GivenAnswer:
        """A logged question with the answer it got, as it was given.

        Raises:
            NotFound: no question has that id.
        """
        rows = self._rows(
            "SELECT id, question, lang, asked_at, found, answer FROM questions WHERE id = %s",
            (question_id,),
        )
        if not rows:
            raise NotFound(f"no question with id {question_id}", id=question_id)
        row = rows[0]
        given = from_dicts(row["answer"])
        found = bool(row["found"])
        return GivenAnswer(
            question_id=row["id"],
            question=row["question"],
            lang=_lang(row["lang"]),
            asked_at=row["asked_at"],
            found=found,
            quotes=given or (),
            kept=not found or given is not None,
        )

    def add_feedback(
        self, question_id: int, user_id: int, value: int, reason: str | None = None
    ) -> None:
        """One user's vote on a question, replacing their earlier one. A 👎 without a reason
        keeps the reason the user gave it before (the reason buttons come after the 👎); a 👍
        has none.

        Raises:
            StoreError: the store is read-only, no question has that id, or the write failed.
        """
        self._refuse_write()
        with self._failing("could not keep the vote"), self._connection() as conn:
            conn.execute(
                "INSERT INTO feedback(question_id, user_id, value, created_at, reason) "
                "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (question_id, user_id) DO UPDATE SET "
                "value = excluded.value, created_at = excluded.created_at, reason = CASE "
                "WHEN excluded.value > 0 THEN NULL "
                "ELSE COALESCE(excluded.reason, feedback.reason) END",
                (question_id, user_id, value, now(), reason if value < 0 else None),
            )

    def question_stats(self) -> dict[str, int]:
        """Questions logged, those answered, and the 👍 and 👎 given."""
        row = self._rows(
            "SELECT (SELECT COUNT(*) FROM questions) AS questions, "
            "(SELECT COUNT(*) FROM questions WHERE found) AS answered, "
            "(SELECT COUNT(*) FROM feedback WHERE value > 0) AS thumbs_up, "
            "(SELECT COUNT(*) FROM feedback WHERE value < 0) AS thumbs_down"
        )[0]
        return {key: int(row[key]) for key in ("questions", "answered", "thumbs_up", "thumbs_down")}

    def all_feedback(self) -> list[dict[str, object]]:
        """Every vote with its question, oldest vote first, for an export; ``answer`` is the
        quotes the question's answer gave (JSON-ready dicts), None when not kept."""
        rows = self._rows(
            "SELECT q.question, q.lang, q.found::int AS found, q.asked_at, q.chat_id, f.user_id, "
            "f.value, f.created_at, f.reason, q.answer "
            "FROM feedback f JOIN questions q ON q.id = f.question_id ORDER BY f.seq"
        )
        return [{**r, "answer": cleaned(r["answer"])} for r in rows]

    def declined_questions(self) -> list[dict[str, object]]:
        """The questions that were declined and got no vote (those with one come with their
        feedback), oldest first, for an export."""
        return self._rows(
            "SELECT q.question, q.lang, q.asked_at, q.chat_id, q.user_id FROM questions q "
            "WHERE NOT q.found AND NOT EXISTS (SELECT 1 FROM feedback f WHERE "
            "f.question_id = q.id) ORDER BY q.id"
        )

    def add_feedback_record(self, record: dict[str, object]) -> None:
        """Re-create a question with its feedback, as exported from another install."""
        with self._writing("could not import the feedback", True) as conn:
            row = conn.execute(
                "INSERT INTO questions(asked_at, chat_id, user_id, question, lang, found, answer) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s) RETURNING id",
                (
                    record["asked_at"],
                    record.get("chat_id"),
                    record["user_id"],
                    record["question"],
                    record["lang"],
                    bool(record["found"]),
                    _jsonb(imported(record.get("answer"))),
                ),
            ).fetchone()
            assert row is not None
            conn.execute(
                "INSERT INTO feedback(question_id, user_id, value, created_at, reason) "
                "VALUES (%s, %s, %s, %s, %s)",
                (
                    row[0],
                    record["user_id"],
                    record["value"],
                    record["created_at"],
                    record.get("reason"),
                ),
            )

    def add_question_record(self, record: dict[str, object]) -> None:
        """Re-create a declined question, as exported from another install."""
        with self._writing("could not import the question", False) as conn:
            conn.execute(
                "INSERT INTO questions(asked_at, chat_id, user_id, question, lang, found) "
                "VALUES (%s, %s, %s, %s, %s, false)",
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
        ISO 8601 time as the store writes them). Two reads that each stop at ``scan`` rows,
        as in the SQLite store, in one snapshot."""
        after = since or ""
        with self.reading():
            declined = self._rows(
                "SELECT id, question, lang, asked_at, found FROM questions "
                "WHERE NOT found AND asked_at >= %s ORDER BY id DESC LIMIT %s",
                (after, scan),
            )
            votes = {
                r["id"]: r
                for r in self._rows(
                    "SELECT question_id AS id, COUNT(*) AS down, MAX(created_at) AS voted_at, "
                    "string_agg(reason, ' ') AS reasons FROM feedback WHERE value < 0 "
                    "GROUP BY question_id HAVING MAX(created_at) >= %s "
                    "ORDER BY voted_at DESC LIMIT %s",
                    (after, scan),
                )
            }
            questions = {r["id"]: r for r in declined}
            wanted = [qid for qid in votes if qid not in questions]
            if wanted:
                questions.update(
                    (r["id"], r)
                    for r in self._rows(
                        "SELECT id, question, lang, asked_at, found FROM questions "
                        "WHERE id = ANY(%s::bigint[])",
                        (wanted,),
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
                    thumbs_down=int(vote["down"]) if vote else 0,
                    reasons=tuple((vote["reasons"] or "").split()) if vote else (),
                )
            )
        rows.sort(key=lambda r: (r.latest, r.question_id), reverse=True)
        return rows[:scan]

    def recent_feedback(self, limit: int = 20) -> list[dict[str, object]]:
        """The latest ``limit`` votes, newest first: the question, its language, the value, when."""
        return self._rows(
            "SELECT q.question, q.lang, f.value, f.created_at FROM feedback f JOIN questions q "
            "ON q.id = f.question_id ORDER BY f.created_at DESC, f.seq DESC LIMIT %s",
            (limit,),
        )

    # -- chat settings --------------------------------------------------------------------
    def chat_settings(self, chat_id: int) -> ChatSettings:
        """What the chat's admins set; the defaults for a chat that set nothing. A value this
        code does not know (written by a newer version) reads as its default."""
        rows = self._rows("SELECT answer, lang FROM chat_settings WHERE chat_id = %s", (chat_id,))
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
        self._refuse_write()
        with self._failing("could not keep the chat's settings"), self._connection() as conn:
            conn.execute(
                "INSERT INTO chat_settings(chat_id, answer, lang, changed_by, changed_at) "
                "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (chat_id) DO UPDATE SET "
                "answer = excluded.answer, lang = excluded.lang, "
                "changed_by = excluded.changed_by, changed_at = excluded.changed_at",
                (chat_id, settings.answer, settings.lang, user_id, now()),
            )


def _article(row: Row) -> Article:
    return Article(
        id=row["id"],
        title=row["title"],
        source=row["source"],
        url=row["url"],
        lang=row["lang"],
        published=row["published"],
        added_at=row["added_at"],
        passages=int(row["passages"]),
        sentences=int(row["sentences"]),
        format=row["format"],
    )


def _clean(text: str) -> str:
    """A key to look up, without NUL characters: PostgreSQL refuses them in text, and no
    stored id or key holds one, so the look-up finds nothing, as in SQLite."""
    return text.replace("\x00", "\ufffd")


def _generation(conn: psycopg.Connection[Any]) -> int:
    row = conn.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
    return int(row[0]) if row else 0


def _new_passage_ids(conn: psycopg.Connection[Any], count: int) -> list[int]:
    """``count`` new passage ids from the table's sequence, ascending."""
    if not count:
        return []
    rows = conn.execute(
        "SELECT nextval(pg_get_serial_sequence('passages', 'id')) FROM generate_series(1, %s)",
        (count,),
    ).fetchall()
    return sorted(int(r[0]) for r in rows)


def _log(
    conn: psycopg.Connection[Any],
    left: Sequence[tuple[int, Sequence[str]]],
    came: Sequence[int],
) -> None:
    """Inside a write: log the passages that left (with their terms) and those that came."""
    ids = [pid for pid, _ in left] + list(came)
    if not ids:
        return
    terms: list[str | None] = [" ".join(t) for _, t in left]
    conn.execute(_LOG_CHANGES, (ids, terms + [None] * len(came)))


def _lang(value: str) -> Lang:
    return value if value in ("en", "zh-Hans", "zh-Hant") else "en"  # type: ignore[return-value]


def _jsonb(value: list[dict[str, object]] | None) -> Jsonb | None:
    return None if value is None else Jsonb(value)
