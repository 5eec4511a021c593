"""A serving knowledge base brings its files into the OS page cache; a one-shot one does not."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from benchmarks.measure import page_cache_share
from knowledge.readahead import available_memory, read_ahead
from knowledge.service import KnowledgeBase, KnowledgeConfig

pytestmark = pytest.mark.skipif(
    not hasattr(os, "posix_fadvise"), reason="dropping a file's cached pages needs posix_fadvise"
)


def dropped(paths: list[Path]) -> list[Path]:
    """The files written out and then dropped from the page cache, as after a reboot
    (POSIX_FADV_DONTNEED drops a file's clean pages, no privilege needed)."""
    for path in paths:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)
    share = page_cache_share(paths)
    if share is None or share > 0.2:
        pytest.skip(f"cannot drop the files from the page cache here (cached: {share})")
    return paths


def test_a_serving_knowledge_base_reads_its_store_and_index_into_the_page_cache(
    data_dir: Path,
) -> None:
    files = dropped([data_dir / "citebot.sqlite3", data_dir / "index" / "index.npz"])
    kb = KnowledgeBase(KnowledgeConfig(data_dir=data_dir, read_ahead=True))
    try:
        assert kb.reading_ahead is not None
        kb.reading_ahead.join(timeout=60)
        assert not kb.reading_ahead.is_alive()
        assert page_cache_share(files) == pytest.approx(1.0, abs=0.01)
        assert kb.ask("Who founded Akesobio?").found  # and it answers as ever
    finally:
        kb.close()


def test_read_ahead_brings_every_page_of_the_files_in(tmp_path: Path) -> None:
    files = [tmp_path / "a.bin", tmp_path / "b.bin"]
    for i, path in enumerate(files):
        path.write_bytes(os.urandom((8 << 20) + i * 4097))
    dropped(files)
    thread = read_ahead(files)
    assert thread is not None
    thread.join(timeout=60)
    assert page_cache_share(files) == 1.0


def test_a_one_shot_knowledge_base_leaves_the_page_cache_to_the_os(data_dir: Path) -> None:
    kb = KnowledgeBase(KnowledgeConfig(data_dir=data_dir))
    try:
        assert kb.reading_ahead is None
    finally:
        kb.close()


def test_files_larger_than_half_the_available_memory_are_left_alone(tmp_path: Path) -> None:
    huge = tmp_path / "huge.sqlite3"
    with open(huge, "wb") as fh:  # sparse: its size without its blocks
        fh.truncate(available_memory() // 2 + (1 << 20))
    assert read_ahead([huge]) is None
    assert read_ahead([tmp_path / "missing"]) is None
