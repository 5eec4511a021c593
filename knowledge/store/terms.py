"""Stored sentences given new terms, and the analyzer version the stored terms were made with.

A change of terms changes what the index holds for the passages holding those sentences: they
are logged as leaving with their old terms and coming back (``ChangeLog.record``), in the same
transaction as the change.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from knowledge.errors import StoreError
from knowledge.store.changelog import ChangeLog
from knowledge.store.database import Database
from knowledge.store.passages import Passages


class _Upgraded(Exception):
    """Another process recorded a terms version first (rolls the transaction back)."""


class Terms:
    """The terms of stored sentences: the version they were made with, and new ones for some."""

    def __init__(self, db: Database, passages: Passages, log: ChangeLog) -> None:
        self._db = db
        self._passages = passages
        self._log = log

    def terms_version(self) -> int | None:
        """The analyzer version the stored terms were made with; None for a store from before
        versions were recorded."""
        rows = self._db.query("SELECT value FROM meta WHERE key = 'terms_version'")
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
            with self._db.transaction(bump=bool(retermed)) as db:
                row = db.execute("SELECT value FROM meta WHERE key = 'terms_version'").fetchone()
                if (int(row[0]) if row else None) != expected:
                    raise _Upgraded
                left = self.set_terms(db, retermed)
                self._log.record(db, left, [pid for pid, _ in left])
                if version is not None:
                    db.execute(
                        "INSERT INTO meta(key, value) VALUES('terms_version', ?) "
                        "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                        (str(version),),
                    )
                return True
        except _Upgraded:  # rolled back: nothing written
            return False
        except sqlite3.Error as exc:
            raise StoreError(f"could not update the stored terms: {exc}") from exc

    def set_terms(
        self, db: sqlite3.Connection, retermed: Sequence[tuple[int, Sequence[str]]]
    ) -> list[tuple[int, list[str]]]:
        """Inside a write: give sentences new terms; returns the passages holding them, with
        the terms they had before (the index holds them so), for the log."""
        if not retermed:
            return []
        passages = self._passages
        before = passages.passage_terms_by_id(
            passages.passages_of_sentences([s for s, _ in retermed])
        )
        db.executemany(
            "UPDATE sentences SET terms = ? WHERE id = ?",
            [(" ".join(terms), sid) for sid, terms in retermed],
        )
        return before
