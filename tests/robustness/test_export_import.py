"""Export, import and backup against damaged files and bad destinations (issue 19, items 16-18).

Each test runs `citebot` in a child process as an operator types it, on a copy of the prepared
data dir (real SQLite, real files in tmp_path). The contract (README, "Moving a knowledge base"):

* an export is a header line, one record a line, and a trailer with the record count and the
  SHA-256 of everything before it; an export cut short or changed is refused whole (one line,
  exit 2, nothing imported); a version-1 export (no trailer) imports with a warning line;
* in a whole export, each record is checked against a schema with an upload's limits: a bad
  one is skipped with a one-line reason and the rest go in; articles keep their ``added_at``;
* export and backup write only a regular file or a new path in an existing folder, through a
  temporary file renamed at the end: a bad destination or a failed write is one line, and the
  destination and its folder are as they were.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import sqlite3
import stat
import subprocess
import time
from pathlib import Path

import pytest

from knowledge.service import KnowledgeBase, KnowledgeConfig
from tests.robustness import processes
from tests.robustness.conftest import FIGURES, table_counts
from tests.robustness.processes import one_line

pytestmark = pytest.mark.slow  # exports, imports and backups through child processes, full disks

Completed = processes.Completed
FIGURE = "export/import"

GOOD = "The Brannoch Reading Room lends old sea charts of the Pearl River estuary to anyone."
KEPT_TIME = "2020-01-02T03:04:05+00:00"


def citebot(data: Path, *args: str, cwd: Path, file_size: int | None = None) -> Completed:
    return processes.citebot(data, *args, cwd=cwd, figure=FIGURE, file_size=file_size)


def export_lines(*records: object, version: int = 2, trailer: bool = True) -> bytes:
    """An export file as the README describes it, made here independently of the code."""
    lines = [json.dumps({"type": "citebot-export", "version": version}).encode() + b"\n"]
    lines += [r if isinstance(r, bytes) else json.dumps(r).encode() + b"\n" for r in records]
    body = b"".join(lines)
    if not trailer:
        return body
    end = {"type": "end", "records": len(records), "sha256": hashlib.sha256(body).hexdigest()}
    return body + json.dumps(end).encode() + b"\n"


def article(text: str, **fields: object) -> dict[str, object]:
    return {"type": "article", "title": text[:30], "paragraphs": [text], **fields}


def added_at(data: Path) -> dict[str, str]:
    """Each stored article's title and added_at, read through a connection of our own."""
    uri = f"file:{data / 'citebot.sqlite3'}?mode=ro"
    with contextlib.closing(sqlite3.connect(uri, uri=True)) as db:
        return dict(db.execute("SELECT title, added_at FROM articles"))


@pytest.fixture
def empty_data(tmp_path: Path, prepared_data_dir: Path) -> Path:
    """A data dir with no article yet (the prepared dictionary cache, to start fast)."""
    data = tmp_path / "empty"
    shutil.copytree(prepared_data_dir / "cache", data / "cache")
    return data


@pytest.fixture(scope="module")
def exported(
    prepared_data_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, bytes]:
    """The prepared knowledge base exported once by `citebot export FILE`."""
    base = tmp_path_factory.mktemp("exported")
    path = base / "kb.jsonl"
    result = citebot(prepared_data_dir, "export", str(path), cwd=base)
    assert result.returncode == 0, result.stderr
    return path, path.read_bytes()


@pytest.fixture(scope="module")
def big_data(prepared_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The prepared knowledge base plus a 130 KB article: its export is larger than a pipe's
    64 KB buffer. Only read by the tests that use it."""
    data = tmp_path_factory.mktemp("big") / "data"
    shutil.copytree(prepared_data_dir, data)
    kb = KnowledgeBase(KnowledgeConfig(data_dir=data))
    try:
        lines = [f"Chart {i} of the harbour was drawn in {1800 + i % 200}." for i in range(2000)]
        kb.ingest_text("\n\n".join(lines), title="Harbour charts")
    finally:
        kb.close()
    return data


# -- item 16: records checked against a schema ------------------------------------------------


def test_bad_records_are_skipped_one_line_each_and_the_good_ones_go_in(
    empty_data: Path, tmp_path: Path
) -> None:
    big = "A very long paragraph about harbour charts. " * 500_000  # 22 MB: over the 20 MB limit
    bad: dict[str, object | bytes] = {
        "a list": [1, 2],
        "null": None,
        "paragraphs a string": {"type": "article", "paragraphs": "text"},
        "paragraphs null": {"type": "article", "paragraphs": None},
        "paragraphs an object": {"type": "article", "paragraphs": {"a": "b"}},
        "no paragraphs": {"type": "article", "paragraphs": []},
        "blank paragraph": {"type": "article", "paragraphs": ["   "]},
        "number paragraph": {"type": "article", "paragraphs": [7]},
        "over the upload limit": article(big),
        "bad added_at": article("Some other text about tides.", added_at="yesterday"),
        "deep nesting": b'{"type": "article", "x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}\n",
        "65-bit integer": {
            "type": "feedback",
            "question": "q?",
            "lang": "en",
            "found": True,
            "asked_at": KEPT_TIME,
            "user_id": 2**64,
            "value": 1,
            "created_at": KEPT_TIME,
        },
        "5,000-digit integer": b'{"type": "feedback", "user_id": ' + b"9" * 5000 + b"}\n",
        "unknown type": {"type": "poem", "paragraphs": ["x"]},
        "not JSON": b"{this is not json\n",
    }
    good = [
        article(GOOD, added_at=KEPT_TIME),
        article("The Quindle Observatory stands on a hill above the bay and opened in 1902."),
    ]
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(export_lines(good[0], *bad.values(), good[1]))
    result = citebot(empty_data, "import", str(path), cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    skipped = [line for line in result.stderr.splitlines() if line.startswith("skipped ")]
    assert len(skipped) == len(bad), result.stderr[-3000:]
    # One line each, naming the line of the file it came from (the header is line 1).
    assert [line.split(":")[0].split()[-1] for line in skipped] == [
        str(n) for n in range(3, 3 + len(bad))
    ]
    assert result.stderr.strip().splitlines()[-1] == f"2 imported, {len(bad)} skipped"
    assert "over the upload limit" in skipped[8] and "nested too deeply" in skipped[10]
    FIGURES.note("export/import: bad records", f"{len(bad)} tried, {len(bad)} skipped in one line")
    times = added_at(empty_data)
    assert len(times) == 2
    assert times[GOOD[:30]] == KEPT_TIME  # kept from the export, not the time of the import


def test_export_of_an_unknown_version_is_refused_whole(empty_data: Path, tmp_path: Path) -> None:
    path = tmp_path / "future.jsonl"
    path.write_bytes(export_lines(article(GOOD), version=999))
    result = citebot(empty_data, "import", str(path), cwd=tmp_path)
    one_line(result, 2, "export version 999", "nothing imported")
    assert result.stdout == ""
    assert table_counts(empty_data / "citebot.sqlite3")["articles"] == 0


def test_export_then_import_keeps_every_article_and_its_added_at(
    exported: tuple[Path, bytes], empty_data: Path, prepared_data_dir: Path, tmp_path: Path
) -> None:
    path, data = exported
    lines = data.splitlines()
    assert json.loads(lines[0]) == {"type": "citebot-export", "version": 2}
    trailer = json.loads(lines[-1])
    assert trailer["type"] == "end" and trailer["records"] == len(lines) - 2
    assert trailer["sha256"] == hashlib.sha256(data[: data.rindex(b"\n", 0, -1) + 1]).hexdigest()
    result = citebot(empty_data, "import", str(path), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip().endswith(f"{trailer['records']} imported, 0 skipped")
    assert added_at(empty_data) == added_at(prepared_data_dir)


# -- item 17: a damaged export is refused whole -----------------------------------------------


def _damaged(data: bytes, how: str) -> bytes:
    lines = data.splitlines(keepends=True)
    if how == "cut at a line":
        return b"".join(lines[: len(lines) // 2])
    if how == "cut inside a line":
        return data[: len(data) // 2]
    if how == "trailer cut":
        return data[:-10]
    if how == "a record dropped":
        return b"".join(lines[:2] + lines[3:])
    assert how == "a byte changed"
    at = data.index(b"paragraphs") + 20
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1 :]


DAMAGE = {
    "cut at a line": "cut short",
    "cut inside a line": "cut short",
    "trailer cut": "cut short",
    "a record dropped": "records but",
    "a byte changed": "checksum",
}


@pytest.mark.parametrize("how", sorted(DAMAGE))
def test_damaged_export_is_refused_whole_with_one_line(
    exported: tuple[Path, bytes], empty_data: Path, tmp_path: Path, how: str
) -> None:
    path = tmp_path / "damaged.jsonl"
    path.write_bytes(_damaged(exported[1], how))
    result = citebot(empty_data, "import", str(path), cwd=tmp_path)
    one_line(result, 2, str(path), DAMAGE[how], "nothing imported")
    assert result.stdout == ""
    assert table_counts(empty_data / "citebot.sqlite3")["articles"] == 0
    FIGURES.count("export/import: damaged exports refused whole")


def test_version_1_export_without_trailer_imports_with_a_warning(
    empty_data: Path, tmp_path: Path
) -> None:
    path = tmp_path / "old.jsonl"
    old_feedback = {
        "type": "feedback",
        "question": "Who lends sea charts?",
        "lang": "en",
        "found": 1,  # version 1 wrote SQLite's integer
        "asked_at": KEPT_TIME,
        "chat_id": None,
        "user_id": 5,
        "value": -1,
        "created_at": KEPT_TIME,
    }
    path.write_bytes(export_lines(article(GOOD), old_feedback, version=1, trailer=False))
    result = citebot(empty_data, "import", str(path), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if "warning" in line]
    assert len(warnings) == 1 and "version 1" in warnings[0] and "cut short" in warnings[0]
    assert result.stderr.strip().endswith("1 imported, 0 skipped")
    assert table_counts(empty_data / "citebot.sqlite3")["articles"] == 1


# -- item 18: bad destinations ------------------------------------------------------------------


@pytest.fixture
def device(tmp_path: Path) -> Path:
    """A device that is always full: /dev/full itself only when we cannot make one (as root,
    code that replaces it would take /dev/full from the machine)."""
    if os.geteuid() != 0:
        return Path("/dev/full")
    path = tmp_path / "full"
    os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, 7))
    return path


def _listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@pytest.mark.parametrize("command", ["export", "backup"])
def test_bad_destinations_get_one_line_and_nothing_is_written(
    data_dir: Path, tmp_path: Path, device: Path, command: str
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    target = work / "target.txt"
    target.write_text("keep me\n", encoding="utf-8")
    link = work / "link.out"
    link.symlink_to(target)
    folder = work / "folder"
    folder.mkdir()
    cases = {
        "missing folder": (work / "no" / "such" / "out", "does not exist"),
        "a folder": (folder, "a folder"),
        "a symbolic link": (link, "a symbolic link"),
        "a device": (device, "a device"),
    }
    before = _listing(work)
    for name, (dest, words) in cases.items():
        result = citebot(data_dir, command, str(dest), cwd=tmp_path)
        one_line(result, 2, str(dest), words)
        assert _listing(work) == before, name
        FIGURES.count("export/import: bad destinations refused")
    assert link.is_symlink() and target.read_text(encoding="utf-8") == "keep me\n"
    assert stat.S_ISCHR(os.lstat(device).st_mode)
    assert _listing(folder) == [] and not Path(f"{folder}.tmp").exists()


@pytest.mark.parametrize("command", ["export", "backup"])
def test_a_write_that_fails_midway_leaves_the_old_file_and_no_temporary(
    big_data: Path, tmp_path: Path, command: str
) -> None:
    """RLIMIT_FSIZE makes the write fail part of the way, as a full disk does (64 KB: room
    for the store's 32 KB shared-memory file, not for the export or the backup)."""
    work = tmp_path / "work"
    work.mkdir()
    dest = work / "out"
    dest.write_bytes(b"the previous copy\n")
    result = citebot(big_data, command, str(dest), cwd=tmp_path, file_size=65_536)
    one_line(result, 1, str(dest), "nothing was written")
    assert dest.read_bytes() == b"the previous copy\n"
    assert _listing(work) == ["out"]


@pytest.mark.parametrize("command", ["export", "backup"])
def test_export_and_backup_replace_a_regular_file_whole(
    data_dir: Path, tmp_path: Path, command: str
) -> None:
    dest = tmp_path / "out"
    dest.write_bytes(b"the previous copy\n")
    result = citebot(data_dir, command, str(dest), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    if command == "backup":
        with contextlib.closing(sqlite3.connect(dest)) as db:
            assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    else:
        assert json.loads(dest.read_bytes().splitlines()[-1])["type"] == "end"
    assert _listing(tmp_path) == ["data", "out"]


def test_export_into_a_pipe_closed_early_says_one_line(big_data: Path, tmp_path: Path) -> None:
    """`citebot export | head -c 100`: the reader goes away after 100 bytes, while the export
    (made larger than a pipe's 64 KB buffer) is still being written."""
    started = time.monotonic()
    child = subprocess.Popen(
        processes.command(big_data, "export"),
        cwd=tmp_path,
        env=processes.clean_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert child.stdout is not None and child.stderr is not None
    assert len(child.stdout.read(100)) == 100
    child.stdout.close()
    err = child.stderr.read().decode()
    code = child.wait(timeout=processes.CHILD_TIMEOUT)
    processes.took(FIGURE, started)
    result = subprocess.CompletedProcess(child.args, code, "", err)
    one_line(result, 1, "cut short", "closed the pipe")
