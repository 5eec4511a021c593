"""Operations: /healthz and /metrics, JSON log lines, and metrics fed by real bot traffic."""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request

import pytest

from bot.ops import JsonFormatter, Metrics, OpsServer
from tests.bot.conftest import RunningBot

pytestmark = pytest.mark.slow  # each test starts a bot on its own copy of the knowledge base


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


def test_healthz_is_ready_only_once_loaded_and_metrics_render() -> None:
    metrics = Metrics()
    server = OpsServer(metrics, "127.0.0.1", 0).start()
    try:
        base = f"http://127.0.0.1:{server.port}"
        assert get(f"{base}/healthz")[0] == 503
        server.ready.set()
        assert get(f"{base}/healthz") == (200, "ok\n")
        metrics.observe_question(True, 0.02)
        metrics.observe_question(False, 0.3)
        metrics.inc("citebot_ingests_total", status="added")
        status, body = get(f"{base}/metrics")
        assert status == 200
        assert 'citebot_questions_total{answered="true"} 1' in body
        assert 'citebot_questions_total{answered="false"} 1' in body
        assert 'citebot_answer_seconds_bucket{le="0.025"} 1' in body
        assert 'citebot_answer_seconds_bucket{le="+Inf"} 2' in body
        assert "citebot_answer_seconds_count 2" in body
        assert 'citebot_ingests_total{status="added"} 1' in body
        assert "citebot_telegram_retries_total 0" in body
        assert get(f"{base}/nope")[0] == 404
    finally:
        server.stop()


def test_json_log_lines_are_one_object_each() -> None:
    record = logging.LogRecord("citebot", logging.INFO, __file__, 1, "hello %s", ("世界",), None)
    line = JsonFormatter().format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["message"] == "hello 世界" and entry["level"] == "INFO"


def test_metrics_count_real_traffic(bot: RunningBot) -> None:
    metrics = bot.app.bot_data.metrics
    bot.fake.fail_next("sendMessage", 429, retry_after=1)
    replies = bot.ask("which HK university trained a DeepSeek founder")
    assert "HKUST" in replies[0]["plain_text"]
    bot.ask("What is the capital of France?")
    # The handler records a question after its reply is sent, so wait for that.
    bot.fake.wait_until(
        lambda: metrics.value("citebot_questions_total", answered="false") == 1,
        description="the declined question counted",
    )
    assert metrics.value("citebot_telegram_retries_total") == 1
    assert metrics.value("citebot_questions_total", answered="true") == 1
    assert "citebot_answer_seconds_count 2" in metrics.render()
