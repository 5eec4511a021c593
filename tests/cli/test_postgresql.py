"""`citebot` with CITEBOT_DATABASE_URL: ingest, ask, stats and list work on a PostgreSQL
knowledge base as on the SQLite one, `citebot export` moves it to SQLite and back with the
same articles and the same answers (issue 18's export test), and `citebot serve` starts over
it."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from benchmarks.fakes.processes import start_serve
from benchmarks.fakes.telegram_server import running_fake
from bot.cli import main
from knowledge.service import KnowledgeBase, KnowledgeConfig
from tests.knowledge.test_service_postgresql import QUESTIONS, answer_json

pytestmark = pytest.mark.slow

GLASS = """---
title: The Kowloon Glassworks
source: test fixture
url: https://example.org/glassworks
lang: en
---

The Kowloon Glassworks was founded in 1931 by Mabel Cheung. It made bottles for the harbour trade.
"""


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """No CITEBOT_* from the developer's shell, and a working directory without a .env."""
    for name in list(os.environ):
        if name.upper().startswith("CITEBOT_"):
            monkeypatch.delenv(name)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    yield


def folder(tmp_path: Path, name: str, prepared_data_dir: Path) -> Path:
    """A data folder holding the prepared dictionary cache only (its build is slow)."""
    data = tmp_path / name
    shutil.copytree(prepared_data_dir / "cache", data / "cache")
    return data


def run_json(capsys: pytest.CaptureFixture[str], data: Path, *args: str) -> object:
    capsys.readouterr()
    assert main(["--data-dir", str(data), *args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def articles(listed: object) -> list[tuple[object, ...]]:
    assert isinstance(listed, list)
    keys = ("id", "title", "source", "url", "lang", "published", "added_at", "passages")
    return sorted(tuple(a[k] for k in keys) for a in listed)


def test_ingest_ask_and_stats_work_on_a_postgresql_knowledge_base(
    postgres_url: str,
    tmp_path: Path,
    prepared_data_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # The test server trusts its user: the password is there to be kept out of every line.
    monkeypatch.setenv(
        "CITEBOT_DATABASE_URL", postgres_url.replace("citebot@", "citebot:s3cret-pw@")
    )
    data = folder(tmp_path, "replica", prepared_data_dir)
    # `ask` on an empty knowledge base loads the bundled articles first, as with SQLite.
    answer = run_json(capsys, data, "ask", "Who founded DeepSeek?")
    assert isinstance(answer, dict) and "Liang Wenfeng" in answer["reply"]
    glass = tmp_path / "glass.md"
    glass.write_text(GLASS, encoding="utf-8")
    assert main(["--data-dir", str(data), "ingest", str(glass)]) == 0
    assert capsys.readouterr().out.startswith("added")
    answer = run_json(capsys, data, "ask", "Who founded the Kowloon Glassworks?")
    assert isinstance(answer, dict) and "Mabel Cheung" in answer["reply"]
    stats = run_json(capsys, data, "stats")
    assert isinstance(stats, dict)
    assert stats["store"] == "postgresql" and stats["articles"] >= 9
    assert stats["store_location"].startswith("postgresql://citebot@/")
    assert main(["--data-dir", str(data), "stats"]) == 0
    shown = capsys.readouterr()
    assert shown.out.startswith("store            postgresql (postgresql://citebot@/")
    assert "s3cret" not in shown.out + shown.err
    # The articles are in the database, not in the folder: another folder sees them.
    other = folder(tmp_path, "other", prepared_data_dir)
    assert articles(run_json(capsys, other, "list")) == articles(run_json(capsys, data, "list"))
    assert not (data / "citebot.sqlite3").exists() and (data / "index").is_dir()


def test_export_moves_a_postgresql_knowledge_base_to_sqlite_and_back_unchanged(
    postgres_schemas: Callable[[], str],
    tmp_path: Path,
    prepared_data_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    first, back = postgres_schemas(), postgres_schemas()
    pg_data = folder(tmp_path, "pg", prepared_data_dir)
    monkeypatch.setenv("CITEBOT_DATABASE_URL", first)
    glass = tmp_path / "glass.md"
    glass.write_text(GLASS, encoding="utf-8")
    assert main(["--data-dir", str(pg_data), "ask", "Who founded DeepSeek?"]) == 0
    assert main(["--data-dir", str(pg_data), "ingest", str(glass)]) == 0
    original = articles(run_json(capsys, pg_data, "list"))
    assert len(original) >= 9
    export = tmp_path / "pg.jsonl"
    assert main(["--data-dir", str(pg_data), "export", str(export)]) == 0

    # Into SQLite: the same command without the setting.
    monkeypatch.delenv("CITEBOT_DATABASE_URL")
    sqlite_data = folder(tmp_path, "sqlite", prepared_data_dir)
    capsys.readouterr()
    assert main(["--data-dir", str(sqlite_data), "import", str(export)]) == 0
    assert capsys.readouterr().err.strip().endswith(f"{len(original)} imported, 0 skipped")
    assert run_json(capsys, sqlite_data, "stats")["store"] == "sqlite"  # type: ignore[index]
    assert articles(run_json(capsys, sqlite_data, "list")) == original
    again = tmp_path / "sqlite.jsonl"
    assert main(["--data-dir", str(sqlite_data), "export", str(again)]) == 0

    # And back into another PostgreSQL schema.
    monkeypatch.setenv("CITEBOT_DATABASE_URL", back)
    back_data = folder(tmp_path, "back", prepared_data_dir)
    assert main(["--data-dir", str(back_data), "import", str(again)]) == 0
    assert articles(run_json(capsys, back_data, "list")) == original

    # Same answers, question for question, from all three.
    given = {}
    for name, data, url in (
        ("postgresql", pg_data, first),
        ("sqlite", sqlite_data, None),
        ("postgresql again", back_data, back),
    ):
        kb = KnowledgeBase(KnowledgeConfig(data_dir=data, database_url=url))
        try:
            questions = [*QUESTIONS, "Who founded the Kowloon Glassworks?"]
            given[name] = {q: answer_json(kb.ask(q, log_it=False)) for q in questions}
        finally:
            kb.close()
    assert "Mabel Cheung" in given["sqlite"]["Who founded the Kowloon Glassworks?"]
    for name in ("sqlite", "postgresql again"):
        differing = [q for q, a in given["postgresql"].items() if given[name][q] != a]
        assert not differing, (name, differing)


def test_serve_over_postgresql_starts_with_the_bundled_articles_and_never_logs_the_password(
    postgres_url: str, tmp_path: Path, prepared_data_dir: Path
) -> None:
    """`citebot serve` as an operator runs a replica: the database URL (with a password) from a
    secret file, the knowledge base in its child process over the empty database."""
    url_file = tmp_path / "database-url"
    url_file.write_text(postgres_url.replace("citebot@", "citebot:s3cret-pw@") + "\n", "utf-8")
    with running_fake() as fake:
        token_file = tmp_path / "token"
        token_file.write_text(fake.token + "\n", encoding="utf-8")
        env = {
            **{k: v for k, v in os.environ.items() if not k.upper().startswith("CITEBOT_")},
            "CITEBOT_TELEGRAM_TOKEN_FILE": str(token_file),
            "CITEBOT_TELEGRAM_BASE_URL": fake.base_url,
            "CITEBOT_TELEGRAM_BASE_FILE_URL": fake.base_file_url,
            "CITEBOT_DATA_DIR": str(folder(tmp_path, "replica", prepared_data_dir)),
            "CITEBOT_DATABASE_URL_FILE": str(url_file),
            "CITEBOT_LOG_LEVEL": "debug",
        }
        bot = start_serve(env)
        try:
            deadline = time.monotonic() + 90
            while not fake.calls_of("getUpdates"):
                assert bot.poll() is None, bot.stderr.read() if bot.stderr else ""
                assert time.monotonic() < deadline, "serve did not start polling in 90 s"
                time.sleep(0.1)
        finally:
            bot.send_signal(signal.SIGTERM)
            try:
                stderr = bot.communicate(timeout=60)[1]
            except subprocess.TimeoutExpired:
                bot.kill()
                stderr = bot.communicate()[1]
    assert bot.returncode == 0, stderr[-2000:]
    started = [line for line in stderr.splitlines() if "serving as" in line]
    assert len(started) == 1 and "in polling mode" in started[0], stderr[-2000:]
    assert " 0 articles" not in started[0]
    assert "s3cret" not in stderr
    kb = KnowledgeBase(KnowledgeConfig(data_dir=tmp_path / "check", database_url=postgres_url))
    try:
        assert kb.store.article_count() >= 8  # the bundled articles, in the database
    finally:
        kb.close()
