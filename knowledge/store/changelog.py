"""The change log: which passages left the index and which came, at each generation.

Every write that changes what the index holds is one transaction and bumps ``generation``
(:meth:`Database.transaction`), which the index records to know whether it is current. The
write also logs which passages left (with the terms they were indexed with, which the write
may delete) and which came in. An index saved or held at an older generation is brought up
to date from that log (:meth:`ChangeLog.changes_since`) instead of being rebuilt from every
stored passage: after a crash between two saves, or when another process (`citebot ingest`
beside the bot, a replica) wrote. A rebuild takes minutes at a million passages; replaying a
few articles takes milliseconds.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

from knowledge.errors import StoreError
from knowledge.store.database import Database
from knowledge.store.passages import Passages

# The next generation, as the write transaction under way will commit it.
_NEXT_GENERATION = (
    "COALESCE((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'generation'), 0) + 1"
)
_LOG_CHANGE = (
    f"INSERT INTO changes(generation, passage_id, terms) VALUES ({_NEXT_GENERATION}, ?, ?)"
)


@dataclass(frozen=True)
class Changes:
    """What happened to the indexed passages after some generation, up to ``generation``."""

    generation: int
    # Passages that left the index, with the terms they had at the older generation.
    left: list[tuple[int, list[str]]]
    # Passages that came in and are still stored, with their terms now.
    came: list[tuple[int, list[str]]]


class ChangeLog:
    """The generation and the log of the passages each write took out of the index or put in."""

    def __init__(self, db: Database, passages: Passages) -> None:
        self._db = db
        self._passages = passages

    def generation(self) -> int:
        """The number of the last write that changed what the index holds (0 for a new store):
        an index built or caught up at this generation is current."""
        rows = self._db.query("SELECT value FROM meta WHERE key = 'generation'")
        return int(rows[0]["value"]) if rows else 0

    def changes_since(self, generation: int) -> Changes | None:
        """The passages that left and came after ``generation``, read in one snapshot of the
        store; None when the log does not reach back that far (the index must be rebuilt)."""
        with self._db.reading():
            now = self.generation()
            since = self._db.query("SELECT value FROM meta WHERE key = 'changes_since'")
            if generation > now or not since or generation < int(since[0]["value"]):
                return None
            left: dict[int, list[str]] = {}
            came: set[int] = set()
            rows = self._db.query(
                "SELECT passage_id, terms FROM changes WHERE generation > ? "
                "ORDER BY generation, rowid",
                (generation,),
            )
            for row in rows:
                if row["terms"] is None:
                    came.add(row["passage_id"])
                elif row["passage_id"] not in left:
                    # Its first departure after ``generation`` carries the terms the older
                    # index holds it with; later ones, terms it came back with since.
                    left[row["passage_id"]] = row["terms"].split()
            present = self._passages.passage_terms_by_id(sorted(came))
            return Changes(now, list(left.items()), present)

    @staticmethod
    def record(
        db: sqlite3.Connection, left: Sequence[tuple[int, Sequence[str]]], came: Sequence[int]
    ) -> None:
        """Inside a write transaction: log the passages that ``left`` (with the terms the index
        holds them with) and those that ``came``, at the generation the write commits."""
        db.executemany(_LOG_CHANGE, [(pid, " ".join(terms)) for pid, terms in left])
        db.executemany(_LOG_CHANGE, [(pid, None) for pid in came])

    def forget_changes(self, upto: int) -> None:
        """Drop the log up to generation ``upto``: indexes older than that get rebuilt."""
        try:
            with self._db.transaction(bump=False) as db:
                db.execute("DELETE FROM changes WHERE generation <= ?", (upto,))
                db.execute(
                    "UPDATE meta SET value = CAST(MAX(CAST(value AS INTEGER), ?) AS TEXT) "
                    "WHERE key = 'changes_since'",
                    (upto,),
                )
        except sqlite3.Error as exc:
            raise StoreError(f"could not trim the change log: {exc}") from exc
