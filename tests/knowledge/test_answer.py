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


RULES = """---
title: A new way to list
published: 2023-04-06
---
The Quillop Rules let young technology firms list in Leeds before they earn revenue.

Firms must show a market value of at least 6 billion pounds when they apply.

Investors had asked for such a route for several years.

Advisers expect a dozen firms to apply in the first year.

The exchange published the consultation conclusions on 24 March 2023."""


def test_a_name_the_article_is_about_need_not_be_repeated_in_each_sentence(
    empty_kb: KnowledgeBase,
) -> None:
    """An article about the Quillop Rules says "the consultation conclusions" paragraphs after
    it last named them; a sentence naming some other thing would still not answer."""
    empty_kb.ingest_text(RULES)
    answer = empty_kb.ask(
        "When were the Quillop Rules consultation conclusions published?", log_it=False
    )
    assert answer.found and "24 March 2023" in answer.quotes[0].sentence.text
