"""Questions, the answers they got, votes on them, and per-chat settings, in PostgreSQL.

Functions over a :class:`~knowledge.pgstore.connection.Database`, one for each method of the
store's that ``PgStore`` answers with it; each is what the SQLite store's method of the same
name does (tests/knowledge/test_store_contract.py runs both).
"""

from __future__ import annotations

from collections.abc import Sequence

from psycopg.types.json import Jsonb

from knowledge.errors import NotFound
from knowledge.models import ANSWER_MODES, REPLY_LANGS, ChatSettings, GivenAnswer, GivenQuote, Lang
from knowledge.pgstore.connection import Database
from knowledge.pgstore.quotes import cleaned, from_dicts, imported, to_dicts
from knowledge.store import GapRow, now


def log_question(
    db: Database,
    question: str,
    lang: str,
    found: bool,
    chat_id: int | None,
    user_id: int | None,
    quotes: Sequence[GivenQuote] = (),
) -> int:
    """The id the question is kept under, with the ``quotes`` its answer gave.

    Raises:
        StoreError: it could not be written (a read-only store, the database out of
            reach, a question with a NUL character).
    """
    db.refuse_write()
    kept = _jsonb(to_dicts(quotes))
    with db.failing("could not log the question"), db.connection() as conn:
        row = conn.execute(
            "INSERT INTO questions(asked_at, chat_id, user_id, question, lang, found, answer) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s) RETURNING id",
            (now(), chat_id, user_id, question, lang, found, kept),
        ).fetchone()
        assert row is not None
        return int(row[0])


def question_text(db: Database, question_id: int) -> str:
    """The logged question's text; NotFound when no question has that id."""
    rows = db.rows("SELECT question FROM questions WHERE id = %s", (question_id,))
    if not rows:
        raise NotFound(f"no question with id {question_id}", id=question_id)
    return str(rows[0]["question"])


def given_answer(db: Database, question_id: int) -> GivenAnswer:
    """A logged question with the answer it got, as it was given.

    Raises:
        NotFound: no question has that id.
    """
    rows = db.rows(
        "SELECT id, question, lang, asked_at, found, answer FROM questions WHERE id = %s",
        (question_id,),
    )
    if not rows:
        raise NotFound(f"no question with id {question_id}", id=question_id)
    row = rows[0]
    given = from_dicts(row["answer"])
    found = bool(row["found"])
    return GivenAnswer(
        question_id=row["id"],
        question=row["question"],
        lang=_lang(row["lang"]),
        asked_at=row["asked_at"],
        found=found,
        quotes=given or (),
        kept=not found or given is not None,
    )


def add_feedback(
    db: Database, question_id: int, user_id: int, value: int, reason: str | None = None
) -> None:
    """One user's vote on a question, replacing their earlier one. A 👎 without a reason
    keeps the reason the user gave it before (the reason buttons come after the 👎); a 👍
    has none.

    Raises:
        StoreError: the store is read-only, no question has that id, or the write failed.
    """
    db.refuse_write()
    with db.failing("could not keep the vote"), db.connection() as conn:
        conn.execute(
            "INSERT INTO feedback(question_id, user_id, value, created_at, reason) "
            "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (question_id, user_id) DO UPDATE SET "
            "value = excluded.value, created_at = excluded.created_at, reason = CASE "
            "WHEN excluded.value > 0 THEN NULL "
            "ELSE COALESCE(excluded.reason, feedback.reason) END",
            (question_id, user_id, value, now(), reason if value < 0 else None),
        )


def question_stats(db: Database) -> dict[str, int]:
    """Questions logged, those answered, and the 👍 and 👎 given."""
    row = db.rows(
        "SELECT (SELECT COUNT(*) FROM questions) AS questions, "
        "(SELECT COUNT(*) FROM questions WHERE found) AS answered, "
        "(SELECT COUNT(*) FROM feedback WHERE value > 0) AS thumbs_up, "
        "(SELECT COUNT(*) FROM feedback WHERE value < 0) AS thumbs_down"
    )[0]
    return {key: int(row[key]) for key in ("questions", "answered", "thumbs_up", "thumbs_down")}


def all_feedback(db: Database) -> list[dict[str, object]]:
    """Every vote with its question, oldest vote first, for an export; ``answer`` is the
    quotes the question's answer gave (JSON-ready dicts), None when not kept."""
    rows = db.rows(
        "SELECT q.question, q.lang, q.found::int AS found, q.asked_at, q.chat_id, f.user_id, "
        "f.value, f.created_at, f.reason, q.answer "
        "FROM feedback f JOIN questions q ON q.id = f.question_id ORDER BY f.seq"
    )
    return [{**r, "answer": cleaned(r["answer"])} for r in rows]


def declined_questions(db: Database) -> list[dict[str, object]]:
    """The questions that were declined and got no vote (those with one come with their
    feedback), oldest first, for an export."""
    return db.rows(
        "SELECT q.question, q.lang, q.asked_at, q.chat_id, q.user_id FROM questions q "
        "WHERE NOT q.found AND NOT EXISTS (SELECT 1 FROM feedback f WHERE "
        "f.question_id = q.id) ORDER BY q.id"
    )


def add_feedback_record(db: Database, record: dict[str, object]) -> None:
    """Re-create a question with its feedback, as exported from another install."""
    with db.writing("could not import the feedback", bump=True) as conn:
        row = conn.execute(
            "INSERT INTO questions(asked_at, chat_id, user_id, question, lang, found, answer) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s) RETURNING id",
            (
                record["asked_at"],
                record.get("chat_id"),
                record["user_id"],
                record["question"],
                record["lang"],
                bool(record["found"]),
                _jsonb(imported(record.get("answer"))),
            ),
        ).fetchone()
        assert row is not None
        conn.execute(
            "INSERT INTO feedback(question_id, user_id, value, created_at, reason) "
            "VALUES (%s, %s, %s, %s, %s)",
            (
                row[0],
                record["user_id"],
                record["value"],
                record["created_at"],
                record.get("reason"),
            ),
        )


def add_question_record(db: Database, record: dict[str, object]) -> None:
    """Re-create a declined question, as exported from another install."""
    with db.writing("could not import the question", bump=False) as conn:
        conn.execute(
            "INSERT INTO questions(asked_at, chat_id, user_id, question, lang, found) "
            "VALUES (%s, %s, %s, %s, %s, false)",
            (
                record["asked_at"],
                record.get("chat_id"),
                record.get("user_id"),
                record["question"],
                record["lang"],
            ),
        )


def gap_rows(db: Database, since: str | None = None, scan: int = 10_000) -> list[GapRow]:
    """The questions that were declined or voted 👎, latest first (by the later of the
    question and its latest 👎), at most ``scan`` of them, none older than ``since`` (an
    ISO 8601 time as the store writes them). Two reads that each stop at ``scan`` rows,
    as in the SQLite store, in one snapshot."""
    after = since or ""
    with db.reading():
        declined = db.rows(
            "SELECT id, question, lang, asked_at, found FROM questions "
            "WHERE NOT found AND asked_at >= %s ORDER BY id DESC LIMIT %s",
            (after, scan),
        )
        votes = {
            r["id"]: r
            for r in db.rows(
                "SELECT question_id AS id, COUNT(*) AS down, MAX(created_at) AS voted_at, "
                "string_agg(reason, ' ') AS reasons FROM feedback WHERE value < 0 "
                "GROUP BY question_id HAVING MAX(created_at) >= %s "
                "ORDER BY voted_at DESC LIMIT %s",
                (after, scan),
            )
        }
        questions = {r["id"]: r for r in declined}
        wanted = [qid for qid in votes if qid not in questions]
        if wanted:
            questions.update(
                (r["id"], r)
                for r in db.rows(
                    "SELECT id, question, lang, asked_at, found FROM questions "
                    "WHERE id = ANY(%s::bigint[])",
                    (wanted,),
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
                thumbs_down=int(vote["down"]) if vote else 0,
                reasons=tuple((vote["reasons"] or "").split()) if vote else (),
            )
        )
    rows.sort(key=lambda r: (r.latest, r.question_id), reverse=True)
    return rows[:scan]


def recent_feedback(db: Database, limit: int = 20) -> list[dict[str, object]]:
    """The latest ``limit`` votes, newest first: the question, its language, the value, when."""
    return db.rows(
        "SELECT q.question, q.lang, f.value, f.created_at FROM feedback f JOIN questions q "
        "ON q.id = f.question_id ORDER BY f.created_at DESC, f.seq DESC LIMIT %s",
        (limit,),
    )


def chat_settings(db: Database, chat_id: int) -> ChatSettings:
    """What the chat's admins set; the defaults for a chat that set nothing. A value this
    code does not know (written by a newer version) reads as its default."""
    rows = db.rows("SELECT answer, lang FROM chat_settings WHERE chat_id = %s", (chat_id,))
    if not rows:
        return ChatSettings()
    answer, lang = rows[0]["answer"], rows[0]["lang"]
    return ChatSettings(
        answer=answer if answer in ANSWER_MODES else "asked",
        lang=lang if lang in REPLY_LANGS else "auto",
    )


def set_chat_settings(
    db: Database, chat_id: int, settings: ChatSettings, user_id: int | None
) -> None:
    """Keep ``settings`` for ``chat_id`` (who changed them last, and when).

    Raises:
        StoreError: the store is read-only, or the write failed.
    """
    db.refuse_write()
    with db.failing("could not keep the chat's settings"), db.connection() as conn:
        conn.execute(
            "INSERT INTO chat_settings(chat_id, answer, lang, changed_by, changed_at) "
            "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (chat_id) DO UPDATE SET "
            "answer = excluded.answer, lang = excluded.lang, "
            "changed_by = excluded.changed_by, changed_at = excluded.changed_at",
            (chat_id, settings.answer, settings.lang, user_id, now()),
        )


def _lang(value: str) -> Lang:
    return value if value in ("en", "zh-Hans", "zh-Hant") else "en"  # type: ignore[return-value]


def _jsonb(value: list[dict[str, object]] | None) -> Jsonb | None:
    return None if value is None else Jsonb(value)
