"""The index on disk: postings mapped from the file, streamed out in pieces, older saves read."""

from __future__ import annotations

import itertools
import math
import random
from pathlib import Path

import numpy as np
import pytest

from knowledge.errors import DamagedIndex
from knowledge.index import BM25Index, is_mapped
from knowledge.index import table as index_table

VOCAB = [f"w{i}" for i in range(80)] + ["香港", "大学"]


def built(seed: int = 3, size: int = 400) -> BM25Index:
    rng = random.Random(seed)
    weights = [1 / (i + 1) for i in range(len(VOCAB))]
    index = BM25Index()
    index.add((i + 1, rng.choices(VOCAB, weights, k=rng.randint(2, 30))) for i in range(size))
    return index


def table(index: BM25Index) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The index's postings of live passages as one table (ptr, ids, tfs), terms in id order."""
    parts = [index.postings(term) for term in index.term_ids]
    ptr = np.concatenate([[0], np.cumsum([len(ids) for ids, _ in parts])]).astype(np.int64)
    return ptr, np.concatenate([i for i, _ in parts]), np.concatenate([t for _, t in parts])


def test_loaded_postings_are_read_only_aligned_views_of_the_saved_file(tmp_path: Path) -> None:
    index = built()
    index.save(tmp_path)
    loaded = BM25Index.load(tmp_path)
    assert loaded is not None and loaded.save_is_current
    for array in (loaded.table.ids, loaded.table.tfs):
        assert is_mapped(array)
        assert not array.flags.writeable
        assert array.ctypes.data % 64 == 0
    queries = [["w1", "w7"], ["香港"], ["w0", "大学", "w40"]]
    assert [loaded.search([[t] for t in q]) for q in queries] == [
        index.search([[t] for t in q]) for q in queries
    ]


@pytest.mark.parametrize("loaded", [False, True], ids=["built", "loaded"])
def test_a_save_written_in_pieces_holds_the_whole_table_and_its_bounds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, loaded: bool
) -> None:
    """Pieces of a few postings: every term boundary falls somewhere between two pieces. A
    loaded index writes its unchanged terms from the file it was loaded from."""
    monkeypatch.setattr(index_table, "PIECE", 7)
    index = built()
    if loaded:
        index.save(tmp_path / "before")
        index = BM25Index.load(tmp_path / "before")  # type: ignore[assignment]
        assert index is not None and index.table.sources is not None
        index.remove([(3, index_terms(index, 3))])  # a term rewritten whole
    index.add([(1000, ["w1", "new"])])  # a tail behind the base, and a new term
    index.save(tmp_path)
    ptr, ids, tfs = table(index)
    expected_bounds = np.array(
        [
            index.inverted.bound_of(ids[lo:hi], tfs[lo:hi]) if lo < hi else (0, math.inf, math.inf)
            for lo, hi in itertools.pairwise(ptr)
        ]
    )
    with np.load(tmp_path / "index.npz") as arrays:
        assert np.array_equal(arrays["ptr"], ptr)
        assert np.array_equal(arrays["ids"], ids)
        assert np.array_equal(arrays["tfs"], tfs)
        assert np.array_equal(arrays["bounds"], expected_bounds)
        assert np.array_equal(arrays["doc_len"], index.inverted.lengths)


def test_an_index_saved_by_np_savez_loads_into_memory_and_asks_to_be_saved_again(
    tmp_path: Path,
) -> None:
    """The layout older versions wrote: the same members, at unaligned offsets."""
    index = built()
    index.save(tmp_path)
    npz = tmp_path / "index.npz"
    with np.load(npz) as arrays:
        members = {name: arrays[name] for name in arrays.files}
    with open(npz, "wb") as fh:
        np.savez(fh, **members)
    loaded = BM25Index.load(tmp_path)
    assert loaded is not None and not loaded.save_is_current
    assert not is_mapped(loaded.table.ids)
    assert loaded.search([["w3"], ["w9"]]) == index.search([["w3"], ["w9"]])
    loaded.save(tmp_path)
    again = BM25Index.load(tmp_path)
    assert again is not None and again.save_is_current


def test_a_save_whose_table_does_not_fit_its_offsets_is_damaged(tmp_path: Path) -> None:
    index = built()
    index.save(tmp_path)
    npz = tmp_path / "index.npz"
    with np.load(npz) as arrays:
        members = {name: arrays[name] for name in arrays.files}
    members["ptr"] = members["ptr"].copy()
    members["ptr"][-1] += 5  # more postings than the table holds
    with open(npz, "wb") as fh:
        np.savez(fh, **members)  # with right checksums: the sizes are what does not fit
    with pytest.raises(DamagedIndex, match="do not fit"):
        BM25Index.load(tmp_path)


def test_a_loaded_index_keeps_answering_after_another_save_replaces_its_file(
    tmp_path: Path,
) -> None:
    """A bot's mapped postings and a `citebot ingest` saving the same folder: the save
    renames a new file into place, and the mapping keeps the one it was loaded from."""
    index = built()
    index.save(tmp_path)
    loaded = BM25Index.load(tmp_path)
    assert loaded is not None
    before = loaded.search([["w2"], ["香港"]])
    other = built(seed=99)
    other.generation = 7
    other.save(tmp_path)
    assert loaded.search([["w2"], ["香港"]]) == before == index.search([["w2"], ["香港"]])
    reloaded = BM25Index.load(tmp_path)
    assert reloaded is not None and reloaded.generation == 7


def index_terms(index: BM25Index, doc_id: int) -> list[str]:
    """The terms a passage was indexed with, read back from the postings."""
    out = []
    for term, tid in index.term_ids.items():
        ids, tfs = index.inverted.joined(tid)
        hit = np.flatnonzero(ids == doc_id)
        out += [term] * int(tfs[hit[0]]) if len(hit) else []
    return out


def held(index: BM25Index) -> int:
    """The entries of the overlay's and the tails' arrays, counted one by one."""
    arrays = index.inverted.held_arrays()
    return sum(len(ids) for ids, _, _ in arrays)
