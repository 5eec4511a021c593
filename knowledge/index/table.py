"""The postings as a save holds them: one compressed sparse row table, terms in id order."""

from __future__ import annotations

import mmap
import os
import weakref
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from knowledge.index.bm25 import FloatArray, IntArray

# Entries read from a file at a time (4 MB of ids): few enough reads, never the whole table.
PIECE = 1 << 20


class Source:
    """Where a mapped member's int32 entries lie in its file (an open descriptor, so a save
    renamed over it meanwhile does not matter), for reading them without the mapping."""

    def __init__(self, fd: int, offset: int) -> None:
        self.fd, self.offset = fd, offset
        weakref.finalize(self, os.close, fd)

    def read(self, lo: int, hi: int) -> IntArray:
        """Entries lo..hi as an array in memory."""
        return np.frombuffer(b"".join(self.pieces(lo, hi)), dtype=np.int32)

    def pieces(self, lo: int, hi: int) -> Iterator[bytes]:
        """Entries lo..hi, in reads of at most PIECE entries."""
        position, end = self.offset + 4 * lo, self.offset + 4 * hi
        while position < end:
            data = os.pread(self.fd, min(end - position, 4 * PIECE), position)
            if not data:
                raise OSError(f"the saved index ends before byte {end}")
            yield data
            position += len(data)


def _no_ptr() -> npt.NDArray[np.int64]:
    return np.zeros(1, dtype=np.int64)


def _no_postings() -> IntArray:
    return np.zeros(0, dtype=np.int32)


def _no_bounds() -> FloatArray:
    return np.zeros((0, 3), dtype=np.float64)


@dataclass(frozen=True, eq=False)
class Table:
    """Term t's postings are ``ids[ptr[t]:ptr[t + 1]]`` with counts ``tfs[...]``; ``bounds``
    holds the terms' weight bounds (rows by term id; empty for a save made before they were
    kept), ``sources`` where ids and tfs lie in the file they are mapped from (None when in
    memory: a save then writes them from the arrays)."""

    ptr: npt.NDArray[np.int64] = field(default_factory=_no_ptr)
    ids: IntArray = field(default_factory=_no_postings)
    tfs: IntArray = field(default_factory=_no_postings)
    bounds: FloatArray = field(default_factory=_no_bounds)
    sources: tuple[Source, Source] | None = None

    @property
    def terms(self) -> int:
        """How many terms the table has rows for."""
        return len(self.ptr) - 1

    @property
    def is_current(self) -> bool:
        """False for a table an older version saved: without the terms' weight bounds, or with
        postings that could not be mapped (np.savez's unaligned members)."""
        bounds_saved = len(self.bounds) == self.terms
        return bounds_saved and (not len(self.ids) or is_mapped(self.ids))


def is_mapped(array: IntArray) -> bool:
    """Whether ``array`` lies in a mapped file (a loaded save's postings) rather than memory."""
    base = array
    while isinstance(base, np.ndarray) and base.base is not None:
        base = base.base
    return isinstance(base, memoryview) and isinstance(base.obj, mmap.mmap)
