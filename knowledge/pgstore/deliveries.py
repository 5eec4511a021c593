"""Which replica handles each webhook update, and the turns of the shared rate limits, in
PostgreSQL: what the SQLite store's deliveries.py and turns.py do, with the database's clock
(the one every replica shares) instead of this machine's.

Functions over a :class:`~knowledge.pgstore.connection.Database`, one for each method of the
store's that ``PgStore`` answers with it. Each is one statement outside the store's write lock
(``Database.writing`` serialises the writes of the knowledge): PostgreSQL's row locks keep two
replicas claiming one update, or taking turns of one key, in order. A turn is one call of the
``take_turn`` function the schema defines (knowledge/pgstore/schema.py, step 2).
"""

from __future__ import annotations

from collections.abc import Sequence

from knowledge.pgstore.connection import Database
from knowledge.store import Claim, Turn, Window, claim_found

_NOW = "extract(epoch FROM clock_timestamp())"


def claim_update(db: Database, bot_id: int, update_id: int, owner: str, lease: float) -> Claim:
    """Claim update ``update_id`` of bot ``bot_id`` for ``owner`` for ``lease`` seconds; see
    ``knowledge.store.deliveries.Deliveries.claim_update`` for what each answer means.

    Raises:
        StoreError: the store is read-only or out of reach.
    """
    db.refuse_write()
    with db.failing("could not claim the update"), db.connection() as conn:
        row = conn.execute(
            "INSERT INTO deliveries(bot_id, update_id, owner, claimed_at, lease_until) "
            f"VALUES (%s, %s, %s, {_NOW}, {_NOW} + %s) ON CONFLICT (bot_id, update_id) "
            "DO UPDATE SET owner = excluded.owner, lease_until = excluded.lease_until, "
            "takeovers = deliveries.takeovers + 1 WHERE deliveries.finished_at IS NULL "
            "AND deliveries.lease_until <= excluded.claimed_at RETURNING takeovers",
            (bot_id, update_id, owner, lease),
        ).fetchone()
        if row is not None:
            return claim_found(int(row[0]), False)
        finished = conn.execute(
            "SELECT 1 FROM deliveries WHERE bot_id = %s AND update_id = %s "
            "AND finished_at IS NOT NULL",
            (bot_id, update_id),
        ).fetchone()
        return claim_found(None, finished is not None)


def renew_claims(
    db: Database, bot_id: int, update_ids: Sequence[int], owner: str, lease: float
) -> None:
    """``owner``'s unfinished claims on ``update_ids`` hold ``lease`` seconds from now."""
    db.refuse_write()
    if not update_ids:
        return
    with db.failing("could not renew the claims"), db.connection() as conn:
        conn.execute(
            f"UPDATE deliveries SET lease_until = {_NOW} + %s WHERE bot_id = %s AND owner = %s "
            "AND finished_at IS NULL AND update_id = ANY(%s)",
            (lease, bot_id, owner, list(update_ids)),
        )


def finish_update(db: Database, bot_id: int, update_id: int, owner: str) -> None:
    """The update was handled (by ``owner``): later deliveries of it are "finished"."""
    db.refuse_write()
    with db.failing("could not record the update as handled"), db.connection() as conn:
        conn.execute(
            "INSERT INTO deliveries(bot_id, update_id, owner, claimed_at, lease_until, "
            f"finished_at) VALUES (%s, %s, %s, {_NOW}, {_NOW}, {_NOW}) "
            "ON CONFLICT (bot_id, update_id) DO UPDATE SET owner = excluded.owner, "
            "finished_at = excluded.finished_at WHERE deliveries.finished_at IS NULL",
            (bot_id, update_id, owner),
        )


def take_turn(db: Database, windows: Sequence[Window]) -> Turn:
    """A turn in every window of ``windows`` (key, limit, seconds) at once if each has room,
    by every replica's count; else none, and when all have room (``knowledge.store.Turn``)."""
    db.refuse_write()
    keys, limits, seconds = (list(column) for column in zip(*windows, strict=True))
    with db.failing("could not take a turn"), db.connection() as conn:
        row = conn.execute(
            "SELECT taken, wait_seconds, notice "
            "FROM take_turn(%s::text[], %s::integer[], %s::double precision[])",
            (keys, limits, [float(s) for s in seconds]),
        ).fetchone()
    assert row is not None
    return Turn(bool(row[0]), float(row[1]), bool(row[2]))


def forget_shared(db: Database, kept: float) -> int:
    """Drop the updates claimed, and the turn keys last used, over ``kept`` seconds ago; how
    many rows were dropped."""
    db.refuse_write()
    with db.failing("could not forget old deliveries"), db.connection() as conn:
        dropped = conn.execute(
            f"DELETE FROM deliveries WHERE claimed_at < {_NOW} - %s", (kept,)
        ).rowcount
        dropped += conn.execute(f"DELETE FROM turns WHERE last_at < {_NOW} - %s", (kept,)).rowcount
    return int(dropped)
