"""The knowledge base's interface is written once: KnowledgeBase answers every call of
KnowledgeService with the same signature, and the writes are those marked ``@write``."""

from __future__ import annotations

import inspect

from knowledge.interface import CALLS, WRITES, KnowledgeService
from knowledge.service import KnowledgeBase


def test_every_call_is_a_knowledge_base_method_with_the_same_signature() -> None:
    for name in CALLS | {"close"}:
        declared = inspect.signature(getattr(KnowledgeService, name))
        defined = inspect.signature(getattr(KnowledgeBase, name))
        assert [(p.name, p.kind, p.default) for p in declared.parameters.values()] == [
            (p.name, p.kind, p.default) for p in defined.parameters.values()
        ], name


def test_the_writes_are_the_marked_calls() -> None:
    writes = {
        "ingest_bytes",
        "ingest_file",
        "ingest_text",
        "ingest_url",
        "remove",
        "backup",
        "ensure_content",
    }
    assert writes == WRITES
    assert WRITES < CALLS
    assert "close" not in CALLS  # the proxy closes the child itself
