"""End-to-end worker: a KnowledgeBase over synthetic articles, measured the way the bot uses it.

    python -m benchmarks.e2e build N     # make (or reuse) a knowledge base of about N passages
    python -m benchmarks.e2e serve N     # fresh process: start-up, ask x200, add/remove one
    python -m benchmarks.e2e ingest MB   # real ingest of MB of Chinese (--lang en: English)
                                         # text into an empty KB
    python -m benchmarks.e2e profile N   # pyinstrument over ask() x200
    python -m benchmarks.e2e write N     # another process adds an article (--crash: and dies
                                         # before saving the index), for serve's catch-up
    python -m benchmarks.e2e restart N   # start-up in a fresh process after such a crash

A large knowledge base is not made through ``ingest_text``: that would re-segment hundreds of
MB with jieba (about 1 MB/s) and rewrite the whole index after every article. ``build`` writes
the articles through ``Store.add_article`` (one transaction per article, as ingest does) with
each sentence's terms taken from the project's own analyzer applied word by word to the
generated words (so jieba's search-mode sub-words and stemming are there, but running text is
not re-segmented), then opens the KnowledgeBase, which builds and saves its index from the
stored terms. The ``ingest`` mode measures the real pipeline on real-sized Chinese text.
Built knowledge bases are cached under ``benchmarks/.cache/`` keyed by size, seed, vocabulary
and the store's schema (``knowledge/store/schema.py``) and ``knowledge/analyze.py``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.corpus import (
    CACHE,
    DEFAULT_SEED,
    TEXT_VERSION,
    GenArticle,
    article,
    articles_for,
    chinese_text,
    vocabulary,
)
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


def _source_key() -> str:
    """The text generator's version and the store's schema: what makes an old knowledge base
    unreadable or different. (Stored terms come from the analyzer at build time; delete the
    cached knowledge bases to pick up analyzer changes.)"""
    from knowledge.store.schema import SCHEMA

    source = SCHEMA.encode()
    return hashlib.sha1(f"text{TEXT_VERSION}".encode() + source).hexdigest()[:8]


def kb_dir(n: int, seed: int) -> Path:
    return CACHE / f"kb-{n}-s{seed}-{vocabulary().fingerprint}-{_source_key()}"


def _config(directory: Path, *, serving: bool = False) -> Any:
    """``serving`` as `citebot serve` and `chat` open it: reading its files ahead."""
    from knowledge.service import KnowledgeConfig

    return KnowledgeConfig(data_dir=directory, read_ahead=serving)


# -- build --------------------------------------------------------------------------------------
def _word_terms(analyzer: Any) -> list[list[str]]:
    """The analyzer's terms for every vocabulary word on its own."""
    return [analyzer.terms(w) for w in vocabulary().words]


def _store_article(kb: Any, art: GenArticle, mapping: list[list[str]]) -> tuple[int, int]:
    from knowledge.ingest import content_id
    from knowledge.models import Article
    from knowledge.segment import passage_windows
    from knowledge.store import NewSentence, now

    sentences: list[NewSentence] = []
    windows: list[tuple[int, int]] = []
    sep = 1 if art.lang == "en" else 0
    for number, paragraph in enumerate(art.paragraphs, start=1):
        base = len(sentences)
        start = 0
        for s in paragraph:
            terms = [t for w in s.words for t in mapping[w]]
            sentences.append(
                NewSentence(len(sentences), number, start, start + len(s.text), s.text, terms)
            )
            start += len(s.text) + sep
        for lo, hi in passage_windows(len(paragraph), kb.config.passage_sentences):
            windows.append((base + lo, base + hi - 1))
    body = "\n\n".join(art.paragraph_texts())
    article_id = content_id(body)
    meta = Article(
        id=article_id,
        title=art.title,
        source="benchmark",
        url=None,
        lang="en" if art.lang == "en" else "zh-Hans",
        published=None,
        added_at=now(),
        format="txt",
    )
    kb.store.add_article(meta, f"benchmark\x1f{art.title}", sentences, windows)
    return len(windows), len(sentences)


def build(n: int, seed: int) -> dict[str, Any]:
    from knowledge.service import KnowledgeBase

    directory = kb_dir(n, seed)
    stats_path = directory / "benchmark.json"
    result: dict[str, Any] = {"n": n, "dir": directory.name}
    if not stats_path.is_file():
        shutil.rmtree(directory, ignore_errors=True)
        t0 = time.perf_counter()
        kb = KnowledgeBase(_config(directory))
        t1 = time.perf_counter()
        mapping = _word_terms(kb.analyzer)
        t2 = time.perf_counter()
        passages = sentences = articles = text_bytes = 0
        for _, art in articles_for(n, seed):
            p, s = _store_article(kb, art, mapping)
            passages += p
            sentences += s
            articles += 1
            text_bytes += len(art.text.encode("utf-8"))
        t3 = time.perf_counter()
        kb.close()
        stats = {
            "articles": articles,
            "passages": passages,
            "sentences": sentences,
            "text_mb": text_bytes / 1e6,
            "first_open_s": t1 - t0,
            "word_terms_s": t2 - t1,
            "store_s": t3 - t2,
        }
        # The first open builds the index from the stored terms and saves it.
        t0 = time.perf_counter()
        kb = KnowledgeBase(_config(directory))
        stats["rebuild_s"] = time.perf_counter() - t0
        stats["rebuild_peak_rss_mb"] = peak_rss_mb()
        kb.close()
        stats_path.write_text(json.dumps(stats), encoding="utf-8")
        result["built_now"] = True
    else:
        # Open once, so that a saved index from an older index.py is rebuilt here, not while
        # the start-up is being timed.
        t0 = time.perf_counter()
        kb = KnowledgeBase(_config(directory))
        result["open_s"] = time.perf_counter() - t0
        kb.close()
        result["built_now"] = False
    result.update(json.loads(stats_path.read_text(encoding="utf-8")))
    result["disk_mb"] = sum(p.stat().st_size for p in directory.rglob("*") if p.is_file()) / 1e6
    return result


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
    kb = KnowledgeBase(_config(directory, serving=True))
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

    kb = KnowledgeBase(_config(directory))
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
    kb = KnowledgeBase(_config(directory))
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
    kb = KnowledgeBase(_config(directory))
    startup = time.perf_counter() - t0
    rebuilt = not is_mapped(kb.index.table.ids)  # built in memory, not loaded from a save
    kb.close()  # waits for the save
    return {
        "rebuild_startup_s": startup,
        "rebuilt": rebuilt,
        "rss_before_mb": base,
        "peak_rss_mb": peak_rss_mb(),
    }


# -- ingest -------------------------------------------------------------------------------------
def _text_articles(megabytes: float, seed: int, lang: str) -> list[GenArticle]:
    """About ``megabytes`` of UTF-8 text articles in ``lang`` ("zh" or "en")."""
    if lang == "zh":
        return chinese_text(megabytes, seed)
    out: list[GenArticle] = []
    size = 0
    while size < megabytes * 1e6:
        out.append(article(len(out), seed + 1, lang=lang))
        size += len(out[-1].text.encode("utf-8"))
    return out


def ingest(megabytes: float, seed: int, lang: str = "zh") -> dict[str, Any]:
    """Rates are wall-clock and CPU time (``*_cpu_mb_s``, the process's own: the better figure
    on a machine shared with other work)."""
    import jieba

    from knowledge.segment import split_sentences
    from knowledge.service import KnowledgeBase

    arts = _text_articles(megabytes, seed, lang)
    texts = [a.text for a in arts]
    size = sum(len(t.encode("utf-8")) for t in texts) / 1e6

    t0 = time.perf_counter()
    tokenizer = jieba.Tokenizer()
    tokenizer.tmp_dir = str(CACHE)
    tokenizer.initialize()
    dict_load = time.perf_counter() - t0
    t0 = time.perf_counter()
    for t in texts:
        tokenizer.lcut(t, HMM=True)
    jieba_s = time.perf_counter() - t0

    directory = CACHE / "kb-ingest"
    shutil.rmtree(directory, ignore_errors=True)
    kb = KnowledgeBase(_config(directory))
    paragraphs = [p for a in arts for p in a.paragraph_texts()]
    sentences = [s.text for p in paragraphs for s in split_sentences(p)]
    t0, c0 = time.perf_counter(), time.process_time()
    for s in sentences:
        kb.analyzer.terms(s)
    analyzer_s, analyzer_cpu = time.perf_counter() - t0, time.process_time() - c0

    # Where an ingest's time goes, on the first articles (into a small index).
    from benchmarks.profiling import RESULTS, pyinstrument_profile

    profiled = arts[: max(1, len(arts) // 5)]
    profile = pyinstrument_profile(
        lambda a: kb.ingest_text(a.text, title=a.title, source="benchmark"),
        profiled,
        RESULTS / "profile-ingest.txt",
    )
    kb.close()
    shutil.rmtree(directory, ignore_errors=True)
    kb = KnowledgeBase(_config(directory))

    times: list[float] = []
    t0, c0 = time.perf_counter(), time.process_time()
    for a in arts:
        t1 = time.perf_counter()
        kb.ingest_text(a.text, title=a.title, source="benchmark")
        times.append(time.perf_counter() - t1)
    ingest_s, ingest_cpu = time.perf_counter() - t0, time.process_time() - c0
    passages = kb.index.doc_count
    # The last articles went into a bigger index than the first: the per-article save grows.
    kb.close()
    shutil.rmtree(directory, ignore_errors=True)
    return {
        "lang": lang,
        "megabytes": size,
        "articles": len(arts),
        "passages": passages,
        "jieba_dict_load_s": dict_load,
        "jieba_mb_s": size / jieba_s,
        "analyzer_mb_s": size / analyzer_s,
        "analyzer_cpu_mb_s": size / analyzer_cpu,
        "ingest_mb_s": size / ingest_s,
        "ingest_cpu_mb_s": size / ingest_cpu,
        "ingest_first_article_ms": times[0] * 1e3,
        "ingest_last_article_ms": times[-1] * 1e3,
        "ingest_median_article_ms": float(np.median(times)) * 1e3,
        "profile": profile,
    }


def profile(n: int, seed: int, count: int, directory: Path) -> dict[str, Any]:
    from benchmarks.profiling import RESULTS, pyinstrument_profile
    from knowledge.service import KnowledgeBase

    stats = json.loads((directory / "benchmark.json").read_text(encoding="utf-8"))
    kb = KnowledgeBase(_config(directory))
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
