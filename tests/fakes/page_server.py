"""A one-page web server on 127.0.0.1 for `/add URL` tests: the fetcher's real peer.

``serving_raw`` is its misbehaving sibling: it writes whatever bytes it is given straight to the
socket, pausing where told, then hangs up, for responses no HTTP library would send (a body
cut short, a stall until the client's deadline).
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@contextlib.contextmanager
def serving_page(page: bytes) -> Iterator[tuple[int, list[str]]]:
    """Serve ``page`` as HTML at every path; yields the port and the paths requested so far."""
    requests: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            requests.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the tests read ``requests`` instead."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield int(server.server_address[1]), requests
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@contextlib.contextmanager
def serving_raw(steps: Sequence[bytes | float]) -> Iterator[tuple[int, list[str]]]:
    """Answer every request with ``steps``: bytes are sent as they are, a number pauses that many
    seconds; then the connection is closed. Yields the port and the paths requested so far."""
    requests: list[str] = []
    stop = threading.Event()
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.05)

    def answer(conn: socket.socket) -> None:
        with conn, contextlib.suppress(OSError):  # the client may hang up at any step
            head = b""
            while b"\r\n\r\n" not in head and len(head) < 65536:
                if not (data := conn.recv(4096)):
                    return
                head += data
            requests.append(head.split(b" ", 2)[1].decode("latin-1"))
            for step in steps:
                if isinstance(step, bytes):
                    conn.sendall(step)
                elif stop.wait(step):
                    return

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            conn.settimeout(None)
            threading.Thread(target=answer, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=accept)
    thread.start()
    try:
        yield int(listener.getsockname()[1]), requests
    finally:
        stop.set()
        thread.join()
        listener.close()
