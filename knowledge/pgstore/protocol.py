"""What the rest of the knowledge base may ask of a store, written once.

``knowledge.store.Store`` (SQLite, the default) and ``knowledge.pgstore.store.PgStore``
(PostgreSQL, for replicas) both satisfy ``KnowledgeStore``; code that takes either annotates
with it instead of one of the two classes. mypy checks here that both still fit, so a method
added to one store and not the other fails the type check. The docstrings of ``Store`` say
what each method gives; tests/knowledge/test_store_contract.py checks that both give it.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from knowledge.models import Article, ChatSettings, GivenAnswer, GivenQuote, Sentence
from knowledge.store import Changes, Claim, GapRow, NewSentence, PassageRow, Turn, Window

if TYPE_CHECKING:
    from knowledge.pgstore.store import PgStore
    from knowledge.store import Store


class KnowledgeStore(Protocol):
    """Articles, passages, the change log, aliases, questions, feedback and chat settings;
    and what the bot's replicas share: the webhook updates claimed, the rate-limit turns."""

    @property
    def path(self) -> Path | None:
        """The store's file; None for a store that is no file (PostgreSQL)."""

    @property
    def location(self) -> str:
        """Where the store is, fit to show: the file's path, or the database's URL without
        its password."""

    @property
    def read_only(self) -> bool: ...

    @property
    def store_id(self) -> str: ...

    def close(self) -> None: ...

    def watch(self, callback: Callable[[], None]) -> bool: ...

    def transaction(self, *, bump: bool = True) -> AbstractContextManager[Any]: ...

    def reading(self) -> AbstractContextManager[None]: ...

    # -- reading --------------------------------------------------------------------------
    def generation(self) -> int: ...

    def article_count(self) -> int: ...

    def counts(self) -> dict[str, int]: ...

    def article(self, article_id: str) -> Article: ...

    def articles(self, ids: Collection[str], *, counted: bool = True) -> dict[str, Article]: ...

    def find_article(self, article_id: str) -> Article | None: ...

    def find_by_replace_key(self, key: str) -> Article | None: ...

    def resolve_id(self, prefix: str) -> str: ...

    def list_articles(self, offset: int = 0, limit: int = 1000) -> list[Article]: ...

    def all_passage_terms(self, batch: int = 20_000) -> Iterator[tuple[int, list[str]]]: ...

    def passage_terms(self, article_id: str) -> list[tuple[int, list[str]]]: ...

    def passage_terms_by_id(self, ids: Sequence[int]) -> list[tuple[int, list[str]]]: ...

    def changes_since(self, generation: int) -> Changes | None: ...

    def passages(self, ids: Sequence[int]) -> list[PassageRow]: ...

    def sentences(
        self, article_id: str, first: int, last: int
    ) -> list[tuple[Sentence, list[str]]]: ...

    def sentences_in(
        self, ranges: Sequence[tuple[str, int, int]]
    ) -> list[list[tuple[Sentence, list[str]]]]: ...

    def sentences_like(self, needles: Sequence[str]) -> list[tuple[int, str]]: ...

    def sentence_texts(self, batch: int = 10_000) -> Iterator[tuple[int, str]]: ...

    def passages_of_articles(self, article_ids: Collection[str]) -> dict[str, list[int]]: ...

    def passages_of_sentences(self, sentence_ids: Sequence[int]) -> list[int]: ...

    def terms_version(self) -> int | None: ...

    def learned_aliases(self) -> list[tuple[str, str]]: ...

    def paragraphs(self, article_id: str) -> list[str]: ...

    # -- writing --------------------------------------------------------------------------
    def reterm(
        self,
        retermed: Sequence[tuple[int, Sequence[str]]],
        version: int | None,
        *,
        expected: int | None,
    ) -> bool: ...

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
    ) -> list[int]: ...

    def remove_article(self, article_id: str) -> None: ...

    def forget_changes(self, upto: int) -> None: ...

    def backup(self, target: Path) -> None: ...

    # -- questions, feedback, chat settings -----------------------------------------------
    def log_question(
        self,
        question: str,
        lang: str,
        found: bool,
        chat_id: int | None,
        user_id: int | None,
        quotes: Sequence[GivenQuote] = (),
    ) -> int: ...

    def question_text(self, question_id: int) -> str: ...

    def given_answer(self, question_id: int) -> GivenAnswer: ...

    def add_feedback(
        self, question_id: int, user_id: int, value: int, reason: str | None = None
    ) -> None: ...

    def question_stats(self) -> dict[str, int]: ...

    def all_feedback(self) -> list[dict[str, object]]: ...

    def declined_questions(self) -> list[dict[str, object]]: ...

    def add_feedback_record(self, record: dict[str, object]) -> None: ...

    def add_question_record(self, record: dict[str, object]) -> None: ...

    def gap_rows(self, since: str | None = None, scan: int = 10_000) -> list[GapRow]: ...

    def recent_feedback(self, limit: int = 20) -> list[dict[str, object]]: ...

    def chat_settings(self, chat_id: int) -> ChatSettings: ...

    def set_chat_settings(
        self, chat_id: int, settings: ChatSettings, user_id: int | None
    ) -> None: ...

    # -- what replicas share: webhook updates, rate-limit turns -----------------------------
    def claim_update(self, bot_id: int, update_id: int, owner: str, lease: float) -> Claim: ...

    def renew_claims(
        self, bot_id: int, update_ids: Sequence[int], owner: str, lease: float
    ) -> None: ...

    def finish_update(self, bot_id: int, update_id: int, owner: str) -> None: ...

    def take_turn(self, windows: Sequence[Window]) -> Turn: ...

    def forget_shared(self, kept: float) -> int: ...


if TYPE_CHECKING:

    def _both_fit(sqlite: Store, postgresql: PgStore) -> tuple[KnowledgeStore, KnowledgeStore]:
        """Type-checked only: fails mypy when either store stops fitting the protocol."""
        return sqlite, postgresql
