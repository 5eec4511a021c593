"""The smaller faults of issue 19: mixed encodings, script-only HTML, Traditional/Simplified ids,
an ambiguous id prefix.

Each test runs `citebot` in a child process on a copy of the prepared data dir (real SQLite,
real files in tmp_path) and reads the store through a connection of its own.
"""

from __future__ import annotations

import contextlib
import itertools
import re
import sqlite3
from pathlib import Path

import pytest

from tests.robustness import processes
from tests.robustness.conftest import FIGURES, table_counts
from tests.robustness.processes import one_line

pytestmark = pytest.mark.slow  # runs `citebot` in child processes

FIGURE = "small faults"

UTF8_PARAGRAPH = "港口博物馆于一九三一年开放，馆内有许多旧地图和航海日志。"
GB18030_PARAGRAPH = "这座博物馆收藏了珠江口的旧海图，任何人都可以借阅。"
TRADITIONAL = "布蘭諾克閱覽室於一九三一年在海濱開放。\n\n它向任何人借出珠江口的舊海圖。\n"
SIMPLIFIED = "布兰诺克阅览室于一九三一年在海滨开放。\n\n它向任何人借出珠江口的旧海图。\n"


def citebot(data: Path, *args: str, cwd: Path) -> processes.Completed:
    return processes.citebot(data, *args, cwd=cwd, figure=FIGURE)


def stored(data: Path, phrase: str) -> bool:
    """Whether a stored sentence holds ``phrase``."""
    uri = f"file:{data / 'citebot.sqlite3'}?mode=ro"
    with contextlib.closing(sqlite3.connect(uri, uri=True)) as db:
        row = db.execute("SELECT 1 FROM sentences WHERE instr(text, ?) LIMIT 1", (phrase,))
        return row.fetchone() is not None


def article_ids(data: Path) -> list[str]:
    uri = f"file:{data / 'citebot.sqlite3'}?mode=ro"
    with contextlib.closing(sqlite3.connect(uri, uri=True)) as db:
        return sorted(row[0] for row in db.execute("SELECT id FROM articles"))


def test_a_text_file_in_two_encodings_is_read_paragraph_by_paragraph(
    data_dir: Path, tmp_path: Path
) -> None:
    """A UTF-8 paragraph, then a GB18030 one (two files pasted together): both stored as
    written, not as mojibake, and not refused."""
    path = tmp_path / "pasted.txt"
    path.write_bytes(
        b"Harbour museum\n\n"
        + UTF8_PARAGRAPH.encode("utf-8")
        + b"\n\n"
        + GB18030_PARAGRAPH.encode("gb18030")
        + b"\n"
    )
    result = citebot(data_dir, "ingest", str(path), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert stored(data_dir, UTF8_PARAGRAPH[:10]) and stored(data_dir, GB18030_PARAGRAPH[:10])


def test_html_with_only_scripts_and_styles_is_refused_in_one_line(
    data_dir: Path, tmp_path: Path
) -> None:
    path = tmp_path / "scripts.html"
    path.write_text(
        "<html><head><style>p{color:red}</style><script>var a = 1;</script></head>"
        "<body><script>alert(1)</script><style>.x{}</style></body></html>",
        encoding="utf-8",
    )
    before = table_counts(data_dir / "citebot.sqlite3")
    result = citebot(data_dir, "ingest", str(path), cwd=tmp_path)
    one_line(result, 2, "scripts.html", "no readable text")
    assert table_counts(data_dir / "citebot.sqlite3") == before


def test_traditional_article_and_its_simplified_version_get_different_ids(
    data_dir: Path, tmp_path: Path
) -> None:
    (tmp_path / "trad.txt").write_text(TRADITIONAL, encoding="utf-8")
    (tmp_path / "simp.txt").write_text(SIMPLIFIED, encoding="utf-8")
    result = citebot(data_dir, "ingest", "trad.txt", "simp.txt", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert [line.split()[0] for line in lines] == ["added", "added"], result.stdout
    assert lines[0].split()[1] != lines[1].split()[1]
    assert stored(data_dir, "舊海圖") and stored(data_dir, "旧海图")
    # The same text again is still recognised as already stored.
    again = citebot(data_dir, "ingest", "trad.txt", cwd=tmp_path)
    assert again.stdout.startswith("unchanged"), again.stdout


def test_an_ambiguous_id_prefix_is_called_ambiguous_and_its_ids_listed(
    data_dir: Path, tmp_path: Path
) -> None:
    ids = article_ids(data_dir)
    # The bundled articles' ids are fixed: the longest prefix two of them share.
    shared = max((_common(a, b) for a, b in itertools.pairwise(ids)), key=len, default="")
    assert shared, ids
    matching = [i for i in ids if i.startswith(shared)]
    before = table_counts(data_dir / "citebot.sqlite3")
    result = citebot(data_dir, "remove", shared, cwd=tmp_path)
    line = one_line(result, 2, "ambiguous", *matching)
    assert "no article" not in line
    assert table_counts(data_dir / "citebot.sqlite3") == before
    FIGURES.note(f"{FIGURE}: ambiguous prefix", f"{shared!r} starts {len(matching)} ids")
    one_id = citebot(data_dir, "remove", matching[0], cwd=tmp_path)
    assert re.match(rf"removed +{matching[0]}", one_id.stdout), one_id.stderr


def _common(a: str, b: str) -> str:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return a[:n]
