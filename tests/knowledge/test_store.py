"""The store's change log, from which an older index is brought up to date."""

from __future__ import annotations

import sqlite3

import pytest

from knowledge.errors import NotFound
from knowledge.service import KnowledgeBase
from knowledge.store import Changes, Store


def test_a_store_made_before_the_log_existed_logs_from_its_current_generation(
    empty_kb: KnowledgeBase,
) -> None:
    empty_kb.ingest_text("The Lantau Ropeworks made ropes for ships.", title="Ropeworks")
    path = empty_kb.store.path
    empty_kb.close()
    db = sqlite3.connect(path)
    db.execute("DROP TABLE changes")
    db.execute("DELETE FROM meta WHERE key = 'changes_since'")
    db.commit()
    db.close()
    store = Store(path)  # as an upgrade opens it
    try:
        generation = store.generation()
        assert store.changes_since(generation - 1) is None  # what happened then is unknown
        assert store.changes_since(generation) == Changes(generation, [], [])
    finally:
        store.close()


def test_changes_name_a_passage_by_the_terms_it_left_with_first_and_its_terms_now(
    empty_kb: KnowledgeBase,
) -> None:
    store = empty_kb.store
    start = store.generation()
    first = empty_kb.ingest_text("九龙玻璃厂于1931年创办。", title="九龙玻璃厂").article
    [(pid, terms_then)] = store.passage_terms(first.id)
    empty_kb.ingest_text("The Kowloon Glassworks (九龙玻璃厂) has a museum.", title="Museum")
    [(_, terms_now)] = store.passage_terms(first.id)
    assert terms_now != terms_then  # re-termed by the alias the second article taught
    after_first = start + 1
    changes = store.changes_since(after_first)
    assert changes is not None and changes.generation == store.generation()
    assert dict(changes.left) == {pid: terms_then}
    assert dict(changes.came)[pid] == terms_now
    empty_kb.remove(first.id)
    changes = store.changes_since(after_first)
    assert changes is not None
    assert dict(changes.left) == {pid: terms_then}  # its first departure, not its last
    assert pid not in dict(changes.came)  # gone from the store
    store.forget_changes(store.generation())
    assert store.changes_since(after_first) is None


def test_a_terms_upgrade_another_process_made_first_writes_nothing(
    empty_kb: KnowledgeBase,
) -> None:
    article = empty_kb.ingest_text("The Café Odeon opened in 1911.", title="Odeon").article
    store = empty_kb.store
    [(pid, terms)] = store.passage_terms(article.id)
    [(sid, _)] = list(store.sentence_texts())
    generation, version = store.generation(), store.terms_version()
    assert version is not None
    # Another process went from version - 1 to this version meanwhile: this one was late.
    assert not store.reterm([(sid, ["late"])], version + 1, expected=version - 1)
    assert store.generation() == generation and store.terms_version() == version
    assert store.passage_terms(article.id) == [(pid, terms)]
    assert store.reterm([(sid, ["now"])], version + 1, expected=version)
    assert store.terms_version() == version + 1 and store.generation() == generation + 1
    assert store.passage_terms(article.id) == [(pid, ["now"])]
    changes = store.changes_since(generation)
    assert (
        changes is not None and changes.left == [(pid, terms)] and changes.came == [(pid, ["now"])]
    )


def test_an_article_id_is_found_from_an_unambiguous_prefix_only(empty_kb: KnowledgeBase) -> None:
    store = empty_kb.store
    ids = [
        empty_kb.ingest_text(f"The Lantau Ropeworks made {n} ropes.", title=f"Ropes {n}").article.id
        for n in range(40)
    ]
    for article_id in ids:
        shortest = next(
            article_id[:n]
            for n in range(1, len(article_id) + 1)
            if sum(i.startswith(article_id[:n]) for i in ids) == 1
        )
        assert store.resolve_id(shortest) == store.resolve_id(shortest.upper()) == article_id
        if len(shortest) > 1:  # one character less names two articles
            with pytest.raises(NotFound):
                store.resolve_id(shortest[:-1])
    for bad in ("", "_", ids[0][:3] + "_", ids[0] + "0", "%"):
        with pytest.raises(NotFound):
            store.resolve_id(bad)


def test_all_passage_terms_pages_through_one_state_of_the_store(empty_kb: KnowledgeBase) -> None:
    for n in range(7):
        empty_kb.ingest_text(f"The Lantau Ropeworks made {n} ropes. They sold well.", title=f"R{n}")
    store = empty_kb.store
    whole = list(store.all_passage_terms())  # one page: the default batch is 20,000
    assert len(whole) == 7 and list(store.all_passage_terms(batch=2)) == whole
    other = Store(store.path)  # another process's connection
    try:
        with store.reading():
            pages = store.all_passage_terms(batch=3)
            first = next(pages)
            with other.transaction() as db:  # commits while the read is under way
                db.execute("DELETE FROM passages")
            assert [first, *pages] == whole  # still the state the read began in
        assert list(store.all_passage_terms(batch=3)) == []
    finally:
        other.close()
