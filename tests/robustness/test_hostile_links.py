"""An admin's "/add URL" through Telegram: every non-public target is refused and nothing stored.

tests/knowledge/test_fetch.py pins knowledge.fetch itself; here the whole path runs: the fake
Telegram server delivers "/add URL", the real bot fetches in its worker thread, and the admin
must get a refusal in words while the store stays as it was.

Only 127.0.0.1 is ever reached. Two fakes sit at the network edge for the whole module:
socket.getaddrinfo answers from a table (names that resolve to metadata, private, loopback and
IPv6-embedded addresses) and socket.socket.connect refuses every address but 127.0.0.1 and
records the attempt, which fails the module. The local page server is the one allowed host
("127.0.0.1:PORT"); it redirects to wherever a test asks, and serves oversized and slow pages.
"""

from __future__ import annotations

import contextlib
import errno
import ipaddress
import socket
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import pytest

from tests.bot.conftest import ADMIN, RunningBot
from tests.robustness.conftest import FIGURES, store_snapshot

REFUSED = "I will not fetch that address: it is not a public web page."
FAILED = "I could not fetch that page"
PAGE = b"<html><body><article><p>The Tollgate Pier at Ma Wan opened in 1911.</p></article></body>"
DNS = {
    "metadata.google.internal": ["169.254.169.254"],
    "intranet.example": ["10.0.0.5"],
    "rebind.example": ["93.184.216.34", "127.0.0.1"],  # one bad answer is enough
    "router.example": ["192.168.0.1"],
    "v6-loopback.example": ["::1"],
    "v6-mapped.example": ["::ffff:10.0.0.1"],
    "v6-nat64.example": ["64:ff9b::a9fe:a9fe"],
    "v6-ula.example": ["fd00:ec2::254"],
    "cgnat.example": ["100.100.100.200"],
}
TARGETS = [
    "http://10.0.0.1/",
    "http://172.16.0.1/",
    "http://192.168.1.1/admin",
    "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
    "http://100.100.100.200/latest/meta-data/",
    "http://2852039166/",  # 169.254.169.254 as one decimal number
    "http://0xa9.0xfe.0xa9.0xfe/",
    "http://0251.0376.0251.0376/",
    "http://127.0.0.2:{port}/page",
    "http://localhost:{port}/page",
    "http://[::1]:{port}/page",
    "http://0.0.0.0:{port}/page",
    "http://224.0.0.251/",
    "http://[ff02::1]/",
    "http://[fe80::1%25eth0]/",
    "http://[::ffff:169.254.169.254]/",
    "http://[::ffff:a9fe:a9fe]/",
    "http://[64:ff9b::a9fe:a9fe]/",
    "http://[fd00:ec2::254]/latest/meta-data/",
    "http://[2002:a9fe:a9fe::]/",
    *(f"http://{name}/" for name in DNS),
]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self.server.seen.append(self.path)  # type: ignore[attr-defined]
        parts = urlsplit(self.path)
        try:
            if parts.path == "/to":
                self._send(302, b"", Location=parse_qs(parts.query)["target"][0])
            elif parts.path == "/page":
                self._send(200, PAGE, Content_Type="text/html; charset=utf-8")
            elif parts.path == "/big":
                self._send(200, b"<p>" + b"x" * 100_000 + b"</p>", Content_Type="text/html")
            elif parts.path == "/endless":
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Connection", "close")
                self.end_headers()
                self.close_connection = True
                for _ in range(200):  # 12 MB at most; the bot hangs up after 20 KB
                    self.wfile.write(b"<p>" + b"y" * 65536)
            elif parts.path == "/slow-headers":
                time.sleep(3)
                self._send(200, PAGE, Content_Type="text/html")
            elif parts.path == "/drip":
                self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n")
                self.wfile.write(b"Content-Length: 400\r\n\r\n<p>")
                for _ in range(40):  # 4 s of one byte per 0.1 s, unless cut off
                    time.sleep(0.1)
                    self.wfile.write(b"z")
                self.close_connection = True
            else:
                self._send(404, b"no")
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _send(self, status: int, body: bytes, **headers: str) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def server() -> Iterator[ThreadingHTTPServer]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    httpd.seen = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()
    thread.join()


@pytest.fixture(scope="module")
def network() -> Iterator[list[Any]]:
    """The module's network edge: a DNS table and a connect() that only reaches 127.0.0.1."""
    blocked: list[Any] = []
    real_connect = socket.socket.connect
    real_getaddrinfo = socket.getaddrinfo

    def connect(self: socket.socket, address: Any) -> None:
        if not isinstance(address, tuple) or address[0] != "127.0.0.1":
            blocked.append(address)
            raise OSError(errno.ENETUNREACH, "the robustness guard allows 127.0.0.1 only")
        real_connect(self, address)

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> list[Any]:
        name = host.decode() if isinstance(host, bytes) else str(host)
        with contextlib.suppress(ValueError):
            ipaddress.ip_address(name.split("%")[0])
            return real_getaddrinfo(host, port, *args, **kwargs)  # a literal: no lookup
        if name.rstrip(".").lower() not in DNS:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [
            (
                socket.AF_INET6 if ":" in a else socket.AF_INET,
                socket.SOCK_STREAM,
                6,
                "",
                (a, port, 0, 0) if ":" in a else (a, port),
            )
            for a in DNS[name.rstrip(".").lower()]
        ]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(socket.socket, "connect", connect)
        patch.setattr(socket, "getaddrinfo", getaddrinfo)
        yield blocked
    assert blocked == [], f"the bot tried to connect beyond 127.0.0.1: {blocked}"


@pytest.fixture(scope="module")
def bot(
    module_bots: Callable[..., RunningBot], server: ThreadingHTTPServer, network: list[Any]
) -> RunningBot:
    port = server.server_address[1]
    return module_bots(
        fetch_allowed_hosts=[f"127.0.0.1:{port}"], max_upload_mb=0.02, fetch_timeout=1.0
    )


def _add(bot: RunningBot, url: str, server: ThreadingHTTPServer) -> tuple[str, list[str], float]:
    """The admin's /add; returns the reply, the paths the page server saw, and the seconds."""
    before = (bot.kb.list(), store_snapshot(bot.kb))
    seen = len(server.seen)  # type: ignore[attr-defined]
    started = time.monotonic()
    [reply] = bot.ask(f"/add {url}", user_id=ADMIN)
    elapsed = time.monotonic() - started
    assert (bot.kb.list(), store_snapshot(bot.kb)) == before, "something was stored"
    FIGURES.count("hostile links refused")
    return reply["plain_text"], server.seen[seen:], elapsed  # type: ignore[attr-defined]


@pytest.mark.parametrize("target", TARGETS)
def test_non_public_address_is_refused(
    bot: RunningBot, server: ThreadingHTTPServer, target: str
) -> None:
    url = target.format(port=server.server_address[1])
    text, seen, _ = _add(bot, url, server)
    assert text == REFUSED
    assert seen == [], "a refused address was fetched"


@pytest.mark.parametrize(
    "target",
    TARGETS,
)
def test_redirect_to_non_public_address_is_refused(
    bot: RunningBot, server: ThreadingHTTPServer, target: str
) -> None:
    port = server.server_address[1]
    url = f"http://127.0.0.1:{port}/to?target={quote(target.format(port=port), safe='')}"
    text, seen, _ = _add(bot, url, server)
    assert text == REFUSED
    assert len(seen) == 1 and seen[0].startswith("/to?"), "the redirect target was fetched"


@pytest.mark.parametrize("path", ["/big", "/endless", "/slow-headers", "/drip"])
def test_oversized_or_slow_page_is_refused_cleanly(
    bot: RunningBot, server: ThreadingHTTPServer, path: str
) -> None:
    text, _, elapsed = _add(bot, f"http://127.0.0.1:{server.server_address[1]}{path}", server)
    assert text.startswith(FAILED) and "127.0.0.1" in text
    assert elapsed < 5, f"the refusal took {elapsed:.1f} s with a 1 s fetch timeout"


def test_allowed_page_is_added(bot: RunningBot, server: ThreadingHTTPServer) -> None:
    """The control: the same path with a fetchable page works, so the refusals mean something."""
    [reply] = bot.ask(f"/add http://127.0.0.1:{server.server_address[1]}/page", user_id=ADMIN)
    assert reply["plain_text"].startswith("Added")
    [answer] = bot.ask("when did the Tollgate Pier open?")
    assert "1911" in answer["plain_text"]
