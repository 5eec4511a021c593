"""BM25 over passages with BM25Okapi's scoring, as an inverted index.

A question touches only the postings of its own terms, never every passage: scores accumulate in
a reusable buffer for just the passages that contain a term. Postings live in one compressed
sparse row block (loaded from disk without re-tokenizing anything) plus a small overlay of terms
changed since, so adding or removing an article touches only that article's terms.

Scoring is rank_bm25's BM25Okapi to the bit: idf = ln(N - df + 0.5) - ln(df + 0.5), negative idf
replaced by epsilon times the mean idf over the vocabulary, avgdl over live passages. A concept
with several alternative terms (a name and its translations) scores as one term whose count is
the sum of theirs and whose document frequency is that of their union.
"""

from __future__ import annotations

import json
import math
import os
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int32]
FloatArray = npt.NDArray[np.float64]
_EMPTY_I = np.zeros(0, dtype=np.int32)


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


class BM25Index:
    """Passage id -> terms, searchable by concepts (tuples of alternative terms)."""

    def __init__(self, params: BM25Params | None = None) -> None:
        self.params = params or BM25Params()
        self.term_ids: dict[str, int] = {}
        self._terms: list[str] = []
        self._base_ptr = np.zeros(1, dtype=np.int64)
        self._base_ids: IntArray = _EMPTY_I
        self._base_tfs: IntArray = _EMPTY_I
        self._overlay: dict[int, tuple[IntArray, IntArray]] = {}
        self._doc_len = np.zeros(0, dtype=np.int32)  # by passage id; 0 = absent
        self._scores = np.zeros(0, dtype=np.float64)
        self._tf_buffer = np.zeros(0, dtype=np.int32)
        self._positions = np.zeros(0, dtype=np.int64)
        self.doc_count = 0
        self.total_len = 0
        self.generation = 0
        self._mean_idf: float | None = None

    # -- postings -------------------------------------------------------------------------
    def postings(self, term: str) -> tuple[IntArray, IntArray]:
        tid = self.term_ids.get(term)
        if tid is None:
            return _EMPTY_I, _EMPTY_I
        over = self._overlay.get(tid)
        if over is not None:
            return over
        if tid + 1 >= len(self._base_ptr):
            return _EMPTY_I, _EMPTY_I
        lo, hi = self._base_ptr[tid], self._base_ptr[tid + 1]
        return self._base_ids[lo:hi], self._base_tfs[lo:hi]

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
        """Add passages (id, terms); ids must be new. One concatenation per touched term."""
        grouped: dict[int, tuple[list[int], list[int]]] = {}
        for doc_id, terms in docs:
            if not terms:
                continue  # nothing to match; a length of 0 marks "not indexed"
            self._ensure_capacity(doc_id)
            if self._doc_len[doc_id]:
                raise ValueError(f"passage {doc_id} is already indexed")
            self._doc_len[doc_id] = len(terms)
            self.doc_count += 1
            self.total_len += len(terms)
            for term, tf in Counter(terms).items():
                ids, tfs = grouped.setdefault(self._term_id(term), ([], []))
                ids.append(doc_id)
                tfs.append(tf)
        for tid, (ids, tfs) in grouped.items():
            old_ids, old_tfs = self.postings(self._terms[tid])
            new_ids = np.concatenate([old_ids, np.asarray(ids, dtype=np.int32)])
            new_tfs = np.concatenate([old_tfs, np.asarray(tfs, dtype=np.int32)])
            order = np.argsort(new_ids, kind="stable")
            self._overlay[tid] = (new_ids[order], new_tfs[order])
        self._changed()

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
            ids, tfs = self.postings(self._terms[tid])
            keep = ~np.isin(ids, np.asarray(gone, dtype=np.int32))
            self._overlay[tid] = (ids[keep], tfs[keep])
        self._changed()

    def _ensure_capacity(self, doc_id: int) -> None:
        if doc_id >= len(self._doc_len):
            size = max(doc_id + 1, int(len(self._doc_len) * 1.5) + 16)
            grown = np.zeros(size, dtype=np.int32)
            grown[: len(self._doc_len)] = self._doc_len
            self._doc_len = grown

    def _changed(self) -> None:
        self._mean_idf = None

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
        """BM25Okapi's average idf over the whole vocabulary; computed only when a term needs it."""
        if self._mean_idf is None:
            dfs = np.zeros(len(self._terms), dtype=np.float64)
            base = np.diff(self._base_ptr)[: len(self._terms)]
            dfs[: len(base)] = base
            for tid, (ids, _) in self._overlay.items():
                dfs[tid] = len(ids)
            dfs = dfs[dfs > 0]
            n = self.doc_count
            self._mean_idf = (
                float(np.mean(np.log(n - dfs + 0.5) - np.log(dfs + 0.5))) if len(dfs) else 0.0
            )
        return self._mean_idf

    def concept_postings(self, alternatives: Sequence[str]) -> tuple[IntArray, IntArray]:
        """Postings of a synonym group: union of passages, summed counts."""
        lists = [self.postings(t) for t in dict.fromkeys(alternatives)]
        lists = [p for p in lists if len(p[0])]
        if not lists:
            return _EMPTY_I, _EMPTY_I
        if len(lists) == 1:
            return lists[0]
        self._ensure_buffers()
        counts = self._tf_buffer
        for ids, tfs in lists:
            counts[ids] += tfs  # ids are unique within one term's postings
        union = self._distinct(np.concatenate([p[0] for p in lists]))
        summed = counts[union]
        counts[union] = 0
        return union, summed

    def _ensure_buffers(self) -> None:
        """Scratch arrays indexed by passage id, reused across questions (never reallocated
        per question: at a million passages that alone would cost milliseconds)."""
        size = len(self._doc_len)
        if len(self._scores) < size:
            self._scores = np.zeros(size, dtype=np.float64)
            self._tf_buffer = np.zeros(size, dtype=np.int32)
            self._positions = np.zeros(size, dtype=np.int64)

    def _distinct(self, ids: IntArray) -> IntArray:
        """The distinct ids, without sorting: each id keeps the one occurrence whose position
        survived in the buffer, whichever write won."""
        order = np.arange(len(ids), dtype=np.int64)
        self._positions[ids] = order
        return ids[self._positions[ids] == order]

    def _contributions(self, alternatives: Sequence[str]) -> tuple[IntArray, FloatArray]:
        ids, tfs = self.concept_postings(alternatives)
        if not len(ids):
            return ids, np.zeros(0)
        k1, b = self.params.k1, self.params.b
        idf = self.idf(len(ids))
        tf = tfs.astype(np.float64)
        dl = self._doc_len[ids].astype(np.float64)
        return ids, idf * (tf * (k1 + 1) / (tf + k1 * (1 - b + b * dl / self.avgdl)))

    def search(self, concepts: Sequence[Sequence[str]], k: int = 10) -> list[tuple[int, float]]:
        """Top ``k`` passages for the concepts, best first (ties broken by passage id)."""
        if not self.doc_count or k <= 0:
            return []
        self._ensure_buffers()
        scores = self._scores
        touched: list[IntArray] = []
        for alternatives in concepts:
            ids, contrib = self._contributions(alternatives)
            if len(ids):
                scores[ids] += contrib  # ids are unique within one concept
                touched.append(ids)
        if not touched:
            return []
        candidates = self._distinct(np.concatenate(touched)) if len(touched) > 1 else touched[0]
        values = scores[candidates].copy()
        scores[candidates] = 0.0
        if len(candidates) > k:
            # Everything tied with the k-th score comes along, so ties break by id exactly.
            kth = -np.partition(-values, k - 1)[k - 1]
            top = np.flatnonzero(values >= kth)
        else:
            top = np.arange(len(candidates))
        ranked = sorted(top.tolist(), key=lambda i: (-values[i], candidates[i]))[:k]
        return [(int(candidates[i]), float(values[i])) for i in ranked]

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
        tmp = directory / "index.npz.tmp"
        with open(tmp, "wb") as fh:
            np.savez(
                fh,
                ptr=np.asarray(ptr, dtype=np.int64),
                ids=np.concatenate(id_parts) if id_parts else _EMPTY_I,
                tfs=np.concatenate(tf_parts) if tf_parts else _EMPTY_I,
                doc_len=self._doc_len,
            )
            fh.flush()
            os.fsync(fh.fileno())
        meta = {
            "terms": self._terms,
            "doc_count": self.doc_count,
            "total_len": self.total_len,
            "generation": self.generation,
            "params": [self.params.k1, self.params.b, self.params.epsilon],
        }
        meta_tmp = directory / "index.json.tmp"
        meta_tmp.write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
        # The arrays go first; the metadata names the generation, so it is renamed last.
        os.replace(tmp, directory / "index.npz")
        os.replace(meta_tmp, directory / "index.json")

    @classmethod
    def load(cls, directory: Path, params: BM25Params | None = None) -> BM25Index | None:
        """The saved index, or None when there is none or it was saved with other parameters."""
        try:
            meta = json.loads((directory / "index.json").read_text(encoding="utf-8"))
            arrays = np.load(directory / "index.npz")
            index = cls(params)
            if list(meta["params"]) != [index.params.k1, index.params.b, index.params.epsilon]:
                return None
            index._terms = list(meta["terms"])
            index.term_ids = {t: i for i, t in enumerate(index._terms)}
            index._base_ptr = arrays["ptr"]
            index._base_ids = arrays["ids"]
            index._base_tfs = arrays["tfs"]
            index._doc_len = arrays["doc_len"].copy()
            index.doc_count = int(meta["doc_count"])
            index.total_len = int(meta["total_len"])
            index.generation = int(meta["generation"])
        except (OSError, ValueError, KeyError):
            return None
        if len(index._base_ptr) != len(index._terms) + 1:
            return None
        return index
