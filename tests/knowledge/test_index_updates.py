"""Updates: additions into tails without copying a loaded index, rebasing on a written save."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest
from rank_bm25 import BM25Okapi

from knowledge.index import BM25Index, is_mapped, kernel, updates
from tests.knowledge.test_index_files import VOCAB, built, held, index_terms, table
from tests.knowledge.test_index_search import bm25okapi_ranking


def built_and_loaded(directory: Path) -> tuple[BM25Index, BM25Index]:
    """The test index, and its save loaded back: the same postings, mapped from the file."""
    index = built()
    index.save(directory)
    loaded = BM25Index.load(directory)
    assert loaded is not None
    return index, loaded


def test_additions_to_a_loaded_index_go_to_tails_without_copying_its_postings(
    tmp_path: Path,
) -> None:
    index, loaded = built_and_loaded(tmp_path)
    loaded.add([(1000, ["w0", "w1", "new"]), (1001, ["w0", "香港"])])
    index.add([(1000, ["w0", "w1", "new"]), (1001, ["w0", "香港"])])
    assert loaded.inverted.overlaid() == set()  # nothing of the saved table was copied
    assert loaded.overlay_postings() == held(loaded) < 50  # the tails: five postings, with room
    for term in index.term_ids:
        assert np.array_equal(loaded.postings(term)[0], index.postings(term)[0])
        assert np.array_equal(loaded.postings(term)[1], index.postings(term)[1])
    queries = [["w0"], ["w1", "new"], ["香港", "w0", "w2"]]
    assert [loaded.search([[t] for t in q]) for q in queries] == [
        index.search([[t] for t in q]) for q in queries
    ]


def test_rebase_on_a_written_snapshot_keeps_every_posting_and_frees_the_unchanged(
    tmp_path: Path,
) -> None:
    """The index as its save's callback leaves it: based on the file just written, holding
    in memory only the terms changed since the snapshot was taken."""
    index = built()
    index.add([(1000, ["w0", "w5", "first"])])
    index.remove([(3, index_terms(index, 3))])
    snapshot = index.snapshot()
    snapshot.save(tmp_path)
    index.add([(1001, ["w0", "later"])])  # after the snapshot: stays in memory
    assert index.overlay_postings() == held(index)
    before = {t: index.postings(t) for t in index.term_ids}
    expected = [index.search([["w0"], ["w5"]]), index.search([["later"], ["first"]])]
    saved = BM25Index.load(tmp_path)
    assert saved is not None and saved.saved_stamp == snapshot.saved_stamp
    assert index.rebase(saved, snapshot)
    assert is_mapped(index.table.ids)
    kept = index.inverted.overlaid() | index.inverted.tailed()
    assert kept == {index.term_ids["w0"], index.term_ids["later"]}
    assert index.overlay_postings() == held(index)
    for term, (ids, tfs) in before.items():
        assert np.array_equal(index.postings(term)[0], ids), term
        assert np.array_equal(index.postings(term)[1], tfs), term
    assert [index.search([["w0"], ["w5"]]), index.search([["later"], ["first"]])] == expected
    assert not index.rebase(saved, snapshot)  # once only: a later save rebases next


def test_a_removal_copies_nothing_and_its_postings_leave_with_the_next_save(
    tmp_path: Path,
) -> None:
    index, loaded = built_and_loaded(tmp_path)
    gone = index_terms(loaded, 3)
    loaded.remove([(3, gone)])
    index.remove([(3, gone)])
    assert (
        loaded.inverted.overlaid() == loaded.inverted.tailed() == set()
        and loaded.overlay_postings() == 0
    )
    w0 = loaded.term_ids["w0"]
    assert 3 in loaded.inverted.joined(w0)[0] and 3 not in loaded.postings("w0")[0]
    assert loaded.df("w0") == index.df("w0") == len(index.postings("w0")[0])
    snapshot = loaded.snapshot()
    snapshot.save(tmp_path / "after")
    saved = BM25Index.load(tmp_path / "after")
    assert saved is not None and saved.inverted.dead_terms() == {}
    assert 3 not in saved.inverted.joined(saved.term_ids["w0"])[0]
    assert loaded.rebase(saved, snapshot)
    assert loaded.inverted.dead_terms() == {} and loaded.inverted.tombstones() == {}
    assert 3 not in loaded.inverted.joined(w0)[0]


@pytest.mark.parametrize("compiled", [True, False], ids=["compiled", "numpy"])
def test_any_run_of_additions_removals_re_additions_and_saves_equals_a_fresh_build(
    tmp_path: Path, compiled: bool
) -> None:
    """Removed passages stay in the postings until a save drops them; whatever the order of
    additions, removals, passages indexed again under their id with other terms (as alias
    learning does), snapshots saved and rebased on, and updates during a save, the index reads
    as one built from the passages alive: the same postings, dfs, mean idf, bounds that hold,
    and BM25Okapi's rankings."""
    if compiled and not kernel.available():
        pytest.skip("knowledge._bm25 was not built on this machine")
    rng = random.Random(2)
    weights = [1 / (i + 1) for i in range(len(VOCAB))]

    def draw() -> list[str]:
        return rng.choices(VOCAB, weights, k=rng.randint(1, 30))

    index = BM25Index(compiled=compiled)
    alive: dict[int, list[str]] = {}
    next_id = 1
    pending: list[BM25Index] = []  # snapshots taken, not yet saved: up to two in flight
    for step in range(300):
        action = rng.random()
        if action < 0.4 or len(alive) < 10:
            batch = [(next_id + i, draw()) for i in range(rng.randint(1, 6))]
            next_id += len(batch)
            index.add(batch)
            alive.update(batch)
        elif action < 0.7:
            gone = rng.sample(sorted(alive), rng.randint(1, 4))
            index.remove([(d, alive.pop(d)) for d in gone])
        elif action < 0.85:
            # Indexed again under the same id with other terms; now and then an id removed
            # long ago comes back.
            doc_id = rng.choice(sorted(alive))
            index.remove([(doc_id, alive.pop(doc_id))])
            back = [(doc_id, draw())]
            dead = [d for d in range(1, next_id) if d not in alive and d != doc_id]
            if dead and rng.random() < 0.7:
                back.append((rng.choice(dead), draw()))
            index.add(back)
            alive.update(back)
        elif pending and (len(pending) == 2 or rng.random() < 0.5):
            snapshot = pending.pop(0)  # saves land in the order they were taken
            folder = tmp_path / str(step)
            snapshot.save(folder)
            saved = BM25Index.load(folder, compiled=compiled)
            assert saved is not None and saved.inverted.dead_terms() == {}
            assert index.rebase(saved, snapshot)
        else:
            pending.append(index.snapshot())  # saved after the next few updates
        _assert_equals_fresh(index, alive, compiled, rng)


def _assert_equals_fresh(
    index: BM25Index, alive: dict[int, list[str]], compiled: bool, rng: random.Random
) -> None:
    fresh = BM25Index(compiled=compiled)
    fresh.add(sorted(alive.items()))
    assert (index.doc_count, index.total_len) == (fresh.doc_count, fresh.total_len)
    for term in VOCAB:
        ids, tfs = index.postings(term)
        want = fresh.postings(term)
        assert np.array_equal(ids, want[0]) and np.array_equal(tfs, want[1]), term
        assert index.df(term) == len(want[0])
        if len(want[0]):
            bound = index.term_bound(term)
            exact = fresh.term_bound(term)
            assert bound[0] >= exact[0] and bound[1] <= exact[1] and bound[2] <= exact[2]
    # The mean idf sums the terms in the order they were first indexed, which removals and a
    # fresh build see differently: equal to the last bit or two. It is the floor of the idf of
    # terms in over half the passages, so scores with such terms may differ as much, and
    # passages whose scores tie may swap.
    assert index.mean_idf() == pytest.approx(fresh.mean_idf(), rel=1e-14)
    docs = [alive[d] for d in sorted(alive)]
    reference = BM25Okapi(docs)
    for _ in range(3):
        query = rng.sample(VOCAB[:30], rng.randint(1, 4))
        got = index.search([[t] for t in query], k=5)
        want = bm25okapi_ranking(reference, docs, sorted(alive), query, 10)
        assert [s for _, s in got] == pytest.approx([s for _, s in want[:5]], rel=1e-12)
        for (doc, _), (wanted, score) in zip(got, want, strict=False):
            tied = {d for d, s in want if s == pytest.approx(score, rel=1e-12)}
            assert doc == wanted or doc in tied
    pair, other = rng.sample(VOCAB[:30], 2), [rng.choice(VOCAB)]
    assert index.concept_df(pair) == fresh.concept_df(pair)
    got, want = index.search([pair, other]), fresh.search([pair, other])
    assert [d for d, _ in got] == [d for d, _ in want]


def test_a_large_addition_is_grouped_in_batches_and_equals_one_grouping(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    whole = built()
    monkeypatch.setattr(updates, "BATCH_TOKENS", 50)  # about 3 passages a batch
    batched = built()
    assert table(batched)[0].tolist() == table(whole)[0].tolist()
    for term in whole.term_ids:
        for got, want in zip(batched.postings(term), whole.postings(term), strict=True):
            assert np.array_equal(got, want), term
    assert (batched.doc_count, batched.total_len) == (whole.doc_count, whole.total_len)
    assert batched.search([["w0"], ["w7"], ["香港"]]) == whole.search([["w0"], ["w7"], ["香港"]])


def test_two_saves_in_flight_are_rebased_in_order_and_keep_every_later_addition(
    tmp_path: Path,
) -> None:
    """A second snapshot taken before the first save's rebase: its tail lengths were counted
    before that rebase trimmed the tails."""
    index, loaded = built_and_loaded(tmp_path / "base")
    steps = [[(1000, ["w0", "w1"])], [(1001, ["w0", "w1"])], [(1002, ["w0", "w1", "w2"])]]
    snapshots = []
    for n, docs in enumerate(steps[:2]):
        loaded.add(docs)
        index.add(docs)
        snapshots.append(loaded.snapshot())
        snapshots[-1].save(tmp_path / f"save{n}")
    loaded.add(steps[2])
    index.add(steps[2])
    for n, snapshot in enumerate(snapshots):
        saved = BM25Index.load(tmp_path / f"save{n}")
        assert saved is not None and loaded.rebase(saved, snapshot)
    for docs in ([(1003, ["w0", "w1", "w2"])], [(1004, ["w1"]), (1005, ["w0", "w1"])]):
        loaded.add(docs)
        index.add(docs)
    for term in index.term_ids:
        for got, want in zip(loaded.postings(term), index.postings(term), strict=True):
            assert np.array_equal(got, want), term
