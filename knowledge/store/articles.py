"""The stored articles: read, found by id or prefix, and written whole with their sentences,
passages, learned aliases and the change log, in one transaction per article."""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from knowledge.errors import AmbiguousId, NotFound, StoreChanged, StoreError
from knowledge.models import Article
from knowledge.store.changelog import ChangeLog
from knowledge.store.database import IN_BATCH, Database
from knowledge.store.passages import Passages
from knowledge.store.terms import Terms


@dataclass(frozen=True)
class NewSentence:
    position: int
    paragraph: int
    start: int
    end: int
    text: str
    terms: Sequence[str]


# Ids an ambiguous prefix lists.
_AMBIGUOUS_SHOWN = 10

_ARTICLE_SELECT = (
    "SELECT a.*, (SELECT COUNT(*) FROM passages p WHERE p.article_id = a.id) AS passages, "
    "(SELECT COUNT(*) FROM sentences s WHERE s.article_id = a.id) AS sentences FROM articles a "
)
# The same without the counts (0), for ``articles(counted=False)``.
_UNCOUNTED_SELECT = "SELECT a.*, 0 AS passages, 0 AS sentences FROM articles a "


def _article(row: sqlite3.Row) -> Article:
    return Article(
        id=row["id"],
        title=row["title"],
        source=row["source"],
        url=row["url"],
        lang=row["lang"],
        published=row["published"],
        added_at=row["added_at"],
        passages=row["passages"],
        sentences=row["sentences"],
        format=row["format"],
    )


class Articles:
    """The articles table, and the writes that add or drop an article with all it holds."""

    def __init__(self, db: Database, passages: Passages, terms: Terms, log: ChangeLog) -> None:
        self._db = db
        self._passages = passages
        self._terms = terms
        self._log = log

    def article_count(self) -> int:
        """How many articles are stored."""
        return int(self._db.query("SELECT COUNT(*) AS n FROM articles")[0]["n"])

    def counts(self) -> dict[str, int]:
        """Articles, passages and sentences, counted by SQL rather than by listing."""
        row = self._db.query(
            "SELECT (SELECT COUNT(*) FROM articles) AS articles, "
            "(SELECT COUNT(*) FROM passages) AS passages, "
            "(SELECT COUNT(*) FROM sentences) AS sentences"
        )[0]
        return {key: int(row[key]) for key in ("articles", "passages", "sentences")}

    def article(self, article_id: str) -> Article:
        """The article with this full id; NotFound when there is none."""
        rows = self._db.query(_ARTICLE_SELECT + "WHERE a.id = ?", (article_id,))
        if not rows:
            raise NotFound(f"no article with id {article_id}", id=article_id)
        return _article(rows[0])

    def articles(self, ids: Collection[str], *, counted: bool = True) -> dict[str, Article]:
        """The stored articles among ``ids``, by id, in one query rather than one per article;
        ids not stored are left out. ``counted=False`` leaves their passages and sentences at
        0: counting them is most of the read, and an answer's citations do not show them."""
        select = _ARTICLE_SELECT if counted else _UNCOUNTED_SELECT
        wanted = list(ids)
        found: dict[str, Article] = {}
        for lo in range(0, len(wanted), IN_BATCH):
            chunk = wanted[lo : lo + IN_BATCH]
            marks = ",".join("?" * len(chunk))
            for row in self._db.query(select + f"WHERE a.id IN ({marks})", chunk):
                found[row["id"]] = _article(row)
        return found

    def find_article(self, article_id: str) -> Article | None:
        """The article with this full id, None when there is none."""
        try:
            return self.article(article_id)
        except NotFound:
            return None

    def find_by_replace_key(self, key: str) -> Article | None:
        """The stored article a new one with this key replaces (the key is its url, else its
        source and title), None when there is none."""
        rows = self._db.query(_ARTICLE_SELECT + "WHERE a.replace_key = ?", (key,))
        return _article(rows[0]) if rows else None

    def resolve_id(self, prefix: str) -> str:
        """A full article id from an unambiguous prefix, as people type short ids.

        A range over the primary key, not LIKE: LIKE scans every article and takes "_" in a
        prefix for any character. Ids are lower-case hex; U+10FFFF sorts after every character a
        longer id can continue with.

        Raises:
            AmbiguousId: the prefix starts several ids; ``params["matches"]`` lists up to ten.
            NotFound: it starts none.
        """
        key = prefix.lower()
        rows = self._db.query(
            "SELECT id FROM articles WHERE id >= ? AND id < ? ORDER BY id LIMIT ?",
            (key, key + "\U0010ffff", _AMBIGUOUS_SHOWN + 1),
        )
        if not rows or not prefix:
            raise NotFound(f"no article with id {prefix}", id=prefix)
        if len(rows) > 1:
            matches = [str(r["id"]) for r in rows[:_AMBIGUOUS_SHOWN]]
            more = " and more" if len(rows) > _AMBIGUOUS_SHOWN else ""
            raise AmbiguousId(
                f"the id {prefix} is ambiguous: it starts {', '.join(matches)}{more}; "
                "give more of it",
                id=prefix,
                matches=matches,
            )
        return str(rows[0]["id"])

    def list_articles(self, offset: int = 0, limit: int = 1000) -> list[Article]:
        """Up to ``limit`` articles after the first ``offset``, oldest added first."""
        rows = self._db.query(
            _ARTICLE_SELECT + "ORDER BY a.added_at, a.title LIMIT ? OFFSET ?", (limit, offset)
        )
        return [_article(r) for r in rows]

    def learned_aliases(self) -> list[tuple[str, str]]:
        """The name pairs learned from articles' brackets, to add to the alias table at open."""
        return [(r["form"], r["other"]) for r in self._db.query("SELECT form, other FROM aliases")]

    def add_article(
        self,
        article: Article,
        replace_key: str,
        sentences: Sequence[NewSentence],
        windows: Sequence[tuple[int, int]],
        aliases: Sequence[tuple[str, str]] = (),
        replace_id: str | None = None,
        retermed: Sequence[tuple[int, Sequence[str]]] = (),
        expected_generation: int | None = None,
    ) -> list[int]:
        """Insert an article whole (and drop the one it replaces, and give the ``retermed``
        sentences their new terms); returns the new passage ids.

        The change log learns what an index must do to follow (``ChangeLog.changes_since``):
        the replaced article's passages leave with their stored terms, those holding a retermed
        sentence leave with their old terms and come back, and the new passages come.

        ``expected_generation`` is the generation the caller read the store at (whether the
        article is there, which one it replaces). It is checked inside the write transaction,
        which no other writer can enter: two processes storing two versions of one URL at once
        would otherwise both see no older version and keep both.

        Raises:
            StoreChanged: another write came in after ``expected_generation``; nothing written.
        """
        try:
            with self._db.transaction() as db:
                if expected_generation is not None:
                    row = db.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
                    if (int(row[0]) if row else 0) != expected_generation:
                        raise StoreChanged(
                            "the store changed while the article was being prepared",
                            path=str(self._db.path),
                        )
                left = self._passages.passage_terms(replace_id) if replace_id is not None else []
                if replace_id is not None:
                    db.execute("DELETE FROM articles WHERE id = ?", (replace_id,))
                db.execute(
                    "INSERT INTO articles(id, replace_key, title, source, url, lang, published, "
                    "format, added_at) VALUES (?,?,?,?,?,?,?,?,?)",
                    (
                        article.id,
                        replace_key,
                        article.title,
                        article.source,
                        article.url,
                        article.lang,
                        article.published,
                        article.format,
                        article.added_at,
                    ),
                )
                db.executemany(
                    "INSERT INTO sentences(article_id, position, paragraph, start, end, text, "
                    "terms) VALUES (?,?,?,?,?,?,?)",
                    [
                        (
                            article.id,
                            s.position,
                            s.paragraph,
                            s.start,
                            s.end,
                            s.text,
                            " ".join(s.terms),
                        )
                        for s in sentences
                    ],
                )
                ids = []
                for first, last in windows:
                    cur = db.execute(
                        "INSERT INTO passages(article_id, first_position, last_position) "
                        "VALUES (?,?,?)",
                        (article.id, first, last),
                    )
                    ids.append(int(cur.lastrowid or 0))
                db.executemany(
                    "INSERT OR IGNORE INTO aliases(form, other, article_id) VALUES (?,?,?)",
                    [(a, b, article.id) for a, b in aliases],
                )
                reindexed = self._terms.set_terms(db, retermed)
                self._log.record(db, left + reindexed, [*(pid for pid, _ in reindexed), *ids])
                return ids
        except sqlite3.Error as exc:
            raise StoreError(f"could not store the article: {exc}") from exc

    def remove_article(self, article_id: str) -> None:
        """Delete an article; its passages are logged as leaving, with their stored terms."""
        try:
            with self._db.transaction() as db:
                left = self._passages.passage_terms(article_id)
                cur = db.execute("DELETE FROM articles WHERE id = ?", (article_id,))
                if cur.rowcount == 0:
                    raise NotFound(f"no article with id {article_id}", id=article_id)
                self._log.record(db, left, [])
        except sqlite3.Error as exc:
            raise StoreError(f"could not remove the article: {exc}") from exc
