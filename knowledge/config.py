"""What a knowledge base is told when it opens: its folder, its limits and its tuning.

Validated where it enters: a bad value raises ValueError naming it, at start-up rather than at
the first question. The front ends build it from their own settings (bot/config.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from knowledge.answer import AnswerSettings
from knowledge.extract import DEFAULT_MAX_BYTES
from knowledge.index import BM25Params
from knowledge.pgstore import check_database_url


def bundled_corpus() -> Path:
    """The articles, word list and alias table that ship inside the package."""
    return Path(str(resources.files("knowledge") / "corpus"))


@dataclass(frozen=True)
class KnowledgeConfig:
    """Everything the knowledge base needs to know, validated where it enters."""

    data_dir: Path
    # The PostgreSQL database the articles, questions and change log are kept in, shared by
    # replicas (``postgresql://user:password@host/db``); None: the SQLite file in data_dir.
    # Each replica keeps its index files and dictionary cache in its own data_dir either way.
    # Not in the repr: it may hold a password.
    database_url: str | None = field(default=None, repr=False)
    max_upload_bytes: int = DEFAULT_MAX_BYTES
    bm25: BM25Params = field(default_factory=BM25Params)
    answer: AnswerSettings = field(default_factory=AnswerSettings)
    passage_sentences: int = 3
    # Writing the whole index costs seconds at a million passages; it is saved (in the
    # background) at most this often and on close. After a crash in between, the next start
    # loads the last save and replays the store's change log from its generation.
    index_save_seconds: float = 30.0
    # Postings the index's updates may hold in memory (200 MB: the tails of added postings and
    # the terms rewritten in memory) before a save is started early; its rebase frees them.
    overlay_save_postings: int = 25_000_000
    corpus_dir: Path = field(default_factory=bundled_corpus)
    # A process that serves questions (the bot, `citebot chat`) reads its files into the OS
    # page cache in the background once open; a one-shot command has no use for it.
    read_ahead: bool = False

    def __post_init__(self) -> None:
        if self.database_url is not None:
            try:
                check_database_url(self.database_url)
            except ValueError as exc:
                raise ValueError(f"database_url {exc}") from None
        if self.max_upload_bytes <= 0:
            raise ValueError(f"max_upload_bytes must be positive, got {self.max_upload_bytes}")
        if self.overlay_save_postings < 0:
            raise ValueError(
                f"overlay_save_postings must be 0 or more, got {self.overlay_save_postings}"
            )
        if not 1 <= self.passage_sentences <= 20:
            raise ValueError(f"passage_sentences must be 1..20, got {self.passage_sentences}")
