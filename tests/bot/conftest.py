"""A real citebot Application polling the fake Bot API, on a real knowledge base.

The bundled corpus is loaded once per session into a prepared data dir (``prepared_data_dir``
from tests/conftest.py). ``bot`` / ``make_bot`` give every test its own copy (loading takes
seconds, copying milliseconds), its own FakeTelegram over HTTP and its own running
Application, so tests never see each other's articles, questions or rate limits.

``quick_bot`` is for handler tests that only ask: its bot reaches a fresh FakeTelegram in
process, through PTB's request seam (``InProcessRequest``), and shares one knowledge base with
the other quick tests of its module -- no copy, no second dictionary load, no sockets. Such
tests see each other's questions in the knowledge base's log, never each other's articles,
settings, conversations or rate limits (those live in the Application).

The bot runs ``Application.run_polling`` -- the same path ``citebot serve`` takes, post_init
included -- in a background thread with its own event loop; tests drive the fake from the main
thread with its blocking helpers.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from telegram.ext import Application

from benchmarks.fakes.telegram_server import (
    DEFAULT_TOKEN,
    FakeTelegram,
    InProcessRequest,
    running_fake,
)
from bot.app import build_application, open_knowledge_base
from bot.config import Settings
from knowledge.worker import Knowledge
from tests.waiting import wait_until

ADMIN = 4242
USER = 1001

JSON = dict[str, Any]


@dataclass
class RunningBot:
    """What a test needs: the fake to play users with, and the bot's own pieces to inspect."""

    fake: FakeTelegram
    app: Application  # type: ignore[type-arg]
    kb: Knowledge
    settings: Settings
    loop: asyncio.AbstractEventLoop
    errors: list[BaseException] = field(default_factory=list)

    @property
    def username(self) -> str:
        return self.fake.bot_username

    def ask(self, text: str, *, user_id: int = USER, count: int = 1, **kwargs: Any) -> list[JSON]:
        """A user says ``text``; returns the bot's replies in that chat."""
        sent = self.fake.user_says(text, user_id=user_id, **kwargs)
        return self.fake.wait_for_bot_messages(sent["chat"]["id"], count)

    def settle(self, timeout: float = 30.0) -> None:
        """Wait until the bot has fetched every update the fake holds and finished handling
        each one; after this, a reply that has not been sent will not be.

        For "and nothing else": the bot confirms updates through getUpdates' offset only after
        putting them on its update queue, and marks each done there once handled.
        """
        # Polled, not the fake's wait_until: that re-checks at every call, and this copies
        # every pending update (a flood holds a thousand).
        wait_until(
            lambda: not self.fake.pending_updates(), timeout, "the bot fetching every update", 0.05
        )
        asyncio.run_coroutine_threadsafe(self.app.update_queue.join(), self.loop).result(timeout)

    def assert_silent(self, chat_id: int = USER, *, after: Any = None) -> None:
        """Assert the bot has sent nothing to the chat after ``after`` (a mark, a message, or
        by default the latest user event there), once it has handled every update."""
        self.settle()
        self.fake.assert_no_bot_message(chat_id, within=0, after=after)


@contextlib.contextmanager
def serving(
    app: Application,  # type: ignore[type-arg]
) -> Iterator[tuple[asyncio.AbstractEventLoop, list[BaseException]]]:
    """Run ``app.run_polling`` in a thread until the block ends; yields its event loop and
    the thread's errors."""
    loop = asyncio.new_event_loop()
    errors: list[BaseException] = []

    def runner() -> None:
        asyncio.set_event_loop(loop)
        try:
            app.run_polling(
                poll_interval=0,
                timeout=1,
                stop_signals=None,
                close_loop=False,
                drop_pending_updates=False,
            )
        except BaseException as exc:  # reported to the test in teardown
            errors.append(exc)

    thread = threading.Thread(target=runner, name="citebot-under-test", daemon=True)
    thread.start()
    wait_until(lambda: app.running or not thread.is_alive(), 15, "the bot's start")
    try:
        yield loop, errors
    finally:
        if app.running:
            loop.call_soon_threadsafe(app.stop_running)
        thread.join(15)
        assert not thread.is_alive(), "the bot did not stop within 15 s"
        loop.close()


def _settings(data: Path, **values: Any) -> Settings:
    """The settings of these tests unless given: one admin, a generous limit, the knowledge
    base in this process."""
    values = {"admin_ids": [ADMIN], "data_dir": data, "user_rate_limit": 30, **values}
    values.setdefault("knowledge_process", False)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def start_bot_on(
    stack: contextlib.ExitStack,
    prepared: Path,
    data: Path,
    fake_kwargs: JSON | None = None,
    **overrides: Any,
) -> RunningBot:
    """A bot serving a copy of the prepared data dir through a fake server; ``stack`` stops
    both. Settings not given are the defaults of these tests: one admin, a generous limit."""
    fake = stack.enter_context(running_fake(**(fake_kwargs or {})))
    fake.add_chat(ADMIN)  # admins have talked to the bot, so their command scope exists
    shutil.copytree(prepared, data)
    settings = _settings(
        data,
        telegram_token=fake.token,
        telegram_base_url=fake.base_url,
        telegram_base_file_url=fake.base_file_url,
        **overrides,
    )
    # In this process unless a test asks for `serve`'s child process: the same answers
    # (tests/bot/test_knowledge_process.py), a few seconds less per test.
    kb = open_knowledge_base(settings)
    stack.callback(kb.close)
    app = build_application(settings, kb)
    loop, errors = stack.enter_context(serving(app))
    return RunningBot(fake, app, kb, settings, loop, errors)


@pytest.fixture
def make_bot(prepared_data_dir: Path, tmp_path: Path) -> Iterator[Callable[..., RunningBot]]:
    """A factory: make_bot(**settings) starts a bot; everything is stopped after the test."""
    stack = contextlib.ExitStack()
    count = 0
    bots: list[RunningBot] = []

    def make(*, fake_kwargs: JSON | None = None, **overrides: Any) -> RunningBot:
        nonlocal count
        count += 1
        running = start_bot_on(
            stack, prepared_data_dir, tmp_path / f"data{count}", fake_kwargs, **overrides
        )
        bots.append(running)
        return running

    with stack:
        yield make
    for running in bots:
        assert not running.errors, f"the bot's thread failed: {running.errors}"
        assert not running.fake.internal_errors, running.fake.internal_errors


@pytest.fixture
def bot(make_bot: Callable[..., RunningBot]) -> RunningBot:
    """The default bot: one admin, generous rate limit, no chat restriction."""
    return make_bot()


@pytest.fixture(scope="module")
def shared_knowledge(
    prepared_data_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Settings, Knowledge]]:
    """Settings and one open knowledge base (a copy of the prepared one) for a module's quick
    tests."""
    data = tmp_path_factory.mktemp("quick") / "data"
    shutil.copytree(prepared_data_dir, data)
    # Base URLs nothing listens on: should the request seam be missing, calls fail here
    # instead of leaving the machine.
    settings = _settings(
        data,
        telegram_token=DEFAULT_TOKEN,
        telegram_base_url="http://127.0.0.1:9/bot",
        telegram_base_file_url="http://127.0.0.1:9/file/bot",
    )
    kb = open_knowledge_base(settings)
    yield settings, kb
    kb.close()


@pytest.fixture
def quick_bot(shared_knowledge: tuple[Settings, Knowledge]) -> Iterator[RunningBot]:
    """A bot on the module's shared knowledge base whose Bot API calls reach a fresh fake in
    process (the module docstring says when to use it)."""
    settings, kb = shared_knowledge
    fake = FakeTelegram(settings.require_token().get_secret_value())
    fake.add_chat(ADMIN)  # admins have talked to the bot, so their command scope exists
    app = build_application(settings, kb, request=InProcessRequest(fake))
    try:
        with serving(app) as (loop, errors):
            yield RunningBot(fake, app, kb, settings, loop, errors)
    finally:
        fake.stop()
    assert not errors, f"the bot's thread failed: {errors}"
    assert not fake.internal_errors, fake.internal_errors


@pytest.fixture(autouse=True)
def token_never_logged(
    caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> Iterator[None]:
    """Every test also checks that the token reached no log line, traceback or stderr."""
    caplog.set_level(logging.DEBUG)
    yield
    secret = DEFAULT_TOKEN.split(":", 1)[1]
    out, err = capfd.readouterr()
    records = caplog.get_records("setup") + caplog.get_records("call") + caplog.records
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    logged = "\n".join(formatter.format(r) for r in records)
    assert secret not in logged, "the bot token appeared in the log"
    assert secret not in err and secret not in out, "the bot token appeared on stdout/stderr"
