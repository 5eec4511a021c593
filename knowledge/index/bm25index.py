"""BM25 over passages with BM25Okapi's scoring, as an inverted index.

A question touches only the postings of its own terms, never every passage: scores accumulate in
a reusable buffer for just the passages that contain a term. The postings and the statistics
read from them (lengths, dfs, weight bounds) are knowledge/index/postings.py's; the formulas
knowledge/index/bm25.py's; the top-k search, exact without reading every posting (MaxScore),
knowledge/index/maxscore.py's; saving and loading knowledge/index/files.py's.

A concept with several alternative terms (a name and its translations) scores as one term whose
count is the sum of theirs and whose document frequency is that of their union.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from knowledge.index import bm25, files, kernel, maxscore
from knowledge.index.bm25 import BM25Params, FloatArray, IntArray
from knowledge.index.kernel import bm25c
from knowledge.index.maxscore import Concept
from knowledge.index.postings import Postings
from knowledge.index.scratch import Scratch
from knowledge.index.table import Table

_EMPTY_I = np.zeros(0, dtype=np.int32)


class BM25Index:
    """Passage id -> terms, searchable by concepts (tuples of alternative terms)."""

    def __init__(self, params: BM25Params | None = None, *, compiled: bool | None = None) -> None:
        """``compiled`` picks the C search loops (the default where they were built) or numpy
        alone; both give the same passages and the same scores."""
        self.params = params or BM25Params()
        if compiled and not kernel.available():
            raise ValueError("the compiled search (knowledge._bm25) was not built here")
        self._postings = Postings(compiled=kernel.available() if compiled is None else compiled)
        self._local = threading.local()  # each searching thread's Scratch
        self._union_df: dict[tuple[int, ...], int] = {}  # df of multi-term concepts
        self._mean_idf: float | None = None
        # ``saved_stamp`` names the save this index was written to or read from; ``store_id``
        # the store it was built from (Store.store_id), saved with it.
        self.saved_stamp: str | None = None
        self.store_id: str | None = None
        self.generation = 0

    @property
    def compiled(self) -> bool:
        """Whether the search and the term bounds run in C (knowledge/_bm25.c)."""
        return self._postings.compiled

    @compiled.setter
    def compiled(self, value: bool) -> None:
        if value and not kernel.available():
            raise ValueError("the compiled search (knowledge._bm25) was not built here")
        self._postings.compiled = value

    @property
    def term_ids(self) -> dict[str, int]:
        """Term -> id, in id order (not to be changed by the caller)."""
        return self._postings.term_ids

    @property
    def doc_count(self) -> int:
        """How many passages are indexed (removed ones not counted)."""
        return self._postings.doc_count

    @property
    def total_len(self) -> int:
        """The indexed passages' terms, counted with repeats: the sum of their lengths."""
        return self._postings.total_len

    @property
    def table(self) -> Table:
        """The postings table the index was built on or loaded from (updates since are held
        beside it until a save and ``rebase``)."""
        return self._postings.base

    @property
    def inverted(self) -> Postings:
        """The postings, for reading what they hold (updates go through this class)."""
        return self._postings

    # -- postings ---------------------------------------------------------------------------
    def postings(self, term: str) -> tuple[IntArray, IntArray]:
        """The term's postings of live passages, sorted by id."""
        tid = self._postings.term_ids.get(term)
        return (_EMPTY_I, _EMPTY_I) if tid is None else self._postings.live(tid)

    def df(self, term: str) -> int:
        """How many indexed passages hold ``term`` (0 for a term never seen)."""
        tid = self._postings.term_ids.get(term)
        return 0 if tid is None else self._postings.df(tid)

    def add(self, docs: Iterable[tuple[int, Sequence[str]]]) -> None:
        """Add passages (id, terms); ids must be new.

        Raises:
            AlreadyIndexed: a passage is indexed already.
        """
        try:
            self._postings.append(docs)
        finally:
            self._changed()

    def remove(self, docs: Iterable[tuple[int, Sequence[str]]]) -> None:
        """Remove passages given with the terms they were indexed with."""
        self._postings.kill(docs)
        self._changed()

    def _changed(self) -> None:
        self._mean_idf = None
        self._union_df.clear()

    # -- scoring ----------------------------------------------------------------------------
    @property
    def avgdl(self) -> float:
        """The mean passage length in terms (0.0 for an empty index), BM25's avgdl."""
        return self.total_len / self.doc_count if self.doc_count else 0.0

    def idf(self, df: int) -> float:
        """BM25Okapi's idf; a negative one is epsilon times the vocabulary's mean idf (as
        _concept computes it inline, once per concept of a search)."""
        value = bm25.raw_idf(self.doc_count, df)
        if value < 0:
            return self.params.epsilon * self.mean_idf()
        return value

    def mean_idf(self) -> float:
        """BM25Okapi's average idf over the whole vocabulary; computed only when a term needs
        it (or taken from the save)."""
        if self._mean_idf is None:
            dfs = self._postings.dfs()
            self._mean_idf = bm25.mean_idf(dfs[dfs > 0], self.doc_count)
        return self._mean_idf

    def concept_df(self, alternatives: Sequence[str]) -> int:
        """Passages holding any of the alternatives, without building the concept's postings
        (a question's concepts were just searched, so their union counts are cached)."""
        terms = self._live_terms(alternatives)
        return self._df(terms) if terms else 0

    def concept_postings(self, alternatives: Sequence[str]) -> tuple[IntArray, IntArray]:
        """Postings of a synonym group: union of passages, summed counts."""
        lists = [self.postings(t) for t in dict.fromkeys(alternatives)]
        return self._scratch().summed_union(lists)

    def term_bound(self, term: str) -> tuple[float, float, float]:
        """(largest tf, smallest dl / tf, smallest dl) over the term's live postings, or a
        bound of them (see Postings.bound)."""
        return self._postings.bound(self._postings.term_ids[term])

    def _scratch(self) -> Scratch:
        """This thread's scratch arrays, as long as the passage table."""
        scratch: Scratch | None = getattr(self._local, "scratch", None)
        size = len(self._postings.lengths)
        if scratch is None or len(scratch.scores) < size:
            scratch = self._local.scratch = Scratch(size)
        return scratch

    def _live_terms(
        self, alternatives: Sequence[str]
    ) -> list[tuple[int, list[tuple[IntArray, IntArray]]]]:
        """The alternatives' term ids that some live passage holds, each with its postings'
        parts (see Postings.parts), duplicates once."""
        postings = self._postings
        term_ids, dead = postings.term_ids, postings.dead
        terms: list[tuple[int, list[tuple[IntArray, IntArray]]]] = []
        for term in dict.fromkeys(alternatives):
            tid = term_ids.get(term)
            if tid is not None:
                parts = postings.parts(tid)
                if sum(len(ids) for ids, _ in parts) > dead(tid):
                    terms.append((tid, parts))
        return terms

    def _df(self, terms: list[tuple[int, list[tuple[IntArray, IntArray]]]]) -> int:
        """Live passages holding any of ``terms`` (as :meth:`_live_terms` gives them, at least
        one); a union's count is kept until the index changes."""
        postings = self._postings
        parts = [part for _, term_parts in terms for part in term_parts]
        if len(terms) == 1:
            # A term's parts hold distinct passages, some of them removed.
            return sum(len(ids) for ids, _ in parts) - postings.dead(terms[0][0])
        key = tuple(tid for tid, _ in terms)
        cached = self._union_df.get(key)
        if cached is None:
            lengths = postings.lengths
            if self.compiled:
                cached = bm25c.union_count(parts, self._scratch().marks, lengths)
            else:
                union = self._scratch().distinct(np.concatenate([ids for ids, _ in parts]))
                cached = int(np.count_nonzero(lengths[union]))
            self._union_df[key] = cached
        return cached

    def _concept(
        self, alternatives: Sequence[str], n: int | None = None, avgdl: float | None = None
    ) -> Concept | None:
        """A concept's terms' own postings (each sorted by id), its df and weight bound;
        ``n`` and ``avgdl`` the index's passages and mean length (a search reads them once)."""
        postings = self._postings
        terms = self._live_terms(alternatives)
        if not terms:
            return None
        bounds = [postings.bound(tid) for tid, _ in terms]
        parts = [part for _, term_parts in terms for part in term_parts]
        df = self._df(terms)
        if len(terms) == 1:
            tf_max, ratio_min = bounds[0][0], bounds[0][1]
        else:
            # A passage's count is the sum of its terms' counts: at most the sum of maxima.
            tf_max = sum(b[0] for b in bounds)
            ratio_min = min(b[2] for b in bounds) / tf_max
        idf = bm25.raw_idf(self.doc_count if n is None else n, df)
        if idf < 0:
            idf = self.params.epsilon * self.mean_idf()
        avgdl = self.avgdl if avgdl is None else avgdl
        bound = bm25.weight_bound(idf, tf_max, ratio_min, self.params, avgdl)
        return Concept(tuple(alternatives), parts, df, idf, bound)

    def search(self, concepts: Sequence[Sequence[str]], k: int = 10) -> list[tuple[int, float]]:
        """Top ``k`` passages for the concepts, best first (ties broken by passage id)."""
        return self.search_with_df(concepts, k)[0]

    def search_with_df(
        self, concepts: Sequence[Sequence[str]], k: int = 10
    ) -> tuple[list[tuple[int, float]], list[int]]:
        """What :meth:`search` gives, and each concept's :meth:`concept_df`, which the search
        counted anyway: answer selection weighs the concepts by them."""
        postings = self._postings
        n = postings.doc_count
        if not n:
            return [], [0] * len(concepts)
        avgdl = postings.total_len / n
        found = [self._concept(alternatives, n, avgdl) for alternatives in concepts]
        dfs = [0 if c is None else c.df for c in found]
        lists = [c for c in found if c is not None]
        if not lists or k <= 0:
            return [], dfs
        corpus = maxscore.Corpus(
            postings.lengths, self.params, avgdl, self._scratch(), self.compiled
        )
        return maxscore.top_k(corpus, lists, k), dfs

    def scores(self, doc_ids: Sequence[int], query_terms: Sequence[str]) -> list[float]:
        """BM25Okapi.get_scores for the given passages, each query term counted as given."""
        if not self.doc_count:
            return [0.0] * len(doc_ids)
        lengths = self._postings.lengths
        total: FloatArray = np.zeros(len(lengths), dtype=np.float64)
        for term in query_terms:
            ids, tfs = self.postings(term)
            if len(ids):
                idf = self.idf(len(ids))
                total[ids] += bm25.weights(tfs, lengths[ids], idf, self.params, self.avgdl)
        return [float(total[d]) for d in doc_ids]

    # -- persistence (knowledge/index/files.py) ---------------------------------------------
    def save(self, directory: Path) -> None:
        """Write the index atomically: a crash leaves the previous copy or this one."""
        header = files.Header(
            self.params,
            self.generation,
            self.store_id,
            self.mean_idf() if self.doc_count else None,
        )
        self.saved_stamp = files.write(self._postings, header, directory)

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

        ``verify`` checks the files' checksums (see files.read), which reads them whole.

        Raises:
            DamagedIndex: the save is unreadable or fails a check.
        """
        index = cls(params, compiled=compiled)
        saved = files.read(directory, index.params, compiled=index.compiled, verify=verify)
        if saved is None:
            return None
        index._postings = saved.postings
        index.generation = saved.header.generation
        index.store_id = saved.header.store_id
        index._mean_idf = saved.header.mean_idf
        index.saved_stamp = saved.stamp
        index._scratch()  # at start-up rather than during the first question
        return index

    @property
    def save_is_current(self) -> bool:
        """False for an index loaded from a save an older version made: without the terms'
        weight bounds (its questions pay each term's on first use), or with postings that
        could not be mapped (np.savez's unaligned members: read into memory at each start).
        Saving it again mends both."""
        return self._postings.base.is_current

    def snapshot(self) -> BM25Index:
        """A copy that later updates leave alone, to be saved on another thread; it has
        scratch buffers and caches of its own, so it may be searched as well."""
        copy = type(self)(self.params)
        copy._postings = self._postings.snapshot(compiled=copy.compiled)
        copy.generation = self.generation
        copy.store_id = self.store_id
        return copy

    def rebase(self, saved: BM25Index, snapshot: BM25Index) -> bool:
        """Take ``saved``, the file ``snapshot`` was written to, as the base; False when it
        cannot be (``snapshot`` not taken from this index, or older than the last rebase's, or
        ``saved`` of other parameters or terms: see Postings.rebase)."""
        if saved.params != self.params:
            return False
        if not self._postings.rebase(saved._postings, snapshot._postings):
            return False
        self.saved_stamp = saved.saved_stamp
        return True

    def overlay_postings(self) -> int:
        """Postings held in memory beside the table (room included)."""
        return self._postings.held
