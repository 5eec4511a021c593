"""Writing the index to disk beside the questions: snapshots saved on a thread of their own.

Writing the whole index takes seconds at a million passages; done under the knowledge base's
lock it held up every ingest and question behind it (5-7 s for the ingest that found a save
due). The knowledge base hands a snapshot (BM25Index.snapshot, taken under its lock right after
the generation is stamped) to an IndexSaver and goes on.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import threading
from collections.abc import Callable
from pathlib import Path

from knowledge.index import BM25Index, remove_leftovers

log = logging.getLogger(__name__)


class IndexSaver:
    """Writes index snapshots to one folder on a thread of its own, in the order handed in.

    A snapshot handed in while another is being written waits; a newer one replaces it, since
    it holds everything the older one would have written. The thread ends when nothing waits.
    Each snapshot is written whole (BM25Index.save replaces the files atomically, the metadata
    naming its generation last), so a crash at any point leaves an index that is consistent
    with the generation it names, or one that start-up sees is stale.
    """

    def __init__(
        self, directory: Path, on_saved: Callable[[BM25Index], None] | None = None
    ) -> None:
        """``on_saved`` is called (on the saving thread) with each snapshot once written.

        Temporaries of saves whose process ended before renaming them (killed during a save)
        are removed now.
        """
        remove_leftovers(directory)
        self._directory = directory
        self._on_saved = on_saved
        self._changed = threading.Condition()
        self._waiting: BM25Index | None = None
        self._writing = False

    def submit(self, snapshot: BM25Index) -> None:
        with self._changed:
            self._waiting = snapshot
            if not self._writing:
                self._writing = True
                # Not a daemon: a save under way at exit is finished (a few seconds at a million
                # passages) rather than left for a rebuild from the stored terms (minutes).
                threading.Thread(target=self._run, name="citebot-index-save").start()

    @property
    def busy(self) -> bool:
        """Whether a snapshot is being written or waits to be."""
        with self._changed:
            return self._writing

    def wait(self) -> None:
        """Return once every snapshot handed in so far has been written (or failed to)."""
        with self._changed:
            self._changed.wait_for(lambda: not self._writing)

    def _run(self) -> None:
        _yield_the_cpu()
        try:
            while True:
                with self._changed:
                    snapshot, self._waiting = self._waiting, None
                    if snapshot is None:
                        self._writing = False
                        self._changed.notify_all()
                        return
                try:
                    snapshot.save(self._directory)
                except OSError as exc:
                    log.warning(
                        "could not save the index (it will be rebuilt at start-up): %s", exc
                    )
                    continue
                if self._on_saved is not None:
                    try:
                        self._on_saved(snapshot)
                    except Exception:  # the save itself is done; the next one tries again
                        log.exception("after the index save")
        except BaseException:
            # Whatever went wrong, close() must not wait for this thread for ever.
            with self._changed:
                self._writing = False
                self._changed.notify_all()
            raise


def _yield_the_cpu() -> None:
    """Lower the calling thread's priority, so that a save running beside an ingest or a question
    takes the CPU they leave (on two busy cores, a removal during a save at a million passages
    takes about three times as long when the save does not yield).

    Only on Linux, where a thread has a nice value of its own; elsewhere the call would renice
    the whole process.
    """
    if sys.platform == "linux":
        with contextlib.suppress(OSError):  # not allowed here: the save runs at normal priority
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)
