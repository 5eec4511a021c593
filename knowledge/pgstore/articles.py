"""The stored articles in PostgreSQL: read, found by id or prefix, and written whole with their
sentences, passages, learned aliases and the change log, in one transaction per article.

As ``knowledge.store.articles`` for SQLite; the write takes the schema's write lock, so
``expected_generation`` is checked whichever replica writes.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from knowledge.errors import AmbiguousId, NotFound, StoreChanged
from knowledge.models import Article
from knowledge.pgstore.changelog import ChangeLog
from knowledge.pgstore.connection import Connection, Database, Row
from knowledge.pgstore.passages import Passages, clean
from knowledge.pgstore.terms import Terms
from knowledge.store import NewSentence

# Ids an ambiguous prefix lists (as the SQLite store does).
_AMBIGUOUS_SHOWN = 10
_ARTICLE_SELECT = (
    "SELECT a.*, (SELECT COUNT(*) FROM passages p WHERE p.article_id = a.id) AS passages, "
    "(SELECT COUNT(*) FROM sentences s WHERE s.article_id = a.id) AS sentences FROM articles a "
)
_UNCOUNTED_SELECT = "SELECT a.*, 0 AS passages, 0 AS sentences FROM articles a "


class Articles:
    """The articles table, and the writes that add or drop an article with all it holds."""

    def __init__(self, db: Database, passages: Passages, terms: Terms) -> None:
        self._db = db
        self._passages = passages
        self._terms = terms

    def article_count(self) -> int:
        """How many articles are stored."""
        return int(self._db.rows("SELECT COUNT(*) AS n FROM articles")[0]["n"])

    def counts(self) -> dict[str, int]:
        """Articles, passages and sentences, counted by SQL rather than by listing."""
        row = self._db.rows(
            "SELECT (SELECT COUNT(*) FROM articles) AS articles, "
            "(SELECT COUNT(*) FROM passages) AS passages, "
            "(SELECT COUNT(*) FROM sentences) AS sentences"
        )[0]
        return {key: int(row[key]) for key in ("articles", "passages", "sentences")}

    def article(self, article_id: str) -> Article:
        """The article with this full id; NotFound when there is none."""
        rows = self._db.rows(_ARTICLE_SELECT + "WHERE a.id = %s", (clean(article_id),))
        if not rows:
            raise NotFound(f"no article with id {article_id}", id=article_id)
        return _article(rows[0])

    def articles(self, ids: Collection[str], *, counted: bool = True) -> dict[str, Article]:
        """The stored articles among ``ids``, by id, in one query rather than one per article;
        ids not stored are left out; ``counted=False`` leaves their passages and sentences
        at 0."""
        if not ids:
            return {}
        select = _ARTICLE_SELECT if counted else _UNCOUNTED_SELECT
        rows = self._db.rows(select + "WHERE a.id = ANY(%s::text[])", ([clean(i) for i in ids],))
        return {row["id"]: _article(row) for row in rows}

    def find_article(self, article_id: str) -> Article | None:
        """The article with this full id, None when there is none."""
        try:
            return self.article(article_id)
        except NotFound:
            return None

    def find_by_replace_key(self, key: str) -> Article | None:
        """The stored article a new one with this key replaces (the key is its url, else its
        source and title), None when there is none."""
        rows = self._db.rows(_ARTICLE_SELECT + "WHERE a.replace_key = %s", (clean(key),))
        return _article(rows[0]) if rows else None

    def resolve_id(self, prefix: str) -> str:
        """A full article id from an unambiguous prefix, as people type short ids (a range
        over the primary key, compared byte by byte).

        Raises:
            AmbiguousId: the prefix starts several ids; ``params["matches"]`` lists up to ten.
            NotFound: it starts none.
        """
        key = clean(prefix.lower())
        if not key:
            raise NotFound(f"no article with id {prefix}", id=prefix)
        rows = self._db.rows(
            "SELECT id FROM articles WHERE id >= %s AND id < %s ORDER BY id LIMIT %s",
            (key, key + "\U0010ffff", _AMBIGUOUS_SHOWN + 1),
        )
        if not rows:
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
        rows = self._db.rows(
            _ARTICLE_SELECT + 'ORDER BY a.added_at, a.title COLLATE "C" LIMIT %s OFFSET %s',
            (limit, offset),
        )
        return [_article(r) for r in rows]

    def learned_aliases(self) -> list[tuple[str, str]]:
        """The name pairs learned from articles' brackets, to add to the alias table at open."""
        rows = self._db.rows("SELECT form, other FROM aliases ORDER BY form, other")
        return [(r["form"], r["other"]) for r in rows]

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
        sentences their new terms), in one transaction; returns the new passage ids,
        ascending in the order of ``windows``.

        The change log learns what an index must do to follow (``ChangeLog.changes_since``),
        as in the SQLite store. ``expected_generation`` is checked under the write lock.

        Raises:
            StoreChanged: another write came in after ``expected_generation``; nothing written.
            StoreError: the write failed; nothing written.
        """
        with self._db.writing("could not store the article", bump=True) as conn:
            if (
                expected_generation is not None
                and ChangeLog.written_generation(conn) != expected_generation
            ):
                raise StoreChanged(
                    "the store changed while the article was being prepared",
                    path=self._db.location,
                )
            left = self._passages.passage_terms(replace_id) if replace_id is not None else []
            if replace_id is not None:
                conn.execute("DELETE FROM articles WHERE id = %s", (replace_id,))
            conn.execute(
                "INSERT INTO articles(id, replace_key, title, source, url, lang, published, "
                "format, added_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
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
            # COPY: one round trip for the whole article, however many sentences.
            with (
                conn.cursor() as cur,
                cur.copy(
                    'COPY sentences (article_id, position, paragraph, start, "end", text, terms) '
                    "FROM STDIN"
                ) as copy,
            ):
                for s in sentences:
                    copy.write_row(
                        (article.id, s.position, s.paragraph, s.start, s.end, s.text,
                         " ".join(s.terms))
                    )  # fmt: skip
            ids = _new_passage_ids(conn, len(windows))
            if windows:
                with (
                    conn.cursor() as cur,
                    cur.copy(
                        "COPY passages (id, article_id, first_position, last_position) FROM STDIN"
                    ) as copy,
                ):
                    for pid, (first, last) in zip(ids, windows, strict=True):
                        copy.write_row((pid, article.id, first, last))
            if aliases:
                conn.execute(
                    "INSERT INTO aliases(form, other, article_id) SELECT f, o, %s "
                    "FROM unnest(%s::text[], %s::text[]) AS u(f, o) ON CONFLICT DO NOTHING",
                    (article.id, [a for a, _ in aliases], [b for _, b in aliases]),
                )
            reindexed = self._terms.set_terms(conn, retermed)
            ChangeLog.record(conn, left + reindexed, [*(pid for pid, _ in reindexed), *ids])
            return ids

    def remove_article(self, article_id: str) -> None:
        """Delete an article; its passages are logged as leaving, with their stored terms.

        Raises:
            NotFound: no article has that id (nothing written).
        """
        with self._db.writing("could not remove the article", bump=True) as conn:
            left = self._passages.passage_terms(article_id)
            cur = conn.execute("DELETE FROM articles WHERE id = %s", (clean(article_id),))
            if cur.rowcount == 0:
                raise NotFound(f"no article with id {article_id}", id=article_id)
            ChangeLog.record(conn, left, [])


def _article(row: Row) -> Article:
    return Article(
        id=row["id"],
        title=row["title"],
        source=row["source"],
        url=row["url"],
        lang=row["lang"],
        published=row["published"],
        added_at=row["added_at"],
        passages=int(row["passages"]),
        sentences=int(row["sentences"]),
        format=row["format"],
    )


def _new_passage_ids(conn: Connection, count: int) -> list[int]:
    """``count`` new passage ids from the table's sequence, ascending."""
    if not count:
        return []
    rows = conn.execute(
        "SELECT nextval(pg_get_serial_sequence('passages', 'id')) FROM generate_series(1, %s)",
        (count,),
    ).fetchall()
    return sorted(int(r[0]) for r in rows)
