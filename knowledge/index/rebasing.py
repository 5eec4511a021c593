"""What a rebase computes: the tails, dead counts and tombstones left once the base is the
save of a snapshot (knowledge/index/postings.py: ``Postings.rebase``).

Pure functions over plain dicts and arrays; postings.py applies their results.
"""

from __future__ import annotations

from collections.abc import Container, Mapping

import numpy as np

from knowledge.index.bm25 import IntArray
from knowledge.index.updates import Grown


def after(tail: Grown, snapshot_tail: Grown | None) -> Grown | None:
    """What ``tail`` holds past ``snapshot_tail`` (the same term's tail in a snapshot taken
    earlier), None for nothing; the tail itself when nothing of it was in the snapshot.

    Told by the snapshot, not by reading a save's base: that would fault a page of the file in
    for every such term. A tail's ids ascend (only additions above every indexed id go to
    tails), so what came after is what lies past the snapshot's last id: its length would not
    do when an earlier save's rebase has trimmed the tail since the snapshot was taken.
    """
    ids, tfs, n = tail
    cut = 0
    if snapshot_tail is not None and snapshot_tail[2]:
        last = snapshot_tail[0][snapshot_tail[2] - 1]
        cut = int(np.searchsorted(ids[:n], last, side="right"))
    if cut == n:
        return None
    return (ids[cut:], tfs[cut:], n - cut) if cut else tail


def tails_after(
    tails: Mapping[int, Grown], overlaid: Container[int], snapshot_tails: Mapping[int, Grown]
) -> dict[int, Grown]:
    """The tails once the base holds each tail as ``snapshot_tails`` had it: what came after.

    A term with an overlay kept (``overlaid``) keeps its whole tail: overlay and tail are
    postings of their own, whatever the base.
    """
    kept: dict[int, Grown] = {}
    for tid, tail in tails.items():
        rest = tail if tid in overlaid else after(tail, snapshot_tails.get(tid))
        if rest is not None:
            kept[tid] = rest
    return kept


def dead_after(
    dead: Mapping[int, int], overlaid: Container[int], removed_since: Mapping[int, int]
) -> dict[int, int]:
    """The dead counts once the base is the save of a snapshot, which left out the postings of
    every passage removed by then.

    A term now read from the new base (and a tail of what came after the snapshot) holds dead
    postings only of passages removed since; one whose overlay was kept (changed since) holds
    what it held.
    """
    kept: dict[int, int] = {}
    for tid, n in dead.items():
        if tid in overlaid:
            kept[tid] = n
        elif removed_since.get(tid):
            kept[tid] = removed_since[tid]
    return kept


def tombs_after(
    tombs: Mapping[int, list[int]], alive_then: IntArray, held: Container[int]
) -> dict[int, list[int]]:
    """The tombstones once the base is the save of a snapshot whose passage lengths are
    ``alive_then``.

    A passage not alive in the snapshot (removed before it, or added after) has postings left
    only in the overlays and tails that were kept (``held``); one alive then, in the new base.
    """
    kept: dict[int, list[int]] = {}
    for doc_id, tids in tombs.items():
        if doc_id < len(alive_then) and alive_then[doc_id]:
            kept[doc_id] = tids
        elif left := [tid for tid in tids if tid in held]:
            kept[doc_id] = left
    return kept
