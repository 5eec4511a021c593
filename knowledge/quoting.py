"""Quoted sentences with their citations and the question's words highlighted."""

from __future__ import annotations

from collections.abc import Collection

from knowledge.analyze import Analyzer
from knowledge.models import Article, Citation, QuotedSentence, Sentence, Spans


def quote(
    chosen: list[tuple[Sentence, float]],
    shown: int,
    articles: dict[str, Article],
    analyzer: Analyzer,
    query_terms: frozenset[str],
) -> list[QuotedSentence]:
    """Number citations by (article, paragraph) in order of first appearance.

    Highlights cost a second analysis of the sentence: the first ``shown`` quotes get theirs
    now, the rest (the "more" reply, seldom opened) none: ``KnowledgeService.more`` finds them
    when the reply is asked for.
    """
    numbers: dict[tuple[str, int], int] = {}
    quotes: list[QuotedSentence] = []
    for position, (s, score) in enumerate(chosen):
        key = (s.article_id, s.paragraph)
        number = numbers.setdefault(key, len(numbers) + 1)
        article = articles[s.article_id]
        citation = Citation(
            number=number,
            article_id=article.id,
            title=article.title,
            source=article.source,
            url=article.url,
            published=article.published,
            paragraph=s.paragraph,
        )
        highlights = highlight(s.text, analyzer, query_terms) if position < shown else ()
        quotes.append(QuotedSentence(s, citation, round(score, 4), highlights))
    return quotes


def highlight(text: str, analyzer: Analyzer, terms: Collection[str]) -> Spans:
    """Character spans of ``text`` whose terms are among ``terms``, overlaps merged."""
    return _merge(sorted(set(analyzer.spans_of(text, terms))))


def _merge(spans: list[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return tuple(merged)
