"""Quotes that state one fact once: the Simplified and the Traditional version of an article
give the same sentence twice, and a reader wants it once."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable

from knowledge.models import Answer, QuotedSentence
from knowledge.normalize import fold

_NOT_WORD = re.compile(r"[\W_]+")


def fact_key(text: str) -> str:
    """What two sentences share when they state the same thing in the same words: the text
    folded (Traditional to Simplified, case, width) without spaces and punctuation."""
    return _NOT_WORD.sub("", fold(text))


def one_per_fact(
    quotes: Iterable[QuotedSentence], shown: Iterable[QuotedSentence] = ()
) -> tuple[QuotedSentence, ...]:
    """``quotes`` less those saying what an earlier one (or one of ``shown``) says in the same
    words, in either script: the Simplified and the Traditional version of one article give
    the same sentence twice, and a reader wants it once (the first, the better ranked)."""
    seen = {fact_key(q.sentence.text) for q in shown}
    kept: list[QuotedSentence] = []
    for quote in quotes:
        key = fact_key(quote.sentence.text)
        if key not in seen:
            seen.add(key)
            kept.append(quote)
    return tuple(kept)


def without_repeats(answer: Answer) -> Answer:
    """``answer`` quoting each fact once, in its reply and in its "more" quotes together."""
    quotes = one_per_fact(answer.quotes)
    more = one_per_fact(answer.more, shown=quotes)
    if len(quotes) == len(answer.quotes) and len(more) == len(answer.more):
        return answer
    return dataclasses.replace(answer, quotes=quotes, more=more)
