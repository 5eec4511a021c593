"""citebot's knowledge base: a plain library that never imports Telegram or the settings.

Arrows point one way: service -> answer -> index -> analyze -> normalize; everything may use
models and errors.

This package's top is the door front ends use: with ``knowledge.interface`` (the calls),
``knowledge.models`` and ``knowledge.errors`` it is all they import (tests/test_imports.py
holds bot/ to it). It re-exports the knowledge base and its process proxy, their settings
(with the check of a database URL, for a front end's own settings), evaluation's entry points
and the few text helpers a front end shares with the library (language tags and guess, script
conversion). The words a person reads are the front ends' (bot/words.py). The modules behind
them load on first use, so importing ``knowledge.models`` alone stays cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from knowledge.errors import KnowledgeError
from knowledge.models import Answer, Article, Citation, ParsedDocument

if TYPE_CHECKING:
    from knowledge.bulk import usable_cores
    from knowledge.evaluate import Tally, articles_in, articles_in_folder, read_questions, summarize
    from knowledge.evaluate import evaluate as evaluate_questions
    from knowledge.index import BM25Params
    from knowledge.kinds import classify, looks_like_question
    from knowledge.normalize import guess_lang, to_simplified, to_traditional
    from knowledge.paths import iter_files
    from knowledge.pgstore import check_database_url
    from knowledge.service import MAX_QUESTION_CHARS, BatchReport, KnowledgeBase, KnowledgeConfig
    from knowledge.text import lang_from_tag
    from knowledge.worker import KnowledgeWorker

# Name here -> (module, name there); ``evaluate`` is renamed, as the package's own attribute of
# that name is the submodule knowledge.evaluate once it is imported.
_LAZY: dict[str, tuple[str, str]] = {
    **{
        name: ("knowledge.service", name)
        for name in ("KnowledgeBase", "KnowledgeConfig", "BatchReport", "MAX_QUESTION_CHARS")
    },
    "KnowledgeWorker": ("knowledge.worker", "KnowledgeWorker"),
    "BM25Params": ("knowledge.index", "BM25Params"),
    **{
        name: ("knowledge.evaluate", name)
        for name in ("Tally", "articles_in", "articles_in_folder", "read_questions", "summarize")
    },
    "evaluate_questions": ("knowledge.evaluate", "evaluate"),
    "iter_files": ("knowledge.paths", "iter_files"),
    "check_database_url": ("knowledge.pgstore", "check_database_url"),
    "usable_cores": ("knowledge.bulk", "usable_cores"),
    **{
        name: ("knowledge.normalize", name)
        for name in ("guess_lang", "to_simplified", "to_traditional")
    },
    "lang_from_tag": ("knowledge.text", "lang_from_tag"),
    "classify": ("knowledge.kinds", "classify"),
    "looks_like_question": ("knowledge.kinds", "looks_like_question"),
}


def __getattr__(name: str) -> object:
    """A re-exported name, its module imported on first use (PEP 562)."""
    try:
        module, attribute = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'knowledge' has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module), attribute)
    globals()[name] = value
    return value


__all__ = [
    "MAX_QUESTION_CHARS",
    "Answer",
    "Article",
    "BM25Params",
    "BatchReport",
    "Citation",
    "KnowledgeBase",
    "KnowledgeConfig",
    "KnowledgeError",
    "KnowledgeWorker",
    "ParsedDocument",
    "Tally",
    "articles_in",
    "articles_in_folder",
    "check_database_url",
    "classify",
    "evaluate_questions",
    "guess_lang",
    "iter_files",
    "lang_from_tag",
    "looks_like_question",
    "read_questions",
    "summarize",
    "to_simplified",
    "to_traditional",
    "usable_cores",
]
