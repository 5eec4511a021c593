"""The knowledge base as a whole: dedupe, replace, remove, restart, and all-or-nothing ingest."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from knowledge.errors import BadQuestion, NotFound, StoreError
from knowledge.service import KnowledgeBase, KnowledgeConfig

ARTICLE = """---
title: The Kowloon Glassworks
source: test fixture
url: https://example.org/glassworks
lang: en
published: 2024-05-01
---

The Kowloon Glassworks was founded in 1931 by Mabel Cheung. It made bottles for the harbour trade.

In 1978 the glassworks moved to Tsuen Wan, where it employed 400 workers.
"""


def counts(data_dir: Path) -> tuple[int, int, int]:
    db = sqlite3.connect(data_dir / "citebot.sqlite3")
    try:
        return tuple(  # type: ignore[return-value]
            db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
            for t in ("articles", "sentences", "passages")
        )
    finally:
        db.close()


def test_new_article_is_answerable_at_once(kb: KnowledgeBase) -> None:
    result = kb.ingest_bytes(ARTICLE.encode(), "glass.md")
    assert result.status == "added" and result.article.lang == "en"
    answer = kb.ask("Who founded the Kowloon Glassworks?")
    assert answer.found and "Mabel Cheung" in answer.quotes[0].sentence.text
    assert answer.quotes[0].citation.url == "https://example.org/glassworks"


def test_identical_content_changes_nothing(kb: KnowledgeBase, data_dir: Path) -> None:
    kb.ingest_bytes(ARTICLE.encode(), "glass.md")
    before = counts(data_dir)
    again = kb.ingest_bytes(ARTICLE.encode(), "copy.md")
    assert again.status == "unchanged"
    assert counts(data_dir) == before


def test_same_url_with_new_content_replaces(kb: KnowledgeBase) -> None:
    first = kb.ingest_bytes(ARTICLE.encode(), "glass.md")
    updated = ARTICLE.replace("400 workers", "650 workers")
    second = kb.ingest_bytes(updated.encode(), "glass.md")
    assert second.status == "replaced" and second.replaced_id == first.article.id
    ids = [a.id for a in kb.list()]
    assert first.article.id not in ids and second.article.id in ids
    answer = kb.ask("How many workers did the Kowloon Glassworks employ in Tsuen Wan?")
    assert answer.found and "650" in answer.quotes[0].sentence.text


def test_remove_takes_the_article_out_of_answers(kb: KnowledgeBase) -> None:
    article = kb.ingest_bytes(ARTICLE.encode(), "glass.md").article
    kb.remove(article.id[:8])
    assert not kb.ask("Who founded the Kowloon Glassworks?").found
    with pytest.raises(NotFound):
        kb.remove(article.id)


def test_restart_loads_the_saved_index(kb: KnowledgeBase, data_dir: Path) -> None:
    kb.ingest_bytes(ARTICLE.encode(), "glass.md")
    expected = kb.ask("Who founded the Kowloon Glassworks?")
    assert expected.found and "Mabel Cheung" in expected.quotes[0].sentence.text
    kb.close()
    reopened = KnowledgeBase(KnowledgeConfig(data_dir=data_dir))
    try:
        assert reopened.index.generation == reopened.store.generation()
        answer = reopened.ask("Who founded the Kowloon Glassworks?")
        assert answer.found and "Mabel Cheung" in answer.quotes[0].sentence.text
        assert answer.quotes[0].citation.url == "https://example.org/glassworks"
        assert answer.quotes == expected.quotes
    finally:
        reopened.close()


def test_lost_index_is_rebuilt_from_stored_terms(kb: KnowledgeBase, data_dir: Path) -> None:
    question = "哪所香港大学培养了DeepSeek的创始人？"
    expected = kb.ask(question)
    assert expected.found and "香港科技大学" in expected.quotes[0].sentence.text
    kb.close()
    shutil.rmtree(data_dir / "index")
    rebuilt = KnowledgeBase(KnowledgeConfig(data_dir=data_dir))
    try:
        answer = rebuilt.ask(question)
        assert answer.found and "香港科技大学" in answer.quotes[0].sentence.text
        assert answer.quotes[0].citation.title == "深度求索：杭州团队如何让世界关注中国大模型"
        assert answer.quotes == expected.quotes
    finally:
        rebuilt.close()


def test_a_failed_ingest_leaves_nothing(kb: KnowledgeBase, data_dir: Path) -> None:
    before = counts(data_dir)
    generation = kb.store.generation()
    # A trigger makes the last insert of the transaction fail, as a full disk would.
    raw = sqlite3.connect(data_dir / "citebot.sqlite3")
    raw.execute(
        "CREATE TRIGGER boom BEFORE INSERT ON passages BEGIN SELECT RAISE(ABORT, 'disk full'); END"
    )
    raw.commit()
    raw.close()
    with pytest.raises(StoreError):
        kb.ingest_bytes(ARTICLE.encode(), "glass.md")
    assert counts(data_dir) == before
    assert kb.store.generation() == generation
    assert not kb.ask("Who founded the Kowloon Glassworks?").found


def test_bad_questions_are_refused(kb: KnowledgeBase) -> None:
    with pytest.raises(BadQuestion, match="empty"):
        kb.ask("   ")
    with pytest.raises(BadQuestion, match="too long"):
        kb.ask("why " * 300)


@pytest.mark.parametrize(
    ("question", "lang"),
    [
        ("What is the capital of France?", "en"),
        ("明天北京的天气怎么样？", "zh-Hans"),
        ("明天北京的天氣怎麼樣？", "zh-Hant"),
    ],
)
def test_unknown_answers_are_declined_in_the_question_language(
    kb: KnowledgeBase, question: str, lang: str
) -> None:
    answer = kb.ask(question)
    assert not answer.found and answer.lang == lang


def test_cross_language_question_finds_the_other_language(kb: KnowledgeBase) -> None:
    answer = kb.ask("大疆创新是哪一年创立的？")
    assert answer.found and "2006" in answer.quotes[0].sentence.text
    english = kb.ask("Where is the Hong Kong Science Park?")
    assert english.found


def test_stats_count_questions_and_feedback(kb: KnowledgeBase) -> None:
    answer = kb.ask("Who founded DeepSeek?")
    assert answer.question_id is not None
    kb.feedback(answer.question_id, 7, +1)
    stats = kb.stats()
    assert stats["questions"] == 1 and stats["answered"] == 1 and stats["thumbs_up"] == 1
    assert stats["articles"] == len(kb.list()) >= 8


def test_two_processes_on_one_store_see_each_others_writes(data_dir: Path) -> None:
    """The CLI beside a running bot, or two replicas: neither may lose the other's articles."""
    bot = KnowledgeBase(KnowledgeConfig(data_dir=data_dir))
    cli = KnowledgeBase(KnowledgeConfig(data_dir=data_dir))
    cli.ingest_bytes(ARTICLE.encode(), "glass.md")
    assert bot.ask("Who founded the Kowloon Glassworks?").found
    bot.ingest_text(
        "The Lantau Ropeworks was founded in 1905 by Tam Sing. It made ropes for ships.",
        title="Lantau Ropeworks",
    )
    assert cli.ask("Who founded the Lantau Ropeworks?").found
    bot.close()
    cli.close()
    reopened = KnowledgeBase(KnowledgeConfig(data_dir=data_dir))
    assert reopened.ask("Who founded the Kowloon Glassworks?").found
    assert reopened.ask("Who founded the Lantau Ropeworks?").found
    assert reopened.index.doc_count == reopened.stats()["passages"]
    reopened.close()


def test_more_quotes_are_cited_and_highlighted_like_shown_ones(kb: KnowledgeBase) -> None:
    question = "which HK university trained a DeepSeek founder"
    answer = kb.ask(question, log_it=False)
    assert answer.more and not any(q.highlights for q in answer.more)  # found when asked for
    answer = kb.more(answer)
    assert answer.more and any(q.highlights for q in answer.more)
    # Asked for more quotes at once, the same sentences come highlighted straight away.
    wide = kb.more(kb.ask(question, log_it=False, max_quotes=10))
    assert len(wide.quotes) > len(answer.quotes)
    together = answer.quotes + answer.more
    assert (wide.quotes + wide.more)[: len(together)] == together


def test_a_data_folder_s_own_alias_table_joins_the_bundled_one(
    tmp_path: Path, prepared_data_dir: Path
) -> None:
    """An aliases.tsv in the data folder names 柯尔万 in English: without it the question
    finds nothing."""
    data = tmp_path / "own-aliases"
    shutil.copytree(prepared_data_dir / "cache", data / "cache")
    (data / "aliases.tsv").write_text("Qorvane\t柯尔万\n", encoding="utf-8")
    kb = KnowledgeBase(KnowledgeConfig(data_dir=data))
    try:
        kb.ingest_text(
            "---\ntitle: 柯尔万的工厂\n---\n柯尔万公司在宁波设有一家电池工厂。\n\n"
            "公司去年的收入增长了一倍。"
        )
        answer = kb.ask("Where is Qorvane's battery factory?", log_it=False)
        assert answer.found and "宁波" in answer.quotes[0].sentence.text
    finally:
        kb.close()
