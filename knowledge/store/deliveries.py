"""Which replica handles each update Telegram delivers, so that a redelivery is not answered
twice and an update whose replica died is not lost.

A front end (the bot in webhook mode) claims an update before handling it and records it
finished once handled. The row keeps who claimed it (``owner``, one id per running replica)
and until when the claim holds (``lease_until``): a claim whose lease ran out belongs to a
replica that died (or stalled), and the next delivery takes it over. Times are seconds since
the epoch by this machine's clock; the PostgreSQL store uses the database's clock instead, the
one clock every replica shares (knowledge/pgstore/deliveries.py).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Sequence
from typing import Literal

from knowledge.store.database import Database

# What a claim found (see ``Deliveries.claim_update``).
Claim = Literal["claimed", "taken_over", "finished", "busy"]


def claim_found(takeovers: int | None, finished: bool) -> Claim:
    """What a claim found, from the ``takeovers`` of the row the claim wrote (None: it wrote
    none) and, when it wrote none, whether the update is finished."""
    if takeovers is not None:
        return "claimed" if takeovers == 0 else "taken_over"
    return "finished" if finished else "busy"


class Deliveries:
    """The deliveries table, through the store's :class:`Database`."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def claim_update(self, bot_id: int, update_id: int, owner: str, lease: float) -> Claim:
        """Claim update ``update_id`` of bot ``bot_id`` for ``owner`` for ``lease`` seconds.

        "claimed": nobody had it, handle it; "taken_over": another claim's lease ran out (its
        replica died), handle it; "finished": handled already, answer the delivery and send
        nothing; "busy": a claim still holds (another replica, or this one, is handling it),
        let Telegram deliver it again later.

        Raises:
            StoreError: the store is read-only or could not be written.
        """
        self._db.refuse_if_read_only()
        now = time.time()
        try:
            with self._db.transaction(bump=False) as conn:
                # A new row, or an unfinished one whose lease ran out taken over; none when
                # the update is finished or another claim still holds.
                row = conn.execute(
                    "INSERT INTO deliveries(bot_id, update_id, owner, claimed_at, lease_until) "
                    "VALUES (?, ?, ?, ?, ?) ON CONFLICT (bot_id, update_id) DO UPDATE SET "
                    "owner = excluded.owner, lease_until = excluded.lease_until, "
                    "takeovers = deliveries.takeovers + 1 "
                    "WHERE deliveries.finished_at IS NULL "
                    "AND deliveries.lease_until <= excluded.claimed_at RETURNING takeovers",
                    (bot_id, update_id, owner, now, now + lease),
                ).fetchone()
                finished = row is None and bool(
                    conn.execute(
                        "SELECT 1 FROM deliveries WHERE bot_id = ? AND update_id = ? "
                        "AND finished_at IS NOT NULL",
                        (bot_id, update_id),
                    ).fetchall()
                )
        except sqlite3.Error as exc:
            raise self._db.error("could not claim the update", exc) from exc
        return claim_found(None if row is None else int(row[0]), finished)

    def renew_claims(
        self, bot_id: int, update_ids: Sequence[int], owner: str, lease: float
    ) -> None:
        """``owner``'s unfinished claims on ``update_ids`` hold ``lease`` seconds from now
        (a replica still at work on them says so); others' claims are left alone.

        Raises:
            StoreError: the store is read-only or could not be written.
        """
        self._db.refuse_if_read_only()
        if not update_ids:
            return
        marks = ",".join("?" * len(update_ids))
        try:
            with self._db.transaction(bump=False) as conn:
                conn.execute(
                    f"UPDATE deliveries SET lease_until = ? WHERE bot_id = ? AND owner = ? "
                    f"AND finished_at IS NULL AND update_id IN ({marks})",
                    (time.time() + lease, bot_id, owner, *update_ids),
                )
        except sqlite3.Error as exc:
            raise self._db.error("could not renew the claims", exc) from exc

    def finish_update(self, bot_id: int, update_id: int, owner: str) -> None:
        """Update ``update_id`` was handled (by ``owner``): later deliveries of it are
        "finished". Recorded even when another replica had taken the claim over meanwhile:
        the update was answered, and answering it again is what the table is for avoiding.

        Raises:
            StoreError: the store is read-only or could not be written.
        """
        self._db.refuse_if_read_only()
        now = time.time()
        try:
            with self._db.transaction(bump=False) as conn:
                conn.execute(
                    "INSERT INTO deliveries(bot_id, update_id, owner, claimed_at, lease_until, "
                    "finished_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (bot_id, update_id) "
                    "DO UPDATE SET owner = excluded.owner, finished_at = excluded.finished_at "
                    "WHERE deliveries.finished_at IS NULL",
                    (bot_id, update_id, owner, now, now, now),
                )
        except sqlite3.Error as exc:
            raise self._db.error("could not record the update as handled", exc) from exc

    def forget_deliveries(self, kept: float) -> int:
        """Drop the updates first claimed over ``kept`` seconds ago; how many were dropped.
        Telegram keeps an update it could not deliver for 24 hours, so a day is enough."""
        self._db.refuse_if_read_only()
        try:
            with self._db.transaction(bump=False) as conn:
                cursor = conn.execute(
                    "DELETE FROM deliveries WHERE claimed_at < ?", (time.time() - kept,)
                )
                return int(cursor.rowcount)
        except sqlite3.Error as exc:
            raise self._db.error("could not forget old deliveries", exc) from exc
