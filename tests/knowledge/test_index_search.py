"""The search, compiled (knowledge/_bm25.c) and numpy alone, against rank_bm25's BM25Okapi.

Both must return exactly what BM25Okapi ranks first among the passages holding a query term:
the same ids in the same order (ties by id) and the same scores to the bit, whatever the
parameters, after removals, with synonym groups, and for queries whose terms have negative idf.
"""

from __future__ import annotations

import os
import random
from pathlib import Path

import numpy as np
import pytest
from rank_bm25 import BM25Okapi

from knowledge.index import BM25Index, BM25Params, kernel

VOCAB = [f"w{i}" for i in range(80)]
ENGINES = [
    pytest.param(True, id="compiled"),
    pytest.param(False, id="numpy"),
]


def _compiled_available() -> bool:
    return kernel.available()


def bm25okapi_ranking(
    reference: BM25Okapi, docs: list[list[str]], ids: list[int], query: list[str], k: int
) -> list[tuple[int, float]]:
    """The top ``k`` (id, score) that the index must return: BM25Okapi's ranking of the
    passages holding a query term, ties by id (test_index_updates.py compares with it too)."""
    scores = reference.get_scores(query)
    touched = [i for i, doc in enumerate(docs) if set(doc) & set(query)]
    ranked = sorted(touched, key=lambda i: (-scores[i], ids[i]))[:k]
    return [(ids[i], float(scores[i])) for i in ranked]


def _random_corpus(rng: random.Random) -> list[list[str]]:
    # Zipf-like draws of varying steepness: some terms sit in over half the passages, where
    # BM25Okapi's idf goes negative and is replaced by epsilon times the mean idf.
    steep = rng.choice([0.5, 1.0, 1.5])
    weights = [1 / (i + 1) ** steep for i in range(len(VOCAB))]
    return [rng.choices(VOCAB, weights, k=rng.randint(1, 40)) for _ in range(rng.randint(5, 300))]


@pytest.fixture(params=ENGINES)
def compiled(request: pytest.FixtureRequest) -> bool:
    if request.param and not _compiled_available():
        pytest.skip("knowledge._bm25 was not built on this machine")
    return bool(request.param)


def test_search_equals_bm25okapi_on_random_corpora(compiled: bool) -> None:
    rng = random.Random(20261125)
    for _ in range(80):
        docs = _random_corpus(rng)
        params = BM25Params(
            k1=rng.choice([0.5, 1.2, 1.5, 2.0]),
            b=rng.choice([0.0, 0.3, 0.75, 1.0]),
            epsilon=rng.choice([0.0, 0.25, 1.0]),
        )
        reference = BM25Okapi(docs, k1=params.k1, b=params.b, epsilon=params.epsilon)
        index = BM25Index(params, compiled=compiled)
        ids = [3 * i + 1 for i in range(len(docs))]  # sparse ids, as after removals
        index.add(zip(ids, docs, strict=True))
        for _ in range(10):
            query = rng.sample(VOCAB, rng.randint(1, 6))
            k = rng.choice([1, 3, 10, 50])
            got = index.search([[t] for t in query], k=k)
            assert got == bm25okapi_ranking(reference, docs, ids, query, k), (query, k, params)


def test_search_after_removals_equals_a_fresh_bm25okapi(compiled: bool) -> None:
    rng = random.Random(7)
    docs = _random_corpus(rng) + _random_corpus(rng)
    index = BM25Index(compiled=compiled)
    index.add((i, d) for i, d in enumerate(docs))
    gone = set(rng.sample(range(len(docs)), len(docs) // 3))
    index.remove((i, docs[i]) for i in sorted(gone))
    kept = [i for i in range(len(docs)) if i not in gone]
    reference = BM25Okapi([docs[i] for i in kept])
    for _ in range(30):
        query = rng.sample(VOCAB, rng.randint(1, 5))
        expected = bm25okapi_ranking(reference, [docs[i] for i in kept], kept, query, 10)
        assert index.search([[t] for t in query], k=10) == expected


def test_synonym_groups_score_as_one_term(compiled: bool) -> None:
    """A concept of several terms equals one merged term in a corpus where they are one.

    With epsilon 0: merging terms changes the vocabulary, hence BM25Okapi's mean idf, which
    epsilon would bring into the scores of frequent terms.
    """
    rng = random.Random(3)
    docs = _random_corpus(rng)
    merged = [["G" if t in ("w2", "w9", "w40") else t for t in doc] for doc in docs]
    reference = BM25Okapi(merged, epsilon=0.0)
    index = BM25Index(BM25Params(epsilon=0.0), compiled=compiled)
    index.add(enumerate(docs))
    ids = list(range(len(docs)))
    for others in (["w1"], ["w5", "w30"], []):
        got = index.search([["w2", "w9", "w40"], *[[t] for t in others]], k=10)
        assert got == bm25okapi_ranking(reference, merged, ids, ["G", *others], 10)


def test_search_with_df_counts_each_concepts_live_passages(compiled: bool) -> None:
    """The dfs the search hands back are the passages holding any of a concept's terms, removed
    ones not counted: what concept_df gives, and what answer selection weighs concepts by."""
    rng = random.Random(11)
    docs = _random_corpus(rng) + _random_corpus(rng)
    index = BM25Index(compiled=compiled)
    index.add(enumerate(docs))
    gone = set(rng.sample(range(len(docs)), len(docs) // 3))
    index.remove((i, docs[i]) for i in sorted(gone))
    kept = [set(docs[i]) for i in range(len(docs)) if i not in gone]
    for _ in range(30):
        concepts = [rng.sample([*VOCAB, "never-seen"], rng.randint(1, 3)) for _ in range(4)]
        hits, dfs = index.search_with_df(concepts, k=10)
        assert hits == index.search(concepts, k=10)
        expected = [sum(1 for doc in kept if doc.intersection(c)) for c in concepts]
        assert dfs == expected == [index.concept_df(c) for c in concepts], concepts


def test_compiled_and_numpy_agree_on_a_larger_index() -> None:
    if not _compiled_available():
        pytest.skip("knowledge._bm25 was not built on this machine")
    rng = np.random.default_rng(11)
    vocab = [f"t{i}" for i in range(3000)]
    weights = 1 / np.arange(1, len(vocab) + 1) ** 1.1
    weights /= weights.sum()
    docs = [
        [vocab[j] for j in rng.choice(len(vocab), size=rng.integers(20, 80), p=weights)]
        for _ in range(6000)
    ]
    fast, slow = BM25Index(compiled=True), BM25Index(compiled=False)
    fast.add(enumerate(docs))
    slow.add(enumerate(docs))
    for _ in range(200):
        query = [[vocab[j]] for j in rng.choice(200, size=rng.integers(2, 7), replace=False)]
        assert fast.search(query, k=10) == slow.search(query, k=10)


def test_ci_builds_the_compiled_search() -> None:
    """An install that silently lost the C extension would still pass every other test, only
    several times slower: CI, which installs with a compiler, insists on it."""
    if os.environ.get("CI") != "true":
        pytest.skip("only CI is sure to have a C compiler")
    assert _compiled_available()
    assert BM25Index().compiled


def test_asking_for_a_missing_compiled_search_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kernel, "bm25c", None)
    assert not BM25Index().compiled
    with pytest.raises(ValueError, match="not built"):
        BM25Index(compiled=True)


def test_kernel_refuses_ids_beyond_its_tables() -> None:
    if not _compiled_available():
        pytest.skip("knowledge._bm25 was not built on this machine")
    loops = kernel.bm25c
    size = 4
    scratch = [np.zeros(size), np.zeros(size, np.int32), np.zeros(size, np.uint8)]
    union, local = np.zeros(size, np.int32), np.zeros(size, np.int32)
    doc_len = np.ones(size, np.int32)
    parts = [(np.array([1, 9], np.int32), np.array([1, 1], np.int32))]
    with pytest.raises(IndexError):
        loops.accumulate(parts, 1.0, 1.5, 0.75, 1.0, doc_len, *scratch, union, 0, local, 1)
    with pytest.raises(IndexError):
        loops.union_count(parts, scratch[2], doc_len)
    assert not scratch[2].any()  # the marks it set on the way are cleared
    with pytest.raises(TypeError):
        loops.accumulate(
            [(np.array([1], np.int64), np.array([1], np.int32))],
            1.0, 1.5, 0.75, 1.0, doc_len, *scratch, union, 0, local, 1,
        )  # fmt: skip


def test_articles_added_one_by_one_equal_a_fresh_build(compiled: bool) -> None:
    """Growing postings in place (appends into spare room) gives the same index as one build,
    including ids that arrive out of order and removals in between; arrays handed out before
    an addition (a search in progress, a snapshot being saved) are never written."""
    rng = random.Random(5)
    docs = _random_corpus(rng) + _random_corpus(rng) + _random_corpus(rng)
    ids = list(range(1, len(docs) + 1))
    ids[10], ids[20] = ids[20], ids[10]  # one id lower than those before it
    index = BM25Index(compiled=compiled)
    held = None
    for start in range(0, len(docs), 7):
        index.add(zip(ids[start : start + 7], docs[start : start + 7], strict=True))
        if held is None and start > 50:
            term_ids, _ = index.postings("w0")
            held = (term_ids, term_ids.copy())
        if start == 70:
            index.remove([(ids[3], docs[3]), (ids[40], docs[40])])
    assert held is not None and np.array_equal(held[0], held[1])
    gone = {3, 40}
    kept = [i for i in range(len(docs)) if i not in gone]
    fresh = BM25Index(compiled=compiled)
    fresh.add((ids[i], docs[i]) for i in kept)
    reference = BM25Okapi([docs[i] for i in kept])
    kept_docs, kept_ids = [docs[i] for i in kept], [ids[i] for i in kept]
    for term in VOCAB:
        got, want = index.postings(term), fresh.postings(term)
        assert np.array_equal(got[0], want[0]) and np.array_equal(got[1], want[1]), term
    for _ in range(20):
        query = rng.sample(VOCAB, rng.randint(1, 5))
        expected = bm25okapi_ranking(reference, kept_docs, kept_ids, query, 10)
        assert index.search([[t] for t in query], k=10) == expected


def test_loaded_index_keeps_its_saved_bounds_and_equals_bm25okapi(
    compiled: bool, tmp_path: Path
) -> None:
    """Term bounds are saved with the table: a loaded index takes them as saved (equal to those
    a term's own postings give), and searches after a load, an addition and a removal still
    rank exactly as BM25Okapi does."""
    rng = random.Random(11)
    docs = _random_corpus(rng) + _random_corpus(rng)
    ids = list(range(len(docs)))
    built = BM25Index(compiled=compiled)
    built.add(zip(ids[:-5], docs[:-5], strict=True))
    built.save(tmp_path)
    loaded = BM25Index.load(tmp_path, compiled=compiled)
    assert loaded is not None and len(loaded.table.bounds) == len(loaded.term_ids)
    fresh = BM25Index(compiled=compiled)
    fresh.add(zip(ids[:-5], docs[:-5], strict=True))
    for term in loaded.term_ids:
        assert loaded.term_bound(term) == fresh.term_bound(term)
    loaded.add(zip(ids[-5:], docs[-5:], strict=True))
    # Saved bounds combined with those of the appended tails: as the whole postings give them.
    for term in loaded.term_ids:
        assert loaded.term_bound(term) == loaded.inverted.bound_of(*loaded.postings(term))
    loaded.remove([(ids[0], docs[0])])
    kept = list(range(1, len(docs)))
    reference = BM25Okapi([docs[i] for i in kept])
    for _ in range(30):
        query = rng.sample(VOCAB, rng.randint(1, 5))
        expected = bm25okapi_ranking(reference, [docs[i] for i in kept], kept, query, 10)
        assert loaded.search([[t] for t in query], k=10) == expected
