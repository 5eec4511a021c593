"""Ingest: an upload, a page, a file, a folder or pasted text becomes one stored article.

A file is read (``paths.read_file``) or fetched (``fetch.fetch_url``), its text extracted
(``extract``), split into sentences and passages and analysed into terms, then stored in one
transaction (``Store.add_article``), or nothing of it is. Only the store is written; the index
then follows the store's change log (``LiveIndex.after_write``), as it follows any other write.
Analysing an upload, the slow part, happens outside the index's lock, so questions are not held
up by a large upload.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from knowledge.analyze import Analyzer
from knowledge.errors import KnowledgeError, StoreChanged
from knowledge.extract import extract, extract_text
from knowledge.fetch import fetch_url, suggested_filename
from knowledge.live_index import LiveIndex
from knowledge.models import Article, IngestResult, ParsedDocument
from knowledge.normalize import guess_lang
from knowledge.paths import bundled_articles, iter_files, read_file
from knowledge.pgstore.protocol import KnowledgeStore
from knowledge.reterm import terms_for_aliases
from knowledge.segment import passage_windows, split_sentences
from knowledge.store import NewSentence, now
from knowledge.text import lang_from_tag

# Times an ingest is planned again when another process wrote between its reads and its write
# (each retry means that process's write went in: two ingests of one folder retry often).
_WRITE_ATTEMPTS = 20


@dataclass(frozen=True)
class Analysed:
    """An article's sentences with their terms, its passage windows as (first, last) sentence
    positions, and the ``Analyzer.state`` that made the terms (analysed in another process)."""

    sentences: list[NewSentence]
    windows: list[tuple[int, int]]
    analyzer_state: str


@dataclass(frozen=True)
class BatchReport:
    """A folder ingest: what was added, and what was skipped with the reason."""

    results: list[IngestResult]
    failures: list[tuple[Path, KnowledgeError]]


class Ingester:
    """Stores articles in ``store`` whole or not at all, for the knowledge base's ingest calls
    (their docstrings are ``KnowledgeBase``'s); ``live`` is the index that follows the store.

    ``max_bytes`` bounds a file read or fetched, ``passage_sentences`` the sentences of one
    passage; ``corpus_dir`` holds the articles shipped with the package (``load_bundled``).
    """

    def __init__(
        self,
        store: KnowledgeStore,
        analyzer: Analyzer,
        live: LiveIndex,
        *,
        max_bytes: int,
        passage_sentences: int,
        corpus_dir: Path,
    ) -> None:
        self._store = store
        self._analyzer = analyzer
        self._live = live
        self._max_bytes = max_bytes
        self._passage_sentences = passage_sentences
        self._corpus_dir = corpus_dir

    @property
    def analyzer(self) -> Analyzer:
        """The analyzer this ingester's terms come from (the knowledge base's own)."""
        return self._analyzer

    @property
    def store(self) -> KnowledgeStore:
        return self._store

    @property
    def max_bytes(self) -> int:
        return self._max_bytes

    @property
    def passage_sentences(self) -> int:
        return self._passage_sentences

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
        """One uploaded or fetched file, stored whole or not at all (see ``KnowledgeBase``)."""
        doc = extract(data, filename, max_bytes=self._max_bytes, content_type=content_type)
        return self.ingest_document(doc, title=title, source=source or filename, url=url)

    def ingest_url(
        self, url: str, *, allowed_hosts: Collection[str] = (), timeout: float = 10.0
    ) -> IngestResult:
        """The web page at ``url``, fetched and stored (``KnowledgeBase.ingest_url``)."""
        page = fetch_url(
            url,
            allowed_hosts=allowed_hosts,
            max_bytes=self._max_bytes,
            timeout=timeout,
        )
        return self.ingest_bytes(
            page.content,
            suggested_filename(page),
            url=page.url,
            content_type=page.content_type,
        )

    def ingest_file(
        self,
        path: Path,
        *,
        root: Path | None = None,
        follow_symlinks: bool = False,
        **overrides: str | None,
    ) -> IngestResult:
        """The regular file at ``path``, read and stored (``KnowledgeBase.ingest_file``)."""
        data = read_file(path, self._max_bytes, root=root, follow_symlinks=follow_symlinks)
        return self.ingest_bytes(data, path.name, **overrides)

    def ingest_text(self, text: str, **overrides: str | None) -> IngestResult:
        """Pasted text stored as one article (``KnowledgeBase.ingest_text``)."""
        return self.ingest_document(extract_text(text, title=overrides.get("title")), **overrides)

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
        return self.ingest_analysed(
            doc, None, title=title, source=source, url=url, added_at=added_at
        )

    def ingest_analysed(
        self,
        doc: ParsedDocument,
        analysed: Analysed | None,
        *,
        title: str | None = None,
        source: str | None = None,
        url: str | None = None,
        added_at: str | None = None,
    ) -> IngestResult:
        """``ingest_document`` with the article analysed ahead (knowledge/bulk.py): the terms
        are used when made by an analyzer in the state ours is in once the article's aliases
        are learned (so they are those ours would make); else the article is analysed here."""
        body = "\n\n".join(doc.paragraphs)
        article_id = content_id(body)
        title = (title or doc.title or doc.paragraphs[0][:80]).strip()
        source = doc.source or source
        url = url or doc.url
        lang = lang_from_tag(doc.lang) or guess_lang(body)
        replace_key = url or f"{source or ''}\x1f{title}"
        existing = self._store.find_article(article_id)
        if existing is not None:
            return IngestResult("unchanged", existing)
        # Segmenting and analysing a big upload takes seconds: it runs outside the lock, so
        # questions go on meanwhile. Only learning aliases (a quick change to shared state)
        # and the write itself hold it.
        with self._live.writing():
            learned = self._analyzer.learn(body)
            state = self._analyzer.state
        if analysed is not None and analysed.analyzer_state == state:
            sentences, windows = analysed.sentences, analysed.windows
        else:
            sentences, windows = analyse(doc, self._analyzer, self._passage_sentences)
        with self._live.writing():
            for attempt in range(1, _WRITE_ATTEMPTS + 1):
                self._live.refresh_if_stale()
                existing = self._store.find_article(article_id)
                if existing is not None:
                    return IngestResult("unchanged", existing)
                replaced = self._store.find_by_replace_key(replace_key)
                article = Article(
                    id=article_id,
                    title=title,
                    source=source,
                    url=url,
                    lang=lang,
                    published=doc.published,
                    added_at=added_at or now(),
                    passages=len(windows),
                    sentences=len(sentences),
                    format=doc.format,
                )
                try:
                    self._store.add_article(
                        article,
                        replace_key,
                        sentences,
                        windows,
                        aliases=learned,
                        replace_id=replaced.id if replaced else None,
                        retermed=terms_for_aliases(self._store, self._analyzer, learned),
                        # What was read above is the store at the index's generation.
                        expected_generation=self._live.index.generation,
                    )
                    break
                except StoreChanged:
                    # Another process wrote since those reads (the same article, another
                    # version of it): read again and decide again, or give up.
                    if attempt == _WRITE_ATTEMPTS:
                        raise
            self._live.after_write()
        status: Literal["added", "replaced"] = "replaced" if replaced else "added"
        return IngestResult(status, article, replaced.id if replaced else None, tuple(learned))

    def ingest_paths(self, paths: Iterable[Path], *, follow_symlinks: bool = False) -> BatchReport:
        """Files and folders ingested, a bad file skipped (``KnowledgeBase.ingest_paths``)."""
        results: list[IngestResult] = []
        failures: list[tuple[Path, KnowledgeError]] = []
        for path, root in iter_files(paths, follow_symlinks=follow_symlinks):
            try:
                results.append(self.ingest_file(path, root=root, follow_symlinks=follow_symlinks))
            except KnowledgeError as exc:
                failures.append((path, exc))
        return BatchReport(results, failures)

    def load_bundled(self) -> BatchReport:
        """The articles shipped in ``corpus_dir``, ingested (``KnowledgeBase.load_bundled``)."""
        # The shipped articles are ours, and a package manager may install duplicate files as
        # links: they are followed (to regular files only, like every other ingest).
        return self.ingest_paths(bundled_articles(self._corpus_dir), follow_symlinks=True)


def analyse(
    doc: ParsedDocument, analyzer: Analyzer, passage_sentences: int
) -> tuple[list[NewSentence], list[tuple[int, int]]]:
    """Sentences with their terms, and passage windows as (first, last) sentence positions."""
    sentences: list[NewSentence] = []
    windows: list[tuple[int, int]] = []
    for number, paragraph in enumerate(doc.paragraphs, start=1):
        spans = split_sentences(paragraph)
        base = len(sentences)
        for span in spans:
            sentences.append(
                NewSentence(
                    position=len(sentences),
                    paragraph=number,
                    start=span.start,
                    end=span.end,
                    text=span.text,
                    terms=analyzer.terms(span.text),
                )
            )
        for lo, hi in passage_windows(len(spans), passage_sentences):
            windows.append((base + lo, base + hi - 1))
    return sentences, windows


def content_id(body: str) -> str:
    """An article's id: 12 hex digits of the SHA-256 of its text, so re-adding it is a no-op.

    The text as written, up to NFKC and case: a Traditional article and its Simplified
    version are two articles with two ids (matching still folds one onto the other). An
    article that folding to Simplified leaves as it is keeps the id it had when ids folded the
    script too; a Traditional one stored then is "replaced" by its own text once, re-added.
    """
    written = unicodedata.normalize("NFKC", body).casefold()
    return hashlib.sha256(written.encode("utf-8")).hexdigest()[:12]
