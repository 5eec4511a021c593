"""Stored sentences given new terms, and the analyzer version the stored terms were made with,
in PostgreSQL.

A change of terms changes what the index holds for the passages holding those sentences: they
are logged as leaving with their old terms and coming back (``ChangeLog.record``), in the same
transaction as the change. As ``knowledge.store.terms`` for SQLite.
"""

from __future__ import annotations

from collections.abc import Sequence

from knowledge.pgstore.changelog import ChangeLog
from knowledge.pgstore.connection import Connection, Database
from knowledge.pgstore.passages import Passages


class _Late(Exception):
    """Another process recorded a terms version first (rolls the transaction back)."""


class Terms:
    """The terms of stored sentences: the version they were made with, and new ones for some."""

    def __init__(self, db: Database, passages: Passages) -> None:
        self._db = db
        self._passages = passages

    def terms_version(self) -> int | None:
        """The analyzer version the stored terms were made with; None before any was
        recorded."""
        rows = self._db.rows("SELECT value FROM meta WHERE key = 'terms_version'")
        return int(rows[0]["value"]) if rows else None

    def reterm(
        self,
        retermed: Sequence[tuple[int, Sequence[str]]],
        version: int | None,
        *,
        expected: int | None,
    ) -> bool:
        """Give sentences new terms and record ``version`` (unless None), in one transaction;
        the passages holding them are logged as leaving with their old terms and coming back.

        False, and nothing written, when the stored version is no longer ``expected``: another
        process upgraded the store meanwhile.
        """
        try:
            with self._db.writing("could not update the stored terms", bump=bool(retermed)) as conn:
                row = conn.execute("SELECT value FROM meta WHERE key = 'terms_version'").fetchone()
                if (int(row[0]) if row else None) != expected:
                    raise _Late
                left = self.set_terms(conn, retermed)
                ChangeLog.record(conn, left, [pid for pid, _ in left])
                if version is not None:
                    conn.execute(
                        "INSERT INTO meta(key, value) VALUES ('terms_version', %s) "
                        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                        (str(version),),
                    )
                return True
        except _Late:  # rolled back: nothing written
            return False

    def set_terms(
        self, conn: Connection, retermed: Sequence[tuple[int, Sequence[str]]]
    ) -> list[tuple[int, list[str]]]:
        """Inside a write: give sentences new terms; returns the passages holding them, with
        the terms they had before (the index holds them so), for the log."""
        if not retermed:
            return []
        passages = self._passages
        before = passages.passage_terms_by_id(
            passages.passages_of_sentences([s for s, _ in retermed])
        )
        conn.execute(
            "UPDATE sentences s SET terms = u.terms "
            "FROM unnest(%s::bigint[], %s::text[]) AS u(id, terms) WHERE s.id = u.id",
            ([sid for sid, _ in retermed], [" ".join(terms) for _, terms in retermed]),
        )
        return before
