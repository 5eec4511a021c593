"""Updates: additions into tails without copying a loaded index, rebasing on a written save."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from knowledge import index_files
from knowledge.index import BM25Index
from tests.knowledge.test_index_files import built, held, index_terms


def test_additions_to_a_loaded_index_go_to_tails_without_copying_its_postings(
    tmp_path: Path,
) -> None:
    index = built()
    index.save(tmp_path)
    loaded = BM25Index.load(tmp_path)
    assert loaded is not None
    loaded.add([(1000, ["w0", "w1", "new"]), (1001, ["w0", "香港"])])
    index.add([(1000, ["w0", "w1", "new"]), (1001, ["w0", "香港"])])
    assert loaded._overlay == {}  # nothing of the saved table was copied
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
    assert index_files.is_mapped(index._base_ids)
    kept = set(index._overlay) | set(index._tails)
    assert kept == {index.term_ids["w0"], index.term_ids["later"]}
    assert index.overlay_postings() == held(index)
    for term, (ids, tfs) in before.items():
        assert np.array_equal(index.postings(term)[0], ids), term
        assert np.array_equal(index.postings(term)[1], tfs), term
    assert [index.search([["w0"], ["w5"]]), index.search([["later"], ["first"]])] == expected
    assert not index.rebase(saved, snapshot)  # once only: a later save rebases next
