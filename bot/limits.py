"""Telegram's limits shared by every replica of the bot, through the knowledge base's store.

Telegram counts per bot, not per process: about 30 messages a second for the whole bot and 20
a minute into one group, and the bot's own limit of questions a user may ask a minute is meant
per user, whichever replica the question reached. With the knowledge in PostgreSQL (several
replicas), each message sent and each question answered first takes a turn of a sliding window
the store keeps (``KnowledgeService.take_turn``, knowledge/coordination.py); one process (the
SQLite store) keeps PTB's limiter and the in-memory ``bot.state.RateLimiter`` instead, which cost
no round trip.

The windows for Telegram's limits are ``JITTER`` seconds longer than Telegram's: a turn is
taken when the request leaves, Telegram counts it when it arrives, and two requests a window
apart may take different times on the way. When the store cannot be reached the limits fall
back to this process's own pace (logged), rather than stopping every answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from datetime import timedelta
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

from bot.ops import Metrics
from knowledge.errors import KnowledgeError
from knowledge.interface import KnowledgeService, Turn, Window

log = logging.getLogger(__name__)

# Telegram's limits on what a bot sends: into one group a minute, and the window of the overall
# rate (messages a second, ``telegram_max_rate``).
GROUP_MESSAGES = 20
GROUP_WINDOW = 60.0
# Seconds added to each of Telegram's windows (see the module docstring): what the time from a
# turn taken to its request reaching Telegram may vary by. On a loaded two-core machine 0.1 s
# let 31 arrive within one second in tests/bot/test_webhook_replicas.py, and 0.25 s let 33
# (CI, the whole suite around it); the cost is the overall ceiling, 30 turns in 1.5 s.
JITTER = 0.5
# The share of Telegram's overall rate the replicas hand out between them (25 of 30 a second).
HEADROOM = 0.85
# A group's minute is counted over this much longer: 20 turns there were seen to reach Telegram
# within 60 s exactly, nothing to spare.
GROUP_JITTER = 2.0


class SharedTurns:
    """Turns of windows every replica shares, for the keys of the bot ``bot`` (the numeric part
    of its token, which is its user id).

    ``wait_turn`` waits until a turn is taken. The callers of one process queue for a key here
    (an asyncio lock per key), so that only one of them at a time asks the store: a flood of
    waiting answers costs the database one call per turn given out, not one per waiter.
    """

    def __init__(self, kb: KnowledgeService, bot: str) -> None:
        self._kb = kb
        self._bot = bot
        self._queues: dict[str, tuple[asyncio.Lock, int]] = {}

    def key(self, kind: str, ident: int | str = "") -> str:
        """The store's key of a window: the bot's, of ``kind`` ("all", "chat", "user")."""
        return f"{self._bot}:{kind}:{ident}"

    async def take(self, windows: Sequence[Window]) -> Turn | None:
        """One try at a turn in all of ``windows`` at once; None when the store could not be
        asked (logged)."""
        try:
            return await asyncio.to_thread(self._kb.take_turn, windows)
        except KnowledgeError as exc:
            log.warning("shared rate limits unavailable, pacing here only: %s", exc)
            return None

    async def wait_turn(self, windows: Sequence[Window]) -> None:
        """Return once a turn is taken in all of ``windows`` at once (queued here behind the
        callers of the first window's key); when the store cannot be asked, after this
        process's own share of the first window's pace (its seconds over its limit)."""
        key, limit, seconds = windows[0]
        async with self._queue(key):
            while True:
                turn = await self.take(windows)
                if turn is None:
                    await asyncio.sleep(seconds / limit)
                    return
                if turn.taken:
                    return
                await asyncio.sleep(turn.wait)

    @contextlib.asynccontextmanager
    async def _queue(self, key: str) -> AsyncIterator[None]:
        # One lock per key while anyone waits on it; forgotten by the last one out, so that a
        # key per group and per user does not stay in memory.
        lock, users = self._queues.get(key, (asyncio.Lock(), 0))
        self._queues[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._queues[key]
            if users == 1:
                del self._queues[key]
            else:
                self._queues[key] = (lock, users - 1)


class SharedQuestionLimit:
    """The questions a user may ask a minute, counted by every replica (``RateLimiter`` with
    a shared store hands its checks here)."""

    def __init__(self, turns: SharedTurns) -> None:
        self._turns = turns

    async def check(self, user_id: int, limit: int, window: float) -> tuple[bool, bool]:
        """(allowed, send_notice) for one more question from ``user_id``; allowed when the
        store cannot be asked (the answer is what is at stake, not the limit)."""
        turn = await self._turns.take([(self._turns.key("user", user_id), limit, window)])
        if turn is None:
            return True, False
        return turn.taken, turn.notice


Callback = Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]]


class SharedRateLimiter(BaseRateLimiter[int]):
    """PTB's rate limiter interface over the shared windows: every request to a chat takes a
    turn of the bot's overall rate, and one to a group a turn of that group's 20 a minute, as
    PTB's own AIORateLimiter counts them; a 429 is waited out (and counted for /metrics) and
    the request sent again, up to ``max_retries`` times, each try taking its turns.
    """

    def __init__(
        self, turns: SharedTurns, metrics: Metrics, *, overall_max_rate: float, max_retries: int
    ) -> None:
        self._turns = turns
        self._metrics = metrics
        self._max_retries = max_retries
        # A whole number of turns in a window that gives HEADROOM of the rate (30 a second: 25
        # in 1 s): turns handed out together leave together, and what arrives within one
        # second can include some of the window before (see JITTER).
        rate = overall_max_rate * HEADROOM
        self._overall = max(1, int(rate)) if overall_max_rate > 0 else 0
        self._overall_window = self._overall / rate if self._overall else 0.0

    async def initialize(self) -> None:
        """Nothing to set up: the windows live in the store."""

    async def shutdown(self) -> None:
        """Nothing to release."""

    async def process_request(
        self,
        callback: Callback,
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        """Send the request once its turns are taken (see the class docstring)."""
        del endpoint
        chat_id = data.get("chat_id")
        with contextlib.suppress(ValueError, TypeError):
            chat_id = int(chat_id)  # type: ignore[arg-type]
        group = isinstance(chat_id, str) or (isinstance(chat_id, int) and chat_id < 0)
        retries = rate_limit_args or self._max_retries
        turns = self._turns
        windows: list[Window] = []
        if group:
            windows.append(
                (turns.key("chat", str(chat_id)), GROUP_MESSAGES, GROUP_WINDOW + GROUP_JITTER)
            )
        if chat_id is not None and self._overall:
            windows.append((turns.key("all"), self._overall, self._overall_window + JITTER))
        for attempt in range(retries + 1):
            if windows:
                # Both turns of a message into a group at one instant: one taken first and
                # kept while the other is awaited would let the two fall in different windows.
                await turns.wait_turn(windows)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                self._metrics.inc("citebot_telegram_retries_total")
                if attempt == retries:
                    raise
                after = exc.retry_after
                seconds = after.total_seconds() if isinstance(after, timedelta) else after
                log.info("Telegram asked to wait %s s (429): waiting", seconds)
                await asyncio.sleep(float(seconds) + 0.1)
        raise AssertionError("unreachable: the last attempt returns or raises")
