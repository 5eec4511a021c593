"""Opening a knowledge base stored by an older analyzer: the sentences whose terms changed are
re-termed and the index replays them, the rest is left as it was."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from knowledge.service import KnowledgeBase, KnowledgeConfig
from knowledge.term_versions import ANALYZER_VERSION, TERMS_CHANGED_SINCE
from tests.knowledge.test_live_index import assert_same_index, rebuilt

pytestmark = pytest.mark.slow  # re-terms whole stores on opening them

CAFE = """The Café Odeon in Zürich opened in 1911. Lenin read newspapers at its marble tables.

The tram stop outside the building was rebuilt in 1985 with a glass roof."""


def sql(data_dir: Path, *statements: tuple[str, tuple[object, ...]]) -> list[tuple[object, ...]]:
    """Forge what an older version of the project left in the store."""
    db = sqlite3.connect(data_dir / "citebot.sqlite3")
    try:
        with db:
            rows: list[tuple[object, ...]] = []
            for statement, params in statements:
                rows = db.execute(statement, params).fetchall()
            return rows
    finally:
        db.close()


def test_a_new_store_records_the_analyzer_version(empty_kb: KnowledgeBase) -> None:
    assert empty_kb.store.terms_version() == ANALYZER_VERSION


def test_a_store_from_before_accented_words_is_re_termed_when_opened(
    data_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    config = KnowledgeConfig(data_dir=data_dir, index_save_seconds=3600)
    kb = KnowledgeBase(config)
    cafe = kb.ingest_text(CAFE, title="Café Odeon").article
    kb.close()
    # As version 1 stored it ("café" gave "caf", "zürich" gave "z" and "rich"), with an index
    # saved from those terms, and no version recorded.
    sql(
        data_dir,
        (
            "UPDATE sentences SET terms = replace(replace(terms, 'cafe', 'caf'), 'zurich', "
            "'z rich') WHERE article_id = ?",
            (cafe.id,),
        ),
    )
    shutil.rmtree(data_dir / "index")  # rebuilt from the stored terms, and saved
    old = KnowledgeBase(KnowledgeConfig(data_dir=data_dir, index_save_seconds=3600))
    assert not old.index.df("cafe") and old.index.df("caf")
    generation = old.store.generation()
    old.close()
    sql(data_dir, ("DELETE FROM meta WHERE key = 'terms_version'", ()))
    caplog.set_level("INFO", logger="knowledge.live_index")
    caplog.set_level("INFO", logger="knowledge.reterm")  # the upgrade says it did it

    upgraded = KnowledgeBase(config)
    try:
        assert upgraded.store.terms_version() == ANALYZER_VERSION
        assert "upgraded" in caplog.text and "rebuilding" not in caplog.text
        assert upgraded.index.df("caf") == 0 and upgraded.index.df("cafe") == 1
        assert_same_index(upgraded.index, rebuilt(upgraded))
        assert upgraded.ask("When did the cafe in Zurich open?").found
        # One write, and only the passages a later version concerns went through the log:
        # the one with accented words, and those with the characters of later versions' changes.
        assert upgraded.store.generation() == generation + 1
        changed = sql(
            data_dir,
            ("SELECT DISTINCT passage_id FROM changes WHERE generation = ?", (generation + 1,)),
        )
        first, second = (pid for pid, _ in upgraded.store.passage_terms(cafe.id))
        assert (first,) in changed and (second,) not in changed
        concerned = [p for v, p in TERMS_CHANGED_SINCE.items() if v >= 2 and p is not None]
        for (pid,) in changed:
            if pid != first:
                texts = sql(
                    data_dir,
                    (
                        "SELECT s.text FROM sentences s JOIN passages p ON s.article_id = "
                        "p.article_id AND s.position BETWEEN p.first_position AND p.last_position"
                        " WHERE p.id = ?",
                        (pid,),
                    ),
                )
                assert any(p.search(text) for (text,) in texts for p in concerned)
        assert len(changed) < old.index.doc_count
    finally:
        upgraded.close()
    # Once upgraded, opening it again changes nothing.
    again = KnowledgeBase(config)
    try:
        assert again.store.generation() == generation + 1
    finally:
        again.close()


def test_a_dictionary_cache_from_another_analyzer_is_rebuilt(data_dir: Path) -> None:
    cache = data_dir / "cache" / "cedict.json"
    cache.write_text(json.dumps({"zh_to_en": {}, "en_to_zh": {}}), encoding="utf-8")
    kb = KnowledgeBase(KnowledgeConfig(data_dir=data_dir))
    try:
        assert kb.dictionary.translations("香港")
        assert json.loads(cache.read_text(encoding="utf-8"))["analyzer"] == ANALYZER_VERSION
    finally:
        kb.close()
