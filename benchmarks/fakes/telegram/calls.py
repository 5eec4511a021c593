"""Answering a Bot API call: route the URL (token, method, file download), record the call,
play any fault a test asked for (an error, a 429 storm), run the method, and answer in
Telegram's JSON (``{"ok": true, "result": ...}`` or ``{"ok": false, "error_code": ...}``).

Both ways into the fake come through here: HTTP (http.py) and the in-process request
(request.py), so the bot sees the same answers, faults included, either way.
"""

from __future__ import annotations

import json
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple
from urllib.parse import unquote, urlsplit

from benchmarks.fakes.telegram import methods
from benchmarks.fakes.telegram.methods.updates import GETUPDATES_CONFLICT
from benchmarks.fakes.telegram.state import TOKEN_SHAPE, State

JSON = dict[str, Any]
# Called under the fake's lock after each successful call: (method, params, result).
Watcher = Callable[[str, JSON, Any], None]

_DEFAULT_DESCRIPTIONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: GETUPDATES_CONFLICT,
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}


class Reply(NamedTuple):
    status: int
    content_type: str
    body: bytes


def json_reply(status: int, payload: Any) -> Reply:
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    return Reply(status, "application/json", body)


def error_reply(code: int, description: str, parameters: JSON | None = None) -> Reply:
    payload: JSON = {"ok": False, "error_code": code, "description": description}
    if parameters:
        payload["parameters"] = parameters
    return json_reply(code, payload)


@dataclass
class _FaultRule:
    method: str  # lower-case method name or "*"
    reply: Reply
    remaining: int


class Calls:
    """Answers the bot's calls against ``state``, with the faults a test has asked for."""

    def __init__(self, state: State) -> None:
        self._state = state
        self._faults: list[_FaultRule] = []
        self._floods: dict[str, tuple[float, int]] = {}
        self._watchers: list[Watcher] = []

    def fail_next(
        self,
        method: str,
        error_code: int,
        description: str | None,
        *,
        retry_after: int | None,
        times: int,
        body: bytes | None,
    ) -> None:
        """See ``FakeTelegram.fail_next``."""
        parameters = None
        if error_code == 429:
            retry_after = 1 if retry_after is None else retry_after
        if retry_after is not None:
            parameters = {"retry_after": retry_after}
        if description is None:
            if error_code == 429:
                description = f"Too Many Requests: retry after {retry_after}"
            else:
                description = _DEFAULT_DESCRIPTIONS.get(error_code, f"Error {error_code}")
        if body is not None:
            reply = Reply(error_code, "text/html", body)
        else:
            reply = error_reply(error_code, description, parameters)
        with self._state.cond:
            self._faults.append(_FaultRule(method.lower(), reply, times))

    def flood(self, method: str, seconds: float, retry_after: int) -> None:
        """See ``FakeTelegram.flood``."""
        with self._state.cond:
            self._floods[method.lower()] = (time.monotonic() + seconds, retry_after)

    def watch(self, watcher: Watcher) -> None:
        """See ``FakeTelegram.watch``."""
        with self._state.cond:
            self._watchers.append(watcher)

    def route(
        self,
        raw_path: str,
        read_params: Callable[[str], JSON],
        client_gone: Callable[[], bool] | None = None,
    ) -> Reply:
        """Answer a request for ``raw_path``: ``/bot<token>/<method>`` or a file download at
        ``/file/bot<token>/<path>``. ``read_params(query)`` gives the call's parameters (raising
        ValueError when they cannot be read); ``client_gone()`` says whether the caller hung up
        before the answer."""
        split = urlsplit(raw_path)
        path = unquote(split.path)
        state = self._state
        if path.startswith("/file/bot"):
            token, _, file_path = path[len("/file/bot") :].partition("/")
            if token != state.token:
                return _auth_failure(token)
            with state.cond:
                data = state.file_data.get(file_path)
            if data is None:
                return error_reply(404, "Not Found")
            return Reply(200, "application/octet-stream", data)
        if not path.startswith("/bot"):
            return error_reply(404, "Not Found")
        token, _, method = path[len("/bot") :].partition("/")
        if token != state.token:
            return _auth_failure(token)
        if not method or "/" in method:
            return error_reply(404, "Not Found")
        try:
            params = read_params(split.query)
        except (ValueError, UnicodeDecodeError) as exc:
            return error_reply(400, f"Bad Request: can't parse request: {exc}")
        return self.answer(method, params, client_gone)

    def answer(
        self, method: str, params: JSON, client_gone: Callable[[], bool] | None = None
    ) -> Reply:
        """Record the call, then answer it with a planned fault or the method's result."""
        state = self._state
        found = methods.find(method)
        name = found[0] if found else method
        with state.cond:
            record: JSON = {
                "seq": state.tick(),
                "method": name,
                "params": params,
                "time": time.time(),
                "status": None,
                "description": None,
                "abandoned": False,
            }
            state.calls.append(record)
            reply = self._take_fault(name)
        if reply is None:
            reply = self._run(found, params)
        abandoned = client_gone() if client_gone is not None else False
        with state.cond:
            record["status"] = reply.status
            record["abandoned"] = abandoned
            if reply.status != 200:
                try:
                    record["description"] = json.loads(reply.body).get("description")
                except ValueError:
                    record["description"] = reply.body[:200].decode("utf-8", "replace")
            state.cond.notify_all()
        return reply

    def _run(self, found: tuple[str, methods.Method] | None, params: JSON) -> Reply:
        if found is None:
            return error_reply(404, "Not Found")
        name, method = found
        state = self._state
        try:
            with state.cond:
                result = method(state, params)
                for watcher in self._watchers:
                    watcher(name, params, result)
        except methods.ApiError as exc:
            return error_reply(exc.error_code, exc.description)
        except Exception as exc:  # a bug in the fake, not in the bot: make it loud
            with state.cond:
                state.internal_errors.append(traceback.format_exc())
            return error_reply(500, f"Internal Server Error: fake server bug: {exc!r}")
        return json_reply(200, {"ok": True, "result": result})

    def _take_fault(self, name: str) -> Reply | None:
        lowered = name.lower()
        now = time.monotonic()
        for key in (lowered, "*"):
            if key in self._floods:
                until, retry_after = self._floods[key]
                if now < until:
                    return error_reply(
                        429,
                        f"Too Many Requests: retry after {retry_after}",
                        {"retry_after": retry_after},
                    )
                del self._floods[key]
        for rule in self._faults:
            if rule.remaining > 0 and rule.method in (lowered, "*"):
                rule.remaining -= 1
                return rule.reply
        return None


def _auth_failure(token: str) -> Reply:
    # Telegram: well-formed but wrong token -> 401; malformed -> 404.
    if TOKEN_SHAPE.match(token):
        return error_reply(401, "Unauthorized")
    return error_reply(404, "Not Found")
