"""The real ingest pipeline on generated text of real size: jieba alone, the analyzer, and
``ingest_text`` article by article into an empty knowledge base (``python -m benchmarks.e2e
ingest MB``)."""

from __future__ import annotations

import shutil
import time
from typing import Any

import numpy as np

from benchmarks.articles import GenArticle, article, chinese_text
from benchmarks.corpus import CACHE
from benchmarks.kb_build import config


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
    kb = KnowledgeBase(config(directory))
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
    kb = KnowledgeBase(config(directory))

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
