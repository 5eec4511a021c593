"""The index a knowledge base answers from (knowledge/live_index.py), seen through the knowledge
base: saved in the background and on close, caught up from the store's change log after a crash,
after its own writes and after another process's, rebuilt only when no save can be used, and
taken back as its base after each save."""

from __future__ import annotations

import io
import json
import os
import random
import shutil
from pathlib import Path

import numpy as np
import pytest

from knowledge.index import BM25Index, is_mapped
from knowledge.query import build_query
from knowledge.service import KnowledgeBase, KnowledgeConfig
from tests.knowledge.test_service import ARTICLE, counts
from tests.waiting import wait_until


def test_index_is_saved_on_close_not_after_every_ingest(kb: KnowledgeBase, data_dir: Path) -> None:
    saved = (data_dir / "index" / "index.json").stat().st_mtime_ns
    kb.ingest_bytes(ARTICLE.encode(), "glass.md")
    assert (data_dir / "index" / "index.json").stat().st_mtime_ns == saved
    kb.close()
    reopened = KnowledgeBase(KnowledgeConfig(data_dir=data_dir))
    assert reopened.index.generation == reopened.store.generation()
    assert (data_dir / "index" / "index.json").stat().st_mtime_ns != saved
    reopened.close()


def rebuilt(kb: KnowledgeBase) -> BM25Index:
    """What a rebuild from every stored passage makes of the store as it is."""
    index = BM25Index(kb.config.bm25)
    index.add(kb.store.all_passage_terms())
    return index


def assert_same_index(index: BM25Index, expected: BM25Index) -> None:
    """The same passages with the same lengths, and every term with the same postings."""
    assert (index.doc_count, index.total_len) == (expected.doc_count, expected.total_len)
    lengths = max(len(index.inverted.lengths), len(expected.inverted.lengths))
    assert np.array_equal(
        np.pad(index.inverted.lengths, (0, lengths - len(index.inverted.lengths))),
        np.pad(expected.inverted.lengths, (0, lengths - len(expected.inverted.lengths))),
    )
    for term in set(index.term_ids) | set(expected.term_ids):
        ids, tfs = index.postings(term)
        want_ids, want_tfs = expected.postings(term)
        assert np.array_equal(ids, want_ids) and np.array_equal(tfs, want_tfs), term


CHINESE_GLASSWORKS = (
    "九龙玻璃厂于1931年创办，为海港贸易制造玻璃瓶。1978年九龙玻璃厂迁往荃湾，雇用四百名工人。"
)
TEACHES_THE_ALIAS = (
    "The Kowloon Glassworks (九龙玻璃厂) is remembered in a new museum in Tsuen Wan. "
    "The museum opened in 2023."
)


def test_a_crash_between_saves_is_replayed_from_the_change_log_not_rebuilt(
    data_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    config = KnowledgeConfig(data_dir=data_dir, index_save_seconds=3600)
    kb = KnowledgeBase(config)
    first = kb.ingest_bytes(ARTICLE.encode(), "glass.md").article
    kb.ingest_bytes(ARTICLE.replace("400 workers", "650 workers").encode(), "glass.md")
    kb.remove(kb.list()[0].id)
    kb.ingest_text(CHINESE_GLASSWORKS, title="九龙玻璃厂")
    # Teaches 九龙玻璃厂 = Kowloon Glassworks: the article above is re-termed and re-indexed.
    assert kb.ingest_text(TEACHES_THE_ALIAS, title="Glassworks museum").learned_aliases
    assert saved_generation(data_dir) < kb.store.generation()
    # No close(): as if the process died. The saved index is five writes behind.
    caplog.set_level("INFO", logger="knowledge.live_index")
    after_crash = KnowledgeBase(config)
    try:
        assert after_crash.index.generation == after_crash.store.generation()
        assert is_mapped(after_crash.index.table.ids)  # the save, loaded
        assert "rebuilding" not in caplog.text
        assert_same_index(after_crash.index, rebuilt(after_crash))
        assert after_crash.ask(GLASSWORKS).found
        assert first.id not in {a.id for a in after_crash.list()}  # replaced
    finally:
        after_crash.close()
        kb.close()


def test_the_writing_process_index_learns_its_own_writes_from_the_store_alone(
    kb: KnowledgeBase,
) -> None:
    """Every write commits to the store only and the index follows the change log: after an
    ingest, a replacement, a removal and re-terming for a learned alias, the writer's own index
    is what a rebuild from the stored terms makes, and is at the store's generation."""
    kb.ingest_bytes(ARTICLE.encode(), "glass.md")
    kb.ingest_bytes(ARTICLE.replace("400 workers", "650 workers").encode(), "glass.md")
    kb.ingest_text(CHINESE_GLASSWORKS, title="九龙玻璃厂")
    removed = kb.ingest_text("The Tsuen Wan ferry pier closed in 1999.", title="Pier").article
    kb.remove(removed.id)
    assert kb.ingest_text(TEACHES_THE_ALIAS, title="Glassworks museum").learned_aliases
    assert kb.index.generation == kb.store.generation()
    assert_same_index(kb.index, rebuilt(kb))
    assert kb.ask(GLASSWORKS).found


def test_another_process_writes_are_replayed_into_the_running_index(
    data_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """`citebot ingest` beside the bot: its next question catches up in memory."""
    bot = KnowledgeBase(KnowledgeConfig(data_dir=data_dir))
    cli = KnowledgeBase(KnowledgeConfig(data_dir=data_dir))
    try:
        bot.ingest_text(CHINESE_GLASSWORKS, title="九龙玻璃厂")
        index = bot.index
        caplog.set_level("INFO", logger="knowledge.live_index")
        assert cli.ingest_text(TEACHES_THE_ALIAS, title="Glassworks museum").learned_aliases
        cli.ingest_bytes(ARTICLE.encode(), "glass.md")
        cli.remove(cli.list()[0].id)
        assert bot.ask("Who founded the Kowloon Glassworks?").found
        assert bot.index is index and index.generation == bot.store.generation()
        assert "rebuilding" not in caplog.text
        assert_same_index(bot.index, rebuilt(bot))
    finally:
        cli.close()
        bot.close()


def test_an_index_saved_before_the_log_begins_is_rebuilt(
    data_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    kb = KnowledgeBase(KnowledgeConfig(data_dir=data_dir, index_save_seconds=3600))
    kb.ingest_bytes(ARTICLE.encode(), "glass.md")
    kb.store.forget_changes(kb.store.generation())
    caplog.set_level("INFO", logger="knowledge.live_index")
    after_crash = KnowledgeBase(KnowledgeConfig(data_dir=data_dir))
    try:
        assert "rebuilding" in caplog.text
        assert after_crash.ask(GLASSWORKS).found
        assert_same_index(after_crash.index, rebuilt(after_crash))
    finally:
        after_crash.close()
        kb.close()


GLASSWORKS = "Who founded the Kowloon Glassworks?"


def saved_generation(data_dir: Path) -> int:
    return int(json.loads((data_dir / "index" / "index.json").read_text())["generation"])


def test_a_due_save_writes_the_index_of_its_generation_in_the_background(data_dir: Path) -> None:
    kb = KnowledgeBase(KnowledgeConfig(data_dir=data_dir, index_save_seconds=0))
    kb.ingest_bytes(ARTICLE.encode(), "glass.md")
    generation = kb.store.generation()
    # no close(): only the due save writes it
    wait_until(lambda: saved_generation(data_dir) == generation, 60, "the due save on disk")
    saved = BM25Index.load(data_dir / "index")
    assert saved is not None and saved.generation == generation
    assert saved.doc_count == counts(data_dir)[2]
    # Another process starting now loads that index as it is and answers from it.
    other = KnowledgeBase(KnowledgeConfig(data_dir=data_dir))
    assert other.index.generation == generation
    assert other.ask(GLASSWORKS).quotes == kb.ask(GLASSWORKS).quotes
    other.close()
    kb.close()


WORDS = "harbour kiln glass bottle trade workers furnace river ferry market tower bridge".split()


def test_index_saves_queued_behind_each_other_lose_no_posting(data_dir: Path) -> None:
    """With a save due on every write, later snapshots are taken while earlier ones are being
    written, and each save's rebase must keep what came after its own snapshot (it once cut by
    a tail length an earlier rebase had already shortened: postings lost, or an ingest failing
    after its commit)."""
    kb = KnowledgeBase(KnowledgeConfig(data_dir=data_dir, index_save_seconds=0))
    rng = random.Random(7)
    markers = [f"marker{chr(97 + i % 26)}{chr(97 + i // 26)}" for i in range(40)]
    added = []
    for i, marker in enumerate(markers):
        text = " ".join(f"The {' '.join(rng.choices(WORDS, k=8))} {marker}." for _ in range(3))
        added.append(kb.ingest_text(text, title=f"Note {i}").article.id)
    kb.live_index.wait_for_saves()
    for marker, article_id in zip(markers, added, strict=True):
        quotes = kb.ask(f"What about {marker}?").quotes
        assert quotes and quotes[0].citation.article_id == article_id, marker
    questions = [f"What about the {' '.join(rng.sample(WORDS, k=3))}?" for _ in range(30)]
    concepts = [
        [c.terms for c in build_query(kb.analyzer, kb.dictionary, q).concepts] for q in questions
    ]
    live = [kb.index.search(c) for c in concepts]
    kb.close()
    shutil.rmtree(data_dir / "index")  # the next start rebuilds it from the stored terms
    rebuilt = KnowledgeBase(KnowledgeConfig(data_dir=data_dir))
    for got, want in zip(live, [rebuilt.index.search(c) for c in concepts], strict=True):
        assert [i for i, _ in got] == [i for i, _ in want]
        assert [s for _, s in got] == pytest.approx([s for _, s in want], rel=1e-12)
    rebuilt.close()


@pytest.mark.timeout(60)
def test_ingest_ask_and_remove_go_on_while_an_index_save_is_stalled(data_dir: Path) -> None:
    kb = KnowledgeBase(KnowledgeConfig(data_dir=data_dir, index_save_seconds=0))
    passages = counts(data_dir)[2]
    # The save's temporary file as a named pipe: the save cannot end before someone reads it,
    # like a disk that has stopped answering.
    pipe = data_dir / "index" / f"index.npz.{os.getpid()}.tmp"
    os.mkfifo(pipe)
    added = kb.ingest_bytes(ARTICLE.encode(), "glass.md")  # its save is due, and stalls
    assert kb.ask(GLASSWORKS).found
    with open(pipe, "rb") as stalled:  # returns once the save is writing into the pipe
        pipe.unlink()  # the next save writes an ordinary file
        kb.remove(added.article.id)  # due again: waits behind the stalled save
        assert not kb.ask(GLASSWORKS).found
        written = stalled.read()  # the save then fails (no fsync on a pipe) and is logged
    # What the stalled save wrote is the index just after the ingest, untouched by the removal
    # made while it was writing.
    doc_len = np.load(io.BytesIO(written))["doc_len"]
    assert np.count_nonzero(doc_len) == passages + added.article.passages
    generation = kb.store.generation()
    kb.close()  # waits for the save of the removal
    assert saved_generation(data_dir) == generation
    reopened = KnowledgeBase(KnowledgeConfig(data_dir=data_dir))
    assert reopened.index.generation == reopened.store.generation()
    assert reopened.index.doc_count == passages
    assert not reopened.ask(GLASSWORKS).found
    reopened.close()


def test_an_index_saved_without_term_bounds_is_saved_again_with_them(data_dir: Path) -> None:
    """An upgrade: the index saved by an older version (no bounds) still loads, answers, and
    is written again in the background with its bounds."""
    config = KnowledgeConfig(data_dir=data_dir)
    KnowledgeBase(config).close()
    npz = data_dir / "index" / "index.npz"
    with np.load(npz) as arrays:
        old = {name: arrays[name] for name in arrays.files if name != "bounds"}
    with open(npz, "wb") as fh:
        np.savez(fh, **old)
    assert BM25Index.load(data_dir / "index") is not None
    assert not BM25Index.load(data_dir / "index").save_is_current  # type: ignore[union-attr]
    kb = KnowledgeBase(config)
    try:
        assert kb.ask("Who founded DeepSeek?").found
    finally:
        kb.close()
    again = BM25Index.load(data_dir / "index")
    assert again is not None and again.save_is_current


def test_after_a_save_the_index_reads_the_new_file_and_holds_no_copies(data_dir: Path) -> None:
    """Each save is taken back as the index's base: what updates had copied or appended is
    freed, and the file the index was loaded from is let go."""
    kb = KnowledgeBase(KnowledgeConfig(data_dir=data_dir, index_save_seconds=0))
    try:
        first_base = kb.index.table.ids
        added = kb.ingest_bytes(ARTICLE.encode(), "glass.md").article
        kb.remove(kb.list()[0].id)
        kb.live_index.wait_for_saves()
        assert kb.index.overlay_postings() == 0
        assert kb.index.table.ids is not first_base
        assert is_mapped(kb.index.table.ids)
        assert (
            kb.index.saved_stamp
            == json.loads((data_dir / "index" / "index.json").read_text())["stamp"]
        )
        assert kb.ask(GLASSWORKS).found
        assert_same_index(kb.index, rebuilt(kb))
        kb.remove(added.id)
        assert not kb.ask(GLASSWORKS).found
    finally:
        kb.close()


def test_writes_made_during_a_save_are_freed_by_one_more_save(data_dir: Path) -> None:
    """A burst of uploads: the writes that land while a save runs take no snapshot of their
    own; the save, once done, starts the one that frees what they hold."""
    config = KnowledgeConfig(  # every write may save early
        data_dir=data_dir, index_save_seconds=3600, overlay_save_postings=0
    )
    kb = KnowledgeBase(config)
    try:
        with kb.live_index.writing():  # the save's rebase waits for this block to end
            kb.ingest_bytes(ARTICLE.encode(), "glass.md")  # starts a save
            kb.ingest_text(
                "The Lantau Ropeworks was founded in 1905 by Tam Sing.", title="Ropeworks"
            )
            assert kb.live_index.saving and kb.index.overlay_postings() > 0
        kb.live_index.wait_for_saves()
        assert kb.index.overlay_postings() == 0
        assert saved_generation(data_dir) == kb.store.generation()
        assert kb.ask("Who founded the Lantau Ropeworks?").found
    finally:
        kb.close()
