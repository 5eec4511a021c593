"""Configuration mistakes are said, once, and only where they matter: an unknown CITEBOT_* name
is warned about with the nearest real one, a setting's words are read in any case, a bad
Telegram setting stops `serve` but not `stats`, and secrets may come from files that never show
up in a message. `serve` says at start-up who it is and what it serves."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from benchmarks.fakes.processes import start_serve
from benchmarks.fakes.telegram_server import running_fake
from bot.cli import main

ADMIN = 4242


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


def _run(data: Path, *args: str) -> int:
    return main(["--data-dir", str(data), *args])


def test_an_unknown_setting_is_warned_about_once_with_the_nearest_known_name(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CITEBOT_ADMIN_ID", "424242")
    monkeypatch.setenv("CITEBOT_FROBNICATE", "1")
    assert _run(data_dir, "stats") == 0
    err = capsys.readouterr().err.splitlines()
    typo = [line for line in err if "CITEBOT_ADMIN_ID " in line]
    assert typo == [
        "citebot: warning: unknown setting CITEBOT_ADMIN_ID in the environment "
        "(did you mean CITEBOT_ADMIN_IDS?); it is ignored"
    ]
    assert any("CITEBOT_FROBNICATE" in line and "did you mean" not in line for line in err)
    assert not any("424242" in line for line in err)  # names, never values


def test_an_unknown_name_in_the_env_file_is_warned_about_too(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    Path(".env").write_text("CITEBOT_LOGLEVEL=debug\nCITEBOT_BM25_K1=1.2\n", encoding="utf-8")
    assert _run(data_dir, "stats") == 0
    err = capsys.readouterr().err
    assert "unknown setting CITEBOT_LOGLEVEL in .env (did you mean CITEBOT_LOG_LEVEL?)" in err
    assert "CITEBOT_BM25_K1" not in err


def test_a_bad_telegram_setting_does_not_stop_other_commands_but_stops_serve(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CITEBOT_MODE", "hook")
    monkeypatch.setenv("CITEBOT_USER_RATE_LIMIT", "many")
    assert _run(data_dir, "stats") == 0
    assert _run(data_dir, "ask", "When was DeepSeek founded?") == 0
    assert "2023" in capsys.readouterr().out
    monkeypatch.setenv("CITEBOT_TELEGRAM_TOKEN", "123456:secret-token-value")
    assert _run(data_dir, "serve") == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("citebot: CITEBOT_"), err
    assert "secret-token-value" not in err
    # A bad knowledge setting still stops every command.
    monkeypatch.setenv("CITEBOT_BM25_B", "7")
    assert _run(data_dir, "stats") == 2
    assert capsys.readouterr().err.startswith("citebot: CITEBOT_BM25_B:")


def test_log_level_and_other_words_are_read_in_any_case(monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.config import load_settings

    monkeypatch.setenv("CITEBOT_LOG_LEVEL", "info")
    monkeypatch.setenv("CITEBOT_MODE", "Polling")
    monkeypatch.setenv("CITEBOT_LOG_FORMAT", "JSON")
    settings = load_settings()
    assert (settings.log_level, settings.mode, settings.log_format) == ("INFO", "polling", "json")


def test_a_secret_read_from_a_file_never_shows_and_both_forms_at_once_are_refused(
    data_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from bot.config import load_settings

    token_file = tmp_path / "token"
    token_file.write_text("123456:From-A-File_secret\n", encoding="utf-8")
    monkeypatch.setenv("CITEBOT_TELEGRAM_TOKEN_FILE", str(token_file))
    token = load_settings().telegram_token
    assert token is not None and token.get_secret_value() == "123456:From-A-File_secret"

    secret_file = tmp_path / "hook-secret"
    secret_file.write_text("w3bhook-secret-from-file", encoding="utf-8")
    monkeypatch.setenv("CITEBOT_WEBHOOK_SECRET_FILE", str(secret_file))
    hook = load_settings().webhook_secret
    assert hook is not None and hook.get_secret_value() == "w3bhook-secret-from-file"
    monkeypatch.delenv("CITEBOT_WEBHOOK_SECRET_FILE")

    monkeypatch.setenv("CITEBOT_TELEGRAM_TOKEN", "654321:from-the-environment")
    assert _run(data_dir, "serve") == 2
    err = capsys.readouterr().err
    assert err == (
        "citebot: CITEBOT_TELEGRAM_TOKEN and CITEBOT_TELEGRAM_TOKEN_FILE are both set: "
        "set only one\n"
    )
    monkeypatch.delenv("CITEBOT_TELEGRAM_TOKEN")

    for content, why in (("not a token at all", "malformed"), ("", "is empty")):
        token_file.write_text(content, encoding="utf-8")
        assert _run(data_dir, "serve") == 2
        err = capsys.readouterr().err
        assert why in err and len(err.splitlines()) == 1, err
        assert not content or content not in err
    monkeypatch.setenv("CITEBOT_TELEGRAM_TOKEN_FILE", str(tmp_path / "missing"))
    assert _run(data_dir, "serve") == 2
    assert capsys.readouterr().err == (
        f"citebot: CITEBOT_TELEGRAM_TOKEN_FILE: cannot read {tmp_path / 'missing'} "
        "(No such file or directory)\n"
    )
    # The commands that need no token do not read the file at all.
    assert _run(data_dir, "stats") == 0


def test_serve_names_its_bot_mode_admins_and_articles_at_start_up(
    prepared_data_dir: Path, tmp_path: Path
) -> None:
    """As an operator runs it: the token from a file, a lower-case log level, a misspelt
    admin setting beside the right one; the log says who is serving what, never the token."""
    data = tmp_path / "data"
    shutil.copytree(prepared_data_dir, data)
    with contextlib.closing(sqlite3.connect(data / "citebot.sqlite3")) as db:
        articles = db.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
    with running_fake() as fake:
        token_file = tmp_path / "token"
        token_file.write_text(fake.token + "\n", encoding="utf-8")
        env = {
            **{k: v for k, v in os.environ.items() if not k.upper().startswith("CITEBOT_")},
            "CITEBOT_TELEGRAM_TOKEN_FILE": str(token_file),
            "CITEBOT_TELEGRAM_BASE_URL": fake.base_url,
            "CITEBOT_TELEGRAM_BASE_FILE_URL": fake.base_file_url,
            "CITEBOT_DATA_DIR": str(data),
            "CITEBOT_ADMIN_IDS": f"{ADMIN},4343",
            "CITEBOT_ADMIN_ID": "4444",
            "CITEBOT_LOG_LEVEL": "info",
            "CITEBOT_KNOWLEDGE_PROCESS": "false",
        }
        bot = start_serve(env)
        try:
            deadline = time.monotonic() + 60
            while not fake.calls_of("getUpdates"):
                assert bot.poll() is None, bot.stderr.read() if bot.stderr else ""
                assert time.monotonic() < deadline, "serve did not start polling in 60 s"
                time.sleep(0.1)
            description = fake.description()
        finally:
            bot.send_signal(signal.SIGTERM)
            try:
                stderr = bot.communicate(timeout=60)[1]
            except subprocess.TimeoutExpired:
                bot.kill()
                stderr = bot.communicate()[1]
    assert bot.returncode == 0, stderr[-2000:]
    lines = stderr.splitlines()
    started = [line for line in lines if "serving as" in line]
    assert len(started) == 1, stderr[-2000:]
    assert f"@{fake.bot_username} in polling mode: 2 admins, {articles} articles" in started[0]
    typo = [line for line in lines if "CITEBOT_ADMIN_ID " in line]
    assert len(typo) == 1 and "did you mean CITEBOT_ADMIN_IDS?" in typo[0]
    assert fake.token.split(":", 1)[1] not in stderr
    assert f"{articles} articles" in description


def test_a_bad_database_url_stops_every_command_in_one_line_without_its_password(
    data_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("CITEBOT_DATABASE_URL", "mysql://citebot:s3cret-pw@db/kb")
    assert _run(data_dir, "stats") == 2
    err = capsys.readouterr().err
    assert err == (
        "citebot: CITEBOT_DATABASE_URL: must start with postgres:// or postgresql://, "
        "not mysql://\n"
    )
    # Read from a file (Docker and systemd secrets) as the Telegram secrets are, by every
    # command; a file that cannot be read is named, its content never shown.
    monkeypatch.delenv("CITEBOT_DATABASE_URL")
    url_file = tmp_path / "database-url"
    url_file.write_text("postgresql://citebot:s3cret-pw@127.0.0.1:1/kb\n", encoding="utf-8")
    monkeypatch.setenv("CITEBOT_DATABASE_URL_FILE", str(url_file))
    from bot.config import load_knowledge_settings

    settings = load_knowledge_settings()
    assert (
        settings.knowledge_config().database_url == "postgresql://citebot:s3cret-pw@127.0.0.1:1/kb"
    )
    assert "s3cret" not in repr(settings) and "s3cret" not in repr(settings.knowledge_config())
    # Nothing listens on port 1: the store's one line names the database, not the password.
    assert _run(data_dir, "stats") == 1
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "postgresql://citebot@127.0.0.1:1/kb" in err, err
    assert "s3cret" not in err
    monkeypatch.setenv("CITEBOT_DATABASE_URL", "postgresql://citebot:s3cret-pw@db/kb")
    assert _run(data_dir, "stats") == 2
    assert "are both set" in capsys.readouterr().err


def test_an_empty_database_url_keeps_the_sqlite_store_which_stats_names(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CITEBOT_DATABASE_URL", "")
    assert _run(data_dir, "stats") == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert first.split() == ["store", "sqlite", f"({data_dir / 'citebot.sqlite3'})"]
    assert _run(data_dir, "stats", "--json") == 0
    stats = json.loads(capsys.readouterr().out)
    assert stats["store"] == "sqlite" and stats["articles"] >= 8
