"""BM25 over passages with BM25Okapi's scoring, as an inverted index.

A question touches only the postings of its own terms, never every passage: scores accumulate in
a reusable buffer for just the passages that contain a term. Postings live in one compressed
sparse row block (mapped from the last save, nothing re-tokenized), an overlay of the terms
rewritten since, and a tail per term of the postings added since, so adding or removing an
article touches only that article's terms (updates: knowledge/index_updates.py). A removed
passage's postings stay where they are until the next save leaves them out: its length is 0,
every loop skips such postings, and each term counts how many of its postings are dead.

A search is exact without reading every posting (MaxScore, knowledge/maxscore.py); the index
keeps what it needs: each term's weight bound and each synonym group's document frequency.
Saving and loading are knowledge/index_files.py.

Scoring is rank_bm25's BM25Okapi to the bit: idf = ln(N - df + 0.5) - ln(df + 0.5), negative idf
replaced by epsilon times the mean idf over the vocabulary, avgdl over live passages. A concept
with several alternative terms (a name and its translations) scores as one term whose count is
the sum of theirs and whose document frequency is that of their union.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from knowledge import index_files, index_updates, maxscore

try:  # the compiled inner loops (knowledge/_bm25.c), built at install where a compiler is
    from knowledge import _bm25
except ImportError:  # pragma: no cover - depends on the machine that installed the package
    # mypy types the name as the module (knowledge/_bm25.pyi) and has no way to spell "that
    # module or None"; None is only where it was not built, and then BM25Index.compiled is
    # False (the constructor refuses True), so no call reaches it.
    _bm25 = None  # type: ignore[assignment]

IntArray = npt.NDArray[np.int32]
FloatArray = npt.NDArray[np.float64]
_EMPTY_I = np.zeros(0, dtype=np.int32)
_NO_BOUND = (0.0, math.inf, math.inf)  # the bound parts of no postings


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
        # Per term, how many of its postings are of removed passages (length 0), not yet
        # dropped: its df is its postings less these. And per removed passage whose postings
        # may still be somewhere, the terms it had: an id indexed again must first leave them.
        self._dead: dict[int, int] = {}
        self._tombs: dict[int, list[int]] = {}
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
        # the next one, and how many postings each removal left dead in them; updates add to
        # the last ones. ``saved_stamp`` names the save this index was written to or read from.
        self._changed_terms: set[int] = set()
        self._removed_terms: dict[int, int] = {}
        self._changes_after: list[tuple[int, set[int], dict[int, int]]] = []
        # A snapshot's number (index_updates.snapshot), which its rebase looks up in the
        # _changes_after of the index it was taken from; None for an index not taken as one.
        self._snapshot_id: int | None = None
        self.saved_stamp: str | None = None
        # The id of the store the index was built from (Store.store_id), saved with it.
        self.store_id: str | None = None
        self.doc_count = 0
        self.total_len = 0
        self.generation = 0
        self._mean_idf: float | None = None

    # -- postings -------------------------------------------------------------------------
    def postings(self, term: str) -> tuple[IntArray, IntArray]:
        """The term's postings of live passages, sorted by id."""
        tid = self.term_ids.get(term)
        if tid is None:
            return _EMPTY_I, _EMPTY_I
        ids, tfs = self._postings_of(tid)
        if self._dead.get(tid):
            live = self._doc_len[ids] > 0
            ids, tfs = ids[live], tfs[live]
        return ids, tfs

    def df(self, term: str) -> int:
        tid = self.term_ids.get(term)
        if tid is None:
            return 0
        return sum(len(ids) for ids, _ in self._parts_of(tid)) - self._dead.get(tid, 0)

    def _term_id(self, term: str) -> int:
        tid = self.term_ids.get(term)
        if tid is None:
            tid = len(self._terms)
            self.term_ids[term] = tid
            self._terms.append(term)
        return tid

    # -- updates --------------------------------------------------------------------------
    def add(self, docs: Iterable[tuple[int, Sequence[str]]]) -> None:
        """Add passages (id, terms); ids must be new (knowledge/index_updates.py)."""
        index_updates.add(self, docs)

    def remove(self, docs: Iterable[tuple[int, Sequence[str]]]) -> None:
        """Remove passages given with the terms they were indexed with."""
        index_updates.remove(self, docs)

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
            for tid, n in self._dead.items():
                dfs[tid] -= n
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
        distinct: IntArray = ids[positions[ids] == order]  # numpy types a mask's pick as Any
        return distinct

    def _weights(
        self, ids: IntArray, tfs: IntArray | npt.NDArray[np.int64], idf: float
    ) -> FloatArray:
        """Each posting's BM25 weight; one expression everywhere, so sums agree to the bit.
        ``tfs`` are postings' counts (int32) or a concept's summed counts (int64)."""
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
        """_term_bound's three parts computed from non-empty postings (those of removed
        passages left out), in C where built."""
        if self.compiled:
            return _bm25.term_bound(ids, tfs, self._doc_len)
        dl = self._doc_len[ids].astype(np.float64)
        live = dl > 0
        if not live.all():
            if not live.any():
                return _NO_BOUND
            dl, tfs = dl[live], tfs[live]
        return float(tfs.max()), float((dl / tfs).min()), float(dl.min())

    def _concept(self, alternatives: Sequence[str]) -> _Concept | None:
        """A concept's terms' own postings (each sorted by id), its df and weight bound."""
        terms: list[tuple[int, list[tuple[IntArray, IntArray]]]] = []
        for term in dict.fromkeys(alternatives):
            tid = self.term_ids.get(term)
            if tid is not None:
                parts = self._parts_of(tid)
                if sum(len(ids) for ids, _ in parts) > self._dead.get(tid, 0):
                    terms.append((tid, parts))
        if not terms:
            return None
        bounds = [self._term_bound(tid) for tid, _ in terms]
        parts = [part for _, term_parts in terms for part in term_parts]
        if len(terms) == 1:
            # A term's parts hold distinct passages, some of them removed.
            df = sum(len(ids) for ids, _ in parts) - self._dead.get(terms[0][0], 0)
            tf_max, ratio_min = bounds[0][0], bounds[0][1]
        else:
            key = tuple(tid for tid, _ in terms)
            cached = self._union_df.get(key)
            if cached is None:
                if self.compiled:
                    marks = self._scratch().marks
                    cached = _bm25.union_count(parts, marks, self._doc_len)
                else:
                    union = self._distinct(np.concatenate([ids for ids, _ in parts]))
                    cached = int(np.count_nonzero(self._doc_len[union]))
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
        cls,
        directory: Path,
        params: BM25Params | None = None,
        *,
        compiled: bool | None = None,
        verify: bool = True,
    ) -> BM25Index | None:
        """The saved index, or None when there is none or it was saved with other parameters.

        ``verify`` checks the files' checksums (see index_files.read), which reads them whole.

        Raises:
            DamagedIndex: the save is unreadable or fails a check.
        """
        index = index_files.read(cls(params, compiled=compiled), directory, verify=verify)
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
        """A copy that later updates leave alone, to be saved on another thread."""
        return index_updates.snapshot(self)

    def rebase(self, saved: BM25Index, snapshot: BM25Index) -> bool:
        """Take ``saved``, the file ``snapshot`` was written to, as the base; False when it
        cannot be (see index_updates.rebase)."""
        return index_updates.rebase(self, saved, snapshot)

    def overlay_postings(self) -> int:
        """Postings held in the overlay and the tails (room included)."""
        return self._held
