"""The stored passages and sentences, read: what answers quote, what the index is built from.

A passage is a window of an article's sentences (first to last position); its terms are its
sentences' stored terms, joined here rather than analysed again.
"""

from __future__ import annotations

import bisect
from collections.abc import Collection, Iterator, Sequence
from typing import Any, Protocol

from knowledge.models import PassageRow, Sentence
from knowledge.store.database import IN_BATCH, Database
from knowledge.text import paragraph_texts

_PASSAGE_TERMS = (
    "SELECT p.id AS pid, s.terms AS terms FROM passages p JOIN sentences s "
    "ON s.article_id = p.article_id AND s.position BETWEEN p.first_position "
    "AND p.last_position "
)

# A sentence's fields in the order Sentence takes them, then its terms.
_SENTENCE_COLUMNS = "s.id, s.article_id, s.paragraph, s.position, s.start, s.end, s.text, s.terms"


class Passages:
    """Reads of the passages and sentences tables, through the store's :class:`Database`."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def _passage_terms(
        self, where: str = "", params: Sequence[object] = ()
    ) -> Iterator[tuple[int, list[str]]]:
        """Passages with their terms, rebuilt from the stored sentence terms (no re-tokenizing)."""
        rows = self._db.query(_PASSAGE_TERMS + where + " ORDER BY p.id, s.position", params)
        current: int | None = None
        terms: list[str] = []
        for row in rows:
            if row["pid"] != current:
                if current is not None:
                    yield current, terms
                current, terms = row["pid"], []
            terms.extend(row["terms"].split())
        if current is not None:
            yield current, terms

    def all_passage_terms(self, batch: int = 20_000) -> Iterator[tuple[int, list[str]]]:
        """Every passage with its terms, ``batch`` passages read at a time: a rebuild at a
        million passages held all 2.5 million rows in memory at once (GBs). Inside
        :meth:`Database.reading` the pages come from one state of the store."""
        last = -1
        while True:
            rows = self._db.query(
                "SELECT MAX(id) AS hi FROM (SELECT id FROM passages WHERE id > ? ORDER BY id "
                "LIMIT ?)",
                (last, batch),
            )
            high = rows[0]["hi"]
            if high is None:
                return
            yield from self._passage_terms("WHERE p.id > ? AND p.id <= ?", (last, high))
            last = high

    def passage_terms(self, article_id: str) -> list[tuple[int, list[str]]]:
        """Each of the article's passages as (id, the terms of its sentences): what the index
        holds for it."""
        return list(self._passage_terms("WHERE p.article_id = ?", (article_id,)))

    def passage_terms_by_id(self, ids: Sequence[int]) -> list[tuple[int, list[str]]]:
        """The stored passages among ``ids``, each with its terms."""
        out: list[tuple[int, list[str]]] = []
        for lo in range(0, len(ids), IN_BATCH):
            chunk = list(ids[lo : lo + IN_BATCH])
            marks = ",".join("?" * len(chunk))
            out += self._passage_terms(f"WHERE p.id IN ({marks})", chunk)
        return out

    def passages(self, ids: Sequence[int]) -> list[PassageRow]:
        """The stored passages among ``ids`` (their article and sentence positions); ids not
        stored are left out."""
        marks = ",".join("?" * len(ids))
        rows = self._db.query(
            "SELECT id, article_id, first_position, last_position FROM passages "
            f"WHERE id IN ({marks})",
            list(ids),
        )
        return [PassageRow(*r) for r in rows]  # by position: an answer reads up to 2,000

    def passages_of_articles(self, article_ids: Collection[str]) -> dict[str, list[int]]:
        """The ids of each stored article's passages among ``article_ids``, ascending; an
        article not stored is left out. (Read from the index on article_id alone.)"""
        found: dict[str, list[int]] = {}
        wanted = list(article_ids)
        for lo in range(0, len(wanted), IN_BATCH):
            chunk = wanted[lo : lo + IN_BATCH]
            marks = ",".join("?" * len(chunk))
            # A row an article, its ids joined: a row a passage took twice as long to read.
            rows = self._db.query(
                "SELECT article_id, group_concat(id) AS ids FROM passages "
                f"WHERE article_id IN ({marks}) GROUP BY article_id",
                chunk,
            )
            for row in rows:
                found[row["article_id"]] = sorted(map(int, row["ids"].split(",")))
        return found

    def passages_of_sentences(self, sentence_ids: Sequence[int]) -> list[int]:
        """The passages holding any of the sentences, ascending."""
        found: set[int] = set()
        for lo in range(0, len(sentence_ids), IN_BATCH):
            chunk = list(sentence_ids[lo : lo + IN_BATCH])
            marks = ",".join("?" * len(chunk))
            rows = self._db.query(
                "SELECT DISTINCT p.id AS pid FROM passages p JOIN sentences s ON s.article_id = "
                "p.article_id AND s.position BETWEEN p.first_position AND p.last_position "
                f"WHERE s.id IN ({marks})",
                chunk,
            )
            found.update(r["pid"] for r in rows)
        return sorted(found)

    def sentences(self, article_id: str, first: int, last: int) -> list[tuple[Sentence, list[str]]]:
        """The article's sentences at positions ``first`` to ``last``, in order, each with its
        terms."""
        rows = self._db.query(
            "SELECT * FROM sentences WHERE article_id = ? AND position BETWEEN ? AND ? "
            "ORDER BY position",
            (article_id, first, last),
        )
        return [sentence_with_terms(r) for r in rows]

    def sentences_in(
        self, ranges: Sequence[tuple[str, int, int]]
    ) -> list[list[tuple[Sentence, list[str]]]]:
        """For each (article id, first, last) of ``ranges``, what :meth:`sentences` gives for
        it, read in one query rather than one per range (an answer reads twenty)."""
        found: list[tuple[Sentence, list[str]]] = []
        step = IN_BATCH // 3
        for lo in range(0, len(ranges), step):
            chunk = ranges[lo : lo + step]
            values = ",".join("(?, ?, ?)" for _ in chunk)
            rows = self._db.query(
                f"WITH r(article_id, first, last) AS (VALUES {values}) SELECT {_SENTENCE_COLUMNS}"
                " FROM r JOIN sentences s ON s.article_id = r.article_id AND s.position BETWEEN "
                "r.first AND r.last",
                [value for triple in chunk for value in triple],
            )
            # By position rather than by name: an answer reads a hundred rows.
            found += ((Sentence(*r[:7]), r[7].split()) for r in rows)
        return by_range(ranges, found)

    def sentences_like(self, needles: Sequence[str]) -> list[tuple[int, str]]:
        """Sentences whose text contains any needle (case-insensitive for ASCII)."""
        if not needles:
            return []
        where = " OR ".join("text LIKE ?" for _ in needles)
        rows = self._db.query(
            f"SELECT id, text FROM sentences WHERE {where}", [f"%{n}%" for n in needles]
        )
        return [(r["id"], r["text"]) for r in rows]

    def sentence_texts(self, batch: int = 10_000) -> Iterator[tuple[int, str]]:
        """Every sentence as (id, text), read in batches so the lock is not held throughout."""
        last = -1
        while True:
            rows = self._db.query(
                "SELECT id, text FROM sentences WHERE id > ? ORDER BY id LIMIT ?", (last, batch)
            )
            if not rows:
                return
            for row in rows:
                yield row["id"], row["text"]
            last = rows[-1]["id"]

    def paragraphs(self, article_id: str) -> list[str]:
        """An article's paragraphs rebuilt from its sentences and their offsets.

        The gaps between sentences were whitespace; a space per gap character restores them.
        """
        return paragraph_texts(s for s, _ in self.sentences(article_id, 0, 1 << 62))


class _Fields(Protocol):
    """A row read by column name: SQLite's ``sqlite3.Row`` or PostgreSQL's dict row."""

    def __getitem__(self, key: str, /) -> Any: ...


def sentence_with_terms(row: _Fields) -> tuple[Sentence, list[str]]:
    """A stored sentence row as the sentence and its terms, in either store."""
    sentence = Sentence(
        row["id"],
        row["article_id"],
        row["paragraph"],
        row["position"],
        row["start"],
        row["end"],
        row["text"],
    )
    return sentence, row["terms"].split()


def by_range(
    ranges: Sequence[tuple[str, int, int]], found: Sequence[tuple[Sentence, list[str]]]
) -> list[list[tuple[Sentence, list[str]]]]:
    """For each (article id, first, last) of ``ranges``, the sentences of ``found`` in it, in
    order (one that overlapping ranges read twice is taken once)."""
    kept: dict[str, dict[int, tuple[Sentence, list[str]]]] = {}
    for item in found:
        kept.setdefault(item[0].article_id, {})[item[0].position] = item
    articles = {article_id: (sorted(items), items) for article_id, items in kept.items()}
    out: list[list[tuple[Sentence, list[str]]]] = []
    for article_id, first, last in ranges:
        if article_id not in articles:
            out.append([])
            continue
        positions, items = articles[article_id]
        lo = bisect.bisect_left(positions, first)
        hi = bisect.bisect_right(positions, last)
        out.append([items[position] for position in positions[lo:hi]])
    return out
