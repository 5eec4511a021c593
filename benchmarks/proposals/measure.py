"""Time the MaxScore prototype against BM25Index.search on the same loaded index.

    python -m benchmarks.proposals.measure N     # needs the saved index of benchmarks.run

Prints one JSON line: latency of the current search, of the prototype, and of the prototype's
exhaustive path alone (every posting, bitmap union), and whether ids and scores agree
with the current search on every query.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import numpy as np

from benchmarks.corpus import DEFAULT_SEED, token_corpus
from benchmarks.measure import emit, summarize_ms, time_each
from benchmarks.proposals.maxscore import MaxScoreSearcher
from benchmarks.retrieval import index_dir


def _bounds_for_all_terms(index: Any) -> float:
    """Seconds to compute (max tf, min dl/tf) for every term of the CSR block in one pass."""
    ptr = index._base_ptr
    if len(ptr) < 2 or not len(index._base_ids):
        return 0.0
    t0 = time.perf_counter()
    starts = ptr[:-1][np.diff(ptr) > 0]
    tfs = index._base_tfs
    np.maximum.reduceat(tfs, starts)
    ratio = index._doc_len[index._base_ids] / tfs
    np.minimum.reduceat(ratio, starts)
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("n", type=int)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args()
    from knowledge.index import BM25Index

    queries = token_corpus(args.n, args.seed).queries(200)
    index = BM25Index.load(index_dir(args.n, args.seed))
    if index is None:
        raise SystemExit("no saved index: run python -m benchmarks.run first")
    index.mean_idf()
    concepts = [[[t] for t in q] for q in queries]
    fast = MaxScoreSearcher(index)
    bitmap = MaxScoreSearcher(index, exhaustive_only=True)
    for c in concepts:  # bounds as if precomputed at build time
        fast.search(c)
    current = time_each(lambda c: index.search(c, k=10), concepts)
    fast.fallbacks = 0
    proto = time_each(lambda c: fast.search(c, k=10), concepts, warmup=0)
    fallbacks = fast.fallbacks
    slow = sorted(zip(proto, concepts, strict=True), key=lambda p: -p[0])[:3]
    exhaustive = time_each(lambda c: bitmap.search(c, k=10), concepts)
    same_scores = same_ids = 0
    worst = 0.0
    for c in concepts:
        a = index.search(c, k=10)
        b = fast.search(c, k=10)
        same_scores += [s for _, s in a] == [s for _, s in b]
        same_ids += [i for i, _ in a] == [i for i, _ in b]
        worst = max([worst, *(abs(x[1] - y[1]) for x, y in zip(a, b, strict=False))])
    emit(
        {
            "n": args.n,
            "current": summarize_ms(current),
            "maxscore": summarize_ms(proto),
            "bitmap_exhaustive": summarize_ms(exhaustive),
            "queries": len(concepts),
            "bitwise_equal_scores": same_scores,
            "same_ids": same_ids,
            "max_abs_diff": worst,
            "bounds_all_terms_s": _bounds_for_all_terms(index),
            "exhaustive_share": fallbacks / len(concepts),
            "slowest": [{"ms": t * 1e3, "dfs": [index.df(c[0]) for c in q]} for t, q in slow],
        }
    )


if __name__ == "__main__":
    main()
