"""jieba's dictionary saved in the cache folder reads back as jieba's own."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import jieba
import pytest

from knowledge import base_dictionary


@pytest.fixture(scope="module")
def jiebas() -> tuple[dict[str, int], int]:
    """What a plain jieba tokenizer holds once initialised."""
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    return tokenizer.FREQ, tokenizer.total


def _same(got: tuple[dict[str, int], int], want: tuple[dict[str, int], int]) -> None:
    # Same words, counts and total, and the same order (jieba-rs is fed in this order).
    assert got[1] == want[1]
    assert got[0] == want[0]
    assert list(got[0]) == list(want[0])


def test_saved_dictionary_reads_back_as_jiebas_own(
    tmp_path: Path, jiebas: tuple[dict[str, int], int]
) -> None:
    first = base_dictionary.load(str(tmp_path))
    saved = tmp_path / base_dictionary.FILE_NAME
    assert saved.is_file()
    written = saved.stat().st_mtime_ns
    second = base_dictionary.load(str(tmp_path))
    _same(first, jiebas)
    _same(second, jiebas)
    assert saved.stat().st_mtime_ns == written  # read, not made again


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data[: len(data) // 2],  # cut short
        lambda data: data[:-10] + bytes(b ^ 1 for b in data[-10:]),  # words changed
        lambda data: data.replace(b'"jieba": "', b'"jieba": "0.', 1),  # another jieba
        lambda data: b"",
        lambda data: b"not a header\n" + data,
    ],
    ids=["truncated", "flipped", "other-version", "empty", "no-header"],
)
def test_damaged_or_foreign_saved_dictionary_is_made_again_from_jieba(
    tmp_path: Path,
    jiebas: tuple[dict[str, int], int],
    damage: Callable[[bytes], bytes],
) -> None:
    base_dictionary.load(str(tmp_path))
    saved = tmp_path / base_dictionary.FILE_NAME
    good = saved.read_bytes()
    saved.write_bytes(damage(good))
    _same(base_dictionary.load(str(tmp_path)), jiebas)
    assert saved.read_bytes() == good  # saved anew


def test_without_a_cache_folder_nothing_is_saved(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jiebas: tuple[dict[str, int], int]
) -> None:
    monkeypatch.chdir(tmp_path)
    _same(base_dictionary.load(None), jiebas)
    assert not list(tmp_path.rglob(base_dictionary.FILE_NAME))


def test_temporary_of_a_process_killed_while_saving_is_removed_when_saving_again(
    tmp_path: Path,
) -> None:
    ended = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    stale = tmp_path / f"{base_dictionary.FILE_NAME}.{int(ended.stdout)}.tmp"
    stale.write_bytes(b"half a dictionary")
    base_dictionary.load(str(tmp_path))
    assert not stale.exists()
    assert (tmp_path / base_dictionary.FILE_NAME).is_file()
