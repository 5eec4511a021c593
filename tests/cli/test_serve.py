"""`citebot serve` as an operator runs it: a real process, its knowledge-base child, a stop.

The bot runs as ``python -m bot.cli serve`` against the fake Bot API on 127.0.0.1, configured
only by CITEBOT_* variables, with the health endpoint on; it answers, takes an upload, and on
SIGTERM (what ``docker stop`` and ``systemctl stop`` send) stops, has its knowledge-base
process save the index and end, and exits 0.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from benchmarks.fakes.processes import children, start_serve
from benchmarks.fakes.telegram_server import FakeTelegram, running_fake
from knowledge.index import BM25Index
from knowledge.store import Store
from tests.bot.documents import FACT, QUESTION, as_txt

pytestmark = pytest.mark.slow  # `citebot serve` as a process, with its knowledge process

ADMIN = 4242
USER = 1001


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _status(request: urllib.request.Request | str, timeout: float = 10) -> int:
    """The HTTP status of a request; 0 when nothing answered."""
    try:
        with urllib.request.urlopen(request, timeout=timeout) as reply:
            return int(reply.status)
    except OSError as exc:
        return int(getattr(exc, "code", 0) or 0)


def _health(port: int) -> int:
    return _status(f"http://127.0.0.1:{port}/healthz", timeout=2)


def _listening(port: int) -> bool:
    """Whether something accepts connections on 127.0.0.1:``port``."""
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _env(fake: FakeTelegram, data: Path, **settings: str) -> dict[str, str]:
    """`serve`'s whole configuration, as an operator gives it: CITEBOT_* variables."""
    return {
        **os.environ,
        "CITEBOT_TELEGRAM_TOKEN": fake.token,
        "CITEBOT_TELEGRAM_BASE_URL": fake.base_url,
        "CITEBOT_TELEGRAM_BASE_FILE_URL": fake.base_file_url,
        "CITEBOT_DATA_DIR": str(data),
        **{f"CITEBOT_{name.upper()}": value for name, value in settings.items()},
    }


def _stop(bot: subprocess.Popen[str]) -> str:
    """SIGTERM, as docker stop and systemctl stop send it; returns what it wrote on stderr."""
    bot.send_signal(signal.SIGTERM)
    try:
        return bot.communicate(timeout=60)[1]
    except subprocess.TimeoutExpired:
        bot.kill()
        return bot.communicate()[1]


def test_serve_answers_through_its_knowledge_process_and_stops_cleanly_on_sigterm(
    prepared_data_dir: Path, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    shutil.copytree(prepared_data_dir, data)
    port = _free_port()
    with running_fake() as fake:
        fake.add_chat(ADMIN)
        env = _env(fake, data, admin_ids=str(ADMIN), health_port=str(port), log_format="json")
        bot = start_serve(env)
        try:
            deadline = time.monotonic() + 60
            while _health(port) != 200 or not fake.calls_of("getUpdates"):
                assert bot.poll() is None, bot.stderr.read() if bot.stderr else ""
                assert time.monotonic() < deadline, "serve did not become ready in 60 s"
                time.sleep(0.1)
            [child] = children(bot.pid)

            sent = fake.user_says("which HK university trained a DeepSeek founder?", user_id=USER)
            [reply] = fake.wait_for_bot_messages(sent["chat"]["id"], timeout=30)
            assert "Hong Kong University of Science and Technology" in reply["plain_text"]

            fake.user_sends_document(as_txt(), "zorblax.txt", user_id=ADMIN)
            [confirm] = fake.wait_for_bot_messages(ADMIN, timeout=30)
            assert confirm["plain_text"].startswith("Added The Zorblax Observatory")
            sent = fake.user_says(QUESTION, user_id=USER)
            [reply] = fake.wait_for_bot_messages(sent["chat"]["id"], timeout=30)
            assert FACT in reply["plain_text"]
        finally:
            stderr = _stop(bot)
    assert bot.returncode == 0, stderr[-2000:]
    assert not Path(f"/proc/{child}").exists(), "the knowledge process outlived the bot"
    assert fake.token.split(":", 1)[1] not in stderr
    for line in stderr.splitlines():
        json.loads(line)  # CITEBOT_LOG_FORMAT=json reached the child's log lines too
    # The child saved the index of the last write when told to stop: no rebuild at next start.
    store = Store(data / "citebot.sqlite3")
    try:
        generation = store.generation()
    finally:
        store.close()
    saved = BM25Index.load(data / "index")
    assert saved is not None and saved.generation == generation


def _post(url: str, update: dict[str, object], secret: str | None) -> int:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    body = json.dumps(update).encode()
    return _status(urllib.request.Request(url, data=body, headers=headers, method="POST"))


def test_serve_in_webhook_mode_answers_updates_telegram_posts_and_refuses_a_wrong_secret(
    prepared_data_dir: Path, tmp_path: Path
) -> None:
    """Webhook mode as deploy/README.md sets it up: the bot listens on 127.0.0.1 behind a
    reverse proxy (played by the fake's delivery, which keeps the public URL's path), registers
    the public https URL with a secret token, and answers only updates that carry it."""
    data = tmp_path / "data"
    shutil.copytree(prepared_data_dir, data)
    port, health = _free_port(), _free_port()
    secret = "w3bhook-Secret_token"
    public = "https://bot.example.org/telegram/updates"
    with running_fake() as fake:
        env = _env(
            fake,
            data,
            mode="webhook",
            webhook_url=public,
            webhook_listen="127.0.0.1",
            webhook_port=str(port),
            webhook_secret=secret,
            health_port=str(health),
        )
        bot = start_serve(env)
        try:
            deadline = time.monotonic() + 60
            # Registered with Telegram is not yet listening: python-telegram-bot may call
            # setWebhook before its webhook server accepts connections.
            while _health(health) != 200 or fake.webhook_url != public or not _listening(port):
                assert bot.poll() is None, bot.stderr.read() if bot.stderr else ""
                assert time.monotonic() < deadline, "serve did not set its webhook in 60 s"
                time.sleep(0.1)
            [registered] = fake.calls_of("setWebhook")
            assert registered["secret_token"] == secret
            assert not fake.calls_of("getUpdates")

            # Someone who found the URL but not the secret is refused, and nothing is answered.
            stranger = fake.user_says("which HK university trained a DeepSeek founder?", user_id=77)
            forged = {"update_id": 1, "message": stranger}
            local = f"http://127.0.0.1:{port}/telegram/updates"
            assert _post(local, forged, None) == 403
            assert _post(local, forged, "not-the-secret") == 403

            fake.deliver_webhooks(f"http://127.0.0.1:{port}")
            # The stranger's own message was queued as a real update too: it is delivered and
            # answered once, now with the secret.
            [reply] = fake.wait_for_bot_messages(stranger["chat"]["id"], timeout=30)
            assert "Hong Kong University of Science and Technology" in reply["plain_text"]
            sent = fake.user_says("香港科技大学的创办人是谁？", user_id=USER)
            [reply] = fake.wait_for_bot_messages(sent["chat"]["id"], timeout=30)
            assert reply["plain_text"]
            assert all(d["status"] == 200 for d in fake.webhook_deliveries)
        finally:
            stderr = _stop(bot)
        assert len(fake.bot_messages(stranger["chat"]["id"])) == 1
    assert bot.returncode == 0, stderr[-2000:]
    assert fake.token.split(":", 1)[1] not in stderr and secret not in stderr
