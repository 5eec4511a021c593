"""Results (the dict benchmarks.run collects) -> the Markdown report, targets included."""

from __future__ import annotations

import math
from typing import Any

from benchmarks.corpus import size_label

ENGINE_NAMES = {
    "bm25index-load": "BM25Index (loaded from disk: serving)",
    "bm25index": "BM25Index (just built by add)",
    "rank_bm25": "rank_bm25 BM25Okapi get_scores + argpartition",
    "bm25s": "bm25s 'robertson', numpy backend",
    "tantivy": "tantivy (BM25, its own idf/k1; scores not comparable)",
}


def _f(value: Any, digits: int = 2) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, float):
        if abs(value) >= 100:
            return f"{value:,.0f}"
        if abs(value) >= 10:
            return f"{value:.1f}"
        if abs(value) < 0.1:
            return f"{value:.3f}"
        return f"{value:.{digits}f}"
    return str(value)


def _ok(met: bool | None) -> str:
    return {True: "met", False: "**not met**", None: "not measured"}[met]


def compare_scores(a: list[Any], b: list[Any]) -> dict[str, Any]:
    """BM25Index's top-10 against rank_bm25's, query by query."""
    same_scores = same_ids = 0
    max_diff = 0.0
    for qa, qb in zip(a, b, strict=False):
        sa = [s for _, s in qa]
        sb = [s for _, s in qb]
        same_scores += sa == sb
        same_ids += [i for i, _ in qa] == [i for i, _ in qb]
        for x, y in zip(sa, sb, strict=False):
            max_diff = max(max_diff, abs(x - y))
    return {
        "queries": min(len(a), len(b)),
        "bitwise_equal_scores": same_scores,
        "same_ids": same_ids,
        "max_abs_diff": max_diff,
    }


def _retrieval_rows(results: dict[str, Any]) -> list[str]:
    lines = [
        "| passages | engine | queries | median ms | p99 ms | rank_bm25 ÷ engine (median) "
        "| build s | memory MB |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for entry in results["retrieval"]:
        n = entry["n"]
        rank = entry.get("rank_bm25", {}).get("latency", {}).get("median_ms")
        for key in ("bm25index-load", "bm25index", "rank_bm25", "bm25s", "tantivy"):
            r = entry.get(key, {})
            name = ENGINE_NAMES[key]
            if "skipped" in r or "error" in r:
                why = r.get("skipped") or "error: " + r["error"][:120]
                lines.append(f"| {size_label(n)} | {name} | – | – | – | – | – | {why} |")
                continue
            lat = r.get("latency", {})
            ratio = rank / lat["median_ms"] if rank and lat.get("median_ms") else None
            build = r.get("build_s", r.get("load_s"))
            build_s = _f(build) + (" (load)" if "load_s" in r else "")
            mem = r.get("engine_mb", r.get("load_rss_mb"))
            lines.append(
                f"| {size_label(n)} | {name} | {lat.get('n', '–')} | {_f(lat.get('median_ms'))} "
                f"| {_f(lat.get('p99_ms'))} | {_f(ratio, 1) + '×' if ratio else '–'} "
                f"| {build_s} | {_f(mem)} |"
            )
        numpy_lat = entry.get("bm25index-load", {}).get("numpy_latency")
        if numpy_lat:
            ratio = rank / numpy_lat["median_ms"] if rank else None
            lines.append(
                f"| {size_label(n)} | BM25Index searching with numpy alone (no compiled loops) "
                f"| {numpy_lat['n']} | {_f(numpy_lat['median_ms'])} | {_f(numpy_lat['p99_ms'])} "
                f"| {_f(ratio, 1) + '×' if ratio else '–'} | – | – |"
            )
        floor = entry.get("bm25index", {}).get("dense_floor_ms")
        if floor is not None:
            lines.append(
                f"| {size_label(n)} | floor of any engine scoring every passage "
                f"(np.zeros + argpartition over {n:,}) | 20 | {_f(floor)} | – | – | – | – |"
            )
    return lines


def _persistence_rows(results: dict[str, Any]) -> list[str]:
    lines = [
        "| passages | postings / query (median) | save s | index on disk MB | load s "
        "| RSS of loaded index MB | top-10 vs BM25Okapi: queries, equal scores, same ids, "
        "max abs diff |",
        "|---|---|---|---|---|---|---|",
    ]
    for entry in results["retrieval"]:
        built = entry.get("bm25index", {})
        loaded = entry.get("bm25index-load", {})
        rank = entry.get("rank_bm25", {})
        check = "–"
        if "check" in rank and "check" in loaded:
            c = compare_scores(loaded["check"], rank["check"])
            check = (
                f"{c['queries']}, {c['bitwise_equal_scores']}/{c['queries']} bitwise, "
                f"{c['same_ids']}/{c['queries']}, {c['max_abs_diff']:.1e}"
            )
        lines.append(
            f"| {size_label(entry['n'])} | {_f(loaded.get('postings_median'))} "
            f"| {_f(built.get('save_s'))} | {_f(built.get('disk_mb'))} "
            f"| {_f(loaded.get('load_s'))} | {_f(loaded.get('load_rss_mb'))} | {check} |"
        )
    return lines


def _share(value: float | None) -> str:
    return "unknown" if value is None else f"{value:.0%}"


def _first_pass(s: dict[str, Any]) -> str:
    first = s.get("ask_first_pass")
    if not first:
        return "–"
    return (
        f"{_f(first['median_ms'])} / {_f(first['p99_ms'])} "
        f"({_share(s.get('page_cache_share_at_start'))})"
    )


def _e2e_rows(results: dict[str, Any]) -> list[str]:
    lines = [
        "| passages (articles) | start-up s | RSS after start-up MB | RSS serving MB "
        "| ask median ms | ask p99 ms | of which query / search (median ms) | answered "
        "| first pass, files as found: ask median / p99 ms (share in page cache) "
        "| add 1 article s | then ask s | remove s | add when the index save is due s "
        "| first ask after another process added an article s | start-up after a crash s "
        "| 100 articles more: added s / RSS MB, removed s / RSS MB "
        "| KB build s (store + index) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for entry in results["e2e"]:
        b = entry.get("build", {})
        s = entry.get("serve", {})
        if "error" in b or "error" in s or not s:
            err = (b.get("error") or s.get("error") or "not run")[:150]
            lines.append(f"| {size_label(entry['n'])} | {err} |" + " – |" * 16)
            continue
        ask = s["ask"]
        build = _f(b.get("store_s", 0) + b.get("word_terms_s", 0)) + " + " + _f(b.get("rebuild_s"))
        ok_add = "" if s.get("added_cited") else " (not cited!)"
        ok_rm = "" if s.get("removed_gone") else " (still cited!)"
        lines.append(
            f"| {s['passages']:,} ({s['articles']:,}) | {_f(s['startup_s'])} "
            f"| {_f(s['rss_after_start_mb'])} | {_f(s['serving_rss_mb'])} "
            f"| {_f(ask['median_ms'])} | {_f(ask['p99_ms'])} "
            f"| {_f(s['build_query']['median_ms'])} / {_f(s['search']['median_ms'])} "
            f"| {s['found_share']:.0%} | {_first_pass(s)} "
            f"| {_f(s['add_s'])}{ok_add} | {_f(s['ask_after_add_s'])} "
            f"| {_f(s['remove_s'])}{ok_rm} | {_f(s.get('add_with_save_due_s'))} "
            f"| {_f(s.get('catch_up_after_other_process_s'))} "
            f"| {_f(s.get('startup_after_crash_s'))} "
            f"| {_f(s.get('add_100_s'))} / {_f(s.get('rss_after_100_adds_mb'))}, "
            f"{_f(s.get('remove_100_s'))} / {_f(s.get('rss_after_100_removes_mb'))} | {build} |"
        )
    return lines


def _rebuild_lines(results: dict[str, Any]) -> list[str]:
    """The start-up that has no index save to load (lost, or older than the change log)."""
    lines = []
    for entry in results["e2e"]:
        r = entry.get("rebuild")
        if not r:
            continue
        if "error" in r or not r.get("rebuilt"):
            lines += ["", f"Rebuild at {size_label(entry['n'])}: {r.get('error', 'not rebuilt')}"]
            continue
        lines += [
            "",
            f"Start-up with the index save lost, at {size_label(entry['n'])}: the index rebuilt "
            f"from the stored terms in {_f(r['rebuild_startup_s'])} s (jieba included), peak RSS "
            f"{_f(r['peak_rss_mb'])} MB (the save that follows included).",
        ]
    return lines


def _bot_rows(results: dict[str, Any]) -> list[str]:
    lines = [
        "| passages | knowledge base | Bot API limit | offered | answered/s | dropped / failed "
        "| median ms | p99 ms | typing actions | CPU per answer: all of the bot (knowledge-base "
        "process) / fake server ms | RSS of the bot MB |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for b in results.get("bot_runs", []):
        if "error" in b:
            lines.append(f"| error: {b['error'][:150]} |" + " – |" * 10)
            continue
        child = b.get("kb_process_cpu_ms_per_answer")
        where = "own process" if b.get("knowledge_process") else "in the bot's process"
        lines.append(
            f"| {b['passages']:,} | {where} | {_f(b['max_rate'])}/s | {b['questions']} at "
            f"{_f(b['offered_rate'])}/s | {_f(b['qps'])} | {b['dropped']} / {b['failed']} "
            f"| {_f(b['median_ms'])} | {_f(b['p99_ms'])} | {b['typing_actions']} "
            f"| {_f(b['bot_cpu_ms_per_answer'])} ({_f(child) if child is not None else '–'}) / "
            f"{_f(b['fake_cpu_ms_per_answer'])} | {_f(b.get('bot_rss_mb'))} |"
        )
    return lines if len(lines) > 2 else []


def _ingest_rows(results: dict[str, Any]) -> list[str]:
    ing = results.get("ingest", {})
    seg = results.get("segment", {})
    lines = ["| measure | value |", "|---|---|"]
    if ing and "error" not in ing:
        lines += [
            f"| Chinese text ingested | {_f(ing['megabytes'])} MB, {ing['articles']} articles, "
            f"{ing['passages']:,} passages |",
            f"| jieba alone (lcut, HMM) | {_f(ing['jieba_mb_s'])} MB/s |",
            f"| the analyzer (KnowledgeBase.analyzer.terms per sentence) "
            f"| {_f(ing['analyzer_mb_s'])} MB/s |",
            f"| ingest_text end to end (one core) | {_f(ing['ingest_mb_s'])} MB/s |",
            f"| one article: first / median / last | {_f(ing['ingest_first_article_ms'])} / "
            f"{_f(ing['ingest_median_article_ms'])} / {_f(ing['ingest_last_article_ms'])} ms |",
            f"| jieba dictionary load | {_f(ing['jieba_dict_load_s'])} s |",
        ]
    elif ing:
        lines.append(f"| ingest | error: {ing['error'][:200]} |")
    if seg and "error" not in seg:
        if seg.get("rjieba") == "not installed":
            lines.append("| rjieba | not installed |")
        else:
            for key, label in (
                ("default", "whole articles, each engine's bundled dictionary"),
                ("same_dict", "whole articles, rjieba given jieba's dict.txt"),
                ("analyzer_words_only", "analyzer's Han runs, rjieba given the analyzer's words"),
                ("analyzer", "analyzer's Han runs, same words and same total"),
            ):
                r = seg.get(key)
                if not r:
                    continue
                base = (
                    seg["jieba_mb_s"]
                    if key in ("default", "same_dict")
                    else r.get("jieba_mb_s", seg.get("jieba_analyzer_runs_mb_s"))
                )
                same = (
                    "identical"
                    if r["identical"]
                    else (f"{r['differing_units']} of {r['units']} differ, e.g. {r['example']}")
                )
                lines.append(
                    f"| jieba vs rjieba: {label} | {_f(base)} vs {_f(r['rjieba_mb_s'])} MB/s; "
                    f"tokens {same} |"
                )
            mine = seg.get("segmenter")
            if mine:
                same = "identical" if mine["identical"] else f"{mine['differing_units']} differ"
                lines.append(
                    f"| the analyzer's segmenter (knowledge/segmenter.py: rjieba's dictionary "
                    f"route + jieba's HMM) on the analyzer's Han runs | "
                    f"{_f(mine['mb_s'])} MB/s; {mine['units']:,} runs, tokens {same} with jieba |"
                )
            lines.append(
                f"| dictionary load: jieba / rjieba bundled / rjieba from dict.txt | "
                f"{_f(seg['jieba_dict_load_s'])} / {_f(seg['rjieba_dict_load_s'])} / "
                f"{_f(seg['rjieba_same_dict_load_s'])} s |"
            )
    elif seg:
        lines.append(f"| segmentation | error: {seg['error'][:200]} |")
    return lines


def _targets(results: dict[str, Any]) -> list[str]:
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
        f"{_f(ratio, 1) + '×' if ratio else '–'} | {_ok(ratio >= 100 if ratio else None)} |"
    )
    r1m = by_n.get(1_000_000, {}).get("bm25index-load", {})
    lat = r1m.get("latency", {})
    m, p = lat.get("median_ms"), lat.get("p99_ms")
    rows.append(f"| retrieval at 1M: median ≤ 2 ms | {_f(m)} ms | {_ok(m <= 2 if m else None)} |")
    rows.append(f"| retrieval at 1M: p99 ≤ 10 ms | {_f(p)} ms | {_ok(p <= 10 if p else None)} |")
    rank1m = by_n.get(1_000_000, {}).get("rank_bm25", {})
    if "check" in rank1m and "check" in r1m:
        c = compare_scores(r1m["check"], rank1m["check"])
        equal = c["bitwise_equal_scores"] == c["queries"]
        rows.append(
            f"| retrieval at 1M: scores equal to BM25Okapi's | {c['bitwise_equal_scores']}/"
            f"{c['queries']} queries bit for bit, largest difference {c['max_abs_diff']:.1e} "
            f"| {_ok(equal)} |"
        )
    s1m = e2e.get(1_000_000, {})
    ask = s1m.get("ask", {}).get("median_ms")
    first = s1m.get("ask_first_pass", {}).get("median_ms")
    cold = ""
    if first is not None:
        cold = (
            f"; {_f(first)} ms in a first pass with "
            f"{_share(s1m.get('page_cache_share_at_start'))} of its files in the page cache"
        )
    rows.append(
        f"| ask at 1M: median ≤ 10 ms, files in the page cache | {_f(ask)} ms{cold} "
        f"| {_ok(ask <= 10 if ask else None)} |"
    )
    st = s1m.get("startup_s")
    crash = s1m.get("startup_after_crash_s")
    replayed = s1m.get("crash_replayed_not_rebuilt")
    met_st = None if not st else st <= 3 and (crash is None or (crash <= 3 and bool(replayed)))
    rows.append(
        f"| start-up of a 1M KB ≤ 3 s, jieba included | {_f(st)} s; {_f(crash)} s after a "
        f"process died before its index save (change log replayed"
        f"{'' if replayed or crash is None else ': NOT replayed'}) | {_ok(met_st)} |"
    )
    rss = s1m.get("serving_rss_mb")
    after = [s1m.get("rss_after_100_adds_mb"), s1m.get("rss_after_100_removes_mb")]
    worst = max([rss or 0] + [a for a in after if a is not None])
    peaks = [s1m.get("peak_rss_before_100_removes_mb"), s1m.get("peak_rss_mb")]
    rows.append(
        f"| RSS while serving 1M ≤ 1.5 GB | {_f(rss)} MB; {_f(after[0])} MB after 100 more "
        f"articles, {_f(after[1])} MB after removing them (peak {_f(peaks[0])} MB until "
        f"those removals, {_f(peaks[1])} MB by their end) | "
        f"{_ok(worst <= 1500 if rss else None)} |"
    )
    ing = results.get("ingest", {}).get("ingest_mb_s")
    rows.append(
        f"| ingest ≥ 10 MB/s Chinese per core, end to end | {_f(ing)} MB/s "
        f"| {_ok(ing >= 10 if ing else None)} |"
    )
    add = s1m.get("add_s")
    then = s1m.get("ask_after_add_s")
    due = s1m.get("add_with_save_due_s")
    total = add + then if add is not None and then is not None else None
    met = None
    if total is not None:
        met = total <= 1 and bool(s1m.get("added_cited")) and (due is None or due + then <= 1)
    rows.append(
        f"| add one article to 1M, answerable within 1 s | {_f(total)} s; "
        f"{_f(due + then if due is not None and then is not None else None)} s when the "
        f"periodic index save falls due | {_ok(met)} |"
    )
    rm = s1m.get("remove_s")
    rm_due = s1m.get("remove_with_save_due_s")
    rows.append(
        f"| remove one article from 1M within 1 s | {_f(rm)} s; {_f(rm_due)} s when the "
        f"periodic index save falls due "
        f"| {_ok(rm <= 1 and (rm_due is None or rm_due <= 1) if rm is not None else None)} |"
    )
    bot = results.get("bot")
    if bot and "error" not in bot:
        ok = bot["qps"] >= 99 and bot["p99_ms"] <= 250 and not bot["dropped"]
        runs = bot.get("all_runs") or [(bot["qps"], bot["p99_ms"])]
        each = "; ".join(f"{_f(q)}/s, p99 {_f(p)} ms" for q, p in runs)
        rows.append(
            f"| bot ≥ 100 questions/s sustained, p99 ≤ 250 ms | {_f(bot['qps'])}/s answered "
            f"of 100/s offered, p99 {_f(bot['p99_ms'])} ms, at {size_label(bot['n'])} (Bot "
            f"API limit {_f(bot['max_rate'])}/s; the median of {len(runs)} runs by p99: {each}) "
            f"| {_ok(ok if bot['n'] == 1_000_000 else (False if not ok else None))} |"
        )
    else:
        rows.append(
            "| bot ≥ 100 questions/s, p99 ≤ 250 ms | not part of this run "
            "(python -m benchmarks.bot_load) | not measured |"
        )
    return rows


def _profile_lines(results: dict[str, Any]) -> list[str]:
    lines: list[str] = []
    ps = results.get("profile_search", {})
    if "mean_idf_ms" in ps:
        lines.append(
            f"The mean idf over the vocabulary, recomputed after every add or remove and paid "
            f"by the next question that has a term in more than half the passages: "
            f"{_f(ps['mean_idf_ms'])} ms at the largest size."
        )
        lines.append("")
    sources = (
        ("BM25Index.search", results.get("profile_search", {}).get("pyinstrument", {})),
        ("ask()", results.get("profile_ask", {}).get("ask", {})),
        ("one ingest_text + remove", results.get("profile_ask", {}).get("add_remove", {})),
        ("ingest_text into an empty KB", results.get("ingest", {}).get("profile", {})),
    )
    for title, prof in sources:
        if prof.get("top_self"):
            lines.append(f"pyinstrument, {title}, heaviest own time ({prof['report']}):")
            lines.append("")
            for name, share in prof["top_self"][:8]:
                lines.append(f"- {share:.0%} {name}")
            lines.append("")
    return lines


def _code_line(results: dict[str, Any]) -> str:
    code = results.get("code", {})
    end = results.get("code_at_end", code)
    line = (
        f"Code: commit {code.get('commit')}, uncommitted changes in knowledge/: "
        f"{code.get('knowledge_dirty')}, knowledge/*.py hash {code.get('knowledge_hash')}."
    )
    if end.get("knowledge_hash") != code.get("knowledge_hash"):
        line += (
            f" **knowledge/ changed during the run** (hash {end.get('knowledge_hash')} at the "
            f"end, commit {end.get('commit')}): rows measured before and after differ in code."
        )
    return line


def render(results: dict[str, Any]) -> str:
    m = results["machine"]
    out = [
        "# citebot benchmarks",
        "",
        f"Run {results['started']} ({'quick' if results['quick'] else 'full'}, seed "
        f"{results['seed']}, {results.get('elapsed_s', 0) / 60:.1f} min) on "
        f"{m['nproc']} cores of {m['cpu']}, {m['ram']} RAM, Python {m['python']}, "
        f"{m['platform']}. Libraries: {m['libraries']}. Shared, noisy machine: medians "
        "are quoted; every engine ran single-threaded in its own process.",
        "",
        _code_line(results),
        "",
        "## Targets",
        "",
        *_targets(results),
        "",
        "## Retrieval: top 10 per query, single thread, same tokens and queries for every engine",
        "",
        "Queries: 2-6 distinct terms drawn from one random passage each. Memory is the "
        "engine's RSS over an interpreter with the library imported. rank_bm25 runs a subset "
        "of the queries where its row says so (1.2 s per query at 1M).",
        "",
        *_retrieval_rows(results),
        "",
        "## BM25Index persistence and exactness",
        "",
        *_persistence_rows(results),
        "",
        "## Knowledge base end to end (in-process `KnowledgeBase`)",
        "",
        "Start-up is `KnowledgeBase(config)` in a fresh process on an existing data dir "
        "(imports excluded). ask() is the full call, question logging included; query = "
        "build_query (analysis + translation), search = BM25Index.search of its concepts. "
        "The knowledge base is opened as `citebot serve` opens it, reading its files ahead "
        "on a thread. The first pass of 200 questions takes the files as it finds them (the "
        "OS may have dropped them from its page cache since they were written: then a "
        "question waits on the disk until the read-ahead has passed); the files are then "
        "read through once more, as a serving machine has them cached, and the ask columns "
        "are 200 other questions.",
        "",
        *_e2e_rows(results),
        *_rebuild_lines(results),
        "",
        "The bot: `citebot serve` in its own process against the fake Bot API server, its "
        "knowledge base in a child process (CITEBOT_KNOWLEDGE_PROCESS, the default) unless the "
        "row says otherwise; each question from its own user, offered open-loop; latency from "
        "the update being queued to the reply's sendMessage (queueing included when the offered "
        "rate is above capacity). CPU and RSS count the bot and its child.",
        "",
        *_bot_rows(results),
        "",
        "## Ingest and segmentation",
        "",
        *_ingest_rows(results),
        "",
        "## Profile",
        "",
        *_profile_lines(results),
    ]
    return "\n".join(out).rstrip() + "\n"


if __name__ == "__main__":  # re-render a saved run: python -m benchmarks.report results.json
    import json
    import sys
    from pathlib import Path

    source = Path(sys.argv[1])
    text = render(json.loads(source.read_text(encoding="utf-8")))
    source.with_suffix(".md").write_text(text, encoding="utf-8")
    print(text)
