"""The top-k search over a BM25Index: exact MaxScore, with its loops in C or in numpy.

Concepts are read from the highest possible contribution down; once the k-th best partial score
is above what the unread concepts could add together, those are only looked up (binary search)
for the passages still in the running, so frequent terms (in half the passages, idf near zero)
are seldom scanned. The final scores are recomputed concept by concept in the question's order,
so that they equal BM25Okapi's to the bit. Two drivers of one algorithm: the compiled one
(knowledge/_bm25.c) and numpy alone, for machines where the extension could not be built; the
tests hold them to the same results.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from knowledge.index import bm25
from knowledge.index.bm25 import BM25Params, FloatArray, IntArray
from knowledge.index.kernel import bm25c as _bm25
from knowledge.index.scratch import Scratch

_EMPTY_I = np.zeros(0, dtype=np.int32)
# Partial scores are summed in another order than final ones: room for the rounding.
_SLACK = 1e-9


@dataclass(frozen=True)
class Concept:
    """A concept of a question as the search reads it."""

    alternatives: tuple[str, ...]
    parts: list[tuple[IntArray, IntArray]]  # each term's postings, sorted by id
    df: int
    idf: float
    bound: float  # the most it can add to a passage's score


@dataclass(frozen=True)
class Corpus:
    """What the drivers read besides the concepts: the passages' lengths (0 for a removed
    one), the scoring's parameters and average length, this thread's buffers."""

    lengths: IntArray
    params: BM25Params
    avgdl: float
    scratch: Scratch
    compiled: bool

    def weights(self, ids: IntArray, tfs: IntArray | np.ndarray, idf: float) -> FloatArray:
        return bm25.weights(tfs, self.lengths[ids], idf, self.params, self.avgdl)


def top_k(index: Corpus, lists: Sequence[Concept], k: int) -> list[tuple[int, float]]:
    """The ``k`` best passages for the concepts (each with postings), best first, ties by id."""
    if any(c.idf < 0 for c in lists):
        order = list(range(len(lists)))  # bounds need weights >= 0: read everything
        rest = [math.inf] * len(lists) + [0.0]
    else:
        order = sorted(range(len(lists)), key=lambda i: -lists[i].bound)
        rest = [*np.cumsum([lists[i].bound for i in order][::-1])[::-1].tolist(), 0.0]
    lookup_limit = max(2_000, len(index.lengths) // 50)
    if index.compiled:
        candidates, values = _search_compiled(index, lists, order, rest, k, lookup_limit)
        return _top(candidates, values, k)
    scores = index.scratch.scores
    theta = -math.inf
    taken = 0
    union = _EMPTY_I
    try:
        # Read the concepts with the highest bounds, all their postings, until the k-th
        # best partial score (a lower bound of the final k-th score) is above the sum of
        # the unread bounds: no passage outside the union can reach the top k.
        while taken < len(order):
            union = _read(index, lists[order[taken]], union)
            taken += 1
            if taken < len(order) and len(union) >= k:
                partial = scores[union]
                theta = float(np.partition(partial, len(partial) - k)[len(partial) - k])
                if theta * (1 - _SLACK) > rest[taken]:
                    break
        candidates = union
        if taken < len(order) and len(candidates) > k:
            # A passage whose partial score plus every unread bound stays below the k-th
            # partial score cannot make the top k.
            keep = scores[candidates] + rest[taken] >= theta * (1 - _SLACK)
            candidates = candidates[keep]
        if taken < len(order) and len(candidates) > lookup_limit:
            # Too many to look up one by one: read the rest too, keep those near the top.
            for i in order[taken:]:
                union = _read(index, lists[i], union)
            approx = scores[union]
            kth = np.partition(approx, len(approx) - k)[len(approx) - k]
            candidates = union[approx >= kth * (1 - _SLACK)]
    finally:
        scores[union] = 0.0
    # Exact scores of the candidates, added in concept order as BM25Okapi adds them; a
    # concept's count is summed over its terms' sorted postings (binary search).
    values = np.zeros(len(candidates), dtype=np.float64)
    for concept in lists:
        counts = np.zeros(len(candidates), dtype=np.int64)
        for ids, tfs in concept.parts:
            at = np.searchsorted(ids, candidates)
            at[at == len(ids)] = 0
            hit = ids[at] == candidates
            counts[hit] += tfs[at[hit]]
        hit = counts > 0
        if hit.any():
            values[hit] += index.weights(candidates[hit], counts[hit], concept.idf)
    return _top(candidates, values, k)


def _search_compiled(
    index: Corpus,
    lists: Sequence[Concept],
    order: list[int],
    rest: list[float],
    k: int,
    limit: int,
) -> tuple[IntArray, FloatArray]:
    """MaxScore as in top_k, with the loops in C; returns candidates and exact scores.

    The differences are in what each pass over the union costs (a millisecond at a
    million passages, as much as reading a few hundred thousand postings):
    - each read also returns the k-th best score among the passages it touched, a lower
      bound of the k-th best overall when scores only grow (every idf >= 0);
    - once the unread concepts have few postings left, they are read rather than looked
      up: the buffer then holds every passage's whole score (summed in another order), and
      only those within rounding of the k-th best go on to the exact rescoring.
    """
    k1, b, avgdl = index.params.k1, index.params.b, index.avgdl
    scratch = index.scratch
    scores, marks, union, picked = scratch.scores, scratch.marks, scratch.union, scratch.picked
    growing = all(c.idf >= 0 for c in lists)
    # Rounding of a sum stays far below this share of the largest possible |score|.
    margin = _SLACK * sum(abs(c.bound) for c in lists)
    unread = [0] * (len(order) + 1)  # postings of the concepts after the i-th
    for i in range(len(order) - 1, -1, -1):
        unread[i] = unread[i + 1] + lists[order[i]].df

    n = taken = 0
    theta = -math.inf

    def read(concept: Concept) -> None:
        nonlocal n, theta
        n, touched_kth = _bm25.accumulate(
            concept.parts, concept.idf, k1, b, avgdl, index.lengths, scores,
            scratch.tf, marks, union, n, picked, k,
        )  # fmt: skip
        if growing:
            theta = max(theta, touched_kth)

    candidates = None
    try:
        while taken < len(order):
            read(lists[order[taken]])
            taken += 1
            if taken == len(order) or n < k or not growing or 4 * unread[taken] < n:
                continue
            if theta - margin <= rest[taken] and lists[order[taken - 1]].df < n // 2:
                theta = _bm25.kth_largest(scores, marks, union, n, k)
            if theta - margin > rest[taken]:
                # No passage outside the union can make the top k; inside it, one whose
                # partial score plus every unread bound stays below the k-th best cannot.
                m = _bm25.select_at_least(
                    scores, marks, union, n, theta - margin - rest[taken], picked
                )
                if m <= limit:
                    candidates = picked[:m].copy()
                    break
                # Too many to look up one by one: read on.
        if candidates is None and n <= k:
            candidates = union[:n].copy()
        elif candidates is None:
            m = limit + 1
            if growing:
                m = _bm25.select_at_least(scores, marks, union, n, theta - margin, picked)
            if m > limit:
                theta = _bm25.kth_largest(scores, marks, union, n, k)
                m = _bm25.select_at_least(scores, marks, union, n, theta - margin, picked)
            candidates = picked[:m].copy()
    finally:
        _bm25.clear(scores, marks, union, n)
    candidates.sort()
    values = np.empty(len(candidates), dtype=np.float64)
    _bm25.exact(
        [c.parts for c in lists], [c.idf for c in lists], k1, b, avgdl, index.lengths,
        candidates, values,
    )  # fmt: skip
    return candidates, values


def _top(candidates: IntArray, values: FloatArray, k: int) -> list[tuple[int, float]]:
    if len(candidates) > k:
        # Everything tied with the k-th score comes along, so ties break by id exactly.
        kth = -np.partition(-values, k - 1)[k - 1]
        top = np.flatnonzero(values >= kth)
    else:
        top = np.arange(len(candidates))
    ranked = sorted(top.tolist(), key=lambda i: (-values[i], candidates[i]))[:k]
    return [(int(candidates[i]), float(values[i])) for i in ranked]


def _read(index: Corpus, concept: Concept, union: IntArray) -> IntArray:
    """Add every posting of ``concept`` to the score buffer; returns the grown union."""
    # Postings of removed passages (length 0) wait for the next save.
    lengths, scratch = index.lengths, index.scratch
    if len(concept.parts) == 1:
        ids, tfs = concept.parts[0]
        live = lengths[ids] > 0
        if not live.all():
            ids, tfs = ids[live], tfs[live]
    else:
        parts = []
        for part_ids, part_tfs in concept.parts:
            live = lengths[part_ids] > 0
            parts.append((part_ids[live], part_tfs[live]))
        ids, tfs = scratch.summed_union(parts)
    scratch.scores[ids] += index.weights(ids, tfs, concept.idf)
    return scratch.distinct(np.concatenate([union, ids])) if len(union) else ids
