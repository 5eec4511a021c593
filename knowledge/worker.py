"""A KnowledgeBase served from a child process, so that a front end's own work runs beside it.

One Python process answers on about one core, whatever the machine has: its threads share one
interpreter lock. The Telegram adapter spends about 4 ms of Python per answer (the Bot API
library, JSON, HTTP) and the knowledge base about 8 ms at a million passages, so in one process
they cap a bot near 75 answers a second. ``KnowledgeWorker`` runs the KnowledgeBase in a child
process and forwards the calls a front end makes; each side then has a core of its own.

Calls are multiplexed over one pipe: each carries an id, the child runs it in one of three
lanes, questions (two threads: the knowledge base answers questions together, and its search
loops run without the GIL), writes (one thread: a long ingest does not hold up questions, as
in one process) and quick calls (one thread: a claim or a turn a front end waits on before it
may answer never queues behind a flood of questions), and replies in completion order.
Arguments, results and exceptions travel pickled, so an error arrives with its type and params.
The calls are those of ``KnowledgeService`` (knowledge/interface.py), forwarded by name: a call
added there needs nothing here.

If the child dies, the calls in flight raise ProcessStopped and the next call starts a new child.
The child ends when told to close (after the knowledge base has saved its index) or when the
parent's end of the pipe closes because the parent died: it then closes the knowledge base too.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import itertools
import logging
import os
import pickle
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from knowledge.errors import KnowledgeError, ProcessStopped, StoreError
from knowledge.interface import CALLS, QUICK, WRITES, KnowledgeService
from knowledge.service import KnowledgeBase, KnowledgeConfig

log = logging.getLogger(__name__)

_CLOSE = "close"


class KnowledgeWorker:
    """The calls of ``KnowledgeService``, each run by a child process that owns the base.

    A call is looked up by name (``__getattr__``), so hold the worker as a ``KnowledgeService``
    to have its calls typed: ``kb: KnowledgeService = KnowledgeWorker(config)``.

    ``initializer`` runs first thing in the child (a spawned process starts with nothing, not
    even the parent's logging set-up); it must be picklable, e.g. a module-level function or a
    ``functools.partial`` of one. ``hidden_env`` names environment variables the child must not
    inherit: the front end's secrets, which the knowledge base never needs.
    """

    def __init__(
        self,
        config: KnowledgeConfig,
        *,
        threads: int = 2,
        initializer: Callable[[], None] | None = None,
        hidden_env: Iterable[str] = (),
    ) -> None:
        if threads < 1:
            raise ValueError(f"threads must be at least 1, got {threads}")
        self.config = config
        self._threads = threads
        self._initializer = initializer
        self._hidden_env = frozenset(hidden_env)
        self._ids = itertools.count()
        self._lock = threading.Lock()  # the current link, and one sender at a time
        self._closed = False
        self._link: _Link | None = self._start()
        # A front end that forgot close() still gets its index saved, and its child ended.
        atexit.register(self.close)

    def __getattr__(self, name: str) -> Any:
        """A call of ``KnowledgeService`` by name, run in the child; typed where the worker is
        held as a ``KnowledgeService``."""
        if name not in CALLS:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        return functools.partial(self._call, name)

    def close(self) -> None:
        """Let the child finish its calls and save the index, and wait for it to end."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            link, self._link = self._link, None
        atexit.unregister(self.close)
        if link is None or not link.alive:
            return
        with contextlib.suppress(ProcessStopped):  # it died meanwhile: nothing to wait for
            link.request(next(self._ids), _CLOSE, (), {}).result()
        link.process.wait()
        link.conn.close()

    @property
    def pid(self) -> int | None:
        """The child's process id (for a health check, or to show in ``ps``)."""
        link = self._link
        return link.process.pid if link is not None else None

    # -- plumbing -------------------------------------------------------------------------
    def _call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        with self._lock:
            if self._closed:
                raise ProcessStopped("the knowledge base is closed")
            if self._link is None or not self._link.alive or self._link.process.poll() is not None:
                log.warning("the knowledge base process had stopped: starting a new one")
                self._link = self._start()
            future = self._link.request(next(self._ids), method, args, kwargs)
        return future.result()

    def _start(self) -> _Link:
        # A fresh interpreter running this module, not multiprocessing's spawn: spawn re-imports
        # the parent's __main__, which fails from a script without a __main__ guard.
        ours, theirs = socket.socketpair()
        env = {k: v for k, v in os.environ.items() if k not in self._hidden_env}
        package_root = str(Path(__file__).resolve().parent.parent)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH")) if p)
        process = subprocess.Popen(
            [sys.executable, "-m", "knowledge.worker", str(theirs.fileno())],
            pass_fds=[theirs.fileno()],
            stdin=subprocess.DEVNULL,
            env=env,
        )
        theirs.close()
        conn = Connection(ours.detach())
        try:
            conn.send_bytes(pickle.dumps((self.config, self._threads, self._initializer)))
            status, value = pickle.loads(conn.recv_bytes())
        except (EOFError, OSError):
            conn.close()
            code = process.wait()
            raise ProcessStopped(
                f"the knowledge base process ended while starting (exit code {code})"
            ) from None
        if status != "ready":
            conn.close()
            process.wait()
            raise value
        link = _Link(conn, process)
        threading.Thread(
            target=self._read, args=(link,), name="citebot-knowledge-replies", daemon=True
        ).start()
        return link

    def _read(self, link: _Link) -> None:
        """Hand each reply to its caller until the child's end of the pipe closes."""
        while True:
            try:
                call_id, ok, value = pickle.loads(link.conn.recv_bytes())
            except (EOFError, OSError):
                break
            future = link.take(call_id)
            if future is None:
                continue
            if ok:
                future.set_result(value)
            else:
                future.set_exception(value)
        link.fail(_stopped())


@dataclass
class _Link:
    """One child process, its pipe, and the calls sent to it that await a reply."""

    conn: Connection
    process: subprocess.Popen[bytes]
    pending: dict[int, Future[Any]] = field(default_factory=dict)
    alive: bool = True
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def request(
        self, call_id: int, method: str, args: Sequence[Any], kwargs: dict[str, Any]
    ) -> Future[Any]:
        future: Future[Any] = Future()
        with self._lock:
            if not self.alive:
                raise _stopped()
            self.pending[call_id] = future
        try:
            self.conn.send_bytes(pickle.dumps((call_id, method, args, kwargs), _PROTOCOL))
        except OSError:
            self.fail(_stopped())
        return future

    def take(self, call_id: int) -> Future[Any] | None:
        with self._lock:
            return self.pending.pop(call_id, None)

    def fail(self, error: ProcessStopped) -> None:
        with self._lock:
            self.alive = False
            pending, self.pending = self.pending, {}
        for future in pending.values():
            future.set_exception(error)


_PROTOCOL = pickle.HIGHEST_PROTOCOL


def _stopped() -> ProcessStopped:
    """What a call gets when the child died before answering it (a new error each time)."""
    return ProcessStopped("the knowledge base process stopped")


def _dumps(value: Any) -> bytes:
    return pickle.dumps(value, _PROTOCOL)


# What a front end holds (the knowledge base itself, or the process that serves it); the bot's
# older name for ``KnowledgeService``.
Knowledge = KnowledgeService


# -- the child --------------------------------------------------------------------------------
def serve(conn: Connection) -> None:
    """The child's whole life: open the knowledge base, answer calls, close it."""
    # Ctrl-C in a terminal and systemd's stop reach the whole process group: the parent decides
    # when the child stops (it closes the knowledge base after its own shutdown), not the signal.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    config, threads, initializer = pickle.loads(conn.recv_bytes())
    if initializer is not None:
        initializer()
    try:
        kb: KnowledgeService = KnowledgeBase(config)
    except Exception as exc:
        conn.send_bytes(_dumps(("failed", exc)))
        return
    send = threading.Lock()

    def run(call_id: int, method: str, args: Sequence[Any], kwargs: dict[str, Any]) -> None:
        try:
            value, ok = dispatch(kb, method, args, kwargs), True
        except Exception as exc:
            if not isinstance(exc, KnowledgeError):
                log.exception("the knowledge base failed in %s", method)
            value, ok = exc, False
        try:
            data = _dumps((call_id, ok, value))
        except Exception as exc:  # an unpicklable exception from a library, say
            data = _dumps((call_id, False, StoreError(f"{method} failed: {exc!r}")))
        with send:
            conn.send_bytes(data)

    conn.send_bytes(_dumps(("ready", None)))
    close_id: int | None = None
    with (
        ThreadPoolExecutor(threads, thread_name_prefix="knowledge-questions") as questions,
        ThreadPoolExecutor(1, thread_name_prefix="knowledge-writes") as writes,
        ThreadPoolExecutor(1, thread_name_prefix="knowledge-quick") as quick,
    ):
        while True:
            try:
                call_id, method, args, kwargs = pickle.loads(conn.recv_bytes())
            except (EOFError, OSError):
                break  # the parent is gone: finish what was asked, save, and end
            if method == _CLOSE:
                close_id = call_id
                break
            lane = writes if method in WRITES else quick if method in QUICK else questions
            lane.submit(run, call_id, method, args, kwargs)
    kb.close()
    if close_id is not None:
        with send:
            conn.send_bytes(_dumps((close_id, True, None)))
    conn.close()


def dispatch(kb: KnowledgeService, method: str, args: Iterable[Any], kwargs: dict[str, Any]) -> Any:
    """What the child does with one call a parent sent: ``kb``'s ``method`` run, when it is a
    call of ``KnowledgeService``; StoreError for any other name, whatever a parent sends."""
    if method not in CALLS:
        raise StoreError(f"the knowledge base has no call {method!r}")
    return getattr(kb, method)(*args, **kwargs)


if __name__ == "__main__":
    from knowledge import worker

    worker.serve(Connection(int(sys.argv[1])))
