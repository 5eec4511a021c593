"""Answer selection's per-sentence counts, found from the asked terms a sentence holds, equal
their definition: per concept, the sum of its alternatives' counts, and whether the context
holds any alternative."""

from __future__ import annotations

import random
from collections import Counter

from knowledge.evidence import concepts_of, counts_by_concept


def test_counts_by_concept_equal_summing_every_alternative() -> None:
    rng = random.Random(20261207)
    words = [f"w{i}" for i in range(30)] + ["香港", "大学", "~hkust"]
    for _ in range(2000):
        # A term may stand in several concepts, or twice in one: it counts each time.
        concepts = [
            tuple(rng.choices(words, k=rng.randint(1, 4))) for _ in range(rng.randint(1, 6))
        ]
        terms = Counter(rng.choices(words, k=rng.randint(0, 25)))
        near = set(rng.sample(words, rng.randint(0, 5)))
        tfs, nears = counts_by_concept(terms, near, concepts_of(concepts), len(concepts))
        assert tfs == [sum(terms.get(t, 0) for t in c) for c in concepts]
        assert nears == [any(t in near for t in c) for c in concepts]
