"""A readers-writer lock: questions read the index together, a write has it alone.

Questions change nothing, so none waits for another; with the search's C loops running
without the GIL, two questions can use two cores. A write waits for the questions under way and
holds off new ones until it is done. The standard library has no such lock.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator


class ReadWriteLock:
    """Many readers at once, or one writer; a writer waiting holds off new readers.

    Writing is re-entrant, and its owner may also read (a write that asks a question); reading
    is not re-entrant: a reader that reads again while a writer waits would wait for itself.
    """

    def __init__(self) -> None:
        self._state = threading.Condition(threading.Lock())
        self._readers = 0
        self._writer: int | None = None
        self._depth = 0
        self._writers_waiting = 0

    @contextlib.contextmanager
    def reading(self) -> Iterator[None]:
        """Hold the lock beside other readers for the block; waits while a writer holds or
        awaits it."""
        if self._writer == threading.get_ident():
            yield  # the writer itself: it already excludes everyone
            return
        with self._state:
            while self._writer is not None or self._writers_waiting:
                self._state.wait()
            self._readers += 1
        try:
            yield
        finally:
            with self._state:
                self._readers -= 1
                if not self._readers:
                    self._state.notify_all()

    @contextlib.contextmanager
    def writing(self) -> Iterator[None]:
        """Hold the lock alone for the block, once the readers under way are done."""
        me = threading.get_ident()
        with self._state:
            if self._writer == me:
                self._depth += 1
            else:
                self._writers_waiting += 1
                try:
                    while self._writer is not None or self._readers:
                        self._state.wait()
                finally:
                    self._writers_waiting -= 1
                self._writer, self._depth = me, 1
        try:
            yield
        finally:
            with self._state:
                self._depth -= 1
                if not self._depth:
                    self._writer = None
                    self._state.notify_all()
