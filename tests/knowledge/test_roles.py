"""Whose role a sentence names: "Hong Kong CEO John Lee" answers no question about HKIC's CEO."""

from __future__ import annotations

import pytest

from knowledge.evidence import role_of_another
from knowledge.service import KnowledgeBase


@pytest.mark.parametrize(
    ("sentence", "role", "asked", "another"),
    [
        ("Hong Kong CEO John Lee announced the plan.", "CEO", "HKIC", True),
        ("HKIC CEO Jane Doe announced the plan.", "CEO", "HKIC", False),
        ("Its CEO Jane Doe announced the plan.", "CEO", "HKIC", False),
        ("Jane Doe, the CEO of Cyberport, spoke.", "CEO", "HKIC", True),
        ("Andrew Yao, chairman of the council of Lingnan University, spoke.", "chairman",
         "DeepSeek", True),
        ("智谱CEO张鹏曾回忆这段经历。", "CEO", "DeepSeek", True),
        ("香港科技大學（HKUST）校長葉玉如表示。", "校长", "DeepSeek", True),
        ("香港科技大學（HKUST）校長葉玉如表示。", "校长", "香港科技大学", False),
        # Only the asked role counts: DeepSeek's founder is no president of it.
        ("港科大校長葉玉如表示，DeepSeek的創始人之一是該校博士。", "校长", "DeepSeek", True),
        ("The university's president, Jane Doe, spoke.", "president", "Lingnan University", False),
    ],
)  # fmt: skip
def test_a_role_beside_another_name_is_that_ones(
    module_kb: KnowledgeBase, sentence: str, role: str, asked: str, another: bool
) -> None:
    analyzer = module_kb.analyzer
    roles = set(analyzer.terms(role))
    asked_terms = roles | set(analyzer.terms(asked))
    assert role_of_another(sentence, analyzer, roles, asked_terms) is another
