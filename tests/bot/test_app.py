"""Staying up and speaking: errors, 429s, rate limits, /start and /help, commands, logs."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import pytest

from benchmarks.fakes.telegram_server import DEFAULT_TOKEN
from bot.app import run
from bot.config import Settings, load_settings
from bot.redaction import REDACTED
from tests.bot.conftest import ADMIN, USER, RunningBot
from tests.bot.documents import as_txt

pytestmark = pytest.mark.slow  # each test starts a bot on its own copy of the knowledge base

QUESTION = "which HK university trained a DeepSeek founder"
HKUST = "Hong Kong University of Science and Technology"


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
def test_429_is_waited_out_and_the_answer_still_arrives(bot: RunningBot) -> None:
    bot.fake.fail_next("sendMessage", 429, retry_after=1)
    sent = bot.fake.user_says(QUESTION)
    [reply] = bot.fake.wait_for_bot_messages(USER, timeout=10, after=sent)
    assert HKUST in reply["plain_text"]
    calls = bot.fake.wait_for_calls("sendMessage", 2)
    assert [c["status"] for c in calls] == [429, 200]


def test_handler_failure_apologises_and_the_bot_keeps_serving(bot: RunningBot) -> None:
    bot.fake.fail_next("sendMessage", 500)
    [apology] = bot.ask(QUESTION)
    assert "something went wrong" in apology["plain_text"]
    [answer] = bot.ask(QUESTION)
    assert HKUST in answer["plain_text"]


def test_failed_download_apologises_in_the_admins_language(
    bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    bot.fake.fail_next("getFile", 500)
    bot.fake.user_sends_document(as_txt(), "zorblax.txt", user_id=ADMIN, language_code="zh-CN")
    [apology] = bot.fake.wait_for_bot_messages(ADMIN)
    assert "出了点问题" in apology["plain_text"]
    assert any(r.levelno == logging.ERROR and r.exc_text for r in caplog.records)
    [answer] = bot.ask(QUESTION, user_id=ADMIN)
    assert HKUST in answer["plain_text"]


def test_rate_limit_sends_one_notice_per_window(make_bot: Callable[..., RunningBot]) -> None:
    bot = make_bot(user_rate_limit=2)
    for _ in range(6):
        bot.fake.user_says(QUESTION)
    replies = bot.fake.wait_for_bot_messages(USER, count=3, after=0)
    bot.assert_silent(USER, after=replies[-1]["seq"])
    texts = [r["plain_text"] for r in replies]
    assert sum(HKUST in t for t in texts) == 2
    assert sum("faster than I can keep up" in t for t in texts) == 1
    # another user is not affected
    [other] = bot.ask(QUESTION, user_id=USER + 1)
    assert HKUST in other["plain_text"]


LANGUAGES = [
    ("en", "Hello!", "How to ask"),
    ("zh-CN", "你好！我根据", "如何提问"),
    ("zh-hans", "你好！我根据", "如何提问"),
    ("zh-TW", "你好！我根據", "如何提問"),
    ("zh-HK", "你好！我根據", "如何提問"),
]


def test_start_and_help_in_the_users_language(bot: RunningBot) -> None:
    for offset, (language_code, start, help_text) in enumerate(LANGUAGES):
        user = USER + offset
        [reply] = bot.ask("/start", user_id=user, language_code=language_code)
        assert reply["plain_text"].startswith(start), language_code
        [reply] = bot.ask("/help", user_id=user, language_code=language_code)
        assert reply["plain_text"].startswith(help_text), language_code
        assert f"@{bot.username}" in reply["plain_text"]
        assert "/stats" not in reply["plain_text"]
        [admin_help] = bot.ask("/help", user_id=ADMIN, language_code=language_code)
        assert "/stats" in admin_help["plain_text"]


def test_commands_registered_for_users_and_admins(bot: RunningBot) -> None:
    names = [c["command"] for c in bot.fake.commands_for()]
    assert names == ["start", "help", "ask", "settings"]
    zh = bot.fake.commands_for(language_code="zh")
    assert [c["command"] for c in zh] == names and zh[2]["description"] == "提问"
    admin_scope = {"type": "chat", "chat_id": ADMIN}
    admin = [c["command"] for c in bot.fake.commands_for(admin_scope)]
    assert {"add", "articles", "remove", "stats"} <= set(admin)
    assert bot.fake.commands_for(admin_scope, language_code="zh")


def test_admin_without_a_chat_does_not_stop_start_up(make_bot: Callable[..., RunningBot]) -> None:
    bot = make_bot(admin_ids=[ADMIN, 777])  # 777 never talked to the bot
    assert bot.fake.commands_for({"type": "chat", "chat_id": ADMIN})
    [answer] = bot.ask(QUESTION)
    assert HKUST in answer["plain_text"]


def test_token_is_redacted_from_request_logs_and_tracebacks(
    bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    secret = DEFAULT_TOKEN.split(":", 1)[1]
    httpx_logger = logging.getLogger("httpx")
    assert httpx_logger.level == logging.WARNING  # request URLs are not logged by default
    httpx_logger.setLevel(logging.INFO)
    try:
        bot.ask(QUESTION)
    finally:
        httpx_logger.setLevel(logging.WARNING)
    request_lines = [r.getMessage() for r in caplog.records if r.name == "httpx"]
    assert request_lines and all(REDACTED in line for line in request_lines)
    try:
        raise RuntimeError(f"cannot reach {bot.fake.base_url}{DEFAULT_TOKEN}/getUpdates")
    except RuntimeError:
        logging.getLogger("telegram.ext.Updater").exception("polling failed")
    assert secret not in caplog.text
    assert REDACTED in caplog.text


def test_run_refuses_webhook_mode_without_url(tmp_path: Path) -> None:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, telegram_token=DEFAULT_TOKEN, mode="webhook", data_dir=tmp_path
    )
    with pytest.raises(ValueError, match="CITEBOT_WEBHOOK_URL"):
        run(settings)
    assert not (tmp_path / "citebot.sqlite3").exists()  # refused before opening anything


def test_bot_api_rate_setting_paces_the_replies(make_bot: Callable[..., RunningBot]) -> None:
    # 2 requests a second: PTB's limiter lets 2 through at once, then one every 0.5 s, so four
    # answers cannot reach Telegram in less than about 1 s. (A lower bound only: a slow
    # machine makes it longer, never shorter.)
    bot = make_bot(telegram_max_rate=2, typing_delay=30)
    users = [USER + i for i in range(4)]
    for user in users:
        bot.fake.user_says(QUESTION, user_id=user)
    for user in users:
        [reply] = bot.fake.wait_for_bot_messages(user, timeout=10)
        assert HKUST in reply["plain_text"]
    times = [c["time"] for c in bot.fake.call_log if c["method"] == "sendMessage"]
    assert len(times) == 4
    assert max(times) - min(times) >= 0.8


@pytest.mark.parametrize("value", ["-1", "1001", "fast"])
def test_bot_api_rate_outside_telegrams_range_stops_start_up(value: str) -> None:
    with pytest.raises(ValueError, match="CITEBOT_TELEGRAM_MAX_RATE"):
        load_settings(_env_file=None, telegram_max_rate=value)
