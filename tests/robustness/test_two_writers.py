"""Two `citebot ingest` processes writing to one data dir at once (issue 19, items 14 and 15).

Each writer is a child process that opens the knowledge base once (jieba and the imports are
then warm), says it is ready and waits; the test releases both together, and each runs
``citebot ingest FOLDER`` through the CLI's own ``main``. Released together, the two go through
their folders in step, so the same article (or the same URL) is decided by both at nearly the
same moment, which is what an operator gets running two imports of one export at once.

* Two versions of the same URLs: afterwards each URL is stored exactly once (the read of what
  an ingest replaces and its write were not one transaction: both writers found no older
  version and both versions stayed).
* The same folder twice: every file is `added` by one writer and `unchanged` for the other,
  with no `skipped ... UNIQUE constraint failed: articles.id` (the second writer's insert of an
  article the first had just stored).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.robustness.conftest import FIGURES, WATCH

pytestmark = pytest.mark.slow  # two `citebot ingest` child processes at once

ROOT = Path(__file__).resolve().parents[2]
URLS = 40
ROUNDS = 3
CHILD_TIMEOUT = 300.0

# Opens the knowledge base once to warm up, reports "ready", waits for a line on stdin, then
# ingests through the CLI exactly as `citebot --data-dir DATA ingest FOLDER` would.
_WRITER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from bot.cli import main
    from knowledge.service import KnowledgeBase, KnowledgeConfig

    data, folder = sys.argv[1], sys.argv[2]
    KnowledgeBase(KnowledgeConfig(data_dir=Path(data))).close()
    print("ready", flush=True)
    sys.stdin.readline()
    sys.exit(main(["--data-dir", data, "ingest", folder]))
    """
)

# Keeps one knowledge base open; for each URL number read from stdin, stores this writer's
# version of that URL's article and prints what happened (added, replaced, unchanged).
_VERSION_WRITER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from knowledge.service import KnowledgeBase, KnowledgeConfig

    data, version = sys.argv[1], sys.argv[2]
    kb = KnowledgeBase(KnowledgeConfig(data_dir=Path(data)))
    print("ready", flush=True)
    for line in sys.stdin:
        number = int(line)
        text = (
            f"The harbour lantern number {number} was relit in the {version} edition of the "
            f"almanac, which counted {number * 7 + len(version)} ships that winter."
        )
        url = f"https://news.example.org/harbour/{number}"
        result = kb.ingest_text(text, title=f"Harbour note {number}", url=url)
        print(result.status, flush=True)
    kb.close()
    """
)


def _article(number: int, version: str) -> str:
    return (
        f"---\ntitle: Harbour note {number}\nurl: https://news.example.org/harbour/{number}\n---\n\n"
        f"The harbour lantern number {number} was relit in the {version} edition of the "
        f"almanac, which counted {number * 7 + len(version)} ships that winter.\n\n"
        f"Keepers of lantern {number} wrote the {version} logbook by hand.\n"
    )


def _folder(path: Path, version: str) -> Path:
    path.mkdir()
    for number in range(URLS):
        (path / f"note-{number:02d}.md").write_text(_article(number, version), encoding="utf-8")
    return path


def _run_together(data: Path, folders: list[Path]) -> list[subprocess.CompletedProcess[str]]:
    """``citebot ingest`` of each folder, in one child each, released at the same moment."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CITEBOT_")}
    env["PYTHONPATH"] = str(ROOT)
    children = [
        subprocess.Popen(
            [sys.executable, "-c", _WRITER, str(data), str(folder)],
            cwd=data.parent,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for folder in folders
    ]
    try:
        for child in children:
            assert child.stdout is not None
            line = child.stdout.readline()
            assert line == "ready\n", (line, child.stderr.read() if child.stderr else "")
        for child in children:
            assert child.stdin is not None
            child.stdin.write("go\n")
            child.stdin.flush()
        results = []
        for child in children:
            out, err = child.communicate(timeout=CHILD_TIMEOUT)
            WATCH.check_text("two writers stdout", out)
            WATCH.check_text("two writers stderr", err)
            results.append(subprocess.CompletedProcess(child.args, child.returncode, out, err))
        return results
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()
                child.wait()


def _urls(data: Path) -> dict[str, int]:
    with sqlite3.connect(data / "citebot.sqlite3") as db:
        rows = db.execute(
            "SELECT url, COUNT(*) FROM articles WHERE url IS NOT NULL GROUP BY url"
        ).fetchall()
    return {url: count for url, count in rows}


def test_two_versions_of_the_same_urls_ingested_at_once_keep_one_version_of_each(
    prepared_data_dir: Path, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    shutil.copytree(prepared_data_dir, data)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CITEBOT_")}
    env["PYTHONPATH"] = str(ROOT)
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", _VERSION_WRITER, str(data), version],
            cwd=tmp_path,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for version in ("spring", "autumn")
    ]
    said: list[str] = []
    try:
        for writer in writers:
            assert writer.stdout is not None
            line = writer.stdout.readline()
            assert line == "ready\n", (line, writer.stderr.read() if writer.stderr else "")
        for number in range(URLS):
            for writer in writers:  # both start on this URL together...
                assert writer.stdin is not None
                writer.stdin.write(f"{number}\n")
                writer.stdin.flush()
            for writer in writers:  # ...and both are done with it before the next
                assert writer.stdout is not None
                line = writer.stdout.readline()
                assert line, writer.stderr.read() if writer.stderr else ""
                said.append(line.strip())
    finally:
        for writer in writers:
            out, err = writer.communicate(input="", timeout=CHILD_TIMEOUT)
            WATCH.check_text("two writers stdout", out)
            WATCH.check_text("two writers stderr", err)
            assert writer.returncode == 0, err[-3000:]
            assert "Traceback" not in err, err[-3000:]
    urls = _urls(data)
    kept_twice = sorted(url for url, count in urls.items() if count > 1)
    FIGURES.count("two writers: URLs kept in two versions", len(kept_twice))
    FIGURES.count("two writers: URLs ingested in two versions at once", URLS)
    assert not kept_twice, f"both versions kept of {len(kept_twice)} URLs: {kept_twice[:5]}"
    assert len(urls) == URLS
    # Each URL: one writer added its version, the other replaced it with its own.
    assert sorted(said) == sorted(["added", "replaced"] * URLS), said


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_the_same_folder_ingested_twice_at_once_says_unchanged_not_unique_constraint(
    prepared_data_dir: Path, tmp_path: Path, round_: int
) -> None:
    data = tmp_path / "data"
    shutil.copytree(prepared_data_dir, data)
    folder = _folder(tmp_path / "notes", "winter")

    results = _run_together(data, [folder, folder])

    spurious = [
        line for r in results for line in r.stderr.splitlines() if line.startswith("skipped")
    ]
    FIGURES.count("two writers: spurious skipped lines", len(spurious))
    assert not spurious, spurious[:5]
    for result in results:
        assert result.returncode == 0, result.stderr[-3000:]
        assert f"{URLS} ingested, 0 skipped" in result.stderr, result.stderr[-3000:]
    said = [line.split()[0] for r in results for line in r.stdout.splitlines()]
    added, unchanged = said.count("added"), said.count("unchanged")
    assert (added, unchanged) == (URLS, URLS), (results[0].stdout, results[1].stdout)
    assert set(_urls(data).values()) == {1} and len(_urls(data)) == URLS
