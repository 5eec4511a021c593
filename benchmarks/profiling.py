"""Where the time of a search, an ask and an ingest goes: pyinstrument over the real code.

pyinstrument is optional (without it the profile rows say so). The full call trees go to
``benchmarks/results/profile-*.txt``; the report lists the functions with the most own time
(time inside numpy indexing expressions shows up as the calling function's own time).
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from benchmarks.measure import has_module

RESULTS = Path(__file__).resolve().parent / "results"


def _name(frame: Any) -> str:
    # pyinstrument's "[self]" and hidden-group frames stand for their parent's own time.
    while frame.parent is not None and (frame.is_synthetic or frame.function.startswith("[")):
        frame = frame.parent
    where = frame.file_path_short or ""
    return f"{frame.function} ({where})" if where and "built-in" not in where else frame.function


def _self_times(frame: Any, out: dict[str, float]) -> None:
    children = list(frame.children)
    out[_name(frame)] += frame.time - sum(c.time for c in children)
    for child in children:
        _self_times(child, out)


def pyinstrument_profile(
    fn: Callable[[Any], object], items: Sequence[Any], report: Path
) -> dict[str, Any]:
    """Run ``fn`` over ``items`` under pyinstrument; the text tree goes to ``report``, the
    heaviest functions by own time come back (share of the total)."""
    if not has_module("pyinstrument"):
        return {"pyinstrument": "not installed"}
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.0002)
    profiler.start()
    for item in items:
        fn(item)
    profiler.stop()
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text(profiler.output_text(unicode=False, color=False), encoding="utf-8")
    root = profiler.last_session.root_frame()
    own: dict[str, float] = defaultdict(float)
    if root is not None:
        _self_times(root, own)
    total = sum(own.values()) or 1.0
    top = sorted(own.items(), key=lambda kv: -kv[1])[:12]
    return {"report": str(report.name), "top_self": [(k, round(v / total, 3)) for k, v in top]}


def profile_search(directory: Path, queries: list[list[str]]) -> dict[str, Any]:
    from knowledge.index import BM25Index

    index = BM25Index.load(directory)
    if index is None:
        raise SystemExit("no saved index: run the bm25index engine first")
    index.mean_idf()  # computed once per change; not what a steady-state query pays
    n = index.doc_count
    result: dict[str, Any] = {}
    result["pyinstrument"] = pyinstrument_profile(
        lambda q: index.search([[t] for t in q], k=10),
        queries,
        RESULTS / f"profile-search-{n}.txt",
    )
    # The cost the first question after every add or remove pays (a Python loop over the
    # whole vocabulary); it shows up as the max latency. An empty removal drops the cache.
    index.remove([])
    t0 = time.perf_counter()
    index.mean_idf()
    result["mean_idf_ms"] = (time.perf_counter() - t0) * 1e3
    return result
