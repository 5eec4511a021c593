"""BM25 parity with rank_bm25's BM25Okapi, incremental updates and persistence."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from rank_bm25 import BM25Okapi

from knowledge.errors import DamagedIndex
from knowledge.index import BM25Index, BM25Params

VOCAB = [f"w{i}" for i in range(60)] + ["香港", "大学", "~hkust"]


def corpus(seed: int, size: int) -> list[list[str]]:
    rng = random.Random(seed)
    # Zipf-like draws so that some terms are in more than half the passages (negative idf).
    weights = [1 / (i + 1) for i in range(len(VOCAB))]
    return [rng.choices(VOCAB, weights, k=rng.randint(3, 40)) for _ in range(size)]


@pytest.mark.parametrize("params", [BM25Params(), BM25Params(k1=1.2, b=0.6, epsilon=0.5)])
def test_scores_equal_rank_bm25(params: BM25Params) -> None:
    docs = corpus(7, 300)
    reference = BM25Okapi(docs, k1=params.k1, b=params.b, epsilon=params.epsilon)
    index = BM25Index(params)
    index.add((i + 1, d) for i, d in enumerate(docs))
    for query in (["w0"], ["w3", "w17", "香港"], ["w1", "w1", "w59"], ["nothing"], ["w0", "w2"]):
        expected = reference.get_scores(query)
        got = index.scores([i + 1 for i in range(len(docs))], query)
        assert got == pytest.approx(list(expected), rel=1e-12, abs=1e-12)


def test_search_returns_rank_bm25_top_k() -> None:
    docs = corpus(11, 500)
    reference = BM25Okapi(docs)
    index = BM25Index()
    index.add((i + 1, d) for i, d in enumerate(docs))
    query = ["w5", "w9", "大学"]
    expected = sorted(range(len(docs)), key=lambda i: (-reference.get_scores(query)[i], i))[:10]
    hits = index.search([[t] for t in query], k=10)
    assert [doc_id - 1 for doc_id, _ in hits] == expected
    scores = reference.get_scores(query)
    assert [s for _, s in hits] == pytest.approx([scores[i] for i in expected], rel=1e-12)


def test_search_touches_only_passages_with_the_terms() -> None:
    index = BM25Index()
    index.add([(1, ["a", "b"]), (2, ["c"]), (3, ["a"])])
    assert {doc for doc, _ in index.search([["a"]], k=10)} == {1, 3}


def test_remove_and_add_equal_a_fresh_build() -> None:
    docs = corpus(3, 200)
    index = BM25Index()
    index.add((i + 1, d) for i, d in enumerate(docs))
    index.remove((i + 1, docs[i]) for i in range(0, 200, 3))
    kept = [(i + 1, d) for i, d in enumerate(docs) if i % 3]
    fresh = BM25Index()
    fresh.add(kept)
    ids = [doc for doc, _ in kept]
    for query in (["w0"], ["w4", "w8"], ["香港", "w30"]):
        assert index.scores(ids, query) == pytest.approx(fresh.scores(ids, query), rel=1e-12)
    reference = BM25Okapi([d for _, d in kept])
    assert index.scores(ids, ["w4", "w8"]) == pytest.approx(
        list(reference.get_scores(["w4", "w8"])), rel=1e-12
    )


def test_synonym_group_scores_as_one_term() -> None:
    index = BM25Index()
    index.add([(1, ["hkust", "x"]), (2, ["港科大", "y"]), (3, ["z"]), (4, ["z", "z"])])
    grouped = dict(index.search([["hkust", "港科大"]], k=5))
    merged = BM25Index()
    merged.add([(1, ["G", "x"]), (2, ["G", "y"]), (3, ["z"]), (4, ["z", "z"])])
    assert grouped == pytest.approx(dict(merged.search([["G"]], k=5)))


def test_index_survives_save_and_load(tmp_path: Path) -> None:
    docs = corpus(5, 100)
    index = BM25Index()
    index.add((i + 1, d) for i, d in enumerate(docs))
    index.generation = 42
    index.save(tmp_path)
    loaded = BM25Index.load(tmp_path)
    assert loaded is not None and loaded.generation == 42
    ids = list(range(1, 101))
    assert loaded.scores(ids, ["w1", "w7"]) == index.scores(ids, ["w1", "w7"])
    loaded.add([(500, ["w1", "new"])])
    assert loaded.search([["new"]], k=1)[0][0] == 500


def test_load_refuses_other_parameters(tmp_path: Path) -> None:
    index = BM25Index()
    index.add([(1, ["a"])])
    index.save(tmp_path)
    assert BM25Index.load(tmp_path, BM25Params(k1=2.0)) is None


def test_bad_parameters_are_refused() -> None:
    with pytest.raises(ValueError, match="b="):
        BM25Params(b=2.0)


def test_load_refuses_the_arrays_of_one_save_with_the_metadata_of_another(
    tmp_path: Path,
) -> None:
    """Two processes saving one folder may interleave their renames: such a pair is not an
    index (it is rebuilt from the stored terms), even when its sizes happen to fit."""
    index = BM25Index()
    index.add([(1, ["a", "b"]), (2, ["b"])])
    index.generation = 1
    index.save(tmp_path / "first")
    index.generation = 2
    index.save(tmp_path / "second")
    (tmp_path / "second" / "index.json").replace(tmp_path / "first" / "index.json")
    assert BM25Index.load(tmp_path / "first") is None


def test_load_of_a_torn_or_corrupt_index_file_says_it_is_damaged(tmp_path: Path) -> None:
    """The knowledge base rebuilds such an index from the store and says so (DamagedIndex)."""
    index = BM25Index()
    index.add([(1, ["a"])])
    index.save(tmp_path)
    data = (tmp_path / "index.npz").read_bytes()
    (tmp_path / "index.npz").write_bytes(data[: len(data) // 2])
    with pytest.raises(DamagedIndex, match=r"index\.npz"):
        BM25Index.load(tmp_path)
    (tmp_path / "index.npz").write_bytes(b"not a zip file at all")
    with pytest.raises(DamagedIndex, match=r"index\.npz"):
        BM25Index.load(tmp_path)


def test_loaded_index_has_the_saved_mean_idf_to_the_bit(tmp_path: Path) -> None:
    """The mean idf (BM25Okapi's floor for very common terms) travels with the save, so a
    loaded index's first question does not recompute it, and equals a fresh computation."""
    docs = [["common", f"rare{i % 7}", "common"] if i % 3 else ["common"] for i in range(60)]
    index = BM25Index()
    index.add(enumerate(docs))
    index.save(tmp_path)
    loaded = BM25Index.load(tmp_path)
    assert loaded is not None
    saved = json.loads((tmp_path / "index.json").read_text(encoding="utf-8"))["mean_idf"]
    assert saved == loaded.mean_idf() == index.mean_idf()
    loaded.remove([])  # drops the cached value: computed again from the postings
    assert loaded.mean_idf() == index.mean_idf()
