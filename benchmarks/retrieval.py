"""Retrieval worker: one engine, one corpus size, in its own process (so RSS is its own).

    python -m benchmarks.retrieval ENGINE N [--queries 200] [--check 20] [--seed S]

ENGINE is one of ``bm25index`` (build with ``add``, query, save), ``bm25index-load`` (load the
saved index, query: the serving configuration), ``rank_bm25``, ``bm25s``, ``tantivy``, or
``profile`` (pyinstrument over ``BM25Index.search`` on the loaded index). Every engine gets the
same token lists and the same queries. Prints one JSON line.

Memory: ``engine_mb`` is RSS after the build, with the corpus arrays dropped and freed heap
returned to the OS, minus RSS before the corpus was loaded (after imports).
"""

from __future__ import annotations

import argparse
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.corpus import CACHE, DEFAULT_SEED, TokenCorpus, token_corpus
from benchmarks.measure import (
    emit,
    peak_rss_mb,
    release_memory,
    rss_mb,
    summarize_ms,
    time_each,
)

K = 10


def index_dir(n: int, seed: int) -> Path:
    return CACHE / f"bm25index-{n}-s{seed}"


def _top_k(scores: np.ndarray, k: int = K) -> list[tuple[int, float]]:
    """Best ``k`` of a dense score array; equal scores by lower id, at the cut too (so that
    two engines agreeing on scores agree on ids)."""
    top = np.argpartition(-scores, k - 1)[:k]
    pool = np.flatnonzero(scores >= scores[top].min())
    order = np.lexsort((pool, -scores[pool]))[:k]
    return [(int(pool[i]), float(scores[pool[i]])) for i in order]


class _LazyIds:
    """Re-iterable per-passage id lists for bm25s, built on the fly rather than all at once."""

    def __init__(self, corpus: TokenCorpus) -> None:
        self.corpus = corpus

    def __len__(self) -> int:
        return len(self.corpus)

    def __iter__(self) -> Iterator[list[int]]:
        off, ids = self.corpus.offsets, self.corpus.ids
        for i in range(len(self.corpus)):
            yield ids[off[i] : off[i + 1]].tolist()


# -- engines ------------------------------------------------------------------------------------
def _bm25index(box: list[TokenCorpus], queries: list[list[str]], args: argparse.Namespace) -> Any:
    corpus = box.pop()
    from knowledge.index import BM25Index

    n = len(corpus)
    t0 = time.perf_counter()
    index = BM25Index()
    index.add(enumerate(corpus.passages()))
    build = time.perf_counter() - t0
    del corpus
    release_memory()
    after_build = rss_mb()

    def search(q: list[str]) -> object:
        return index.search([[t] for t in q], k=K)

    lat = time_each(search, queries)
    check = [search(q) for q in queries[: args.check]]

    directory = index_dir(n, args.seed)
    shutil.rmtree(directory, ignore_errors=True)
    t0 = time.perf_counter()
    index.save(directory)
    save = time.perf_counter() - t0
    disk = sum(p.stat().st_size for p in directory.iterdir()) / 1e6

    # The floor of any engine that scores every passage: a dense array and a top-10 over it.
    rng = np.random.default_rng(0)
    dense = rng.random(n)
    floor = time_each(lambda _: np.argpartition(-dense, K - 1)[:K], list(range(20)))
    zeros = time_each(lambda _: np.zeros(n), list(range(20)))
    return {
        "build_s": build,
        "rss_after_build_mb": after_build,
        "latency": summarize_ms(lat),
        "check": check,
        "save_s": save,
        "disk_mb": disk,
        "dense_floor_ms": summarize_ms(floor)["median_ms"] + summarize_ms(zeros)["median_ms"],
        "terms": len(index.term_ids),
    }


def _bm25index_load(box: list[TokenCorpus], queries: list[list[str]], args: Any) -> Any:
    corpus = box.pop()
    from knowledge.index import BM25Index

    n = len(corpus)
    del corpus
    release_memory()
    base = rss_mb()
    t0 = time.perf_counter()
    index = BM25Index.load(index_dir(n, args.seed))
    load = time.perf_counter() - t0
    if index is None:
        raise SystemExit("no saved index: run the bm25index engine first")
    release_memory()
    after = rss_mb()

    def search(q: list[str]) -> object:
        return index.search([[t] for t in q], k=K)

    lat = time_each(search, queries)
    check = [search(q) for q in queries[: args.check]]
    # The same index searched with numpy alone (as where knowledge/_bm25.c could not be built):
    # its ratio shows what the compiled loops buy, and its answers must be the same.
    numpy_lat: dict[str, float] | None = None
    if index.compiled:
        index.compiled = False
        numpy_lat = summarize_ms(time_each(search, queries))
        if [search(q) for q in queries[: args.check]] != check:
            raise SystemExit("the numpy search disagrees with the compiled one")
        index.compiled = True
    # Postings a query touches: what an exhaustive (term-at-a-time) engine must read.
    touched = [sum(index.df(t) for t in q) for q in queries]
    return {
        "numpy_latency": numpy_lat,
        "load_s": load,
        "load_rss_mb": after - base,
        "rss_after_load_mb": after,
        "latency": summarize_ms(lat),
        "check": check,
        "postings_median": float(np.median(touched)),
        "postings_mean": float(np.mean(touched)),
        "serving_rss_mb": rss_mb(),
    }


def _rank_bm25(box: list[TokenCorpus], queries: list[list[str]], args: Any) -> Any:
    corpus = box.pop()
    from rank_bm25 import BM25Okapi

    t0 = time.perf_counter()
    bm25 = BM25Okapi(corpus.passages())
    build = time.perf_counter() - t0
    del corpus
    release_memory()
    after_build = rss_mb()

    def search(q: list[str]) -> object:
        return _top_k(bm25.get_scores(q))

    lat = time_each(search, queries, warmup=1)
    return {
        "build_s": build,
        "rss_after_build_mb": after_build,
        "latency": summarize_ms(lat),
        "check": [search(q) for q in queries[: args.check]],
    }


def _bm25s(box: list[TokenCorpus], queries: list[list[str]], args: Any) -> Any:
    corpus = box.pop()
    import bm25s
    from bm25s.tokenization import Tokenized

    vocab = {t: i for i, t in enumerate(corpus.vocab.terms)}
    t0 = time.perf_counter()
    # "robertson" is bm25s's name for the BM25Okapi formula (its negative-idf rule differs).
    retriever = bm25s.BM25(k1=1.5, b=0.75, method="robertson")
    retriever.index(Tokenized(ids=_LazyIds(corpus), vocab=vocab), show_progress=False)
    build = time.perf_counter() - t0
    del corpus
    release_memory()
    after_build = rss_mb()

    def search(q: list[str]) -> object:
        return retriever.retrieve(
            [q], k=K, n_threads=0, show_progress=False, backend_selection="numpy"
        )

    lat = time_each(search, queries)
    return {"build_s": build, "rss_after_build_mb": after_build, "latency": summarize_ms(lat)}


def _tantivy(box: list[TokenCorpus], queries: list[list[str]], args: Any) -> Any:
    corpus = box.pop()
    import tantivy

    directory = CACHE / f"tantivy-{len(corpus)}"
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    builder = tantivy.SchemaBuilder()
    # Pre-split tokens joined by spaces and split on whitespace only: the same tokens.
    builder.add_text_field("body", tokenizer_name="ws", index_option="freq")
    schema = builder.build()
    index = tantivy.Index(schema, path=str(directory))
    index.register_tokenizer(
        "ws", tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.whitespace()).build()
    )
    t0 = time.perf_counter()
    writer = index.writer(heap_size=512_000_000, num_threads=1)
    for terms in corpus.passages():
        doc = tantivy.Document()
        doc.add_text("body", " ".join(terms))
        writer.add_document(doc)
    writer.commit()
    writer.wait_merging_threads()
    index.reload()
    searcher = index.searcher()
    build = time.perf_counter() - t0
    del corpus, writer
    release_memory()
    after_build = rss_mb()
    should = tantivy.Occur.Should

    def search(q: list[str]) -> object:
        query = tantivy.Query.boolean_query(
            [(should, tantivy.Query.term_query(schema, "body", t)) for t in q]
        )
        return searcher.search(query, K, count=False).hits

    lat = time_each(search, queries)
    disk = sum(p.stat().st_size for p in directory.iterdir() if p.is_file()) / 1e6
    shutil.rmtree(directory, ignore_errors=True)
    return {
        "build_s": build,
        "rss_after_build_mb": after_build,
        "latency": summarize_ms(lat),
        "disk_mb": disk,
    }


def _profile(box: list[TokenCorpus], queries: list[list[str]], args: Any) -> Any:
    corpus = box.pop()
    from benchmarks.profiling import profile_search

    n = len(corpus)
    del corpus
    return profile_search(index_dir(n, args.seed), queries)


ENGINES = {
    "bm25index": _bm25index,
    "bm25index-load": _bm25index_load,
    "rank_bm25": _rank_bm25,
    "bm25s": _bm25s,
    "tantivy": _tantivy,
    "profile": _profile,
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("engine", choices=sorted(ENGINES))
    parser.add_argument("n", type=int)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--check", type=int, default=20)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args()
    # Imports first, so the baseline holds the interpreter and the engine's library.
    if args.engine == "rank_bm25":
        import rank_bm25  # noqa: F401
    elif args.engine in ("bm25s", "tantivy"):
        __import__(args.engine)
    else:
        import knowledge.index  # noqa: F401
    release_memory()
    base = rss_mb()
    corpus = token_corpus(args.n, args.seed)
    queries = corpus.queries(200)[: args.queries]
    box = [corpus]
    del corpus  # the engine drops the last reference once it has built
    result = ENGINES[args.engine](box, queries, args)
    result.update(
        engine=args.engine,
        n=args.n,
        base_rss_mb=base,
        peak_rss_mb=peak_rss_mb(),
        queries=len(queries),
    )
    if "rss_after_build_mb" in result:
        result["engine_mb"] = result["rss_after_build_mb"] - base
    emit(result)


if __name__ == "__main__":
    main()
