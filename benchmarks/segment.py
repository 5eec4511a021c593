"""Segmentation worker: jieba against rjieba (jieba-rs) on the same Chinese text.

    python -m benchmarks.segment MB

Three comparisons, each timed and checked token for token:

* ``default``: ``jieba.lcut(text)`` against ``rjieba.Jieba().cut(text)``, whole articles, each
  with its bundled dictionary;
* ``same_dict``: rjieba loaded with jieba's own ``dict.txt`` word by word (so the dictionary is
  the same by construction);
* ``analyzer``: the exact calls the analyzer makes, ``cut(run, HMM=True)`` on folded Han runs,
  with rjieba given every word of the analyzer's own jieba dictionary (jieba's words, the
  project's user dictionary and the alias forms, with the frequencies jieba ended up with);
* ``segmenter``: the analyzer's own Segmenter (knowledge/segmenter.py, jieba-rs behind jieba's
  dictionary) against jieba's cut of the same runs with the same dictionary.

rjieba is optional: without it, only jieba's speed is reported.
"""

from __future__ import annotations

import argparse
import logging
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.articles import chinese_text
from benchmarks.corpus import CACHE, DEFAULT_SEED
from benchmarks.measure import emit, has_module

_HAN_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")


def _rate(cut: Callable[[str], list[str]], texts: list[str], size_mb: float) -> tuple[float, list]:
    t0 = time.perf_counter()
    out = [cut(t) for t in texts]
    return size_mb / (time.perf_counter() - t0), out


def _diff(a: list[list[str]], b: list[list[str]]) -> dict[str, Any]:
    differing = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
    example = None
    if differing:
        i = differing[0]
        x, y = a[i], b[i]
        j = next((k for k, (p, q) in enumerate(zip(x, y, strict=False)) if p != q), 0)
        example = {"jieba": x[max(0, j - 2) : j + 4], "rjieba": y[max(0, j - 2) : j + 4]}
    return {
        "identical": not differing,
        "differing_units": len(differing),
        "units": len(a),
        "example": example,
    }


def measure(megabytes: float, seed: int) -> dict[str, Any]:
    import jieba

    from knowledge.normalize import fold

    jieba.setLogLevel(logging.WARNING)
    texts = [a.text for a in chinese_text(megabytes, seed)]
    size = sum(len(t.encode("utf-8")) for t in texts) / 1e6
    result: dict[str, Any] = {"megabytes": size}

    t0 = time.perf_counter()
    tok = jieba.Tokenizer()
    tok.tmp_dir = str(CACHE)
    tok.initialize()
    result["jieba_dict_load_s"] = time.perf_counter() - t0
    jieba_rate, jieba_out = _rate(lambda t: tok.lcut(t, HMM=True), texts, size)
    result["jieba_mb_s"] = jieba_rate

    folded = [fold(t) for t in texts]
    runs = [r.group(0) for t in folded for r in _HAN_RUN.finditer(t)]
    runs_mb = sum(len(r.encode("utf-8")) for r in runs) / 1e6

    # The analyzer's own dictionary: jieba's words plus user words and alias forms.
    from knowledge.service import KnowledgeBase, KnowledgeConfig

    kb = KnowledgeBase(KnowledgeConfig(data_dir=CACHE / "kb-segment"))
    seg = kb.analyzer.segmenter
    words = [(w, f) for w, f in seg.FREQ.items() if f]
    jieba_runs_rate, jieba_runs = _rate(lambda r: seg.lcut(r, HMM=True), runs, runs_mb)
    result["jieba_analyzer_runs_mb_s"] = jieba_runs_rate
    if hasattr(seg, "words"):
        rate, out = _rate(seg.words, runs, runs_mb)
        result["segmenter"] = {
            "mb_s": rate,
            "words": sum(len(w) for w in jieba_runs),
            **_diff(jieba_runs, out),
        }
    kb.close()

    if not has_module("rjieba"):
        result["rjieba"] = "not installed"
        return result
    import rjieba

    t0 = time.perf_counter()
    default = rjieba.Jieba()
    result["rjieba_dict_load_s"] = time.perf_counter() - t0
    rate, out = _rate(lambda t: default.cut(t, hmm=True), texts, size)
    result["default"] = {"rjieba_mb_s": rate, **_diff(jieba_out, out)}

    t0 = time.perf_counter()
    same = rjieba.Jieba.empty()
    dict_txt = Path(jieba.__file__).with_name("dict.txt")
    for line in dict_txt.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) >= 2:
            same.add_word(parts[0], int(parts[1]), parts[2] if len(parts) > 2 else None)
    result["rjieba_same_dict_load_s"] = time.perf_counter() - t0
    rate, out = _rate(lambda t: same.cut(t, hmm=True), texts, size)
    result["same_dict"] = {"rjieba_mb_s": rate, **_diff(jieba_out, out)}

    analyzer_dict = rjieba.Jieba.empty()
    for w, f in words:
        analyzer_dict.add_word(w, int(f), None)
    rate, out = _rate(lambda r: analyzer_dict.cut(r, hmm=True), runs, runs_mb)
    result["analyzer_words_only"] = {"rjieba_mb_s": rate, **_diff(jieba_runs, out)}
    # jieba's ``total`` (the denominator of every word's probability) is not the sum of its
    # frequencies once a known word is added again (add_word adds to it without subtracting
    # the old count). A never-occurring padding word gives rjieba the same total.
    padding = int(seg.total) - sum(int(f) for _, f in words)
    if padding > 0:
        analyzer_dict.add_word("\ue000\ue001", padding, None)
    rate, out = _rate(lambda r: analyzer_dict.cut(r, hmm=True), runs, runs_mb)
    result["analyzer"] = {
        "jieba_mb_s": jieba_runs_rate,
        "rjieba_mb_s": rate,
        "total_padding": padding,
        **_diff(jieba_runs, out),
    }
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("megabytes", type=float)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args()
    emit(measure(args.megabytes, args.seed))


if __name__ == "__main__":
    main()
