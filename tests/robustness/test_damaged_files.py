"""Damaged files are noticed, never trusted (issue 19, items 5-9).

The data dir holds two kinds of file. The store (SQLite) is the truth; the saved index is a
cache of it. So a damaged index (empty, cut short, a flipped byte, another store's) is rebuilt
from the store with one line on stderr and in the log, and every command still answers as
before. A damaged store cannot be rebuilt from anything: each command says so in one line
naming the file and what to do, never with a traceback, and an empty store file is refused
rather than filled with the bundled articles. Temporaries that a process killed during an
index save left behind are removed by the next start.

Commands run as an operator types them: `citebot` in a child process on a copy of the prepared
data dir (real SQLite, real jieba, real files). The rebuilt answers are compared with those of
an undamaged copy, asked in this process.
"""

from __future__ import annotations

import json
import logging
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from knowledge.index import ARRAYS, BM25Index
from knowledge.paths import bundled_articles
from knowledge.service import KnowledgeBase, KnowledgeConfig, bundled_corpus
from knowledge.store import Store
from tests.robustness import processes
from tests.robustness.conftest import FIGURES

pytestmark = pytest.mark.slow  # damages stores and indexes, then rebuilds them in child processes

# Questions the bundled articles answer, each from a different article.
QUESTIONS = (
    "Which Hong Kong university trained a DeepSeek founder?",
    "What did ivonescimab beat in its trial?",
    "What is Chapter 18A?",
)


def citebot(data: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``citebot --data-dir DATA ARGS...`` in a child, with no CITEBOT_* setting inherited."""
    return processes.citebot(data, *args, cwd=cwd, figure="damaged files")


def first_quotes(data: Path) -> list[str]:
    """The first quoted sentence of each question, from a knowledge base in this process."""
    kb = KnowledgeBase(KnowledgeConfig(data_dir=data))
    try:
        answers = [kb.ask(q, log_it=False) for q in QUESTIONS]
    finally:
        kb.close()
    assert all(a.found for a in answers)
    return [a.quotes[0].sentence.text for a in answers]


def asked(data: Path, question: str, cwd: Path) -> tuple[str, list[str]]:
    """`citebot ask --json`: its first quote, and its stderr lines (exit code 0 expected)."""
    result = citebot(data, "ask", question, "--json", cwd=cwd)
    assert result.returncode == 0, result.stderr[-3000:]
    answer = json.loads(result.stdout)
    assert answer["found"], answer
    return answer["sentences"][0]["text"], result.stderr.splitlines()


@pytest.fixture(scope="module")
def reference(prepared_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """The first quotes of an undamaged copy."""
    data = tmp_path_factory.mktemp("reference") / "data"
    shutil.copytree(prepared_data_dir, data)
    return first_quotes(data)


def assert_rebuilt_once(lines: list[str], data: Path, why: str) -> None:
    """One warning line saying why the index was rebuilt; the rebuilt index was saved."""
    assert len(lines) == 1, lines
    assert why in lines[0] and "rebuilding it from the store" in lines[0], lines
    assert "Traceback" not in lines[0]
    loaded = BM25Index.load(data / "index")
    store = Store(data / "citebot.sqlite3")
    assert loaded is not None and loaded.store_id == store.store_id
    store.close()


# -- item 5: an empty or cut index file ------------------------------------------------------
def _empty(path: Path) -> None:
    path.write_bytes(b"")


def _halved(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


@pytest.mark.parametrize(
    ("name", "damage"),
    [
        ("index.npz", _empty),
        ("index.json", _empty),
        ("index.npz", _halved),
        ("index.json", _halved),
    ],
    ids=["empty-npz", "empty-json", "halved-npz", "halved-json"],
)
def test_an_empty_or_cut_index_file_is_rebuilt_from_the_store_with_one_line(
    data_dir: Path,
    tmp_path: Path,
    reference: list[str],
    name: str,
    damage: Callable[[Path], None],
) -> None:
    damage(data_dir / "index" / name)
    quote, lines = asked(data_dir, QUESTIONS[0], tmp_path)
    assert quote == reference[0]
    assert_rebuilt_once(lines, data_dir, "is damaged")
    FIGURES.count("damaged files: index files emptied or cut, rebuilt")


def test_a_rebuild_is_one_warning_in_the_log(
    data_dir: Path, reference: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    """The bot's log gets the line the CLI prints (the CLI's log is its stderr)."""
    (data_dir / "index" / "index.npz").write_bytes(b"")
    with caplog.at_level(logging.INFO, logger="knowledge"):
        assert first_quotes(data_dir) == reference
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1, [r.getMessage() for r in warnings]
    assert str(data_dir / "index") in warnings[0].getMessage()


# -- item 6: checksums of what is loaded -----------------------------------------------------
def _member_data(npz: Path, member: str) -> tuple[int, int]:
    """Where a member's bytes (its .npy header, then the array) lie in the file."""
    with zipfile.ZipFile(npz) as zf:
        info = zf.getinfo(f"{member}.npy")
    with open(npz, "rb") as fh:
        fh.seek(info.header_offset + 26)
        name_len, extra_len = (int.from_bytes(fh.read(2), "little") for _ in range(2))
    return info.header_offset + 30 + name_len + extra_len, info.file_size


def _flip(path: Path, offset: int, mask: int = 0x01) -> None:
    with open(path, "r+b") as fh:
        fh.seek(offset)
        byte = fh.read(1)[0]
        fh.seek(offset)
        fh.write(bytes([byte ^ mask]))


def test_zeroed_postings_are_noticed_and_rebuilt_by_citebot_ask(
    data_dir: Path, tmp_path: Path, reference: list[str]
) -> None:
    """Before: every answer "I don't know" (the postings all say passage 0)."""
    npz = data_dir / "index" / ARRAYS
    start, size = _member_data(npz, "ids")
    with open(npz, "r+b") as fh:
        fh.seek(start + 128)  # past the .npy header: the array itself
        fh.write(bytes(size - 128))
    quote, lines = asked(data_dir, QUESTIONS[1], tmp_path)
    assert quote == reference[1]
    assert_rebuilt_once(lines, data_dir, "ids.npy fails its checksum")


@pytest.mark.parametrize("member", ["ids", "tfs", "ptr", "doc_len", "bounds"])
def test_a_flipped_byte_in_any_member_is_noticed_and_rebuilt(
    prepared_data_dir: Path,
    tmp_path: Path,
    reference: list[str],
    member: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Single byte flips (seeded, 4 a member, each in a fresh copy): before, they gave
    IndexError or silently other rankings; now each is a checksum failure and a rebuild."""
    rng = random.Random(f"flip-{member}")
    for n in range(4):
        data = tmp_path / f"data{n}"
        shutil.copytree(prepared_data_dir, data)
        npz = data / "index" / ARRAYS
        start, size = _member_data(npz, member)
        _flip(npz, start + 128 + rng.randrange(size - 128), 1 << rng.randrange(8))
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="knowledge"):
            assert first_quotes(data) == reference
        messages = [r.getMessage() for r in caplog.records]
        assert len(messages) == 1 and f"{member}.npy fails its checksum" in messages[0], messages
        FIGURES.count("damaged files: byte flips in the index, rebuilt")


def test_an_edited_metadata_file_is_noticed_and_rebuilt(
    data_dir: Path, reference: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    """Still valid JSON, but not what was saved: a passage count edited."""
    meta = data_dir / "index" / "index.json"
    text = meta.read_text(encoding="utf-8")
    count = json.loads(text)["doc_count"]
    meta.write_text(text.replace(f'"doc_count": {count}', f'"doc_count": {count + 1}'), "utf-8")
    with caplog.at_level(logging.WARNING, logger="knowledge"):
        assert first_quotes(data_dir) == reference
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 1 and "index.json fails its checksum" in messages[0], messages


# -- item 7: an index names its store --------------------------------------------------------
def test_another_stores_index_of_the_same_generation_is_not_trusted(
    data_dir: Path, tmp_path: Path, reference: list[str]
) -> None:
    """The same articles ingested in another order: the same generation, other passage ids.
    Before: that store's index was loaded as this one's, and answers quoted other passages."""
    other = tmp_path / "other"
    kb = KnowledgeBase(KnowledgeConfig(data_dir=other))
    report = kb.ingest_paths(list(reversed(bundled_articles(bundled_corpus()))))
    assert not report.failures
    kb.close()
    ours = Store(data_dir / "citebot.sqlite3")
    theirs = Store(other / "citebot.sqlite3")
    assert ours.generation() == theirs.generation()
    ours.close()
    theirs.close()
    index_dir = data_dir / "index"
    for name in ("index.npz", "index.json"):
        (index_dir / name).write_bytes((other / "index" / name).read_bytes())
    runs = [asked(data_dir, question, tmp_path) for question in QUESTIONS]
    assert [quote for quote, _ in runs] == reference
    assert_rebuilt_once(runs[0][1], data_dir, "belongs to another store")
    assert runs[1][1] == runs[2][1] == []  # the rebuilt index was saved, and is this store's


def test_a_store_and_index_from_before_store_ids_are_kept_and_named(
    data_dir: Path, reference: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    """An upgrade is not damage: a store without an id gets one, and its index (saved without
    one) is this store's, not rebuilt (minutes at a million passages) nor warned about."""
    old = BM25Index.load(data_dir / "index")
    assert old is not None
    old.store_id = None
    old.save(data_dir / "index")
    with sqlite3.connect(data_dir / "citebot.sqlite3") as db:
        db.execute("DELETE FROM meta WHERE key = 'store_id'")
    db.close()
    with caplog.at_level(logging.WARNING, logger="knowledge"):
        assert first_quotes(data_dir) == reference
    assert [r.getMessage() for r in caplog.records] == []
    store = Store(data_dir / "citebot.sqlite3")
    assert json.loads((data_dir / "index" / "index.json").read_text())["store"] == store.store_id
    store.close()


def test_a_store_keeps_the_id_it_was_made_with(tmp_path: Path) -> None:
    first = Store(tmp_path / "a.sqlite3")
    made = first.store_id
    first.close()
    again = Store(tmp_path / "a.sqlite3")
    other = Store(tmp_path / "b.sqlite3")
    assert again.store_id == made != other.store_id and len(made) == 32
    again.close()
    other.close()


# -- item 8: a damaged store -----------------------------------------------------------------
def _zero_middle_pages(store: Path) -> None:
    """The middle half of the file's pages written as zeros (as a bad disk returns them)."""
    size = store.stat().st_size
    page = 4096
    pages = size // page
    with open(store, "r+b") as fh:
        fh.seek(pages // 4 * page)
        fh.write(bytes((pages * 3 // 4 - pages // 4) * page))


def _undecodable_text(store: Path) -> None:
    """Every sentence of one article made of bytes that are not UTF-8."""
    with sqlite3.connect(store) as db:
        db.execute(
            "UPDATE sentences SET text = CAST(x'ff41fe' || CAST(text AS BLOB) AS TEXT) "
            "WHERE article_id = (SELECT article_id FROM sentences WHERE text LIKE '%HKUST%')"
        )
    db.close()


def _dropped_column(store: Path) -> None:
    with sqlite3.connect(store) as db:
        db.execute("ALTER TABLE articles DROP COLUMN format")
    db.close()


DAMAGE = {
    "zeroed-pages": _zero_middle_pages,
    "undecodable-text": _undecodable_text,
    "dropped-column": _dropped_column,
}
# The commands the outside run saw trace back for each damage, plus list and stats where
# the damage reaches them.
CASES = [
    ("zeroed-pages", "ask"),
    ("zeroed-pages", "list"),
    ("zeroed-pages", "stats"),
    ("zeroed-pages", "export"),
    ("zeroed-pages", "remove"),
    ("undecodable-text", "ask"),
    ("undecodable-text", "export"),
    ("dropped-column", "ask"),
    ("dropped-column", "export"),
    ("dropped-column", "remove"),
]


@pytest.mark.parametrize(("damage", "command"), CASES, ids=[f"{d}-{c}" for d, c in CASES])
def test_a_damaged_store_gives_one_line_naming_the_file_and_what_to_do(
    data_dir: Path, tmp_path: Path, damage: str, command: str
) -> None:
    store = data_dir / "citebot.sqlite3"
    opened = Store(store)
    article = opened.list_articles()[0].id
    opened.close()
    DAMAGE[damage](store)
    extra = {"ask": [QUESTIONS[0]], "remove": [article]}.get(command, [])
    result = citebot(data_dir, command, *extra, cwd=tmp_path)
    err = result.stderr.strip()
    assert result.returncode == 1, (result.returncode, err[-3000:])
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err[-3000:]
    assert err.startswith("citebot: the store ") and str(store) in err, err
    assert "damaged" in err and "restore a backup" in err, err
    FIGURES.count(f"damaged files: damaged store ({damage}), one line")


def test_an_empty_store_file_is_refused_not_filled_with_the_bundled_articles(
    data_dir: Path, tmp_path: Path
) -> None:
    """Before: taken for a new store, and `ask` loaded the bundled corpus into it."""
    store = data_dir / "citebot.sqlite3"
    store.write_bytes(b"")
    result = citebot(data_dir, "ask", QUESTIONS[0], cwd=tmp_path)
    err = result.stderr.strip()
    assert result.returncode == 1 and len(err.splitlines()) == 1, err[-3000:]
    assert str(store) in err and "empty (0 bytes)" in err and "restore a backup" in err, err
    assert result.stdout == "" and store.stat().st_size == 0
    assert sorted(p.name for p in data_dir.iterdir()) == ["cache", "citebot.sqlite3", "index"]


def test_a_new_store_is_never_seen_empty(tmp_path: Path) -> None:
    """A new store is made whole beside its place and linked in: the file is never 0 bytes,
    and nothing of its making is left beside it."""
    store = Store(tmp_path / "new" / "citebot.sqlite3")
    assert store.path.stat().st_size > 0 and store.article_count() == 0
    store.close()
    assert sorted(p.name for p in (tmp_path / "new").iterdir()) == ["citebot.sqlite3"]


# -- item 9: leftovers of a killed save ------------------------------------------------------
_SAVER = """
import os, sys
from pathlib import Path
from knowledge.service import KnowledgeBase, KnowledgeConfig
data = Path(sys.argv[1])
kb = KnowledgeBase(KnowledgeConfig(data_dir=data, index_save_seconds=0))
# The save's temporary as a FIFO: the save stalls in it until this process is killed.
os.mkfifo(data / "index" / f"index.npz.{os.getpid()}.tmp")
print(os.getpid(), flush=True)
kb.ingest_text("The Quindle Observatory lends brass telescopes to schools.", title="Quindle")
"""


def test_temporaries_of_a_save_killed_midway_are_removed_at_start(
    data_dir: Path, tmp_path: Path
) -> None:
    """A process killed while it writes an index save (SIGKILL: nothing of it runs after)
    leaves its temporary; the next `citebot` removes it, and those of live processes stay."""
    index_dir = data_dir / "index"
    child = subprocess.Popen(
        [sys.executable, "-c", _SAVER, str(data_dir)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])},
    )
    assert child.stdout is not None
    pid = int(child.stdout.readline())
    killed = index_dir / f"index.npz.{pid}.tmp"
    with open(killed, "rb") as stalled:  # returns once the save is writing into it
        assert stalled.read(64)  # the save is under way
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=60)
    # Also a metadata temporary of that process, and both of a live process (this one).
    (index_dir / f"index.json.{pid}.tmp").write_text("{}", encoding="utf-8")
    live = [index_dir / f"{name}.{os.getpid()}.tmp" for name in ("index.npz", "index.json")]
    for path in live:
        path.write_bytes(b"half")
    assert killed.exists()
    result = citebot(data_dir, "list", cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    left = sorted(p.name for p in index_dir.iterdir())
    assert left == sorted(["index.json", "index.npz", *(p.name for p in live)])
    FIGURES.count("damaged files: temporaries of a killed save removed", 2)
