"""A cached synthetic knowledge base of about N passages: where it lives and how it is built.

A large knowledge base is not made through ``ingest_text``: that would re-segment hundreds of
MB with jieba (about 1 MB/s) and rewrite the whole index after every article. ``build`` writes
the articles through ``Store.add_article`` (one transaction per article, as ingest does) with
each sentence's terms taken from the project's own analyzer applied word by word to the
generated words (so jieba's search-mode sub-words and stemming are there, but running text is
not re-segmented), then opens the KnowledgeBase, which builds and saves its index from the
stored terms. Built knowledge bases are cached under ``benchmarks/.cache/`` keyed by size,
seed, vocabulary and the store's schema (``knowledge/store/schema.py``).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from pathlib import Path
from typing import Any

from benchmarks.articles import GenArticle, articles_for
from benchmarks.corpus import CACHE, TEXT_VERSION, vocabulary
from benchmarks.measure import peak_rss_mb


def _source_key() -> str:
    """The text generator's version and the store's schema: what makes an old knowledge base
    unreadable or different. (Stored terms come from the analyzer at build time; delete the
    cached knowledge bases to pick up analyzer changes.)"""
    from knowledge.store.schema import SCHEMA

    source = SCHEMA.encode()
    return hashlib.sha1(f"text{TEXT_VERSION}".encode() + source).hexdigest()[:8]


def kb_dir(n: int, seed: int) -> Path:
    return CACHE / f"kb-{n}-s{seed}-{vocabulary().fingerprint}-{_source_key()}"


def config(directory: Path, *, serving: bool = False) -> Any:
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
        kb = KnowledgeBase(config(directory))
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
        kb = KnowledgeBase(config(directory))
        stats["rebuild_s"] = time.perf_counter() - t0
        stats["rebuild_peak_rss_mb"] = peak_rss_mb()
        kb.close()
        stats_path.write_text(json.dumps(stats), encoding="utf-8")
        result["built_now"] = True
    else:
        # Open once, so that a saved index from an older index.py is rebuilt here, not while
        # the start-up is being timed.
        t0 = time.perf_counter()
        kb = KnowledgeBase(config(directory))
        result["open_s"] = time.perf_counter() - t0
        kb.close()
        result["built_now"] = False
    result.update(json.loads(stats_path.read_text(encoding="utf-8")))
    result["disk_mb"] = sum(p.stat().st_size for p in directory.rglob("*") if p.is_file()) / 1e6
    return result
