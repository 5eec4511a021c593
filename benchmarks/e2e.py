"""End-to-end worker: a KnowledgeBase over synthetic articles, measured the way the bot uses it.

    python -m benchmarks.e2e build N     # make (or reuse) a knowledge base of about N passages
    python -m benchmarks.e2e serve N     # fresh process: start-up, ask x200, add/remove one
    python -m benchmarks.e2e ingest MB   # real ingest of MB of Chinese (--lang en: English)
                                         # text into an empty KB
    python -m benchmarks.e2e profile N   # pyinstrument over ask() x200
    python -m benchmarks.e2e write N     # another process adds an article (--crash: and dies
                                         # before saving the index), for serve's catch-up
    python -m benchmarks.e2e restart N   # start-up in a fresh process after such a crash

The knowledge bases are built and cached by benchmarks/kb_build.py; ``ingest`` is
benchmarks/ingest_rate.py.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.articles import GenArticle, article
from benchmarks.corpus import CACHE, DEFAULT_SEED, vocabulary
from benchmarks.ingest_rate import ingest
from benchmarks.kb_build import build, config, kb_dir
from benchmarks.measure import (
    emit,
    page_cache_share,
    peak_rss_mb,
    release_memory,
    rss_mb,
    run_worker,
    summarize_ms,
)

MARKER = "zyxwvutq"  # a word no generated article contains: the added article's own term


# -- serve --------------------------------------------------------------------------------------
def questions(n: int, articles: int, seed: int, count: int = 200, draw: int = 0) -> list[str]:
    """Questions made of 2-6 words of one sentence of a random stored article (``draw``
    picks another set of such questions; ``seed`` is the corpus's)."""
    vocab = vocabulary()
    rng = np.random.default_rng([seed, 9, draw] if draw else [seed, 9])
    out: list[str] = []
    while len(out) < count:
        art = article(int(rng.integers(articles)), seed)
        para = art.paragraphs[int(rng.integers(len(art.paragraphs)))]
        sentence = para[int(rng.integers(len(para)))]
        unique = list(dict.fromkeys(sentence.words))
        k = int(rng.integers(2, 7))
        picked = sorted(rng.choice(len(unique), size=min(k, len(unique)), replace=False))
        words = [vocab.words[unique[i]] for i in picked]
        if art.lang == "en":
            out.append("What about " + " ".join(words) + "?")
        else:
            text = "".join(w if "\u4e00" <= w[0] <= "\u9fff" else f" {w} " for w in words)
            out.append(text.strip() + "是什么？")
    return out


def _timed(ask: Any, question: str) -> float:
    t0 = time.perf_counter()
    ask(question)
    return time.perf_counter() - t0


def serve(n: int, seed: int, count: int, directory: Path) -> dict[str, Any]:
    release_memory()
    base = rss_mb()
    t0 = time.perf_counter()
    from knowledge.query import build_query
    from knowledge.readahead import read_through
    from knowledge.service import KnowledgeBase

    imports = time.perf_counter() - t0
    stats = json.loads((directory / "benchmark.json").read_text(encoding="utf-8"))
    files = sorted(p for p in directory.rglob("*") if p.is_file())
    cached_before = page_cache_share(files)
    t0 = time.perf_counter()
    kb = KnowledgeBase(config(directory, serving=True))
    startup = time.perf_counter() - t0
    release_memory()
    after_start = rss_mb()
    qs = questions(n, stats["articles"], seed, count)

    # Where an ask's time goes: the query (analysis + translation), retrieval, the rest.
    query_t: list[float] = []
    search_t: list[float] = []
    concepts: list[int] = []
    alternatives: list[int] = []
    matched: list[float] = []
    postings: list[int] = []
    for q in qs:
        t0 = time.perf_counter()
        query = build_query(kb.analyzer, kb.dictionary, q)
        t1 = time.perf_counter()
        kb.index.search([c.terms for c in query.concepts], k=kb.config.answer.top_passages)
        t2 = time.perf_counter()
        query_t.append(t1 - t0)
        search_t.append(t2 - t1)
        concepts.append(len(query.concepts))
        alternatives.append(sum(len(c.terms) for c in query.concepts))
        terms = [t for c in query.concepts for t in c.terms]
        matched.append(sum(t in kb.index.term_ids for t in terms) / max(1, len(terms)))
        postings.append(sum(len(kb.index.concept_postings(c.terms)[0]) for c in query.concepts))
    # The questions as the files are found: the OS may have dropped them from its page
    # cache since the knowledge base was built, and then each question waits on the disk
    # (until the knowledge base's read-ahead has brought them in).
    first_t = [_timed(kb.ask, q) for q in qs]
    # Then as served: a machine serving a knowledge base has its files cached after its
    # first minutes. Other questions, so that no cache of this process answers them.
    t0 = time.perf_counter()
    read_through(files)
    warm_s = time.perf_counter() - t0
    cached_warm = page_cache_share(files)
    ask_t: list[float] = []
    found = 0
    for q in questions(n, stats["articles"], seed, count, draw=1):
        t0 = time.perf_counter()
        answer = kb.ask(q)
        ask_t.append(time.perf_counter() - t0)
        found += answer.found
    serving_rss = rss_mb()

    # One article in, answerable; then out again.
    new = article(10**9, seed + 3, lang="en", paragraphs=3)
    first = new.paragraphs[0][0]
    text = new.text.replace(first.text, f"{MARKER.capitalize()} {first.text}", 1)
    question = f"What about {MARKER} " + " ".join(vocabulary().words[w] for w in first.words[:3])
    t0 = time.perf_counter()
    result = kb.ingest_text(text, title=f"benchmark addition {MARKER}", source="benchmark")
    add_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    answer = kb.ask(question, log_it=False)
    ask_new_s = time.perf_counter() - t0
    cited = any(qs_.citation.article_id == result.article.id for qs_ in answer.quotes)
    t0 = time.perf_counter()
    kb.remove(result.article.id)
    remove_s = time.perf_counter() - t0
    answer = kb.ask(question, log_it=False)
    still = any(qs_.citation.article_id == result.article.id for qs_ in answer.quotes)
    # The same once the periodic index save is due (live_index.py saves the whole index at most
    # every index_save_seconds: the write that finds it due takes a snapshot, and a thread of
    # its own writes it; the second save waits behind the first).
    add_due_s = remove_due_s = None
    if hasattr(kb, "live_index"):
        kb.live_index.make_save_due()
        other = article(10**9 + 2, seed + 3, lang="zh", paragraphs=3)
        t0 = time.perf_counter()
        added = kb.ingest_text(other.text, title="benchmark addition 2", source="benchmark")
        add_due_s = time.perf_counter() - t0
        kb.live_index.make_save_due()
        t0 = time.perf_counter()
        kb.remove(added.article.id)
        remove_due_s = time.perf_counter() - t0
    # A hundred articles more, then removed again: what updates leave resident once the index
    # saves they cause have ended (each save is taken back as the index's base).
    peak_before_adds = peak_rss_mb()
    more = [article(10**9 + 10 + i, seed + 5, lang="zh" if i % 2 else "en") for i in range(100)]
    t0 = time.perf_counter()
    more_ids = [kb.ingest_text(a.text, title=a.title, source="benchmark").article.id for a in more]
    adds_s = time.perf_counter() - t0
    kb.live_index.wait_for_saves()
    release_memory()
    rss_after_adds = rss_mb()
    peak_before_removes = peak_rss_mb()
    t0 = time.perf_counter()
    for article_id in more_ids:
        kb.remove(article_id)
    removes_s = time.perf_counter() - t0
    kb.live_index.wait_for_saves()
    release_memory()
    rss_after_removes = rss_mb()
    # Another process adds an article (`citebot ingest` beside the bot): the next question
    # replays the store's change log into the running index. Then a process adds one and dies
    # before its index save: a fresh process starts (jieba's dictionary load included) from
    # the last save and the log.
    written = [_child(n, seed, directory, "write")["added"]]
    t0 = time.perf_counter()
    kb.ask(question, log_it=False)
    catch_up_s = time.perf_counter() - t0
    kb.close()
    written.append(_child(n, seed, directory, "write", "--crash")["added"])
    restarted = _child(n, seed, directory, "restart", "--remove", ",".join(written))
    return {
        "n": n,
        "passages": stats["passages"],
        "articles": stats["articles"],
        "imports_s": imports,
        "startup_s": startup,
        "startup_rss_mb": after_start - base,
        "rss_after_start_mb": after_start,
        "serving_rss_mb": serving_rss,
        "peak_rss_mb": peak_rss_mb(),
        "ask": summarize_ms(ask_t),
        "ask_first_pass": summarize_ms(first_t),
        "page_cache_share_at_start": cached_before,
        "page_cache_share_warm": cached_warm,
        "read_through_s": warm_s,
        "files_mb": sum(p.stat().st_size for p in files) / 1e6,
        "build_query": summarize_ms(query_t),
        "search": summarize_ms(search_t),
        "found_share": found / len(qs),
        "concepts_mean": float(np.mean(concepts)),
        "alternatives_mean": float(np.mean(alternatives)),
        "terms_in_index_share": float(np.mean(matched)),
        "postings_median": float(np.median(postings)),
        "add_s": add_s,
        "ask_after_add_s": ask_new_s,
        "added_cited": cited,
        "remove_s": remove_s,
        "add_with_save_due_s": add_due_s,
        "remove_with_save_due_s": remove_due_s,
        "removed_gone": not still,
        "add_100_s": adds_s,
        "rss_after_100_adds_mb": rss_after_adds,
        "remove_100_s": removes_s,
        "rss_after_100_removes_mb": rss_after_removes,
        "peak_rss_before_100_removes_mb": peak_before_removes,
        "peak_rss_before_100_adds_mb": peak_before_adds,
        "catch_up_after_other_process_s": catch_up_s,
        "startup_after_crash_s": restarted["startup_s"],
        "crash_replayed_not_rebuilt": restarted["replayed"],
    }


def _child(n: int, seed: int, directory: Path, mode: str, *more: str) -> dict[str, Any]:
    """Run another process of this module on the same knowledge base."""
    args = [mode, str(n), "--seed", str(seed), "--dir", directory.name, *more]
    result = run_worker("benchmarks.e2e", args, 600)
    if "error" in result:
        raise RuntimeError(f"the {mode} process failed: {result['error']}")
    return result


def write(n: int, seed: int, directory: Path, crash: bool) -> dict[str, Any]:
    """Add one article as another process would; with ``crash``, exit without closing."""
    from knowledge.service import KnowledgeBase

    kb = KnowledgeBase(config(directory))
    art = article(10**9 + 4 + crash, seed + 3, lang="zh", paragraphs=3)
    added = kb.ingest_text(art.text, title=art.title, source="benchmark writer")
    if crash:
        emit({"added": added.article.id})
        sys.stdout.flush()
        os._exit(0)  # no close(): the index save it had due never happens
    kb.close()
    return {"added": added.article.id}


def restart(directory: Path, remove: list[str]) -> dict[str, Any]:
    """Start-up in a fresh process (imports excluded, as in serve), whether it replayed the
    change log onto the saved index (rather than rebuilding), then the articles removed."""
    from knowledge.index import is_mapped
    from knowledge.service import KnowledgeBase

    t0 = time.perf_counter()
    kb = KnowledgeBase(config(directory))
    startup = time.perf_counter() - t0
    replayed = kb.index.generation == kb.store.generation() and is_mapped(kb.index.table.ids)
    for article_id in remove:
        kb.remove(article_id)
    kb.close()
    return {"startup_s": startup, "replayed": replayed}


def rebuild(directory: Path) -> dict[str, Any]:
    """A knowledge base whose index save was lost, in a fresh process: rebuilt from the stored
    terms at start-up, and saved again (the same postings the deleted save held)."""
    from knowledge.index import is_mapped
    from knowledge.service import KnowledgeBase

    shutil.rmtree(directory / "index", ignore_errors=True)
    base = rss_mb()
    t0 = time.perf_counter()
    kb = KnowledgeBase(config(directory))
    startup = time.perf_counter() - t0
    rebuilt = not is_mapped(kb.index.table.ids)  # built in memory, not loaded from a save
    kb.close()  # waits for the save
    return {
        "rebuild_startup_s": startup,
        "rebuilt": rebuilt,
        "rss_before_mb": base,
        "peak_rss_mb": peak_rss_mb(),
    }


def profile(n: int, seed: int, count: int, directory: Path) -> dict[str, Any]:
    from benchmarks.profiling import RESULTS, pyinstrument_profile
    from knowledge.service import KnowledgeBase

    stats = json.loads((directory / "benchmark.json").read_text(encoding="utf-8"))
    kb = KnowledgeBase(config(directory))
    qs = questions(n, stats["articles"], seed, count)
    for q in qs[:5]:
        kb.ask(q, log_it=False)
    result: dict[str, Any] = {"n": n}
    result["ask"] = pyinstrument_profile(kb.ask, qs, RESULTS / f"profile-ask-{n}.txt")
    # One article in and out again: what "answerable within 1 s" is spent on at this size.
    new = article(10**9 + 1, seed + 3, lang="zh", paragraphs=3)

    def add_and_remove(art: GenArticle) -> None:
        kb.remove(kb.ingest_text(art.text, title=art.title, source="benchmark").article.id)

    result["add_remove"] = pyinstrument_profile(
        add_and_remove, [new], RESULTS / f"profile-add-remove-{n}.txt"
    )
    kb.close()
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "mode", choices=["build", "serve", "ingest", "profile", "write", "restart", "rebuild"]
    )
    parser.add_argument("size", type=float)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--dir", help="the knowledge base's folder name in .cache (from build)")
    parser.add_argument("--lang", choices=["zh", "en"], default="zh", help="ingest: the text")
    parser.add_argument("--crash", action="store_true", help="write: exit without saving")
    parser.add_argument("--remove", default="", help="restart: article ids to remove, a,b")
    args = parser.parse_args()
    directory = CACHE / args.dir if args.dir else None
    if args.mode == "build":
        emit(build(int(args.size), args.seed))
    elif args.mode == "serve":
        emit(
            serve(
                int(args.size),
                args.seed,
                args.questions,
                directory or kb_dir(int(args.size), args.seed),
            )
        )
    elif args.mode == "profile":
        emit(
            profile(
                int(args.size),
                args.seed,
                args.questions,
                directory or kb_dir(int(args.size), args.seed),
            )
        )
    elif args.mode == "write":
        where = directory or kb_dir(int(args.size), args.seed)
        emit(write(int(args.size), args.seed, where, args.crash))
    elif args.mode == "rebuild":
        emit(rebuild(directory or kb_dir(int(args.size), args.seed)))
    elif args.mode == "restart":
        where = directory or kb_dir(int(args.size), args.seed)
        emit(restart(where, [i for i in args.remove.split(",") if i]))
    else:
        emit(ingest(args.size, args.seed, args.lang))
    sys.exit(0)


if __name__ == "__main__":
    main()
