"""The processes benchmarks/pg.py starts: a replica coming up, a replica answering, a writer.

    python -m benchmarks.pg_replica start DIR --spawned-at T [--question Q --expect ID]
    python -m benchmarks.pg_replica ask DIR --size N --articles A [--seed S]
    python -m benchmarks.pg_replica write DIR --count C [--seed S]

Each opens the knowledge base in DIR as `citebot serve` opens it (reading its files ahead),
over the PostgreSQL database ``PG_BENCH_URL`` names when it is set (through the environment,
not the command line, where a password would show in the process list), else over the SQLite
file in DIR; each prints one JSON line.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.articles import article
from benchmarks.corpus import DEFAULT_SEED, vocabulary
from benchmarks.measure import emit, peak_rss_mb, rss_mb, summarize_ms

URL_ENV = "PG_BENCH_URL"
# A word no generated article contains: the last written article's own term.
MARKER = "zyxwvutq"


def own_peak_rss_mb() -> float:
    """This process's own highest RSS in MB (VmHWM of its memory since exec). Not ru_maxrss:
    Linux carries the parent's peak into a child started by vfork/exec, as subprocess does,
    so every child of a large parent would report the parent's size."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1e3
    except OSError:
        pass
    return peak_rss_mb()


def _open(directory: Path) -> Any:
    from knowledge.service import KnowledgeBase, KnowledgeConfig

    url = os.environ.get(URL_ENV) or None
    return KnowledgeBase(KnowledgeConfig(data_dir=directory, database_url=url, read_ahead=True))


def start(directory: Path, spawned_at: float, question: str, expect: str) -> dict[str, Any]:
    """A new replica: from the process's start (``spawned_at``, the parent's clock just
    before it started this one: the interpreter and the imports are counted) to its first
    answer. Whether the index was loaded from a save (and the log replayed) or rebuilt, and
    whether the first answer cites ``expect`` (an article written after the save)."""
    in_main = time.time()
    from knowledge.index import is_mapped

    t0 = time.perf_counter()
    kb = _open(directory)
    open_s = time.perf_counter() - t0
    loaded = is_mapped(kb.index.table.ids)  # mapped from a save, not built in memory
    answer = kb.ask(question or "Who founded the Kowloon Glassworks?", log_it=False)
    first_answer = time.time() - spawned_at
    cited = any(q.citation.article_id == expect for q in answer.quotes) if expect else None
    result = {
        "before_main_s": in_main - spawned_at,  # the interpreter and this module's imports
        "open_s": open_s,
        "first_answer_s": first_answer,
        "loaded_from_save": loaded,
        "generation": kb.index.generation,
        "passages": kb.index.doc_count,
        "cited_new_article": cited,
        "rss_mb": rss_mb(),
        "peak_rss_mb": own_peak_rss_mb(),
    }
    kb.close()  # saves the index it replayed onto: not timed
    return result


def ask(directory: Path, size: int, articles: int, seed: int) -> dict[str, Any]:
    """Ask latency with the files read through (a serving machine has them in its page
    cache): 200 questions logged, as the bot asks them, and 200 others not logged; 50 more
    first, untimed."""
    from benchmarks.e2e import questions
    from knowledge.readahead import read_through

    kb = _open(directory)
    if kb.reading_ahead is not None:
        kb.reading_ahead.join()
    read_through(sorted(p for p in directory.rglob("*") if p.is_file()))
    for q in questions(size, articles, seed, 50, draw=3):
        kb.ask(q, log_it=False)
    timings: dict[str, list[float]] = {"logged": [], "unlogged": []}
    found = 0
    digests: list[str] = []  # what each answer quoted, to compare the two stores' answers
    for kind, draw in (("logged", 1), ("unlogged", 2)):
        for q in questions(size, articles, seed, 200, draw=draw):
            t0 = time.perf_counter()
            answer = kb.ask(q, log_it=kind == "logged")
            timings[kind].append(time.perf_counter() - t0)
            found += answer.found
            quoted = [(x.citation.article_id, x.sentence.text) for x in answer.quotes]
            digests.append(hashlib.sha1(repr(quoted).encode()).hexdigest()[:12])
    result: dict[str, Any] = {kind: summarize_ms(values) for kind, values in timings.items()}
    result |= {"found_share": found / 400, "rss_mb": rss_mb(), "store": kb.store_kind}
    result["answer_digests"] = digests
    kb.close()
    return result


def write(directory: Path, count: int, seed: int) -> dict[str, Any]:
    """``count`` articles written through this replica (each its own transaction and
    generation, as uploads are); the last one holds ``MARKER``, and the question that finds
    it is returned with its id."""
    kb = _open(directory)
    t0 = time.perf_counter()
    for i in range(count - 1):
        art = article(10**9 + 100 + i, seed + 7, lang="zh" if i % 2 else "en", paragraphs=3)
        kb.ingest_text(art.text, title=art.title, source="benchmark replica writer")
    last = article(10**9 + 99, seed + 7, lang="en", paragraphs=3)
    first = last.paragraphs[0][0]
    text = last.text.replace(first.text, f"{MARKER.capitalize()} {first.text}", 1)
    added = kb.ingest_text(text, title=f"benchmark replica {MARKER}", source="benchmark")
    seconds = time.perf_counter() - t0
    words = " ".join(vocabulary().words[w] for w in first.words[:3])
    kb.close()
    return {
        "written": count,
        "seconds": seconds,
        "last_id": added.article.id,
        "question": f"What about {MARKER} {words}?",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=["start", "ask", "write"])
    parser.add_argument("directory", type=Path)
    parser.add_argument("--spawned-at", type=float, default=0.0)
    parser.add_argument("--question", default="")
    parser.add_argument("--expect", default="")
    parser.add_argument("--size", type=int, default=0)
    parser.add_argument("--articles", type=int, default=0)
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args()
    if args.mode == "start":
        emit(start(args.directory, args.spawned_at or time.time(), args.question, args.expect))
    elif args.mode == "ask":
        emit(ask(args.directory, args.size, args.articles, args.seed))
    else:
        emit(write(args.directory, args.count, args.seed))
    sys.exit(0)


if __name__ == "__main__":
    main()
