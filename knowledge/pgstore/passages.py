"""The stored passages and sentences, read from PostgreSQL: what answers quote, what the index
is built from.

A passage is a window of an article's sentences (first to last position); its terms are its
sentences' stored terms, joined here rather than analysed again. As ``knowledge.store.passages``
for SQLite (tests/knowledge/test_store_contract.py runs both).
"""

from __future__ import annotations

import bisect
from collections.abc import Collection, Iterator, Sequence

from knowledge.models import PassageRow, Sentence
from knowledge.pgstore.connection import Database
from knowledge.store import by_range, sentence_with_terms
from knowledge.text import paragraph_texts


def clean(text: str) -> str:
    """A key to look up, without NUL characters: PostgreSQL refuses them in text, and no
    stored id or key holds one, so the look-up finds nothing, as in SQLite."""
    return text.replace("\x00", "\ufffd")


class Passages:
    """Reads of the passages and sentences tables, through the store's :class:`Database`."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def _passage_terms(self, where: str, params: Sequence[object]) -> list[tuple[int, list[str]]]:
        """The passages ``where`` selects (on ``passages p``), each with the terms of its
        sentences in order, by id; a passage with no sentence is left out.

        Two reads in one snapshot, joined here, rather than one join of passages to the
        sentences in their range: the planner hashes that join on the article and filters
        every pair of an article's passages and sentences (40,000 rows out of 4 million at
        20,000 passages), and after a bulk ingest its statistics are too stale to know better.
        """
        with self._db.reading():
            passages = self._db.rows(
                "SELECT p.id, p.article_id, p.first_position, p.last_position FROM passages p "
                + where
                + " ORDER BY p.id",
                params,
            )
            if not passages:
                return []
            articles = sorted({p["article_id"] for p in passages})
            sentences: dict[str, tuple[list[int], list[str]]] = {}
            for row in self._db.rows(
                "SELECT article_id, position, terms FROM sentences "
                "WHERE article_id = ANY(%s::text[]) ORDER BY article_id, position",
                (articles,),
            ):
                positions, terms = sentences.setdefault(row["article_id"], ([], []))
                positions.append(row["position"])
                terms.append(row["terms"])
        out: list[tuple[int, list[str]]] = []
        for p in passages:
            positions, texts = sentences.get(p["article_id"], ([], []))
            lo = bisect.bisect_left(positions, p["first_position"])
            hi = bisect.bisect_right(positions, p["last_position"])
            if lo < hi:
                out.append((p["id"], " ".join(texts[lo:hi]).split()))
        return out

    def all_passage_terms(self, batch: int = 20_000) -> Iterator[tuple[int, list[str]]]:
        """Every passage with its terms, ``batch`` passages read at a time. Inside the store's
        ``reading()`` the pages come from one state of the store."""
        last = -1
        while True:
            rows = self._db.rows(
                "SELECT MAX(id) AS hi FROM (SELECT id FROM passages WHERE id > %s ORDER BY id "
                "LIMIT %s) AS page",
                (last, batch),
            )
            high = rows[0]["hi"]
            if high is None:
                return
            yield from self._passage_terms("WHERE p.id > %s AND p.id <= %s", (last, high))
            last = high

    def passage_terms(self, article_id: str) -> list[tuple[int, list[str]]]:
        """Each of the article's passages as (id, the terms of its sentences): what the index
        holds for it."""
        return self._passage_terms("WHERE p.article_id = %s", (clean(article_id),))

    def passage_terms_by_id(self, ids: Sequence[int]) -> list[tuple[int, list[str]]]:
        """The stored passages among ``ids``, each with its terms."""
        if not ids:
            return []
        return self._passage_terms("WHERE p.id = ANY(%s::bigint[])", (list(ids),))

    def passages(self, ids: Sequence[int]) -> list[PassageRow]:
        """The stored passages among ``ids`` (their article and sentence positions); ids not
        stored are left out."""
        if not ids:
            return []
        rows = self._db.rows(
            "SELECT * FROM passages WHERE id = ANY(%s::bigint[]) ORDER BY id", (list(ids),)
        )
        return [
            PassageRow(r["id"], r["article_id"], r["first_position"], r["last_position"])
            for r in rows
        ]

    def passages_of_articles(self, article_ids: Collection[str]) -> dict[str, list[int]]:
        """The ids of each stored article's passages among ``article_ids``, ascending; an
        article not stored is left out."""
        if not article_ids:
            return {}
        rows = self._db.rows(
            "SELECT article_id, array_agg(id ORDER BY id) AS ids FROM passages "
            "WHERE article_id = ANY(%s::text[]) GROUP BY article_id",
            ([clean(i) for i in article_ids],),
        )
        return {row["article_id"]: list(row["ids"]) for row in rows}

    def passages_of_sentences(self, sentence_ids: Sequence[int]) -> list[int]:
        """The passages holding any of the sentences, ascending."""
        if not sentence_ids:
            return []
        rows = self._db.rows(
            "SELECT DISTINCT p.id AS pid FROM passages p JOIN sentences s ON s.article_id = "
            "p.article_id AND s.position BETWEEN p.first_position AND p.last_position "
            "WHERE s.id = ANY(%s::bigint[]) ORDER BY p.id",
            (list(sentence_ids),),
        )
        return [r["pid"] for r in rows]

    def sentences(self, article_id: str, first: int, last: int) -> list[tuple[Sentence, list[str]]]:
        """The article's sentences at positions ``first`` to ``last``, in order, each with its
        terms."""
        rows = self._db.rows(
            "SELECT * FROM sentences WHERE article_id = %s AND position BETWEEN %s AND %s "
            "ORDER BY position",
            (clean(article_id), first, last),
        )
        return [sentence_with_terms(r) for r in rows]

    def sentences_in(
        self, ranges: Sequence[tuple[str, int, int]]
    ) -> list[list[tuple[Sentence, list[str]]]]:
        """For each (article id, first, last) of ``ranges``, what :meth:`sentences` gives for
        it, read in one query rather than one per range (an answer reads twenty).

        Each range is its own look-up in the index (a LATERAL subquery that OFFSET 0 keeps
        apart): as a plain join, with the statistics of a bulk ingest not yet analysed, the
        planner hashed the ranges and scanned every sentence (80 ms, not 1 ms, at 600,000).
        """
        if not ranges:
            return []
        rows = self._db.rows(
            "SELECT s.* FROM unnest(%s::text[], %s::bigint[], %s::bigint[]) AS r(article_id, "
            "first, last) CROSS JOIN LATERAL (SELECT * FROM sentences WHERE article_id = "
            "r.article_id AND position BETWEEN r.first AND r.last OFFSET 0) AS s",
            (
                [clean(article_id) for article_id, _, _ in ranges],
                [first for _, first, _ in ranges],
                [last for _, _, last in ranges],
            ),
        )
        return by_range(ranges, [sentence_with_terms(r) for r in rows])

    def sentences_like(self, needles: Sequence[str]) -> list[tuple[int, str]]:
        """Sentences whose text contains any needle (case-insensitive, as ILIKE folds case:
        ASCII at least, as in SQLite, and more letters under a database's locale)."""
        patterns = [f"%{clean(n)}%" for n in needles]
        if not patterns:
            return []
        rows = self._db.rows(
            "SELECT id, text FROM sentences WHERE text ILIKE ANY(%s::text[]) ORDER BY id",
            (patterns,),
        )
        return [(r["id"], r["text"]) for r in rows]

    def sentence_texts(self, batch: int = 10_000) -> Iterator[tuple[int, str]]:
        """Every sentence as (id, text), read in batches of ``batch``."""
        last = -1
        while True:
            rows = self._db.rows(
                "SELECT id, text FROM sentences WHERE id > %s ORDER BY id LIMIT %s",
                (last, batch),
            )
            if not rows:
                return
            for row in rows:
                yield row["id"], row["text"]
            last = rows[-1]["id"]

    def paragraphs(self, article_id: str) -> list[str]:
        """An article's paragraphs rebuilt from its sentences and their offsets (a space per
        character between two sentences: the gaps were whitespace)."""
        return paragraph_texts(s for s, _ in self.sentences(article_id, 0, 1 << 62))
