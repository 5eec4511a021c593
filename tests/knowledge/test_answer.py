"""Which sentences answer: what a question's year and its article's date say."""

from __future__ import annotations

from knowledge.service import KnowledgeBase

REPORT = """---
title: Quillop lists in Leeds
published: 2019-04-24
---
Quillop Biotech raised 3 billion yuan when it listed in Leeds on April 24.

Quillop Biotech had raised 1 billion yuan from venture funds in 2016."""


def test_a_year_in_the_question_is_answered_from_the_article_date(empty_kb: KnowledgeBase) -> None:
    """ "on April 24" in an article published in 2019 is about 2019."""
    empty_kb.ingest_text(REPORT)
    answer = empty_kb.ask("How much did Quillop Biotech raise in 2019?", log_it=False)
    assert answer.found and "3 billion" in answer.quotes[0].sentence.text


def test_a_sentence_about_another_year_does_not_answer(empty_kb: KnowledgeBase) -> None:
    empty_kb.ingest_text(REPORT)
    answer = empty_kb.ask(
        "How much did Quillop Biotech raise from venture funds in 2017?", log_it=False
    )
    assert not answer.found
