"""PostgreSQL figures next to SQLite's, measured in one run (issue 18, "Done when").

    python -m benchmarks.pg [--sizes 100k,1M] [--ingest-mb 4] [--ingest-rounds 2] [--rounds 3]
                            [--writes 100] [--rebuild-timeout 900]
                            [--skip ingest,replicas,rebuild] [--out F]

Over one PostgreSQL server: the one ``CITEBOT_TEST_DATABASE_URL`` names, else a throwaway one
started here as the tests start theirs (benchmarks/fakes/postgres.py: initdb into /tmp, unix
socket only, fsync off), each knowledge base in a schema of its own. It measures:

- **ingest**: `citebot ingest --jobs N` (``KnowledgeBase.ingest_many``, as the CLI calls it;
  benchmarks/bulk_ingest.py) of the benchmark's Chinese articles into an empty SQLite file and
  into an empty PostgreSQL schema, at 1 and 2 jobs, ``--ingest-rounds`` times alternating;
- **a new replica's time to serve**, at each size: a schema filled with exactly what the
  cached SQLite knowledge base holds (benchmarks/pg_fill.py, change log and store id
  included), and replicas each with a data folder of its own, started in a fresh process
  (benchmarks/pg_replica.py) and timed from the process's start to its first answer: from a
  copy of the saved index as the store is; from the same copy after ``--writes`` uploads
  through another replica (the log replayed); and from nothing (the index rebuilt from the
  database), given ``--rebuild-timeout`` seconds;
- **ask p50/p99** through the PostgreSQL knowledge base and through the SQLite one, in
  alternating fresh processes, ``--rounds`` each;
- **upload to answer across replicas**: benchmarks/replicas.py, run as it is.

The report goes to benchmarks/results/<date>-postgresql.md (``--out``) and, raw, beside it
as .json. The knowledge bases come from benchmarks/kb_build.py (built when missing: about 12
minutes at 1M); the replicas' folders are removed at the end.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks.corpus import CACHE, DEFAULT_SEED, parse_size
from benchmarks.measure import ROOT, SINGLE_THREAD_ENV, code_identity, machine
from benchmarks.pg_replica import URL_ENV

RESULTS = ROOT / "benchmarks" / "results"
WORK = CACHE / "pg-replicas"
REPLICA_LINES = re.compile(
    r"(write on A[^\n]*|citebot ingest to[^\n]*|B's listener[^\n]*|new replica open[^\n]*|"
    r"B followed[^\n]*)"
)


# -- the server and its schemas ----------------------------------------------------------
@contextlib.contextmanager
def server() -> Iterator[tuple[str, str]]:
    """(admin URL, what it is): CITEBOT_TEST_DATABASE_URL's server, else a throwaway one."""
    from benchmarks.fakes.postgres import ENV_URL, Server, find_bindir

    given = os.environ.get(ENV_URL)
    if given:
        yield given, f"the server {ENV_URL} names"
        return
    bindir = find_bindir()
    if bindir is None:
        raise SystemExit(f"benchmarks.pg needs PostgreSQL's initdb and pg_ctl, or {ENV_URL}")
    started = Server.start(bindir)
    version = subprocess.run(
        [str(bindir / "postgres"), "--version"], capture_output=True, text=True
    ).stdout.strip()
    try:
        yield started.url, f"{version}, started here (unix socket, fsync off, 128 MB buffers)"
    finally:
        started.stop()


def new_schema(admin_url: str, prefix: str) -> str:
    """The URL of a new, empty schema (left in place: the server is thrown away)."""
    import psycopg

    from benchmarks.fakes.postgres import with_search_path

    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {name}".encode())
    return with_search_path(admin_url, name)


def child(mode: str, directory: Path, url: str | None, *args: str, timeout: float) -> Any:
    """Run benchmarks/pg_replica.py in a fresh single-threaded process; its JSON line, or
    ``{"error": ...}``. ``url`` reaches it through the environment."""
    env = {**os.environ, **SINGLE_THREAD_ENV, "PYTHONHASHSEED": "0"}
    env.pop(URL_ENV, None)
    if url:
        env[URL_ENV] = url
    spawned = time.time()
    command = [sys.executable, "-m", "benchmarks.pg_replica", mode, str(directory), *args]
    if mode == "start":
        command += ["--spawned-at", repr(spawned)]
    try:
        done = subprocess.run(
            command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        return {"error": f"did not finish within {timeout:.0f} s"}
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        tail = (done.stderr or done.stdout).strip().splitlines()[-8:]
        return {"error": f"exit {done.returncode}: " + " | ".join(tail)}
    return json.loads(lines[-1])


# -- the measurements --------------------------------------------------------------------
def ingest(admin_url: str, megabytes: float, rounds: int, seed: int) -> dict[str, Any]:
    """MB/s of `citebot ingest --jobs 1` and `--jobs 2`, SQLite and PostgreSQL alternating."""
    from benchmarks.bulk_ingest import run

    runs: dict[str, list[dict[str, Any]]] = {"sqlite": [], "postgresql": []}
    for _ in range(rounds):
        runs["sqlite"].append(run(megabytes, [1, 2], seed))
        runs["postgresql"].append(
            run(megabytes, [1, 2], seed, database=lambda: new_schema(admin_url, "ingest"))
        )
    return runs


def _replica(source: Path, name: str, *, with_index: bool) -> Path:
    """A replica's own data folder: the dictionary cache, and a copy of the saved index."""
    folder = WORK / name
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(source / "cache", folder / "cache")
    if with_index:
        shutil.copytree(source / "index", folder / "index")
    return folder


def size_run(
    admin_url: str, n: int, args: argparse.Namespace, skip: set[str], log: Callable[[str], None]
) -> dict[str, Any]:
    """One knowledge-base size: fill, a replica's start, ask latencies, then the starts of
    replicas behind the log and from nothing."""
    from benchmarks.kb_build import build, kb_dir
    from benchmarks.pg_fill import fill

    source = kb_dir(n, args.seed)
    built = build(n, args.seed)  # builds it when missing; its index save made current
    out: dict[str, Any] = {"n": n, "passages": built["passages"], "articles": built["articles"]}
    out["sqlite_mb"] = (source / "citebot.sqlite3").stat().st_size / 1e6
    out["index_mb"] = sum(p.stat().st_size for p in (source / "index").iterdir()) / 1e6
    url = new_schema(admin_url, f"kb{n}")
    log(f"{n}: filling PostgreSQL from {source.name}")
    out["fill"] = fill(source / "citebot.sqlite3", url)
    wait = args.rebuild_timeout
    log(f"{n}: a replica from a copy of the saved index")
    current = _replica(source, f"{n}-current", with_index=True)
    out["start_current"] = [child("start", current, url, timeout=wait) for _ in range(2)]
    log(f"{n}: the same start over the SQLite file, for comparison")
    out["start_sqlite"] = [child("start", source, None, timeout=wait) for _ in range(2)]
    # Before the uploads below, so that both stores hold the same articles and answer alike.
    log(f"{n}: ask, SQLite and PostgreSQL alternating, {args.rounds} rounds")
    ask_args = ["--size", str(n), "--articles", str(built["articles"]), "--seed", str(args.seed)]
    out["ask"] = {"sqlite": [], "postgresql": []}
    for _ in range(args.rounds):
        out["ask"]["sqlite"].append(child("ask", source, None, *ask_args, timeout=wait))
        out["ask"]["postgresql"].append(child("ask", current, url, *ask_args, timeout=wait))
    log(f"{n}: {args.writes} uploads through another replica")
    writer = _replica(source, f"{n}-writer", with_index=True)
    written = child("write", writer, url, "--count", str(args.writes), timeout=wait)
    out["writes"] = written
    shutil.rmtree(writer, ignore_errors=True)
    if "error" not in written:
        log(f"{n}: a replica from the same copy, {args.writes} writes behind")
        behind = _replica(source, f"{n}-behind", with_index=True)
        expect = ["--question", written["question"], "--expect", written["last_id"]]
        out["start_behind"] = child("start", behind, url, *expect, timeout=wait)
        shutil.rmtree(behind, ignore_errors=True)
    if "rebuild" not in skip:
        log(f"{n}: a replica from nothing (rebuilt from the database, {wait:.0f} s at most)")
        empty = _replica(source, f"{n}-empty", with_index=False)
        out["start_rebuilt"] = child("start", empty, url, timeout=wait)
        shutil.rmtree(empty, ignore_errors=True)
    shutil.rmtree(current, ignore_errors=True)
    return out


def replicas(admin_url: str, writes: int) -> dict[str, Any]:
    """benchmarks/replicas.py on this server: its figure lines."""
    from benchmarks.fakes.postgres import ENV_URL

    env = {**os.environ, ENV_URL: admin_url}
    command = [sys.executable, "-m", "benchmarks.replicas", str(writes)]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    return {
        "exit": done.returncode,
        "lines": [m.strip() for m in REPLICA_LINES.findall(done.stdout)],
        "summary": (done.stdout.strip().splitlines() or [""])[-1],
    }


# -- main ----------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    from benchmarks.pg_report import report

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100k,1M")
    parser.add_argument("--ingest-mb", type=float, default=4.0)
    parser.add_argument("--ingest-rounds", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3, help="of the ask latencies")
    parser.add_argument("--writes", type=int, default=100)
    parser.add_argument("--rebuild-timeout", type=float, default=900.0)
    parser.add_argument("--skip", default="", help="ingest,replicas,rebuild")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    skip = {s for s in args.skip.split(",") if s}
    started = datetime.now(UTC)
    out = args.out or RESULTS / f"{started:%Y-%m-%d}-postgresql.md"
    t0 = time.perf_counter()

    def log(text: str) -> None:
        print(f"[{time.perf_counter() - t0:6.0f} s] {text}", file=sys.stderr, flush=True)

    result: dict[str, Any] = {
        "started": f"{started:%Y-%m-%d %H:%M} UTC",
        "machine": machine(),
        "code": code_identity(),
        "load_before": os.getloadavg(),
        "writes": args.writes,
    }
    with server() as (admin_url, what):
        result["server"] = what
        if "ingest" not in skip:
            log(f"ingest, {args.ingest_mb} MB, {args.ingest_rounds} rounds")
            result["ingest"] = ingest(admin_url, args.ingest_mb, args.ingest_rounds, args.seed)
        result["sizes"] = []
        for size in args.sizes.split(","):
            result["sizes"].append(size_run(admin_url, parse_size(size), args, skip, log))
        if "replicas" not in skip:
            log("benchmarks.replicas")
            result["replicas"] = replicas(admin_url, args.writes)
    shutil.rmtree(WORK, ignore_errors=True)
    result["load_after"] = os.getloadavg()
    result["minutes"] = (time.perf_counter() - t0) / 60
    out.with_suffix(".json").write_text(json.dumps(result, indent=1, default=str), "utf-8")
    out.write_text(report(result), encoding="utf-8")
    log(f"written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
