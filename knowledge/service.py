"""KnowledgeBase: the one door front ends use (ingest, ask, remove, list, stats, export...).

A façade over parts that each own their state: the store (a ``KnowledgeStore``: SQLite in the
data folder, or a PostgreSQL database replicas share; the truth), the index kept at the store's
generation and saved in the background (``live_index.LiveIndex``, which also owns the lock that
keeps the two in step), ingest (``ingest.Ingester``), asking (``asking.Asker``), stored terms
upgraded (``reterm``), export and import (``transfer``), the gaps (``gaps``), and what replicas
coordinate through the store (``coordination.Coordination``: webhook updates, shared limits).
Every write goes to the store only; the index then follows the store's change log.
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Iterable, Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from knowledge import transfer
from knowledge.aliases import AliasTable
from knowledge.analyze import Analyzer
from knowledge.asking import MAX_QUESTION_CHARS, Asker, load_dictionary
from knowledge.bulk import BulkIngest
from knowledge.config import KnowledgeConfig, bundled_corpus
from knowledge.coordination import Coordination
from knowledge.errors import InputError, NotFound
from knowledge.export import RecordLimits, write_export
from knowledge.gaps import recent_gaps
from knowledge.index import ARRAYS, BM25Index
from knowledge.ingest import BatchReport, Ingester, content_id
from knowledge.live_index import LiveIndex
from knowledge.models import (
    FEEDBACK_REASONS,
    Answer,
    Article,
    ChatSettings,
    Gaps,
    GivenAnswer,
    IngestResult,
    Lang,
    ParsedDocument,
)
from knowledge.pgstore import open_store
from knowledge.pgstore.protocol import KnowledgeStore
from knowledge.readahead import read_ahead
from knowledge.reterm import upgrade_terms
from knowledge.stats import knowledge_stats
from knowledge.text import paragraph_text
from knowledge.transfer import ImportReport, backup_store, export_file, import_export

# What other modules import from here: the door, and what it is opened and answered with.
__all__ = [
    "MAX_QUESTION_CHARS",
    "BatchReport",
    "KnowledgeBase",
    "KnowledgeConfig",
    "bundled_corpus",
    "content_id",
]


class KnowledgeBase(Coordination):
    """The knowledge base in ``config.data_dir``: its articles, their BM25 index, and the
    questions asked of it; the one door front ends use (ingest, ask, remove, list, stats...).

    Opening it opens (or creates) the store (the SQLite file in the folder, or the PostgreSQL
    database ``config.database_url`` names, shared by replicas), upgrades stored terms made by
    an older analyzer and loads the saved index brought up to the store through its change log.
    Questions may be asked from several threads at once; writes take the index alone; another
    process's writes are seen by the next question or write. ``close`` saves the index.

    Every refusal is a ``KnowledgeError`` (knowledge/errors.py): an ``InputError`` for the
    caller's input, ``NotFound`` for an unknown id, ``StoreError`` when the store itself fails.
    """

    def __init__(self, config: KnowledgeConfig) -> None:
        self.config = config
        data = config.data_dir
        self.store: KnowledgeStore = open_store(config.database_url or data / "citebot.sqlite3")
        aliases = AliasTable.for_knowledge_base(
            config.corpus_dir / "aliases.tsv", data / "aliases.tsv", self.store.learned_aliases()
        )
        self.analyzer = Analyzer(
            aliases,
            userdicts=[config.corpus_dir / "userdict.txt", data / "userdict.txt"],
            cache_dir=data / "cache",
        )
        self.dictionary = load_dictionary(data / "cache" / "cedict.json", self.analyzer)
        upgrade_terms(self.store, self.analyzer)
        self.live_index = LiveIndex(
            self.store,
            self.analyzer,
            data / "index",
            config.bm25,
            save_seconds=config.index_save_seconds,
            overlay_save_postings=config.overlay_save_postings,
        )
        self._ingester = Ingester(
            self.store,
            self.analyzer,
            self.live_index,
            max_bytes=config.max_upload_bytes,
            passage_sentences=config.passage_sentences,
            corpus_dir=config.corpus_dir,
        )
        self._asker = Asker(
            self.store, self.analyzer, self.dictionary, self.live_index, config.answer
        )
        # The thread bringing the files into the page cache, None when not reading ahead.
        self.reading_ahead: threading.Thread | None = None
        if config.read_ahead:
            # A PostgreSQL store is no file of ours: only the index is read ahead.
            files = [data / "index" / ARRAYS]
            if self.store.path is not None:
                files.insert(0, self.store.path)
            self.reading_ahead = read_ahead(files)

    @property
    def store_kind(self) -> str:
        """Which store holds the articles: "sqlite" (the file in the data folder) or
        "postgresql" (a database replicas may share)."""
        return "sqlite" if self.store.path is not None else "postgresql"

    @property
    def store_location(self) -> str:
        """Where the store is, fit to show: the SQLite file, or the URL without its password."""
        return self.store.location

    @property
    def index(self) -> BM25Index:
        """The BM25 index as it is now (``LiveIndex.index``); for tests and measurements."""
        return self.live_index.index

    def close(self) -> None:
        """Save the index if it changed, and return once every save has reached the disk."""
        self.live_index.close()
        self.store.close()

    # -- ingest ---------------------------------------------------------------------------
    def ingest_bytes(
        self,
        data: bytes,
        filename: str,
        *,
        title: str | None = None,
        source: str | None = None,
        url: str | None = None,
        content_type: str | None = None,
    ) -> IngestResult:
        """Store one uploaded or fetched file whole, or nothing of it; its format is told by
        ``filename``'s extension (else ``content_type``). ``title``, ``source`` and ``url``
        replace what the file says; ``source`` defaults to ``filename``.

        The result is "unchanged" for text already stored, "replaced" when an article of the
        same url (or source and title) was there, else "added".

        Raises:
            UnsupportedFormat, FileTooLarge, EmptyDocument, UnreadableDocument: see ``extract``.
            StoreError: the store could not be written; nothing of the article was kept.
        """
        return self._ingester.ingest_bytes(
            data, filename, title=title, source=source, url=url, content_type=content_type
        )

    def ingest_url(
        self, url: str, *, allowed_hosts: Collection[str] = (), timeout: float = 10.0
    ) -> IngestResult:
        """Store the web page at ``url`` whole (after vetted redirects), or raise an InputError
        saying why not: ``FetchRefused`` for an address we will not reach, ``FetchFailed`` for a
        page we could not get whole, or the extractor's refusals. ``allowed_hosts`` ("host" or
        "host:port") skip the public-address check; the page may be at most max_upload_bytes."""
        return self._ingester.ingest_url(url, allowed_hosts=allowed_hosts, timeout=timeout)

    def ingest_file(
        self,
        path: Path,
        *,
        root: Path | None = None,
        follow_symlinks: bool = False,
        **overrides: str | None,
    ) -> IngestResult:
        """Store the regular file at ``path`` whole, or raise an InputError saying why not.

        ``root`` is the folder ``path`` was found in, None for a path named on its own; it and
        ``follow_symlinks`` decide which symbolic links are read (see ``read_file``).
        """
        return self._ingester.ingest_file(
            path, root=root, follow_symlinks=follow_symlinks, **overrides
        )

    def ingest_text(self, text: str, **overrides: str | None) -> IngestResult:
        """Store pasted text (plain or light Markdown) as one article, as ``ingest_bytes``
        stores a file; ``overrides`` are its title, source and url. EmptyDocument when it
        holds no text."""
        return self._ingester.ingest_text(text, **overrides)

    def ingest_document(
        self,
        doc: ParsedDocument,
        *,
        title: str | None = None,
        source: str | None = None,
        url: str | None = None,
        added_at: str | None = None,
    ) -> IngestResult:
        """Store and index one parsed article whole, or nothing of it; ``added_at`` keeps an
        imported article's time (default: now). StoreError when the store cannot be written."""
        return self._ingester.ingest_document(
            doc, title=title, source=source, url=url, added_at=added_at
        )

    def ingest_paths(self, paths: Iterable[Path], *, follow_symlinks: bool = False) -> BatchReport:
        """Ingest files and folders; a bad file is skipped and reported, the rest go in.

        ``follow_symlinks`` lets a symbolic link named in ``paths`` be read; links found inside
        a folder are read only when they stay inside it, whatever it says.
        """
        return self._ingester.ingest_paths(paths, follow_symlinks=follow_symlinks)

    def ingest_many(
        self,
        files: Sequence[tuple[Path, Path | None]],
        *,
        jobs: int = 1,
        follow_symlinks: bool = False,
        **overrides: str | None,
    ) -> BulkIngest:
        """``files`` (as ``iter_files`` gives them) read and analysed by ``jobs`` processes and
        stored here in order, as ``ingest_file`` one by one would (knowledge/bulk.py); iterate
        over it for each file's result or the KnowledgeError that skipped it."""
        return BulkIngest(
            self._ingester, files, jobs=jobs, follow_symlinks=follow_symlinks, overrides=overrides
        )

    def load_bundled(self) -> BatchReport:
        """Ingest the articles shipped in ``config.corpus_dir``; a bad one is skipped and
        reported, as in ``ingest_paths``."""
        return self._ingester.load_bundled()

    def ensure_content(self) -> BatchReport | None:
        """Load the bundled corpus into an empty knowledge base; None when it had articles."""
        if self.store.article_count():
            return None
        return self.load_bundled()

    # -- questions ------------------------------------------------------------------------
    def ask(
        self,
        question: str,
        *,
        chat_id: int | None = None,
        user_id: int | None = None,
        log_it: bool = True,
        max_quotes: int | None = None,
        after: str | None = None,
        lang: Lang | None = None,
    ) -> Answer:
        """Answer ``question``; ``max_quotes`` overrides how many sentences the reply quotes.

        ``lang``: the language the reply is in (a chat's setting) instead of the question's:
        its fixed texts and small talk's example questions, and its Chinese quotes shown in
        that script (see ``in_language``).

        ``after`` is the question asked just before, for a follow-up ("when was it founded?"):
        the answer is about what that one was about, or asks which thing is meant
        (``choices``). Small talk ("hi", "thanks") gets ``small_talk`` and example questions,
        and is not logged as a question.

        Raises:
            BadQuestion: the question is empty or over-long. An answer is given even when its
            log line cannot be written (a read-only store, a full disk).
        """
        return self._asker.ask(
            question,
            chat_id=chat_id,
            user_id=user_id,
            log_it=log_it,
            max_quotes=max_quotes,
            after=after,
            lang=lang,
        )

    def examples(self, lang: Lang, count: int = 2) -> tuple[str, ...]:
        """Questions in ``lang`` this knowledge base answers, about the things its articles
        name most, for a reply to small talk; worked out once per change of the articles."""
        return self._asker.examples(lang, count)

    def recall(self, question_id: int, *, lang: Lang | None = None) -> Answer:
        """The answer to a question asked earlier (by id), as it would be given now (in
        ``lang``, as ``ask`` gives it).

        Lets a "more" button work after a restart or on another replica than the one that
        answered first.
        """
        return self._asker.recall(question_id, lang=lang)

    def more(self, answer: Answer) -> Answer:
        """``answer`` (from ``ask`` or ``recall``) with its "more" quotes highlighted, for the
        reply that shows them; ``ask`` leaves them bare, as most are never shown."""
        return self._asker.more(answer)

    def feedback(
        self, question_id: int, user_id: int, value: int, reason: str | None = None
    ) -> None:
        """One user's 👍 (``value`` > 0) or 👎 on a question, replacing their earlier vote; a 👎
        may say why (``reason``, one of FEEDBACK_REASONS), a vote without one stays valid.

        Raises:
            InputError: ``reason`` is not one of FEEDBACK_REASONS, or given with a 👍.
        """
        if reason is not None and (reason not in FEEDBACK_REASONS or value > 0):
            raise InputError(f"not a reason for a 👎: {reason!r}", reason="feedback_reason")
        self.store.add_feedback(question_id, user_id, 1 if value > 0 else -1, reason)

    def gaps(self, limit: int = 20, since: datetime | None = None) -> Gaps:
        """The recent questions that were declined or voted 👎, alike ones grouped (see
        knowledge.gaps), newest first: the first ``limit`` groups, and how many there are.
        Only questions asked or voted on at ``since`` or later (a time without a zone is UTC)
        count; at most the latest ``gaps.GAP_ROWS`` such questions are read.

        Raises:
            InputError: ``limit`` is below 1.
        """
        return recent_gaps(self.store, limit, since)

    def given_answer(self, question_id: int) -> GivenAnswer:
        """A logged question with the answer it got then, quoted as it was given (not as it
        would be given now: the articles may have changed since).

        Raises:
            NotFound: no question has that id.
        """
        return self.store.given_answer(question_id)

    # -- chat settings --------------------------------------------------------------------
    def chat_settings(self, chat_id: int) -> ChatSettings:
        """How the bot behaves in ``chat_id`` (the defaults until its admins change them)."""
        return self.store.chat_settings(chat_id)

    def set_chat_settings(
        self, chat_id: int, settings: ChatSettings, *, user_id: int | None = None
    ) -> ChatSettings:
        """Keep ``settings`` for ``chat_id`` and give them back; who may change them is the
        front end's to decide. Raises StoreError on a read-only store or a failed write."""
        self.store.set_chat_settings(chat_id, settings, user_id)
        return settings

    # -- management -----------------------------------------------------------------------
    def remove(self, article_id: str) -> Article:
        """Remove the article with this id (or an unambiguous prefix of it) from the store and
        the index; the article as it was. Answers given from then on never cite it.

        Raises:
            NotFound: no article has that id; AmbiguousId: the prefix starts several ids.
            StoreError: the store could not be written; the article is still there.
        """
        with self.live_index.writing():
            self.live_index.refresh_if_stale()
            full_id = self.store.resolve_id(article_id)
            article = self.store.article(full_id)
            self.store.remove_article(full_id)
            self.live_index.after_write()
        return article

    def article(self, article_id: str) -> Article:
        """The stored article with this id or unambiguous id prefix.

        Raises:
            NotFound: no article has that id; AmbiguousId: the prefix starts several ids.
        """
        return self.store.article(self.store.resolve_id(article_id))

    def list(self, offset: int = 0, limit: int = 1000) -> list[Article]:
        """Up to ``limit`` stored articles after the first ``offset``, oldest added first."""
        return self.store.list_articles(offset, limit)

    def passage_text(self, article_id: str, paragraph: int) -> str:
        """The whole paragraph a quote came from, for a "source" button; NotFound when the
        article has no such paragraph (or is gone)."""
        sentences = [
            s for s, _ in self.store.sentences(article_id, 0, 1 << 62) if s.paragraph == paragraph
        ]
        if not sentences:
            raise NotFound(f"no paragraph {paragraph} in article {article_id}", id=article_id)
        return paragraph_text(sentences)

    # -- moving a knowledge base ---------------------------------------------------------
    def export_records(self) -> Iterator[dict[str, object]]:
        """The whole knowledge base as JSON-ready records (see ``transfer.export_records``)."""
        return transfer.export_records(self.store)

    def export_to(self, out: BinaryIO) -> int:
        """Write the export to an open stream (stdout); returns the number of records."""
        return write_export(self.export_records(), out)

    def export_file(self, path: Path) -> int:
        """Write the export to ``path`` whole, or leave it as it was: BadDestination for a
        folder, link, device or missing folder, WriteFailed when the write failed."""
        return export_file(self.store, path)

    def import_file(self, path: Path) -> ImportReport:
        """Import an export, checked whole first, then record by record; articles keep the time
        they were first added. InputError: not an export (or of an unknown version);
        DamagedExport: its trailer is missing or does not match."""
        limits = RecordLimits(self.config.max_upload_bytes, MAX_QUESTION_CHARS)
        return import_export(
            path, limits, self.store, lambda doc, at: self.ingest_document(doc, added_at=at)
        )

    def backup(self, target: Path) -> None:
        """A consistent copy of the store at ``target``, whole or not at all: BadDestination,
        WriteFailed or StoreError leave ``target`` as it was."""
        backup_store(self.store, target)

    def stats(self) -> dict[str, int | float]:
        """Counts for ``citebot stats`` and /stats: articles, passages, sentences, indexed
        passages, distinct terms, questions asked and answered (with the answered share, 0.0
        before any question), and the 👍 and 👎 given."""
        return knowledge_stats(self.store, self.index)
