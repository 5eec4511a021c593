"""Moving a knowledge base: its store read out as export records, and an export read back in.

The file format (header, records, trailer, their schema and limits) is ``knowledge.export``'s;
this module says what goes into an export and what an import does with each record. Articles
go back in through the same ingest as an upload (``KnowledgeBase.ingest_document``), so the
index learns them from the store's change log like any other write.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from knowledge.errors import InputError, KnowledgeError, StoreError, WriteFailed
from knowledge.export import (
    ArticleRecord,
    QuestionRecord,
    RecordLimits,
    check_export,
    read_records,
    write_export,
)
from knowledge.models import IngestResult, ParsedDocument
from knowledge.pgstore.protocol import KnowledgeStore
from knowledge.writing import atomic_path


@dataclass(frozen=True)
class ImportReport:
    """An import: what was added, what was skipped (by line, with the reason), and a warning
    for an export too old to prove it is whole."""

    results: list[IngestResult]
    failures: list[tuple[str, KnowledgeError]]
    warning: str | None = None


def export_records(store: KnowledgeStore) -> Iterator[dict[str, object]]:
    """The whole knowledge base as JSON-ready records: articles, then feedback (with the reason
    of a 👎 and the answer that was given), then the declined questions without a vote: the
    gaps an admin sees (``KnowledgeBase.gaps``) come along.

    Articles carry their text as paragraphs, not index data, so any later version can import
    them and analyse them its own way. ``export.write_export`` frames them with the header and
    the trailer.
    """
    for article in store.list_articles(0, 1 << 62):
        yield {
            "type": "article",
            "id": article.id,
            "title": article.title,
            "source": article.source,
            "url": article.url,
            "lang": article.lang,
            "published": article.published,
            "format": article.format,
            "added_at": article.added_at,
            "paragraphs": store.paragraphs(article.id),
        }
    for record in store.all_feedback():
        yield {"type": "feedback", **record, "found": bool(record["found"])}
    for record in store.declined_questions():
        yield {"type": "question", **record, "found": False}


def export_file(store: KnowledgeStore, path: Path) -> int:
    """Write ``store``'s export to ``path`` whole, or leave it as it was (see ``writing``);
    the number of records."""
    with atomic_path(path) as tmp, tmp.open("wb") as out:
        return write_export(export_records(store), out)


def backup_store(store: KnowledgeStore, target: Path) -> None:
    """A consistent copy of ``store`` at ``target``, written whole or not at all (WriteFailed)."""
    try:
        with atomic_path(target) as tmp:
            store.backup(tmp)
    except StoreError as exc:
        raise WriteFailed(f"{target}: {exc}; nothing was written", path=str(target)) from exc


def import_export(
    path: Path,
    limits: RecordLimits,
    store: KnowledgeStore,
    ingest: Callable[[ParsedDocument, str | None], IngestResult],
) -> ImportReport:
    """Import the export at ``path``: checked whole first, then record by record; articles go
    through ``ingest(document, added_at)``, questions and feedback straight to ``store``.

    A damaged export (cut short, changed) is refused before anything goes in; in a whole one, a
    record that fails the schema or ``limits`` is skipped with its reason and the rest go in.

    Raises:
        InputError: not an export, or a version this code does not read.
        DamagedExport: the trailer is missing or does not match.
    """
    export = check_export(path, limits)
    results: list[IngestResult] = []
    failures: list[tuple[str, KnowledgeError]] = []
    for line, record in read_records(export, limits):
        try:
            if isinstance(record, InputError):
                raise record
            if isinstance(record, ArticleRecord):
                doc = ParsedDocument(
                    paragraphs=tuple(record.paragraphs),
                    title=record.title,
                    source=record.source,
                    url=record.url,
                    lang=record.lang,
                    published=record.published,
                    format=record.format,
                )
                results.append(ingest(doc, record.added_at))
            elif isinstance(record, QuestionRecord):
                store.add_question_record(record.model_dump())
            else:
                store.add_feedback_record(record.model_dump())
        except KnowledgeError as exc:
            failures.append((f"line {line}", exc))
    return ImportReport(results, failures, export.warning)
