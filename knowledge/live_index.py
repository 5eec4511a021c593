"""The index a knowledge base answers from, kept at the store's generation and saved on the side.

The store is the truth; the index is a cache stamped with the store's generation. It learns of
every write (ours, another process's, one a crash kept from the last save) the same way: by
applying the store's change log (``follower.catch_up``). Without a usable save it is rebuilt
from the stored terms, never by re-tokenizing articles. Writing it to disk takes seconds at a
million passages, so it is saved from a snapshot on a thread of its own (``saver.IndexSaver``),
at most every ``save_seconds`` and on close; each save is then taken back as the index's base,
which frees what the updates since the last one hold in memory.

One lock (``reading``, ``writing``) keeps the index, the analyzer's learned aliases and the
store in step: a question sees an article either whole or not at all.

Each question first compares the index's generation with the store's, so it never misses a
write. A store that can tell of other processes' writes as they commit (PostgreSQL's
LISTEN/NOTIFY: ``KnowledgeStore.watch``) also wakes a follower thread that catches up at once,
so that an idle replica is current before the next question comes (and that question does not
pay for the catch-up); the change log stays the truth, the notification only says when to look.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from pathlib import Path

from knowledge.analyze import Analyzer
from knowledge.errors import DamagedIndex, KnowledgeError, StoreError
from knowledge.follower import catch_up
from knowledge.index import BM25Index, BM25Params
from knowledge.locks import ReadWriteLock
from knowledge.pgstore.protocol import KnowledgeStore
from knowledge.saver import IndexSaver

log = logging.getLogger(__name__)
# Generations of change log kept behind the latest save (each ingest or removal is one).
_CHANGES_KEPT = 1000
# A store that tells of writes is also looked at this often without being told: a notification
# lost for good (none should be: a lost connection is followed by a look) only delays this long.
_IDLE_CHECK_SECONDS = 30.0


class LiveIndex:
    """The BM25 index over ``store``'s passages, at the store's generation whenever a caller
    holding ``writing`` has called ``refresh_if_stale`` or ``after_write``.

    Opening it loads the save in ``directory`` brought up to the store through the change log
    (rebuilt from the stored terms when no usable save exists). Over a store that tells of
    other processes' writes (``watch``), a thread of its own catches up as each is told.
    ``analyzer`` takes in the aliases another process's uploads taught the store, as the index
    takes in its passages.
    ``overlay_save_postings`` is how many postings the updates since the last save may hold in
    memory before a save is started early, without waiting for ``save_seconds``.
    """

    def __init__(
        self,
        store: KnowledgeStore,
        analyzer: Analyzer,
        directory: Path,
        params: BM25Params,
        *,
        save_seconds: float,
        overlay_save_postings: int,
    ) -> None:
        self._store = store
        self._analyzer = analyzer
        self._directory = directory
        self._params = params
        self._save_seconds = save_seconds
        self._overlay_save_postings = overlay_save_postings
        self._lock = ReadWriteLock()
        self._saver = IndexSaver(directory, on_saved=self._saved)
        self._saved_at = time.monotonic()
        self._unsaved = False
        # None until the index is open: a save of the start-up's rebuild may end before that.
        self._index: BM25Index | None = None
        self._index = self._open()
        # Told by the store that another process wrote (see the module docstring).
        self._told = threading.Event()
        self._closing = False
        self._follower: threading.Thread | None = None
        if store.watch(self._told.set):
            self._follower = threading.Thread(
                target=self._follow_told, name="index-follower", daemon=True
            )
            self._follower.start()

    @property
    def index(self) -> BM25Index:
        """The index as it is now; hold ``reading`` (or ``writing``) while searching it."""
        assert self._index is not None  # set by the constructor
        return self._index

    def reading(self) -> contextlib.AbstractContextManager[None]:
        """Hold the index beside other readers (questions) for the block; waits for a write."""
        return self._lock.reading()

    def writing(self) -> contextlib.AbstractContextManager[None]:
        """Hold the index, and the analyzer's aliases, alone for the block (re-entrant)."""
        return self._lock.writing()

    @property
    def stale(self) -> bool:
        """Whether the store holds writes the index has not taken in (one cheap query)."""
        return self._store.generation() != self.index.generation

    def refresh_if_stale(self) -> None:
        """Catch up with writes made by another process (the CLI beside the bot, a replica):
        the index replays the logged changes (or is reopened) and the aliases learned elsewhere
        are taken in. The caller holds ``writing``."""
        if not self.stale:
            return
        self._learn_aliases()
        self._follow_store()

    def catch_up_before_reading(self) -> None:
        """``refresh_if_stale`` under ``writing``, taken only when the store did change: what a
        question does before it reads, so that questions do not wait for each other."""
        if self.stale:
            with self._lock.writing():  # another process wrote: catch up first, alone
                self.refresh_if_stale()

    def after_write(self) -> None:
        """After this process committed a write (the caller holds ``writing``): the index
        follows the store at once (an article is answerable when its ingest returns), and is
        saved when a save is due."""
        if self._store.generation() != self.index.generation + 1:
            self._learn_aliases()  # another process wrote too
        self._follow_store()
        due = time.monotonic() - self._saved_at >= self._save_seconds
        if due or (
            # Early while none is under way (its rebase will free them, and a snapshot
            # per write would cost more than the write at a million passages).
            not self._saver.busy and self.index.overlay_postings() > self._overlay_save_postings
        ):
            self._save(self.index)

    def make_save_due(self) -> None:
        """Have the next write save the index, as when ``save_seconds`` have passed since the
        last save (to measure such a write)."""
        self._saved_at = float("-inf")

    @property
    def saving(self) -> bool:
        """Whether a save is being written or waits to be."""
        return self._saver.busy

    def wait_for_saves(self) -> None:
        """Return once every save started so far has reached the disk and been taken back as
        the index's base (or failed, and was logged)."""
        self._saver.wait()

    def close(self) -> None:
        """Stop following the store, save the index if it changed, and return once every save
        has reached the disk."""
        self._closing = True
        self._told.set()
        if self._follower is not None:
            self._follower.join()
        with self._lock.writing():
            if self._unsaved:
                self._save(self.index)
        self._saver.wait()

    # -- the index's life -------------------------------------------------------------------
    def _follow_told(self) -> None:
        """The follower thread: each time the store tells of a write (and every
        ``_IDLE_CHECK_SECONDS`` untold) the index catches up as a question would before
        reading; a failure is logged, and the next question tries again."""
        while True:
            self._told.wait(_IDLE_CHECK_SECONDS)
            if self._closing:
                return
            self._told.clear()  # before looking: a write told meanwhile is looked for again
            try:
                self.catch_up_before_reading()
            except KnowledgeError as exc:  # the database out of reach, a damaged save...
                log.warning("could not follow the store's writes: %s", exc)

    def _open(self) -> BM25Index:
        """The saved index brought up to the store's generation from the change log (after a
        crash, or writes by another process, since it was saved); rebuilt from every stored
        passage only when there is no usable save or the log no longer reaches back to it."""
        try:
            index = BM25Index.load(self._directory, self._params)
        except DamagedIndex as exc:  # the store is the truth: the index is made again
            log.warning("%s; rebuilding it from the store", exc)
            index = None
        if index is not None and index.store_id not in (None, self._store.store_id):
            log.warning(
                "the saved index in %s belongs to another store; rebuilding it from the store",
                self._directory,
            )
            index = None
        if index is not None:
            saved, unnamed = index.generation, index.store_id is None
            index.store_id = self._store.store_id  # a save from before stores had ids: ours
            if catch_up(index, self._store):
                if index.generation != saved:
                    self._unsaved = True  # saved with the next write's save, or at close
                elif unnamed or not index.save_is_current:
                    self._save(index)  # an older save: once more, in the background
                return index
            log.info("index save at generation %d is too old: rebuilding it", saved)
        index = BM25Index(self._params)
        index.store_id = self._store.store_id
        with self._store.reading():  # the passages of exactly this generation
            generation = self._store.generation()
            index.add(self._store.all_passage_terms())
        index.generation = generation
        self._save(index)
        return index

    def _learn_aliases(self) -> None:
        """Take in the aliases other processes' uploads taught the store."""
        for form, other in self._store.learned_aliases():
            self._analyzer.add_alias(form, other)

    def _follow_store(self) -> None:
        """The index takes every write the store logged after its generation, ours and other
        processes' alike (``follower.catch_up``); it is rebuilt from the stored terms when the
        log does not reach back to it. The caller holds the write lock."""
        if not catch_up(self.index, self._store):
            self._index = self._open()
        self._unsaved = True

    def _save(self, index: BM25Index) -> None:
        """Start writing ``index`` as it is now, in the background; the caller holds the lock
        (or ``index`` is not in use yet), so the snapshot matches its generation exactly."""
        self._saved_at = time.monotonic()
        self._unsaved = False
        self._saver.submit(index.snapshot())

    def _saved(self, snapshot: BM25Index) -> None:
        """After a snapshot reached the disk (on the saver's thread): the index takes the file
        as its base, which frees the postings its updates had copied, and the change log is
        trimmed. The log before the save is needed only by indexes held further behind
        (another process's), which would load this save instead; a margin is kept for a save
        of another process that lands after this one."""
        try:
            self._store.forget_changes(snapshot.generation - _CHANGES_KEPT)
        except StoreError as exc:
            log.warning("%s", exc)
        saved = _reload(self._directory, self._params)
        if saved is None or saved.saved_stamp != snapshot.saved_stamp:
            return  # replaced by another process's save meanwhile: the next save rebases
        with self._lock.writing():
            index = self._index
            if index is None:  # a save of the start-up's rebuild, ended before it was kept
                return
            index.rebase(saved, snapshot)
            # Writes made during this save (a burst of uploads or removals) still hold theirs:
            # one more save frees them, rather than the next write, which may be hours away.
            if self._unsaved and index.overlay_postings() > self._overlay_save_postings:
                self._save(index)


def _reload(directory: Path, params: BM25Params) -> BM25Index | None:
    """The save just written, to rebase on, without reading it whole again to check it (it
    is checked whenever a process starts from it); None when it cannot be read."""
    try:
        return BM25Index.load(directory, params, verify=False)
    except DamagedIndex as exc:
        log.warning("%s", exc)
        return None
