"""The sentences that compete to answer a question, read from the passages the search found.

Each candidate comes with its terms, the sentence before it (its context) and its article, whose
title and date are context too. Everything is read from the store at once for all passages:
an answer reads twenty passages, and a read per passage was most of its time.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from knowledge.analyze import Analyzer
from knowledge.evidence import YEAR
from knowledge.index import BM25Index
from knowledge.models import Article, PassageRow, Sentence


class PassageSource(Protocol):
    """What answer selection reads besides the index: the passages it found, their sentences
    with their terms, and their articles, each read at once for all passages. The service
    hands it its store."""

    def passages(self, ids: Sequence[int]) -> list[PassageRow]: ...

    def passages_of_articles(self, article_ids: Collection[str]) -> dict[str, list[int]]: ...

    def sentences_in(
        self, ranges: Sequence[tuple[str, int, int]]
    ) -> list[list[tuple[Sentence, list[str]]]]: ...

    def articles(self, ids: Collection[str], *, counted: bool = True) -> dict[str, Article]: ...


@dataclass
class Candidate:
    """A sentence that may answer, with what answer selection finds out about it."""

    sentence: Sentence
    terms: Counter[str]
    passage_score: float
    score: float = 0.0
    coverage: float = 0.0
    names_ok: bool = True
    new_name: bool = False
    holds: bool = False
    says_more: bool = False


@dataclass
class Candidates:
    """The candidate sentences by id, each one's context (the terms of the sentence before
    it), and their articles with the terms of each one's title and date."""

    by_id: dict[int, Candidate] = field(default_factory=dict)
    context: dict[int, set[str]] = field(default_factory=dict)
    articles: dict[str, Article] = field(default_factory=dict)
    titles: dict[str, set[str]] = field(default_factory=dict)


def gather(
    hits: Sequence[tuple[int, float]], store: PassageSource, analyzer: Analyzer
) -> Candidates:
    """The sentences of the passages ``hits`` (id, score) names, each scored by its best
    passage. A passage whose article another process removed meanwhile is left out, as one
    removed before the read."""
    rows = {p.id: p for p in store.passages([pid for pid, _ in hits])}
    # Their passage and sentence counts are not read: a citation does not show them.
    stored = store.articles({row.article_id for row in rows.values()}, counted=False)
    found = [
        (rows[pid], pscore)
        for pid, pscore in hits
        if pid in rows and rows[pid].article_id in stored
    ]
    # One sentence before each window, for the "previous sentence" context.
    windows = store.sentences_in(
        [(row.article_id, row.first_position - 1, row.last_position) for row, _ in found]
    )
    out = Candidates()
    for (row, pscore), sentences in zip(found, windows, strict=True):
        previous: list[str] = []
        for sentence, terms in sentences:
            if sentence.position >= row.first_position:
                known = out.by_id.get(sentence.id)
                if known is None or known.passage_score < pscore:
                    out.by_id[sentence.id] = Candidate(sentence, Counter(terms), pscore)
                out.context.setdefault(sentence.id, set()).update(previous)
            previous = terms
        if row.article_id not in out.titles:
            article = out.articles[row.article_id] = stored[row.article_id]
            # Its publisher too: "according to the HKCNA report" names no sentence's words.
            title = out.titles[row.article_id] = set(
                analyzer.title_terms(f"{article.title} {article.source or ''}")
            )
            if article.published:
                # "on April 24" in an article of 2020 is about 2020: the date is context.
                title.update(YEAR.findall(article.published))
    return out


# Past this many passages a name is everywhere: which articles hold it says nothing.
_NAMING_LIMIT = 2000


def articles_naming(
    terms: Collection[str], index: BM25Index, store: PassageSource, among: Collection[str]
) -> set[str]:
    """The articles of ``among`` with a passage holding any of ``terms`` (none if too many
    passages do). Their passages are read rather than those of the postings: at a million
    passages a name's 2,000 are as many reads of the store."""
    ids, _ = index.concept_postings(list(terms))
    if len(ids) > _NAMING_LIMIT:
        return set()
    holding = set(ids.tolist())
    return {
        article_id
        for article_id, passages in store.passages_of_articles(among).items()
        if not holding.isdisjoint(passages)
    }
