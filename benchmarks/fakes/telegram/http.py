"""The fake's HTTP side: a threaded server on 127.0.0.1 speaking HTTP/1.1 keep-alive like
api.telegram.org, and the request parsing Telegram does (query string, form, JSON, multipart;
PTB JSON-encodes every non-string value), handing each request to ``Calls.route``."""

from __future__ import annotations

import contextlib
import json
import re
import select
import socket
import threading
from email.message import Message as _MimeHeaders
from email.utils import collapse_rfc2231_value
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

from benchmarks.fakes.telegram.calls import Calls
from benchmarks.fakes.telegram.state import State

JSON = dict[str, Any]


def _parse_multipart(body: bytes, content_type: str) -> JSON:
    """Minimal multipart/form-data parser (the stdlib's cgi module is deprecated)."""
    headers = _MimeHeaders()
    headers["content-type"] = content_type
    boundary = headers.get_param("boundary")
    if not isinstance(boundary, str) or not boundary:
        raise ValueError("multipart body without boundary")
    fields: JSON = {}
    for chunk in body.split(b"--" + boundary.encode("latin-1"))[1:]:
        if chunk.startswith(b"--"):
            break
        head, separator, content = (
            chunk.removeprefix(b"\r\n").removesuffix(b"\r\n").partition(b"\r\n\r\n")
        )
        if not separator:
            continue
        part = _MimeHeaders()
        for line in head.decode("utf-8", "replace").split("\r\n"):
            key, _, value = line.partition(":")
            part[key.strip()] = value.strip()
        name = part.get_param("name", header="content-disposition")
        filename = part.get_param("filename", header="content-disposition")
        if name is None:
            continue
        name = collapse_rfc2231_value(name)
        if filename is None:
            fields[name] = content.decode("utf-8")
        else:
            fields[name] = {
                "file_name": collapse_rfc2231_value(filename),
                "mime_type": part.get_content_type(),
                "content": content,
            }
    return fields


def parse_request_params(query: str, content_type: str, body: bytes) -> JSON:
    """Collect parameters from the query string and any of the body encodings Telegram takes."""
    params: JSON = dict(_parse_qsl(query))
    media_type = content_type.split(";", 1)[0].strip().lower()
    if not body:
        return params
    if media_type == "application/json":
        loaded = json.loads(body.decode("utf-8"))
        if not isinstance(loaded, dict):
            raise ValueError("JSON body must be an object")
        params.update(loaded)
    elif media_type == "multipart/form-data":
        params.update(_parse_multipart(body, content_type))
    else:  # application/x-www-form-urlencoded, or no content type at all
        params.update(_parse_qsl(body.decode("utf-8")))
    return params


def _parse_qsl(text: str) -> list[tuple[str, str]]:
    return parse_qsl(text, keep_blank_values=True)


# PTB JSON-encodes every non-string value; decode the ones whose Bot API type is not a string.
_JSON_PARAMS = frozenset(
    {
        "reply_markup",
        "entities",
        "caption_entities",
        "commands",
        "results",
        "scope",
        "reply_parameters",
        "link_preview_options",
        "allowed_updates",
        "button",
        "media",
        "permissions",
        "message_ids",
        "options",
        "reaction",
    }
)
_INT_PARAMS = frozenset(
    {
        "chat_id",
        "from_chat_id",
        "message_id",
        "message_thread_id",
        "reply_to_message_id",
        "offset",
        "limit",
        "user_id",
        "cache_time",
        "max_connections",
    }
)
_BOOL_PARAMS = frozenset(
    {
        "disable_notification",
        "protect_content",
        "allow_paid_broadcast",
        "show_alert",
        "is_personal",
        "drop_pending_updates",
        "disable_web_page_preview",
        "allow_sending_without_reply",
        "for_channels",
    }
)


def normalize_params(raw: JSON) -> JSON:
    """Give form-encoded values their Bot API types, so JSON and form requests look the same."""
    params: JSON = {}
    for key, value in raw.items():
        if isinstance(value, str):
            if key in _JSON_PARAMS:
                with contextlib.suppress(ValueError):
                    value = json.loads(value)
            elif key in _INT_PARAMS and re.fullmatch(r"-?\d+", value):
                value = int(value)
            elif key == "timeout":
                with contextlib.suppress(ValueError):
                    value = float(value) if "." in value else int(value)
            elif key in _BOOL_PARAMS and value.lower() in ("true", "false"):
                value = value.lower() == "true"
        params[key] = value
    return params


def read_params(query: str, content_type: str, body: bytes) -> JSON:
    """A request's parameters with their Bot API types, however they were encoded."""
    return normalize_params(parse_request_params(query, content_type, body))


class HttpServer:
    """Serves ``calls`` on 127.0.0.1 from a daemon thread until ``stop``."""

    def __init__(self, state: State, calls: Calls, port: int) -> None:
        self._state = state
        self._server = _Server(("127.0.0.1", port), _RequestHandler)
        self._server.owner = self
        self.calls = calls
        self._connections: set[socket.socket] = set()
        self._inflight = 0
        self.connections_opened = 0
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="fake-telegram",
            daemon=True,
        )
        self._thread.start()

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def stopping(self) -> bool:
        return self._state.stopping

    def stop(self) -> None:
        """Let released long polls deliver their (empty) answer, then close every connection
        and the socket. The state must be stopped first, or long polls hold this up."""
        self._server.shutdown()
        with self._state.cond:
            self._state.cond.wait_for(lambda: self._inflight == 0, timeout=2.0)
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        self._server.server_close()
        self._thread.join(timeout=5.0)

    def connection_opened(self, connection: socket.socket) -> None:
        with self._state.cond:
            self._connections.add(connection)
            self.connections_opened += 1

    def connection_closed(self, connection: socket.socket) -> None:
        with self._state.cond:
            self._connections.discard(connection)

    def request_started(self) -> None:
        with self._state.cond:
            self._inflight += 1

    def request_finished(self) -> None:
        with self._state.cond:
            self._inflight -= 1
            self._state.cond.notify_all()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    owner: HttpServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Stay quiet about connections we cut on purpose while stopping."""
        if not self.owner.stopping:
            super().handle_error(request, client_address)


class _RequestHandler(BaseHTTPRequestHandler):
    # HTTP/1.1 keep-alive, like api.telegram.org; httpx pools connections.
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Per-request logging is noise; ``FakeTelegram.calls`` is the useful record."""

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.owner.connection_opened(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.owner.connection_closed(self.connection)

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = bytearray()
            while True:
                size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return bytes(chunks)
                chunks += self.rfile.read(size)
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _client_gone(self) -> bool:
        """True if the client hung up, e.g. PTB cancelled its long poll when stopping."""
        try:
            readable, _, _ = select.select([self.connection], [], [], 0)
            return bool(readable) and self.connection.recv(1, socket.MSG_PEEK) == b""
        except (OSError, ValueError):
            return True

    def _serve(self) -> None:
        owner = self.server.owner
        owner.request_started()
        try:
            body = self._read_body()
            content_type = self.headers.get("Content-Type", "")
            reply = owner.calls.route(
                self.path,
                lambda query: read_params(query, content_type, body),
                self._client_gone,
            )
            try:
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                self.send_header("Content-Length", str(len(reply.body)))
                # Headers and body in one write: two small writes hit Nagle + delayed ACK and
                # cost ~40 ms per request, which adds up over a test suite.
                self._headers_buffer.append(b"\r\n" + reply.body)  # type: ignore[attr-defined]
                self.flush_headers()
            except OSError:
                self.close_connection = True
        finally:
            owner.request_finished()
