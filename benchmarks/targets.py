"""The report's targets table: each target the benchmarks measure, its figure and whether it
was met (benchmarks/report.py renders the rest)."""

from __future__ import annotations

from typing import Any

from benchmarks.cells import compare_scores, mark, num, share
from benchmarks.corpus import size_label


def target_rows(results: dict[str, Any]) -> list[str]:
    by_n = {e["n"]: e for e in results["retrieval"]}
    e2e = {e["n"]: e.get("serve", {}) for e in results["e2e"]}
    rows = ["| target | measured | |", "|---|---|---|"]

    def med(entry: dict[str, Any], key: str) -> float | None:
        return entry.get(key, {}).get("latency", {}).get("median_ms")

    r100 = by_n.get(100_000, {})
    a, b = med(r100, "rank_bm25"), med(r100, "bm25index-load")
    ratio = a / b if a and b else None
    rows.append(
        f"| retrieval at 100k ≥ 100× faster than rank_bm25 (median) | "
        f"{num(ratio, 1) + '×' if ratio else '–'} | {mark(ratio >= 100 if ratio else None)} |"
    )
    r1m = by_n.get(1_000_000, {}).get("bm25index-load", {})
    lat = r1m.get("latency", {})
    m, p = lat.get("median_ms"), lat.get("p99_ms")
    rows.append(f"| retrieval at 1M: median ≤ 2 ms | {num(m)} ms | {mark(m <= 2 if m else None)} |")
    rows.append(f"| retrieval at 1M: p99 ≤ 10 ms | {num(p)} ms | {mark(p <= 10 if p else None)} |")
    rank1m = by_n.get(1_000_000, {}).get("rank_bm25", {})
    if "check" in rank1m and "check" in r1m:
        c = compare_scores(r1m["check"], rank1m["check"])
        equal = c["bitwise_equal_scores"] == c["queries"]
        rows.append(
            f"| retrieval at 1M: scores equal to BM25Okapi's | {c['bitwise_equal_scores']}/"
            f"{c['queries']} queries bit for bit, largest difference {c['max_abs_diff']:.1e} "
            f"| {mark(equal)} |"
        )
    s1m = e2e.get(1_000_000, {})
    ask = s1m.get("ask", {}).get("median_ms")
    first = s1m.get("ask_first_pass", {}).get("median_ms")
    cold = ""
    if first is not None:
        cold = (
            f"; {num(first)} ms in a first pass with "
            f"{share(s1m.get('page_cache_share_at_start'))} of its files in the page cache"
        )
    rows.append(
        f"| ask at 1M: median ≤ 10 ms, files in the page cache | {num(ask)} ms{cold} "
        f"| {mark(ask <= 10 if ask else None)} |"
    )
    st = s1m.get("startup_s")
    crash = s1m.get("startup_after_crash_s")
    replayed = s1m.get("crash_replayed_not_rebuilt")
    met_st = None if not st else st <= 3 and (crash is None or (crash <= 3 and bool(replayed)))
    rows.append(
        f"| start-up of a 1M KB ≤ 3 s, jieba included | {num(st)} s; {num(crash)} s after a "
        f"process died before its index save (change log replayed"
        f"{'' if replayed or crash is None else ': NOT replayed'}) | {mark(met_st)} |"
    )
    rss = s1m.get("serving_rss_mb")
    after = [s1m.get("rss_after_100_adds_mb"), s1m.get("rss_after_100_removes_mb")]
    worst = max([rss or 0] + [a for a in after if a is not None])
    peaks = [s1m.get("peak_rss_before_100_removes_mb"), s1m.get("peak_rss_mb")]
    rows.append(
        f"| RSS while serving 1M ≤ 1.5 GB | {num(rss)} MB; {num(after[0])} MB after 100 more "
        f"articles, {num(after[1])} MB after removing them (peak {num(peaks[0])} MB until "
        f"those removals, {num(peaks[1])} MB by their end) | "
        f"{mark(worst <= 1500 if rss else None)} |"
    )
    ing = results.get("ingest", {}).get("ingest_mb_s")
    rows.append(
        f"| ingest ≥ 10 MB/s Chinese per core, end to end | {num(ing)} MB/s "
        f"| {mark(ing >= 10 if ing else None)} |"
    )
    add = s1m.get("add_s")
    then = s1m.get("ask_after_add_s")
    due = s1m.get("add_with_save_due_s")
    total = add + then if add is not None and then is not None else None
    met = None
    if total is not None:
        met = total <= 1 and bool(s1m.get("added_cited")) and (due is None or due + then <= 1)
    rows.append(
        f"| add one article to 1M, answerable within 1 s | {num(total)} s; "
        f"{num(due + then if due is not None and then is not None else None)} s when the "
        f"periodic index save falls due | {mark(met)} |"
    )
    rm = s1m.get("remove_s")
    rm_due = s1m.get("remove_with_save_due_s")
    rows.append(
        f"| remove one article from 1M within 1 s | {num(rm)} s; {num(rm_due)} s when the "
        f"periodic index save falls due "
        f"| {mark(rm <= 1 and (rm_due is None or rm_due <= 1) if rm is not None else None)} |"
    )
    bot = results.get("bot")
    if bot and "error" not in bot:
        ok = bot["qps"] >= 99 and bot["p99_ms"] <= 250 and not bot["dropped"]
        runs = bot.get("all_runs") or [(bot["qps"], bot["p99_ms"])]
        each = "; ".join(f"{num(q)}/s, p99 {num(p)} ms" for q, p in runs)
        rows.append(
            f"| bot ≥ 100 questions/s sustained, p99 ≤ 250 ms | {num(bot['qps'])}/s answered "
            f"of 100/s offered, p99 {num(bot['p99_ms'])} ms, at {size_label(bot['n'])} (Bot "
            f"API limit {num(bot['max_rate'])}/s; the median of {len(runs)} runs by p99: {each}) "
            f"| {mark(ok if bot['n'] == 1_000_000 else (False if not ok else None))} |"
        )
    else:
        rows.append(
            "| bot ≥ 100 questions/s, p99 ≤ 250 ms | not part of this run "
            "(python -m benchmarks.bot_load) | not measured |"
        )
    return rows
