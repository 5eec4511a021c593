"""The counts ``citebot stats`` and /stats show."""

from __future__ import annotations

from knowledge.index import BM25Index
from knowledge.pgstore.protocol import KnowledgeStore


def knowledge_stats(store: KnowledgeStore, index: BM25Index) -> dict[str, int | float]:
    """Articles, passages, sentences, indexed passages, distinct terms, questions asked and
    answered (with the answered share, 0.0 before any question), and the 👍 and 👎 given."""
    counts = store.counts()
    q = store.question_stats()
    return {
        **counts,
        "indexed_passages": index.doc_count,
        "terms": len(index.term_ids),
        "questions": q["questions"],
        "answered": q["answered"],
        "answered_share": round(q["answered"] / q["questions"], 3) if q["questions"] else 0.0,
        "thumbs_up": q["thumbs_up"],
        "thumbs_down": q["thumbs_down"],
    }
