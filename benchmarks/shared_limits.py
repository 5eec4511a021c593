"""What sharing Telegram's limits and the webhook claims costs per answer: `python -m
benchmarks.shared_limits [CALLS]` (default 2,000 calls of each kind; about a minute).

With the knowledge in PostgreSQL, every answer the bot sends in webhook mode makes these calls
of the knowledge base (bot/webhook.py, bot/limits.py): the update claimed and recorded finished,
a turn of the user's question limit, a turn of the bot's 30 messages a second (and in a group a
turn of its 20 a minute). Each is measured on both stores, as the median microseconds per
call: on the store itself, and as the bot makes it, from the event loop through a thread and
the knowledge process's pipe (``KnowledgeWorker``). The SQLite store is measured for
comparison only: one process keeps its limits in memory and makes no such call.

PostgreSQL is the server CITEBOT_TEST_DATABASE_URL names, else a throwaway one started here
(tests/pgserver.py: initdb into a temporary folder, a unix socket only; fsync off, so that the
figure is the round trip and the statement, not the disk). Prints a table and one JSON line.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from knowledge.interface import KnowledgeService
from knowledge.pgstore.protocol import KnowledgeStore
from knowledge.pgstore.store import PgStore
from knowledge.service import KnowledgeConfig
from knowledge.store import Store
from knowledge.worker import KnowledgeWorker
from tests.pgserver import ENV_URL, Server, find_bindir, with_search_path

BOT = 123456
USERS = 500  # questions come from many users: one turn key each


@contextmanager
def postgres() -> Iterator[str]:
    """The URL of an empty schema of a PostgreSQL server, dropped afterwards."""
    import psycopg

    given = os.environ.get(ENV_URL)
    server = None
    if not given:
        bindir = find_bindir()
        if bindir is None:
            raise SystemExit(f"needs PostgreSQL: initdb and pg_ctl, or {ENV_URL}")
        server = Server.start(bindir)
    admin = given or (server.url if server else "")
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    try:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"CREATE SCHEMA {schema}".encode())
        yield with_search_path(admin, schema)
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE".encode())
    finally:
        if server is not None:
            server.stop()


def calls(kb: KnowledgeService | KnowledgeStore, n: int) -> dict[str, Callable[[int], Any]]:
    """Each kind of call an answer makes, as a function of the call's number."""
    owner = f"bench-{os.getpid()}"

    def claim_and_finish(i: int) -> None:
        kb.claim_update(BOT, i, owner, 10.0)
        kb.finish_update(BOT, i, owner)

    return {
        # The limits the bot asks for (a refused turn costs as much as a given one).
        "user turn": lambda i: kb.take_turn([(f"{BOT}:user:{i % USERS}", 20, 60.0)]),
        "overall turn": lambda i: kb.take_turn([(f"{BOT}:all:", 30, 1.1)]),
        "group + overall turn": lambda i: kb.take_turn(
            [(f"{BOT}:chat:{-i % 50}", 20, 60.1), (f"{BOT}:all:", 30, 1.1)]
        ),
        "claim + finish": lambda i: claim_and_finish(n * 10 + i),
    }


def median_us(run: Callable[[int], Any], n: int) -> float:
    """Median microseconds of ``run(i)`` for i in 0..n-1 (after a tenth as a warm-up)."""
    for i in range(n // 10):
        run(-1 - i)
    spent = []
    for i in range(n):
        started = time.perf_counter()
        run(i)
        spent.append(time.perf_counter() - started)
    return 1e6 * statistics.median(spent)


def through_loop_us(run: Callable[[int], Any], n: int) -> float:
    """As ``median_us``, each call made as the bot makes it: ``asyncio.to_thread``."""

    async def measure() -> float:
        async def one(i: int) -> None:
            await asyncio.to_thread(run, i)

        for i in range(n // 10):
            await one(-1 - i)
        spent = []
        for i in range(n):
            started = time.perf_counter()
            await one(i)
            spent.append(time.perf_counter() - started)
        return 1e6 * statistics.median(spent)

    return asyncio.run(measure())


def measure(name: str, store: KnowledgeStore, config: KnowledgeConfig, n: int) -> dict[str, Any]:
    row: dict[str, Any] = {"store": name}
    for kind, run in calls(store, n).items():
        row[f"{kind}, store (us)"] = round(median_us(run, n), 1)
    store.close()
    worker: KnowledgeService = KnowledgeWorker(config)
    try:
        for kind, run in calls(worker, n + 1).items():
            row[f"{kind}, bot (us)"] = round(through_loop_us(run, n), 1)
    finally:
        worker.close()
    # An answer in a private chat: claim + finish, the user's turn, the overall turn.
    kinds = ("claim + finish", "user turn", "overall turn")
    row["per answer, bot (us)"] = round(sum(row[f"{kind}, bot (us)"] for kind in kinds), 1)
    return row


def main(argv: list[str]) -> int:
    n = int(argv[0]) if argv and argv[0].isdigit() else 2000
    rows = []
    with tempfile.TemporaryDirectory(prefix="citebot-limits-") as tmp:
        data = Path(tmp) / "sqlite"
        path = data / "citebot.sqlite3"
        data.mkdir()
        rows.append(measure("sqlite", Store(path), KnowledgeConfig(data_dir=data), n))
        with postgres() as url:
            data = Path(tmp) / "postgresql"
            config = KnowledgeConfig(data_dir=data, database_url=url)
            rows.append(measure("postgresql", PgStore(url), config, n))
    keys = list(rows[0])
    width = max(len(k) for k in keys)
    for key in keys[1:]:
        print(f"{key:<{width}}  " + "  ".join(f"{row[key]:>12}" for row in rows))
    print(json.dumps({"benchmark": "shared_limits", "calls": n, "rows": rows}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
