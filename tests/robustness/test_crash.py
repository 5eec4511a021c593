"""SIGKILL during an ingest: the store keeps all of the article or none of it, and stays usable.

Each trial copies the prepared data dir, starts a child process (``python -c``) that opens a
KnowledgeBase there and waits; the test says "go", the child ingests a 1,000-paragraph article,
and the test kills it with SIGKILL after a seeded random delay within one reference ingest time.
Every other trial aims at the SQLite transaction, which is only a few percent of the ingest
(segmenting and analysing come first): the test waits for the child to report BEGIN and kills it
after a random delay of up to 1.5 reference transaction lengths, so kills really land inside it
(and some just after COMMIT).

The child reports, through its stdout pipe (which survives SIGKILL), when its transaction began
and when COMMIT was issued; that tells where each kill landed:

    before   during reading, segmenting and analysing: no transaction yet
    in tx    after BEGIN IMMEDIATE, before COMMIT was issued
    commit+  COMMIT issued, ingest not returned yet (commit itself, index update and save)
    after    the ingest had returned

After each kill: ``PRAGMA integrity_check`` is ok; the content of every table is exactly that of
the untouched data dir or exactly that of a clean reference ingest (hashes over all rows, so a
half-written article or a half-applied re-analysis shows); and a fresh KnowledgeBase on the dir
has an index of the store's generation with one entry per passage that has terms, answers the
article's question exactly as the reference dir with (or without) the article does, and (after
the aimed kills) can ingest the article again.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import hashlib
import os
import random
import select
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from knowledge.service import KnowledgeBase, KnowledgeConfig
from tests.robustness.conftest import FIGURES, WATCH

pytestmark = pytest.mark.slow  # kills child processes in the middle of ingests, trial after trial

TRIALS = int(os.environ.get("CITEBOT_CRASH_TRIALS", "20"))
SEED = int(os.environ.get("CITEBOT_CRASH_SEED", "20240611"))
QUESTION = "who founded the Brannoch Institute?"
FACT = "The Brannoch Institute was founded by the botanist Elsbeth Varrow in 1871."
ROOT = Path(__file__).resolve().parents[2]

# Reports BEGIN and COMMIT through SQLite's statement trace; the pipe keeps what was written
# before the kill. The store's connection is the one its transaction() hands out (an empty
# transaction, no generation bump), only observed, never changed.
CHILD = """
import sys, time
from pathlib import Path
from knowledge.service import KnowledgeBase, KnowledgeConfig

kb = KnowledgeBase(KnowledgeConfig(data_dir=Path(sys.argv[1])))
data = Path(sys.argv[2]).read_bytes()
t0 = time.monotonic()

def trace(sql):
    word = sql.lstrip()[:6].upper()
    if word.startswith(("BEGIN", "COMMIT")):
        sys.stdout.write(f"{word.split()[0].lower()} {time.monotonic() - t0:.6f}\\n")
        sys.stdout.flush()

with kb.store.transaction(bump=False) as db:
    pass
db.set_trace_callback(trace)
print("ready", flush=True)
sys.stdin.readline()
t0 = time.monotonic()
result = kb.ingest_bytes(data, "chronicle.txt")
print(f"done {time.monotonic() - t0:.6f} {result.status} {result.article.id}", flush=True)
"""


def _article() -> bytes:
    paragraphs = ["The Quorvath Chronicle"]
    for i in range(1000):
        paragraphs.append(
            f"Entry {i} of the Quorvath chronicle lists cargo number {i * 7} landed at Tai O. "
            f"The harbour clerk weighed {i % 13 + 2} crates of salt fish that morning. "
            f"Rain was recorded on day {i % 29 + 1} of the season."
        )
        if i == 500:
            paragraphs.append(f"{FACT} It stood near Clear Water Bay (清水湾) for forty years.")
    return "\n\n".join(paragraphs).encode()


@dataclass
class Outcome:
    where: str  # before / in tx / commit+ / after
    present: bool
    delay: float


def _spawn(data_dir: Path, article: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, str(data_dir), str(article)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
        env=env,
        bufsize=0,
    )


def _wait_ready(child: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    assert child.stdout is not None
    ready, _, _ = select.select([child.stdout], [], [], timeout)
    line = child.stdout.readline() if ready else b""
    if line.strip() != b"ready":
        child.kill()
        _, err = child.communicate(timeout=10)
        raise AssertionError(f"the child did not start: {line!r} {err.decode()[-2000:]}")


def _read_until(child: subprocess.Popen[bytes], word: bytes, timeout: float) -> bytes:
    """Read the child's stdout until a line starts with ``word`` (or it ends, or time is up)."""
    assert child.stdout is not None
    seen = b""
    deadline = time.monotonic() + timeout
    while not any(line.startswith(word) for line in seen.split(b"\n")):
        ready, _, _ = select.select([child.stdout], [], [], max(0.0, deadline - time.monotonic()))
        chunk = os.read(child.stdout.fileno(), 4096) if ready else b""
        if not chunk:
            break
        seen += chunk
    return seen


def _finish(child: subprocess.Popen[bytes], seen: bytes = b"") -> dict[str, float]:
    """The child's markers (name -> seconds after "go"); its output goes through the watch."""
    out, err = child.communicate(timeout=30)
    out = seen + out
    WATCH.check_text("crash child stdout", out.decode())
    WATCH.check_text("crash child stderr", err.decode())
    if child.returncode not in (0, -signal.SIGKILL):
        raise AssertionError(f"the child failed ({child.returncode}): {err.decode()[-2000:]}")
    marks: dict[str, float] = {}
    for line in out.decode().splitlines():
        name, _, rest = line.partition(" ")
        if name in ("begin", "commit", "done"):
            marks.setdefault(name, float(rest.split()[0]))
    return marks


def _classify(marks: dict[str, float]) -> str:
    if "done" in marks:
        return "after"
    if "commit" in marks:
        return "commit+"
    return "in tx" if "begin" in marks else "before"


def _table_digest(database: Path) -> tuple[str, str]:
    """(integrity_check result, hash of every content row). Timestamps and the question log
    are left out: they differ between two clean ingests too."""
    with contextlib.closing(sqlite3.connect(database)) as db:
        integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
        digest = hashlib.sha256()
        for sql in (
            "SELECT id, replace_key, title, source, url, lang, published, format FROM articles "
            "ORDER BY id",
            "SELECT * FROM sentences ORDER BY id",
            "SELECT * FROM passages ORDER BY id",
            "SELECT form, other, article_id FROM aliases ORDER BY form, other",
            "SELECT value FROM meta WHERE key = 'generation'",
        ):
            for row in db.execute(sql):
                digest.update(repr(row).encode())
    return integrity, digest.hexdigest()


def _passages_with_terms(database: Path) -> int:
    with contextlib.closing(sqlite3.connect(database)) as db:
        return int(
            db.execute(
                "SELECT COUNT(DISTINCT p.id) FROM passages p JOIN sentences s ON "
                "s.article_id = p.article_id AND s.position BETWEEN p.first_position AND "
                "p.last_position WHERE trim(s.terms) != ''"
            ).fetchone()[0]
        )


def _answer(kb: KnowledgeBase) -> tuple[bool, list[tuple[str, str]]]:
    answer = kb.ask(QUESTION, log_it=False)
    return answer.found, [(q.citation.article_id, q.sentence.text) for q in answer.quotes]


def _check_fresh_kb(data_dir: Path, expected_answer: object, article: bytes | None) -> bool | None:
    """A fresh KnowledgeBase agrees with its store and answers as expected; then, given the
    article, ingests it again and says whether it was there already."""
    database = data_dir / "citebot.sqlite3"
    kb = KnowledgeBase(KnowledgeConfig(data_dir=data_dir))
    try:
        assert kb.index.generation == kb.store.generation()
        assert kb.index.doc_count == _passages_with_terms(database)
        lengths = sum(len(terms) for _, terms in kb.store.all_passage_terms())
        assert kb.index.total_len == lengths
        assert _answer(kb) == expected_answer
        if article is None:
            return None
        again = kb.ingest_bytes(article, "chronicle.txt")
        assert again.status in ("added", "unchanged")
        return again.status == "unchanged"
    finally:
        kb.close()


def _release_memory() -> None:
    """Keep this process small for the rest of the suite: glibc keeps freed heap unless asked."""
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


@pytest.mark.timeout(240)
def test_sigkill_during_ingest_leaves_all_or_nothing(
    prepared_data_dir: Path, tmp_path: Path
) -> None:
    started = time.monotonic()
    article_bytes = _article()
    article = tmp_path / "chronicle.txt"
    article.write_bytes(article_bytes)

    def copy(name: str) -> Path:
        target = tmp_path / name
        shutil.copytree(prepared_data_dir, target)
        return target

    # The untouched state, and a clean ingest by an unkilled child: the two allowed outcomes.
    blank = copy("blank")
    _, blank_digest = _table_digest(blank / "citebot.sqlite3")
    with contextlib.closing(KnowledgeBase(KnowledgeConfig(data_dir=blank))) as kb:
        absent_answer = _answer(kb)
    # Without the article the answer is "not found" or, today, an unrelated bundled sentence
    # (test_unknown_names.py pins that bug); never the article's fact.
    assert all(FACT not in text for _, text in absent_answer[1])

    reference = copy("reference")
    child = _spawn(reference, article)
    _wait_ready(child)
    assert child.stdin is not None
    child.stdin.write(b"go\n")
    marks = _finish(child)
    assert child.returncode == 0 and {"begin", "commit", "done"} <= set(marks), marks
    ingest_time, tx_start, tx_end = marks["done"], marks["begin"], marks["commit"]
    integrity, full_digest = _table_digest(reference / "citebot.sqlite3")
    assert integrity == "ok"
    with contextlib.closing(KnowledgeBase(KnowledgeConfig(data_dir=reference))) as kb:
        full_answer = _answer(kb)
    assert full_answer[0] and FACT in full_answer[1][0][1]

    rng = random.Random(SEED)
    outcomes: list[Outcome] = []
    dirs = [copy(f"trial{i}") for i in range(TRIALS)]
    # The next child starts as soon as one is killed: its start-up overlaps this trial's checks.
    children = [_spawn(dirs[0], article)]
    for trial in range(TRIALS):
        child = children[trial]
        _wait_ready(child)
        assert child.stdin is not None
        child.stdin.write(b"go\n")
        went = time.monotonic()
        seen = b""
        if trial % 2:
            # Aimed: wait for the child's BEGIN, then kill within one and a half transaction
            # lengths: mostly inside it, sometimes just after COMMIT.
            seen = _read_until(child, b"begin", timeout=30)
            time.sleep(rng.uniform(0.0, 1.5 * (tx_end - tx_start)))
        else:
            time.sleep(rng.uniform(0.0, ingest_time))
        with contextlib.suppress(ProcessLookupError):
            os.kill(child.pid, signal.SIGKILL)
        delay = time.monotonic() - went
        marks = _finish(child, seen)
        if trial + 1 < TRIALS:
            children.append(_spawn(dirs[trial + 1], article))

        integrity, digest = _table_digest(dirs[trial] / "citebot.sqlite3")
        assert integrity == "ok", f"trial {trial}: {integrity}"
        assert digest in (blank_digest, full_digest), (
            f"trial {trial}: the store holds part of the article (kill at {delay:.4f} s, "
            f"{_classify(marks)})"
        )
        present = digest == full_digest
        expected = full_answer if present else absent_answer
        # Re-ingesting costs a third of a second: done after the aimed kills only.
        had_it = _check_fresh_kb(dirs[trial], expected, article_bytes if trial % 2 else None)
        assert had_it in (None, present)
        _release_memory()
        outcomes.append(Outcome(_classify(marks), present, delay))

    places = Counter(o.where for o in outcomes)
    kept = Counter((o.where, o.present) for o in outcomes)
    summary = (
        f"{TRIALS} kills (seed {SEED}): "
        + ", ".join(f"{where} {places[where]}" for where in ("before", "in tx", "commit+", "after"))
        + f"; article kept {sum(o.present for o in outcomes)}, absent "
        f"{sum(not o.present for o in outcomes)}; reference ingest {ingest_time * 1000:.0f} ms, "
        f"transaction {tx_start * 1000:.0f}-{tx_end * 1000:.0f} ms; "
        f"test took {time.monotonic() - started:.0f} s"
    )
    FIGURES.note("crash", summary)
    print(summary)
    # Nothing killed before BEGIN or inside the transaction may have left the article.
    assert not kept[("before", True)] and not kept[("in tx", True)], summary
    assert not kept[("after", False)], summary
    # The aimed half must actually have hit the transaction at least a few times.
    assert places["in tx"] >= 3, summary
