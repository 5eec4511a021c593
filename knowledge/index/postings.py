"""The postings of a BM25 index and the statistics read from them, owned by one class.

Postings live in one compressed sparse row block (``Table``: mapped from the last save, nothing
re-tokenized), an overlay of the terms rewritten since, and a tail per term of the postings added
since, so adding or removing an article touches only that article's terms:
- an addition (``append``) writes the new postings into the room behind the term's tail (the
  search reads a term's base or overlay postings and its tail as two parts), so a frequent
  term's 600k postings are not copied for one more;
- a removal (``kill``) copies nothing: the passage's length becomes 0, which every search loop
  skips, each of its terms counts one more dead posting, and the passage keeps a tombstone (its
  terms) until its postings are gone;
- a save (knowledge/index/files.py) leaves the dead postings out, and ``rebase`` then takes the
  written file as the new base and drops whatever did not change since the ``snapshot`` saved.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import compress, repeat
from operator import is_
from typing import cast

import numpy as np

from knowledge.index import bm25, rebasing, updates
from knowledge.index.bm25 import NO_BOUND, Bound, IntArray
from knowledge.index.changes import ChangeLog
from knowledge.index.kernel import bm25c
from knowledge.index.table import Table

_EMPTY_I = np.zeros(0, dtype=np.int32)
Part = tuple[IntArray, IntArray]


class AlreadyIndexed(ValueError):
    """An addition of a passage the index holds: what a change log that does not fit the
    index gives (and nothing else may be taken for it)."""


class Postings:
    """Passage id -> terms, as postings per term id, with the passages' lengths."""

    def __init__(self, *, compiled: bool) -> None:
        """``compiled`` computes term bounds in C (knowledge/_bm25.c) rather than numpy."""
        self.compiled = compiled
        self._term_ids: dict[str, int] = {}
        self._terms: list[str] = []
        self._base = Table()
        # Terms changed since the base was built or loaded (updates.Grown), and the postings
        # appended to a term since: passages newer than every one in its base or overlay
        # postings (a search reads the two as parts of the term).
        self._overlay: dict[int, updates.Grown] = {}
        self._tails: dict[int, updates.Grown] = {}
        self._held = 0  # entries of the overlay's and the tails' arrays, room included
        # Per term, how many of its postings are of removed passages (length 0), not yet
        # dropped: its df is its postings less these. And per removed passage whose postings
        # may still be somewhere, the terms it had: an id indexed again must first leave them.
        self._dead: dict[int, int] = {}
        self._tombs: dict[int, list[int]] = {}
        self._max_id = -1  # at least the largest passage id ever indexed
        self._lengths = np.zeros(0, dtype=np.int32)  # by passage id; 0 = absent
        self._doc_count = 0
        self._total_len = 0
        # Per term: its bound (largest tf, smallest dl / tf, smallest dl) over its postings,
        # dropped for the terms an update touches; the same for an overlay's postings alone
        # (its tail changes more often). The base's are the table's.
        self._bounds: dict[int, Bound] = {}
        self._overlay_bounds: dict[int, Bound] = {}
        self._log = ChangeLog()
        # A snapshot's number, which its rebase looks up in the log of the postings it was
        # taken from; None for postings not taken as one.
        self._snapshot_id: int | None = None

    @classmethod
    def loaded(
        cls,
        table: Table,
        terms: list[str],
        lengths: IntArray,
        doc_count: int,
        total_len: int,
        *,
        compiled: bool,
    ) -> Postings:
        """Postings whose base is ``table`` (as a save holds it), nothing changed since."""
        postings = cls(compiled=compiled)
        postings._base = table
        postings._terms = list(terms)
        postings._term_ids = {t: i for i, t in enumerate(postings._terms)}
        postings._lengths = lengths
        live = np.flatnonzero(lengths)
        postings._max_id = int(live[-1]) if len(live) else -1
        postings._doc_count, postings._total_len = doc_count, total_len
        return postings

    # -- reading ----------------------------------------------------------------------------
    @property
    def terms(self) -> list[str]:
        """The vocabulary in term id order (not to be changed by the caller)."""
        return self._terms

    @property
    def term_ids(self) -> dict[str, int]:
        """Term -> id, in id order (not to be changed by the caller)."""
        return self._term_ids

    @property
    def doc_count(self) -> int:
        """Live passages."""
        return self._doc_count

    @property
    def total_len(self) -> int:
        """Terms in live passages, counted with repeats."""
        return self._total_len

    @property
    def base(self) -> Table:
        """The table the postings were built on or loaded from."""
        return self._base

    @property
    def lengths(self) -> IntArray:
        """Each passage's length by id, 0 for none (a view the caller must not write)."""
        return self._lengths

    @property
    def held(self) -> int:
        """Entries held in the overlay and the tails (room included)."""
        return self._held

    def changed(self) -> list[int]:
        """The terms whose postings are not the base's as it has them, in id order."""
        dead = {tid for tid, n in self._dead.items() if n}
        return sorted(set(self._overlay) | set(self._tails) | dead)

    def overlaid(self) -> set[int]:
        """The terms rewritten whole since the base (their base postings are not read)."""
        return set(self._overlay)

    def tailed(self) -> set[int]:
        """The terms with postings appended behind their base or overlay ones."""
        return set(self._tails)

    def held_arrays(self) -> list[updates.Grown]:
        """The overlay's and the tails' arrays (what ``held`` counts)."""
        return [*self._overlay.values(), *self._tails.values()]

    def dead(self, tid: int) -> int:
        """How many of the term's postings are of removed passages."""
        return self._dead.get(tid, 0)

    def dead_terms(self) -> dict[int, int]:
        """Per term with postings of removed passages, how many."""
        return {tid: n for tid, n in self._dead.items() if n}

    def tombstones(self) -> dict[int, list[int]]:
        """Per removed passage whose postings may still be held, the terms it had."""
        return {doc: list(tids) for doc, tids in self._tombs.items()}

    def prefix(self, tid: int) -> Part:
        """A term's postings without its tail: the overlay's, or the base table's."""
        over = self._overlay.get(tid)
        if over is not None:
            ids, tfs, n = over
            return ids[:n], tfs[:n]
        base = self._base
        if tid + 1 >= len(base.ptr):
            return _EMPTY_I, _EMPTY_I
        lo, hi = base.ptr[tid], base.ptr[tid + 1]
        return base.ids[lo:hi], base.tfs[lo:hi]

    def prefix_in_base(self, tid: int) -> bool:
        """Whether the term's prefix is the base table's own (not an overlay's)."""
        return tid not in self._overlay and tid < self._base.terms

    def parts(self, tid: int) -> list[Part]:
        """A term's postings as the search reads them: prefix, then tail; the empty left out.
        Postings of removed passages are among them (their length is 0)."""
        ids, tfs = self.prefix(tid)
        parts = [(ids, tfs)] if len(ids) else []
        tail = self._tails.get(tid)
        if tail is not None and tail[2]:
            parts.append((tail[0][: tail[2]], tail[1][: tail[2]]))
        return parts

    def joined(self, tid: int) -> Part:
        """A term's postings in one pair of arrays (a copy where it has a tail), removed
        passages' included."""
        parts = self.parts(tid)
        if len(parts) == 1:
            return parts[0]
        if not parts:
            return _EMPTY_I, _EMPTY_I
        return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])

    def live(self, tid: int) -> Part:
        """The term's postings of live passages, sorted by id."""
        ids, tfs = self.joined(tid)
        if self._dead.get(tid):
            live = self._lengths[ids] > 0
            ids, tfs = ids[live], tfs[live]
        return ids, tfs

    def df(self, tid: int) -> int:
        """Live passages holding the term."""
        return sum(len(ids) for ids, _ in self.parts(tid)) - self._dead.get(tid, 0)

    def dfs(self) -> np.ndarray:
        """Every term's df (int64), in term id order."""
        dfs = np.zeros(len(self._terms), dtype=np.int64)
        base = np.diff(self._base.ptr)[: len(self._terms)]
        dfs[: len(base)] = base
        for tid, (_, _, n) in self._overlay.items():
            dfs[tid] = n
        for tid, (_, _, n) in self._tails.items():
            dfs[tid] += n
        for tid, n in self._dead.items():
            dfs[tid] -= n
        return dfs

    def bound_of(self, ids: IntArray, tfs: IntArray) -> Bound:
        """bm25.term_bound of non-empty postings, in C where built."""
        if self.compiled:
            return bm25c.term_bound(ids, tfs, self._lengths)
        return bm25.term_bound(ids, tfs, self._lengths)

    def bound(self, tid: int) -> Bound:
        """(largest tf, smallest dl / tf, smallest dl) over a term's live postings, or a
        bound of them: kept until an update touches the term; its prefix's part (saved with
        the base, or cached for the overlay) outlives appends."""
        cached = self._bounds.get(tid)
        if cached is not None:
            return cached
        over = self._overlay.get(tid)
        if over is not None:
            prefix = self._overlay_bounds.get(tid)
            if prefix is None:
                ids, tfs, n = over
                prefix = NO_BOUND if not n else self.bound_of(ids[:n], tfs[:n])
                self._overlay_bounds[tid] = prefix
        elif tid < len(self._base.bounds):
            row = self._base.bounds[tid]
            prefix = (float(row[0]), float(row[1]), float(row[2]))
        else:
            ids, tfs = self.prefix(tid)
            prefix = self.bound_of(ids, tfs) if len(ids) else NO_BOUND
        tail = self._tails.get(tid)
        bound = prefix
        if tail is not None and tail[2]:
            bound = bm25.joined_bound(prefix, self.bound_of(tail[0][: tail[2]], tail[1][: tail[2]]))
        self._bounds[tid] = bound
        return bound

    # -- updates ----------------------------------------------------------------------------
    def term_id(self, term: str) -> int:
        """The term's id, a new one for a term not seen before."""
        tid = self._term_ids.get(term)
        if tid is None:
            tid = len(self._terms)
            self._term_ids[term] = tid
            self._terms.append(term)
        return tid

    def append(self, docs: Iterable[tuple[int, Sequence[str]]]) -> None:
        """Add passages (id, terms); ids must be new, else AlreadyIndexed (the passages of
        the batch before the offending one are in)."""
        for batch in updates.batches(docs):
            self._append_batch(batch)

    def _append_batch(self, docs: list[tuple[int, Sequence[str]]]) -> None:
        doc_ids: list[int] = []
        lengths: list[int] = []
        tids: list[int] = []
        known = self._term_ids.get
        term_id = self.term_id
        previous = self._max_id
        ascending = True  # every new id above every indexed one, in order
        for doc_id, terms in docs:
            if not terms:
                continue  # nothing to match; a length of 0 marks "not indexed"
            if doc_id >= len(self._lengths):
                self._lengths = updates.with_room(self._lengths, doc_id)
            if self._lengths[doc_id]:
                raise AlreadyIndexed(f"passage {doc_id} is already indexed")
            if doc_id in self._tombs:
                self._purge(doc_id)  # its old postings would count for it again
            ascending = ascending and doc_id > previous
            previous = max(previous, doc_id)
            self._lengths[doc_id] = len(terms)
            self._doc_count += 1
            self._total_len += len(terms)
            ids = list(map(known, terms))
            if None in ids:
                # New terms get ids in order of first occurrence, as they would one by one;
                # the lookups stay in C (a method call per token costs a quarter of the batch).
                for term in dict.fromkeys(compress(terms, map(is_, ids, repeat(None)))):
                    term_id(term)
                ids = list(map(known, terms))
            tids += cast("list[int]", ids)  # every term has an id by now
            doc_ids.append(doc_id)
            lengths.append(len(terms))
        self._max_id = previous
        if not tids:
            return
        group = updates.grouped(doc_ids, lengths, tids)
        heads, starts = group.heads, group.starts
        self._log.touched(heads)
        # Cached bounds are few (terms questions asked about): drop those of the batch's terms
        # by a set intersection rather than a pop per term.
        for tid in self._bounds.keys() & heads:
            del self._bounds[tid]
        if not ascending:
            for tid, lo, hi in zip(heads, starts, starts[1:], strict=False):
                added = group.ids[lo:hi], group.tfs[lo:hi]
                self._set_overlay(tid, *updates.merged(*self.joined(tid), *added))
            return
        # The common case: every new id above every indexed one, into the tails.
        self._held += updates.into_tails(self._tails, group)

    def _set_overlay(self, tid: int, ids: IntArray, tfs: IntArray) -> None:
        """The term's whole postings (its tail folded in) become its overlay entry, those of
        removed passages left out."""
        if self._dead.pop(tid, 0):
            live = self._lengths[ids] > 0
            ids, tfs = ids[live], tfs[live]
        over = self._overlay.get(tid)
        tail = self._tails.pop(tid, None)
        self._held += len(ids) - (len(over[0]) if over else 0) - (len(tail[0]) if tail else 0)
        self._overlay[tid] = (ids, tfs, len(ids))
        self._overlay_bounds.pop(tid, None)
        self._bounds.pop(tid, None)

    def kill(self, docs: Iterable[tuple[int, Sequence[str]]]) -> None:
        """Remove passages given with the terms they were indexed with.

        Nothing is copied: the passage's length becomes 0 (the search skips its postings) and
        each of its terms counts one more dead posting. Rewriting the terms instead cost 0.13 s
        a removal at a million passages, and the copies held gigabytes until saves let them go.
        """
        known = self._term_ids.get
        dead = self._dead
        for doc_id, terms in docs:
            if doc_id >= len(self._lengths) or not self._lengths[doc_id]:
                continue
            self._doc_count -= 1
            self._total_len -= int(self._lengths[doc_id])
            self._lengths[doc_id] = 0
            tids = [tid for tid in map(known, set(terms)) if tid is not None]
            for tid in tids:
                dead[tid] = dead.get(tid, 0) + 1
            self._log.removed(tids)
            self._tombs[doc_id] = tids

    def _purge(self, doc_id: int) -> None:
        """Drop a removed passage's postings before its id is indexed again (alias learning
        re-indexes passages under their ids): its length would make them count again."""
        for tid in self._tombs.pop(doc_id):
            if self._dead.get(tid):  # else a rewrite has dropped them already
                self._set_overlay(tid, *self.joined(tid))
                self._log.touched((tid,))

    # -- snapshots and rebasing -------------------------------------------------------------
    def snapshot(self, *, compiled: bool) -> Postings:
        """A copy that later updates of these postings leave alone, to save on another thread.

        Cheap enough to take under a lock a million passages large: updates never write into
        a postings array handed out (they give a term new arrays in the overlay, or write past
        the end of the one it had, into spare room the copy does not see), so the arrays are
        shared and only the vocabulary, the overlay's table and the lengths are copied.
        """
        copy = Postings(compiled=compiled)
        copy._terms = list(self._terms)
        copy._term_ids = dict(self._term_ids)
        copy._base = self._base
        copy._overlay = dict(self._overlay)
        copy._tails = dict(self._tails)
        copy._held = self._held
        copy._dead = dict(self._dead)
        copy._lengths = self._lengths.copy()
        copy._doc_count, copy._total_len = self._doc_count, self._total_len
        copy._max_id = self._max_id
        copy._snapshot_id = self._log.snapshot()
        return copy

    def rebase(self, saved: Postings, snapshot: Postings) -> bool:
        """Take the table of ``saved`` (``snapshot``, a snapshot of these postings, as loaded
        back from the file it was written to) as the base, keeping in the overlay only the
        terms changed since that snapshot. False, and nothing changed, when ``snapshot`` was
        not taken from these postings (or is older than the last rebase's) or ``saved`` holds
        other terms.

        Without this, what updates put in memory stays there for the life of the process: the
        tails of added postings, and the whole postings of every term a removal rewrote. It
        also lets go of the previous save's file, which the base mapped.
        """
        if self._terms[: len(saved._terms)] != saved._terms:
            return False
        since = self._log.since(snapshot._snapshot_id)
        if since is None:
            return False
        changed, removed_since = since
        self._base = saved._base
        for tid in [t for t in self._overlay if t not in changed]:
            del self._overlay[tid]  # the saved postings are the same
            self._overlay_bounds.pop(tid, None)
            self._bounds.pop(tid, None)
        for tid in self._tails:
            self._bounds.pop(tid, None)
        self._tails = rebasing.tails_after(self._tails, self._overlay, snapshot._tails)
        for tid in self._dead:
            self._bounds.pop(tid, None)  # the new base's row is exact again
        self._dead = rebasing.dead_after(self._dead, self._overlay, removed_since)
        held = self._overlay.keys() | self._tails.keys()
        self._tombs = rebasing.tombs_after(self._tombs, snapshot._lengths, held)
        self._held = sum(len(ids) for ids, _, _ in self._overlay.values())
        self._held += sum(len(ids) for ids, _, _ in self._tails.values())
        return True
