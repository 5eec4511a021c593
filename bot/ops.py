"""Operations: Prometheus metrics, a /healthz and /metrics endpoint, and one-line JSON logs.

The endpoint is a stdlib HTTP server in a daemon thread, off by default (CITEBOT_HEALTH_PORT);
/healthz answers 503 until the knowledge base and its index are loaded, then 200. Log lines
carry events, never a user's message text unless CITEBOT_LOG_MESSAGES says so (handlers log
only codes and ids), and always pass through the token redactor first.
"""

from __future__ import annotations

import json
import logging
import threading
from bisect import bisect_left
from collections import defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

# Reply latency buckets in seconds: an answer should feel instant, so the fine ones are low.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class Metrics:
    """Counters and a latency histogram, thread-safe, rendered in Prometheus text format."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counters: dict[tuple[str, tuple[tuple[str, str], ...]], float] = defaultdict(float)
        self._buckets = [0] * (len(LATENCY_BUCKETS) + 1)
        self._latency_sum = 0.0
        self._latency_count = 0

    def inc(self, name: str, amount: float = 1.0, **labels: str) -> None:
        key = (name, tuple(sorted(labels.items())))
        with self._lock:
            self._counters[key] += amount

    def observe_question(self, found: bool, seconds: float) -> None:
        with self._lock:
            self._counters[("citebot_questions_total", (("answered", str(found).lower()),))] += 1
            self._buckets[bisect_left(LATENCY_BUCKETS, seconds)] += 1
            self._latency_sum += seconds
            self._latency_count += 1

    def value(self, name: str, **labels: str) -> float:
        with self._lock:
            return self._counters.get((name, tuple(sorted(labels.items()))), 0.0)

    def render(self) -> str:
        """The Prometheus text exposition format (version 0.0.4)."""
        help_text = {
            "citebot_questions_total": "Questions answered or declined",
            "citebot_ingests_total": "Articles ingested, by outcome",
            "citebot_errors_total": "Handler errors",
            "citebot_telegram_retries_total": "Bot API calls retried after a 429",
        }
        lines: list[str] = []
        with self._lock:
            counters = dict(self._counters)
            buckets = list(self._buckets)
            total, count = self._latency_sum, self._latency_count
        for name in sorted({n for n, _ in counters} | set(help_text)):
            lines.append(f"# HELP {name} {help_text.get(name, name)}")
            lines.append(f"# TYPE {name} counter")
            series = [(labels, v) for (n, labels), v in counters.items() if n == name]
            for labels, value in sorted(series) or [((), 0.0)]:
                label_text = ",".join(f'{k}="{v}"' for k, v in labels)
                lines.append(
                    f"{name}{{{label_text}}} {value:g}" if label_text else f"{name} {value:g}"
                )
        name = "citebot_answer_seconds"
        lines.append(f"# HELP {name} Time from question to rendered answer")
        lines.append(f"# TYPE {name} histogram")
        cumulative = 0
        for bound, hits in zip((*LATENCY_BUCKETS, float("inf")), buckets, strict=True):
            cumulative += hits
            le = "+Inf" if bound == float("inf") else f"{bound:g}"
            lines.append(f'{name}_bucket{{le="{le}"}} {cumulative}')
        lines.append(f"{name}_sum {total:.6f}")
        lines.append(f"{name}_count {count}")
        return "\n".join(lines) + "\n"


class OpsServer:
    """/healthz and /metrics on their own port, in a daemon thread."""

    def __init__(self, metrics: Metrics, host: str, port: int) -> None:
        self.metrics = metrics
        self.ready = threading.Event()
        ops = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path == "/healthz":
                    ok = ops.ready.is_set()
                    self._send(200 if ok else 503, "ok\n" if ok else "starting\n", "text/plain")
                elif self.path == "/metrics":
                    self._send(200, ops.metrics.render(), "text/plain; version=0.0.4")
                else:
                    self._send(404, "not found\n", "text/plain")

            def _send(self, status: int, body: str, content_type: str) -> None:
                data = body.encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", f"{content_type}; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                """Probes every few seconds would drown the log."""

        self._server = ThreadingHTTPServer((host, port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def start(self) -> OpsServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, and the exception if any."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(level: str, fmt: str) -> None:
    """Root logging for `citebot serve`: text or JSON, one line per event."""
    handler = logging.StreamHandler()
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
