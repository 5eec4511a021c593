"""PostgreSQL storage of articles, sentences, passages, aliases, questions and feedback.

``PgStore`` has the public methods of the SQLite ``knowledge.store.Store``, with the same
arguments and results, so that several replicas on several machines can share one knowledge
base; tests/knowledge/test_store_contract.py runs one suite against both. Questions, votes and
chat settings are in knowledge/pgstore/questions.py, the tables in schema.py. What differs:

- Connections come from a pool (knowledge/pgstore/connection.py), so threads do not queue
  behind one lock.
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
- ``watch`` hears of other replicas' writes as they commit (LISTEN/NOTIFY, listener.py), so
  that an idle replica's index follows without waiting for a question; SQLite has no such
  thing and its ``watch`` says so.
- ``read_only`` is true on a hot standby or a read-only role (``default_transaction_read_only``):
  questions are answered, nothing is logged, writes raise StoreError.
- Text may not contain NUL characters (PostgreSQL refuses them): such an article or question is
  refused whole with a StoreError.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn

from knowledge.errors import AmbiguousId, NotFound, StoreChanged, StoreError
from knowledge.models import Article, ChatSettings, GivenAnswer, GivenQuote, Sentence
from knowledge.pgstore import questions
from knowledge.pgstore.connection import Connection, Database, Row
from knowledge.pgstore.listener import ChangeListener
from knowledge.store import Changes, GapRow, NewSentence, PassageRow
from knowledge.text import paragraph_text

# Ids an ambiguous prefix lists (as the SQLite store does).
_AMBIGUOUS_SHOWN = 10
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


class _Late(Exception):
    """Another process recorded a terms version first (rolls the transaction back)."""


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
        self._db = Database(url, pool_size=pool_size, connect_timeout=connect_timeout)
        self._url = url  # for the listener's connection, opened by ``watch``
        self._connect_timeout = connect_timeout
        self._listener: ChangeListener | None = None
        self.location = self._db.location
        # Not a file: read-ahead and file backups do not apply (see the module docstring).
        self.path: Path | None = None
        self.read_only: bool = self._db.read_only
        self.store_id: str = self._db.store_id

    @contextmanager
    def transaction(self, *, bump: bool = True) -> Iterator[Connection]:
        """One write transaction, rolled back whole on any exception, with the other writers
        of this database waiting for it; bumps the generation (unless ``bump`` is false: a
        write that changes nothing the index holds). The connection it gives speaks
        PostgreSQL's SQL, with ``%s`` placeholders.

        Raises:
            StoreError: the store is read-only, or the write failed (nothing is written).
        """
        with self._db.writing("could not write the store", bump=bump) as conn:
            yield conn

    @contextmanager
    def reading(self) -> Iterator[None]:
        """One read transaction: every read inside sees the same state of the store, whatever
        other processes commit meanwhile (REPEATABLE READ). Other threads are not held up."""
        with self._db.reading():
            yield

    def watch(self, callback: Callable[[], None]) -> bool:
        """Have ``callback`` called, on a thread of the store's, soon after any process (this
        one too) commits a write that moves the generation, and after a lost connection to
        the database comes back (writes may have been missed); True once that is arranged.
        A write announces itself in its own transaction (NOTIFY), heard through a connection
        of the listener's own (LISTEN, knowledge/pgstore/listener.py). False, and nothing
        arranged, on a read-only database (a hot standby cannot LISTEN): there, as with
        SQLite, the next question or write looks for other processes' writes itself.

        One callback per store: a second call replaces the first.
        """
        if self.read_only:
            return False
        if self._listener is not None:
            self._listener.close()
        self._listener = ChangeListener(
            self._url,
            self._db.channel,
            callback,
            describe=self._db.error,
            connect_timeout=self._connect_timeout,
        )
        return True

    def close(self) -> None:
        """Close the pool's connections (and stop the listener ``watch`` started); the store
        is not used after this."""
        if self._listener is not None:
            self._listener.close()
        self._db.close()

    # -- reading --------------------------------------------------------------------------
    def generation(self) -> int:
        """The number of the last write that changed what the index holds (0 for a new store):
        an index built or caught up at this generation is current."""
        rows = self._db.rows("SELECT value FROM meta WHERE key = 'generation'")
        return int(rows[0]["value"]) if rows else 0

    def article_count(self) -> int:
        """How many articles are stored."""
        return int(self._db.rows("SELECT COUNT(*) AS n FROM articles")[0]["n"])

    def counts(self) -> dict[str, int]:
        """Articles, passages and sentences, counted by SQL rather than by listing."""
        row = self._db.rows(
            "SELECT (SELECT COUNT(*) FROM articles) AS articles, "
            "(SELECT COUNT(*) FROM passages) AS passages, "
            "(SELECT COUNT(*) FROM sentences) AS sentences"
        )[0]
        return {key: int(row[key]) for key in ("articles", "passages", "sentences")}

    def article(self, article_id: str) -> Article:
        """The article with this full id; NotFound when there is none."""
        rows = self._db.rows(_ARTICLE_SELECT + "WHERE a.id = %s", (_clean(article_id),))
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
        rows = self._db.rows(_ARTICLE_SELECT + "WHERE a.replace_key = %s", (_clean(key),))
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
        rows = self._db.rows(
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
        rows = self._db.rows(
            _ARTICLE_SELECT + 'ORDER BY a.added_at, a.title COLLATE "C" LIMIT %s OFFSET %s',
            (limit, offset),
        )
        return [_article(r) for r in rows]

    def _passage_terms(self, where: str, params: Sequence[object]) -> list[tuple[int, list[str]]]:
        """The passages ``where`` selects (on ``passages p``), each with the terms of its
        sentences in order, by id; a passage with no sentence is left out.

        Two reads in one snapshot, joined here, rather than one join of passages to the
        sentences in their range: the planner hashes that join on the article and filters
        every pair of an article's passages and sentences (40,000 rows out of 4 million at
        20,000 passages), and after a bulk ingest its statistics are too stale to know better.
        """
        with self._db.reading():
            passages = self._db.rows(
                "SELECT p.id, p.article_id, p.first_position, p.last_position FROM passages p "
                + where
                + " ORDER BY p.id",
                params,
            )
            if not passages:
                return []
            articles = sorted({p["article_id"] for p in passages})
            sentences: dict[str, tuple[list[int], list[str]]] = {}
            for row in self._db.rows(
                "SELECT article_id, position, terms FROM sentences "
                "WHERE article_id = ANY(%s::text[]) ORDER BY article_id, position",
                (articles,),
            ):
                positions, terms = sentences.setdefault(row["article_id"], ([], []))
                positions.append(row["position"])
                terms.append(row["terms"])
        out: list[tuple[int, list[str]]] = []
        for p in passages:
            positions, texts = sentences.get(p["article_id"], ([], []))
            lo = bisect.bisect_left(positions, p["first_position"])
            hi = bisect.bisect_right(positions, p["last_position"])
            if lo < hi:
                out.append((p["id"], " ".join(texts[lo:hi]).split()))
        return out

    def all_passage_terms(self, batch: int = 20_000) -> Iterator[tuple[int, list[str]]]:
        """Every passage with its terms, ``batch`` passages read at a time. Inside
        :meth:`reading` the pages come from one state of the store."""
        last = -1
        while True:
            rows = self._db.rows(
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
        return self._passage_terms("WHERE p.article_id = %s", (_clean(article_id),))

    def passage_terms_by_id(self, ids: Sequence[int]) -> list[tuple[int, list[str]]]:
        """The stored passages among ``ids``, each with its terms."""
        if not ids:
            return []
        return self._passage_terms("WHERE p.id = ANY(%s::bigint[])", (list(ids),))

    def changes_since(self, generation: int) -> Changes | None:
        """The passages that left and came after ``generation``, read in one snapshot of the
        store; None when the log does not reach back that far (the index must be rebuilt)."""
        with self.reading():
            current = self.generation()
            since = self._db.rows("SELECT value FROM meta WHERE key = 'changes_since'")
            if generation > current or not since or generation < int(since[0]["value"]):
                return None
            left: dict[int, list[str]] = {}
            came: set[int] = set()
            rows = self._db.rows(
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
        rows = self._db.rows(
            "SELECT * FROM passages WHERE id = ANY(%s::bigint[]) ORDER BY id", (list(ids),)
        )
        return [
            PassageRow(r["id"], r["article_id"], r["first_position"], r["last_position"])
            for r in rows
        ]

    def sentences(self, article_id: str, first: int, last: int) -> list[tuple[Sentence, list[str]]]:
        """The article's sentences at positions ``first`` to ``last``, in order, each with its
        terms."""
        rows = self._db.rows(
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
        rows = self._db.rows(
            "SELECT id, text FROM sentences WHERE text ILIKE ANY(%s::text[]) ORDER BY id",
            (patterns,),
        )
        return [(r["id"], r["text"]) for r in rows]

    def sentence_texts(self, batch: int = 10_000) -> Iterator[tuple[int, str]]:
        """Every sentence as (id, text), read in batches of ``batch``."""
        last = -1
        while True:
            rows = self._db.rows(
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
        rows = self._db.rows(
            "SELECT DISTINCT p.id AS pid FROM passages p JOIN sentences s ON s.article_id = "
            "p.article_id AND s.position BETWEEN p.first_position AND p.last_position "
            "WHERE s.id = ANY(%s::bigint[]) ORDER BY p.id",
            (list(sentence_ids),),
        )
        return [r["pid"] for r in rows]

    def terms_version(self) -> int | None:
        """The analyzer version the stored terms were made with; None before any was
        recorded."""
        rows = self._db.rows("SELECT value FROM meta WHERE key = 'terms_version'")
        return int(rows[0]["value"]) if rows else None

    def learned_aliases(self) -> list[tuple[str, str]]:
        """The name pairs learned from articles' brackets, to add to the alias table at open."""
        rows = self._db.rows("SELECT form, other FROM aliases ORDER BY form, other")
        return [(r["form"], r["other"]) for r in rows]

    def paragraphs(self, article_id: str) -> list[str]:
        """An article's paragraphs rebuilt from its sentences and their offsets (a space per
        character between two sentences: the gaps were whitespace)."""
        by_number: dict[int, list[Sentence]] = {}
        for sentence, _ in self.sentences(article_id, 0, 1 << 62):
            by_number.setdefault(sentence.paragraph, []).append(sentence)
        return [paragraph_text(by_number[n]) for n in sorted(by_number)]

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
            with self._db.writing("could not update the stored terms", bump=bool(retermed)) as conn:
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
        with self._db.writing("could not store the article", bump=True) as conn:
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
        with self._db.writing("could not remove the article", bump=True) as conn:
            left = self.passage_terms(article_id)
            cur = conn.execute("DELETE FROM articles WHERE id = %s", (_clean(article_id),))
            if cur.rowcount == 0:
                raise NotFound(f"no article with id {article_id}", id=article_id)
            _log(conn, left, [])

    def _set_terms(
        self, conn: Connection, retermed: Sequence[tuple[int, Sequence[str]]]
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
        with self._db.writing("could not trim the change log", bump=False) as conn:
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
            "or with `citebot export`",
            path=str(target),
        )

    # -- questions, feedback and chat settings (knowledge/pgstore/questions.py) -----------
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
        return questions.log_question(self._db, question, lang, found, chat_id, user_id, quotes)

    def question_text(self, question_id: int) -> str:
        """The logged question's text; NotFound when no question has that id."""
        return questions.question_text(self._db, question_id)

    def given_answer(self, question_id: int) -> GivenAnswer:
        """A logged question with the answer it got, as it was given; NotFound when no
        question has that id."""
        return questions.given_answer(self._db, question_id)

    def add_feedback(
        self, question_id: int, user_id: int, value: int, reason: str | None = None
    ) -> None:
        """One user's vote on a question, replacing their earlier one. A 👎 without a reason
        keeps the reason the user gave it before; a 👍 has none.

        Raises:
            StoreError: the store is read-only, no question has that id, or the write failed.
        """
        questions.add_feedback(self._db, question_id, user_id, value, reason)

    def question_stats(self) -> dict[str, int]:
        """Questions logged, those answered, and the 👍 and 👎 given."""
        return questions.question_stats(self._db)

    def all_feedback(self) -> list[dict[str, object]]:
        """Every vote with its question, oldest vote first, for an export."""
        return questions.all_feedback(self._db)

    def declined_questions(self) -> list[dict[str, object]]:
        """The questions that were declined and got no vote, oldest first, for an export."""
        return questions.declined_questions(self._db)

    def add_feedback_record(self, record: dict[str, object]) -> None:
        """Re-create a question with its feedback, as exported from another install."""
        questions.add_feedback_record(self._db, record)

    def add_question_record(self, record: dict[str, object]) -> None:
        """Re-create a declined question, as exported from another install."""
        questions.add_question_record(self._db, record)

    def gap_rows(self, since: str | None = None, scan: int = 10_000) -> list[GapRow]:
        """The questions that were declined or voted 👎, latest first, at most ``scan`` of
        them, none older than ``since``."""
        return questions.gap_rows(self._db, since, scan)

    def recent_feedback(self, limit: int = 20) -> list[dict[str, object]]:
        """The latest ``limit`` votes, newest first: the question, its language, the value, when."""
        return questions.recent_feedback(self._db, limit)

    def chat_settings(self, chat_id: int) -> ChatSettings:
        """What the chat's admins set; the defaults for a chat that set nothing."""
        return questions.chat_settings(self._db, chat_id)

    def set_chat_settings(self, chat_id: int, settings: ChatSettings, user_id: int | None) -> None:
        """Keep ``settings`` for ``chat_id`` (who changed them last, and when).

        Raises:
            StoreError: the store is read-only, or the write failed.
        """
        questions.set_chat_settings(self._db, chat_id, settings, user_id)


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


def _generation(conn: Connection) -> int:
    row = conn.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
    return int(row[0]) if row else 0


def _new_passage_ids(conn: Connection, count: int) -> list[int]:
    """``count`` new passage ids from the table's sequence, ascending."""
    if not count:
        return []
    rows = conn.execute(
        "SELECT nextval(pg_get_serial_sequence('passages', 'id')) FROM generate_series(1, %s)",
        (count,),
    ).fetchall()
    return sorted(int(r[0]) for r in rows)


def _log(
    conn: Connection,
    left: Sequence[tuple[int, Sequence[str]]],
    came: Sequence[int],
) -> None:
    """Inside a write: log the passages that left (with their terms) and those that came."""
    ids = [pid for pid, _ in left] + list(came)
    if not ids:
        return
    terms: list[str | None] = [" ".join(t) for _, t in left]
    conn.execute(_LOG_CHANGES, (ids, terms + [None] * len(came)))
