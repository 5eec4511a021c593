"""The gaps: questions the articles did not answer, or answered badly, grouped when alike.

A pure computation over the rows the store gives (``Store.gap_rows``): the knowledge base asks
the store, this module groups, the front ends only render. Two questions are alike when their
matching forms (``normalize.fold``: case, width, Traditional -> Simplified) are the same once
punctuation and spaces are left out: "Who founded HKUST?" and "who founded  hkust" are one
gap, "誰創立了港科大？" and "谁创立了港科大" another.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from knowledge.models import FEEDBACK_REASONS, FeedbackReason, Gap, Gaps
from knowledge.normalize import fold
from knowledge.store import GapRow

# Punctuation, symbols, spaces: whatever is not a letter or a digit in any script.
_NOT_ALNUM = re.compile(r"[\W_]+")


def question_key(question: str) -> str:
    """What alike questions share: the folded text without punctuation and spaces."""
    return _NOT_ALNUM.sub("", fold(question))


@dataclass
class _Group:
    first: GapRow  # the latest row of the group
    asked: int = 0
    declined: int = 0
    thumbs_down: int = 0
    reasons: Counter[FeedbackReason] = field(default_factory=Counter)


def group_gaps(rows: Iterable[GapRow], limit: int) -> Gaps:
    """The first ``limit`` groups of ``rows`` (latest first, as the store gives them), each
    headed by its latest question; ``total`` counts all the groups."""
    groups: dict[str, _Group] = {}
    keys: dict[str, str] = {}  # a question asked again is folded once
    for row in rows:
        key = keys.get(row.question)
        if key is None:
            key = keys[row.question] = question_key(row.question) or row.question
        group = groups.get(key)
        if group is None:
            group = groups[key] = _Group(row)
        group.asked += 1
        group.declined += not row.found
        group.thumbs_down += row.thumbs_down
        group.reasons.update(r for r in row.reasons if r in FEEDBACK_REASONS)
    shown = list(groups.values())[:limit]
    return Gaps(
        gaps=tuple(
            Gap(
                question=g.first.question,
                question_id=g.first.question_id,
                lang=g.first.lang,
                last_at=g.first.latest,
                asked=g.asked,
                declined=g.declined,
                thumbs_down=g.thumbs_down,
                reasons=tuple(g.reasons.most_common()),
            )
            for g in shown
        ),
        total=len(groups),
    )
