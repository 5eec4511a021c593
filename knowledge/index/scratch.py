"""Arrays indexed by passage id that one thread reuses across its searches."""

from __future__ import annotations

import numpy as np

from knowledge.index.bm25 import IntArray

_EMPTY_I = np.zeros(0, dtype=np.int32)
Part = tuple[IntArray, IntArray]


class Scratch:
    """One thread's buffers, as long as the passage table.

    Allocating them per question would cost milliseconds at a million passages; keeping one
    set per thread (about 29 MB at a million passages) lets questions be searched at the same
    time, on several cores while the C loops run without the GIL. Every user leaves them as it
    found them (zeros).
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

    def distinct(self, ids: IntArray) -> IntArray:
        """The distinct ids, without sorting: each id keeps the one occurrence whose position
        survived in the buffer, whichever write won."""
        order = np.arange(len(ids), dtype=np.int64)
        positions = self.positions
        positions[ids] = order
        distinct: IntArray = ids[positions[ids] == order]  # numpy types a mask's pick as Any
        return distinct

    def summed_union(self, lists: list[Part]) -> Part:
        """The union of postings (each with distinct ids), counts summed; the one list itself
        when there is one."""
        lists = [p for p in lists if len(p[0])]
        if not lists:
            return _EMPTY_I, _EMPTY_I
        if len(lists) == 1:
            return lists[0]
        counts = self.tf
        for ids, tfs in lists:
            counts[ids] += tfs  # ids are unique within one term's postings
        union = self.distinct(np.concatenate([p[0] for p in lists]))
        summed = counts[union]
        counts[union] = 0
        return union, summed
