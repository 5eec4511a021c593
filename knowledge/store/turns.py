"""Turns in shared sliding windows: at most ``limit`` turns of one key in any ``seconds``,
counted by every process that uses the store.

The bot's replicas share Telegram's limits this way (30 messages a second for the bot, 20 a
minute in one group, the questions a user may ask a minute): each message or question takes a
turn first. A key's row keeps the times of its latest ``limit`` turns, so a new turn is allowed
when the oldest of them left the window: a sliding window, exact at any instant, with no burst
at a window's edge as fixed-window counters allow. One turn may need room in several windows at
once (a message into a group: the group's and the bot's); it is taken in all of them at the
same instant or in none, so that no window's turn grows stale while another one is awaited.
Times are seconds since the epoch by this machine's clock (the PostgreSQL store uses the
database's clock, which every replica shares).
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Sequence
from dataclasses import dataclass

from knowledge.store.database import Database

# A window: its key, the turns it allows, and its length in seconds.
Window = tuple[str, int, float]


@dataclass(frozen=True)
class Turn:
    """What asking for a turn gave: ``taken``, or else how long until one frees (``wait``,
    seconds) and whether this is the first refusal of the first window since a turn freed
    there (``notice``: tell the user once per window, not once per message)."""

    taken: bool
    wait: float = 0.0
    notice: bool = False


def room_after(times: Sequence[float], limit: int, seconds: float, now: float) -> float:
    """Seconds until a window whose latest turns were at ``times`` (oldest first) has room for
    one more; 0.0 when it has room ``now``."""
    if len(times) < limit or times[-limit] <= now - seconds:
        return 0.0
    return times[-limit] + seconds - now


def with_turn(times: Sequence[float], limit: int, now: float) -> list[float]:
    """The times to keep once a turn is taken ``now``: the latest ``limit``."""
    return [*times[max(0, len(times) - limit + 1) :], now]


class Turns:
    """The turns table, through the store's :class:`Database`."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def take_turn(self, windows: Sequence[Window]) -> Turn:
        """A turn in every window of ``windows`` (key, limit, seconds) at once, if each has
        had fewer than ``limit`` turns in its last ``seconds`` (by any process using the
        store); else none, and when all of them have room again (see :class:`Turn`).

        Raises:
            StoreError: the store is read-only or could not be written.
        """
        self._db.refuse_if_read_only()
        now = time.time()
        try:
            with self._db.transaction(bump=False) as conn:
                rows = {
                    key: (json.loads(times), refused_until)
                    for key, times, refused_until in conn.execute(
                        f"SELECT key, times, refused_until FROM turns WHERE key IN "
                        f"({','.join('?' * len(windows))})",
                        [key for key, _, _ in windows],
                    )
                }
                kept = {key: rows.get(key, ([], 0.0)) for key, _, _ in windows}
                wait = max(room_after(kept[k][0], n, s, now) for k, n, s in windows)
                first, refused_until = windows[0][0], kept[windows[0][0]][1]
                if wait > 0:
                    notice = refused_until <= now
                    turn = Turn(False, wait, notice)
                    changed = [(first, kept[first][0], now + wait if notice else refused_until)]
                else:
                    turn = Turn(True)
                    changed = [
                        (k, with_turn(kept[k][0], n, now), kept[k][1]) for k, n, _ in windows
                    ]
                conn.executemany(
                    "INSERT INTO turns(key, times, refused_until, last_at) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT (key) DO UPDATE SET times = excluded.times, "
                    "refused_until = excluded.refused_until, last_at = excluded.last_at",
                    [(k, json.dumps(times), until, now) for k, times, until in changed],
                )
        except sqlite3.Error as exc:
            raise self._db.error("could not take a turn", exc) from exc
        return turn

    def forget_turns(self, kept: float) -> int:
        """Drop the keys nobody asked a turn of for ``kept`` seconds (longer than any window:
        they hold no turn that still counts); how many were dropped."""
        self._db.refuse_if_read_only()
        try:
            with self._db.transaction(bump=False) as conn:
                cursor = conn.execute("DELETE FROM turns WHERE last_at < ?", (time.time() - kept,))
                return int(cursor.rowcount)
        except sqlite3.Error as exc:
            raise self._db.error("could not forget old turns", exc) from exc
