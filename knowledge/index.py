"""BM25 over passages with BM25Okapi's scoring, as an inverted index.

A question touches only the postings of its own terms, never every passage: scores accumulate in
a reusable buffer for just the passages that contain a term. Postings live in one compressed
sparse row block (loaded from disk without re-tokenizing anything) plus a small overlay of terms
changed since, so adding or removing an article touches only that article's terms.

A search is exact without reading every posting (MaxScore): concepts are read from the highest
possible contribution down, and once the k-th best partial score is above what the unread
concepts could add together, those are only looked up (binary search) for the passages still
in the running. Frequent terms, in half the passages with an idf near zero, are then seldom
scanned.

Scoring is rank_bm25's BM25Okapi to the bit: idf = ln(N - df + 0.5) - ln(df + 0.5), negative idf
replaced by epsilon times the mean idf over the vocabulary, avgdl over live passages. A concept
with several alternative terms (a name and its translations) scores as one term whose count is
the sum of theirs and whose document frequency is that of their union.
"""

from __future__ import annotations

import json
import math
import os
import threading
import time
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

try:  # the compiled inner loops (knowledge/_bm25.c), built at install where a compiler is
    from knowledge import _bm25
except ImportError:  # pragma: no cover - depends on the machine that installed the package
    _bm25 = None

IntArray = npt.NDArray[np.int32]
FloatArray = npt.NDArray[np.float64]
_EMPTY_I = np.zeros(0, dtype=np.int32)
# Partial scores are summed in another order than final ones: room for the rounding.
_SLACK = 1e-9


@dataclass(frozen=True)
class _Concept:
    alternatives: tuple[str, ...]
    parts: list[tuple[IntArray, IntArray]]  # each term's postings, sorted by id
    df: int
    idf: float
    bound: float  # the most it can add to a passage's score


@dataclass(frozen=True)
class BM25Params:
    k1: float = 1.5
    b: float = 0.75
    epsilon: float = 0.25

    def __post_init__(self) -> None:
        if not (self.k1 >= 0 and 0 <= self.b <= 1 and self.epsilon >= 0):
            raise ValueError(
                f"BM25 parameters out of range: k1={self.k1} b={self.b} eps={self.epsilon}"
            )


class _Scratch:
    """One thread's arrays indexed by passage id, reused across its searches.

    Allocating them per question would cost milliseconds at a million passages; keeping one
    set per thread (about 29 MB at a million passages) lets questions be searched at the same
    time, on several cores while the C loops run without the GIL.
    """

    def __init__(self, size: int) -> None:
        # np.full writes every page now: np.zeros would leave the kernel to fault them in
        # during the first questions (about 20 ms for these buffers at a million passages).
        self.scores = np.full(size, 0.0, dtype=np.float64)
        self.tf = np.full(size, 0, dtype=np.int32)
        self.positions = np.full(size, 0, dtype=np.int64)
        self.marks = np.full(size, 0, dtype=np.uint8)
        self.union = np.full(size, 0, dtype=np.int32)
        self.picked = np.full(size, 0, dtype=np.int32)


class BM25Index:
    """Passage id -> terms, searchable by concepts (tuples of alternative terms)."""

    def __init__(self, params: BM25Params | None = None, *, compiled: bool | None = None) -> None:
        """``compiled`` picks the C search loops (the default where they were built) or numpy
        alone; both give the same passages and the same scores."""
        self.params = params or BM25Params()
        if compiled and _bm25 is None:
            raise ValueError("the compiled search (knowledge._bm25) was not built here")
        self.compiled = _bm25 is not None if compiled is None else compiled
        self.term_ids: dict[str, int] = {}
        self._terms: list[str] = []
        self._base_ptr = np.zeros(1, dtype=np.int64)
        self._base_ids: IntArray = _EMPTY_I
        self._base_tfs: IntArray = _EMPTY_I
        self._overlay: dict[int, tuple[IntArray, IntArray]] = {}
        # Per overlay term: (ids buffer, tfs buffer, the ids view now in the overlay).
        self._spare: dict[int, tuple[IntArray, IntArray, IntArray]] = {}
        self._max_id = -1  # at least the largest passage id ever indexed
        self._doc_len = np.zeros(0, dtype=np.int32)  # by passage id; 0 = absent
        self._local = threading.local()  # each searching thread's _Scratch
        # Per term: (largest tf, smallest dl / tf) over its postings, which bound its BM25
        # weight for any avgdl; dropped for the terms an update touches.
        self._bounds: dict[int, tuple[float, float, float]] = {}
        # The same for every term of the base table, as saved with it (rows by term id); a term
        # in the overlay has other postings now, and its bound comes from them.
        self._base_bounds: FloatArray = np.zeros((0, 3), dtype=np.float64)
        self._union_df: dict[tuple[int, ...], int] = {}  # df of multi-term concepts
        self.doc_count = 0
        self.total_len = 0
        self.generation = 0
        self._mean_idf: float | None = None

    # -- postings -------------------------------------------------------------------------
    def postings(self, term: str) -> tuple[IntArray, IntArray]:
        tid = self.term_ids.get(term)
        if tid is None:
            return _EMPTY_I, _EMPTY_I
        return self._postings_of(tid)

    def df(self, term: str) -> int:
        return len(self.postings(term)[0])

    def _term_id(self, term: str) -> int:
        tid = self.term_ids.get(term)
        if tid is None:
            tid = len(self._terms)
            self.term_ids[term] = tid
            self._terms.append(term)
        return tid

    # -- updates --------------------------------------------------------------------------
    def add(self, docs: Iterable[tuple[int, Sequence[str]]]) -> None:
        """Add passages (id, terms); ids must be new.

        The (term, passage) pairs of the whole batch are counted and grouped by term in numpy
        (one sort), so the Python left per term is one append to its postings: an article of
        600 distinct terms costs 600 appends, not the 1,400 dictionary updates of its tokens.
        """
        doc_ids: list[int] = []
        lengths: list[int] = []
        tids: list[int] = []
        known = self.term_ids.get
        term_id = self._term_id
        previous = self._max_id
        ascending = True  # every new id above every indexed one, in order
        for doc_id, terms in docs:
            if not terms:
                continue  # nothing to match; a length of 0 marks "not indexed"
            self._ensure_capacity(doc_id)
            if self._doc_len[doc_id]:
                raise ValueError(f"passage {doc_id} is already indexed")
            ascending = ascending and doc_id > previous
            previous = max(previous, doc_id)
            self._doc_len[doc_id] = len(terms)
            self.doc_count += 1
            self.total_len += len(terms)
            ids = [known(t) for t in terms]
            if None in ids:
                ids = [term_id(t) for t in terms]
            tids += ids
            doc_ids.append(doc_id)
            lengths.append(len(terms))
        self._max_id = previous
        if tids:
            # One key per token, term id above passage id: sorted keys group the postings by
            # term with ids ascending, and a key's repeats are the passage's term frequency.
            keys = np.asarray(tids, dtype=np.int64) << 32
            keys |= np.repeat(np.asarray(doc_ids, dtype=np.int64), lengths)
            keys, counts = np.unique(keys, return_counts=True)
            ids_of = (keys & 0xFFFFFFFF).astype(np.int32)
            tfs_of = counts.astype(np.int32)
            terms_of = keys >> 32
            starts = np.flatnonzero(np.diff(terms_of)) + 1
            bounds = [0, *starts.tolist(), len(keys)]
            extend = self._appended if ascending else self._merged
            overlay, term_bounds = self._overlay, self._bounds
            heads = terms_of[bounds[:-1]].tolist()
            for tid, lo, hi in zip(heads, bounds, bounds[1:], strict=False):
                overlay[tid] = extend(tid, ids_of[lo:hi], tfs_of[lo:hi])
                term_bounds.pop(tid, None)
        self._changed()

    def _postings_of(self, tid: int) -> tuple[IntArray, IntArray]:
        over = self._overlay.get(tid)
        if over is not None:
            return over
        if tid + 1 >= len(self._base_ptr):
            return _EMPTY_I, _EMPTY_I
        lo, hi = self._base_ptr[tid], self._base_ptr[tid + 1]
        return self._base_ids[lo:hi], self._base_tfs[lo:hi]

    def _merged(self, tid: int, ids: IntArray, tfs: IntArray) -> tuple[IntArray, IntArray]:
        """The term's postings with (ids, tfs) added anywhere: merged and sorted by id."""
        old_ids, old_tfs = self._postings_of(tid)
        merged_ids = np.concatenate([old_ids, ids])
        merged_tfs = np.concatenate([old_tfs, tfs])
        order = np.argsort(merged_ids, kind="stable")
        self._spare.pop(tid, None)
        return merged_ids[order], merged_tfs[order]

    def _appended(self, tid: int, ids: IntArray, tfs: IntArray) -> tuple[IntArray, IntArray]:
        """The term's postings with (ids, tfs), all above its last id, appended.

        New passages usually come after every indexed one (ids grow), so they are written into
        spare room kept behind the term's overlay arrays, which grows by half each time it is
        full: adding an article costs its own postings, not a copy of every frequent term's
        (600k entries at a million passages). Only room past the end is ever written, so
        arrays handed out before (to a search, to a snapshot being saved) never change.
        """
        old_ids, old_tfs = self._postings_of(tid)
        n, m = len(old_ids), len(ids)
        spare = self._spare.get(tid)
        if spare is None or spare[2] is not old_ids or len(spare[0]) < n + m:
            room = max(n + m, n + n // 2, 8)
            buf_ids = np.empty(room, dtype=np.int32)
            buf_tfs = np.empty(room, dtype=np.int32)
            buf_ids[:n], buf_tfs[:n] = old_ids, old_tfs
        else:
            buf_ids, buf_tfs, _ = spare
        if m == 1:  # most terms of an article: no arrays to build
            buf_ids[n], buf_tfs[n] = ids[0], tfs[0]
        else:
            buf_ids[n : n + m], buf_tfs[n : n + m] = ids, tfs
        grown = (buf_ids[: n + m], buf_tfs[: n + m])
        self._spare[tid] = (buf_ids, buf_tfs, grown[0])
        return grown

    def remove(self, docs: Iterable[tuple[int, Sequence[str]]]) -> None:
        """Remove passages given with the terms they were indexed with."""
        by_term: dict[int, list[int]] = {}
        for doc_id, terms in docs:
            if doc_id >= len(self._doc_len) or not self._doc_len[doc_id]:
                continue
            self.doc_count -= 1
            self.total_len -= len(terms)
            self._doc_len[doc_id] = 0
            for term in set(terms):
                tid = self.term_ids.get(term)
                if tid is not None:
                    by_term.setdefault(tid, []).append(doc_id)
        for tid, gone in by_term.items():
            ids, tfs = self._postings_of(tid)
            keep = ~np.isin(ids, np.asarray(gone, dtype=np.int32))
            self._overlay[tid] = (ids[keep], tfs[keep])
            self._spare.pop(tid, None)  # its room sat behind the arrays just replaced
            self._bounds.pop(tid, None)
        self._changed()

    def _ensure_capacity(self, doc_id: int) -> None:
        if doc_id >= len(self._doc_len):
            size = max(doc_id + 1, int(len(self._doc_len) * 1.5) + 16)
            grown = np.zeros(size, dtype=np.int32)
            grown[: len(self._doc_len)] = self._doc_len
            self._doc_len = grown

    def _changed(self) -> None:
        self._mean_idf = None
        self._union_df.clear()

    # -- scoring --------------------------------------------------------------------------
    @property
    def avgdl(self) -> float:
        return self.total_len / self.doc_count if self.doc_count else 0.0

    def idf(self, df: int) -> float:
        n = self.doc_count
        value = math.log(n - df + 0.5) - math.log(df + 0.5)
        if value < 0:
            return self.params.epsilon * self.mean_idf()
        return value

    def mean_idf(self) -> float:
        """BM25Okapi's average idf over the whole vocabulary; computed only when a term needs it.

        To the bit as rank_bm25 computes it: math.log (numpy's log may differ in the last bit)
        of each distinct df, summed left to right in term order (np.cumsum is sequential;
        np.mean sums pairwise). The vocabulary has a few thousand distinct dfs at most.
        """
        if self._mean_idf is None:
            dfs = np.zeros(len(self._terms), dtype=np.int64)
            base = np.diff(self._base_ptr)[: len(self._terms)]
            dfs[: len(base)] = base
            for tid, (ids, _) in self._overlay.items():
                dfs[tid] = len(ids)
            dfs = dfs[dfs > 0]
            n = self.doc_count
            if len(dfs):
                distinct, inverse = np.unique(dfs, return_inverse=True)
                values = np.array(
                    [math.log(n - d + 0.5) - math.log(d + 0.5) for d in distinct.tolist()]
                )
                self._mean_idf = float(np.cumsum(values[inverse])[-1] / len(dfs))
            else:
                self._mean_idf = 0.0
        return self._mean_idf

    def concept_df(self, alternatives: Sequence[str]) -> int:
        """Passages holding any of the alternatives, without building the concept's postings
        (a question's concepts were just searched, so their union counts are cached)."""
        concept = self._concept(alternatives)
        return 0 if concept is None else concept.df

    def concept_postings(self, alternatives: Sequence[str]) -> tuple[IntArray, IntArray]:
        """Postings of a synonym group: union of passages, summed counts."""
        lists = [self.postings(t) for t in dict.fromkeys(alternatives)]
        lists = [p for p in lists if len(p[0])]
        if not lists:
            return _EMPTY_I, _EMPTY_I
        if len(lists) == 1:
            return lists[0]
        counts = self._scratch().tf
        for ids, tfs in lists:
            counts[ids] += tfs  # ids are unique within one term's postings
        union = self._distinct(np.concatenate([p[0] for p in lists]))
        summed = counts[union]
        counts[union] = 0
        return union, summed

    def _scratch(self) -> _Scratch:
        """This thread's scratch arrays, as long as the passage table."""
        scratch: _Scratch | None = getattr(self._local, "scratch", None)
        if scratch is None or len(scratch.scores) < len(self._doc_len):
            scratch = self._local.scratch = _Scratch(len(self._doc_len))
        return scratch

    def _distinct(self, ids: IntArray) -> IntArray:
        """The distinct ids, without sorting: each id keeps the one occurrence whose position
        survived in the buffer, whichever write won."""
        order = np.arange(len(ids), dtype=np.int64)
        positions = self._scratch().positions
        positions[ids] = order
        return ids[positions[ids] == order]

    def _weights(self, ids: IntArray, tfs: IntArray, idf: float) -> FloatArray:
        """Each posting's BM25 weight; one expression everywhere, so sums agree to the bit."""
        k1, b = self.params.k1, self.params.b
        tf = tfs.astype(np.float64)
        dl = self._doc_len[ids].astype(np.float64)
        return idf * (tf * (k1 + 1) / (tf + k1 * (1 - b + b * dl / self.avgdl)))

    def _contributions(self, alternatives: Sequence[str]) -> tuple[IntArray, FloatArray]:
        ids, tfs = self.concept_postings(alternatives)
        if not len(ids):
            return ids, np.zeros(0)
        return ids, self._weights(ids, tfs, self.idf(len(ids)))

    def _term_bound(self, tid: int, ids: IntArray, tfs: IntArray) -> tuple[float, float, float]:
        """(largest tf, smallest dl / tf, smallest dl) over one term's postings: with them a
        BM25 weight tf (k1 + 1) / (tf + k1 (1 - b) + k1 b dl / avgdl), which grows with tf and
        shrinks with dl, is bounded whatever avgdl is. Kept until an update touches the term."""
        parts = self._bounds.get(tid)
        if parts is None:
            if tid < len(self._base_bounds) and tid not in self._overlay:
                row = self._base_bounds[tid]
                return float(row[0]), float(row[1]), float(row[2])
            if self.compiled:
                parts = _bm25.term_bound(ids, tfs, self._doc_len)
            else:
                dl = self._doc_len[ids].astype(np.float64)
                parts = (float(tfs.max()), float((dl / tfs).min()), float(dl.min()))
            self._bounds[tid] = parts
        return parts

    def _concept(self, alternatives: Sequence[str]) -> _Concept | None:
        """A concept's terms' own postings (each sorted by id), its df and weight bound."""
        parts = []
        for term in dict.fromkeys(alternatives):
            ids, tfs = self.postings(term)
            if len(ids):
                parts.append((self.term_ids[term], ids, tfs))
        if not parts:
            return None
        bounds = [self._term_bound(tid, ids, tfs) for tid, ids, tfs in parts]
        if len(parts) == 1:
            df = len(parts[0][1])
            tf_max, ratio_min = bounds[0][0], bounds[0][1]
        else:
            key = tuple(tid for tid, _, _ in parts)
            cached = self._union_df.get(key)
            if cached is None:
                if self.compiled:
                    marks = self._scratch().marks
                    cached = _bm25.union_count([(i, t) for _, i, t in parts], marks)
                else:
                    cached = len(self._distinct(np.concatenate([ids for _, ids, _ in parts])))
                self._union_df[key] = cached
            df = cached
            # A passage's count is the sum of its terms' counts: at most the sum of maxima.
            tf_max = sum(b[0] for b in bounds)
            ratio_min = min(b[2] for b in bounds) / tf_max
        k1, b = self.params.k1, self.params.b
        idf = self.idf(df)
        bound = idf * (k1 + 1) / (1 + k1 * (1 - b) / tf_max + k1 * b / self.avgdl * ratio_min)
        return _Concept(tuple(alternatives), [(ids, tfs) for _, ids, tfs in parts], df, idf, bound)

    def search(self, concepts: Sequence[Sequence[str]], k: int = 10) -> list[tuple[int, float]]:
        """Top ``k`` passages for the concepts, best first (ties broken by passage id)."""
        if not self.doc_count or k <= 0:
            return []
        found = [self._concept(alternatives) for alternatives in concepts]
        lists = [c for c in found if c is not None]
        if not lists:
            return []
        if any(c.idf < 0 for c in lists):
            order = list(range(len(lists)))  # bounds need weights >= 0: read everything
            rest = [math.inf] * len(lists) + [0.0]
        else:
            order = sorted(range(len(lists)), key=lambda i: -lists[i].bound)
            rest = [*np.cumsum([lists[i].bound for i in order][::-1])[::-1].tolist(), 0.0]
        lookup_limit = max(2_000, len(self._doc_len) // 50)
        if self.compiled:
            candidates, values = self._search_compiled(lists, order, rest, k, lookup_limit)
            return self._top(candidates, values, k)
        scores = self._scratch().scores
        theta = -math.inf
        taken = 0
        union = _EMPTY_I
        try:
            # Read the concepts with the highest bounds, all their postings, until the k-th
            # best partial score (a lower bound of the final k-th score) is above the sum of
            # the unread bounds: no passage outside the union can reach the top k.
            while taken < len(order):
                union = self._read(lists[order[taken]], union)
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
                    union = self._read(lists[i], union)
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
                values[hit] += self._weights(candidates[hit], counts[hit], concept.idf)
        return self._top(candidates, values, k)

    def _search_compiled(
        self, lists: list[_Concept], order: list[int], rest: list[float], k: int, limit: int
    ) -> tuple[IntArray, FloatArray]:
        """MaxScore as in search, with the loops in C; returns candidates and exact scores.

        The differences are in what each pass over the union costs (a millisecond at a
        million passages, as much as reading a few hundred thousand postings):
        - each read also returns the k-th best score among the passages it touched, a lower
          bound of the k-th best overall when scores only grow (every idf >= 0);
        - once the unread concepts have few postings left, they are read rather than looked
          up: the buffer then holds every passage's whole score (summed in another order), and
          only those within rounding of the k-th best go on to the exact rescoring.
        """
        k1, b, avgdl = self.params.k1, self.params.b, self.avgdl
        scratch = self._scratch()
        scores, marks, union, picked = scratch.scores, scratch.marks, scratch.union, scratch.picked
        growing = all(c.idf >= 0 for c in lists)
        # Rounding of a sum stays far below this share of the largest possible |score|.
        margin = _SLACK * sum(abs(c.bound) for c in lists)
        unread = [0] * (len(order) + 1)  # postings of the concepts after the i-th
        for i in range(len(order) - 1, -1, -1):
            unread[i] = unread[i + 1] + lists[order[i]].df

        def read(concept: _Concept) -> None:
            nonlocal n, theta
            n, touched_kth = _bm25.accumulate(
                concept.parts, concept.idf, k1, b, avgdl, self._doc_len, scores,
                scratch.tf, marks, union, n, picked, k,
            )  # fmt: skip
            if growing:
                theta = max(theta, touched_kth)

        n = taken = 0
        theta = -math.inf
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
            [c.parts for c in lists], [c.idf for c in lists], k1, b, avgdl, self._doc_len,
            candidates, values,
        )  # fmt: skip
        return candidates, values

    @staticmethod
    def _top(candidates: IntArray, values: FloatArray, k: int) -> list[tuple[int, float]]:
        if len(candidates) > k:
            # Everything tied with the k-th score comes along, so ties break by id exactly.
            kth = -np.partition(-values, k - 1)[k - 1]
            top = np.flatnonzero(values >= kth)
        else:
            top = np.arange(len(candidates))
        ranked = sorted(top.tolist(), key=lambda i: (-values[i], candidates[i]))[:k]
        return [(int(candidates[i]), float(values[i])) for i in ranked]

    def _read(self, concept: _Concept, union: IntArray) -> IntArray:
        """Add every posting of ``concept`` to the score buffer; returns the grown union."""
        if len(concept.parts) == 1:
            ids, tfs = concept.parts[0]
        else:
            ids, tfs = self.concept_postings(concept.alternatives)
        self._scratch().scores[ids] += self._weights(ids, tfs, concept.idf)
        return self._distinct(np.concatenate([union, ids])) if len(union) else ids

    def scores(self, doc_ids: Sequence[int], query_terms: Sequence[str]) -> list[float]:
        """BM25Okapi.get_scores for the given passages, each query term counted as given."""
        if not self.doc_count:
            return [0.0] * len(doc_ids)
        total = np.zeros(len(self._doc_len), dtype=np.float64)
        for term in query_terms:
            ids, contrib = self._contributions([term])
            total[ids] += contrib
        return [float(total[d]) for d in doc_ids]

    # -- persistence ----------------------------------------------------------------------
    def save(self, directory: Path) -> None:
        """Write the index atomically: a crash leaves the previous copy or this one."""
        directory.mkdir(parents=True, exist_ok=True)
        ptr = [0]
        id_parts: list[IntArray] = []
        tf_parts: list[IntArray] = []
        for term in self._terms:
            ids, tfs = self.postings(term)
            id_parts.append(ids)
            tf_parts.append(tfs)
            ptr.append(ptr[-1] + len(ids))
        # Names of this process's own: two processes saving one folder (a bot and `citebot
        # ingest`) must not write into each other's half-finished file. Their renames may still
        # interleave, so both files carry a stamp of this save, and load wants the two to agree.
        suffix = f".{os.getpid()}.tmp"
        stamp = f"{self.generation}-{os.getpid()}-{time.time_ns()}"
        tmp = directory / f"index.npz{suffix}"
        ptr_array = np.asarray(ptr, dtype=np.int64)
        all_ids = np.concatenate(id_parts) if id_parts else _EMPTY_I
        all_tfs = np.concatenate(tf_parts) if tf_parts else _EMPTY_I
        with open(tmp, "wb") as fh:
            np.savez(
                fh,
                ptr=ptr_array,
                ids=all_ids,
                tfs=all_tfs,
                doc_len=self._doc_len,
                bounds=self._all_bounds(ptr_array, all_ids, all_tfs),
                stamp=np.array(stamp),
            )
            fh.flush()
            os.fsync(fh.fileno())
        meta = {
            "terms": self._terms,
            "doc_count": self.doc_count,
            "total_len": self.total_len,
            "generation": self.generation,
            "params": [self.params.k1, self.params.b, self.params.epsilon],
            "stamp": stamp,
            # As the saved state has it, so that a loaded index does not recompute it (13 ms at
            # a million passages) during its first question with a very common term.
            "mean_idf": self.mean_idf() if self.doc_count else None,
        }
        meta_tmp = directory / f"index.json{suffix}"
        meta_tmp.write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
        # The arrays go first; the metadata names the generation, so it is renamed last.
        os.replace(tmp, directory / "index.npz")
        os.replace(meta_tmp, directory / "index.json")

    @property
    def bounds_saved(self) -> bool:
        """False for an index loaded from a save made before bounds were saved: saving it
        again spares its questions the first-use cost of every term."""
        return len(self._base_bounds) == len(self._base_ptr) - 1

    def _all_bounds(self, ptr: IntArray, ids: IntArray, tfs: IntArray) -> FloatArray:
        """Every term's weight bound (see _term_bound) over a postings table, one row a term.

        Saved with the table, so that a loaded index never scans a term's postings for it: a
        question's first use of a frequent term cost up to a millisecond at 1M passages.
        """
        out = np.empty((len(ptr) - 1, 3), dtype=np.float64)
        if self.compiled:
            _bm25.term_bounds(ptr, ids, tfs, self._doc_len, out.reshape(-1))
            return out
        for t in range(len(ptr) - 1):
            lo, hi = int(ptr[t]), int(ptr[t + 1])
            if lo == hi:
                out[t] = (0.0, math.inf, math.inf)
                continue
            dl = self._doc_len[ids[lo:hi]].astype(np.float64)
            tf = tfs[lo:hi]
            out[t] = (float(tf.max()), float((dl / tf).min()), float(dl.min()))
        return out

    @classmethod
    def load(
        cls, directory: Path, params: BM25Params | None = None, *, compiled: bool | None = None
    ) -> BM25Index | None:
        """The saved index, or None when there is none or it was saved with other parameters."""
        try:
            meta = json.loads((directory / "index.json").read_text(encoding="utf-8"))
            arrays = np.load(directory / "index.npz")
            index = cls(params, compiled=compiled)
            if list(meta["params"]) != [index.params.k1, index.params.b, index.params.epsilon]:
                return None
            saved_stamp = str(arrays["stamp"]) if "stamp" in arrays.files else None
            if saved_stamp != meta.get("stamp"):
                return None  # the arrays of one save, the metadata of another
            index._terms = list(meta["terms"])
            index.term_ids = {t: i for i, t in enumerate(index._terms)}
            index._base_ptr = arrays["ptr"]
            index._base_ids = arrays["ids"]
            index._base_tfs = arrays["tfs"]
            index._doc_len = arrays["doc_len"].copy()
            if "bounds" in arrays.files:  # saves before bounds were kept: computed when used
                index._base_bounds = arrays["bounds"]
            live = np.flatnonzero(index._doc_len)
            index._max_id = int(live[-1]) if len(live) else -1
            index.doc_count = int(meta["doc_count"])
            index.total_len = int(meta["total_len"])
            index.generation = int(meta["generation"])
            saved_mean = meta.get("mean_idf")
            index._mean_idf = float(saved_mean) if saved_mean is not None else None
        except (OSError, ValueError, KeyError, zipfile.BadZipFile):
            return None  # unreadable or torn: rebuilt from the stored terms
        if len(index._base_ptr) != len(index._terms) + 1 or len(index._base_bounds) not in (
            0,
            len(index._terms),
        ):
            return None
        index._scratch()  # at start-up rather than during the first question
        return index

    def snapshot(self) -> BM25Index:
        """A copy that later updates of this index leave alone, to save on another thread.

        Cheap enough to take under a lock a million passages large: updates never write into a
        postings array handed out (they give a term new arrays in the overlay, or write past the
        end of the one it had, into spare room the copy does not see), so the arrays are shared
        and only the vocabulary, the overlay's table and the passage lengths are copied. The
        copy has scratch buffers and caches of its own, so it may be searched as well.
        """
        copy = type(self)(self.params)
        copy._terms = list(self._terms)
        copy.term_ids = dict(self.term_ids)
        copy._base_ptr, copy._base_ids = self._base_ptr, self._base_ids
        copy._base_tfs = self._base_tfs
        copy._base_bounds = self._base_bounds
        copy._overlay = dict(self._overlay)
        copy._doc_len = self._doc_len.copy()
        copy.doc_count, copy.total_len = self.doc_count, self.total_len
        copy._max_id = self._max_id
        copy.generation = self.generation
        return copy
