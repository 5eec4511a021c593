"""Memory a knowledge base holds is given back when it is closed.

Measured in a fresh child process: in the test process, memory freed by earlier tests would
absorb the growth and hide it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.robustness.conftest import WATCH

pytestmark = pytest.mark.slow  # measures memory in a fresh child process

ROOT = Path(__file__).resolve().parents[2]
CHILD = """
import gc, os, shutil, sys
from pathlib import Path
from knowledge.service import KnowledgeBase, KnowledgeConfig

def rss():
    return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")

prepared, scratch = Path(sys.argv[1]), Path(sys.argv[2])
def open_and_close(name):
    target = scratch / name
    shutil.copytree(prepared, target)
    KnowledgeBase(KnowledgeConfig(data_dir=target)).close()
    gc.collect()

open_and_close("warm-up")
before = rss()
for i in range(3):
    open_and_close(f"dir{i}")
print(rss() - before)
"""


@pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="needs /proc to read RSS")
def test_closed_knowledge_bases_on_other_dirs_do_not_keep_their_dictionary(
    prepared_data_dir: Path, tmp_path: Path
) -> None:
    result = subprocess.run(
        [sys.executable, "-c", CHILD, str(prepared_data_dir), str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=120,
        check=True,
    )
    WATCH.check_text("memory child stderr", result.stderr)
    grown = int(result.stdout.split()[-1])
    # Three dictionaries kept would be ~180 MB; allocator noise stays well under 90 MB.
    assert grown < 90 * 1024 * 1024, f"RSS grew by {grown / 2**20:.0f} MB"
