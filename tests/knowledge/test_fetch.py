"""knowledge.fetch against a real HTTP server on 127.0.0.1, and never any other address.

Two fakes sit at the network edge for every test: socket.getaddrinfo answers only from a table
(so no DNS query leaves the machine) and socket.socket.connect refuses anything but 127.0.0.1,
failing the test if fetch.py even tried.
"""

from __future__ import annotations

import contextlib
import errno
import gzip
import ipaddress
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import pytest

from knowledge.errors import FetchFailed, FetchRefused, InputError, UnsupportedFormat
from knowledge.fetch import FetchedPage, fetch_url, is_public_address, suggested_filename

PAGE = b"<html><body><p>Hello from the test server.</p></body></html>"
BOMB = gzip.compress(b"\0" * (10 * 1024 * 1024), compresslevel=9)  # ~10 KB on the wire
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self.server.seen.append((self.path, self.headers.get("Host", "")))
        parts = urlsplit(self.path)
        route = _ROUTES.get(parts.path) or (_redirect_chain if "/redirect/" in parts.path else None)
        try:
            if route is None:
                self.reply(404, b"not here", "text/plain")
            else:
                route(self, parse_qs(parts.query))
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up on us, as intended

    def reply(self, status: int, body: bytes, content_type: str | None, **headers: str) -> None:
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()
        self.wfile.write(body)

    def speak_no_http(self) -> None:
        self.wfile.write(b"SPEAKING NO HTTP\r\n\r\n")

    def drip(self, first: bytes, byte: bytes) -> None:
        """Send ``first``, then a byte every 0.1 s for 10 s; the server notes whether the
        client hung up before the end (``drip_cut``) once it has stopped (``drip_ended``)."""
        try:
            self.wfile.write(first)
            for _ in range(100):  # 10 s if nobody hangs up; the tests hang up after 1 s
                time.sleep(0.1)
                self.wfile.write(byte)
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            self.server.drip_cut = True
            raise
        finally:
            self.server.drip_ended.set()
        self.close_connection = True


def _redirect_chain(h: _Handler, query: dict[str, list[str]]) -> None:
    left = int(h.path.rsplit("/", 1)[1])
    h.reply(302, b"", None, Location="/page" if left == 0 else f"/redirect/{left - 1}")


def _endless(h: _Handler, query: dict[str, list[str]]) -> None:
    h.send_response(200)
    h.send_header("Content-Type", "text/html")
    h.send_header("Connection", "close")  # no Content-Length: the body ends when we close
    h.end_headers()
    h.close_connection = True
    try:
        for _ in range(800):  # 50 MB at most
            h.wfile.write(b"x" * 65536)
            h.server.endless_sent += 65536
    finally:
        h.server.endless_done.set()  # sent it all, or the client hung up


_ROUTES: dict[str, Callable[[_Handler, dict[str, list[str]]], None]] = {
    "/page": lambda h, q: h.reply(200, PAGE, "text/html; charset=utf-8"),
    "/files/report.pdf": lambda h, q: h.reply(200, b"%PDF-1.4 fake", "application/pdf"),
    "/untyped": lambda h, q: h.reply(200, PAGE, None),
    "/binary": lambda h, q: h.reply(200, b"\x00\x01", "application/octet-stream"),
    "/teapot": lambda h, q: h.reply(418, b"short and stout", "text/plain"),
    "/loop": lambda h, q: h.reply(302, b"", None, Location="/loop"),
    "/to": lambda h, q: h.reply(302, b"", None, Location=q["target"][0]),
    "/big": lambda h, q: h.reply(200, b"x" * 5000, "text/html"),
    "/gzip": lambda h, q: h.reply(200, gzip.compress(PAGE), "text/html", Content_Encoding="gzip"),
    "/bomb": lambda h, q: h.reply(200, BOMB, "text/html", Content_Encoding="gzip"),
    "/bad-gzip": lambda h, q: h.reply(200, b"not gzip", "text/html", Content_Encoding="gzip"),
    "/brotli": lambda h, q: h.reply(200, b"\x0b\x02\x80", "text/html", Content_Encoding="br"),
    "/garbage": lambda h, q: h.speak_no_http(),
    "/endless": _endless,
    "/slow-body": lambda h, q: h.drip(
        b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 1000\r\n\r\n", b"x"
    ),
    "/slow-headers": lambda h, q: h.drip(b"HTTP/1.1 200 OK\r\nX-Drip: ", b"x"),
}


class _Server(ThreadingHTTPServer):
    seen: list[tuple[str, str]]
    endless_sent: int
    endless_done: threading.Event
    drip_cut: bool
    drip_ended: threading.Event


@dataclass
class Site:
    """The local test server, allowed by "127.0.0.1:PORT" as an operator would configure it."""

    port: int
    server: _Server

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def allowed(self) -> list[str]:
        return [f"127.0.0.1:{self.port}"]

    @property
    def paths(self) -> list[str]:
        return [path for path, _host in self.server.seen]

    def redirect_to(self, target: str) -> str:
        return f"{self.base}/to?target={quote(target, safe='')}"


@dataclass
class Network:
    """What the fakes at the socket edge saw; ``dns`` maps made-up names to addresses."""

    dns: dict[str, list[str] | Callable[[], list[str]]] = field(default_factory=dict)
    lookups: list[str] = field(default_factory=list)
    blocked: list[Any] = field(default_factory=list)


@pytest.fixture(scope="module")
def _server() -> Iterator[_Server]:
    httpd = _Server(("127.0.0.1", 0), _Handler)
    httpd.seen, httpd.endless_sent, httpd.endless_done = [], 0, threading.Event()
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def site(_server: _Server) -> Site:
    _server.seen.clear()
    _server.drip_cut, _server.drip_ended = False, threading.Event()
    return Site(port=_server.server_address[1], server=_server)


@pytest.fixture(autouse=True)
def net(monkeypatch: pytest.MonkeyPatch) -> Iterator[Network]:
    network = Network()
    real_connect = socket.socket.connect

    def connect(self: socket.socket, address: Any) -> None:
        if address[0] != "127.0.0.1":
            network.blocked.append(address)
            raise OSError(errno.ENETUNREACH, "the test guard allows 127.0.0.1 only")
        real_connect(self, address)

    def getaddrinfo(host: str, port: int, *args: Any, **kwargs: Any) -> list[Any]:
        with contextlib.suppress(ValueError):  # a literal, e.g. from socket.create_connection
            return [_addrinfo(str(ipaddress.ip_address(host)), port)]
        network.lookups.append(host)
        answers = network.dns.get(host, [])
        answers = answers() if callable(answers) else answers
        if not answers:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [_addrinfo(address, port) for address in answers]

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    yield network
    assert network.blocked == [], "fetch.py tried to connect beyond 127.0.0.1"


def _addrinfo(address: str, port: int) -> tuple[Any, ...]:
    if ":" in address:
        return (socket.AF_INET6, socket.SOCK_STREAM, 6, "", (address, port, 0, 0))
    return (socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))


def _fails(reason: str, call: Callable[[], object]) -> FetchFailed:
    with pytest.raises(FetchFailed) as caught:
        call()
    assert caught.value.params["reason"] == reason, caught.value
    assert "\n" not in str(caught.value)
    return caught.value


# --- the address classifier -------------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.0.0.1",
        "172.16.5.4",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "224.0.0.1",
        "255.255.255.255",
        "240.0.0.1",
        "::",
        "::1",
        "fe80::1",
        "fec0::1",
        "fc00::1",
        "ff02::1",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "::7f00:1",
        "64:ff9b::a00:1",
        "64:ff9b::a9fe:a9fe",
        "2002:a00:1::",
        "2002:7f00:1::",
        "2001:0:4136:e378:8000:63bf:3fff:fdd2",
        "fd00:ec2::254",
    ],
)
def test_classifier_refuses_non_public_address(address: str) -> None:
    assert not is_public_address(address)


@pytest.mark.parametrize(
    "address", ["93.184.216.34", "8.8.8.8", "2606:2800:220:1:248:1893:25c8:1946"]
)
def test_classifier_allows_public_address(address: str) -> None:
    assert is_public_address(address)


# --- refusals that must happen before any connection ------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "",
        "http://",
        "http://example.org:99999/",
        "file:///etc/passwd",
        "ftp://example.org/file.txt",
        "javascript:alert(1)",
        "data:text/html,<p>hi</p>",
        "gopher://example.org/",
        "http://user:secret@example.org/",
        "http://localhost/",
        "http://LOCALHOST./admin",
        "http://app.localhost/",
        "http://2130706433/",
        "http://0x7f000001/",
        "http://017700000001/",
        "http://0x7f.1/",
        "http://127.1/",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://[::ffff:7f00:1]/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[fd00:ec2::254]/",
        "http://0.0.0.0/",
        "http://evil.test/",
        "http://mixed.test/",
        "evil.test/no/scheme",
    ],
)
def test_refused_url_never_connects(url: str, net: Network, site: Site) -> None:
    net.dns["evil.test"] = ["10.0.0.1"]
    net.dns["mixed.test"] = ["93.184.216.34", "127.0.0.1"]  # one bad answer is enough
    with pytest.raises(FetchRefused) as caught:
        fetch_url(url)
    assert "\n" not in str(caught.value)
    assert "secret" not in str(caught.value) and "secret" not in str(caught.value.params)
    assert set(net.lookups) <= {"evil.test", "mixed.test"}
    assert site.paths == []


def test_loopback_is_refused_unless_allowed_with_its_port(site: Site) -> None:
    with pytest.raises(FetchRefused):
        fetch_url(f"{site.base}/page")
    with pytest.raises(FetchRefused):
        fetch_url(f"{site.base}/page", allowed_hosts=["127.0.0.1:1"])
    assert site.paths == []


def test_missing_scheme_means_https(net: Network) -> None:
    net.dns["evil.test"] = ["10.0.0.1"]
    with pytest.raises(FetchRefused) as caught:
        fetch_url("evil.test/article?id=1")
    assert caught.value.params["url"] == "https://evil.test/article?id=1"


def test_unknown_name_fails_cleanly(net: Network) -> None:
    _fails("dns", lambda: fetch_url("https://nowhere.test/"))
    assert net.lookups == ["nowhere.test"]


def test_bad_limits_are_a_configuration_error() -> None:
    with pytest.raises(ValueError, match="max_bytes"):
        fetch_url("https://example.org/", max_bytes=0)


# --- fetching from the local server -----------------------------------------------------------


def test_fetches_page_from_allowed_host(site: Site) -> None:
    page = fetch_url(f"{site.base}/page", allowed_hosts=site.allowed)
    assert page == FetchedPage(f"{site.base}/page", PAGE, "text/html; charset=utf-8")
    assert suggested_filename(page) == "page.html"


def test_connects_to_the_vetted_address_not_a_second_lookup(net: Network, site: Site) -> None:
    # A rebinding name answers 127.0.0.1 first and 10.6.6.6 afterwards: a second lookup by
    # httpx would send the request to 10.6.6.6, which the connect guard would catch.
    answers = iter([["127.0.0.1"], ["10.6.6.6"]])
    net.dns["rebind.test"] = lambda: next(answers)
    url = f"http://rebind.test:{site.port}/page"
    page = fetch_url(url, allowed_hosts=[f"REBIND.test:{site.port}"])
    assert page.content == PAGE
    assert net.lookups == ["rebind.test"]
    assert site.server.seen == [("/page", f"rebind.test:{site.port}")]


def test_follows_relative_redirect_chain(site: Site) -> None:
    page = fetch_url(f"{site.base}/redirect/3", allowed_hosts=site.allowed)
    assert page.url == f"{site.base}/page"
    assert page.content == PAGE
    assert site.paths == ["/redirect/3", "/redirect/2", "/redirect/1", "/redirect/0", "/page"]


def test_gives_up_after_max_redirects(site: Site) -> None:
    _fails(
        "redirects",
        lambda: fetch_url(f"{site.base}/loop", allowed_hosts=site.allowed, max_redirects=3),
    )
    assert site.paths == ["/loop"] * 4


@pytest.mark.parametrize(
    "target",
    [
        "http://localhost:{port}/page",
        "http://[::1]:{port}/page",
        "http://2130706433:{port}/page",
        "http://169.254.169.254/latest/meta-data/",
        "http://evil.test/",
        "file:///etc/passwd",
        "http://user:pw@127.0.0.1:{port}/page",
    ],
)
def test_redirect_to_unallowed_target_is_refused(target: str, net: Network, site: Site) -> None:
    net.dns["evil.test"] = ["10.0.0.1"]
    start = site.redirect_to(target.format(port=site.port))
    with pytest.raises(FetchRefused):
        fetch_url(start, allowed_hosts=site.allowed)
    assert site.paths == [start.removeprefix(site.base)]


def test_refuses_declared_length_over_limit(site: Site) -> None:
    error = _fails(
        "too_large",
        lambda: fetch_url(f"{site.base}/big", allowed_hosts=site.allowed, max_bytes=1000),
    )
    assert str(error) == "The page is larger than the 1,000 bytes limit."


def test_stops_reading_an_endless_body_at_the_limit(site: Site) -> None:
    _fails(
        "too_large",
        lambda: fetch_url(f"{site.base}/endless", allowed_hosts=site.allowed, max_bytes=100_000),
    )
    assert site.server.endless_done.wait(30)
    assert site.server.endless_sent < 20 * 1024 * 1024  # it would have sent 50 MB


def test_gzip_body_is_decoded(site: Site) -> None:
    page = fetch_url(f"{site.base}/gzip", allowed_hosts=site.allowed)
    assert page.content == PAGE


def test_gzip_bomb_is_measured_decoded(site: Site) -> None:
    assert len(BOMB) < 100_000
    _fails(
        "too_large",
        lambda: fetch_url(f"{site.base}/bomb", allowed_hosts=site.allowed, max_bytes=1_000_000),
    )


@pytest.mark.parametrize("path", ["/bad-gzip", "/brotli"])
def test_body_we_cannot_decode_is_a_failure(path: str, site: Site) -> None:
    _fails("encoding", lambda: fetch_url(site.base + path, allowed_hosts=site.allowed))


def test_server_speaking_no_http_is_a_network_failure(site: Site) -> None:
    _fails("network", lambda: fetch_url(f"{site.base}/garbage", allowed_hosts=site.allowed))


@pytest.mark.parametrize("path", ["/slow-body", "/slow-headers"])
def test_slow_drip_is_cut_off_at_the_deadline(
    path: str, site: Site, record_property: Callable[[str, object], None]
) -> None:
    started = time.monotonic()
    error = _fails(
        "timeout", lambda: fetch_url(site.base + path, allowed_hosts=site.allowed, timeout=1.0)
    )
    # A figure, not a pass mark: how long the 1 s deadline took to cut the fetch off.
    record_property("seconds to the cut-off", round(time.monotonic() - started, 2))
    assert str(error) == "Fetching 127.0.0.1 took longer than 1 second."
    # The fetch hung up on a body still coming (10 s of it), not one the server had ended.
    assert site.server.drip_ended.wait(30), "the server is still dripping"
    assert site.server.drip_cut


def test_http_error_status_is_named(site: Site) -> None:
    error = _fails(
        "http_status", lambda: fetch_url(f"{site.base}/teapot", allowed_hosts=site.allowed)
    )
    assert "418" in str(error)
    assert error.params["status"] == 418


def test_missing_page_is_a_failure(site: Site) -> None:
    error = _fails(
        "http_status", lambda: fetch_url(f"{site.base}/nothing", allowed_hosts=site.allowed)
    )
    assert "404" in str(error)


def test_refuses_binary_content_type(site: Site) -> None:
    with pytest.raises(UnsupportedFormat, match="application/octet-stream"):
        fetch_url(f"{site.base}/binary", allowed_hosts=site.allowed)


def test_closed_port_is_a_network_failure(site: Site) -> None:
    with socket.socket() as probe:  # bind, then close: nothing listens on that port afterwards
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    error = _fails(
        "network",
        lambda: fetch_url(f"http://127.0.0.1:{port}/", allowed_hosts=[f"127.0.0.1:{port}"]),
    )
    assert isinstance(error, InputError)


# --- file names for the extractor -------------------------------------------------------------


def test_pdf_keeps_its_name(site: Site) -> None:
    page = fetch_url(f"{site.base}/files/report.pdf", allowed_hosts=site.allowed)
    assert suggested_filename(page) == "report.pdf"


def test_untyped_page_is_accepted_and_named_from_url(site: Site) -> None:
    page = fetch_url(f"{site.base}/untyped", allowed_hosts=site.allowed)
    assert page.content_type is None
    assert suggested_filename(page) == "untyped.html"


@pytest.mark.parametrize(
    ("url", "content_type", "name"),
    [
        ("https://example.org/", "text/html; charset=utf-8", "page.html"),
        ("https://example.org/news/story-1", "text/html", "story-1.html"),
        ("https://example.org/index.php", "application/xhtml+xml", "index.html"),
        ("https://example.org/notes", "text/plain", "notes.txt"),
        ("https://example.org/README", "text/markdown", "README.md"),
        ("https://example.org/get?id=3", "application/pdf", "get.pdf"),
        ("https://example.org/a/plan.docx", DOCX, "plan.docx"),
        ("https://example.org/guide.md", None, "guide.md"),
        ("https://example.org/old.HTM", None, "old.html"),
        ("https://example.org/%E6%8A%A5%E5%91%8A.pdf", None, "报告.pdf"),
        ("https://example.org/..%2F..%2Fetc%2Fpasswd", "text/plain", "passwd.txt"),
        ("https://example.org/.htaccess", None, "htaccess.html"),
    ],
)
def test_suggested_filename(url: str, content_type: str | None, name: str) -> None:
    assert suggested_filename(FetchedPage(url, b"", content_type)) == name
