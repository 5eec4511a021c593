"""Results (the dict benchmarks.run collects) -> the Markdown report, targets included."""

from __future__ import annotations

from typing import Any

from benchmarks.cells import compare_scores, num, share
from benchmarks.corpus import size_label
from benchmarks.targets import target_rows

ENGINE_NAMES = {
    "bm25index-load": "BM25Index (loaded from disk: serving)",
    "bm25index": "BM25Index (just built by add)",
    "rank_bm25": "rank_bm25 BM25Okapi get_scores + argpartition",
    "bm25s": "bm25s 'robertson', numpy backend",
    "tantivy": "tantivy (BM25, its own idf/k1; scores not comparable)",
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
            build_s = num(build) + (" (load)" if "load_s" in r else "")
            mem = r.get("engine_mb", r.get("load_rss_mb"))
            lines.append(
                f"| {size_label(n)} | {name} | {lat.get('n', '–')} | {num(lat.get('median_ms'))} "
                f"| {num(lat.get('p99_ms'))} | {num(ratio, 1) + '×' if ratio else '–'} "
                f"| {build_s} | {num(mem)} |"
            )
        numpy_lat = entry.get("bm25index-load", {}).get("numpy_latency")
        if numpy_lat:
            ratio = rank / numpy_lat["median_ms"] if rank else None
            lines.append(
                f"| {size_label(n)} | BM25Index searching with numpy alone (no compiled loops) "
                f"| {numpy_lat['n']} | {num(numpy_lat['median_ms'])} | {num(numpy_lat['p99_ms'])} "
                f"| {num(ratio, 1) + '×' if ratio else '–'} | – | – |"
            )
        floor = entry.get("bm25index", {}).get("dense_floor_ms")
        if floor is not None:
            lines.append(
                f"| {size_label(n)} | floor of any engine scoring every passage "
                f"(np.zeros + argpartition over {n:,}) | 20 | {num(floor)} | – | – | – | – |"
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
            f"| {size_label(entry['n'])} | {num(loaded.get('postings_median'))} "
            f"| {num(built.get('save_s'))} | {num(built.get('disk_mb'))} "
            f"| {num(loaded.get('load_s'))} | {num(loaded.get('load_rss_mb'))} | {check} |"
        )
    return lines


def _first_pass(s: dict[str, Any]) -> str:
    first = s.get("ask_first_pass")
    if not first:
        return "–"
    return (
        f"{num(first['median_ms'])} / {num(first['p99_ms'])} "
        f"({share(s.get('page_cache_share_at_start'))})"
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
        build = (
            num(b.get("store_s", 0) + b.get("word_terms_s", 0)) + " + " + num(b.get("rebuild_s"))
        )
        ok_add = "" if s.get("added_cited") else " (not cited!)"
        ok_rm = "" if s.get("removed_gone") else " (still cited!)"
        lines.append(
            f"| {s['passages']:,} ({s['articles']:,}) | {num(s['startup_s'])} "
            f"| {num(s['rss_after_start_mb'])} | {num(s['serving_rss_mb'])} "
            f"| {num(ask['median_ms'])} | {num(ask['p99_ms'])} "
            f"| {num(s['build_query']['median_ms'])} / {num(s['search']['median_ms'])} "
            f"| {s['found_share']:.0%} | {_first_pass(s)} "
            f"| {num(s['add_s'])}{ok_add} | {num(s['ask_after_add_s'])} "
            f"| {num(s['remove_s'])}{ok_rm} | {num(s.get('add_with_save_due_s'))} "
            f"| {num(s.get('catch_up_after_other_process_s'))} "
            f"| {num(s.get('startup_after_crash_s'))} "
            f"| {num(s.get('add_100_s'))} / {num(s.get('rss_after_100_adds_mb'))}, "
            f"{num(s.get('remove_100_s'))} / {num(s.get('rss_after_100_removes_mb'))} | {build} |"
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
            f"from the stored terms in {num(r['rebuild_startup_s'])} s (jieba included), peak RSS "
            f"{num(r['peak_rss_mb'])} MB (the save that follows included).",
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
            f"| {b['passages']:,} | {where} | {num(b['max_rate'])}/s | {b['questions']} at "
            f"{num(b['offered_rate'])}/s | {num(b['qps'])} | {b['dropped']} / {b['failed']} "
            f"| {num(b['median_ms'])} | {num(b['p99_ms'])} | {b['typing_actions']} "
            f"| {num(b['bot_cpu_ms_per_answer'])} ({num(child) if child is not None else '–'}) / "
            f"{num(b['fake_cpu_ms_per_answer'])} | {num(b.get('bot_rss_mb'))} |"
        )
    return lines if len(lines) > 2 else []


def _ingest_rows(results: dict[str, Any]) -> list[str]:
    ing = results.get("ingest", {})
    seg = results.get("segment", {})
    lines = ["| measure | value |", "|---|---|"]
    if ing and "error" not in ing:
        lines += [
            f"| Chinese text ingested | {num(ing['megabytes'])} MB, {ing['articles']} articles, "
            f"{ing['passages']:,} passages |",
            f"| jieba alone (lcut, HMM) | {num(ing['jieba_mb_s'])} MB/s |",
            f"| the analyzer (KnowledgeBase.analyzer.terms per sentence) "
            f"| {num(ing['analyzer_mb_s'])} MB/s |",
            f"| ingest_text end to end (one core) | {num(ing['ingest_mb_s'])} MB/s |",
            f"| one article: first / median / last | {num(ing['ingest_first_article_ms'])} / "
            f"{num(ing['ingest_median_article_ms'])} / {num(ing['ingest_last_article_ms'])} ms |",
            f"| jieba dictionary load | {num(ing['jieba_dict_load_s'])} s |",
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
                    f"| jieba vs rjieba: {label} | {num(base)} vs {num(r['rjieba_mb_s'])} MB/s; "
                    f"tokens {same} |"
                )
            mine = seg.get("segmenter")
            if mine:
                same = "identical" if mine["identical"] else f"{mine['differing_units']} differ"
                lines.append(
                    f"| the analyzer's segmenter (knowledge/segmenter.py: rjieba's dictionary "
                    f"route + jieba's HMM) on the analyzer's Han runs | "
                    f"{num(mine['mb_s'])} MB/s; {mine['units']:,} runs, tokens {same} with jieba |"
                )
            lines.append(
                f"| dictionary load: jieba / rjieba bundled / rjieba from dict.txt | "
                f"{num(seg['jieba_dict_load_s'])} / {num(seg['rjieba_dict_load_s'])} / "
                f"{num(seg['rjieba_same_dict_load_s'])} s |"
            )
    elif seg:
        lines.append(f"| segmentation | error: {seg['error'][:200]} |")
    return lines


def _profile_lines(results: dict[str, Any]) -> list[str]:
    lines: list[str] = []
    ps = results.get("profile_search", {})
    if "mean_idf_ms" in ps:
        lines.append(
            f"The mean idf over the vocabulary, recomputed after every add or remove and paid "
            f"by the next question that has a term in more than half the passages: "
            f"{num(ps['mean_idf_ms'])} ms at the largest size."
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
        *target_rows(results),
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
