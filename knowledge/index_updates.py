"""Updates of a BM25Index: additions, removals, and the snapshots a save writes and the index
then takes back as its base.

Split from knowledge/index.py (which reads postings and searches them); these functions
change the index's fields directly, as knowledge/index_files.py does for saving and loading.
How updates keep memory small at a million passages: an addition appends the new postings to
a tail per term (the search reads a term's base or overlay postings and its tail as two parts),
so a frequent term's 600k postings are not copied for one more; a removal copies nothing (the
passage's length becomes 0, which every search loop skips, and each of its terms counts one
more dead posting); a save leaves the dead postings out, and ``rebase`` then takes the written
file as the new base and drops whatever did not change since the snapshot.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from itertools import compress, repeat
from operator import is_
from typing import TYPE_CHECKING, cast

import numpy as np

if TYPE_CHECKING:
    from knowledge.index import BM25Index, IntArray

_SNAPSHOT_IDS = itertools.count(1)


class AlreadyIndexed(ValueError):
    """An addition of a passage the index holds: what a change log that does not fit the
    index gives (and nothing else may be taken for it)."""


# Tokens grouped per pass of ``add``: about 30,000 passages, a few hundred MB at the peak.
_BATCH_TOKENS = 1 << 22
# Postings a tail has room for when it is made: most terms of an article are new to the tails.
_ROOM = 8


def _grown(
    tail: tuple[IntArray, IntArray, int] | None, ids: IntArray, tfs: IntArray
) -> tuple[IntArray, IntArray, int]:
    """A tail copied into new arrays with room to spare, (ids, tfs) appended; the room grows by
    half each time it is full, so a term's appends cost its own postings, amortised."""
    n = tail[2] if tail is not None else 0
    m = len(ids)
    room = max(n + m, n + n // 2, _ROOM)
    buf_ids = np.empty(room, dtype=np.int32)
    buf_tfs = np.empty(room, dtype=np.int32)
    if tail is not None:
        buf_ids[:n], buf_tfs[:n] = tail[0][:n], tail[1][:n]
    buf_ids[n : n + m], buf_tfs[n : n + m] = ids, tfs
    return buf_ids, buf_tfs, n + m


def add(index: BM25Index, docs: Iterable[tuple[int, Sequence[str]]]) -> None:
    """Add passages (id, terms); ids must be new.

    Taken in batches of about ``_BATCH_TOKENS`` tokens: a rebuild passes every stored passage
    at once, and grouping 120 million tokens in one go held 10 GB at a million passages.
    """
    batch: list[tuple[int, Sequence[str]]] = []
    tokens = 0
    for doc in docs:
        batch.append(doc)
        tokens += len(doc[1])
        if tokens >= _BATCH_TOKENS:
            _add_batch(index, batch)
            batch, tokens = [], 0
    if batch:
        _add_batch(index, batch)


def _add_batch(index: BM25Index, docs: list[tuple[int, Sequence[str]]]) -> None:
    """The (term, passage) pairs of the batch are counted and grouped by term in numpy (one
    sort), so the Python left per term is one append to its postings: an article of 600
    distinct terms costs 600 appends, not the 1,400 dictionary updates of its tokens.
    """
    doc_ids: list[int] = []
    lengths: list[int] = []
    tids: list[int] = []
    known = index.term_ids.get
    term_id = index._term_id
    previous = index._max_id
    ascending = True  # every new id above every indexed one, in order
    for doc_id, terms in docs:
        if not terms:
            continue  # nothing to match; a length of 0 marks "not indexed"
        index._ensure_capacity(doc_id)
        if index._doc_len[doc_id]:
            raise AlreadyIndexed(f"passage {doc_id} is already indexed")
        if doc_id in index._tombs:
            _purge(index, doc_id)  # its old postings would count for it again
        ascending = ascending and doc_id > previous
        previous = max(previous, doc_id)
        index._doc_len[doc_id] = len(terms)
        index.doc_count += 1
        index.total_len += len(terms)
        ids = list(map(known, terms))
        if None in ids:
            # New terms get ids in order of first occurrence, as they would one by one; the
            # lookups stay in C (a method call per token was a quarter of the batch).
            for term in dict.fromkeys(compress(terms, map(is_, ids, repeat(None)))):
                term_id(term)
            ids = list(map(known, terms))
        tids += cast("list[int]", ids)  # every term has an id by now
        doc_ids.append(doc_id)
        lengths.append(len(terms))
    index._max_id = previous
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
        heads = terms_of[bounds[:-1]].tolist()
        index._changed_terms.update(heads)
        # Cached bounds are few (terms questions asked about): drop those of the batch's terms
        # by a set intersection rather than a pop per term.
        for tid in index._bounds.keys() & heads:
            del index._bounds[tid]
        if not ascending:
            for tid, lo, hi in zip(heads, bounds, bounds[1:], strict=False):
                _merged(index, tid, ids_of[lo:hi], tfs_of[lo:hi])
        else:
            # The common case, one step per distinct term: the postings go into the room
            # behind the term's tail (most terms of an article get one posting).
            tails = index._tails
            id_list, tf_list = ids_of.tolist(), tfs_of.tolist()
            # A term new to the tails with room enough in one row gets a row of one block
            # made for all of them: two arrays per new term cost more than the rest of its
            # step (a row outgrown is copied out by _grown like any tail; the block lives
            # while a row of it does). Sized by the new terms, those too many for a row
            # included: their rows stay unused, cheaper than sizing it exactly (4% of add).
            fresh = len(heads) - sum(map(tails.__contains__, heads))
            block_ids = np.empty((fresh, _ROOM), dtype=np.int32)
            block_tfs = np.empty((fresh, _ROOM), dtype=np.int32)
            row = 0
            for tid, lo, hi in zip(heads, bounds, bounds[1:], strict=False):
                tail = tails.get(tid)
                if tail is None and hi - lo <= _ROOM:
                    tail = (block_ids[row], block_tfs[row], 0)
                    row += 1
                    index._held += _ROOM
                if tail is None or tail[2] + hi - lo > len(tail[0]):
                    grown = tails[tid] = _grown(tail, ids_of[lo:hi], tfs_of[lo:hi])
                    index._held += len(grown[0]) - (len(tail[0]) if tail else 0)
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
    index._changed()


def _merged(index: BM25Index, tid: int, ids: IntArray, tfs: IntArray) -> None:
    """The term's postings with (ids, tfs) added anywhere, merged and sorted by id, become its
    overlay entry."""
    old_ids, old_tfs = index._postings_of(tid)
    merged_ids = np.concatenate([old_ids, ids])
    merged_tfs = np.concatenate([old_tfs, tfs])
    order = np.argsort(merged_ids, kind="stable")
    _set_overlay(index, tid, merged_ids[order], merged_tfs[order])


def _set_overlay(index: BM25Index, tid: int, ids: IntArray, tfs: IntArray) -> None:
    """The term's whole postings (its tail folded in) become its overlay entry, those of
    removed passages left out."""
    if index._dead.pop(tid, 0):
        live = index._doc_len[ids] > 0
        ids, tfs = ids[live], tfs[live]
    over = index._overlay.get(tid)
    tail = index._tails.pop(tid, None)
    index._held += len(ids) - (len(over[0]) if over else 0) - (len(tail[0]) if tail else 0)
    index._overlay[tid] = (ids, tfs, len(ids))
    index._overlay_bounds.pop(tid, None)
    index._bounds.pop(tid, None)


def remove(index: BM25Index, docs: Iterable[tuple[int, Sequence[str]]]) -> None:
    """Remove passages given with the terms they were indexed with.

    Nothing is copied: the passage's length becomes 0 (the search skips its postings) and each
    of its terms counts one more dead posting. Rewriting the terms instead cost 0.13 s a
    removal at a million passages, and the copies (a frequent term's 600k postings each) held
    2.3 GB after 100 removals, until saves let them go.
    """
    known = index.term_ids.get
    dead, removed = index._dead, index._removed_terms
    for doc_id, terms in docs:
        if doc_id >= len(index._doc_len) or not index._doc_len[doc_id]:
            continue
        index.doc_count -= 1
        index.total_len -= int(index._doc_len[doc_id])
        index._doc_len[doc_id] = 0
        tids = [tid for tid in map(known, set(terms)) if tid is not None]
        for tid in tids:
            dead[tid] = dead.get(tid, 0) + 1
            removed[tid] = removed.get(tid, 0) + 1
        index._changed_terms.update(tids)
        index._tombs[doc_id] = tids
    index._changed()


def _purge(index: BM25Index, doc_id: int) -> None:
    """Drop a removed passage's postings before its id is indexed again (alias learning
    re-indexes passages under their ids): its length would make them count again."""
    for tid in index._tombs.pop(doc_id):
        if index._dead.get(tid):  # else a rewrite has dropped them already
            _set_overlay(index, tid, *index._postings_of(tid))
            index._changed_terms.add(tid)


def snapshot(index: BM25Index) -> BM25Index:
    """A copy that later updates of this index leave alone, to save on another thread.

    Cheap enough to take under a lock a million passages large: updates never write into a
    postings array handed out (they give a term new arrays in the overlay, or write past the
    end of the one it had, into spare room the copy does not see), so the arrays are shared
    and only the vocabulary, the overlay's table and the passage lengths are copied. The
    copy has scratch buffers and caches of its own, so it may be searched as well.
    """
    copy = type(index)(index.params)
    copy._terms = list(index._terms)
    copy.term_ids = dict(index.term_ids)
    copy._base_ptr, copy._base_ids = index._base_ptr, index._base_ids
    copy._base_tfs = index._base_tfs
    copy._base_bounds = index._base_bounds
    copy._base_sources = index._base_sources
    copy._overlay = dict(index._overlay)
    copy._tails = dict(index._tails)
    copy._held = index._held
    copy._dead = dict(index._dead)
    copy._doc_len = index._doc_len.copy()
    copy.doc_count, copy.total_len = index.doc_count, index.total_len
    copy._max_id = index._max_id
    copy.generation = index.generation
    copy.store_id = index.store_id
    # Numbered across every index of the process: a save's callback may reach an index
    # other than the one it was taken from (replaced by a rebuild meanwhile).
    copy._snapshot_id = next(_SNAPSHOT_IDS)
    index._changed_terms, index._removed_terms = set(), {}
    # Bounded, should saves keep failing: a snapshot this old is no longer rebased on.
    after = (copy._snapshot_id, index._changed_terms, index._removed_terms)
    index._changes_after = [*index._changes_after[-63:], after]
    return copy


def rebase(index: BM25Index, saved: BM25Index, snapshot: BM25Index) -> bool:
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
    taken = [i for i, entry in enumerate(index._changes_after) if entry[0] == snapshot._snapshot_id]
    if not taken or saved.params != index.params:
        return False
    if index._terms[: len(saved._terms)] != saved._terms:
        return False
    later = index._changes_after[taken[0] :]
    changed = set().union(*(terms for _, terms, _ in later))
    # Saves go in the order the snapshots were taken: older ones are not rebased on later.
    index._changes_after = later[1:]
    index._base_ptr, index._base_ids = saved._base_ptr, saved._base_ids
    index._base_tfs, index._base_bounds = saved._base_tfs, saved._base_bounds
    index._base_sources = saved._base_sources
    for tid in [t for t in index._overlay if t not in changed]:
        del index._overlay[tid]  # the saved postings are the same
        index._overlay_bounds.pop(tid, None)
        index._bounds.pop(tid, None)
    for tid in list(index._tails):
        index._bounds.pop(tid, None)
        ids, tfs, n = index._tails[tid]
        if tid in index._overlay:
            continue  # overlay and tail: whole postings of their own, whatever the base
        # The new base holds the tail as the snapshot had it: keep what came after. (Told
        # by the snapshot, not by reading the base: that would fault a page of the new
        # file in for every such term.) A tail's ids ascend (only additions above every
        # indexed id go to tails), so what came after is what lies past the snapshot's last
        # id: its length would not do when an earlier save's rebase has trimmed the tail
        # since the snapshot was taken.
        snapshot_tail = snapshot._tails.get(tid)
        cut = 0
        if snapshot_tail is not None and snapshot_tail[2]:
            last = snapshot_tail[0][snapshot_tail[2] - 1]
            cut = int(np.searchsorted(ids[:n], last, side="right"))
        if cut == n:
            del index._tails[tid]
        elif cut:
            index._tails[tid] = (ids[cut:], tfs[cut:], n - cut)
    _rebase_dead(index, snapshot, later)
    index._held = sum(len(ids) for ids, _, _ in index._overlay.values())
    index._held += sum(len(ids) for ids, _, _ in index._tails.values())
    index.saved_stamp = saved.saved_stamp
    return True


def _rebase_dead(
    index: BM25Index, snapshot: BM25Index, later: list[tuple[int, set[int], dict[int, int]]]
) -> None:
    """The dead counts and tombs once the base is the save of ``snapshot``, which left out
    the postings of every passage removed by then.

    A term now read from the new base (and a tail of what came after the snapshot) holds dead
    postings only of passages removed since; one whose overlay was kept (changed since) holds
    what it held.
    """
    removed_since: dict[int, int] = {}
    for _, _, removed in later:
        for tid, n in removed.items():
            removed_since[tid] = removed_since.get(tid, 0) + n
    for tid in list(index._dead):
        index._bounds.pop(tid, None)  # the new base's row is exact again
        if tid not in index._overlay:
            if removed_since.get(tid):
                index._dead[tid] = removed_since[tid]
            else:
                del index._dead[tid]
    # A passage not alive in the snapshot (removed before it, or added after) has postings
    # left only in the overlays and tails that were kept; one alive then, in the new base too.
    alive_then = snapshot._doc_len
    for doc_id, tids in list(index._tombs.items()):
        if doc_id >= len(alive_then) or not alive_then[doc_id]:
            kept = [tid for tid in tids if tid in index._overlay or tid in index._tails]
            if kept:
                index._tombs[doc_id] = kept
            else:
                del index._tombs[doc_id]
