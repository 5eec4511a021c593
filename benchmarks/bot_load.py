"""The bot under load: `citebot serve` in its own process, questions through the fake Bot API.

    python -m benchmarks.bot_load [--size 10k] [--rate 120] [--seconds 5] [--timeout 120]
                                  [--no-rate-limiter]

This process runs the fake Telegram server (tests/fakes/telegram_server.py, 127.0.0.1 only)
and plays the users; the real bot runs as ``citebot serve`` in a child process pointed at the
fake with CITEBOT_* variables, over the synthetic knowledge base of ``benchmarks.e2e`` (built
first if needed). Questions arrive open-loop at ``--rate`` per second, each from its own user
(so the per-user rate limit does not throttle), for ``--seconds``; the count is bounded by
rate x seconds and the wait for replies by ``--timeout``.

Latency of one question = time of the bot's sendMessage to that chat (as the fake received
it) minus the time the update was queued. Throughput = answered questions / (last reply -
first question). The fake server shares this process's GIL, not the bot's.

The bot sends through PTB's AIORateLimiter, which keeps to Telegram's broadcast limit of 30
messages per second; every answer is two calls (the typing action and the reply), so about 15
questions per second is the ceiling by design. ``--no-rate-limiter`` runs the same bot with
the limiter's rates set to 0 (its documented "no limit"), through a wrapper in this module, to
measure what the bot itself could do.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from typing import Any

import numpy as np

from benchmarks.corpus import DEFAULT_SEED, parse_size
from benchmarks.measure import ROOT, SINGLE_THREAD_ENV, emit, percentile


def _serve_without_rate_limits() -> int:
    """``citebot serve`` with AIORateLimiter's overall and group rates set to 0 (no limit)."""
    from telegram.ext import AIORateLimiter

    original = AIORateLimiter.__init__

    def unlimited(self: AIORateLimiter, *args: Any, **kwargs: Any) -> None:
        kwargs.update(overall_max_rate=0, group_max_rate=0)
        original(self, **kwargs)

    AIORateLimiter.__init__ = unlimited  # type: ignore[method-assign]
    from bot.cli import main as cli

    return cli(["serve"])


def measure(
    n: int, rate: float, seconds: float, timeout: float, seed: int, limiter: bool = True
) -> dict[str, Any]:
    from benchmarks.e2e import build, kb_dir, questions
    from tests.fakes.telegram_server import running_fake

    built = build(n, seed)
    data = kb_dir(n, seed)
    count = max(1, int(rate * seconds))
    qs = questions(n, built["articles"], seed, count)
    first_user = 10_000_000
    with running_fake() as fake:
        env = {
            **os.environ,
            **SINGLE_THREAD_ENV,
            "CITEBOT_TELEGRAM_TOKEN": fake.token,
            "CITEBOT_TELEGRAM_BASE_URL": fake.base_url,
            "CITEBOT_TELEGRAM_BASE_FILE_URL": fake.base_file_url,
            "CITEBOT_DATA_DIR": str(data),
            "CITEBOT_USER_RATE_LIMIT": "1000000",
            "CITEBOT_LOG_LEVEL": "WARNING",
        }
        t_start = time.time()
        command = (
            ["-m", "bot.cli", "serve"]
            if limiter
            else ["-m", "benchmarks.bot_load", "--child-serve"]
        )
        bot = subprocess.Popen(
            [sys.executable, *command],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            deadline = time.monotonic() + timeout
            while not fake.calls_of("getUpdates"):
                if bot.poll() is not None or time.monotonic() > deadline:
                    err = (bot.stderr.read() if bot.stderr else "")[-800:]
                    return {"error": f"the bot did not start polling: {err}"}
                time.sleep(0.02)
            startup = time.time() - t_start
            sent: dict[int, float] = {}
            t0 = time.monotonic()
            for i, q in enumerate(qs):
                # Open loop: question i is due at t0 + i / rate, whatever the bot is doing.
                delay = t0 + i / rate - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                user = first_user + i
                sent[user] = time.time()
                fake.user_says(q, user_id=user, language_code="en")
            offered_s = time.monotonic() - t0
            replied: dict[int, float] = {}
            while len(replied) < len(sent) and time.monotonic() < deadline + seconds:
                for call in fake.call_log:
                    chat = call["params"].get("chat_id")
                    if call["method"] == "sendMessage" and chat in sent and chat not in replied:
                        replied[chat] = call["time"]
                if len(replied) < len(sent):
                    time.sleep(0.25)
            errors = [e for e in fake.errors if e.get("method") != "getUpdates"]
        finally:
            bot.send_signal(signal.SIGINT)
            try:
                bot.wait(30)
            except subprocess.TimeoutExpired:
                bot.kill()
                bot.wait()
    latencies = [(replied[u] - sent[u]) * 1e3 for u in replied]
    span = max(replied.values()) - min(sent.values()) if replied else float("nan")
    return {
        "n": n,
        "rate_limiter": limiter,
        "passages": built["passages"],
        "offered_rate": rate,
        "offered_s": offered_s,
        "questions": len(sent),
        "answered": len(replied),
        "qps": len(replied) / span if replied else 0.0,
        "median_ms": percentile(latencies, 50),
        "p99_ms": percentile(latencies, 99),
        "max_ms": float(np.max(latencies)) if latencies else float("nan"),
        "bot_startup_s": startup,
        "bot_api_errors": len(errors),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", default="10k")
    parser.add_argument("--rate", type=float, default=120.0, help="questions per second")
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--timeout", type=float, default=120.0)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--no-rate-limiter", action="store_true")
    parser.add_argument("--child-serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_serve:
        sys.exit(_serve_without_rate_limits())
    limiter = not args.no_rate_limiter
    emit(measure(parse_size(args.size), args.rate, args.seconds, args.timeout, args.seed, limiter))


if __name__ == "__main__":
    main()
