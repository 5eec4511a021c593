"""PostgreSQL storage of articles, sentences, passages, aliases, questions and feedback.

``PgStore`` has the public methods of the SQLite ``knowledge.store.Store``, with the same
arguments and results, so that several replicas on several machines can share one knowledge
base; tests/knowledge/test_store_contract.py runs one suite against both. ``PgStore`` is a
façade, as ``Store`` is: each method hands the call to the part that owns it, and every part
runs its SQL through the one :class:`~knowledge.pgstore.connection.Database` it is given.

    connection.py  Database: the pool, the connection a thread holds, the write lock
    schema.py      the tables: made whole, or upgraded at open
    passages.py    Passages: passages and sentences read (terms, quotes, paragraphs)
    changelog.py   ChangeLog: the generation, and which passages each write took out or put in
    terms.py       Terms: stored sentences given new terms, the analyzer version they follow
    articles.py    Articles: articles read, and written whole (one transaction per article)
    questions.py   questions, the answers they got, votes, the gaps, chat settings
    deliveries.py  which replica handles each webhook update; turns of shared rate limits
    listener.py    ChangeListener: other replicas' commits heard as they happen (``watch``)

What differs from SQLite:

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

from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn

from knowledge.errors import StoreError
from knowledge.models import Article, ChatSettings, GivenAnswer, GivenQuote, Sentence
from knowledge.pgstore import deliveries, questions
from knowledge.pgstore.articles import Articles
from knowledge.pgstore.changelog import ChangeLog
from knowledge.pgstore.connection import Connection, Database
from knowledge.pgstore.listener import ChangeListener
from knowledge.pgstore.passages import Passages
from knowledge.pgstore.terms import Terms
from knowledge.store import Changes, Claim, GapRow, NewSentence, PassageRow, Turn, Window


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
        self._passages = Passages(self._db)
        self._log = ChangeLog(self._db, self._passages)
        self._terms = Terms(self._db, self._passages)
        self._articles = Articles(self._db, self._passages, self._terms)
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

    @property
    def listener(self) -> ChangeListener | None:
        """The listener :meth:`watch` started (its ``listening`` event is set once it hears
        commits), None before ``watch`` or on a read-only database."""
        return self._listener

    def close(self) -> None:
        """Close the pool's connections (and stop the listener ``watch`` started); the store
        is not used after this."""
        if self._listener is not None:
            self._listener.close()
        self._db.close()

    # -- the change log and the terms (changelog.py, terms.py) ---------------------------
    def generation(self) -> int:
        """The number of the last write that changed what the index holds (0 for a new store):
        an index built or caught up at this generation is current."""
        return self._log.generation()

    def changes_since(self, generation: int) -> Changes | None:
        """The passages that left and came after ``generation``, read in one snapshot of the
        store; None when the log does not reach back that far (the index must be rebuilt)."""
        return self._log.changes_since(generation)

    def forget_changes(self, upto: int) -> None:
        """Drop the log up to generation ``upto``: indexes older than that get rebuilt."""
        self._log.forget_changes(upto)

    def terms_version(self) -> int | None:
        """The analyzer version the stored terms were made with; None before any was
        recorded."""
        return self._terms.terms_version()

    def reterm(
        self,
        retermed: Sequence[tuple[int, Sequence[str]]],
        version: int | None,
        *,
        expected: int | None,
    ) -> bool:
        """Give sentences new terms and record ``version`` (unless None), in one transaction;
        False, and nothing written, when the stored version is no longer ``expected``."""
        return self._terms.reterm(retermed, version, expected=expected)

    # -- articles (articles.py) -----------------------------------------------------------
    def article_count(self) -> int:
        """How many articles are stored."""
        return self._articles.article_count()

    def counts(self) -> dict[str, int]:
        """Articles, passages and sentences, counted by SQL rather than by listing."""
        return self._articles.counts()

    def article(self, article_id: str) -> Article:
        """The article with this full id; NotFound when there is none."""
        return self._articles.article(article_id)

    def articles(self, ids: Collection[str], *, counted: bool = True) -> dict[str, Article]:
        """The stored articles among ``ids``, by id, read at once; ids not stored are left out.
        ``counted=False`` leaves their passages and sentences at 0, sparing the counts."""
        return self._articles.articles(ids, counted=counted)

    def find_article(self, article_id: str) -> Article | None:
        """The article with this full id, None when there is none."""
        return self._articles.find_article(article_id)

    def find_by_replace_key(self, key: str) -> Article | None:
        """The stored article a new one with this key replaces, None when there is none."""
        return self._articles.find_by_replace_key(key)

    def resolve_id(self, prefix: str) -> str:
        """A full article id from an unambiguous prefix; AmbiguousId or NotFound otherwise."""
        return self._articles.resolve_id(prefix)

    def list_articles(self, offset: int = 0, limit: int = 1000) -> list[Article]:
        """Up to ``limit`` articles after the first ``offset``, oldest added first."""
        return self._articles.list_articles(offset, limit)

    def learned_aliases(self) -> list[tuple[str, str]]:
        """The name pairs learned from articles' brackets, to add to the alias table at open."""
        return self._articles.learned_aliases()

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
        """Insert an article whole, in one transaction with the change log; returns the new
        passage ids. StoreChanged when another write came in after ``expected_generation``
        (checked under the write lock)."""
        return self._articles.add_article(
            article,
            replace_key,
            sentences,
            windows,
            aliases,
            replace_id,
            retermed,
            expected_generation,
        )

    def remove_article(self, article_id: str) -> None:
        """Delete an article; its passages are logged as leaving, with their stored terms.
        NotFound when no article has that id."""
        self._articles.remove_article(article_id)

    # -- passages and sentences (passages.py) ---------------------------------------------
    def all_passage_terms(self, batch: int = 20_000) -> Iterator[tuple[int, list[str]]]:
        """Every passage with its terms, ``batch`` passages read at a time. Inside
        :meth:`reading` the pages come from one state of the store."""
        return self._passages.all_passage_terms(batch)

    def passage_terms(self, article_id: str) -> list[tuple[int, list[str]]]:
        """Each of the article's passages as (id, the terms of its sentences)."""
        return self._passages.passage_terms(article_id)

    def passage_terms_by_id(self, ids: Sequence[int]) -> list[tuple[int, list[str]]]:
        """The stored passages among ``ids``, each with its terms."""
        return self._passages.passage_terms_by_id(ids)

    def passages(self, ids: Sequence[int]) -> list[PassageRow]:
        """The stored passages among ``ids``; ids not stored are left out."""
        return self._passages.passages(ids)

    def passages_of_articles(self, article_ids: Collection[str]) -> dict[str, list[int]]:
        """The ids of each stored article's passages, ascending; an article not stored is left
        out."""
        return self._passages.passages_of_articles(article_ids)

    def passages_of_sentences(self, sentence_ids: Sequence[int]) -> list[int]:
        """The passages holding any of the sentences, ascending."""
        return self._passages.passages_of_sentences(sentence_ids)

    def sentences(self, article_id: str, first: int, last: int) -> list[tuple[Sentence, list[str]]]:
        """The article's sentences at positions ``first`` to ``last``, each with its terms."""
        return self._passages.sentences(article_id, first, last)

    def sentences_in(
        self, ranges: Sequence[tuple[str, int, int]]
    ) -> list[list[tuple[Sentence, list[str]]]]:
        """For each (article id, first, last) of ``ranges``, what :meth:`sentences` gives for
        it, read at once."""
        return self._passages.sentences_in(ranges)

    def sentences_like(self, needles: Sequence[str]) -> list[tuple[int, str]]:
        """Sentences whose text contains any needle (case-insensitive: ILIKE)."""
        return self._passages.sentences_like(needles)

    def sentence_texts(self, batch: int = 10_000) -> Iterator[tuple[int, str]]:
        """Every sentence as (id, text), read in batches of ``batch``."""
        return self._passages.sentence_texts(batch)

    def paragraphs(self, article_id: str) -> list[str]:
        """An article's paragraphs rebuilt from its sentences and their offsets."""
        return self._passages.paragraphs(article_id)

    # -- backups ----------------------------------------------------------------------------
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

    # -- what replicas share: webhook updates, rate-limit turns (deliveries.py) -----------
    def claim_update(self, bot_id: int, update_id: int, owner: str, lease: float) -> Claim:
        """Claim an update for ``owner`` for ``lease`` seconds (by the database's clock):
        "claimed" or "taken_over" (handle it), "finished" or "busy" (do not)."""
        return deliveries.claim_update(self._db, bot_id, update_id, owner, lease)

    def renew_claims(
        self, bot_id: int, update_ids: Sequence[int], owner: str, lease: float
    ) -> None:
        """``owner``'s unfinished claims on ``update_ids`` hold ``lease`` seconds from now."""
        deliveries.renew_claims(self._db, bot_id, update_ids, owner, lease)

    def finish_update(self, bot_id: int, update_id: int, owner: str) -> None:
        """The update was handled: later deliveries of it are "finished"."""
        deliveries.finish_update(self._db, bot_id, update_id, owner)

    def take_turn(self, windows: Sequence[Window]) -> Turn:
        """A turn in every window (key, limit, seconds) at once if each has room by every
        replica's count, else none and how long until all have room."""
        return deliveries.take_turn(self._db, windows)

    def forget_shared(self, kept: float) -> int:
        """Drop the updates claimed, and the turn keys last used, over ``kept`` seconds ago."""
        return deliveries.forget_shared(self._db, kept)
