"""`citebot gaps`: the questions declined or voted down, alike ones grouped, newest first; the
gaps travel in exports; a store from before them is upgraded when opened."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from bot.cli import main
from knowledge.export import write_export
from knowledge.service import KnowledgeBase, KnowledgeConfig
from tests.robustness.test_faults import citebot_read_only, needs_read_only_mount

ANSWERED = "Who founded DeepSeek?"
DECLINED = (
    "Who painted the Mona Lisa?",
    "WHO PAINTED THE MONA LISA ?!",
    "who painted the mona lisa",
)
DECLINED_ZH = ("誰畫了蒙娜麗莎？", "谁 画了 蒙娜丽莎。")


def run(data_dir: Path, *args: str) -> int:
    return main(["--data-dir", str(data_dir), *args])


def seed(data_dir: Path) -> int:
    """Declined questions in several wordings, then an answer voted down twice (one vote with
    a reason, one without); returns the voted question's id."""
    kb = KnowledgeBase(KnowledgeConfig(data_dir=data_dir))
    try:
        for question in (*DECLINED, *DECLINED_ZH):
            assert not kb.ask(question, user_id=5).found
        answer = kb.ask(ANSWERED, user_id=5)
        assert answer.found and answer.question_id is not None
        kb.feedback(answer.question_id, 5, -1)
        kb.feedback(answer.question_id, 5, -1, "wrong_source")
        kb.feedback(answer.question_id, 6, -1)
        return answer.question_id
    finally:
        kb.close()


def gaps_json(data_dir: Path, capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    capsys.readouterr()
    assert run(data_dir, "gaps", "--json", *args) == 0
    return dict(json.loads(capsys.readouterr().out))


def test_gaps_groups_alike_questions_newest_first_with_counts_and_reasons(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed(data_dir)
    capsys.readouterr()
    assert run(data_dir, "gaps") == 0
    out, err = capsys.readouterr()
    lines = [line for line in out.splitlines() if not line.startswith("    ")]
    assert len(lines) == 3
    assert ANSWERED in lines[0]
    assert "[asked 1x, thumbs down 2 (wrong source 1)]" in lines[0]
    assert DECLINED_ZH[1] in lines[1] and "[asked 2x, declined 2]" in lines[1]
    assert DECLINED[2] in lines[2] and "[asked 3x, declined 3]" in lines[2]
    assert "Liang Wenfeng" in out  # the answer given, quoted under its question
    assert "    declined" in out
    assert err.strip() == "3 gaps"

    report = gaps_json(data_dir, capsys)
    assert report["total"] == 3
    first, chinese, english = report["gaps"]
    assert first["question"] == ANSWERED and first["thumbs_down"] == 2
    assert first["reasons"] == {"wrong_source": 1}
    assert first["answer"]["found"] and first["answer"]["quotes"][0]["number"] == 1
    assert chinese["asked"] == 2 and chinese["declined"] == 2
    assert english["answer"] == {"found": False, "kept": True, "quotes": []}
    assert english["last_at"] <= chinese["last_at"] <= first["last_at"]


def test_gaps_limit_and_since(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    seed(data_dir)
    report = gaps_json(data_dir, capsys, "--limit", "1")
    assert report["total"] == 3 and [g["question"] for g in report["gaps"]] == [ANSWERED]
    assert gaps_json(data_dir, capsys, "--since", "1h")["total"] == 3
    assert gaps_json(data_dir, capsys, "--since", "2999-01-01")["total"] == 0
    for bad in (("--since", "last week"), ("--limit", "0")):
        capsys.readouterr()
        assert run(data_dir, "gaps", *bad) == 2
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and err.startswith("citebot: ")


def test_export_carries_the_gaps_and_import_brings_them_back(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], prepared_data_dir: Path
) -> None:
    seed(data_dir)
    export = tmp_path / "kb.jsonl"
    assert run(data_dir, "export", str(export)) == 0
    records = [json.loads(line) for line in export.read_text(encoding="utf-8").splitlines()]
    feedback = [r for r in records if r["type"] == "feedback"]
    assert sorted(str(r["reason"]) for r in feedback) == ["None", "wrong_source"]
    assert all(r["answer"][0]["text"] for r in feedback)
    declined = [r["question"] for r in records if r["type"] == "question"]
    assert declined == [*DECLINED, *DECLINED_ZH]

    target = tmp_path / "other"
    shutil.copytree(prepared_data_dir / "cache", target / "cache")
    capsys.readouterr()
    assert run(target, "import", str(export)) == 0
    assert capsys.readouterr().err.strip().endswith("imported, 0 skipped")
    moved = gaps_json(target, capsys)
    original = gaps_json(data_dir, capsys)
    assert moved["total"] == original["total"] == 3
    by_question = {g["question"]: g for g in moved["gaps"]}
    assert by_question[ANSWERED]["thumbs_down"] == 2
    assert by_question[ANSWERED]["reasons"] == {"wrong_source": 1}
    assert by_question[ANSWERED]["answer"]["quotes"] == original["gaps"][0]["answer"]["quotes"]
    assert by_question[DECLINED[2]]["declined"] == 3


def test_import_reads_an_export_from_before_the_gaps(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], prepared_data_dir: Path
) -> None:
    data_dir = tmp_path / "data"
    shutil.copytree(prepared_data_dir / "cache", data_dir / "cache")
    old_feedback = {  # as exports were written before: no reason, no answer
        "type": "feedback",
        "question": ANSWERED,
        "lang": "en",
        "found": True,
        "asked_at": "2026-11-01T10:00:00+00:00",
        "chat_id": None,
        "user_id": 5,
        "value": -1,
        "created_at": "2026-11-01T10:01:00+00:00",
    }
    export = tmp_path / "old.jsonl"
    with export.open("wb") as out:
        write_export([old_feedback], out)
    capsys.readouterr()
    assert run(data_dir, "import", str(export)) == 0
    assert capsys.readouterr().err.strip().endswith("0 skipped")
    [gap] = gaps_json(data_dir, capsys)["gaps"]
    assert gap["question"] == ANSWERED and gap["thumbs_down"] == 1 and gap["reasons"] == {}
    assert gap["answer"] == {"found": True, "kept": False, "quotes": []}


def test_a_store_from_before_the_gaps_is_upgraded_when_opened(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    voted = seed(data_dir)
    # As the store was before: no answer kept with a question, no reason with a vote.
    db = sqlite3.connect(data_dir / "citebot.sqlite3")
    with db:
        db.execute("ALTER TABLE questions DROP COLUMN answer")
        db.execute("ALTER TABLE feedback DROP COLUMN reason")
    db.close()

    report = gaps_json(data_dir, capsys)
    assert report["total"] == 3
    first = report["gaps"][0]
    assert first["thumbs_down"] == 2 and first["reasons"] == {}  # the votes kept, unexplained
    assert first["answer"] == {"found": True, "kept": False, "quotes": []}
    db = sqlite3.connect(data_dir / "citebot.sqlite3")
    try:
        assert "answer" in {r[1] for r in db.execute("PRAGMA table_info(questions)")}
        assert "reason" in {r[1] for r in db.execute("PRAGMA table_info(feedback)")}
    finally:
        db.close()
    # And it takes reasons and answers from now on.
    kb = KnowledgeBase(KnowledgeConfig(data_dir=data_dir))
    try:
        kb.feedback(voted, 7, -1, "wrong_answer")
        again = kb.ask(ANSWERED, user_id=5)
        assert again.question_id is not None
        assert kb.given_answer(again.question_id).quotes
    finally:
        kb.close()
    assert gaps_json(data_dir, capsys)["gaps"][0]["reasons"] == {"wrong_answer": 1}


@needs_read_only_mount
def test_a_store_from_before_the_gaps_in_a_read_only_data_dir_is_read_as_it_is(
    data_dir: Path, tmp_path: Path
) -> None:
    seed(data_dir)
    db = sqlite3.connect(data_dir / "citebot.sqlite3")
    with db:
        db.execute("ALTER TABLE questions DROP COLUMN answer")
        db.execute("ALTER TABLE feedback DROP COLUMN reason")
    db.close()

    listed = citebot_read_only(data_dir, "gaps", "--json", cwd=tmp_path)
    assert listed.returncode == 0 and "Traceback" not in listed.stderr, listed.stderr[-3000:]
    report = json.loads(listed.stdout)
    assert report["total"] == 3
    first = report["gaps"][0]
    assert first["thumbs_down"] == 2 and first["reasons"] == {}
    assert first["answer"] == {"found": True, "kept": False, "quotes": []}
    db = sqlite3.connect(data_dir / "citebot.sqlite3")
    try:  # not upgraded: it could not be written
        assert "answer" not in {r[1] for r in db.execute("PRAGMA table_info(questions)")}
    finally:
        db.close()
