"""Questions about names no article mentions get "not found", not a loose match.

Found while writing test_crash.py: its made-up "Brannoch Institute" question was answered from
the bundled corpus before the article existed.
"""

from __future__ import annotations

import pytest

from knowledge.service import KnowledgeBase


@pytest.mark.parametrize(
    "question", ["who founded the Zorblax Observatory?", "who opened the Velmora Archive?"]
)
def test_unknown_name_is_not_found(module_kb: KnowledgeBase, question: str) -> None:
    assert not module_kb.ask(question, log_it=False).found


@pytest.mark.parametrize(
    "question", ["who founded the Brannoch Institute?", "who founded Quixotic Robotics?"]
)
def test_unknown_name_with_a_common_word_is_not_found(
    module_kb: KnowledgeBase, question: str
) -> None:
    answer = module_kb.ask(question, log_it=False)
    assert not answer.found, [q.sentence.text for q in answer.quotes]
