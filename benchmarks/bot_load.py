"""The bot under load: `citebot serve` in its own process, questions through the fake Bot API.

    python -m benchmarks.bot_load [--size 10k] [--rate 100] [--seconds 5] [--timeout 120]
                                  [--max-rate 30 | --no-rate-limiter] [--typing-delay 0.4]

This process runs the fake Telegram server (benchmarks/fakes/telegram_server.py, 127.0.0.1 only)
and plays the users; the real bot runs as ``citebot serve`` in a child process pointed at the
fake with CITEBOT_* variables, over the synthetic knowledge base of ``benchmarks.e2e`` (built
first if needed). Questions arrive open-loop at ``--rate`` per second, each from its own user
(so the per-user rate limit does not throttle), for ``--seconds``; the count is bounded by
rate x seconds and the wait for replies by ``--timeout``.

Latency of one question, two ways: from the moment the fake hands the update to the bot's
getUpdates ("delivered") and from the moment the user sent it ("sent", which adds the wait for
the next long poll), each to the moment the fake receives the bot's sendMessage to that chat.
Throughput = answered questions / (last reply - first question sent). A question without a
reply by the deadline is "dropped"; an error answer of the fake or an apology is "failed".

The bot sends through PTB's AIORateLimiter at ``CITEBOT_TELEGRAM_MAX_RATE`` requests a second
(``--max-rate``; the default is the setting's, Telegram's 30; ``--no-rate-limiter`` is
``--max-rate 0``, no limit). An answer costs one request, two if it is slower than
``CITEBOT_TYPING_DELAY`` (``--typing-delay 0`` gives every answer a "typing" action first).

CPU is read from /proc for the bot's event loop (PTB, JSON, HTTP; its main thread), its other
threads (the workers ``asyncio.to_thread`` runs knowledge-base calls in), the knowledge-base
process ``citebot serve`` starts (CITEBOT_KNOWLEDGE_PROCESS, on by default; ``--in-process``
keeps the knowledge base in the bot's process) and this process, which is mostly the fake
server. All are per answer. Memory is the resident set of the bot and its child at the end.
"""

from __future__ import annotations

import argparse
import os
import resource
import signal
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.corpus import DEFAULT_SEED, parse_size
from benchmarks.fakes.processes import children, start_serve
from benchmarks.fakes.telegram_server import FakeTelegram
from benchmarks.measure import SINGLE_THREAD_ENV, emit, percentile

JSON = dict[str, Any]
TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


class Timings:
    """Notes per chat when the first update left the fake and the first reply came.

    Reading ``call_log`` instead would deep-copy every call under the fake's lock, slowing the
    server it measures; ``FakeTelegram.watch`` runs this inside the fake's own handling.
    """

    def __init__(self, apology_texts: set[str]) -> None:
        self.delivered: dict[int, float] = {}
        self.replied: dict[int, float] = {}
        self.apologies = 0
        self.apology_texts = apology_texts

    def __call__(self, method: str, params: JSON, result: Any) -> None:
        now = time.time()
        if method == "getUpdates":
            for update in result:
                chat = update.get("message", {}).get("chat", {}).get("id")
                if chat is not None:
                    self.delivered.setdefault(chat, now)
        elif method == "sendMessage":
            self.replied.setdefault(result["chat"]["id"], now)
            if result.get("text") in self.apology_texts:
                self.apologies += 1


def _thread_cpu(pid: int) -> dict[str, float]:
    """CPU seconds so far of ``pid``'s main thread (the event loop) and of its other threads.

    Python does not name OS threads, so the main thread is told apart by its id (the pid);
    the others are the ``asyncio.to_thread`` workers that run ``KnowledgeBase.ask``.
    """
    out = {"event loop": 0.0, "worker threads": 0.0}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            stat = (task / "stat").read_text()
        except OSError:  # the thread ended meanwhile
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        seconds = (int(fields[11]) + int(fields[12])) / TICK  # utime, stime
        out["event loop" if int(task.name) == pid else "worker threads"] += seconds
    return out


def _process_cpu(pid: int) -> float:
    """CPU seconds so far of the whole process ``pid``, ended threads included."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def _rss_mb(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    return total / 1024


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def measure(
    n: int,
    rate: float,
    seconds: float,
    timeout: float,
    seed: int,
    max_rate: float | None = None,
    typing_delay: float | None = None,
    in_process: bool = False,
) -> dict[str, Any]:
    """One run; ``max_rate``/``typing_delay`` None leave the bot's settings at their defaults."""
    from benchmarks.e2e import questions
    from benchmarks.kb_build import build, kb_dir
    from bot.config import Settings
    from bot.i18n import MESSAGES

    built = build(n, seed)
    data = kb_dir(n, seed)
    count = max(1, int(rate * seconds))
    qs = questions(n, built["articles"], seed, count)
    first_user = 10_000_000
    defaults = Settings(_env_file=None)  # type: ignore[call-arg]
    settings_env: dict[str, str] = {}
    if max_rate is not None:
        settings_env["CITEBOT_TELEGRAM_MAX_RATE"] = str(max_rate)
    if typing_delay is not None:
        settings_env["CITEBOT_TYPING_DELAY"] = str(typing_delay)
    if in_process:
        settings_env["CITEBOT_KNOWLEDGE_PROCESS"] = "false"
    fake = FakeTelegram()
    timings = Timings(set(MESSAGES["apology"].values()))
    fake.watch(timings)
    with fake:
        env = {
            **os.environ,
            **SINGLE_THREAD_ENV,
            "CITEBOT_TELEGRAM_TOKEN": fake.token,
            "CITEBOT_TELEGRAM_BASE_URL": fake.base_url,
            "CITEBOT_TELEGRAM_BASE_FILE_URL": fake.base_file_url,
            "CITEBOT_DATA_DIR": str(data),
            "CITEBOT_USER_RATE_LIMIT": "1000000",
            "CITEBOT_LOG_LEVEL": "WARNING",
            **settings_env,
        }
        t_start = time.time()
        bot = start_serve(env)
        # Drained all along: a bot logging a warning per question must not block on a full pipe.
        stderr_tail: list[str] = []
        drain = threading.Thread(
            target=lambda: [stderr_tail.append(line) for line in bot.stderr or []], daemon=True
        )
        drain.start()
        try:
            deadline = time.monotonic() + timeout
            while not fake.calls_of("getUpdates"):
                if bot.poll() is not None or time.monotonic() > deadline:
                    return {
                        "error": f"the bot did not start polling: {''.join(stderr_tail)[-800:]}"
                    }
                time.sleep(0.02)
            startup = time.time() - t_start
            calls_before = len(fake.call_log)
            kids = children(bot.pid)
            cpu_threads0, cpu_bot0, cpu_kids0, cpu_fake0 = (
                _thread_cpu(bot.pid),
                _process_cpu(bot.pid),
                sum(_process_cpu(k) for k in kids),
                _own_cpu(),
            )
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
            while len(timings.replied) < len(sent) and time.monotonic() < deadline + seconds:
                time.sleep(0.05)
            cpu_threads1, cpu_bot1, cpu_kids1, cpu_fake1 = (
                _thread_cpu(bot.pid),
                _process_cpu(bot.pid),
                sum(_process_cpu(k) for k in kids),
                _own_cpu(),
            )
            rss = _rss_mb([bot.pid, *kids])
            calls = fake.call_log[calls_before:]
        finally:
            bot.send_signal(signal.SIGINT)
            try:
                bot.wait(30)
            except subprocess.TimeoutExpired:
                bot.kill()
                bot.wait()
    replied = {u: t for u, t in timings.replied.items() if u in sent}
    delivered = {u: t for u, t in timings.delivered.items() if u in replied}
    from_sent = [(replied[u] - sent[u]) * 1e3 for u in replied]
    from_delivery = [(replied[u] - delivered[u]) * 1e3 for u in delivered]
    answered = len(replied)
    span = max(replied.values()) - min(sent.values()) if replied else float("nan")
    methods: dict[str, int] = {}
    for call in calls:
        methods[call["method"]] = methods.get(call["method"], 0) + 1
    errors = [c for c in calls if c["status"] not in (200, None) and c["method"] != "getUpdates"]
    per_answer = 1e3 / answered if answered else float("nan")
    threads = {
        name: (cpu_threads1[name] - cpu_threads0[name]) * per_answer for name in cpu_threads1
    }
    effective_rate = defaults.telegram_max_rate if max_rate is None else max_rate
    return {
        "n": n,
        "passages": built["passages"],
        "max_rate": effective_rate,
        "rate_limiter": bool(effective_rate),
        "typing_delay": defaults.typing_delay if typing_delay is None else typing_delay,
        "knowledge_process": bool(kids),
        "offered_rate": rate,
        "offered_s": offered_s,
        "questions": len(sent),
        "answered": answered,
        "dropped": len(sent) - answered,
        "failed": len(errors) + timings.apologies,
        "qps": answered / span if replied else 0.0,
        # From delivery to the bot (getUpdates) to the reply reaching the fake.
        "median_ms": percentile(from_delivery, 50),
        "p99_ms": percentile(from_delivery, 99),
        "max_ms": float(np.max(from_delivery)) if from_delivery else float("nan"),
        # From the user's send: adds the wait for the bot's next getUpdates.
        "sent_median_ms": percentile(from_sent, 50),
        "sent_p99_ms": percentile(from_sent, 99),
        "typing_actions": methods.get("sendChatAction", 0),
        "send_messages": methods.get("sendMessage", 0),
        "get_updates": methods.get("getUpdates", 0),
        "connections": fake.connections_opened,
        "bot_cpu_ms_per_answer": (cpu_bot1 - cpu_bot0 + cpu_kids1 - cpu_kids0) * per_answer,
        # The knowledge-base process of `citebot serve` (CITEBOT_KNOWLEDGE_PROCESS), if any.
        "kb_process_cpu_ms_per_answer": (cpu_kids1 - cpu_kids0) * per_answer if kids else None,
        "bot_rss_mb": rss,
        "bot_thread_cpu_ms_per_answer": threads,
        "fake_cpu_ms_per_answer": (cpu_fake1 - cpu_fake0) * per_answer,
        "bot_startup_s": startup,
        "bot_api_errors": len(errors),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", default="10k")
    parser.add_argument("--rate", type=float, default=100.0, help="questions per second")
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--timeout", type=float, default=120.0)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument(
        "--max-rate", type=float, help="CITEBOT_TELEGRAM_MAX_RATE (default: the setting's)"
    )
    parser.add_argument("--no-rate-limiter", action="store_true", help="the same as --max-rate 0")
    parser.add_argument("--typing-delay", type=float, help="CITEBOT_TYPING_DELAY")
    parser.add_argument("--in-process", action="store_true", help="CITEBOT_KNOWLEDGE_PROCESS=false")
    args = parser.parse_args()
    max_rate = 0.0 if args.no_rate_limiter else args.max_rate
    emit(
        measure(
            parse_size(args.size),
            args.rate,
            args.seconds,
            args.timeout,
            args.seed,
            max_rate,
            args.typing_delay,
            args.in_process,
        )
    )


if __name__ == "__main__":
    main()
