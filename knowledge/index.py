"""BM25 over passages with BM25Okapi's scoring, as an inverted index.

A question touches only the postings of its own terms, never every passage: scores accumulate in
a reusable buffer for just the passages that contain a term. Postings live in one compressed
sparse row block (loaded from disk without re-tokenizing anything) plus a small overlay of terms
changed since, so adding or removing an article touches only that article's terms.

A search is exact without reading every posting (MaxScore, knowledge/maxscore.py); the index
keeps what it needs: each term's weight bound and each synonym group's document frequency.
Saving and loading are knowledge/index_files.py.

Scoring is rank_bm25's BM25Okapi to the bit: idf = ln(N - df + 0.5) - ln(df + 0.5), negative idf
replaced by epsilon times the mean idf over the vocabulary, avgdl over live passages. A concept
with several alternative terms (a name and its translations) scores as one term whose count is
the sum of theirs and whose document frequency is that of their union.
"""

from __future__ import annotations

import itertools
import math
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from knowledge import index_files, maxscore

try:  # the compiled inner loops (knowledge/_bm25.c), built at install where a compiler is
    from knowledge import _bm25
except ImportError:  # pragma: no cover - depends on the machine that installed the package
    _bm25 = None

IntArray = npt.NDArray[np.int32]
FloatArray = npt.NDArray[np.float64]
_EMPTY_I = np.zeros(0, dtype=np.int32)
_SNAPSHOT_IDS = itertools.count(1)
_NO_BOUND = (0.0, math.inf, math.inf)  # the bound parts of no postings


def _grown(
    tail: tuple[IntArray, IntArray, int] | None, ids: IntArray, tfs: IntArray
) -> tuple[IntArray, IntArray, int]:
    """A tail copied into new arrays with room to spare, (ids, tfs) appended; the room grows by
    half each time it is full, so a term's appends cost its own postings, amortised."""
    n = tail[2] if tail is not None else 0
    m = len(ids)
    room = max(n + m, n + n // 2, 8)
    buf_ids = np.empty(room, dtype=np.int32)
    buf_tfs = np.empty(room, dtype=np.int32)
    if tail is not None:
        buf_ids[:n], buf_tfs[:n] = tail[0][:n], tail[1][:n]
    buf_ids[n : n + m], buf_tfs[n : n + m] = ids, tfs
    return buf_ids, buf_tfs, n + m


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
        # Terms changed since the base was built or loaded: (ids, tfs, length). The arrays may be
        # longer than the length, with room for appends behind it; only that room is ever
        # written, so the postings handed out before ([:length] views, a snapshot's entries)
        # never change.
        self._overlay: dict[int, tuple[IntArray, IntArray, int]] = {}
        # Postings appended to a term since: passages newer than every one in its base or
        # overlay postings, in arrays with room (same layout). A frequent term gets a few new
        # postings without its 600k old ones (at a million passages) being copied; a search
        # reads the two as parts of the term.
        self._tails: dict[int, tuple[IntArray, IntArray, int]] = {}
        self._held = 0  # entries of the overlay's and the tails' arrays, room included
        self._max_id = -1  # at least the largest passage id ever indexed
        self._doc_len = np.zeros(0, dtype=np.int32)  # by passage id; 0 = absent
        self._local = threading.local()  # each searching thread's _Scratch
        # Per term: (largest tf, smallest dl / tf, smallest dl) over its postings, which bound
        # its BM25 weight for any avgdl; dropped for the terms an update touches.
        self._bounds: dict[int, tuple[float, float, float]] = {}
        # The same for a term's overlay postings alone (its tail changes more often).
        self._overlay_bounds: dict[int, tuple[float, float, float]] = {}
        # The same for every term of the base table, as saved with it (rows by term id); a term
        # in the overlay has other postings now, and its bound comes from them.
        self._base_bounds: FloatArray = np.zeros((0, 3), dtype=np.float64)
        # Where the base's ids and tfs lie in the file they are mapped from (a save reads the
        # unchanged terms from there without faulting the mapping in); None when in memory.
        self._base_sources: tuple[index_files.Source, index_files.Source] | None = None
        self._union_df: dict[tuple[int, ...], int] = {}  # df of multi-term concepts
        # Per snapshot taken (see rebase), the terms whose postings changed after it and before
        # the next one; updates add to the last set. ``saved_stamp`` names the save this index
        # was written to or read from.
        self._changed_terms: set[int] = set()
        self._changes_after: list[tuple[int, set[int]]] = []
        self.saved_stamp: str | None = None
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
            term_bounds = self._bounds
            heads = terms_of[bounds[:-1]].tolist()
            self._changed_terms.update(heads)
            if not ascending:
                for tid, lo, hi in zip(heads, bounds, bounds[1:], strict=False):
                    self._merged(tid, ids_of[lo:hi], tfs_of[lo:hi])
                    term_bounds.pop(tid, None)
            else:
                # The common case, one step per distinct term: the postings go into the room
                # behind the term's tail (most terms of an article get one posting).
                tails = self._tails
                id_list, tf_list = ids_of.tolist(), tfs_of.tolist()
                for tid, lo, hi in zip(heads, bounds, bounds[1:], strict=False):
                    tail = tails.get(tid)
                    if tail is None or tail[2] + hi - lo > len(tail[0]):
                        grown = tails[tid] = _grown(tail, ids_of[lo:hi], tfs_of[lo:hi])
                        self._held += len(grown[0]) - (len(tail[0]) if tail else 0)
                    elif hi - lo == 1:
                        buf_ids, buf_tfs, n = tail
                        buf_ids[n] = id_list[lo]
                        buf_tfs[n] = tf_list[lo]
                        tails[tid] = (buf_ids, buf_tfs, n + 1)
                    else:
                        buf_ids, buf_tfs, n = tail
                        buf_ids[n : n + hi - lo] = ids_of[lo:hi]
                        buf_tfs[n : n + hi - lo] = tfs_of[lo:hi]
                        tails[tid] = (buf_ids, buf_tfs, n + hi - lo)
                    term_bounds.pop(tid, None)
        self._changed()

    def _prefix_of(self, tid: int) -> tuple[IntArray, IntArray]:
        """A term's postings without its tail: the overlay's, or the base table's."""
        over = self._overlay.get(tid)
        if over is not None:
            ids, tfs, n = over
            return ids[:n], tfs[:n]
        if tid + 1 >= len(self._base_ptr):
            return _EMPTY_I, _EMPTY_I
        lo, hi = self._base_ptr[tid], self._base_ptr[tid + 1]
        return self._base_ids[lo:hi], self._base_tfs[lo:hi]

    def _parts_of(self, tid: int) -> list[tuple[IntArray, IntArray]]:
        """A term's postings as the search reads them: prefix, then tail; the empty left out."""
        ids, tfs = self._prefix_of(tid)
        parts = [(ids, tfs)] if len(ids) else []
        tail = self._tails.get(tid)
        if tail is not None and tail[2]:
            parts.append((tail[0][: tail[2]], tail[1][: tail[2]]))
        return parts

    def _postings_of(self, tid: int) -> tuple[IntArray, IntArray]:
        """A term's postings in one pair of arrays (a copy where it has a tail)."""
        parts = self._parts_of(tid)
        if len(parts) == 1:
            return parts[0]
        if not parts:
            return _EMPTY_I, _EMPTY_I
        return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])

    def _merged(self, tid: int, ids: IntArray, tfs: IntArray) -> tuple[IntArray, IntArray, int]:
        """The term's postings with (ids, tfs) added anywhere: merged and sorted by id."""
        old_ids, old_tfs = self._postings_of(tid)
        merged_ids = np.concatenate([old_ids, ids])
        merged_tfs = np.concatenate([old_tfs, tfs])
        order = np.argsort(merged_ids, kind="stable")
        self._set_overlay(tid, merged_ids[order], merged_tfs[order])
        return self._overlay[tid]

    def _set_overlay(self, tid: int, ids: IntArray, tfs: IntArray) -> None:
        """The term's whole postings (its tail folded in) become its overlay entry."""
        over = self._overlay.get(tid)
        tail = self._tails.pop(tid, None)
        self._held += len(ids) - (len(over[0]) if over else 0) - (len(tail[0]) if tail else 0)
        self._overlay[tid] = (ids, tfs, len(ids))
        self._overlay_bounds.pop(tid, None)
        self._bounds.pop(tid, None)

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
        self._changed_terms.update(by_term)
        for tid, gone in by_term.items():
            ids, tfs = self._postings_of(tid)
            keep = ~np.isin(ids, np.asarray(gone, dtype=np.int32))
            self._set_overlay(tid, ids[keep], tfs[keep])
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
            for tid, (_, _, n) in self._overlay.items():
                dfs[tid] = n
            for tid, (_, _, n) in self._tails.items():
                dfs[tid] += n
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

    def _term_bound(self, tid: int) -> tuple[float, float, float]:
        """(largest tf, smallest dl / tf, smallest dl) over one term's postings: with them a
        BM25 weight tf (k1 + 1) / (tf + k1 (1 - b) + k1 b dl / avgdl), which grows with tf and
        shrinks with dl, is bounded whatever avgdl is. Kept until an update touches the term;
        its prefix's part (saved with the base, or cached for the overlay) outlives appends."""
        cached = self._bounds.get(tid)
        if cached is not None:
            return cached
        over = self._overlay.get(tid)
        if over is not None:
            prefix = self._overlay_bounds.get(tid)
            if prefix is None:
                ids, tfs, n = over
                prefix = _NO_BOUND if not n else self._bound_of(ids[:n], tfs[:n])
                self._overlay_bounds[tid] = prefix
        elif tid < len(self._base_bounds):
            row = self._base_bounds[tid]
            prefix = (float(row[0]), float(row[1]), float(row[2]))
        else:
            ids, tfs = self._prefix_of(tid)
            prefix = self._bound_of(ids, tfs) if len(ids) else _NO_BOUND
        tail = self._tails.get(tid)
        if tail is None or not tail[2]:
            bound = prefix
        else:
            end = self._bound_of(tail[0][: tail[2]], tail[1][: tail[2]])
            bound = (max(prefix[0], end[0]), min(prefix[1], end[1]), min(prefix[2], end[2]))
        self._bounds[tid] = bound
        return bound

    def _bound_of(self, ids: IntArray, tfs: IntArray) -> tuple[float, float, float]:
        """_term_bound's three parts computed from non-empty postings, in C where built."""
        if self.compiled:
            return _bm25.term_bound(ids, tfs, self._doc_len)  # type: ignore[no-any-return]
        dl = self._doc_len[ids].astype(np.float64)
        return float(tfs.max()), float((dl / tfs).min()), float(dl.min())

    def _concept(self, alternatives: Sequence[str]) -> _Concept | None:
        """A concept's terms' own postings (each sorted by id), its df and weight bound."""
        terms: list[tuple[int, list[tuple[IntArray, IntArray]]]] = []
        for term in dict.fromkeys(alternatives):
            tid = self.term_ids.get(term)
            if tid is not None:
                parts = self._parts_of(tid)
                if parts:
                    terms.append((tid, parts))
        if not terms:
            return None
        bounds = [self._term_bound(tid) for tid, _ in terms]
        parts = [part for _, term_parts in terms for part in term_parts]
        if len(terms) == 1:
            df = sum(len(ids) for ids, _ in parts)  # a term's parts hold distinct passages
            tf_max, ratio_min = bounds[0][0], bounds[0][1]
        else:
            key = tuple(tid for tid, _ in terms)
            cached = self._union_df.get(key)
            if cached is None:
                if self.compiled:
                    marks = self._scratch().marks
                    cached = _bm25.union_count(parts, marks)
                else:
                    cached = len(self._distinct(np.concatenate([ids for ids, _ in parts])))
                self._union_df[key] = cached
            df = cached
            # A passage's count is the sum of its terms' counts: at most the sum of maxima.
            tf_max = sum(b[0] for b in bounds)
            ratio_min = min(b[2] for b in bounds) / tf_max
        k1, b = self.params.k1, self.params.b
        idf = self.idf(df)
        bound = idf * (k1 + 1) / (1 + k1 * (1 - b) / tf_max + k1 * b / self.avgdl * ratio_min)
        return _Concept(tuple(alternatives), parts, df, idf, bound)

    def search(self, concepts: Sequence[Sequence[str]], k: int = 10) -> list[tuple[int, float]]:
        """Top ``k`` passages for the concepts, best first (ties broken by passage id)."""
        if not self.doc_count or k <= 0:
            return []
        found = [self._concept(alternatives) for alternatives in concepts]
        lists = [c for c in found if c is not None]
        if not lists:
            return []
        return maxscore.top_k(self, lists, k)

    def scores(self, doc_ids: Sequence[int], query_terms: Sequence[str]) -> list[float]:
        """BM25Okapi.get_scores for the given passages, each query term counted as given."""
        if not self.doc_count:
            return [0.0] * len(doc_ids)
        total = np.zeros(len(self._doc_len), dtype=np.float64)
        for term in query_terms:
            ids, contrib = self._contributions([term])
            total[ids] += contrib
        return [float(total[d]) for d in doc_ids]

    # -- persistence (knowledge/index_files.py) -------------------------------------------
    def save(self, directory: Path) -> None:
        """Write the index atomically: a crash leaves the previous copy or this one."""
        index_files.write(self, directory)

    @classmethod
    def load(
        cls, directory: Path, params: BM25Params | None = None, *, compiled: bool | None = None
    ) -> BM25Index | None:
        """The saved index, or None when there is none or it was saved with other parameters."""
        index = index_files.read(cls(params, compiled=compiled), directory)
        if index is not None:
            index._scratch()  # at start-up rather than during the first question
        return index

    @property
    def save_is_current(self) -> bool:
        """False for an index loaded from a save an older version made: without the terms'
        weight bounds (its questions pay each term's on first use), or with postings that
        could not be mapped (np.savez's unaligned members: read into memory at each start).
        Saving it again mends both."""
        bounds_saved = len(self._base_bounds) == len(self._base_ptr) - 1
        return bounds_saved and (not len(self._base_ids) or index_files.is_mapped(self._base_ids))

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
        copy._base_sources = self._base_sources
        copy._overlay = dict(self._overlay)
        copy._tails = dict(self._tails)
        copy._held = self._held
        copy._doc_len = self._doc_len.copy()
        copy.doc_count, copy.total_len = self.doc_count, self.total_len
        copy._max_id = self._max_id
        copy.generation = self.generation
        # Numbered across every index of the process: a save's callback may reach an index
        # other than the one it was taken from (replaced by a rebuild meanwhile).
        copy._snapshot_id = next(_SNAPSHOT_IDS)
        self._changed_terms = set()
        # Bounded, should saves keep failing: a snapshot this old is no longer rebased on.
        self._changes_after = [*self._changes_after[-63:], (copy._snapshot_id, self._changed_terms)]
        return copy

    def rebase(self, saved: BM25Index, snapshot: BM25Index) -> bool:
        """Take the postings of ``saved`` (``snapshot``, a snapshot of this index, as loaded
        back from the file it was written to) as the base, keeping in the overlay only the terms
        changed since that snapshot. False, and nothing changed, when ``snapshot`` was not
        taken from this index (or an older one than the last rebase's) or ``saved`` holds other
        terms.

        Without this, what updates put in memory stays there for the life of the process: the
        tails of added postings, and the whole postings of every term a removal rewrote (a
        frequent one's 600k at a million passages; 100 removals at 1M hold over a gigabyte).
        It also lets go of the previous save's file, which the base mapped.
        """
        ids = [sid for sid, _ in self._changes_after]
        taken = [i for i, sid in enumerate(ids) if sid == snapshot._snapshot_id]
        if not taken or saved.params != self.params:
            return False
        if self._terms[: len(saved._terms)] != saved._terms:
            return False
        later = self._changes_after[taken[0] :]
        changed = set().union(*(terms for _, terms in later))
        # Saves go in the order the snapshots were taken: older ones are not rebased on later.
        self._changes_after = later[1:]
        self._base_ptr, self._base_ids = saved._base_ptr, saved._base_ids
        self._base_tfs, self._base_bounds = saved._base_tfs, saved._base_bounds
        self._base_sources = saved._base_sources
        for tid in [t for t in self._overlay if t not in changed]:
            del self._overlay[tid]  # the saved postings are the same
            self._overlay_bounds.pop(tid, None)
            self._bounds.pop(tid, None)
        for tid in list(self._tails):
            self._bounds.pop(tid, None)
            ids, tfs, n = self._tails[tid]
            if tid in self._overlay:
                continue  # overlay and tail: whole postings of their own, whatever the base
            # The new base holds the tail as the snapshot had it: keep what came after. (Told
            # by the snapshot, not by reading the base: that would fault a page of the new
            # file in for every such term.)
            snapshot_tail = snapshot._tails.get(tid)
            cut = snapshot_tail[2] if snapshot_tail is not None else 0
            if cut == n:
                del self._tails[tid]
            elif cut:
                self._tails[tid] = (ids[cut:], tfs[cut:], n - cut)
        self._held = sum(len(ids) for ids, _, _ in self._overlay.values())
        self._held += sum(len(ids) for ids, _, _ in self._tails.values())
        self.saved_stamp = saved.saved_stamp
        return True

    def overlay_postings(self) -> int:
        """Postings held in the overlay and the tails (room included)."""
        return self._held
