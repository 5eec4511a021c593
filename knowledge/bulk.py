"""Bulk ingest on every core: files read, extracted and analysed by worker processes, each
article stored by this process, in the files' order, through the one write path.

Analysing text (segmenting Chinese, the slow part) runs at about 1 MB/s on one core; this runs
it in ``jobs`` processes while this process, the one writer, stores each article as a single
ingest does (``Ingester.ingest_analysed``: one transaction, the index following the store's
change log). Workers never open the store or the index.

The terms must be those a one-by-one ingest gives, and they depend on the aliases learned from
the articles before (a learned Chinese name is a new word for the segmenter, and every new
word moves its frequencies). So the learning stays in file order: a *learner* here, an analyzer
built from the knowledge base's own (``Analyzer.spec``), learns each article's aliases as soon
as the article is read, ahead of the writes; each article is then analysed by a worker whose
analyzer has been taught the same aliases in the same order, up to that article's. A worker's
result carries its analyzer's ``state``, and the writer uses the terms only when the knowledge
base's analyzer is in that same state after learning the article (it re-learns each article as
it writes it, as a single ingest does); otherwise it analyses the article itself. That happens
when another process's write taught it aliases meanwhile: the learner and the workers then
start again from the knowledge base's analyzer, for the articles not written yet.

A file that cannot be read or extracted is skipped and reported, as in ``ingest_paths``. A
worker that dies stops the whole ingest with ``IngestProcessDied``; Ctrl-C stops it between two
articles. Either way every article stored is whole, and nothing of the others is.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from pathlib import Path
from types import FrameType
from typing import Any, NoReturn

from knowledge.analyze import Analyzer, AnalyzerSpec
from knowledge.bulk_worker import READY
from knowledge.errors import IngestProcessDied, KnowledgeError
from knowledge.ingest import Analysed, Ingester, content_id
from knowledge.models import IngestResult, ParsedDocument

# Tasks sent to one worker before its first answer: one in hand, one waiting.
_PER_WORKER = 2
# Articles read ahead of the writer, per worker: bounds memory (each is up to the upload limit).
_AHEAD_PER_WORKER = 4
# How often a wait looks at an interrupt (seconds).
_POLL = 0.2

Outcome = tuple[Path, IngestResult | KnowledgeError]


def usable_cores() -> int:
    """The cores this process may run on (its affinity mask), the default number of jobs."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


@dataclass
class _Item:
    """One file on its way: read, its aliases learned, analysed, then written."""

    path: Path
    root: Path | None
    doc: ParsedDocument | None = None
    error: BaseException | None = None
    read: bool = False
    learned: bool = False
    # Already stored (or earlier in this batch): the writer decides, no analysis is asked.
    stored: bool = False
    version: int = 0  # the learner's log length once it learned this article
    state: str = ""  # the learner's state then: the writer's analyzer's after writing it
    token: int | None = None  # the analysis whose answer counts
    analysed: Analysed | None = None


@dataclass
class _Worker:
    process: subprocess.Popen[bytes]
    conn: Connection
    ready: bool = False
    epoch: int = 0
    version: int = 0  # how much of the learner's log its analyzer has been taught
    tasks: dict[int, int] = field(default_factory=dict)  # token -> item index


class BulkIngest:
    """Iterates over ``(path, result or error)`` for ``files`` in their order, each article
    stored as it comes; see the module docstring. With one job there are no workers: each
    file is ingested here, as ``ingest_paths`` does. ``close`` ends the workers (iterating to
    the end or leaving the ``with`` block does too)."""

    def __init__(
        self,
        ingester: Ingester,
        files: Sequence[tuple[Path, Path | None]],
        *,
        jobs: int,
        follow_symlinks: bool = False,
        overrides: dict[str, str | None] | None = None,
    ) -> None:
        if jobs < 1:
            raise ValueError(f"jobs must be at least 1, got {jobs}")
        self._ingester = ingester
        self._analyzer = ingester.analyzer
        self._store = ingester.store
        max_bytes = ingester.max_bytes
        passage_sentences = ingester.passage_sentences
        self._items = [_Item(path, root) for path, root in files]
        self._follow = follow_symlinks
        self._overrides = overrides or {}
        self._tokens = iter(range(1 << 62))
        # Articles stored with terms made here rather than by a worker (see the docstring), and
        # the seconds this process spent learning aliases and writing: what bounds its rate.
        self.analysed_here = 0
        self.learn_seconds = self.write_seconds = 0.0
        self._epoch = 0
        self._workers: list[_Worker] = []
        if jobs > 1 and len(files) > 1:
            spec = self._analyzer.spec()
            self._workers = [
                _start(spec, max_bytes, passage_sentences) for _ in range(min(jobs, len(files)))
            ]
            self._ahead = _AHEAD_PER_WORKER * len(self._workers)
            self._start_epoch(spec)

    @property
    def pids(self) -> list[int]:
        """The worker processes' ids."""
        return [w.process.pid for w in self._workers]

    def __enter__(self) -> BulkIngest:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """End the workers (at once: what they hold is not stored anyway)."""
        for worker in self._workers:
            with contextlib.suppress(OSError):
                worker.conn.close()
            if worker.process.poll() is None:
                worker.process.kill()
            worker.process.wait()

    def __iter__(self) -> Iterator[Outcome]:
        try:
            with _interrupts_between_articles() as interrupted:
                if self._workers:
                    yield from self._run(interrupted)
                else:
                    yield from self._one_by_one(interrupted)
        finally:
            self.close()

    def _one_by_one(self, interrupted: threading.Event) -> Iterator[Outcome]:
        for item in self._items:
            if interrupted.is_set():
                raise KeyboardInterrupt
            try:
                yield (
                    item.path,
                    self._ingester.ingest_file(
                        item.path, root=item.root, follow_symlinks=self._follow, **self._overrides
                    ),
                )
            except KnowledgeError as exc:
                yield item.path, exc

    # -- the writer's loop ----------------------------------------------------------------
    def _start_epoch(self, spec: AnalyzerSpec) -> None:
        """The learner starts from ``spec`` (the writer's analyzer); workers follow lazily."""
        self._epoch += 1
        self._spec = spec
        self._learner = Analyzer.from_spec(spec)
        self._log: list[tuple[str, str]] = list(spec.added)
        self._queue: deque[int] = deque()  # learned articles waiting for a worker
        self._seen: set[str] = set()

    def _run(self, interrupted: threading.Event) -> Iterator[Outcome]:
        items = self._items
        self._next_read = self._next_learn = self._next_write = 0
        while self._next_write < len(items):
            if interrupted.is_set():
                raise KeyboardInterrupt
            self._dispatch()
            self._learn()
            item = items[self._next_write]
            if item.learned and (item.error or item.stored or item.analysed is not None):
                yield self._write(item)
                self._next_write += 1
                continue
            self._receive()

    def _dispatch(self) -> None:
        """Give idle workers analyses first (the writer waits on them), then files to read."""
        while True:
            ready = [w for w in self._workers if w.ready and len(w.tasks) < _PER_WORKER]
            if not ready:
                return
            worker = min(ready, key=lambda w: len(w.tasks))
            if self._queue:
                self._send_analysis(worker, self._queue.popleft())
            elif (
                self._next_read < len(self._items)
                and self._next_read - self._next_write < self._ahead
            ):
                item = self._items[self._next_read]
                self._send(worker, self._next_read, ("read", item.path, item.root, self._follow))
                self._next_read += 1
            else:
                return

    def _send_analysis(self, worker: _Worker, index: int) -> None:
        item = self._items[index]
        if worker.epoch != self._epoch:
            worker.conn.send_bytes(pickle.dumps((0, "reset", self._spec)))
            worker.epoch, worker.version = self._epoch, len(self._spec.added)
        taught = self._log[worker.version : item.version]
        worker.version = item.version
        item.token = self._send(worker, index, ("analyse", taught, item.doc))

    def _send(self, worker: _Worker, index: int, message: tuple[Any, ...]) -> int:
        token = next(self._tokens) + 1
        worker.tasks[token] = index
        try:
            worker.conn.send_bytes(pickle.dumps((token, *message)))
        except OSError:
            self._died(worker)
        return token

    def _learn(self) -> None:
        """The learner takes the read articles in order (see the module docstring)."""
        started = time.perf_counter()
        items = self._items
        while self._next_learn < self._next_read and items[self._next_learn].read:
            item = items[self._next_learn]
            if item.doc is not None and item.error is None:
                body = "\n\n".join(item.doc.paragraphs)
                article_id = content_id(body)
                if article_id in self._seen or self._store.find_article(article_id):
                    item.stored = True  # "unchanged", as the writer will find
                else:
                    self._log.extend(self._learner.learn(body))
                    self._queue.append(self._next_learn)
                self._seen.add(article_id)
            item.version, item.state = len(self._log), self._learner.state
            item.learned = True
            self._next_learn += 1
        self.learn_seconds += time.perf_counter() - started

    def _receive(self) -> None:
        """Wait for workers' answers and file them (an answer no longer wanted is dropped)."""
        by_conn = {w.conn: w for w in self._workers}
        for conn in wait(list(by_conn), timeout=_POLL):
            worker = by_conn[conn]  # type: ignore[index]
            try:
                token, ok, value = pickle.loads(worker.conn.recv_bytes())
            except (EOFError, OSError):
                self._died(worker)
            if token == READY:
                if not ok:
                    raise value
                worker.ready = True
                continue
            index = worker.tasks.pop(token)
            item = self._items[index]
            if not item.read:
                item.read = True
                item.doc, item.error = (value, None) if ok else (None, value)
            elif token == item.token:
                item.analysed, item.error = (value, None) if ok else (None, value)

    def _write(self, item: _Item) -> Outcome:
        """Store one article through the write path, or report why not."""
        if item.error is not None:
            if isinstance(item.error, KnowledgeError):
                return item.path, item.error
            raise item.error  # a fault in our code: as loud as in a one-by-one ingest
        assert item.doc is not None
        started = time.perf_counter()
        overrides = self._overrides
        outcome: Outcome
        try:
            result = self._ingester.ingest_analysed(
                item.doc,
                item.analysed,
                title=overrides.get("title"),
                source=overrides.get("source") or item.path.name,
                url=overrides.get("url"),
            )
            outcome = item.path, result
            fresh = item.analysed is not None and item.analysed.analyzer_state == item.state
            if result.status != "unchanged" and not fresh:
                self.analysed_here += 1
        except KnowledgeError as exc:
            outcome = item.path, exc
        self.write_seconds += time.perf_counter() - started
        if self._analyzer.state != item.state:
            self._restart_learning()
        return outcome

    def _restart_learning(self) -> None:
        """The writer's analyzer learned otherwise than the learner (another process's aliases,
        an article stored or removed meanwhile): the articles not written yet are learned and
        analysed again from the writer's analyzer; answers to the old analyses are dropped."""
        self._start_epoch(self._analyzer.spec())
        for item in self._items[self._next_write + 1 : self._next_learn]:
            item.learned, item.stored, item.token, item.analysed = False, False, None, None
        self._next_learn = self._next_write + 1

    def _died(self, worker: _Worker) -> NoReturn:
        code = worker.process.wait()
        paths = ", ".join(str(self._items[i].path) for i in worker.tasks.values())
        raise IngestProcessDied(
            f"an ingest process ended unexpectedly (exit code {code})"
            + (f" with {paths}" if paths else "")
            + "; the articles before are stored whole, nothing of the rest",
            exit_code=code,
        )


@contextlib.contextmanager
def _interrupts_between_articles() -> Iterator[threading.Event]:
    """Ctrl-C sets the event the writer looks at between two articles (in the main thread;
    elsewhere a KeyboardInterrupt cannot arrive anyway)."""
    interrupted = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield interrupted
        return

    def handler(signum: int, frame: FrameType | None) -> None:
        interrupted.set()

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield interrupted
    finally:
        signal.signal(signal.SIGINT, previous)


def _start(spec: AnalyzerSpec, max_bytes: int, passage_sentences: int) -> _Worker:
    """A worker process (a fresh interpreter running this module, as knowledge/worker.py
    starts its child: multiprocessing's spawn would re-import the caller's __main__)."""
    ours, theirs = socket.socketpair()
    env = dict(os.environ)
    package_root = str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH")) if p)
    process = subprocess.Popen(
        [sys.executable, "-m", "knowledge.bulk_worker", str(theirs.fileno())],
        pass_fds=[theirs.fileno()],
        stdin=subprocess.DEVNULL,
        env=env,
    )
    theirs.close()
    conn = Connection(ours.detach())
    conn.send_bytes(pickle.dumps((spec, max_bytes, passage_sentences)))
    return _Worker(process, conn)
