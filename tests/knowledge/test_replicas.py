"""Replicas over one PostgreSQL database stay current (issue 18, item 2): a write through one
replica, or by `citebot ingest` elsewhere, is answerable through another within 1 s, and an
idle replica takes it in without waiting for a question (LISTEN/NOTIFY wakes it, the change
log is the truth). Each replica is a real knowledge process (``KnowledgeWorker``) with a data
folder of its own; the writer of the last test is a `citebot ingest` process.

``stats()`` reads the index as it is (it does not catch up, as a question does), so it shows
whether the idle replica followed by itself. The 1 s deadline is the issue's requirement; the
delays measured are printed (``-s``) and kept as test properties (``--junitxml``).
"""

from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from knowledge.index import BM25Index
from knowledge.interface import KnowledgeService
from knowledge.service import KnowledgeBase, KnowledgeConfig
from knowledge.worker import KnowledgeWorker
from tests.waiting import wait_until

pytestmark = pytest.mark.slow  # every test starts knowledge processes

# Issue 18: "a write on any replica ... is answerable on every replica within 1 s".
WITHIN = 1.0
# Uploads measured through A; benchmarks/replicas.py asks for more.
WRITES = int(os.environ.get("REPLICA_BENCH_WRITES", "5"))
ROOT = Path(__file__).resolve().parents[2]


def article(n: int) -> str:
    return (
        f"The Kowloon Glassworks No. {n} was founded in {1900 + n} by Mabel Cheung-{n}. "
        f"Its kiln number {n} made bottles for the harbour trade."
    )


def folder(tmp_path: Path, name: str, prepared_data_dir: Path) -> Path:
    """A replica's own data folder, holding the prepared dictionary cache only."""
    data = tmp_path / name
    shutil.copytree(prepared_data_dir / "cache", data / "cache")
    return data


@pytest.fixture
def replicas(
    postgres_url: str, tmp_path: Path, prepared_data_dir: Path
) -> Iterator[Callable[[str], KnowledgeService]]:
    """Starts knowledge processes over one database, each with its own folder."""
    started: list[KnowledgeWorker] = []

    def start(name: str) -> KnowledgeService:
        config = KnowledgeConfig(
            data_dir=folder(tmp_path, name, prepared_data_dir), database_url=postgres_url
        )
        worker = KnowledgeWorker(config)
        started.append(worker)
        return worker  # its calls are KnowledgeService's (KnowledgeWorker.__getattr__)

    yield start
    for worker in started:
        worker.close()


def indexed(kb: KnowledgeService) -> int:
    return int(kb.stats()["indexed_passages"])


def followed_within(kb: KnowledgeService, passages: int, since: float) -> float:
    """Seconds from ``since`` until ``kb``'s index, left alone, holds ``passages``; fails at
    the issue's deadline."""
    wait_until(
        lambda: indexed(kb) >= passages,
        timeout=WITHIN - (time.perf_counter() - since),
        description="the idle replica taking in the write",
        interval=0.002,
    )
    return time.perf_counter() - since


def figure(record_property: Callable[[str, object], None], name: str, ms: list[float]) -> None:
    ranked = sorted(ms)
    p99 = ranked[min(len(ranked) - 1, int(0.99 * len(ranked)))]
    text = (
        f"median {statistics.median(ms):.1f} ms, p99 {p99:.1f} ms, max {max(ms):.1f} ms "
        f"over {len(ms)}"
    )
    record_property(name, text)
    print(f"{name}: {text}")


def test_a_write_through_one_replica_reaches_the_idle_other_within_a_second(
    replicas: Callable[[str], KnowledgeService],
    record_property: Callable[[str, object], None],
) -> None:
    a, b = replicas("a"), replicas("b")
    report = a.ensure_content()  # the bundled articles, through A
    assert report is not None and not report.failures
    started = time.perf_counter()
    wait_until(lambda: indexed(b) == indexed(a), timeout=30, description="B following the load")
    bundled = time.perf_counter() - started
    followed: list[float] = []
    answered: list[float] = []
    for n in range(1, WRITES + 1):
        result = a.ingest_text(article(n), title=f"Glassworks {n}")
        written = time.perf_counter()  # A's ingest has returned: the write is committed
        followed.append(1000 * followed_within(b, indexed(a), written))
        answer = b.ask(f"Who founded the Kowloon Glassworks No. {n}?", log_it=False)
        answered.append(1000 * (time.perf_counter() - written))
        assert answer.found and f"Mabel Cheung-{n}" in answer.quotes[0].sentence.text
        assert answer.quotes[0].citation.article_id == result.article.id
    # Removals travel the same way.
    a.remove(result.article.id)
    written = time.perf_counter()
    wait_until(lambda: indexed(b) == indexed(a), timeout=WITHIN, description="B dropping it")
    followed.append(1000 * (time.perf_counter() - written))
    gone = b.ask(f"Who founded the Kowloon Glassworks No. {WRITES}?", log_it=False)
    assert all(f"Cheung-{WRITES}." not in q.sentence.text for q in gone.quotes)
    print(f"B followed the bundled load {bundled:.2f} s after it ended")
    figure(record_property, "write on A to idle B current", followed)
    figure(record_property, "write on A to answer on B", answered)


def test_an_ingest_by_the_cli_elsewhere_reaches_a_serving_replica_within_a_second(
    replicas: Callable[[str], KnowledgeService],
    postgres_url: str,
    tmp_path: Path,
    prepared_data_dir: Path,
    record_property: Callable[[str, object], None],
) -> None:
    """`citebot ingest` on another host (here: another process with another folder)."""
    b = replicas("b")
    files = []
    for n in (7, 8):
        path = tmp_path / f"glass-{n}.txt"
        path.write_text(article(n), encoding="utf-8")
        files.append(str(path))
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith("CITEBOT_")}
    # Unbuffered: each "added" line comes out as its file's ingest commits.
    env |= {"CITEBOT_DATABASE_URL": postgres_url, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
    data = folder(tmp_path, "cli", prepared_data_dir)
    expected = indexed(b)
    cli = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "--data-dir", str(data), "ingest", *files],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    followed: list[float] = []
    try:
        assert cli.stdout is not None
        for _ in files:
            line = cli.stdout.readline()  # printed once that file's ingest has committed
            written = time.perf_counter()
            added = re.search(r", (\d+) passages?\]", line)
            assert line.startswith("added") and added, line
            expected += int(added[1])
            followed.append(1000 * followed_within(b, expected, written))
    finally:
        _, err = cli.communicate(timeout=60)
    assert cli.returncode == 0, err
    answer = b.ask("Who founded the Kowloon Glassworks No. 8?", log_it=False)
    assert answer.found and "Mabel Cheung-8" in answer.quotes[0].sentence.text
    figure(record_property, "citebot ingest to idle replica current", followed)


def test_a_replica_that_lost_its_notifications_catches_up_when_they_come_back(
    postgres_url: str,
    postgres_admin_url: str,
    tmp_path: Path,
    prepared_data_dir: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    record_property: Callable[[str, object], None],
) -> None:
    """The listening connection dropped (a database restart, a proxy's idle timeout) and a
    write committed before it is back: its notification is lost, and the replica takes the
    write in as soon as it listens again; a notification lost only delays."""
    import psycopg

    from knowledge.pgstore import listener as listening
    from knowledge.pgstore.store import PgStore

    # The first reconnect waits (instead of none) so that the write surely falls in the gap.
    monkeypatch.setattr(listening, "_BACKOFF", (3.0,))

    def open_replica(name: str) -> KnowledgeBase:
        data = folder(tmp_path, name, prepared_data_dir)
        return KnowledgeBase(KnowledgeConfig(data_dir=data, database_url=postgres_url))

    a, b = open_replica("a"), open_replica("b")
    try:
        assert isinstance(b.store, PgStore)
        listener = b.store.listener
        assert listener is not None and listener.listening.wait(10)
        listener.listening.clear()
        with psycopg.connect(postgres_admin_url, autocommit=True) as admin:
            dropped = admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE application_name = 'citebot-listener' AND pid <> pg_backend_pid()"
            ).fetchall()
        assert dropped
        wait_until(
            lambda: any("stopped hearing of other" in r.message for r in caplog.records),
            description="B noticing its listener's connection gone",
        )
        a.ingest_text(article(9), title="Glassworks 9")
        assert b.index.generation < a.index.generation  # not told: B is behind
        assert listener.listening.wait(10), "the listener did not come back"
        back = time.perf_counter()
        wait_until(
            lambda: b.index.generation == a.index.generation,
            timeout=WITHIN,
            description="B catching up after its listener came back",
            interval=0.002,
        )
        delay = 1000 * (time.perf_counter() - back)
        answer = b.ask("Who founded the Kowloon Glassworks No. 9?", log_it=False)
        assert answer.found and "Mabel Cheung-9" in answer.quotes[0].sentence.text
        figure(record_property, "B's listener back to B current (a write missed)", [delay])
    finally:
        a.close()
        b.close()


def test_a_new_replica_starts_from_a_copy_of_anothers_saved_index_and_replays_the_log(
    postgres_url: str,
    tmp_path: Path,
    prepared_data_dir: Path,
    record_property: Callable[[str, object], None],
) -> None:
    """A new replica is not rebuilt from every stored passage: given a copy of another
    replica's saved index (its ``index/`` folder, from a shared volume or a backup), it loads
    that and replays the change log written since."""

    def open_replica(data: Path) -> KnowledgeBase:
        return KnowledgeBase(KnowledgeConfig(data_dir=data, database_url=postgres_url))

    a = open_replica(folder(tmp_path, "a", prepared_data_dir))
    try:
        a.load_bundled()
    finally:
        a.close()  # saves A's index
    saved = tmp_path / "a" / "index"
    writer = open_replica(folder(tmp_path, "writer", prepared_data_dir))
    try:
        writer.ingest_text(article(11), title="Glassworks 11")  # after A's save
        current = writer.index.generation
    finally:
        writer.close()
    a_save = BM25Index.load(saved)
    assert a_save is not None
    new = folder(tmp_path, "new", prepared_data_dir)
    shutil.copytree(saved, new / "index")
    started = time.perf_counter()
    c = open_replica(new)
    from_copy = time.perf_counter() - started
    try:
        index = c.index
        # Its base is A's save (the stamp it was read from), brought up to the store's
        # generation through the log.
        assert index.saved_stamp == a_save.saved_stamp is not None
        assert a_save.generation < index.generation == current
        answer = c.ask("Who founded the Kowloon Glassworks No. 11?", log_it=False)
        assert answer.found and "Mabel Cheung-11" in answer.quotes[0].sentence.text
    finally:
        c.close()
    started = time.perf_counter()
    rebuilt = open_replica(folder(tmp_path, "rebuilt", prepared_data_dir))
    from_store = time.perf_counter() - started
    rebuilt.close()
    text = f"{1000 * from_copy:.0f} ms from a copied save, {1000 * from_store:.0f} ms rebuilt"
    record_property("new replica open (bundled corpus)", text)
    print(f"new replica open (bundled corpus): {text}")
