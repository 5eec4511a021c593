"""The change log in PostgreSQL: which passages left the index and which came, at each
generation.

As in the SQLite store (``knowledge.store.changelog``): every write that changes what the index
holds bumps ``generation`` (``Database.writing``) and logs, in the same transaction, which
passages left (with the terms the index holds them with) and which came in; an index at an
older generation catches up from the log (:meth:`ChangeLog.changes_since`) instead of being
rebuilt. Writers of every replica take the schema's write lock, so the log keeps one order.
"""

from __future__ import annotations

from collections.abc import Sequence

from knowledge.pgstore.connection import Connection, Database
from knowledge.pgstore.passages import Passages
from knowledge.store import Changes

# The change log of the write under way: its rows carry the generation it will commit as.
_LOG_CHANGES = (
    "INSERT INTO changes(generation, passage_id, terms) "
    "SELECT (SELECT value::bigint + 1 FROM meta WHERE key = 'generation'), p, t "
    "FROM unnest(%s::bigint[], %s::text[]) WITH ORDINALITY AS u(p, t, n) ORDER BY n"
)


class ChangeLog:
    """The generation and the log of the passages each write took out of the index or put in."""

    def __init__(self, db: Database, passages: Passages) -> None:
        self._db = db
        self._passages = passages

    def generation(self) -> int:
        """The number of the last write that changed what the index holds (0 for a new store):
        an index built or caught up at this generation is current."""
        rows = self._db.rows("SELECT value FROM meta WHERE key = 'generation'")
        return int(rows[0]["value"]) if rows else 0

    def changes_since(self, generation: int) -> Changes | None:
        """The passages that left and came after ``generation``, read in one snapshot of the
        store; None when the log does not reach back that far (the index must be rebuilt)."""
        with self._db.reading():
            current = self.generation()
            since = self._db.rows("SELECT value FROM meta WHERE key = 'changes_since'")
            if generation > current or not since or generation < int(since[0]["value"]):
                return None
            left: dict[int, list[str]] = {}
            came: set[int] = set()
            rows = self._db.rows(
                "SELECT passage_id, terms FROM changes WHERE generation > %s "
                "ORDER BY generation, seq",
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
            return Changes(current, list(left.items()), present)

    def forget_changes(self, upto: int) -> None:
        """Drop the log up to generation ``upto``: indexes older than that get rebuilt."""
        with self._db.writing("could not trim the change log", bump=False) as conn:
            conn.execute("DELETE FROM changes WHERE generation <= %s", (upto,))
            conn.execute(
                "UPDATE meta SET value = GREATEST(value::bigint, %s)::text "
                "WHERE key = 'changes_since'",
                (upto,),
            )

    @staticmethod
    def written_generation(conn: Connection) -> int:
        """Inside a write: the generation the store is at before this write commits."""
        row = conn.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
        return int(row[0]) if row else 0

    @staticmethod
    def record(
        conn: Connection, left: Sequence[tuple[int, Sequence[str]]], came: Sequence[int]
    ) -> None:
        """Inside a write: log the passages that ``left`` (with the terms the index holds them
        with) and those that ``came``, at the generation the write commits."""
        ids = [pid for pid, _ in left] + list(came)
        if not ids:
            return
        terms: list[str | None] = [" ".join(t) for _, t in left]
        conn.execute(_LOG_CHANGES, (ids, terms + [None] * len(came)))
