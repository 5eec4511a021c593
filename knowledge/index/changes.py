"""Which terms' postings changed after each snapshot: what a rebase on a snapshot's save keeps."""

from __future__ import annotations

import itertools
from collections.abc import Iterable

# Numbered across every index of the process: a save's callback may reach postings other than
# the ones it was taken from (replaced by a rebuild meanwhile).
_SNAPSHOT_IDS = itertools.count(1)
# Snapshots remembered, should saves keep failing: one this old is no longer rebased on.
_KEPT = 64


class ChangeLog:
    """Per snapshot taken, the terms whose postings changed after it and before the next one,
    and how many postings each removal left dead in them; updates add to the last ones."""

    def __init__(self) -> None:
        self._terms: set[int] = set()
        self._removed: dict[int, int] = {}
        self._after: list[tuple[int, set[int], dict[int, int]]] = []

    def touched(self, tids: Iterable[int]) -> None:
        """The terms' postings changed."""
        self._terms.update(tids)

    def removed(self, tids: list[int]) -> None:
        """A passage with these terms was removed: one dead posting more in each."""
        self._terms.update(tids)
        removed = self._removed
        for tid in tids:
            removed[tid] = removed.get(tid, 0) + 1

    def snapshot(self) -> int:
        """A new snapshot's number; later changes are counted after it."""
        number = next(_SNAPSHOT_IDS)
        self._terms, self._removed = set(), {}
        self._after = [*self._after[1 - _KEPT :], (number, self._terms, self._removed)]
        return number

    def since(self, number: int | None) -> tuple[set[int], dict[int, int]] | None:
        """The terms changed since snapshot ``number`` and the dead postings removals left in
        each since, forgetting that snapshot and those before it (saves go in the order the
        snapshots were taken); None for a snapshot not taken here, or forgotten."""
        taken = [i for i, entry in enumerate(self._after) if entry[0] == number]
        if not taken:
            return None
        later = self._after[taken[0] :]
        self._after = later[1:]
        changed: set[int] = set().union(*(terms for _, terms, _ in later))
        removed_since: dict[int, int] = {}
        for _, _, removed in later:
            for tid, n in removed.items():
                removed_since[tid] = removed_since.get(tid, 0) + n
        return changed, removed_since
