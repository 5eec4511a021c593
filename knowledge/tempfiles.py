"""Temporary files named after the process writing them, and removing those of dead processes.

A file is written whole under a name of its writer's own (``index.npz.<pid>.tmp``) and renamed
into place; a process killed meanwhile leaves its temporary behind (0.8 GB for an index at a
million passages). Whoever starts next removes the temporaries whose writer is gone; those of
a live process (another `citebot` saving the same folder) are left alone.
"""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path

log = logging.getLogger(__name__)

# SQLite's journals of a temporary database (a store being made) go with it.
_PID = re.compile(r"\.(\d+)\.tmp(-wal|-shm|-journal)?$")


def temporary(path: Path) -> Path:
    """The name this process writes ``path`` under before renaming it into place."""
    return path.with_name(f"{path.name}.{os.getpid()}.tmp")


def remove_stale(directory: Path, names: tuple[str, ...]) -> list[Path]:
    """Remove the temporaries of ``names`` (as :func:`temporary` names them) in ``directory``
    whose process has ended; returns the paths removed.

    Only where a process can be asked whether it lives without harm (POSIX: signal 0);
    a temporary that cannot be removed is left for the next start.
    """
    if os.name != "posix":
        return []
    removed: list[Path] = []
    try:
        entries = list(directory.iterdir())
    except OSError:  # no folder yet, or not readable: nothing to clear
        return []
    for path in entries:
        match = _PID.search(path.name)
        if match is None or path.name[: match.start()] not in names:
            continue
        if _alive(int(match.group(1))):
            continue
        try:
            path.unlink()
        except OSError as exc:
            log.warning("could not remove %s, left by an ended process: %s", path, exc)
            continue
        log.info("removed %s, left by an ended process", path)
        removed.append(path)
    return removed


def _alive(pid: int) -> bool:
    """Whether process ``pid`` exists (this one always does)."""
    if pid == os.getpid():
        return True
    if not 0 < pid < 1 << 22:  # Linux's largest pid: no process wrote such a name
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True
