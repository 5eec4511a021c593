"""citebot's knowledge base: a plain library that never imports Telegram or the settings.

Arrows point one way: service -> answer -> index -> analyze -> normalize; everything may use
models and errors.

This package's top is the door front ends use: with ``knowledge.interface`` (the calls),
``knowledge.models`` and ``knowledge.errors`` it is all they import (tests/test_imports.py
holds bot/ to it). It re-exports the knowledge base and its process proxy, their settings,
evaluation's entry points and the few text helpers a front end shares with the library (the
words every front end says alike, language tags and guess, script conversion). The modules
behind them load on first use, so importing ``knowledge.models`` alone stays cheap.
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
    from knowledge.normalize import guess_lang, to_simplified, to_traditional
    from knowledge.paths import iter_files
    from knowledge.query import classify, looks_like_question
    from knowledge.reply import (
        NOT_FOUND,
        ask_back,
        format_plain,
        quote_marks,
        reading_as,
        small_talk_lines,
    )
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
    "usable_cores": ("knowledge.bulk", "usable_cores"),
    **{
        name: ("knowledge.reply", name)
        for name in (
            "NOT_FOUND",
            "ask_back",
            "format_plain",
            "quote_marks",
            "reading_as",
            "small_talk_lines",
        )
    },
    **{
        name: ("knowledge.normalize", name)
        for name in ("guess_lang", "to_simplified", "to_traditional")
    },
    "lang_from_tag": ("knowledge.text", "lang_from_tag"),
    "classify": ("knowledge.query", "classify"),
    "looks_like_question": ("knowledge.query", "looks_like_question"),
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
    "NOT_FOUND",
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
    "ask_back",
    "classify",
    "evaluate_questions",
    "format_plain",
    "guess_lang",
    "iter_files",
    "lang_from_tag",
    "looks_like_question",
    "quote_marks",
    "read_questions",
    "reading_as",
    "small_talk_lines",
    "summarize",
    "to_simplified",
    "to_traditional",
    "usable_cores",
]
