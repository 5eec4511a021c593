"""Reaching the Telegram Bot API at start-up: with backoff, so that a bot started before the
network is up comes up by itself, and with one warning line rather than PTB's tracebacks."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from urllib.parse import urlsplit

from telegram.error import NetworkError

from bot.context import BotApplication
from bot.redaction import process_redactor

log = logging.getLogger(__name__)


class BotApiUnreachable(Exception):
    """`serve` gave up reaching the Bot API at start-up; ``str()`` is one line for a person."""


# At start-up, the first wait after a failed attempt to reach the Bot API, doubled after each
# failure up to the second figure.
_FIRST_RETRY_SECONDS = 1.0
_LONGEST_RETRY_SECONDS = 30.0


def reach_bot_api(app: BotApplication, patience: float) -> bool:
    """Initialize ``app`` (its first Bot API call), trying again with backoff for ``patience``
    seconds while the Bot API cannot be reached: a bot started before the network is up then
    comes up by itself. The first failure is one warning line, not PTB's tracebacks.

    Runs on the event loop ``run_polling``/``run_webhook`` go on to use (they find the
    application initialized). False when SIGINT or SIGTERM stopped the wait.

    Raises:
        BotApiUnreachable: still unreachable after ``patience`` seconds.
    """
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    stop = asyncio.Event()
    signals = (signal.SIGINT, signal.SIGTERM)
    for number in signals:
        loop.add_signal_handler(number, stop.set)
    try:
        return loop.run_until_complete(_reach_bot_api(app, patience, stop))
    finally:
        for number in signals:
            loop.remove_signal_handler(number)


async def _reach_bot_api(
    app: BotApplication,
    patience: float,
    stop: asyncio.Event,
) -> bool:
    host = urlsplit(app.bot.base_url).netloc  # the token is in the path, never shown
    deadline = time.monotonic() + patience
    delay = _FIRST_RETRY_SECONDS
    failures = 0
    while True:
        try:
            await app.initialize()
        except NetworkError as exc:  # TimedOut included; a refused token is not retried
            failures += 1
            left = deadline - time.monotonic()
            reason = process_redactor().redact(str(exc))
            if left <= 0:
                raise BotApiUnreachable(
                    f"cannot reach the Telegram Bot API at {host} ({reason}); gave up after "
                    f"{failures} attempts in {patience:g} s"
                ) from exc
            if failures == 1:
                log.warning(
                    "cannot reach the Telegram Bot API at %s (%s); trying again for up to %g s",
                    host,
                    reason,
                    patience,
                )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=min(delay, left))
                return False
            delay = min(2 * delay, _LONGEST_RETRY_SECONDS)
        else:
            if failures:
                log.info("reached the Telegram Bot API after %d failed attempts", failures)
            return True
