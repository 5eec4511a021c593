"""Follow-up questions read with the earlier question (knowledge/followup.py via
KnowledgeBase.ask(after=...)), on the bundled corpus."""

from __future__ import annotations

import pytest

from knowledge.followup import pronoun
from knowledge.models import Answer
from knowledge.service import KnowledgeBase

EARLIER = "Which Hong Kong university trained a DeepSeek founder?"
HKUST = ("HKUST", "Hong Kong University of Science and Technology", "香港科技大學", "香港科技大学")
OTHER_FOUNDINGS = ("SenseTime", "商湯", "商汤", "founded DeepSeek", "Liang Wenfeng", "1963")


def _about_hkust(answer: Answer) -> None:
    """Answered about HKUST (every quote names it, none quotes another founding), or declined."""
    for quote in answer.quotes:
        text = quote.sentence.text
        assert any(form in text for form in HKUST), text
        assert "SenseTime" not in text and "商湯" not in text and "founded DeepSeek" not in text


@pytest.mark.parametrize(
    "follow_up",
    [
        "when was it founded?",
        "When was that university founded?",
        "哪一年成立的？",
        "它哪一年成立？",
    ],
)
def test_follow_up_to_which_question_is_about_the_thing_found(
    module_kb: KnowledgeBase, follow_up: str
) -> None:
    answer = module_kb.ask(follow_up, after=EARLIER, log_it=False)
    assert not answer.choices
    assert answer.understood is not None
    assert any(form in answer.understood for form in HKUST), answer.understood
    _about_hkust(answer)


def test_same_follow_up_alone_is_not_read_with_anything(module_kb: KnowledgeBase) -> None:
    # The knowledge base keeps no conversation: after a follow-up, the same words alone are
    # answered as they stand.
    module_kb.ask("when was it founded?", after=EARLIER, log_it=False)
    alone = module_kb.ask("when was it founded?", log_it=False)
    assert alone.understood is None


def test_follow_up_naming_several_things_asks_which(module_kb: KnowledgeBase) -> None:
    answer = module_kb.ask(
        "when was it founded?", after="Did HKUST train a DeepSeek founder?", log_it=False
    )
    assert not answer.found and not answer.quotes
    assert answer.choices == ("HKUST", "DeepSeek")


def test_bare_name_after_a_follow_up_answers_it_about_that_name(module_kb: KnowledgeBase) -> None:
    # The reply to "Which one do you mean: HKUST or DeepSeek?".
    answer = module_kb.ask("HKUST", after="when was it founded?", log_it=False)
    assert answer.understood == "when was HKUST founded?"
    _about_hkust(answer)
    assert answer.found


def test_what_about_another_name_asks_the_earlier_question_about_it(
    module_kb: KnowledgeBase,
) -> None:
    answer = module_kb.ask("And SenseTime?", after="When was DeepSeek founded?", log_it=False)
    assert answer.understood == "When was SenseTime founded?"
    assert answer.found and "2014" in answer.quotes[0].sentence.text


def test_he_after_who_question_is_the_person_found(module_kb: KnowledgeBase) -> None:
    answer = module_kb.ask("where did he study?", after="Who founded DeepSeek?", log_it=False)
    assert answer.understood == "where did Liang Wenfeng study?"
    assert answer.found and "Zhejiang University" in answer.quotes[0].sentence.text


def test_it_after_a_question_about_one_thing_is_that_thing(module_kb: KnowledgeBase) -> None:
    answer = module_kb.ask("who founded it?", after="When was Akesobio founded?", log_it=False)
    assert answer.understood == "who founded Akesobio?"
    assert answer.found and "Michelle Xia" in answer.quotes[0].sentence.text


def test_question_with_a_name_of_its_own_is_answered_as_asked(module_kb: KnowledgeBase) -> None:
    answer = module_kb.ask("Who founded Akesobio?", after=EARLIER, log_it=False)
    assert answer.understood is None
    assert answer.found and "Michelle Xia" in answer.quotes[0].sentence.text


def test_follow_up_is_logged_as_understood_so_more_recalls_it(module_kb: KnowledgeBase) -> None:
    answer = module_kb.ask("when was it founded?", after=EARLIER)
    assert answer.question_id is not None
    recalled = module_kb.recall(answer.question_id)
    assert recalled.question == answer.understood
    _about_hkust(recalled)


def test_small_talk_earlier_question_is_not_leaned_on(module_kb: KnowledgeBase) -> None:
    answer = module_kb.ask("Who founded Akesobio?", after="thanks!", log_it=False)
    assert answer.understood is None and answer.found


@pytest.mark.parametrize(
    ("text", "points_back"),
    [
        ("when was it founded?", True),
        ("who runs that company now?", True),
        ("那家公司在哪里？", True),
        ("他在哪里读书？", True),
        ("What is a bispecific antibody?", False),
        ("Who founded DeepSeek?", False),
        ("香港科技大学哪一年成立？", False),
    ],
)
def test_pronouns_that_point_back(text: str, points_back: bool) -> None:
    assert (pronoun(text) is not None) == points_back


@pytest.mark.parametrize(
    "question",
    [
        # A pronoun after the question's own name points at that name.
        "How much money did Akesobio raise in its Hong Kong IPO?",
        "In what year did HKEX add Chapter 18A to its listing rules?",
        # No name, but words enough to stand alone; a description, not a pointer back.
        "What is the top-selling cancer medicine on the planet?",
        "那家用生成式AI找新药的公司，2023年亏了多少钱",
        "MiniMax招股价定在多少",
    ],
)
def test_questions_of_their_own_are_not_read_as_follow_ups(
    module_kb: KnowledgeBase, question: str
) -> None:
    answer = module_kb.ask(question, after="When was DeepSeek founded?", log_it=False)
    assert answer.understood is None and not answer.choices


def test_that_company_in_chinese_is_the_earlier_questions_company(
    module_kb: KnowledgeBase,
) -> None:
    answer = module_kb.ask(
        "那家公司的总部在哪里？", after="When was DeepSeek founded?", log_it=False
    )
    assert answer.understood == "深度求索的总部在哪里？"
    assert answer.found and "杭州" in answer.quotes[0].sentence.text
