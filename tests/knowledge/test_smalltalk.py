"""Small talk (knowledge/smalltalk.py): told from questions, answered with example questions
the knowledge base derives from its own articles."""

from __future__ import annotations

import pytest

from bot.words import NOT_FOUND, format_plain
from knowledge.service import KnowledgeBase
from knowledge.smalltalk import small_talk


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("hi", "greeting"),
        ("Hello there!", "greeting"),
        ("hey bot 👋", "greeting"),
        ("你好", "greeting"),
        ("您好！", "greeting"),
        ("thanks!", "thanks"),
        ("Thank you so much", "thanks"),
        ("謝謝", "thanks"),
        ("多谢晒", "thanks"),
        ("what can you do?", "capabilities"),
        ("你能做什么", "capabilities"),
        ("你可以做什麼？", "capabilities"),
        ("who are you?", "capabilities"),
    ],
)
def test_small_talk_is_told_apart(text: str, kind: str) -> None:
    assert small_talk(text) == kind


@pytest.mark.parametrize(
    "text",
    [
        "hi, who founded DeepSeek?",
        "Who founded DeepSeek?",
        "thanks, and when was HKUST founded?",
        "HKUST",
        "香港科技大学哪一年成立？",
        "What can the Hong Kong Science Park do for start-ups?",
    ],
)
def test_questions_are_not_small_talk(text: str) -> None:
    assert small_talk(text) is None


@pytest.mark.parametrize(
    ("text", "lang"),
    [("hi", "en"), ("你好", "zh-Hans"), ("謝謝", "zh-Hant"), ("你能做什么", "zh-Hans")],
)
def test_small_talk_gets_working_examples_in_the_askers_language(
    module_kb: KnowledgeBase, text: str, lang: str
) -> None:
    before = module_kb.stats()["questions"]
    answer = module_kb.ask(text)
    assert answer.small_talk is not None and answer.lang == lang
    assert len(answer.examples) == 2 and len(set(answer.examples)) == 2
    reply = format_plain(answer)
    assert NOT_FOUND[lang] not in reply
    assert all(example in reply for example in answer.examples)
    for example in answer.examples:
        # Each one is answered by the articles, in the asker's script.
        assert module_kb.ask(example, log_it=False).found, example
        assert (lang == "en") == example.isascii(), example
    assert module_kb.stats()["questions"] == before  # small talk is not a question asked


ARTICLE = """---
title: Brannoch Robotics
lang: en
---

Brannoch Robotics (布兰诺克机器人) is a maker of warehouse robots headquartered in Dunmore.

Brannoch Robotics was founded in 2011 by Ada Quillon, an engineer who had built conveyor systems.

The company sells its robots to logistics firms in several countries.

Its newest machine can lift boxes of up to forty kilograms.

Warehouses that use the machines report fewer injuries among their staff.

Logistics firms rent the robots by the month rather than buying them.

The robots recharge themselves at stations placed along each aisle.

Each robot carries cameras that read the labels on the boxes it moves.

Staff direct the robots from tablets that show every aisle of the warehouse.

Spare parts are stocked in every country where the robots are sold.
"""


def test_examples_come_from_the_articles_stored(empty_kb: KnowledgeBase) -> None:
    assert empty_kb.examples("en") == ()
    assert "Send me a question" in format_plain(empty_kb.ask("hi"))
    empty_kb.ingest_bytes(ARTICLE.encode(), "brannoch.md")
    # The cached examples were made for the articles before: a new article is taken in.
    examples = empty_kb.examples("en")
    assert examples and all("Brannoch Robotics" in q for q in examples), examples
    assert all("布兰诺克机器人" in q for q in empty_kb.examples("zh-Hans"))
