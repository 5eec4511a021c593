"""Types of the compiled inner loops of the BM25 search (knowledge/_bm25.c, built at install).

The C comments above each function say what it computes. Arrays come in through the buffer
protocol (any C-contiguous buffer of the right item type is taken; numpy arrays are what
the index passes): int32 postings, passage lengths, unions and candidates; float64 scores and
values; uint8 marks. Every argument is positional.
"""

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

_Ints = npt.NDArray[np.int32]
_Floats = npt.NDArray[np.float64]
_Marks = npt.NDArray[np.uint8]
# One term's or concept's postings: (ids, tfs) pairs of int32 arrays, each sorted by id.
_Parts = Sequence[tuple[_Ints, _Ints]]

def union_count(parts: _Parts, mark: _Marks, doc_len: _Ints, /) -> int:
    """How many distinct live passages the parts' ids name (a concept's df)."""

def term_bound(ids: _Ints, tfs: _Ints, doc_len: _Ints, /) -> tuple[float, float, float]:
    """(largest tf, smallest dl / tf, smallest dl) over one term's postings of live passages."""

def accumulate(
    parts: _Parts,
    idf: float,
    k1: float,
    b: float,
    avgdl: float,
    doc_len: _Ints,
    scores: _Floats,
    tf_buf: _Ints,
    mark: _Marks,
    union: _Ints,
    n_union: int,
    local: _Ints,
    k: int,
    /,
) -> tuple[int, float]:
    """Adds one concept's weights to the scores; (new union length, k-th best it touched)."""

def kth_largest(scores: _Floats, mark: _Marks, union: _Ints, n: int, k: int, /) -> float:
    """The k-th largest of scores[union[:n]]."""

def select_at_least(
    scores: _Floats, mark: _Marks, union: _Ints, n: int, threshold: float, out: _Ints, /
) -> int:
    """Writes the ids of union[:n] scoring at least threshold to out; returns how many."""

def clear(scores: _Floats, mark: _Marks, union: _Ints, n: int, /) -> None:
    """Zeroes scores and marks of the ids of union[:n]."""

def exact(
    concepts: Sequence[_Parts],
    idfs: Sequence[float],
    k1: float,
    b: float,
    avgdl: float,
    doc_len: _Ints,
    candidates: _Ints,
    values: _Floats,
    /,
) -> None:
    """Writes the BM25 score of each (sorted, distinct) candidate to values."""
