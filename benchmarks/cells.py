"""The cells of the benchmark report's tables (benchmarks/report.py, benchmarks/targets.py):
numbers to a sensible precision, shares, whether a target was met, and how BM25Index's top 10s
compare with rank_bm25's."""

from __future__ import annotations

import math
from typing import Any


def num(value: Any, digits: int = 2) -> str:
    """``value`` as a table shows it: "–" for none, fewer decimals the larger it is."""
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


def mark(met: bool | None) -> str:
    """A target's last column: met, not met, or not measured."""
    return {True: "met", False: "**not met**", None: "not measured"}[met]


def share(value: float | None) -> str:
    """A fraction as a percentage, "unknown" for none."""
    return "unknown" if value is None else f"{value:.0%}"


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
