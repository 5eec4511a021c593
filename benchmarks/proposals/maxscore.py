"""Prototype: exact top-k for BM25Index without touching every posting (MaxScore, in numpy).

Not used by citebot; benchmarks.proposals.measure times it against ``BM25Index.search`` on the
same loaded index and checks that ids and scores are identical. ``index.patch`` beside it is
the same idea worked into index.py (with per-term bounds, cached union dfs and lookups per
term, so that concepts with translations need no sorting). It reads the index only
through ``concept_postings``, ``idf``, ``avgdl``, ``params`` and ``_doc_len``.

Idea (Turtle & Flood's MaxScore). Every concept has an upper bound on what it can add to a
passage's score. Concepts are taken from the highest bound down; the passages of the concepts
taken so far are the candidates, and each candidate gets its full score by looking its id up
(binary search, vectorised) in the postings of the remaining concepts. Once the k-th best
candidate score is above the sum of the bounds of the concepts not yet taken, no other passage
can enter the top k, and the frequent concepts (hundreds of thousands of postings, low idf)
are never scanned. If that never happens, every concept ends up taken: the result is the
exhaustive one.

The bound must hold whatever avgdl is (it moves with every ingest), so it is kept as two
numbers per concept that do not depend on it: the largest tf, and the smallest dl / tf.
BM25's term weight tf (k1 + 1) / (tf + k1 (1 - b) + k1 b dl / avgdl) is at most
(k1 + 1) / (1 + k1 (1 - b) / tf_max + (k1 b / avgdl) min(dl / tf)).

Scores are computed with the same expression as BM25Index and summed in concept order, so
they are bit-identical to it (and so to BM25Okapi).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

# Partial sums are added in a different order than the final scores: allow for rounding.
SLACK = 1e-9


class MaxScoreSearcher:
    """Wraps a loaded BM25Index; ``bounds`` caches the two per-concept numbers (in citebot
    they would be computed when postings are built or changed, and saved with the index)."""

    def __init__(
        self, index: Any, fallback_share: float = 0.02, exhaustive_only: bool = False
    ) -> None:
        self.index = index
        self.bounds: dict[tuple[str, ...], tuple[float, float]] = {}
        # Past this many survivors, looking each up costs more than accumulating densely.
        self.fallback = max(2_000, int(fallback_share * max(1, len(index._doc_len))))
        self._mark = np.zeros(len(index._doc_len), dtype=bool)
        self._acc = np.zeros(len(index._doc_len), dtype=np.float64)
        self.fallbacks = 0  # searches that had to add every concept densely
        self.exhaustive_only = exhaustive_only  # measure the bitmap union on its own

    def _bound_parts(self, key: tuple[str, ...], ids: Any, tfs: Any) -> tuple[float, float]:
        parts = self.bounds.get(key)
        if parts is None:
            dl = self.index._doc_len[ids].astype(np.float64)
            parts = (float(tfs.max()), float((dl / tfs).min()))
            self.bounds[key] = parts
        return parts

    def _weights(self, tfs: Any, ids: Any, idf: float) -> Any:
        k1, b = self.index.params.k1, self.index.params.b
        tf = tfs.astype(np.float64)
        dl = self.index._doc_len[ids].astype(np.float64)
        return idf * (tf * (k1 + 1) / (tf + k1 * (1 - b + b * dl / self.index.avgdl)))

    def search(self, concepts: Sequence[Sequence[str]], k: int = 10) -> list[tuple[int, float]]:
        index = self.index
        if not index.doc_count or k <= 0:
            return []
        k1, b = index.params.k1, index.params.b
        avgdl = index.avgdl
        lists = []
        for alternatives in concepts:
            ids, tfs = index.concept_postings(alternatives)
            if not len(ids):
                continue
            idf = index.idf(len(ids))
            tf_max, ratio_min = self._bound_parts(tuple(alternatives), ids, tfs)
            bound = idf * (k1 + 1) / (1 + k1 * (1 - b) / tf_max + k1 * b / avgdl * ratio_min)
            lists.append((ids, tfs, idf, bound))
        if not lists:
            return []
        if self.exhaustive_only or any(idf < 0 for _, _, idf, _ in lists):
            return self._exhaustive(lists, k)  # bounds need non-negative weights
        order = sorted(range(len(lists)), key=lambda i: (-lists[i][3], len(lists[i][0])))
        rest = [*np.cumsum([lists[i][3] for i in order][::-1])[::-1].tolist(), 0.0]
        acc, mark = self._acc, self._mark
        theta = -np.inf
        taken = 0
        candidates = np.zeros(0, dtype=np.int64)
        try:
            # Essential concepts, highest bound first, accumulated over all their postings,
            # until the k-th best partial score (a lower bound of the final k-th score)
            # exceeds what the concepts not yet taken could add together.
            while taken < len(order):
                ids, tfs, idf, _ = lists[order[taken]]
                acc[ids] += self._weights(tfs, ids, idf)
                mark[ids] = True
                taken += 1
                # A sorted union is cheaper than a scan of the bitmap while lists are short.
                if len(candidates) + len(ids) < self.fallback:
                    candidates = np.union1d(candidates, ids)
                else:
                    candidates = np.flatnonzero(mark)
                if taken < len(order) and len(candidates) >= k:
                    partial = acc[candidates]
                    theta = float(np.partition(partial, len(partial) - k)[len(partial) - k])
                    if theta * (1 - SLACK) > rest[taken]:
                        break
            partial = acc[candidates]
            if taken < len(order) and len(candidates) > k:
                # A candidate whose partial score plus every missing bound stays below the
                # k-th partial score cannot make the top k.
                keep = partial + rest[taken] >= theta * (1 - SLACK)
                candidates, partial = candidates[keep], partial[keep]
            if len(candidates) > self.fallback:
                # Too many survivors to look up one by one: add the remaining concepts
                # densely and keep only the passages near the k-th approximate score.
                for i in order[taken:]:
                    ids, tfs, idf, _ = lists[i]
                    acc[ids] += self._weights(tfs, ids, idf)
                    mark[ids] = True
                everything = np.flatnonzero(mark)
                approx = acc[everything]
                kth = np.partition(approx, len(approx) - k)[len(approx) - k]
                near = approx >= kth * (1 - SLACK)
                candidates = everything[near]
                self.fallbacks += 1
        finally:
            hit = np.flatnonzero(mark)
            acc[hit] = 0.0
            mark[hit] = False
        # Exact scores, summed in concept order like BM25Index (bit-identical).
        return self._top(candidates, self._score(lists, candidates), k)

    def _score(self, lists: list[Any], candidates: Any) -> Any:
        """Full scores of the candidates, summed in concept order (as BM25Index does)."""
        total = np.zeros(len(candidates), dtype=np.float64)
        for ids, tfs, idf, _ in lists:
            pos = np.searchsorted(ids, candidates)
            pos[pos == len(ids)] = 0
            hit = ids[pos] == candidates
            if hit.any():
                total[hit] += self._weights(tfs[pos[hit]], candidates[hit], idf)
        return total

    def _exhaustive(self, lists: list[Any], k: int) -> list[tuple[int, float]]:
        """Accumulate every posting, as BM25Index does, finding the candidates with a bitmap
        (index.py first used np.unique here: 90% of a search at 1M; it now has a position
        buffer to the same effect)."""
        self.fallbacks += 1
        acc, mark = self._acc, self._mark
        for ids, tfs, idf, _ in lists:
            acc[ids] += self._weights(tfs, ids, idf)
            mark[ids] = True
        candidates = np.flatnonzero(mark)
        values = acc[candidates]
        acc[candidates] = 0.0
        mark[candidates] = False
        return self._top(candidates, values, k)

    @staticmethod
    def _top(candidates: Any, values: Any, k: int) -> list[tuple[int, float]]:
        """Best ``k``, equal scores by lower id, at the cut too (as BM25Index does)."""
        if len(candidates) > k:
            kth = np.partition(values, len(values) - k)[len(values) - k]
            pool = np.flatnonzero(values >= kth)
        else:
            pool = np.arange(len(candidates))
        ranked = sorted(pool.tolist(), key=lambda i: (-values[i], candidates[i]))[:k]
        return [(int(candidates[i]), float(values[i])) for i in ranked]
