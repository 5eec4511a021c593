"""BM25Okapi's formulas, as pure functions over numbers and arrays (the C loops in
knowledge/_bm25.c write the same expressions).

Scoring is rank_bm25's BM25Okapi to the bit: idf = ln(N - df + 0.5) - ln(df + 0.5), negative idf
replaced by epsilon times the mean idf over the vocabulary, avgdl over live passages. Each
expression is written once and evaluated in the same order everywhere, so that sums agree to the
last bit whichever path computed them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int32]
FloatArray = npt.NDArray[np.float64]
# A term bound's three parts (largest tf, smallest dl / tf, smallest dl), and that over no
# postings.
Bound = tuple[float, float, float]
NO_BOUND: Bound = (0.0, math.inf, math.inf)


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


def raw_idf(n: int, df: int) -> float:
    """ln(N - df + 0.5) - ln(df + 0.5): negative for a term in over half the passages (the
    caller floors it, see ``idf``)."""
    return math.log(n - df + 0.5) - math.log(df + 0.5)


def mean_idf(dfs: npt.NDArray[np.int64], n: int) -> float:
    """BM25Okapi's average idf over a vocabulary of terms in ``dfs`` (each > 0) passages.

    To the bit as rank_bm25 computes it: math.log (numpy's log may differ in the last bit) of
    each distinct df, summed left to right in term order (np.cumsum is sequential; np.mean sums
    pairwise). The vocabulary has a few thousand distinct dfs at most.
    """
    if not len(dfs):
        return 0.0
    distinct, inverse = np.unique(dfs, return_inverse=True)
    values = np.array([raw_idf(n, d) for d in distinct.tolist()])
    return float(np.cumsum(values[inverse])[-1] / len(dfs))


def weights(
    tfs: IntArray | npt.NDArray[np.int64],
    lengths: IntArray,
    idf: float,
    params: BM25Params,
    avgdl: float,
) -> FloatArray:
    """Each posting's BM25 weight, from its count (int32 postings, or a concept's int64 summed
    counts) and its passage's length."""
    k1, b = params.k1, params.b
    tf = tfs.astype(np.float64)
    dl = lengths.astype(np.float64)
    return idf * (tf * (k1 + 1) / (tf + k1 * (1 - b + b * dl / avgdl)))


def weight_bound(
    idf: float, tf_max: float, ratio_min: float, params: BM25Params, avgdl: float
) -> float:
    """The most a concept can add to a passage's score, given its largest count and smallest
    length / count: tf (k1 + 1) / (tf + k1 (1 - b) + k1 b dl / avgdl) grows with tf and
    shrinks with dl."""
    k1, b = params.k1, params.b
    return idf * (k1 + 1) / (1 + k1 * (1 - b) / tf_max + k1 * b / avgdl * ratio_min)


def term_bound(ids: IntArray, tfs: IntArray, lengths: IntArray) -> tuple[float, float, float]:
    """(largest tf, smallest dl / tf, smallest dl) over the postings of live passages (length
    > 0): with them a term's weight is bounded whatever avgdl is. knowledge/_bm25.c's
    term_bound computes the same."""
    dl = lengths[ids].astype(np.float64)
    live = dl > 0
    if not live.all():
        if not live.any():
            return NO_BOUND
        dl, tfs = dl[live], tfs[live]
    return float(tfs.max()), float((dl / tfs).min()), float(dl.min())


def joined_bound(a: Bound, b: Bound) -> Bound:
    """The term_bound of two sets of postings taken together, from the bound of each."""
    return max(a[0], b[0]), min(a[1], b[1]), min(a[2], b[2])
