"""A KnowledgeBase served from a child process, so that a front end's own work runs beside it.

One Python process answers on about one core, whatever the machine has: its threads share one
interpreter lock. The Telegram adapter spends about 4 ms of Python per answer (the Bot API
library, JSON, HTTP) and the knowledge base about 8 ms at a million passages, so in one process
they cap a bot near 75 answers a second. ``KnowledgeWorker`` runs the KnowledgeBase in a child
process and forwards the calls a front end makes; each side then has a core of its own.

Calls are multiplexed over one pipe: each carries an id, the child runs it in one of two
lanes, questions (two threads: the knowledge base answers questions together, and its search
loops run without the GIL) and writes (one thread: a long ingest does not hold up questions, as
in one process), and replies in completion order. Arguments, results and exceptions travel
pickled. An answer's "more" quotes travel without their highlights (as the text and terms to
find them in), and the child computes them if and when they are first read, as in one process.

If the child dies, the calls in flight raise StoreError and the next call starts a new child.
The child ends when told to close (after the knowledge base has saved its index) or when the
parent's end of the pipe closes because the parent died: it then closes the knowledge base too.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import io
import itertools
import logging
import os
import pickle
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Collection, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from knowledge.answer import Highlighter, highlight
from knowledge.errors import KnowledgeError, StoreError
from knowledge.models import (
    Answer,
    Article,
    ChatSettings,
    Gaps,
    GivenAnswer,
    IngestResult,
    Lang,
    Spans,
)
from knowledge.service import BatchReport, KnowledgeBase, KnowledgeConfig

log = logging.getLogger(__name__)

# What a front end may call; anything else is refused by the child, not looked up.
_METHODS = frozenset(
    {
        "ask",
        "examples",
        "recall",
        "feedback",
        "gaps",
        "given_answer",
        "ingest_bytes",
        "ingest_file",
        "ingest_text",
        "ingest_url",
        "remove",
        "article",
        "list",
        "passage_text",
        "stats",
        "ensure_content",
        "backup",
        "highlights",
        "chat_settings",
        "set_chat_settings",
    }
)
# Calls that may take seconds (an upload is parsed and analysed) wait in a lane of their own,
# so that questions go on meanwhile, as they do in one process.
_WRITES = frozenset(
    {
        "ingest_bytes",
        "ingest_file",
        "ingest_text",
        "ingest_url",
        "remove",
        "backup",
        "ensure_content",
    }
)
_HIGHLIGHTS = "highlights"
_CLOSE = "close"


class KnowledgeWorker:
    """The KnowledgeBase methods front ends use, each run by a child process that owns the base.

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

    # -- the calls ------------------------------------------------------------------------
    def ask(
        self,
        question: str,
        *,
        chat_id: int | None = None,
        user_id: int | None = None,
        log_it: bool = True,
        max_quotes: int | None = None,
        after: str | None = None,
        lang: Lang | None = None,
    ) -> Answer:
        return self._call(  # type: ignore[no-any-return]
            "ask",
            question,
            chat_id=chat_id,
            user_id=user_id,
            log_it=log_it,
            max_quotes=max_quotes,
            after=after,
            lang=lang,
        )

    def examples(self, lang: Lang, count: int = 2) -> tuple[str, ...]:
        return self._call("examples", lang, count)  # type: ignore[no-any-return]

    def recall(self, question_id: int, *, lang: Lang | None = None) -> Answer:
        return self._call("recall", question_id, lang=lang)  # type: ignore[no-any-return]

    def chat_settings(self, chat_id: int) -> ChatSettings:
        return self._call("chat_settings", chat_id)  # type: ignore[no-any-return]

    def set_chat_settings(
        self, chat_id: int, settings: ChatSettings, *, user_id: int | None = None
    ) -> ChatSettings:
        return self._call(  # type: ignore[no-any-return]
            "set_chat_settings", chat_id, settings, user_id=user_id
        )

    def feedback(
        self, question_id: int, user_id: int, value: int, reason: str | None = None
    ) -> None:
        self._call("feedback", question_id, user_id, value, reason)

    def gaps(self, limit: int = 20, since: datetime | None = None) -> Gaps:
        return self._call("gaps", limit, since)  # type: ignore[no-any-return]

    def given_answer(self, question_id: int) -> GivenAnswer:
        return self._call("given_answer", question_id)  # type: ignore[no-any-return]

    def ingest_bytes(
        self,
        data: bytes,
        filename: str,
        *,
        title: str | None = None,
        source: str | None = None,
        url: str | None = None,
        content_type: str | None = None,
    ) -> IngestResult:
        return self._call(  # type: ignore[no-any-return]
            "ingest_bytes",
            data,
            filename,
            title=title,
            source=source,
            url=url,
            content_type=content_type,
        )

    def ingest_file(self, path: Path, **overrides: str | None) -> IngestResult:
        return self._call("ingest_file", path, **overrides)  # type: ignore[no-any-return]

    def ingest_text(self, text: str, **overrides: str | None) -> IngestResult:
        return self._call("ingest_text", text, **overrides)  # type: ignore[no-any-return]

    def ingest_url(
        self, url: str, *, allowed_hosts: Collection[str] = (), timeout: float = 10.0
    ) -> IngestResult:
        return self._call(  # type: ignore[no-any-return]
            "ingest_url", url, allowed_hosts=tuple(allowed_hosts), timeout=timeout
        )

    def remove(self, article_id: str) -> Article:
        return self._call("remove", article_id)  # type: ignore[no-any-return]

    def article(self, article_id: str) -> Article:
        return self._call("article", article_id)  # type: ignore[no-any-return]

    def list(self, offset: int = 0, limit: int = 1000) -> list[Article]:
        return self._call("list", offset, limit)  # type: ignore[no-any-return]

    def passage_text(self, article_id: str, paragraph: int) -> str:
        return self._call("passage_text", article_id, paragraph)  # type: ignore[no-any-return]

    def stats(self) -> dict[str, int | float]:
        return self._call("stats")  # type: ignore[no-any-return]

    def ensure_content(self) -> BatchReport | None:
        return self._call("ensure_content")  # type: ignore[no-any-return]

    def backup(self, target: Path) -> None:
        self._call("backup", target)

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
        with contextlib.suppress(StoreError):  # it died meanwhile: nothing to wait for
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
                raise StoreError("the knowledge base is closed")
            if self._link is None or not self._link.alive or self._link.process.poll() is not None:
                log.warning("the knowledge base process had stopped: starting a new one")
                self._link = self._start()
            future = self._link.request(next(self._ids), method, args, kwargs)
        return future.result()

    def _highlights(self, text: str, terms: frozenset[str]) -> Spans:
        return self._call(_HIGHLIGHTS, text, terms)  # type: ignore[no-any-return]

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
            status, value = _loads(conn.recv_bytes(), None)
        except (EOFError, OSError):
            conn.close()
            code = process.wait()
            raise StoreError(
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
        load_highlights = self._highlights
        while True:
            try:
                call_id, ok, value = _loads(link.conn.recv_bytes(), load_highlights)
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

    def fail(self, error: StoreError) -> None:
        with self._lock:
            self.alive = False
            pending, self.pending = self.pending, {}
        for future in pending.values():
            future.set_exception(error)


_PROTOCOL = pickle.HIGHEST_PROTOCOL


def _stopped() -> StoreError:
    """What a call gets when the child died before answering it (a new error each time)."""
    return StoreError("the knowledge base process stopped")


class _Pickler(pickle.Pickler):
    """Sends an uncomputed highlight as its text and terms (its analyzer stays here)."""

    def persistent_id(self, obj: Any) -> Any:
        if type(obj) is Highlighter:
            return (obj.text, obj.terms)
        return None


class _Unpickler(pickle.Unpickler):
    def __init__(self, data: bytes, highlights: Callable[[str, frozenset[str]], Spans]) -> None:
        super().__init__(io.BytesIO(data))
        self._highlights = highlights

    def persistent_load(self, pid: Any) -> Any:
        text, terms = pid
        return functools.partial(self._highlights, text, terms)


def _dumps(value: Any) -> bytes:
    buffer = io.BytesIO()
    _Pickler(buffer, _PROTOCOL).dump(value)
    return buffer.getvalue()


def _loads(data: bytes, highlights: Callable[[str, frozenset[str]], Spans] | None) -> Any:
    if highlights is None:
        return pickle.loads(data)
    return _Unpickler(data, highlights).load()


# What a front end holds: the knowledge base itself, or the process that serves it.
Knowledge = KnowledgeBase | KnowledgeWorker


# -- the child --------------------------------------------------------------------------------
def _serve(conn: Connection) -> None:
    """The child's whole life: open the knowledge base, answer calls, close it."""
    # Ctrl-C in a terminal and systemd's stop reach the whole process group: the parent decides
    # when the child stops (it closes the knowledge base after its own shutdown), not the signal.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    config, threads, initializer = pickle.loads(conn.recv_bytes())
    if initializer is not None:
        initializer()
    try:
        kb = KnowledgeBase(config)
    except Exception as exc:
        conn.send_bytes(_dumps(("failed", exc)))
        return
    send = threading.Lock()

    def run(call_id: int, method: str, args: Sequence[Any], kwargs: dict[str, Any]) -> None:
        try:
            value, ok = _dispatch(kb, method, args, kwargs), True
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
    ):
        while True:
            try:
                call_id, method, args, kwargs = pickle.loads(conn.recv_bytes())
            except (EOFError, OSError):
                break  # the parent is gone: finish what was asked, save, and end
            if method == _CLOSE:
                close_id = call_id
                break
            lane = writes if method in _WRITES else questions
            lane.submit(run, call_id, method, args, kwargs)
    kb.close()
    if close_id is not None:
        with send:
            conn.send_bytes(_dumps((close_id, True, None)))
    conn.close()


def _dispatch(kb: KnowledgeBase, method: str, args: Iterable[Any], kwargs: dict[str, Any]) -> Any:
    if method not in _METHODS:
        raise StoreError(f"the knowledge base has no call {method!r}")
    if method == _HIGHLIGHTS:
        text, terms = args
        return highlight(text, kb.analyzer, terms)
    return getattr(kb, method)(*args, **kwargs)


if __name__ == "__main__":
    from knowledge import worker

    worker._serve(Connection(int(sys.argv[1])))
