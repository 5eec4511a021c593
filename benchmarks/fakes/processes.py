"""`citebot serve` as a process: starting it as an operator would, and finding its children."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def start_serve(env: dict[str, str]) -> subprocess.Popen[str]:
    """``python -m bot.cli serve`` from the repository, configured by ``env`` alone; its
    stderr is a text pipe the caller must drain (or read at the end)."""
    return subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "serve"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def children(pid: int) -> list[int]:
    """The processes ``pid`` started and has not reaped (Linux: /proc/PID/task/*/children)."""
    kids: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            kids += [int(k) for k in (task / "children").read_text().split()]
        except OSError:  # the thread ended meanwhile
            continue
    return kids
