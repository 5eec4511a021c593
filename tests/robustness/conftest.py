"""What every robustness test shares: running bots, the token watch, and the figures report.

* ``start_bot`` (per test) and ``module_bots`` (per module) start the real citebot Application
  against the fake Bot API server, as tests/bot/conftest.py does, but with a random token made
  for this session so that a leak cannot hide behind a string that appears elsewhere.
* ``TokenWatch`` is a logging handler on the root logger for the whole package, at DEBUG: it
  formats every record (tracebacks included) and remembers any line holding a token secret.
  Standard output and error of every test, and of the child processes the crash test starts,
  are checked the same way. ``test_token_never_logged_anywhere`` (moved to run last) and the
  package teardown assert that nothing leaked.
* ``FIGURES`` collects the numbers the tests measure (inputs tried, kills, latencies); they are
  printed in pytest's terminal summary and quoted in README.md.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
import sqlite3
import sys
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from benchmarks.fakes.telegram_server import DEFAULT_TOKEN
from knowledge.service import KnowledgeBase
from tests.bot.conftest import RunningBot, start_bot_on

SECRET_TOKEN = f"{7_000_000 + secrets.randbelow(1_000_000)}:RB{secrets.token_hex(16)}"
# The secret halves of every token a robustness test may use.
SECRETS = (SECRET_TOKEN.split(":", 1)[1], DEFAULT_TOKEN.split(":", 1)[1])
FINAL_TEST = "test_token_never_logged_anywhere"
HERE = Path(__file__).parent


class Figures:
    """Counters and lists the tests fill in; ``lines`` renders them for the summary."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = defaultdict(int)
        self.notes: dict[str, str] = {}

    def count(self, name: str, n: int = 1) -> None:
        self.counts[name] += n

    def note(self, name: str, text: str) -> None:
        self.notes[name] = text

    def lines(self) -> list[str]:
        out = [f"{name}: {value}" for name, value in sorted(self.counts.items())]
        out += [f"{name}: {text}" for name, text in sorted(self.notes.items())]
        return out


FIGURES = Figures()


class TokenWatch(logging.Handler):
    """Formats every record it sees and keeps those that contain a secret."""

    def __init__(self) -> None:
        super().__init__(level=logging.NOTSET)
        self.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        self.records = 0
        self.by_logger: dict[str, int] = defaultdict(int)
        self.texts = 0
        self.leaks: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = self.format(record)
        except Exception as exc:  # a record that cannot be formatted cannot leak either
            line = f"<unformattable record from {record.name}: {exc!r}>"
        self.records += 1
        self.by_logger[record.name.split(".")[0]] += 1
        self._check(f"log {record.name}", line)

    def check_text(self, where: str, text: str) -> None:
        """Check output that did not go through logging (stderr, stdout, a child's pipes)."""
        if text:
            self.texts += 1
            self._check(where, text)

    def _check(self, where: str, text: str) -> None:
        for secret in SECRETS:
            if secret in text and len(self.leaks) < 50:
                at = text.index(secret)
                self.leaks.append(f"{where}: ...{text[max(0, at - 120) : at + 60]}...")


WATCH = TokenWatch()


@pytest.fixture(scope="package", autouse=True)
def token_watch() -> Iterator[TokenWatch]:
    root = logging.getLogger()
    level = root.level
    root.addHandler(WATCH)
    root.setLevel(logging.DEBUG)
    try:
        yield WATCH
    finally:
        root.removeHandler(WATCH)
        root.setLevel(level)
    FIGURES.note("token watch", f"{WATCH.records} log records, {WATCH.texts} outputs checked")
    assert not WATCH.leaks, f"a bot token reached the output: {WATCH.leaks}"


@pytest.fixture(autouse=True)
def _output_watch(capfd: pytest.CaptureFixture[str], token_watch: TokenWatch) -> Iterator[None]:
    """Each test's stdout and stderr go through the watch, then back to pytest's report."""
    yield
    out, err = capfd.readouterr()
    token_watch.check_text("stdout", out)
    token_watch.check_text("stderr", err)
    sys.stdout.write(out)
    sys.stderr.write(err)


@contextlib.contextmanager
def quieter_logging(level: int = logging.INFO) -> Iterator[None]:
    """Raise the root level for a block: DEBUG records of thousands of requests would sit in
    pytest's per-test log capture and drown a memory measurement. The watch still sees every
    record at ``level`` and above."""
    root = logging.getLogger()
    old = root.level
    root.setLevel(level)
    try:
        yield
    finally:
        root.setLevel(old)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the token check after every other robustness test."""
    ours = [i for i, item in enumerate(items) if Path(str(item.path)).parent == HERE]
    final = [i for i in ours if items[i].name == FINAL_TEST]
    if ours and final:
        item = items.pop(final[0])
        last = max(i for i, it in enumerate(items) if Path(str(it.path)).parent == HERE)
        items.insert(last + 1, item)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    lines = FIGURES.lines()
    if lines:
        terminalreporter.section("citebot robustness figures")
        for line in lines:
            terminalreporter.write_line(line)


# -- running bots --------------------------------------------------------------------------------


def _start(
    stack: contextlib.ExitStack,
    prepared: Path,
    data: Path,
    *,
    fake_kwargs: dict[str, Any] | None = None,
    **overrides: Any,
) -> RunningBot:
    """A running bot on a copy of the prepared data dir, with this suite's secret token."""
    fake_kwargs = {"token": SECRET_TOKEN, **(fake_kwargs or {})}
    return start_bot_on(stack, prepared, data, fake_kwargs, **overrides)


def _check_bots(bots: list[RunningBot]) -> None:
    for running in bots:
        assert not running.errors, f"the bot's thread failed: {running.errors}"
        assert not running.fake.internal_errors, running.fake.internal_errors


@pytest.fixture
def start_bot(prepared_data_dir: Path, tmp_path: Path) -> Iterator[Callable[..., RunningBot]]:
    """start_bot(**settings): a bot for this test, stopped after it."""
    bots: list[RunningBot] = []
    with contextlib.ExitStack() as stack:

        def start(**overrides: Any) -> RunningBot:
            bots.append(
                _start(stack, prepared_data_dir, tmp_path / f"data{len(bots)}", **overrides)
            )
            return bots[-1]

        yield start
    _check_bots(bots)


@pytest.fixture(scope="module")
def module_bots(
    prepared_data_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[..., RunningBot]]:
    """Like ``start_bot``, for bots shared by the tests of one module (start-up costs ~1 s)."""
    bots: list[RunningBot] = []
    base = tmp_path_factory.mktemp("bots")
    with contextlib.ExitStack() as stack:

        def start(**overrides: Any) -> RunningBot:
            bots.append(_start(stack, prepared_data_dir, base / f"data{len(bots)}", **overrides))
            return bots[-1]

        yield start
    _check_bots(bots)


def table_counts(database: Path) -> dict[str, int]:
    """Row counts of the content tables and the generation, read through a second connection."""
    with contextlib.closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as db:
        counts = {
            table: int(db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])
            for table in ("articles", "sentences", "passages", "aliases")
        }
        row = db.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
    counts["generation"] = int(row[0]) if row else 0
    return counts


def store_snapshot(kb: KnowledgeBase) -> dict[str, int]:
    """What must not move when an input is refused: rows, generation, indexed passages."""
    return {**table_counts(kb.store.path), "indexed": kb.index.doc_count}
