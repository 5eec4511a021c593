"""Hearing of other replicas' writes as they commit: PostgreSQL's LISTEN/NOTIFY.

Every write that moves the generation sends a notification on the schema's channel inside its
transaction (``connection.Database.writing``), so PostgreSQL delivers it when, and only when,
the write commits. ``ChangeListener`` holds one connection of its own that LISTENs on that
channel, on a thread of its own, and calls back for each notification. A notification carries
no data the index needs: the change log is the truth, and the callback only says "look at it
now". So a notification lost with a dropped connection only delays: after reconnecting the
listener calls back once, as writes may have come meanwhile, and every question still checks
the generation before it reads.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import psycopg
from psycopg import sql

log = logging.getLogger(__name__)

# How often the thread looks up from waiting to see whether it is told to stop; the longest a
# closed store's listener lingers (it holds its own connection, closed as it ends).
_POLL_SECONDS = 0.5
# Waits between attempts to reconnect after the connection was lost, the last one repeated. A
# restart or a failover is over in seconds: for the first half minute the listener tries every
# half second, so that it hears again within that of the database's return (and an idle
# replica takes in the writes made since, as it is called back then); a longer outage is tried
# every 5 s, as each attempt may cost the server a connection and a line in its log.
_BACKOFF = (0.0, 0.1, 0.25, *(0.5,) * 60, 1.0, 2.0, 5.0)


class ChangeListener:
    """A daemon thread LISTENing on ``channel`` of the database at ``url``: ``callback`` runs
    on it for every notification, and once each time the connection comes back after being
    lost. ``describe`` turns a driver error into the line logged (naming the database without
    its password: ``Database.error``)."""

    def __init__(
        self,
        url: str,
        channel: str,
        callback: Callable[[], None],
        *,
        describe: Callable[[str, BaseException], Exception],
        connect_timeout: int,
    ) -> None:
        self._url = url
        self._channel = channel
        self._callback = callback
        self._describe = describe
        self._connect_timeout = connect_timeout
        self._stop = threading.Event()
        # Set once the first LISTEN is in place: writes committed after it are heard.
        self.listening = threading.Event()
        self._thread = threading.Thread(target=self._run, name="store-listener", daemon=True)
        self._thread.start()

    def close(self) -> None:
        """Tell the thread to stop; it closes its connection within ``_POLL_SECONDS``,
        without this call waiting for it."""
        self._stop.set()

    def _run(self) -> None:
        failures = 0
        while not self._stop.is_set():
            try:
                with psycopg.connect(
                    self._url,
                    autocommit=True,
                    connect_timeout=self._connect_timeout,
                    application_name="citebot-listener",
                ) as conn:
                    conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(self._channel)))
                    if failures:
                        log.warning("hearing of other replicas' writes again")
                        failures = 0
                        self._callback()  # writes may have come while it was not listening
                    self.listening.set()
                    while not self._stop.is_set():
                        for _ in conn.notifies(timeout=_POLL_SECONDS):
                            self._callback()
            except psycopg.Error as exc:
                if not failures:
                    log.warning(
                        "%s; reconnecting (meanwhile each question looks for other "
                        "replicas' writes itself)",
                        self._describe("stopped hearing of other replicas' writes", exc),
                    )
                self._stop.wait(_BACKOFF[min(failures, len(_BACKOFF) - 1)])
                failures += 1
