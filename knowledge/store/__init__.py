"""SQLite storage of articles, sentences, passages, learned aliases, questions and feedback.

All SQL of the project lives in this package, behind the methods of :class:`Store`, so that a
PostgreSQL store for several replicas can take its place. ``Store`` is a façade: each method
hands the call to the one class that owns that part of the store, and every part runs its SQL
through the one :class:`~knowledge.store.database.Database` it is given.

    database.py   Database: the connection (writable or read-only), its lock, transactions,
                  SQLite errors as StoreError / DamagedStore
    schema.py     the tables: a new store made whole, an older one upgraded at open
    passages.py   Passages: passages and sentences read (terms, quotes, paragraphs)
    changelog.py  ChangeLog: the generation, and which passages each write took out or put in
    terms.py      Terms: stored sentences given new terms, the analyzer version they follow
    articles.py   Articles: articles read, and written whole (one transaction per article)
    questions.py  Questions: questions, the answers they got, 👍 / 👎, the gaps
    chats.py      Chats: each chat's settings
    deliveries.py Deliveries: which replica handles each webhook update, and which are done
    turns.py      Turns: shared sliding windows (Telegram's limits, shared by replicas)

Every ingest and removal is one transaction and bumps ``generation``; the change log lets an
index saved at an older generation catch up (:meth:`Store.changes_since`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import AbstractContextManager
from pathlib import Path

from knowledge.models import Article, ChatSettings, GivenAnswer, GivenQuote, PassageRow, Sentence
from knowledge.store.articles import Articles, NewSentence
from knowledge.store.changelog import ChangeLog, Changes
from knowledge.store.chats import Chats
from knowledge.store.database import Database
from knowledge.store.deliveries import Claim, Deliveries, claim_found
from knowledge.store.passages import Passages, by_range, sentence_with_terms
from knowledge.store.questions import GapRow, Questions
from knowledge.store.schema import now
from knowledge.store.terms import Terms
from knowledge.store.turns import Turn, Turns, Window

__all__ = [
    "Changes",
    "Claim",
    "GapRow",
    "NewSentence",
    "PassageRow",
    "Store",
    "Turn",
    "Window",
    "by_range",
    "claim_found",
    "now",
    "sentence_with_terms",
]


class Store:
    """One SQLite database file; thread-safe through one lock around one connection.

    A damaged file (malformed pages, undecodable text, a missing column, 0 bytes) raises
    DamagedStore, one line naming the file and what to do, wherever it is noticed. Each
    method's full contract is in the docstring of the part it hands the call to.
    """

    def __init__(self, path: Path) -> None:
        self._db = Database(path)
        self._passages = Passages(self._db)
        self._log = ChangeLog(self._db, self._passages)
        self._terms = Terms(self._db, self._passages, self._log)
        self._articles = Articles(self._db, self._passages, self._terms, self._log)
        self._questions = Questions(self._db)
        self._chats = Chats(self._db)
        self._deliveries = Deliveries(self._db)
        self._turns = Turns(self._db)

    # -- the file ---------------------------------------------------------------------------
    @property
    def path(self) -> Path:
        """The database file."""
        return self._db.path

    @property
    def location(self) -> str:
        """Where the store is, fit to show (the file's path): as ``PgStore.location``."""
        return str(self._db.path)

    @property
    def read_only(self) -> bool:
        """True when the store can be read but not written: every write raises StoreError."""
        return self._db.read_only

    @property
    def store_id(self) -> str:
        """The id the store was made with ("" for an older store opened read-only)."""
        return self._db.store_id

    def watch(self, callback: Callable[[], None]) -> bool:
        """Always False, ``callback`` never called: SQLite tells no one of a commit. Another
        process's writes are seen by this one's next question or write (which compare
        generations); ``PgStore.watch`` hears of them as they commit."""
        del callback
        return False

    def close(self) -> None:
        """Close the connection; the store is not used after this."""
        self._db.close()

    def transaction(self, *, bump: bool = True) -> AbstractContextManager[sqlite3.Connection]:
        """BEGIN IMMEDIATE ... COMMIT, rolled back whole on any exception; bumps the generation
        unless ``bump`` is false."""
        return self._db.transaction(bump=bump)

    def reading(self) -> AbstractContextManager[None]:
        """One read transaction: every read inside sees the same state of the store."""
        return self._db.reading()

    def backup(self, target: Path) -> None:
        """A consistent copy of the database in ``target`` (a new, empty file)."""
        self._db.backup(target)

    # -- the change log and the terms ---------------------------------------------------------
    def generation(self) -> int:
        """The number of the last write that changed what the index holds (0 for a new store)."""
        return self._log.generation()

    def changes_since(self, generation: int) -> Changes | None:
        """The passages that left and came after ``generation``; None when the log does not
        reach back that far."""
        return self._log.changes_since(generation)

    def forget_changes(self, upto: int) -> None:
        """Drop the log up to generation ``upto``: indexes older than that get rebuilt."""
        self._log.forget_changes(upto)

    def terms_version(self) -> int | None:
        """The analyzer version the stored terms were made with; None when not recorded."""
        return self._terms.terms_version()

    def reterm(
        self,
        retermed: Sequence[tuple[int, Sequence[str]]],
        version: int | None,
        *,
        expected: int | None,
    ) -> bool:
        """Give sentences new terms and record ``version``, in one transaction; False, and
        nothing written, when the stored version is no longer ``expected``."""
        return self._terms.reterm(retermed, version, expected=expected)

    # -- articles -----------------------------------------------------------------------------
    def article_count(self) -> int:
        """How many articles are stored."""
        return self._articles.article_count()

    def counts(self) -> dict[str, int]:
        """Articles, passages and sentences stored."""
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
        """The name pairs learned from articles' brackets."""
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
        passage ids. StoreChanged when another write came in after ``expected_generation``."""
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
        """Delete an article; its passages are logged as leaving, with their stored terms."""
        self._articles.remove_article(article_id)

    # -- passages and sentences ---------------------------------------------------------------
    def all_passage_terms(self, batch: int = 20_000) -> Iterator[tuple[int, list[str]]]:
        """Every passage with its terms, ``batch`` passages read at a time."""
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
        """Sentences whose text contains any needle (case-insensitive for ASCII)."""
        return self._passages.sentences_like(needles)

    def sentence_texts(self, batch: int = 10_000) -> Iterator[tuple[int, str]]:
        """Every sentence as (id, text), read in batches."""
        return self._passages.sentence_texts(batch)

    def paragraphs(self, article_id: str) -> list[str]:
        """An article's paragraphs rebuilt from its sentences and their offsets."""
        return self._passages.paragraphs(article_id)

    # -- questions and feedback ---------------------------------------------------------------
    def log_question(
        self,
        question: str,
        lang: str,
        found: bool,
        chat_id: int | None,
        user_id: int | None,
        quotes: Sequence[GivenQuote] = (),
    ) -> int:
        """The id the question is kept under; StoreError when it could not be written."""
        return self._questions.log_question(question, lang, found, chat_id, user_id, quotes)

    def question_text(self, question_id: int) -> str:
        """The logged question's text; NotFound when no question has that id."""
        return self._questions.question_text(question_id)

    def given_answer(self, question_id: int) -> GivenAnswer:
        """A logged question with the answer it got; NotFound when no question has that id."""
        return self._questions.given_answer(question_id)

    def add_feedback(
        self, question_id: int, user_id: int, value: int, reason: str | None = None
    ) -> None:
        """One user's vote on a question, replacing their earlier one."""
        self._questions.add_feedback(question_id, user_id, value, reason)

    def question_stats(self) -> dict[str, int]:
        """Questions logged, those answered, and the 👍 and 👎 given."""
        return self._questions.question_stats()

    def all_feedback(self) -> list[dict[str, object]]:
        """Every vote with its question and the answer it got, for an export."""
        return self._questions.all_feedback()

    def declined_questions(self) -> list[dict[str, object]]:
        """The declined questions that got no vote, oldest first, for an export."""
        return self._questions.declined_questions()

    def add_feedback_record(self, record: dict[str, object]) -> None:
        """Re-create a question with its feedback, as exported from another install."""
        self._questions.add_feedback_record(record)

    def add_question_record(self, record: dict[str, object]) -> None:
        """Re-create a declined question, as exported from another install."""
        self._questions.add_question_record(record)

    def gap_rows(self, since: str | None = None, scan: int = 10_000) -> list[GapRow]:
        """The questions that were declined or voted 👎, latest first, at most ``scan``."""
        return self._questions.gap_rows(since, scan)

    def recent_feedback(self, limit: int = 20) -> list[dict[str, object]]:
        """The latest ``limit`` votes, newest first."""
        return self._questions.recent_feedback(limit)

    # -- chat settings ------------------------------------------------------------------------
    def chat_settings(self, chat_id: int) -> ChatSettings:
        """What the chat's admins set; the defaults for a chat that set nothing."""
        return self._chats.chat_settings(chat_id)

    def set_chat_settings(self, chat_id: int, settings: ChatSettings, user_id: int | None) -> None:
        """Keep ``settings`` for ``chat_id``; StoreError when the store is read-only."""
        self._chats.set_chat_settings(chat_id, settings, user_id)

    # -- what replicas share: webhook updates, rate-limit turns -------------------------------
    def claim_update(self, bot_id: int, update_id: int, owner: str, lease: float) -> Claim:
        """Claim an update for ``owner`` for ``lease`` seconds: "claimed" or "taken_over"
        (handle it), "finished" or "busy" (do not); StoreError when it cannot be written."""
        return self._deliveries.claim_update(bot_id, update_id, owner, lease)

    def renew_claims(
        self, bot_id: int, update_ids: Sequence[int], owner: str, lease: float
    ) -> None:
        """``owner``'s unfinished claims on ``update_ids`` hold ``lease`` seconds from now."""
        self._deliveries.renew_claims(bot_id, update_ids, owner, lease)

    def finish_update(self, bot_id: int, update_id: int, owner: str) -> None:
        """The update was handled: later deliveries of it are "finished"."""
        self._deliveries.finish_update(bot_id, update_id, owner)

    def take_turn(self, windows: Sequence[Window]) -> Turn:
        """A turn in every window (key, limit, seconds) at once if each has room by every
        process's count, else none and how long until all have room."""
        return self._turns.take_turn(windows)

    def forget_shared(self, kept: float) -> int:
        """Drop the updates claimed, and the turn keys last used, over ``kept`` seconds ago;
        how many rows were dropped."""
        return self._deliveries.forget_deliveries(kept) + self._turns.forget_turns(kept)
