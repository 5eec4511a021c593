"""`citebot` as a person uses it: one line and exit code 2 on bad input, store untouched."""

from __future__ import annotations

import io
import json
import sqlite3
import zipfile
from pathlib import Path

import pytest

from bot.cli import main
from knowledge.service import KnowledgeBase

pytestmark = pytest.mark.slow  # every test runs `citebot` in a child process


def run(data_dir: Path, *args: str) -> int:
    return main(["--data-dir", str(data_dir), *args])


def snapshot(data_dir: Path) -> list[tuple[object, ...]]:
    db = sqlite3.connect(data_dir / "citebot.sqlite3")
    try:
        rows = db.execute("SELECT id, title FROM articles ORDER BY id").fetchall()
        rows += db.execute("SELECT COUNT(*), MAX(id) FROM sentences").fetchall()
        rows += db.execute("SELECT value FROM meta WHERE key = 'generation'").fetchall()
        return rows
    finally:
        db.close()


def zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("word/document.xml", "w") as member:
            chunk = b"\0" * (1 << 20)
            for _ in range(300):
                member.write(chunk)
    return buffer.getvalue()


BAD_FILES = {
    "empty.txt": b"",
    "blank.md": b"   \n\n  \n",
    "binary.txt": bytes(range(256)) * 64,
    "program.exe": b"MZ\x90\x00",
    "broken.pdf": b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\nthis is not a pdf",
    "broken.docx": b"PK\x03\x04 not really a zip",
    "bomb.docx": zip_bomb(),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_file_gets_one_line_and_exit_2(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    path = tmp_path / name
    path.write_bytes(BAD_FILES[name])
    before = snapshot(data_dir)
    capsys.readouterr()
    assert run(data_dir, "ingest", str(path)) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err and err.startswith("citebot: ")
    assert snapshot(data_dir) == before


def test_file_over_the_size_limit(
    data_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CITEBOT_MAX_UPLOAD_MB", "0.01")
    path = tmp_path / "big.txt"
    path.write_text("A long line about Hong Kong. " * 1000, encoding="utf-8")
    before = snapshot(data_dir)
    assert run(data_dir, "ingest", str(path)) == 2
    assert "limit" in capsys.readouterr().err
    assert snapshot(data_dir) == before


def test_missing_path_and_bad_setting(
    data_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run(data_dir, "ingest", "/no/such/file.txt") == 2
    assert "no such file" in capsys.readouterr().err
    monkeypatch.setenv("CITEBOT_MAX_UPLOAD_MB", "lots")
    assert run(data_dir, "stats") == 2
    err = capsys.readouterr().err
    assert "CITEBOT_MAX_UPLOAD_MB" in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("question", ["", "   ", "why " * 300])
def test_bad_question(data_dir: Path, capsys: pytest.CaptureFixture[str], question: str) -> None:
    assert run(data_dir, "ask", question) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("citebot: the question is") and "Traceback" not in err


def test_ask_json_shape(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(data_dir, "ask", "Who founded DeepSeek?", "--json", "-k", "2") == 0
    reply = json.loads(capsys.readouterr().out)
    assert set(reply) == {
        *("found", "lang", "reply", "sentences"),
        *("kind", "understood", "examples", "choices"),
    }
    assert reply["kind"] == "question" and reply["understood"] is None
    assert reply["found"] and reply["lang"] == "en" and 1 <= len(reply["sentences"]) <= 2
    fields = {"text", "article_id", "title", "source", "url", "paragraph", "score"}
    assert all(set(s) == fields for s in reply["sentences"])
    assert reply["sentences"][0]["text"] in reply["reply"]


def test_first_ask_loads_the_bundled_corpus(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], prepared_data_dir: Path
) -> None:
    import shutil

    data = tmp_path / "fresh"
    shutil.copytree(prepared_data_dir / "cache", data / "cache")
    assert run(data, "ask", "which HK university trained a DeepSeek founder") == 0
    captured = capsys.readouterr()
    assert "loaded" in captured.err and "bundled" in captured.err
    assert "HKUST" in captured.out and "[1]" in captured.out


def test_folder_ingest_skips_bad_files_and_keeps_good_ones(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "batch"
    folder.mkdir()
    (folder / "good.txt").write_text(
        "Ferry Notes\n\nThe Star Ferry began crossing Victoria Harbour in 1888.", encoding="utf-8"
    )
    (folder / "empty.md").write_bytes(b"")
    assert run(data_dir, "ingest", str(folder)) == 0
    captured = capsys.readouterr()
    assert "skipped" in captured.err and "empty.md" in captured.err
    assert "added" in captured.out
    assert run(data_dir, "ask", "When did the Star Ferry begin crossing the harbour?") == 0
    assert "1888" in capsys.readouterr().out


def test_list_remove_and_stats(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(data_dir, "list", "--json") == 0
    articles = json.loads(capsys.readouterr().out)
    assert len(articles) >= 8
    victim = articles[0]["id"]
    assert run(data_dir, "remove", victim) == 0
    assert victim in capsys.readouterr().out
    assert run(data_dir, "remove", victim) == 2
    assert "no article" in capsys.readouterr().err
    assert run(data_dir, "stats", "--json") == 0
    assert json.loads(capsys.readouterr().out)["articles"] == len(articles) - 1


def test_chat_answers_until_eof(
    data_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("Who founded DeepSeek?\n"))
    assert run(data_dir, "chat") == 0
    assert "Liang Wenfeng" in capsys.readouterr().out


def test_export_then_import_moves_the_knowledge_base(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], prepared_data_dir: Path
) -> None:
    import shutil

    from knowledge.service import KnowledgeBase, KnowledgeConfig

    kb = KnowledgeBase(KnowledgeConfig(data_dir=data_dir))
    answer = kb.ask("Who founded DeepSeek?", user_id=5)
    assert answer.question_id is not None
    kb.feedback(answer.question_id, 5, -1)
    kb.close()
    export = tmp_path / "kb.jsonl"
    assert run(data_dir, "export", str(export)) == 0
    lines = [json.loads(line) for line in export.read_text(encoding="utf-8").splitlines()]
    assert lines[0]["type"] == "citebot-export"
    assert sum(r["type"] == "article" for r in lines) >= 8
    assert [r["value"] for r in lines if r["type"] == "feedback"] == [-1]

    target = tmp_path / "other"
    shutil.copytree(prepared_data_dir / "cache", target / "cache")
    capsys.readouterr()
    assert run(target, "import", str(export)) == 0
    assert capsys.readouterr().err.strip().endswith("imported, 0 skipped")
    assert run(target, "list", "--json") == 0
    moved = json.loads(capsys.readouterr().out)
    assert run(data_dir, "list", "--json") == 0
    original = json.loads(capsys.readouterr().out)
    assert {a["id"] for a in moved} == {a["id"] for a in original}
    assert run(target, "stats", "--json") == 0
    assert json.loads(capsys.readouterr().out)["thumbs_down"] == 1
    assert run(target, "ask", "which HK university trained a DeepSeek founder") == 0
    assert "HKUST" in capsys.readouterr().out


def test_import_refuses_what_is_not_an_export(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bogus = tmp_path / "bogus.jsonl"
    bogus.write_text('{"hello": 1}\n', encoding="utf-8")
    before = snapshot(data_dir)
    assert run(data_dir, "import", str(bogus)) == 2
    assert "not a citebot export" in capsys.readouterr().err
    bogus.write_text("not json\n", encoding="utf-8")
    assert run(data_dir, "import", str(bogus)) == 2
    assert snapshot(data_dir) == before


def test_backup_is_a_consistent_copy(data_dir: Path, tmp_path: Path) -> None:
    dest = tmp_path / "citebot-backup.sqlite3"  # a missing folder is refused, not created
    assert run(data_dir, "backup", str(dest)) == 0
    db = sqlite3.connect(dest)
    try:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert db.execute("SELECT COUNT(*) FROM articles").fetchone()[0] >= 8
    finally:
        db.close()


def test_bm25_parameters_come_from_settings(
    data_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.config import load_settings

    monkeypatch.setenv("CITEBOT_BM25_K1", "1.2")
    monkeypatch.setenv("CITEBOT_BM25_B", "0.5")
    config = load_settings(_env_file=None).knowledge_config()
    assert (config.bm25.k1, config.bm25.b, config.bm25.epsilon) == (1.2, 0.5, 0.25)
    monkeypatch.setenv("CITEBOT_BM25_B", "5")
    assert run(data_dir, "stats") == 2
    assert "CITEBOT_BM25_B" in capsys.readouterr().err


def test_a_value_error_inside_a_command_is_a_bug_not_bad_input(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Exit 2 says "your input was wrong": a ValueError raised by our own code (injected here,
    as no input provokes one) must surface as the bug it is, not as a refused input."""

    def broken(self: KnowledgeBase) -> dict[str, int | float]:
        raise ValueError("an internal fault")

    monkeypatch.setattr(KnowledgeBase, "stats", broken)
    with pytest.raises(ValueError, match="an internal fault"):
        run(data_dir, "stats")
