"""Dictionary translations between English and Chinese terms."""

from __future__ import annotations

import pytest

from knowledge.service import KnowledgeBase
from knowledge.translate import british


@pytest.mark.parametrize(
    ("american", "spelt"),
    [
        ("research center", "research centre"),
        ("organization", "organisation"),
        ("labor", "labour"),
        ("defense", "defence"),
        ("program", "programme"),
        ("catalog", "catalogue"),
        ("analyze", "analyse"),
        ("her", "her"),
    ],
)
def test_a_gloss_is_also_spelt_the_british_way(american: str, spelt: str) -> None:
    assert british(american) == spelt


def test_hong_kong_english_meets_the_dictionary(kb: KnowledgeBase) -> None:
    """Hong Kong's articles write "centre" and "programme"; CC-CEDICT glosses "center"."""
    centre = kb.analyzer.terms("centre")[0]
    programme = kb.analyzer.terms("programme")[0]
    assert centre in kb.dictionary.translations("中心")
    assert "中心" in kb.dictionary.translations(centre)
    assert "节目" in kb.dictionary.translations(programme)


def test_tsinghua_alone_names_the_university(kb: KnowledgeBase) -> None:
    group = set(kb.analyzer.terms("清华大学")) & {t for t in kb.analyzer.terms("Tsinghua")}
    assert any(t.startswith("~") for t in group)


def test_the_dictionary_knows_the_english_words_its_glosses_write(kb: KnowledgeBase) -> None:
    assert kb.dictionary.knows("innovation") and kb.dictionary.knows("centre")
    assert not kb.dictionary.knows("conductent")
