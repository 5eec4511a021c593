"""What an addition to the postings computes before it touches them: batches of passages, their
(term, passage) pairs grouped by term, and tails grown with room to spare.

Pure functions over plain arrays; knowledge/index/postings.py applies their results.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from knowledge.index.bm25 import IntArray

# Tokens grouped per pass of an addition: about 30,000 passages, a few hundred MB at the peak.
BATCH_TOKENS = 1 << 22
# Postings a tail has room for when it is made: most terms of an article are new to the tails.
ROOM = 8

# A term's postings in arrays that may be longer than the count of entries in use, with room
# for appends behind it: (ids, tfs, count). Only that room is ever written, so the postings
# handed out before ([:count] views, a snapshot's entries) never change.
Grown = tuple[IntArray, IntArray, int]


def batches(
    docs: Iterable[tuple[int, Sequence[str]]], size: int | None = None
) -> Iterator[list[tuple[int, Sequence[str]]]]:
    """The passages in lists of about ``size`` tokens (BATCH_TOKENS by default): a rebuild
    passes every stored passage at once, and grouping the 120 million tokens of a million
    passages in one go would hold 10 GB."""
    limit = BATCH_TOKENS if size is None else size
    batch: list[tuple[int, Sequence[str]]] = []
    tokens = 0
    for doc in docs:
        batch.append(doc)
        tokens += len(doc[1])
        if tokens >= limit:
            yield batch
            batch, tokens = [], 0
    if batch:
        yield batch


@dataclass(frozen=True)
class Grouped:
    """A batch's postings grouped by term: term ``heads[i]`` has the postings
    ``ids[starts[i]:starts[i + 1]]`` (ascending) with counts ``tfs[...]``."""

    heads: list[int]
    starts: list[int]
    ids: IntArray
    tfs: IntArray


def grouped(doc_ids: list[int], lengths: list[int], tids: list[int]) -> Grouped:
    """The postings of passages ``doc_ids`` whose tokens' term ids are ``tids`` (``lengths``
    of them each, in passage order), grouped by term in numpy (one sort): the Python left per
    term is one append to its postings.

    One key per token, term id above passage id: sorted keys group the postings by term with
    ids ascending, and a key's repeats are the passage's term frequency.
    """
    keys = np.asarray(tids, dtype=np.int64) << 32
    keys |= np.repeat(np.asarray(doc_ids, dtype=np.int64), lengths)
    keys, counts = np.unique(keys, return_counts=True)
    ids_of = (keys & 0xFFFFFFFF).astype(np.int32)
    tfs_of = counts.astype(np.int32)
    terms_of = keys >> 32
    starts = np.flatnonzero(np.diff(terms_of)) + 1
    bounds = [0, *starts.tolist(), len(keys)]
    heads = terms_of[bounds[:-1]].tolist()
    return Grouped(heads, bounds, ids_of, tfs_of)


def grown(tail: Grown | None, ids: IntArray, tfs: IntArray) -> Grown:
    """A tail copied into new arrays with room to spare, (ids, tfs) appended; the room grows by
    half each time it is full, so a term's appends cost its own postings, amortised."""
    n = tail[2] if tail is not None else 0
    m = len(ids)
    room = max(n + m, n + n // 2, ROOM)
    buf_ids = np.empty(room, dtype=np.int32)
    buf_tfs = np.empty(room, dtype=np.int32)
    if tail is not None:
        buf_ids[:n], buf_tfs[:n] = tail[0][:n], tail[1][:n]
    buf_ids[n : n + m], buf_tfs[n : n + m] = ids, tfs
    return buf_ids, buf_tfs, n + m


def merged(
    old_ids: IntArray, old_tfs: IntArray, ids: IntArray, tfs: IntArray
) -> tuple[IntArray, IntArray]:
    """Two sets of postings of one term as one, sorted by id."""
    merged_ids = np.concatenate([old_ids, ids])
    merged_tfs = np.concatenate([old_tfs, tfs])
    order = np.argsort(merged_ids, kind="stable")
    return merged_ids[order], merged_tfs[order]


def with_room(lengths: IntArray, doc_id: int) -> IntArray:
    """``lengths`` (passage lengths by id) copied into an array long enough for ``doc_id``,
    with room for about half as many passages again (0: absent)."""
    size = max(doc_id + 1, int(len(lengths) * 1.5) + 16)
    grown = np.zeros(size, dtype=np.int32)
    grown[: len(lengths)] = lengths
    return grown


def into_tails(tails: dict[int, Grown], group: Grouped) -> int:
    """Append the grouped postings to the terms' tails (each passage above every one in them);
    returns by how many entries the tails' arrays grew, room included.

    One step per distinct term: the postings go into the room behind the term's tail (most
    terms of an article get one posting). A term new to the tails with room enough in one row
    gets a row of one block made for all of them: two arrays per new term cost more than the
    rest of its step (a row outgrown is copied out by ``grown`` like any tail; the block lives
    while a row of it does). Sized by the new terms, those too many for a row included: their
    rows stay unused, cheaper than sizing it exactly (4% of an addition).
    """
    heads, bounds, ids_of, tfs_of = group.heads, group.starts, group.ids, group.tfs
    id_list, tf_list = ids_of.tolist(), tfs_of.tolist()
    fresh = len(heads) - sum(map(tails.__contains__, heads))
    block_ids = np.empty((fresh, ROOM), dtype=np.int32)
    block_tfs = np.empty((fresh, ROOM), dtype=np.int32)
    row = held = 0
    for tid, lo, hi in zip(heads, bounds, bounds[1:], strict=False):
        tail = tails.get(tid)
        if tail is None and hi - lo <= ROOM:
            tail = (block_ids[row], block_tfs[row], 0)
            row += 1
            held += ROOM
        if tail is None or tail[2] + hi - lo > len(tail[0]):
            new = tails[tid] = grown(tail, ids_of[lo:hi], tfs_of[lo:hi])
            held += len(new[0]) - (len(tail[0]) if tail else 0)
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
    return held
