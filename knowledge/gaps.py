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
from datetime import UTC, datetime

from knowledge.errors import InputError
from knowledge.models import FEEDBACK_REASONS, FeedbackReason, Gap, Gaps
from knowledge.normalize import fold
from knowledge.pgstore.protocol import KnowledgeStore
from knowledge.store import GapRow

# Declined or 👎 questions read at most for the gaps (the latest ones): grouping them costs
# about a folding each, and an admin reads the first few groups.
GAP_ROWS = 20_000
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


def recent_gaps(store: KnowledgeStore, limit: int, since: datetime | None) -> Gaps:
    """The first ``limit`` groups of the latest ``GAP_ROWS`` questions ``store`` holds that
    were declined or voted 👎 at ``since`` or later (a time without a zone is UTC).

    Raises:
        InputError: ``limit`` is below 1.
    """
    if limit < 1:
        raise InputError(f"the limit must be at least 1, got {limit}", reason="limit")
    after = None
    if since is not None:
        moment = since if since.tzinfo is not None else since.replace(tzinfo=UTC)
        after = moment.astimezone(UTC).isoformat(timespec="seconds")
    return group_gaps(store.gap_rows(after, GAP_ROWS), limit)


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
