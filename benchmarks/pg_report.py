"""benchmarks/pg.py's raw result as a Markdown report: one table per question the issue asks."""

from __future__ import annotations

import statistics
from typing import Any

from benchmarks.corpus import size_label

STORES = (("sqlite", "SQLite"), ("postgresql", "PostgreSQL"))


def _f(value: float | None, digits: int = 2) -> str:
    if value is None:
        return "–"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.{digits}f}" if abs(value) >= 1 else f"{value:.{digits + 1}g}"


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def _failed(runs: list[dict[str, Any]]) -> str:
    errors = [r["error"] for r in runs if "error" in r]
    return f" ({len(errors)} failed: {errors[0]})" if errors else ""


def _ingest(runs: dict[str, list[dict[str, Any]]]) -> list[str]:
    first = runs["sqlite"][0]
    lines = [
        "## Ingest: `citebot ingest --jobs N` of Chinese text",
        "",
        f"{first['megabytes']:.2f} MB of the benchmark's Chinese articles as {first['files']:,} "
        "Markdown files, into an empty knowledge base, through `KnowledgeBase.ingest_many` as "
        "the CLI calls it (benchmarks/bulk_ingest.py); wall clock, worker start-up included. "
        f"{len(runs['sqlite'])} rounds, SQLite and PostgreSQL alternating; the median, then "
        "each round.",
        "",
        "| store | jobs | MB/s (median) | each round | the writer alone, MB/s (median) |",
        "|---|---|---|---|---|",
    ]
    for key, name in STORES:
        for jobs in (1, 2):
            rates = [r["mb_s"] for run in runs[key] for r in run["runs"] if r["jobs"] == jobs]
            writer = [
                r["writer_mb_s"]
                for run in runs[key]
                for r in run["runs"]
                if r["jobs"] == jobs and r["writer_mb_s"]
            ]
            each = ", ".join(_f(v) for v in rates)
            lines.append(
                f"| {name} | {jobs} | {_f(_median(rates))} | {each} | "
                f"{_f(_median(writer)) if writer else '–'} |"
            )
    analysis = [run["analysis_mb_s"] for key, _ in STORES for run in runs[key]]
    lines += [
        "",
        f"The analysis alone (`ingest.analyse`, one process): {_f(_median(analysis))} MB/s "
        "(median of every round).",
        "",
    ]
    return lines


def _start(run: dict[str, Any] | None) -> str:
    if not run:
        return "not run"
    if "error" in run:
        return f"not measured: {run['error']}"
    how = "loaded" if run["loaded_from_save"] else "rebuilt"
    peak = f", peak RSS {_f(run['peak_rss_mb'])} MB" if run.get("peak_rss_mb") else ""
    text = f"{_f(run['first_answer_s'])} s (open {_f(run['open_s'])} s, {how}{peak})"
    if run.get("cited_new_article") is not None:
        text += (
            "; first answer cites the last upload"
            if run["cited_new_article"]
            else ("; **first answer misses the last upload**")
        )
    return text


def _replica_starts(sizes: list[dict[str, Any]], writes: int) -> list[str]:
    lines = [
        "## A new replica's time to serve",
        "",
        "A PostgreSQL schema filled with what the cached SQLite knowledge base holds (rows, ids, "
        "change log and store id copied by benchmarks/pg_fill.py, then ANALYZE), so that the "
        "index saved beside the SQLite file is this store's. Each replica is a fresh process "
        "with a data folder of its own (the dictionary cache copied in), opening the knowledge "
        "base as `citebot serve`'s knowledge process does; timed from the process's start "
        "(interpreter, imports and jieba included) to its first answer. The Telegram side's "
        "own start (setWebhook) is not included.",
        "",
        "| passages | fill: copy + ANALYZE s | schema MB (SQLite file MB, index MB) | from a copy "
        "of the saved index (two starts) | the same copy, "
        f"{writes} uploads behind (log replayed) | from nothing (index rebuilt from the "
        "database) | SQLite: the same start over the SQLite file (two starts) |",
        "|---|---|---|---|---|---|---|",
    ]
    for size in sizes:
        fill = size["fill"]
        current = " / ".join(_start(r) for r in size["start_current"])
        lines.append(
            f"| {size['passages']:,} | {_f(fill['copy_s'])} + {_f(fill['analyze_s'])} | "
            f"{_f(fill['schema_mb'])} ({_f(size['sqlite_mb'])}, {_f(size['index_mb'])}) | "
            f"{current} | {_start(size.get('start_behind'))} | "
            f"{_start(size.get('start_rebuilt'))} | "
            f"{' / '.join(_start(r) for r in size.get('start_sqlite', [])) or 'not run'} |"
        )
    for size in sizes:
        written = size["writes"]
        if "error" in written:
            lines.append(f"\nThe uploads at {size_label(size['n'])} failed: {written['error']}")
        else:
            lines.append(
                f"\n{written['written']} uploads through the writer replica at "
                f"{size_label(size['n'])}: {_f(written['seconds'])} s "
                f"({_f(1000 * written['seconds'] / written['written'])} ms each)."
            )
    lines.append("")
    return lines


def _asks(sizes: list[dict[str, Any]]) -> list[str]:
    lines = [
        "## Ask latency: PostgreSQL vs SQLite knowledge base",
        "",
        "`KnowledgeBase.ask` in a fresh process per round, its files read through first (as a "
        "serving machine has them in its page cache), 50 questions untimed, then 200 logged "
        "(as the bot asks: the question and its answer are written to the store) and 200 "
        "others not logged. Rounds alternate SQLite and PostgreSQL; the median over rounds of "
        "each round's median and p99.",
        "",
        "| passages | store | logged: p50 / p99 ms | not logged: p50 / p99 ms | each round, "
        "logged p50 | answered |",
        "|---|---|---|---|---|---|",
    ]
    for size in sizes:
        for key, name in STORES:
            runs = [r for r in size["ask"][key] if "error" not in r]
            if not runs:
                lines.append(f"| {size['passages']:,} | {name} | –{_failed(size['ask'][key])} |")
                continue

            def pick(kind: str, stat: str, runs: list[dict[str, Any]] = runs) -> str:
                return _f(_median([r[kind][stat] for r in runs]))

            each = ", ".join(_f(r["logged"]["median_ms"]) for r in runs)
            found = _median([r["found_share"] for r in runs]) or 0.0
            lines.append(
                f"| {size['passages']:,} | {name} | {pick('logged', 'median_ms')} / "
                f"{pick('logged', 'p99_ms')} | {pick('unlogged', 'median_ms')} / "
                f"{pick('unlogged', 'p99_ms')} | {each}{_failed(size['ask'][key])} | "
                f"{found:.0%} |"
            )
    for size in sizes:
        pairs = [
            (a["answer_digests"], b["answer_digests"])
            for a, b in zip(size["ask"]["sqlite"], size["ask"]["postgresql"], strict=True)
            if "error" not in a and "error" not in b
        ]
        if pairs:
            same = sum(x == y for x, y in zip(*pairs[0], strict=True))
            lines.append(
                f"\nAt {size_label(size['n'])} the two stores quoted the same sentences of the "
                f"same articles for {same} of {len(pairs[0][0])} questions (first round)."
            )
    lines.append("")
    return lines


def _replicas(result: dict[str, Any]) -> list[str]:
    lines = [
        "## Upload on one replica to answer on another",
        "",
        "`python -m benchmarks.replicas` (tests/knowledge/test_replicas.py with more uploads) "
        f"on the same server; its figures as printed (pytest: {result['summary']}):",
        "",
    ]
    lines += [f"- {line}" for line in result["lines"]] or ["- (no figures printed)"]
    lines.append("")
    return lines


def report(result: dict[str, Any]) -> str:
    m, code = result["machine"], result["code"]
    load = result["load_before"], result["load_after"]
    lines = [
        "# citebot over PostgreSQL: figures next to SQLite's",
        "",
        f"Run {result['started']} ({result['minutes']:.1f} min, `python -m benchmarks.pg`) on "
        f"{m['nproc']} cores of {m['cpu']}, {m['ram']} RAM, Python {m['python']}. PostgreSQL: "
        f"{result['server']}. Code: commit {code['commit']}, uncommitted changes in "
        f"knowledge/: {code['knowledge_dirty']}.",
        "",
        "**The machine was shared** with other workers (load average "
        f"{load[0][0]:.1f} / {load[0][1]:.1f} at the start, {load[1][0]:.1f} / "
        f"{load[1][1]:.1f} at the end, 1 and 5 minutes, on 2 cores): medians are quoted, and "
        "absolute times are higher than on a quiet machine; SQLite and PostgreSQL were "
        "measured alternately in the same run, so their ratio is the figure to read."
        + (
            " The throwaway server runs with fsync and synchronous_commit off (SQLite's "
            "store runs in WAL mode with synchronous=NORMAL, which does not sync on commit "
            "either)."
            if "started here" in result["server"]
            else ""
        ),
        "",
    ]
    if "ingest" in result:
        lines += _ingest(result["ingest"])
    lines += _replica_starts(result["sizes"], result["writes"])
    lines += _asks(result["sizes"])
    if "replicas" in result:
        lines += _replicas(result["replicas"])
    return "\n".join(lines)
