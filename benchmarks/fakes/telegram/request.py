"""PTB's request seam, in process: a ``telegram.request.BaseRequest`` that hands the bot's
calls straight to a ``FakeTelegram``'s call layer, with no socket and no HTTP.

The bot still encodes its parameters as PTB does and PTB still decodes the answers and turns
Telegram's errors into ``BadRequest``, ``RetryAfter``, ... (``BaseRequest.post``); only the
transport is gone. Handler tests use it to run fast; serving, webhook and flood tests keep
real HTTP (``FakeTelegram.start``), the path a deployed bot takes.

    app = (
        ApplicationBuilder().token(fake.token)
        .request(InProcessRequest(fake)).get_updates_request(InProcessRequest(fake))
        .build()
    )

The bot's base URLs are left as they are (the path still carries token and method).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from telegram.request import BaseRequest, RequestData

from benchmarks.fakes.telegram.fake import FakeTelegram
from benchmarks.fakes.telegram.http import normalize_params

JSON = dict[str, Any]


class InProcessRequest(BaseRequest):
    """Answers PTB's requests from ``fake`` in this process.

    getUpdates may wait (a long poll), so it runs on a thread of this request's own (two: a
    new poll must be able to end one PTB gave up on, as on Telegram); every other method only
    takes the fake's lock briefly and runs on the event loop itself.
    """

    def __init__(self, fake: FakeTelegram) -> None:
        self._fake = fake
        self._pool: concurrent.futures.ThreadPoolExecutor | None = None

    @property
    def read_timeout(self) -> float | None:
        return None

    async def initialize(self) -> None:
        if self._pool is None:
            self._pool = concurrent.futures.ThreadPoolExecutor(2, "fake-telegram-poll")

    async def shutdown(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """The status and body the fake answers ``url`` with."""
        split = urlsplit(url)
        path = split.path + (f"?{split.query}" if split.query else "")
        if request_data is not None and request_data.contains_files:
            raise ValueError("the in-process fake takes no file uploads; use the HTTP fake")
        raw: JSON = dict(request_data.json_parameters) if request_data is not None else {}

        def params(query: str) -> JSON:
            return normalize_params(dict(parse_qsl(query, keep_blank_values=True)) | raw)

        gone = threading.Event()
        if not split.path.lower().endswith("/getupdates"):
            reply = self._fake.answer(path, params, gone.is_set)
            return reply.status, reply.body
        if self._pool is None:
            raise RuntimeError("InProcessRequest used before initialize()")
        waiting = asyncio.get_running_loop().run_in_executor(
            self._pool, self._fake.answer, path, params, gone.is_set
        )
        try:
            reply = await asyncio.shield(waiting)
        except asyncio.CancelledError:
            gone.set()  # PTB stopped polling: the fake marks this poll abandoned
            raise
        return reply.status, reply.body
