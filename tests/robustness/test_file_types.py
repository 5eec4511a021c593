"""Paths that are not the regular files their names say: links out of a folder, devices, FIFOs.

Each test runs `citebot` in a child process as an operator types it, on a copy of the prepared
data dir (real SQLite, real jieba, real files made in tmp_path). The contract, from bot/cli/
and issue 19 items 1 and 2: ingest reads regular files only. A symbolic link named on the
command line is followed only with ``--follow-symlinks``; one found in a folder only when its
target stays inside that folder. A device or FIFO is refused before it is opened. A single path
refused is one line on stderr, exit code 2 and the store exactly as before; in a folder it is
skipped with a reason and the rest goes in.

The children run with their address space capped (``MEMORY_CAP``): reading /dev/zero to the end
then fails in a second with MemoryError instead of taking the machine's memory with it.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import subprocess
from pathlib import Path

import pytest

from knowledge.errors import FileTooLarge
from knowledge.paths import read_file
from tests.robustness import processes
from tests.robustness.conftest import table_counts

SECRET = "mauve-otter-4417"
SECRET_TEXT = f"The vault passphrase of the Quindle Observatory is {SECRET}.\n"
QUESTION = "What is the vault passphrase of the Quindle Observatory?"
ARTICLE = (
    "The Brannoch Reading Room opened in 1931 on the harbour front.\n\n"
    "It lends old sea charts of the Pearl River estuary to anyone who asks.\n"
)
# A refusal starts a process, opens the knowledge base and stops: seconds, not minutes. A child
# still running after this has hung (a FIFO opened for reading waits for a writer forever).
CHILD_TIMEOUT = processes.CHILD_TIMEOUT
MEMORY_CAP = 2 << 30  # ~5x the address space a normal `citebot ingest` reaches


pytestmark = [
    pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs and /dev/zero"),
    pytest.mark.slow,  # every test runs `citebot` in a child process
]


def citebot(data: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``citebot --data-dir DATA ARGS...`` in a child, its memory capped at MEMORY_CAP."""
    return processes.citebot(data, *args, cwd=cwd, figure="file types", memory=MEMORY_CAP)


def assert_one_line_refusal(result: subprocess.CompletedProcess[str], *words: str) -> str:
    """Exit code 2, nothing on stdout, one line on stderr holding ``words``; returns the line."""
    err = result.stderr.strip()
    assert result.returncode == 2, (result.returncode, err[-2000:])
    assert result.stdout == "" and len(err.splitlines()) == 1, err[-2000:]
    assert err.startswith("citebot: ") and "Traceback" not in err, err
    for word in words:
        assert word in err, err
    return err


def skipped_lines(result: subprocess.CompletedProcess[str]) -> dict[str, str]:
    """A folder ingest's ``skipped    PATH: reason`` lines, by file name."""
    lines = [line for line in result.stderr.splitlines() if line.startswith("skipped ")]
    return {Path(line.split()[1].rstrip(":")).name: line for line in lines}


def stored(data: Path, phrase: str) -> bool:
    """Whether a stored sentence holds ``phrase`` (read through a connection of our own)."""
    uri = f"file:{data / 'citebot.sqlite3'}?mode=ro"
    with contextlib.closing(sqlite3.connect(uri, uri=True)) as db:
        row = db.execute("SELECT 1 FROM sentences WHERE instr(text, ?) LIMIT 1", (phrase,))
        return row.fetchone() is not None


def answer_text(data: Path, question: str, cwd: Path) -> str:
    result = citebot(data, "ask", question, "--json", cwd=cwd)
    assert result.returncode == 0, result.stderr
    return str(json.loads(result.stdout)["reply"])


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    """A file the operator never meant to publish, outside every folder ingested."""
    private = tmp_path / "private"
    private.mkdir()
    path = private / "vault.txt"
    path.write_text(SECRET_TEXT, encoding="utf-8")
    return path


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "x.txt"
    os.mkfifo(path)
    return path


# -- symbolic links ------------------------------------------------------------------------------


def test_link_named_on_the_command_line_is_not_followed(
    data_dir: Path, tmp_path: Path, secret: Path
) -> None:
    link = tmp_path / "article.txt"
    link.symlink_to(secret)
    before = table_counts(data_dir / "citebot.sqlite3")
    result = citebot(data_dir, "ingest", str(link), cwd=tmp_path)
    assert_one_line_refusal(result, str(link), "symbolic link", "--follow-symlinks")
    assert table_counts(data_dir / "citebot.sqlite3") == before
    assert not stored(data_dir, SECRET)
    assert SECRET not in answer_text(data_dir, QUESTION, tmp_path)


def test_follow_symlinks_reads_a_linked_file_named_on_the_command_line(
    data_dir: Path, tmp_path: Path
) -> None:
    real = tmp_path / "shelf" / "reading-room.txt"
    real.parent.mkdir()
    real.write_text(ARTICLE, encoding="utf-8")
    link = tmp_path / "article.txt"
    link.symlink_to(real)
    result = citebot(data_dir, "ingest", "--follow-symlinks", str(link), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("added "), result.stdout
    assert stored(data_dir, "opened in 1931")


def test_link_out_of_a_folder_is_skipped_with_a_reason(
    data_dir: Path, tmp_path: Path, secret: Path
) -> None:
    folder = tmp_path / "articles"
    (folder / "more").mkdir(parents=True)
    (folder / "reading-room.txt").write_text(ARTICLE, encoding="utf-8")
    (folder / "leak.txt").symlink_to(secret)  # absolute target
    (folder / "more" / "leak.md").symlink_to(Path("..", "..", "private", "vault.txt"))
    (folder / "vault-dir").symlink_to(secret.parent)  # a linked folder is not walked into
    before = table_counts(data_dir / "citebot.sqlite3")

    result = citebot(data_dir, "ingest", str(folder), cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    assert [line.split()[0] for line in result.stdout.splitlines()] == ["added"]
    skipped = skipped_lines(result)
    assert sorted(skipped) == ["leak.md", "leak.txt"], result.stderr
    for line in skipped.values():
        assert "symbolic link" in line and "outside" in line, line
    assert "1 ingested, 2 skipped" in result.stderr
    assert table_counts(data_dir / "citebot.sqlite3")["articles"] == before["articles"] + 1
    assert not stored(data_dir, SECRET)
    assert SECRET not in answer_text(data_dir, QUESTION, tmp_path)


def test_link_that_stays_inside_the_folder_is_ingested(data_dir: Path, tmp_path: Path) -> None:
    """The other side of the rule (this passed before the fix too): a link whose target is in
    the folder given is read, relative or absolute, the folder named by a relative path."""
    folder = tmp_path / "articles"
    (folder / "drafts").mkdir(parents=True)
    # Only the links carry a suffix ingest reads: the targets go in through them or not at all.
    (folder / "drafts" / "reading-room.text").write_text(ARTICLE, encoding="utf-8")
    (folder / "reading-room.txt").symlink_to(Path("drafts", "reading-room.text"))
    (folder / "drafts" / "vault.text").write_text(SECRET_TEXT, encoding="utf-8")
    (folder / "drafts" / "vault.md").symlink_to((folder / "drafts" / "vault.text").resolve())

    result = citebot(data_dir, "ingest", "articles", cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    assert [line.split()[0] for line in result.stdout.splitlines()] == ["added", "added"]
    assert "2 ingested, 0 skipped" in result.stderr
    assert stored(data_dir, "opened in 1931") and stored(data_dir, SECRET)


# -- devices and FIFOs ---------------------------------------------------------------------------


@pytest.mark.timeout(2 * CHILD_TIMEOUT)
@pytest.mark.parametrize("how", ["named", "txt link", "txt link followed"])
def test_dev_zero_is_refused_without_reading_it(data_dir: Path, tmp_path: Path, how: str) -> None:
    path = Path("/dev/zero")
    flags: list[str] = []
    if how != "named":
        path = tmp_path / "zero.txt"
        path.symlink_to("/dev/zero")
    if how == "txt link followed":
        flags = ["--follow-symlinks"]
    before = table_counts(data_dir / "citebot.sqlite3")
    result = citebot(data_dir, "ingest", *flags, str(path), cwd=tmp_path)
    reason = "symbolic link" if how == "txt link" else "not a regular file"
    assert_one_line_refusal(result, str(path), reason)
    assert table_counts(data_dir / "citebot.sqlite3") == before


@pytest.mark.timeout(2 * CHILD_TIMEOUT)
@pytest.mark.parametrize("how", ["named", "txt link followed"])
def test_fifo_named_txt_is_refused_without_waiting_for_a_writer(
    data_dir: Path, tmp_path: Path, fifo: Path, how: str
) -> None:
    path, flags = fifo, []
    if how == "txt link followed":
        path = tmp_path / "pipe.txt"
        path.symlink_to(fifo)
        flags = ["--follow-symlinks"]
    before = table_counts(data_dir / "citebot.sqlite3")
    result = citebot(data_dir, "ingest", *flags, str(path), cwd=tmp_path)
    assert_one_line_refusal(result, str(path), "not a regular file", "FIFO")
    assert table_counts(data_dir / "citebot.sqlite3") == before


@pytest.mark.timeout(2 * CHILD_TIMEOUT)
def test_devices_and_fifos_in_a_folder_are_skipped_with_a_reason(
    data_dir: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "reading-room.txt").write_text(ARTICLE, encoding="utf-8")
    os.mkfifo(folder / "x.txt")
    (folder / "zero.md").symlink_to("/dev/zero")
    before = table_counts(data_dir / "citebot.sqlite3")

    result = citebot(data_dir, "ingest", str(folder), cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    skipped = skipped_lines(result)
    assert sorted(skipped) == ["x.txt", "zero.md"], result.stderr
    assert "not a regular file" in skipped["x.txt"] and "FIFO" in skipped["x.txt"]
    assert "symbolic link" in skipped["zero.md"] and "outside" in skipped["zero.md"]
    assert "1 ingested, 2 skipped" in result.stderr
    assert table_counts(data_dir / "citebot.sqlite3")["articles"] == before["articles"] + 1


# -- reading at most the limit -------------------------------------------------------------------


@pytest.mark.skipif(not Path("/proc/self/status").is_file(), reason="needs Linux /proc")
def test_a_file_longer_than_its_size_says_is_read_only_to_the_limit() -> None:
    """/proc files say they hold 0 bytes, like a file still growing when its size was read:
    reading stops one byte past the limit, and that byte is the refusal."""
    status = Path("/proc/self/status")
    assert status.stat().st_size == 0 and len(status.read_bytes()) > 100
    with pytest.raises(FileTooLarge) as refused:
        read_file(status, 100)
    assert refused.value.params["size"] == 101
    assert str(refused.value) == "status: over the limit of 100 bytes once read (its size said 0)"
    assert read_file(status, 1 << 20).startswith(b"Name:")
