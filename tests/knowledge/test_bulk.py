"""Bulk ingest (knowledge/bulk.py): N worker processes read and analyse, one writer stores, and
the knowledge base ends up exactly as a one-by-one ingest leaves it."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import IO

import pytest

from knowledge.config import bundled_corpus
from knowledge.errors import EmptyDocument, IngestProcessDied, KnowledgeError
from knowledge.models import Answer, IngestResult
from knowledge.paths import iter_files
from knowledge.service import KnowledgeBase, KnowledgeConfig

pytestmark = pytest.mark.slow  # real worker processes, knowledge bases of their own

QUESTIONS = [
    "Who founded DeepSeek?",
    "奇点智元做什么？",
    "Qidian Robotics 的创始人是谁？",
    "康方生物的依沃西单抗是什么？",
    "香港科技大学有哪些初创公司？",
]


def _folder(tmp_path: Path) -> Path:
    """The bundled articles, and articles whose terms depend on an alias another one teaches:
    ``b`` teaches 奇点智元 = Qidian Robotics, ``a`` comes before it, ``c`` after, ``d`` is ``c``
    again (unchanged), ``e`` is empty (skipped)."""
    folder = tmp_path / "articles"
    shutil.copytree(bundled_corpus(), folder, ignore=shutil.ignore_patterns("*.tsv", "*.txt"))
    (folder / "a-before.md").write_text(
        "# 早前报道\n\n奇点智元在深圳设立了实验室，研究仓储机器人。", encoding="utf-8"
    )
    (folder / "b-teach.md").write_text(
        "# 奇点智元\n\n奇点智元（Qidian Robotics）是一家位于香港科学园的机器人公司。"
        "\n\n公司由陈立行创办，专注物流自动化。",
        encoding="utf-8",
    )
    after = "# 后续报道\n\n奇点智元完成了新一轮融资，Qidian Robotics 计划扩大团队。"
    (folder / "c-after.md").write_text(after, encoding="utf-8")
    (folder / "d-again.md").write_text(after, encoding="utf-8")
    (folder / "e-empty.md").write_text("", encoding="utf-8")
    return folder


def _ingest(data: Path, folder: Path, jobs: int) -> tuple[list[tuple[str, ...]], int]:
    """Each file's outcome as words, and how many articles the writer analysed itself."""
    kb = KnowledgeBase(KnowledgeConfig(data_dir=data))
    try:
        bulk = kb.ingest_many(list(iter_files([folder])), jobs=jobs)
        outcomes: list[tuple[str, ...]] = []
        for path, outcome in bulk:
            if isinstance(outcome, KnowledgeError):
                outcomes.append((path.name, type(outcome).__name__, str(outcome)))
            else:
                a = outcome.article
                outcomes.append((path.name, outcome.status, a.id, a.title, str(a.passages)))
        return outcomes, bulk.analysed_here
    finally:
        kb.close()


def _stored(data: Path) -> dict[str, list[tuple[object, ...]]]:
    db = sqlite3.connect(data / "citebot.sqlite3")
    try:
        return {
            "articles": db.execute(
                "SELECT id, replace_key, title, source, url, lang, published, format"
                " FROM articles ORDER BY id"
            ).fetchall(),
            "sentences": db.execute(
                "SELECT article_id, position, paragraph, start, end, text, terms"
                " FROM sentences ORDER BY article_id, position"
            ).fetchall(),
            "passages": db.execute(
                "SELECT article_id, first_position, last_position FROM passages ORDER BY id"
            ).fetchall(),
            "aliases": db.execute("SELECT form, other, article_id FROM aliases").fetchall(),
        }
    finally:
        db.close()


def _answers(data: Path) -> list[Answer]:
    kb = KnowledgeBase(KnowledgeConfig(data_dir=data))
    try:
        return [kb.ask(q, log_it=False) for q in QUESTIONS]
    finally:
        kb.close()


def _cache(tmp_path: Path, name: str, prepared_data_dir: Path) -> Path:
    data = tmp_path / name
    shutil.copytree(prepared_data_dir / "cache", data / "cache")
    return data


def test_three_jobs_store_what_one_by_one_ingest_stores(
    tmp_path: Path, prepared_data_dir: Path
) -> None:
    folder = _folder(tmp_path)
    one = _cache(tmp_path, "one", prepared_data_dir)
    three = _cache(tmp_path, "three", prepared_data_dir)
    outcomes_one, _ = _ingest(one, folder, jobs=1)
    outcomes_three, analysed_here = _ingest(three, folder, jobs=3)

    assert outcomes_three == outcomes_one
    by_name = {o[0]: o for o in outcomes_one}
    assert by_name["d-again.md"][1] == "unchanged"
    assert by_name["e-empty.md"][1] == EmptyDocument.__name__
    assert analysed_here == 0  # every article's terms came from a worker
    stored_one, stored_three = _stored(one), _stored(three)
    assert stored_three == stored_one
    # The test means something: c's terms carry the alias b taught, a's do not.
    terms = {str(row[0]): str(row[6]) for row in stored_one["sentences"]}
    c_id, a_id = by_name["c-after.md"][2], by_name["a-before.md"][2]
    assert "~" in terms[c_id] and "qidian" in terms[c_id]
    assert "qidian" not in terms[a_id]
    answers = [(a.found, a.quotes, a.more) for a in _answers(one)]
    assert sum(found for found, _, _ in answers) >= 3
    assert [(a.found, a.quotes, a.more) for a in _answers(three)] == answers


def _chinese_files(folder: Path, count: int) -> None:
    folder.mkdir()
    source = (bundled_corpus() / "zh-hans-deepseek.md").read_text(encoding="utf-8")
    body = "\n\n".join(p for p in source.split("\n\n") if not p.startswith(("#", "---")))
    for n in range(count):
        (folder / f"{n:03d}.md").write_text(f"# 第{n}篇\n\n第{n}篇。\n\n{body}", encoding="utf-8")


def _whole(data: Path) -> None:
    """Every stored article has all its sentences and passages, and nothing else is stored."""
    db = sqlite3.connect(data / "citebot.sqlite3")
    try:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        orphans = db.execute(
            "SELECT COUNT(*) FROM sentences WHERE article_id NOT IN (SELECT id FROM articles)"
        ).fetchone()
        assert orphans == (0,)
    finally:
        db.close()
    kb = KnowledgeBase(KnowledgeConfig(data_dir=data))
    try:
        for article in kb.list():
            assert kb.article(article.id) == article
            assert article.sentences > 0 and article.passages > 0
        assert kb.index.doc_count == kb.stats()["passages"]
    finally:
        kb.close()


def test_a_killed_worker_stops_the_ingest_and_leaves_only_whole_articles(
    tmp_path: Path, prepared_data_dir: Path
) -> None:
    folder = tmp_path / "many"
    _chinese_files(folder, 40)
    data = _cache(tmp_path, "data", prepared_data_dir)
    kb = KnowledgeBase(KnowledgeConfig(data_dir=data))
    stored: list[IngestResult] = []
    try:
        bulk = kb.ingest_many(list(iter_files([folder])), jobs=2)
        with bulk, pytest.raises(IngestProcessDied, match="ended unexpectedly") as raised:
            for _, outcome in bulk:
                assert isinstance(outcome, IngestResult)
                if not stored:
                    os.kill(bulk.pids[0], signal.SIGKILL)
                stored.append(outcome)
        assert raised.value.params["exit_code"] == -signal.SIGKILL
        assert 1 <= len(stored) < 40
        assert len(kb.list()) == len(stored)
    finally:
        kb.close()
    _whole(data)


def test_ctrl_c_stops_cli_ingest_between_articles_with_one_line(
    tmp_path: Path, prepared_data_dir: Path
) -> None:
    folder = tmp_path / "many"
    _chinese_files(folder, 60)
    data = _cache(tmp_path, "data", prepared_data_dir)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    command = [sys.executable, "-m", "bot.cli", "ingest", "--jobs", "2", "--data-dir", str(data)]
    # Unbuffered bytes: a buffered readline could take the second article's line along, and
    # communicate() reads the pipe itself, past that buffer.
    process = subprocess.Popen(
        [*command, str(folder)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, bufsize=0, env=env
    )
    assert process.stdout is not None
    first = _line(process.stdout)  # the first article is stored: interrupt now
    assert first.startswith("added")
    process.send_signal(signal.SIGINT)
    out, raw_err = process.communicate(timeout=120)
    rest, err = out.decode(), raw_err.decode()
    assert process.returncode == 130, err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("citebot: interrupted:"), err
    added = [first, *rest.splitlines()]
    assert 1 <= len(added) < 60
    _whole(data)
    kb = KnowledgeBase(KnowledgeConfig(data_dir=data))
    try:
        assert len(kb.list()) == len(added)
    finally:
        kb.close()


def _line(stream: IO[bytes]) -> str:
    """One line read byte by byte, leaving the rest in the pipe."""
    line = b""
    while not line.endswith(b"\n") and (byte := stream.read(1)):
        line += byte
    return line.decode()


def _interleaved(data: Path, folder: Path, jobs: int) -> int:
    """Ingest ``folder``; after its first article another knowledge base on the same store
    (another process, as far as the store can tell) stores an article teaching an alias the
    later files name. Returns how many articles the writer analysed itself."""
    kb = KnowledgeBase(KnowledgeConfig(data_dir=data))
    try:
        bulk = kb.ingest_many(list(iter_files([folder])), jobs=jobs)
        for n, (_, outcome) in enumerate(bulk):
            assert isinstance(outcome, IngestResult)
            if n == 0:
                other = KnowledgeBase(KnowledgeConfig(data_dir=data))
                other.ingest_text(
                    "天枢动力（Tianshu Power）是一家电池公司。", title="天枢动力", source="other"
                )
                other.close()
        return bulk.analysed_here
    finally:
        kb.close()


def test_an_alias_taught_by_another_writer_meanwhile_gives_the_one_by_one_terms(
    tmp_path: Path, prepared_data_dir: Path
) -> None:
    folder = tmp_path / "later"
    folder.mkdir()
    (folder / "0-first.md").write_text("# 开篇\n\n港口的货运量继续增长。", encoding="utf-8")
    for n in range(1, 9):
        (folder / f"{n}-later.md").write_text(
            f"# 第{n}篇\n\n天枢动力第{n}次扩产，Tianshu Power 的电池供应港口。", encoding="utf-8"
        )
    one = _cache(tmp_path, "one", prepared_data_dir)
    two = _cache(tmp_path, "two", prepared_data_dir)
    _interleaved(one, folder, jobs=1)
    # The learner and the workers started again from the writer's analyzer: still no article
    # had to be analysed by the writer.
    assert _interleaved(two, folder, jobs=2) == 0

    stored = _stored(one)
    assert _stored(two) == stored
    last = [str(row[6]) for row in stored["sentences"] if "第8次" in str(row[5])]
    assert last and "~" in last[0]  # the alias the other writer taught reached the last file
