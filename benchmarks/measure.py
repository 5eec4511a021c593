"""Small measuring tools shared by the benchmarks: clocks, percentiles, memory, the machine."""

from __future__ import annotations

import contextlib
import ctypes
import gc
import json
import mmap
import os
import platform
import resource
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]

# Every worker runs single-threaded: numpy's BLAS is not used by these workloads, but a
# library that spawns threads (tantivy, bm25s, rayon) must not get a second core for free.
SINGLE_THREAD_ENV = {
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "NUMBA_NUM_THREADS": "1",
    "RAYON_NUM_THREADS": "1",
    "TOKENIZERS_PARALLELISM": "false",
}


def rss_mb() -> float:
    """Resident set size of this process now, in MB (Linux /proc; psutil elsewhere)."""
    try:
        with open("/proc/self/statm") as fh:
            pages = int(fh.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 1e6
    except OSError:
        import psutil  # only on systems without /proc

        return float(psutil.Process().memory_info().rss) / 1e6


def peak_rss_mb() -> float:
    """Highest RSS this process has had (ru_maxrss is in KB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3


def page_cache_share(paths: Sequence[Path]) -> float | None:
    """Share of the files' pages in the OS page cache (Linux mincore), None where unknown.

    A question at 1M reads a few SQLite pages of a 2 GB store and postings of a 0.9 GB index:
    from the page cache a read costs microseconds, from disk milliseconds, so an ask timed
    on files the OS has dropped measures the disk, and the report must say which it was."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.mmap.restype = ctypes.c_void_p
        libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int]
        libc.mmap.argtypes += [ctypes.c_int, ctypes.c_long]
        libc.munmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
        libc.mincore.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_void_p]
        prot, flags = mmap.PROT_READ, mmap.MAP_SHARED
    except (OSError, AttributeError):
        return None
    page = mmap.PAGESIZE
    total = cached = 0
    for path in paths:
        size = path.stat().st_size
        if not size:
            continue
        with open(path, "rb") as fh:
            addr = libc.mmap(None, size, prot, flags, fh.fileno(), 0)
        if addr is None or addr == ctypes.c_void_p(-1).value:
            return None
        try:
            pages = (size + page - 1) // page
            vec = np.zeros(pages, dtype=np.uint8)
            if libc.mincore(addr, size, vec.ctypes.data) != 0:
                return None
            total += pages
            cached += int(np.count_nonzero(vec & 1))
        finally:
            libc.munmap(addr, size)
    return cached / total if total else None


def release_memory() -> None:
    """Collect garbage and hand freed heap pages back to the OS, so RSS means "in use"."""
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def percentile(values: Sequence[float], q: float) -> float:
    if not len(values):
        return float("nan")
    return float(np.percentile(np.asarray(values, dtype=np.float64), q))


def summarize_ms(latencies_s: Sequence[float]) -> dict[str, float]:
    ms = [v * 1e3 for v in latencies_s]
    return {
        "n": len(ms),
        "median_ms": percentile(ms, 50),
        "p99_ms": percentile(ms, 99),
        "mean_ms": float(np.mean(ms)) if ms else float("nan"),
        "max_ms": max(ms) if ms else float("nan"),
    }


def time_each(fn: Callable[[Any], object], items: Sequence[Any], warmup: int = 3) -> list[float]:
    """Seconds per call of ``fn(item)``; the first ``warmup`` items are run once untimed."""
    for item in items[:warmup]:
        fn(item)
    out = []
    clock = time.perf_counter
    for item in items:
        t0 = clock()
        fn(item)
        out.append(clock() - t0)
    return out


@contextlib.contextmanager
def stopwatch() -> Iterator[list[float]]:
    """``with stopwatch() as t: ...`` then ``t[0]`` is the elapsed seconds."""
    box: list[float] = []
    t0 = time.perf_counter()
    try:
        yield box
    finally:
        box.append(time.perf_counter() - t0)


def machine() -> dict[str, str]:
    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    ram = "unknown"
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                ram = f"{int(line.split()[1]) / 1024**2:.1f} GiB"
                break
    versions = {}
    for name in ("numpy", "scipy", "rank_bm25", "bm25s", "tantivy", "jieba", "rjieba"):
        versions[name] = _version(name)
    return {
        "nproc": str(os.cpu_count()),
        "cpu": cpu,
        "ram": ram,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "libraries": ", ".join(f"{k} {v}" for k, v in versions.items()),
    }


def code_identity() -> dict[str, str]:
    """The commit measured, whether knowledge/ had uncommitted changes, and a hash of each
    knowledge module (compared at the end of a run: people edit while benchmarks run)."""
    import hashlib

    def git(*args: str) -> str:
        try:
            done = subprocess.run(
                ["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=30
            )
        except (OSError, subprocess.TimeoutExpired):
            return ""
        return done.stdout.strip()

    modules = sorted((ROOT / "knowledge").glob("*.py"))
    digest = hashlib.sha1()
    for path in modules:
        digest.update(path.read_bytes())
    return {
        "commit": git("rev-parse", "--short", "HEAD") or "unknown",
        "knowledge_dirty": "yes" if git("status", "--porcelain", "knowledge") else "no",
        "knowledge_hash": digest.hexdigest()[:10],
    }


def _version(name: str) -> str:
    from importlib import metadata

    dist = {"rank_bm25": "rank-bm25"}.get(name, name)
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def has_module(name: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(name) is not None


def run_worker(module: str, args: Sequence[str], timeout: float) -> dict[str, Any]:
    """Run ``python -m module args`` in a fresh single-threaded process; its last stdout line
    is a JSON object, which is returned (with ``error`` set when the worker failed)."""
    env = {**os.environ, **SINGLE_THREAD_ENV, "PYTHONHASHSEED": "0"}
    cmd = [sys.executable, "-m", module, *args]
    t0 = time.perf_counter()
    try:
        done = subprocess.run(
            cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout:.0f} s: {' '.join(args)}"}
    wall = time.perf_counter() - t0
    lines = [ln for ln in done.stdout.splitlines() if ln.startswith("{")]
    if done.returncode != 0 or not lines:
        tail = (done.stderr or done.stdout).strip().splitlines()[-12:]
        return {"error": f"exit {done.returncode}: " + " | ".join(tail)}
    result: dict[str, Any] = json.loads(lines[-1])
    result["worker_wall_s"] = wall
    if done.stderr.strip():
        result.setdefault("stderr_tail", done.stderr.strip().splitlines()[-3:])
    return result


def emit(result: dict[str, Any]) -> None:
    """A worker's answer: one JSON line on stdout."""
    sys.stdout.write(json.dumps(result, ensure_ascii=False, default=float) + "\n")
    sys.stdout.flush()
