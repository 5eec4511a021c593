"""The connections to one PostgreSQL database: a pool, and the one a thread holds for a while.

``Database`` opens the database (checking it and bringing its tables up to date), then lends
connections from a pool (psycopg_pool) so that threads do not queue behind one lock. Inside
``reading()`` or ``writing()`` the calling thread holds one connection until the block ends,
and every ``rows()`` call it makes meanwhile runs on that connection: in that snapshot
(REPEATABLE READ), or as part of that write. Writers take one lock per schema (a
transaction-scoped advisory lock) where SQLite's writers take the file's lock, so that the
generation counter and the change log stay in one order whichever replica writes.

Every failure of the driver comes out as one StoreError line naming the database by its URL
without the password; StoreUnavailable when the database is out of reach (down, restarting,
failing over, no connection to it in time), as the same call may succeed once it is back.

A restart or failover drops every connection the pool holds. The first one lent that turns
out dead has the pool replace them all at once (``_borrowed``), rather than each being found
dead in turn; and the pool keeps no reconnection schedule of its own, which backs off to
minutes: while the database is away each call tries to connect, every ``_RETRY_SECONDS``
until its connect timeout, so that a call made once it is back is served. Once a call has
waited the whole timeout in vain, the calls after it try once and fail at once, until one gets
a connection: a long outage costs each question an apology, not the connect timeout (a bot's
questions would queue behind each other's waits, and be apologised for long after it ended).
The log tells of an outage in two lines, when it is found and when it ends, rather than in
psycopg_pool's warning for each failed attempt (several a second).
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

import psycopg
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool, PoolTimeout

from knowledge.errors import StoreError, StoreUnavailable
from knowledge.pgstore.schema import migrate

log = logging.getLogger(__name__)

Row = dict[str, Any]
Connection = psycopg.Connection[Any]

# One writer at a time per schema, for the length of its transaction.
_WRITE_LOCK = "SELECT pg_advisory_xact_lock(hashtext(current_schema() || ':citebot-write'))"
_BUMP = "UPDATE meta SET value = (value::bigint + 1)::text WHERE key = 'generation' RETURNING value"
# The channel a schema's writes are announced on (knowledge/pgstore/listener.py): a hash of
# the schema, as a channel name is at most 63 bytes and a schema's name may be as long.
_CHANNEL = "SELECT 'citebot_' || left(md5(current_schema()), 16)"
# While the database is away, how often a call waiting for a connection tries again.
_RETRY_SECONDS = 0.25
# SQLSTATE classes of a database out of reach for now: 08 connection exception, 57 operator
# intervention (an admin shutdown, a server starting up or shutting down).
_UNAVAILABLE_CLASSES = ("08", "57")


def redacted(url: str) -> str:
    """``url`` without its password (and query), fit for messages and logs.

    Raises:
        StoreError: ``url`` is not a URL; the message does not repeat it (it may hold a
            password).
    """
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        raise StoreError("the database URL is not a valid postgresql:// URL") from None
    user = f"{parts.username}@" if parts.username else ""
    return f"{parts.scheme}://{user}{host}{port}{parts.path}"


class Database:
    """One PostgreSQL database (the first schema of its search_path), shared by threads."""

    def __init__(self, url: str, *, pool_size: int, connect_timeout: int) -> None:
        """Check the database, make or upgrade its tables, and open the pool.

        Raises:
            ValueError: ``pool_size`` is below 1.
            StoreError: the database is out of reach, refuses the login, is not UTF-8, or its
                tables were made by a newer citebot.
        """
        if pool_size < 1:
            raise ValueError(f"pool_size must be at least 1, got {pool_size}")
        self.location = redacted(url)
        self._password = urlsplit(url).password
        self._local = threading.local()
        self._timeout = connect_timeout
        # Set when a call waited the whole connect timeout for a connection in vain; cleared
        # as soon as one gets a connection (see the module docstring).
        self._out_of_reach = threading.Event()
        try:
            with psycopg.connect(url, autocommit=True, connect_timeout=connect_timeout) as conn:
                row = conn.execute(
                    "SELECT pg_is_in_recovery() OR current_setting('transaction_read_only') = "
                    "'on', current_setting('server_encoding')"
                ).fetchone()
                assert row is not None
                # A hot standby, or a role whose transactions are read-only.
                self.read_only: bool = bool(row[0])
                if row[1] != "UTF8":
                    raise StoreError(
                        f"the database at {self.location} stores text as {row[1]}; citebot "
                        "needs UTF8 (create it with: createdb -E UTF8 -T template0 NAME)",
                        path=self.location,
                    )
                migrate(conn, read_only=self.read_only, location=self.location)
                found = conn.execute("SELECT value FROM meta WHERE key = 'store_id'").fetchone()
                self.store_id: str = str(found[0]) if found else ""
                channel = conn.execute(_CHANNEL).fetchone()
                assert channel is not None
                self.channel: str = str(channel[0])
        except psycopg.Error as exc:
            raise self.error("cannot open the store", exc) from exc
        if self.read_only:
            log.warning(
                "%s cannot be written: answering from it read-only (questions are not "
                "logged; nothing can be added or removed)",
                self.location,
            )
        # The pool is ours, and its outages are told once (``_borrowed``).
        logging.getLogger("psycopg.pool").setLevel(logging.ERROR)
        self._pool: ConnectionPool[Connection] = ConnectionPool(
            url,
            min_size=1,
            max_size=pool_size,
            kwargs={"autocommit": True, "connect_timeout": connect_timeout},
            # No check and no reconnection schedule of the pool's: ``_borrowed`` does both
            # (see the module docstring).
            reconnect_timeout=0,
            timeout=connect_timeout,
            name="citebot-store",
            open=False,
        )
        try:
            self._pool.open(wait=True, timeout=connect_timeout)
        except psycopg.Error as exc:
            self._pool.close()
            raise self.error("cannot open the store", exc) from exc

    def close(self) -> None:
        self._pool.close()

    def error(self, doing: str, exc: BaseException) -> StoreError:
        """``exc`` as one line naming the database, never its password: a StoreUnavailable
        when the database is out of reach, else a StoreError."""
        detail = " ".join(str(exc).split()) or type(exc).__name__
        if self._password:
            detail = detail.replace(self._password, "***")
        kind = StoreUnavailable if _out_of_reach(exc) else StoreError
        return kind(f"{doing} ({self.location}): {detail}", path=self.location)

    @contextmanager
    def failing(self, doing: str) -> Iterator[None]:
        """Turns a driver error inside the block into ``error(doing, ...)``."""
        try:
            yield
        except psycopg.Error as exc:
            raise self.error(doing, exc) from exc

    @contextmanager
    def connection(self) -> Iterator[Connection]:
        """The connection this thread holds inside ``reading`` or ``writing``, else one from
        the pool for the length of the block (autocommit: each statement is its own
        transaction)."""
        held: Connection | None = getattr(self._local, "conn", None)
        if held is not None:
            yield held
            return
        with self._borrowed() as conn:
            yield conn

    @contextmanager
    def _borrowed(self) -> Iterator[Connection]:
        """A connection of the pool's that answers, for the block; waits at most the connect
        timeout for one (PoolTimeout then). A dead one (the server restarted) has the pool
        replace every connection it holds, as they were all made before the same drop. While
        the database is known to be out of reach, one short try only."""
        known = self._out_of_reach.is_set()
        deadline = time.monotonic() + (_RETRY_SECONDS if known else self._timeout)
        while True:
            left = deadline - time.monotonic()
            try:
                # In short waits: each asks the pool for a new connection when it has none
                # (its reconnect_timeout is 0), so one made when the database is back serves.
                conn = self._pool.getconn(timeout=max(min(left, _RETRY_SECONDS), 0.001))
            except PoolTimeout:
                if time.monotonic() < deadline:
                    continue
                if not self._out_of_reach.is_set():
                    log.warning(
                        "%s is out of reach (no connection within %s s): calls fail at once "
                        "until one connects",
                        self.location,
                        self._timeout,
                    )
                self._out_of_reach.set()
                timeout = f"{self._timeout} s"
                when = f"now, nor within {timeout} before" if known else f"within {timeout}"
                raise PoolTimeout(f"no connection to the database {when}") from None
            try:
                ConnectionPool.check_connection(conn)
            except psycopg.Error:
                log.info("a connection to %s was dropped: replacing the pool's", self.location)
                self._pool.putconn(conn)
                self._pool.drain()
                continue
            if self._out_of_reach.is_set():
                self._out_of_reach.clear()
                log.warning("%s is back", self.location)
            try:
                yield conn
            finally:
                self._pool.putconn(conn)
            return

    def rows(self, sql: str, params: Sequence[object] = ()) -> list[Row]:
        """The rows of one query, as dicts by column name."""
        with (
            self.failing("could not read the store"),
            self.connection() as conn,
            conn.cursor(row_factory=dict_row) as cur,
        ):
            cur.execute(sql.encode(), params)
            return cur.fetchall()

    def refuse_write(self) -> None:
        """Raises StoreError when the database cannot be written."""
        if self.read_only:
            raise StoreError(f"{self.location} is read-only", path=self.location)

    @contextmanager
    def writing(self, doing: str, *, bump: bool) -> Iterator[Connection]:
        """One write transaction under the schema's write lock, rolled back whole on any
        exception; bumps the generation at its end when ``bump``, and then announces the new
        generation on ``channel`` (NOTIFY: heard by the other replicas once it commits).

        Raises:
            StoreError: the database is read-only, this thread is inside a read or write
                already, or the write failed (``doing`` says what it was).
        """
        self.refuse_write()
        if getattr(self._local, "conn", None) is not None:
            raise StoreError(
                "a write cannot start inside another read or write of the store",
                path=self.location,
            )
        with self.failing(doing), self._borrowed() as conn:
            self._local.conn = conn
            try:
                with conn.transaction():
                    conn.execute(_WRITE_LOCK)
                    yield conn
                    if bump:
                        generation = conn.execute(_BUMP).fetchone()
                        # Delivered to the listening replicas when (and if) this commits.
                        conn.execute(
                            "SELECT pg_notify(%s, %s)",
                            (self.channel, generation[0] if generation else ""),
                        )
            finally:
                self._local.conn = None

    @contextmanager
    def reading(self) -> Iterator[None]:
        """One REPEATABLE READ transaction for the reads of this thread inside the block; a
        block inside another read or write reads in that one's snapshot."""
        if getattr(self._local, "conn", None) is not None:
            yield
            return
        with self.failing("could not read the store"), self._borrowed() as conn:
            conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
            self._local.conn = conn
            try:
                yield
            except BaseException:
                with contextlib.suppress(psycopg.Error):
                    conn.execute("ROLLBACK")
                raise
            else:
                conn.execute("COMMIT")
            finally:
                self._local.conn = None


def _out_of_reach(exc: BaseException) -> bool:
    """Whether ``exc`` says the database is out of reach for now, rather than refusing what
    was asked: no connection (the driver's own errors carry no SQLSTATE), a dropped one, a
    server shutting down or starting up."""
    if not isinstance(exc, psycopg.OperationalError):
        return False
    state = exc.sqlstate
    return state is None or state.startswith(_UNAVAILABLE_CLASSES)
