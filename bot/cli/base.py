"""What the commands share: the one-line error, the exit code for a person's mistake, opening
the knowledge base, and an ingest's line of output."""

from __future__ import annotations

import sys

from bot.config import KnowledgeSettings
from bot.i18n import counted
from knowledge import KnowledgeBase
from knowledge.models import IngestResult

EXIT_INPUT = 2


class CliError(Exception):
    """A one-line message for stderr, with exit code 2."""


def open_kb(settings: KnowledgeSettings, *, serving: bool = False) -> KnowledgeBase:
    """The knowledge base the settings name, in this process (``serving``: one that will answer
    many questions, as ``chat`` does, reads its files ahead)."""
    return KnowledgeBase(settings.knowledge_config(serving=serving))


def ensure_content(kb: KnowledgeBase) -> None:
    """Load the bundled articles into an empty knowledge base, saying so on stderr."""
    report = kb.ensure_content()
    if report is not None:
        print(
            f"citebot: the knowledge base was empty; loaded {len(report.results)} bundled "
            f"articles into {kb.config.data_dir}",
            file=sys.stderr,
        )


def describe(result: IngestResult) -> str:
    """An ingested (or imported) article's line: status, id, title, language, passages."""
    a = result.article
    if result.status == "unchanged":
        return f"unchanged  {a.id}  {a.title} (identical content is already stored)"
    extra = f" (replaces {result.replaced_id})" if result.replaced_id else ""
    passages = counted("passages", a.passages, "en")
    return f"{result.status:<9}  {a.id}  {a.title} [{a.lang}, {passages}]{extra}"
