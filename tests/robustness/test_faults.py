"""Faults reported as what they are (issue 19, items 10 to 13): a full disk, a read-only data
dir, another process holding the store, a Bot API that is not up yet.

Everything runs in child processes, as an operator meets it:

* **A full disk** is a file-size limit (``RLIMIT_FSIZE``, with SIGXFSZ ignored) set in the
  child: every write past it fails with a real EFBIG, which SQLite reports as "disk I/O error"
  (ENOSPC would read "database or disk is full"; both were hidden the same way). Needs no root
  and no small filesystem. The limit, 64 KB, leaves room for SQLite's 32 KB -shm file and
  nothing written by an ingest, a backup or an export of the data dir used.
* **A read-only data dir** is a read-only bind mount in a private mount namespace
  (``unshare --map-root-user --mount``): EROFS for everyone, root included (chmod does not stop
  root, and these tests may run as root).
* **Another process holding the store** is a second SQLite connection in the test holding a
  write transaction open (BEGIN IMMEDIATE) for longer than the store's 10 s busy timeout.
* **The Bot API not up yet**: `citebot serve` pointed at a closed port on 127.0.0.1; the fake Bot
  API is started on that port only once the bot has said it cannot reach it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import resource
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from benchmarks.fakes.processes import start_serve
from benchmarks.fakes.telegram_server import FakeTelegram
from tests.robustness.conftest import FIGURES, SECRET_TOKEN, WATCH, table_counts

pytestmark = pytest.mark.slow  # `citebot serve` and the CLI as processes, on full disks

ROOT = Path(__file__).resolve().parents[2]
CHILD_TIMEOUT = 180.0
DISK_LIMIT = 64 * 1024
QUESTION = "which HK university trained a DeepSeek founder?"
ANSWER = "Hong Kong University of Science and Technology"
# A log line about the question log, and the one about a read-only store.
NOT_LOGGED = "answered without logging the question"
READ_ONLY = "answering from it read-only"


def _big_article() -> str:
    """~250 KB of text: its write goes far past DISK_LIMIT."""
    return "\n\n".join(
        f"The harbour lantern number {n} was relit in {1800 + n % 200} by keeper {n % 97}, "
        f"who logged {n * 3} ships passing the breakwater that winter."
        for n in range(2500)
    )


def _disk_full() -> None:
    """In the child, before exec: no file may grow past DISK_LIMIT bytes."""
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
    resource.setrlimit(resource.RLIMIT_FSIZE, (DISK_LIMIT, DISK_LIMIT))


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CITEBOT_")}
    env["PYTHONPATH"] = str(ROOT)
    return env


def run(
    argv: list[str], *, cwd: Path, preexec: Callable[[], None] | None = None
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        argv,
        cwd=cwd,  # not the repository: no .env of a developer's
        env=_env(),
        capture_output=True,
        text=True,
        timeout=CHILD_TIMEOUT,
        preexec_fn=preexec,
    )
    WATCH.check_text("faults stdout", result.stdout)
    WATCH.check_text("faults stderr", result.stderr)
    return result


def citebot(
    data: Path, *args: str, cwd: Path, preexec: Callable[[], None] | None = None
) -> subprocess.CompletedProcess[str]:
    """``citebot --data-dir DATA ARGS...`` in a child, with no CITEBOT_* setting inherited."""
    return run(
        [sys.executable, "-m", "bot.cli", "--data-dir", str(data), *args], cwd=cwd, preexec=preexec
    )


def one_line(result: subprocess.CompletedProcess[str], code: int, *words: str) -> str:
    """Exit ``code``, one line on stderr holding ``words`` and no traceback; returns it."""
    err = result.stderr.strip()
    assert result.returncode == code, (result.returncode, err[-3000:])
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err[-3000:]
    for word in words:
        assert word in err, err
    return err


def _files(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` with a hash of its bytes."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def big_data_dir(prepared_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The prepared knowledge base plus the big article: its export and backup are larger
    than DISK_LIMIT."""
    where = tmp_path_factory.mktemp("big")
    data = where / "data"
    shutil.copytree(prepared_data_dir, data)
    article = where / "lanterns.txt"
    article.write_text(_big_article(), encoding="utf-8")
    result = citebot(data, "ingest", str(article), cwd=where)
    assert result.returncode == 0, result.stderr[-3000:]
    return data


# -- item 10: a full disk -------------------------------------------------------------------
def test_an_ingest_on_a_full_disk_says_the_disk_failed_and_keeps_nothing(
    data_dir: Path, tmp_path: Path
) -> None:
    article = tmp_path / "lanterns.txt"
    article.write_text(_big_article(), encoding="utf-8")
    before = table_counts(data_dir / "citebot.sqlite3")

    result = citebot(data_dir, "ingest", str(article), cwd=tmp_path, preexec=_disk_full)

    # Was: "could not store the article: cannot rollback - no transaction is active".
    line = one_line(result, 1, "could not store the article", "disk I/O error")
    assert "rollback" not in line
    FIGURES.note("faults: ingest on a full disk", line)
    assert table_counts(data_dir / "citebot.sqlite3") == before
    again = citebot(data_dir, "ingest", str(article), cwd=tmp_path)  # room again: it goes in
    assert again.returncode == 0 and again.stdout.startswith("added"), again.stderr[-3000:]


# Opens the knowledge base, then the disk is full; asks twice and reports what came back.
_ASK_ON_A_FULL_DISK = textwrap.dedent(
    """
    import json, logging, resource, signal, sys
    from pathlib import Path
    from knowledge.service import KnowledgeBase, KnowledgeConfig

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    kb = KnowledgeBase(KnowledgeConfig(data_dir=Path(sys.argv[1])))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (1, 1))  # from now on nothing can be written
    for _ in range(2):
        answer = kb.ask(sys.argv[2], chat_id=5, user_id=5)
        quotes = [q.sentence.text for q in answer.quotes]
        print(json.dumps({"found": answer.found, "id": answer.question_id, "quotes": quotes}))
    kb.close()
    """
)


def test_a_question_on_a_full_disk_is_answered_without_its_log_line(
    data_dir: Path, tmp_path: Path
) -> None:
    """The bot's path: a knowledge base that is open when the disk fills up."""
    result = run([sys.executable, "-c", _ASK_ON_A_FULL_DISK, str(data_dir), QUESTION], cwd=tmp_path)

    assert result.returncode == 0, result.stderr[-3000:]  # was: a traceback from log_question
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(answers) == 2
    for answer in answers:
        assert answer["found"] and answer["id"] is None
        assert any(ANSWER in quote for quote in answer["quotes"]), answer
    # One warning for the run of failures, not one a question.
    [warning] = result.stderr.strip().splitlines()
    assert warning.startswith("WARNING") and NOT_LOGGED in warning, result.stderr
    assert "disk I/O error" in warning
    with contextlib.closing(sqlite3.connect(data_dir / "citebot.sqlite3")) as db:
        assert db.execute("SELECT COUNT(*) FROM questions").fetchone()[0] == 0


def test_a_backup_on_a_full_disk_is_one_line_and_leaves_no_file(
    big_data_dir: Path, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    shutil.copytree(big_data_dir, data)
    out = tmp_path / "backups"
    out.mkdir()

    result = citebot(data, "backup", str(out / "copy.sqlite3"), cwd=tmp_path, preexec=_disk_full)

    FIGURES.note("faults: backup on a full disk", one_line(result, 1, "could not write the backup"))
    assert list(out.iterdir()) == []  # no copy, no copy.sqlite3.tmp, not even an empty one


def test_an_export_on_a_full_disk_is_one_line_and_leaves_no_file(
    big_data_dir: Path, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    shutil.copytree(big_data_dir, data)
    out = tmp_path / "exports"
    out.mkdir()

    result = citebot(data, "export", str(out / "all.jsonl"), cwd=tmp_path, preexec=_disk_full)

    line = one_line(result, 1, "could not write it", "File too large")
    FIGURES.note("faults: export on a full disk", line)
    assert list(out.iterdir()) == []
    whole = citebot(data, "export", str(out / "all.jsonl"), cwd=tmp_path)  # the control
    assert whole.returncode == 0, whole.stderr
    assert (out / "all.jsonl").stat().st_size > DISK_LIMIT and list(out.iterdir()) == [
        out / "all.jsonl"
    ]


# -- item 11: a read-only data dir ----------------------------------------------------------
_READ_ONLY_MOUNT = 'mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" "$0" && exec "$@"'
# Followed by the folder to mount read-only and the command to run with it so.
_READ_ONLY = ["unshare", "--map-root-user", "--mount", "sh", "-c", _READ_ONLY_MOUNT]


def _can_mount_read_only() -> bool:
    """Whether this machine lets an unprivileged child mount a folder read-only for itself."""
    with tempfile.TemporaryDirectory() as folder:
        try:
            probe = subprocess.run([*_READ_ONLY, folder, "true"], capture_output=True, timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            return False
    return probe.returncode == 0


needs_read_only_mount = pytest.mark.skipif(
    not _can_mount_read_only(),
    reason="needs unshare and user namespaces for a read-only bind mount",
)


def citebot_read_only(data: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``citebot --data-dir DATA ARGS...`` with DATA mounted read-only for the child alone."""
    command = [sys.executable, "-m", "bot.cli", "--data-dir", str(data), *args]
    return run([*_READ_ONLY, str(data), *command], cwd=cwd)


def _one_read_only_warning(result: subprocess.CompletedProcess[str]) -> None:
    assert result.returncode == 0, result.stderr[-3000:]
    warnings = [line for line in result.stderr.splitlines() if line.startswith("WARNING")]
    assert len(warnings) == 1 and READ_ONLY in warnings[0], result.stderr[-3000:]
    assert "Traceback" not in result.stderr


@needs_read_only_mount
def test_a_read_only_data_dir_still_lists_counts_and_answers(
    data_dir: Path, tmp_path: Path
) -> None:
    before = _files(data_dir)

    listed = citebot_read_only(data_dir, "list", "--json", cwd=tmp_path)
    _one_read_only_warning(listed)  # was: "cannot open the store ... unable to open database file"
    assert len(json.loads(listed.stdout)) == 13
    stats = citebot_read_only(data_dir, "stats", "--json", cwd=tmp_path)
    _one_read_only_warning(stats)
    assert json.loads(stats.stdout)["articles"] == 13
    asked = citebot_read_only(data_dir, "ask", QUESTION, cwd=tmp_path)
    _one_read_only_warning(asked)  # and nothing about the question log on top
    assert ANSWER in asked.stdout

    article = tmp_path / "note.txt"
    article.write_text("The Brannoch lantern was relit in 1931.\n", encoding="utf-8")
    refused = citebot_read_only(data_dir, "ingest", str(article), cwd=tmp_path)
    assert refused.returncode == 1 and "Traceback" not in refused.stderr, refused.stderr
    assert refused.stderr.strip().splitlines()[-1].startswith("citebot: could not store")
    assert _files(data_dir) == before


# -- item 12: another process holding the store ---------------------------------------------
@contextlib.contextmanager
def _writer_holding(database: Path) -> Iterator[None]:
    """Another process's write transaction, open for as long as the block runs."""
    with contextlib.closing(sqlite3.connect(database, isolation_level=None)) as db:
        db.execute("BEGIN IMMEDIATE")
        db.execute("INSERT INTO meta(key, value) VALUES ('held by', 'test_faults')")
        try:
            yield
        finally:
            db.execute("ROLLBACK")


def test_an_ask_while_another_process_holds_the_store_answers_without_logging(
    data_dir: Path, tmp_path: Path
) -> None:
    started = time.monotonic()
    with _writer_holding(data_dir / "citebot.sqlite3"):
        result = citebot(data_dir, "ask", QUESTION, cwd=tmp_path)
        seconds = time.monotonic() - started
    FIGURES.note("faults: `citebot ask` beside a writer holding the store", f"{seconds:.1f} s")

    assert result.returncode == 0, result.stderr[-3000:]
    assert ANSWER in result.stdout
    [warning] = result.stderr.strip().splitlines()
    assert NOT_LOGGED in warning and "database is locked" in warning, warning


def test_a_running_chat_asked_while_another_process_holds_the_store_answers(
    data_dir: Path, tmp_path: Path
) -> None:
    """The bot's case: the knowledge base was open before the other writer began."""
    chat = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "--data-dir", str(data_dir), "chat"],
        cwd=tmp_path,
        env=_env(),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert chat.stderr is not None
        said = chat.stderr.readline()  # open, and waiting for a question
        assert said.startswith("Ask a question"), said + chat.stderr.read()
        started = time.monotonic()
        with _writer_holding(data_dir / "citebot.sqlite3"):
            out, err = chat.communicate(f"{QUESTION}\n\n", timeout=CHILD_TIMEOUT)
        FIGURES.note("faults: a chat answer beside a writer", f"{time.monotonic() - started:.1f} s")
    finally:
        if chat.poll() is None:
            chat.kill()
            chat.wait()
    WATCH.check_text("faults chat", out + err)
    assert chat.returncode == 0, err[-3000:]  # was: a traceback from log_question
    assert ANSWER in out
    [warning] = err.strip().splitlines()
    assert NOT_LOGGED in warning and "database is locked" in warning, err


# -- item 13: serve before the Bot API is up -------------------------------------------------
def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _serve_env(data: Path, port: int, **settings: str) -> dict[str, str]:
    return {
        **_env(),
        "CITEBOT_TELEGRAM_TOKEN": SECRET_TOKEN,
        "CITEBOT_TELEGRAM_BASE_URL": f"http://127.0.0.1:{port}/bot",
        "CITEBOT_TELEGRAM_BASE_FILE_URL": f"http://127.0.0.1:{port}/file/bot",
        "CITEBOT_DATA_DIR": str(data),
        "CITEBOT_KNOWLEDGE_PROCESS": "false",
        **{f"CITEBOT_{name.upper()}": value for name, value in settings.items()},
    }


def _stop(bot: subprocess.Popen[str]) -> str:
    bot.send_signal(signal.SIGTERM)
    try:
        return bot.communicate(timeout=60)[1]
    except subprocess.TimeoutExpired:
        bot.kill()
        return bot.communicate()[1]


def test_serve_started_before_the_bot_api_is_up_comes_up_by_itself(
    data_dir: Path,
) -> None:
    port = _free_port()  # closed until the fake starts on it
    bot = start_serve(_serve_env(data_dir, port))
    said: list[str] = []
    fake = FakeTelegram(token=SECRET_TOKEN)
    try:
        assert bot.stderr is not None
        while not any("cannot reach the Telegram Bot API" in line for line in said):
            line = bot.stderr.readline()
            assert line, "".join(said) + bot.stderr.read()  # serve ended instead of waiting
            said.append(line)
        started = time.monotonic()
        fake.start(port=port)
        sent = fake.user_says(QUESTION, user_id=1001)  # waits for the bot's first getUpdates
        [reply] = fake.wait_for_bot_messages(sent["chat"]["id"], timeout=120)
        seconds = time.monotonic() - started
        FIGURES.note("faults: serve's first answer after the Bot API came up", f"{seconds:.1f} s")
        assert ANSWER in reply["plain_text"]
    finally:
        stderr = "".join(said) + _stop(bot)
        fake.stop()
    WATCH.check_text("faults serve", stderr)
    assert bot.returncode == 0, stderr[-3000:]
    assert "Traceback" not in stderr, stderr[-3000:]
    unreachable = [line for line in stderr.splitlines() if "cannot reach" in line]
    assert len(unreachable) == 1, unreachable  # one line, not one per attempt


def test_serve_gives_up_on_an_unreachable_bot_api_in_one_line(
    data_dir: Path,
) -> None:
    port = _free_port()  # nothing ever listens
    bot = start_serve(_serve_env(data_dir, port, telegram_startup_wait="3"))
    try:
        stderr = bot.communicate(timeout=CHILD_TIMEOUT)[1]
    finally:
        if bot.poll() is None:
            bot.kill()
            bot.wait()
    WATCH.check_text("faults serve", stderr)
    lines = stderr.strip().splitlines()
    FIGURES.note("faults: serve giving up, stderr lines", str(len(lines)))
    assert bot.returncode == 1, stderr[-3000:]
    assert "Traceback" not in stderr, stderr[-3000:]  # was: 239 lines, 6 tracebacks
    assert lines[-1].startswith("citebot: cannot reach the Telegram Bot API at 127.0.0.1:"), lines
    assert "gave up after" in lines[-1]
    assert len([line for line in lines if "Bot API" in line]) == 2  # the warning, the end
