"""Bulk ingest (`citebot ingest --jobs N`, knowledge/bulk.py) of Chinese article files.

    python -m benchmarks.bulk_ingest MB [--jobs 1,2] [--seed S]

Writes about MB of the benchmark's Chinese text articles (benchmarks/corpus.py) as Markdown
files, then for each N ingests the folder into an empty knowledge base through
``KnowledgeBase.ingest_many(jobs=N)``, as the CLI does, and prints one JSON line: MB/s wall
clock per N (worker start-up included), the writer's own seconds (learning aliases, storing,
the index following the store) and the rate that alone would allow, and the analysis alone
(``ingest.analyse``, one process, one core): the ceiling one worker can reach.
"""

from __future__ import annotations

import argparse
import json
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.articles import chinese_text
from benchmarks.corpus import CACHE, DEFAULT_SEED


def _write_files(megabytes: float, seed: int, folder: Path) -> float:
    """The articles as ``NNNNN.md`` files; their size in MB."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    size = 0
    for n, art in enumerate(chinese_text(megabytes, seed)):
        text = f"# {art.title}\n\n{art.text}\n"
        (folder / f"{n:05d}.md").write_text(text, encoding="utf-8")
        size += len(text.encode("utf-8"))
    return size / 1e6


def run(
    megabytes: float, jobs: list[int], seed: int, database: Callable[[], str] | None = None
) -> dict[str, Any]:
    """MB/s at each job count. ``database`` gives the URL of an empty PostgreSQL database for
    each run (benchmarks/pg.py); without it each run fills an SQLite file of its own."""
    from knowledge.extract import extract
    from knowledge.ingest import analyse
    from knowledge.paths import iter_files
    from knowledge.service import KnowledgeBase, KnowledgeConfig

    folder = CACHE / "bulk-ingest-files"
    size = _write_files(megabytes, seed, folder)
    files = list(iter_files([folder]))
    result: dict[str, Any] = {"megabytes": size, "files": len(files), "runs": []}
    for n in jobs:
        directory = CACHE / f"kb-bulk-{n}"
        shutil.rmtree(directory, ignore_errors=True)
        url = database() if database is not None else None
        kb = KnowledgeBase(KnowledgeConfig(data_dir=directory, database_url=url))
        try:
            if n == jobs[0]:
                docs = [extract(p.read_bytes(), p.name) for p, _ in files]
                t0, c0 = time.perf_counter(), time.process_time()
                for doc in docs:
                    analyse(doc, kb.analyzer, kb.config.passage_sentences)
                wall, cpu = time.perf_counter() - t0, time.process_time() - c0
                result["analysis_mb_s"], result["analysis_cpu_mb_s"] = size / wall, size / cpu
            t0 = time.perf_counter()
            bulk = kb.ingest_many(files, jobs=n)
            outcomes = [outcome for _, outcome in bulk]
            wall = time.perf_counter() - t0
            added = sum(getattr(o, "status", "") == "added" for o in outcomes)
            writer = bulk.learn_seconds + bulk.write_seconds
            result["runs"].append(
                {
                    "jobs": n,
                    "added": added,
                    "seconds": wall,
                    "mb_s": size / wall,
                    "writer_seconds": writer if n > 1 else None,
                    "writer_mb_s": size / writer if n > 1 and writer else None,
                    "analysed_by_writer": bulk.analysed_here,
                    "passages": kb.index.doc_count,
                }
            )
        finally:
            kb.close()
            shutil.rmtree(directory, ignore_errors=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("megabytes", type=float)
    parser.add_argument("--jobs", default="1,2", help="comma-separated job counts (1,2)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args()
    jobs = [int(j) for j in args.jobs.split(",")]
    print(json.dumps(run(args.megabytes, jobs, args.seed)))


if __name__ == "__main__":
    main()
