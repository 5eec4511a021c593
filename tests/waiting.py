"""Waiting for a condition instead of sleeping for a guessed time.

A fixed sleep is either too short on a loaded machine (the test fails for nothing) or too long
everywhere else. These helpers return as soon as the condition holds and fail with a message
when it has not held by the deadline. Where the code under test offers an event (a
``threading.Event``, the fake Bot API's ``wait_until``, a process's exit), wait on that instead.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from types import CodeType, FrameType
from typing import TypeVar

T = TypeVar("T")

# Where a thread is parked when it waits on a Condition, an Event, a Future or a Barrier: the
# innermost Python frame of each of these is Condition.wait (the lock it blocks on is C code).
_CONDITION_WAIT = threading.Condition.wait.__code__


def wait_until(
    predicate: Callable[[], T],
    timeout: float = 10.0,
    description: str = "the condition",
    interval: float = 0.01,
) -> T:
    """Poll ``predicate`` until it returns something truthy, and return that.

    Raises AssertionError naming ``description`` when it is still falsy after ``timeout``
    seconds. The interval is only how often to look, not a guess of how long anything takes.
    """
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"{description} did not happen within {timeout} s")
        time.sleep(interval)


def _frames(thread: threading.Thread) -> list[FrameType]:
    """The thread's Python frames, innermost first (empty when it is not running)."""
    frame = sys._current_frames().get(thread.ident or -1)
    stack = []
    while frame is not None:
        stack.append(frame)
        frame = frame.f_back
    return stack


def wait_until_blocked(thread: threading.Thread, timeout: float = 10.0) -> None:
    """Wait until ``thread`` is parked in a wait (a Condition, Event, Future or Barrier).

    For "the other thread is now waiting for the lock / the reply": after this returns it has
    got as far as it can without the thing the test holds back.
    """

    def blocked() -> bool:
        stack = _frames(thread)
        return bool(stack) and stack[0].f_code is _CONDITION_WAIT

    wait_until(blocked, timeout, f"{thread.name} waiting")


def wait_until_inside(
    thread: threading.Thread, function: Callable[..., object], timeout: float = 10.0
) -> None:
    """Wait until ``thread`` is running ``function`` (anywhere on its stack).

    For "the long operation is now under way": ``function`` is a public function or method the
    operation calls while it works, e.g. the analyzer's ``terms`` during an ingest.
    """
    code: CodeType = getattr(function, "__func__", function).__code__

    def inside() -> bool:
        return any(frame.f_code is code for frame in _frames(thread))

    wait_until(inside, timeout, f"{thread.name} inside {function.__qualname__}")


def wait_until_some_thread_waits_in(function: Callable[..., object], timeout: float = 10.0) -> None:
    """Wait until some thread is parked in a wait while running ``function``.

    For a thread the test did not start, e.g. the fake server's thread answering a long poll:
    after this returns, that request is waiting for something to happen.
    """
    code: CodeType = getattr(function, "__func__", function).__code__

    def waiting() -> bool:
        for thread in threading.enumerate():
            stack = _frames(thread)
            if (
                stack
                and stack[0].f_code is _CONDITION_WAIT
                and any(frame.f_code is code for frame in stack)
            ):
                return True
        return False

    wait_until(waiting, timeout, f"a thread waiting in {function.__qualname__}")
