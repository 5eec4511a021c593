"""Replicas over one PostgreSQL database, on demand: how long after an upload through one
replica the other, left idle, has it in its index, and answers it. `python -m
benchmarks.replicas [WRITES]` (default 100 uploads; about a minute).

It runs tests/knowledge/test_replicas.py with more uploads (REPLICA_BENCH_WRITES), so that
the CI check of issue 18's "within 1 s" and this measurement share one implementation: two
knowledge processes (``KnowledgeWorker``), each with its own data folder, over a throwaway
PostgreSQL server (tests/pgserver.py; or the one CITEBOT_TEST_DATABASE_URL names). The
figures are printed at the end of each test.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str]) -> int:
    writes = argv[0] if argv else "100"
    if not writes.isdigit() or int(writes) < 1:
        print("usage: python -m benchmarks.replicas [WRITES]", file=sys.stderr)
        return 2
    env = {**os.environ, "REPLICA_BENCH_WRITES": writes}
    command = [
        sys.executable,
        "-m",
        "pytest",
        "tests/knowledge/test_replicas.py",
        "-q",
        "-s",
        "-p",
        "no:cacheprovider",
    ]
    return subprocess.call(command, cwd=ROOT, env=env)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
