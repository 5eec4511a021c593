"""`citebot` run as an operator types it, in a child process, for the robustness tests.

The child inherits no CITEBOT_* setting and runs outside the repository (no developer's .env);
its output goes through the token watch, and its run time into the figures under ``figure``.
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.robustness.conftest import FIGURES, WATCH

Completed = subprocess.CompletedProcess[str]
CHILD_TIMEOUT = 180.0  # a run takes 3-5 s alone, up to 30 s on 2 busy cores
_seconds: dict[str, list[float]] = {}


def command(data: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "bot.cli", "--data-dir", str(data), *args]


def clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("CITEBOT_")}


def citebot(
    data: Path,
    *args: str,
    cwd: Path,
    figure: str,
    file_size: int | None = None,
    memory: int | None = None,
) -> Completed:
    """``citebot --data-dir DATA ARGS...`` in a child; ``file_size`` caps the size of any file
    it writes (a full disk, for one process), ``memory`` its address space (a runaway read
    fails fast instead of taking the machine)."""

    def limits() -> None:
        if memory is not None:
            resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        if file_size is not None:
            # With SIGXFSZ ignored, a write past the cap fails with EFBIG, as ENOSPC would.
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (file_size, file_size))

    started = time.monotonic()
    result = subprocess.run(
        command(data, *args),
        cwd=cwd,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=CHILD_TIMEOUT,
        preexec_fn=limits,
    )
    took(figure, started)
    WATCH.check_text(f"{figure} stdout", result.stdout)
    WATCH.check_text(f"{figure} stderr", result.stderr)
    return result


def took(figure: str, started: float) -> None:
    """Count a run that started at ``started`` (monotonic) in the figures."""
    seconds = _seconds.setdefault(figure, [])
    seconds.append(time.monotonic() - started)
    FIGURES.count(f"{figure}: citebot runs")
    FIGURES.note(f"{figure}: slowest citebot run", f"{max(seconds):.1f} s")


def one_line(result: Completed, code: int, *words: str) -> str:
    """Exit ``code``, one ``citebot:`` line on stderr holding ``words``, no traceback."""
    err = result.stderr.strip()
    assert result.returncode == code, (result.returncode, err[-2000:])
    assert len(err.splitlines()) == 1 and err.startswith("citebot: "), err[-2000:]
    assert "Traceback" not in err
    for word in words:
        assert word in err, err
    return err
