"""The readers-writer lock the knowledge base answers under."""

from __future__ import annotations

import threading

from knowledge.locks import ReadWriteLock
from tests.waiting import wait_until_blocked


def _in_thread(target: object) -> threading.Thread:
    thread = threading.Thread(target=target, daemon=True)  # type: ignore[arg-type]
    thread.start()
    return thread


def test_readers_hold_it_together() -> None:
    lock = ReadWriteLock()
    both_in = threading.Barrier(2, timeout=5)

    def read() -> None:
        with lock.reading():
            both_in.wait()  # fails (BrokenBarrierError) unless both are inside at once

    threads = [_in_thread(read), _in_thread(read)]
    for thread in threads:
        thread.join(10)
    assert not both_in.broken


def test_a_writer_waits_for_readers_and_then_has_it_alone() -> None:
    lock = ReadWriteLock()
    events: list[str] = []
    reading = threading.Event()
    release = threading.Event()

    def read() -> None:
        with lock.reading():
            reading.set()
            release.wait(5)
            events.append("reader out")

    def write() -> None:
        with lock.writing():
            events.append("writer in")

    reader = _in_thread(read)
    assert reading.wait(5)
    writer = _in_thread(write)
    wait_until_blocked(writer)
    assert events == []  # the writer is waiting for the reader
    release.set()
    reader.join(5)
    writer.join(5)
    assert events == ["reader out", "writer in"]


def test_a_waiting_writer_holds_off_new_readers() -> None:
    lock = ReadWriteLock()
    order: list[str] = []
    first_in = threading.Event()
    release = threading.Event()

    def first_reader() -> None:
        with lock.reading():
            first_in.set()
            release.wait(5)

    def writer() -> None:
        with lock.writing():
            order.append("writer")

    def late_reader() -> None:
        with lock.reading():
            order.append("late reader")

    threads = [_in_thread(first_reader)]
    assert first_in.wait(5)
    threads.append(_in_thread(writer))
    wait_until_blocked(threads[-1])  # the writer waits for the first reader
    threads.append(_in_thread(late_reader))
    wait_until_blocked(threads[-1])
    assert order == []  # the late reader queues behind the writer, not beside the first
    release.set()
    for thread in threads:
        thread.join(5)
    assert order == ["writer", "late reader"]


def test_writing_is_reentrant_and_may_read() -> None:
    lock = ReadWriteLock()
    with lock.writing(), lock.writing(), lock.reading():
        pass
    done = threading.Event()

    def other_writer() -> None:
        with lock.writing():
            done.set()

    _in_thread(other_writer).join(5)
    assert done.is_set()  # fully released after the nested use
