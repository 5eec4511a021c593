"""``FakeTelegram``: the fake Bot API put together (state, method layer, HTTP server) with the
test-side API to play users (users.py) and observe the bot (observe.py)."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from typing import Any

from benchmarks.fakes.telegram.calls import Calls, Reply, Watcher
from benchmarks.fakes.telegram.http import HttpServer
from benchmarks.fakes.telegram.methods.updates import push_webhooks
from benchmarks.fakes.telegram.observe import ObservesBot
from benchmarks.fakes.telegram.state import DEFAULT_BOT_USERNAME, DEFAULT_TOKEN, State
from benchmarks.fakes.telegram.users import PlaysUsers

JSON = dict[str, Any]


class FakeTelegram(PlaysUsers, ObservesBot):
    """In-process Telegram Bot API plus a test-side API to play users and observe the bot.

    Users and chats spring into existence on first use (``user_says`` etc.), like real users
    who start talking to the bot; the bot can only send to chats the fake has seen, so a bot
    that messages a wrong chat id gets Telegram's "chat not found" instead of silent success.

    The bot reaches it over HTTP once ``start()`` has bound a port (``base_url``), or in
    process through ``InProcessRequest`` (request.py), which needs no ``start()``.
    """

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        bot_username: str = DEFAULT_BOT_USERNAME,
        *,
        can_read_all_group_messages: bool = False,
    ) -> None:
        self.state = State(token, bot_username, read_all_groups=can_read_all_group_messages)
        self._calls = Calls(self.state)
        self._http: HttpServer | None = None

    @property
    def token(self) -> str:
        return self.state.token

    @property
    def bot_username(self) -> str:
        return self.state.bot_username

    # ---------------------------------------------------------------- lifecycle

    def start(self, port: int = 0) -> FakeTelegram:
        """Bind 127.0.0.1 on ``port`` (0: a free one) and serve in a daemon thread; a given
        port lets a bot be started first, pointed at a Bot API that is not up yet."""
        if self._http is not None or self.state.stopping:
            raise RuntimeError("FakeTelegram can only be started once")
        self._http = HttpServer(self.state, self._calls, port)
        return self

    def stop(self) -> None:
        """Release pending long polls promptly, then close every connection and the socket."""
        self.state.stop()
        if self._http is not None:
            self._http.stop()

    def __enter__(self) -> FakeTelegram:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._http is None:
            raise RuntimeError("FakeTelegram is not running; call start() first")
        return self._http.port

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    @property
    def ptb_kwargs(self) -> JSON:
        """Keyword arguments for ``telegram.Bot(**fake.ptb_kwargs)``."""
        return {"token": self.token, "base_url": self.base_url, "base_file_url": self.base_file_url}

    @property
    def connections_opened(self) -> int:
        """HTTP connections the bot has opened so far (each one a server thread)."""
        with self.state.cond:
            return self._http.connections_opened if self._http is not None else 0

    def answer(
        self, path: str, params: Callable[[str], JSON], client_gone: Callable[[], bool]
    ) -> Reply:
        """Answer a request for ``path`` (``/bot<token>/<method>?...`` or a file download)
        as the HTTP server would; ``params(query)`` gives its parameters. The way in for a
        request that does not go through HTTP (request.py)."""
        return self._calls.route(path, params, client_gone)

    # ---------------------------------------------------------------- chats and members

    def add_user(self, user_id: int, *, language_code: str | None = "en") -> JSON:
        """Create or update a user (e.g. their language) before they say anything."""
        return self.state.add_user(user_id, language_code=language_code)

    def add_chat(self, chat_id: int, chat_type: str = "private", *, is_forum: bool = False) -> JSON:
        """Create a chat so the bot may send to it without a user speaking first."""
        return self.state.add_chat(chat_id, chat_type, is_forum=is_forum or None)

    def set_chat_member(
        self, chat_id: int, user_id: int, status: str, *, is_member: bool = True
    ) -> None:
        """Status getChatMember reports ("creator", "administrator", "member", "restricted",
        "left", "kicked"); ``is_member`` says whether a "restricted" user is still in the chat.

        Without it a user is a member of the groups they have written in and of their own
        private chat, and has "left" every other chat, as Telegram reports a stranger.
        """
        self.state.set_member(chat_id, user_id, status, is_member=is_member)

    # ---------------------------------------------------------------- faults and hooks

    def fail_next(
        self,
        method: str,
        error_code: int = 429,
        description: str | None = None,
        *,
        retry_after: int | None = None,
        times: int = 1,
        body: bytes | None = None,
    ) -> None:
        """Answer the next ``times`` calls of ``method`` ("*" = any method) with an error.

        429 gets Telegram's "Too Many Requests: retry after N" and parameters.retry_after
        (default 1).  ``body`` replaces the JSON answer with raw bytes, e.g. the HTML page a
        failing proxy returns for 502, which PTB must survive too.
        """
        self._calls.fail_next(
            method, error_code, description, retry_after=retry_after, times=times, body=body
        )

    def flood(self, method: str, seconds: float = 2.0, retry_after: int = 1) -> None:
        """Answer every call of ``method`` ("*" = any) with 429 for ``seconds`` (a 429 storm)."""
        self._calls.flood(method, seconds, retry_after)

    def watch(self, watcher: Watcher) -> None:
        """Call ``watcher(method, params, result)`` after every successful call, under the
        fake's lock (cheap: for measurements that must not copy the whole call log)."""
        self._calls.watch(watcher)

    def deliver_webhooks(self, proxy: str, connections: int = 1) -> None:
        """From now on push updates to the webhook the bot set, as Telegram does: one POST per
        update, oldest first, with the secret token header, retried until the answer is 2xx;
        up to ``connections`` at once (Telegram's max_connections).

        ``proxy`` ("http://127.0.0.1:PORT") plays the reverse proxy in front of the bot: the
        webhook's public https URL keeps its path and is sent there over plain HTTP.
        """
        threading.Thread(
            target=push_webhooks,
            args=(self.state, proxy, connections),
            name="fake-telegram-webhook",
            daemon=True,
        ).start()


@contextlib.contextmanager
def running_fake(**kwargs: Any) -> Iterator[FakeTelegram]:
    """A started FakeTelegram that is always stopped, even when the test fails."""
    fake = FakeTelegram(**kwargs)
    fake.start()
    try:
        yield fake
    finally:
        fake.stop()
