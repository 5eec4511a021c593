"""Bringing a serving knowledge base's files into the OS page cache, in the background.

An answer reads a few SQLite pages of sentences scattered through the store and the postings
of its terms in the index file. Straight after a reboot, or once the OS has dropped the files,
each of those is a disk read, and at a million passages that about doubles an answer's time.
The kernel's own read-ahead hints (``POSIX_FADV_WILLNEED``, ``MADV_WILLNEED``) may read almost
nothing ahead (0.5% of the store on an ext4 disk on virtio), so the files are read through,
once, on a thread.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from collections.abc import Sequence
from pathlib import Path

log = logging.getLogger(__name__)

_CHUNK = 1 << 20


def available_memory() -> int:
    """Bytes the OS could give without swapping (MemAvailable); 0 where unknown."""
    with contextlib.suppress(OSError, ValueError, IndexError), open("/proc/meminfo") as fh:
        for line in fh:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    with contextlib.suppress(OSError, ValueError, AttributeError):
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    return 0


def read_through(paths: Sequence[Path]) -> None:
    """Read the files once, into the page cache; a file that cannot be read is skipped."""
    buffer = bytearray(_CHUNK)
    for path in paths:
        with contextlib.suppress(OSError), open(path, "rb", buffering=0) as fh:
            while fh.readinto(buffer):
                pass


def read_ahead(paths: Sequence[Path]) -> threading.Thread | None:
    """Read the files through on a daemon thread (the reads release the GIL); None when they
    do not fit in half the memory available: a knowledge base larger than the machine's
    memory would only evict other files' pages, its own included."""
    sizes: list[tuple[Path, int]] = []
    for path in paths:
        with contextlib.suppress(OSError):
            sizes.append((path, path.stat().st_size))
    total = sum(size for _, size in sizes)
    if not total or total > available_memory() // 2:
        return None

    def run() -> None:
        t0 = time.perf_counter()
        read_through([path for path, _ in sizes])
        log.debug("read %d MB ahead in %.1f s", total >> 20, time.perf_counter() - t0)

    thread = threading.Thread(target=run, name="read-ahead", daemon=True)
    thread.start()
    return thread
