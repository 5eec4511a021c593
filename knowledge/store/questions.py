"""The questions asked, the answers they got (the quotes, as JSON) and the 👍 / 👎 given.

Read back for an answer's "more", for the gaps (declined and 👎 questions) and for an export;
re-created from an export by an import.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

from knowledge.errors import NotFound, StoreError
from knowledge.models import Citation, GivenAnswer, GivenQuote, Lang
from knowledge.store.database import IN_BATCH, Database
from knowledge.store.schema import now

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class GapRow:
    """A question that was declined or voted 👎, with its 👎 votes and their reasons."""

    question_id: int
    question: str
    lang: Lang
    latest: str  # the later of when it was asked and its latest 👎
    found: bool
    thumbs_down: int
    reasons: tuple[str, ...]


class Questions:
    """The questions and feedback tables, through the store's :class:`Database`."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def log_question(
        self,
        question: str,
        lang: str,
        found: bool,
        chat_id: int | None,
        user_id: int | None,
        quotes: Sequence[GivenQuote] = (),
    ) -> int:
        """The id the question is kept under, with the ``quotes`` its answer gave.

        Raises:
            StoreError: it could not be written: a read-only store, a full disk, or another
                process holding the store for longer than the busy timeout (10 s).
        """
        self._db.refuse_if_read_only()
        try:
            cur = self._db.execute(
                "INSERT INTO questions(asked_at, chat_id, user_id, question, lang, found, "
                "answer) VALUES (?,?,?,?,?,?,?)",
                (now(), chat_id, user_id, question, lang, int(found), _quotes_json(quotes)),
            )
            return int(cur.lastrowid or 0)
        except sqlite3.Error as exc:
            raise StoreError(f"could not log the question: {exc}", path=str(self._db.path)) from exc

    def question_text(self, question_id: int) -> str:
        """The logged question's text; NotFound when no question has that id."""
        rows = self._db.query("SELECT question FROM questions WHERE id = ?", (question_id,))
        if not rows:
            raise NotFound(f"no question with id {question_id}", id=question_id)
        return str(rows[0]["question"])

    def given_answer(self, question_id: int) -> GivenAnswer:
        """A logged question with the answer it got, as it was given.

        Raises:
            NotFound: no question has that id.
        """
        rows = self._db.query(
            f"SELECT q.id, q.question, q.lang, q.asked_at, q.found, "
            f"{self._db.column('questions', 'answer', 'q')} FROM questions q WHERE q.id = ?",
            (question_id,),
        )
        if not rows:
            raise NotFound(f"no question with id {question_id}", id=question_id)
        row = rows[0]
        quotes = _quotes_from_json(row["answer"])
        found = bool(row["found"])
        return GivenAnswer(
            question_id=row["id"],
            question=row["question"],
            lang=_lang(row["lang"]),
            asked_at=row["asked_at"],
            found=found,
            quotes=quotes or (),
            kept=not found or quotes is not None,
        )

    def add_feedback(
        self, question_id: int, user_id: int, value: int, reason: str | None = None
    ) -> None:
        """One user's vote on a question, replacing their earlier one. A 👎 without a reason
        keeps the reason the user gave it before (the reason buttons come after the 👎); a 👍
        has none."""
        self._db.execute(
            "INSERT INTO feedback(question_id, user_id, value, created_at, reason) "
            "VALUES (?,?,?,?,?) ON CONFLICT(question_id, user_id) DO UPDATE SET "
            "value = excluded.value, created_at = excluded.created_at, reason = CASE "
            "WHEN excluded.value > 0 THEN NULL "
            "ELSE COALESCE(excluded.reason, feedback.reason) END",
            (question_id, user_id, value, now(), reason if value < 0 else None),
        )

    def question_stats(self) -> dict[str, int]:
        """Questions logged, those answered, and the 👍 and 👎 given."""
        q = self._db.query("SELECT COUNT(*) AS n, COALESCE(SUM(found), 0) AS f FROM questions")[0]
        fb = self._db.query(
            "SELECT COALESCE(SUM(value > 0), 0) AS up, COALESCE(SUM(value < 0), 0) AS down "
            "FROM feedback"
        )[0]
        return {
            "questions": q["n"],
            "answered": q["f"],
            "thumbs_up": fb["up"],
            "thumbs_down": fb["down"],
        }

    def all_feedback(self) -> list[dict[str, object]]:
        """Every vote with its question, for an export; ``answer`` is the quotes the
        question's answer gave (JSON-ready dicts), None when not kept."""
        rows = self._db.query(
            "SELECT q.question, q.lang, q.found, q.asked_at, q.chat_id, f.user_id, f.value, "
            f"f.created_at, {self._db.column('feedback', 'reason', 'f')}, "
            f"{self._db.column('questions', 'answer', 'q')} "
            "FROM feedback f JOIN questions q ON q.id = f.question_id ORDER BY f.rowid"
        )
        return [{**dict(r), "answer": _quotes_dicts(r["answer"])} for r in rows]

    def declined_questions(self) -> list[dict[str, object]]:
        """The questions that were declined and got no vote (those with one come with their
        feedback), oldest first, for an export."""
        rows = self._db.query(
            "SELECT q.question, q.lang, q.asked_at, q.chat_id, q.user_id FROM questions q "
            "WHERE q.found = 0 AND NOT EXISTS (SELECT 1 FROM feedback f WHERE "
            "f.question_id = q.id) ORDER BY q.id"
        )
        return [dict(r) for r in rows]

    def add_feedback_record(self, record: dict[str, object]) -> None:
        """Re-create a question with its feedback, as exported from another install."""
        with self._db.transaction() as db:
            cur = db.execute(
                "INSERT INTO questions(asked_at, chat_id, user_id, question, lang, found, answer) "
                "VALUES (?,?,?,?,?,?,?)",
                (
                    record["asked_at"],
                    record.get("chat_id"),
                    record["user_id"],
                    record["question"],
                    record["lang"],
                    int(bool(record["found"])),
                    _dicts_json(record.get("answer")),
                ),
            )
            db.execute(
                "INSERT INTO feedback(question_id, user_id, value, created_at, reason) "
                "VALUES (?,?,?,?,?)",
                (
                    cur.lastrowid,
                    record["user_id"],
                    record["value"],
                    record["created_at"],
                    record.get("reason"),
                ),
            )

    def add_question_record(self, record: dict[str, object]) -> None:
        """Re-create a declined question, as exported from another install."""
        with self._db.transaction(bump=False) as db:
            db.execute(
                "INSERT INTO questions(asked_at, chat_id, user_id, question, lang, found) "
                "VALUES (?,?,?,?,?,0)",
                (
                    record["asked_at"],
                    record.get("chat_id"),
                    record.get("user_id"),
                    record["question"],
                    record["lang"],
                ),
            )

    def gap_rows(self, since: str | None = None, scan: int = 10_000) -> list[GapRow]:
        """The questions that were declined or voted 👎, latest first (by the later of the
        question and its latest 👎), at most ``scan`` of them, none older than ``since`` (an
        ISO 8601 time as the store writes them).

        Two reads that each stop at ``scan`` rows, rather than one join over every question:
        the declined questions newest first along the primary key, and the 👎 votes grouped
        by question (at 100,000 questions, 25,000 of them declined, one join grouped by
        question is about five times slower than these two reads).
        """
        after = since or ""
        reason = "NULL" if self._db.lacks("feedback", "reason") else "reason"
        with self._db.reading():
            declined = self._db.query(
                "SELECT id, question, lang, asked_at, found FROM questions "
                "WHERE found = 0 AND asked_at >= ? ORDER BY id DESC LIMIT ?",
                (after, scan),
            )
            votes = {
                r["id"]: r
                for r in self._db.query(
                    "SELECT question_id AS id, COUNT(*) AS down, MAX(created_at) AS voted_at, "
                    f"GROUP_CONCAT({reason}, ' ') AS reasons FROM feedback WHERE value < 0 "
                    "GROUP BY question_id HAVING MAX(created_at) >= ? "
                    "ORDER BY voted_at DESC LIMIT ?",
                    (after, scan),
                )
            }
            questions = {r["id"]: r for r in declined}
            wanted = [qid for qid in votes if qid not in questions]
            for lo in range(0, len(wanted), IN_BATCH):
                chunk = wanted[lo : lo + IN_BATCH]
                marks = ",".join("?" * len(chunk))
                questions.update(
                    (r["id"], r)
                    for r in self._db.query(
                        "SELECT id, question, lang, asked_at, found FROM questions "
                        f"WHERE id IN ({marks})",
                        chunk,
                    )
                )
        rows = []
        for qid, q in questions.items():
            vote = votes.get(qid)
            rows.append(
                GapRow(
                    question_id=qid,
                    question=q["question"],
                    lang=_lang(q["lang"]),
                    latest=max(q["asked_at"], vote["voted_at"] if vote else ""),
                    found=bool(q["found"]),
                    thumbs_down=vote["down"] if vote else 0,
                    reasons=tuple((vote["reasons"] or "").split()) if vote else (),
                )
            )
        rows.sort(key=lambda r: (r.latest, r.question_id), reverse=True)
        return rows[:scan]

    def recent_feedback(self, limit: int = 20) -> list[dict[str, object]]:
        """The latest ``limit`` votes, newest first: the question, its language, the value, when."""
        rows = self._db.query(
            "SELECT q.question, q.lang, f.value, f.created_at FROM feedback f JOIN questions q "
            "ON q.id = f.question_id ORDER BY f.created_at DESC LIMIT ?",
            (limit,),
        )
        return [dict(r) for r in rows]


def _lang(value: str) -> Lang:
    return value if value in ("en", "zh-Hans", "zh-Hant") else "en"  # type: ignore[return-value]


_QUOTE_FIELDS = ("text", "number", "article_id", "title", "source", "url", "published", "paragraph")


def _quotes_json(quotes: Sequence[GivenQuote]) -> str | None:
    """The quotes an answer gave, as the ``answer`` column keeps them; None for none."""
    if not quotes:
        return None
    return json.dumps(
        [{"text": q.text, **dataclasses.asdict(q.citation)} for q in quotes], ensure_ascii=False
    )


def _quotes_dicts(text: str | None) -> list[dict[str, object]] | None:
    """The ``answer`` column as JSON-ready dicts; None when there is none or it is unreadable."""
    if text is None:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    if not isinstance(value, list) or not all(isinstance(q, dict) for q in value):
        return None
    return [{key: q.get(key) for key in _QUOTE_FIELDS} for q in value]


def _dicts_json(value: object) -> str | None:
    """Quotes given as dicts (an import) in the ``answer`` column's form."""
    if not isinstance(value, list) or not value:
        return None
    return json.dumps(value, ensure_ascii=False)


def _quotes_from_json(text: str | None) -> tuple[GivenQuote, ...] | None:
    """The quotes kept in the ``answer`` column; None when none were kept (or unreadable)."""
    dicts = _quotes_dicts(text)
    if dicts is None:
        return None
    try:
        return tuple(
            GivenQuote(
                text=str(d["text"]),
                citation=Citation(
                    number=int(d["number"]),  # type: ignore[call-overload]
                    article_id=str(d["article_id"]),
                    title=str(d["title"]),
                    source=None if d["source"] is None else str(d["source"]),
                    url=None if d["url"] is None else str(d["url"]),
                    published=None if d["published"] is None else str(d["published"]),
                    paragraph=int(d["paragraph"]),  # type: ignore[call-overload]
                ),
            )
            for d in dicts
        )
    except (TypeError, ValueError):
        log.debug("an answer kept in the store could not be read back: %.80s", text)
        return None
