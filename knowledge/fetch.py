"""Fetch one web page for ingestion without letting a URL reach inside our own network.

An admin's "/add URL" makes the bot's server open a connection, so every hop is vetted: http(s)
only, no credentials, and every address the host resolves to must be public (unless the host is
explicitly allowed). The connection then goes to exactly the address that was vetted: the request
URL is rewritten to that IP while the Host header and the TLS server name (httpcore's
``sni_hostname`` extension, which also drives certificate verification) keep the real name, so a
DNS answer that changes between the check and the connect (rebinding) is never consulted.
"""

from __future__ import annotations

import contextlib
import ipaddress
import re
import socket
import threading
import time
import zlib
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import unquote

import httpx

from knowledge.errors import FetchFailed, FetchRefused, UnsupportedFormat

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Media type -> extension the extractor recognises; the keys are also the types we accept.
_EXTENSIONS = {
    "text/html": ".html",
    "application/xhtml+xml": ".html",
    "text/plain": ".txt",
    "text/markdown": ".md",
    "text/x-markdown": ".md",
    "application/pdf": ".pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
}
_METADATA = {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}
_SHARED = ipaddress.ip_network("100.64.0.0/10")
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_HAS_SCHEME = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*:(?!\d)")  # "host:8080" is a port, not a scheme
_DECODE_STEP = 64 * 1024


@dataclass(frozen=True)
class FetchedPage:
    url: str  # the final URL after redirects
    content: bytes  # decoded (gzip/deflate removed), at most max_bytes
    content_type: str | None  # the Content-Type header as sent


def is_public_address(address: str | IPAddress) -> bool:
    """True only for addresses that reach the public internet; embedded IPv4 forms are unwrapped.

    ``is_global`` alone is not enough on Python 3.11: it calls multicast, IPv4-mapped, 6to4 and
    NAT64 addresses global, which would let ::ffff:127.0.0.1 or 64:ff9b::a00:1 through.
    """
    ip = ipaddress.ip_address(address) if isinstance(address, str) else address
    if isinstance(ip, ipaddress.IPv6Address):
        ip = ipaddress.IPv6Address(ip.packed)  # drop any %scope
        if ip.ipv4_mapped is not None:
            return is_public_address(ip.ipv4_mapped)
        if ip in _IPV4_COMPATIBLE:  # deprecated ::a.b.c.d, never legitimately routed
            return False
        embedded = [*(ip.teredo or ()), ip.sixtofour]
        if ip in _NAT64:
            embedded.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
        if ip.is_site_local or any(v4 is not None and not is_public_address(v4) for v4 in embedded):
            return False
    special = (ip.is_loopback, ip.is_private, ip.is_link_local, ip.is_multicast, ip.is_reserved)
    shared = isinstance(ip, ipaddress.IPv4Address) and ip in _SHARED
    return ip.is_global and not (any(special) or ip.is_unspecified or shared or ip in _METADATA)


def fetch_url(
    url: str,
    *,
    allowed_hosts: Collection[str] = (),
    max_bytes: int = 20 * 1024 * 1024,
    timeout: float = 10.0,
    max_redirects: int = 5,
    user_agent: str = "citebot/0.1 (+article fetcher)",
) -> FetchedPage:
    """The page at ``url`` after vetted redirects, or an InputError saying why not.

    ``allowed_hosts`` entries ("host" or "host:port", case-insensitive, as written in the URL)
    skip the address check, e.g. for an intranet wiki the operator trusts.

    Raises:
        FetchRefused: scheme, credentials or address not allowed (nothing was sent).
        FetchFailed: DNS, network, timeout, HTTP status >= 400, too large, too many redirects,
            or a body that did not arrive whole (never part of a page).
        UnsupportedFormat: a content type the extractor cannot read.
        ValueError: a limit argument is not positive (a configuration bug, not user input).
    """
    if max_bytes <= 0 or timeout <= 0 or max_redirects < 0:
        raise ValueError(f"bad fetch limits: {max_bytes=}, {timeout=}, {max_redirects=}")
    allowed = {host.strip().lower().rstrip(".") for host in allowed_hosts}
    current = _parse_url(url)
    headers = {"User-Agent": user_agent, "Accept-Encoding": "gzip, deflate"}
    with _Deadline(timeout) as deadline:
        try:
            for _ in range(max_redirects + 1):
                addresses = _vet(current, allowed, deadline)
                # A fresh client per hop: never reuse a TLS connection verified for another name.
                with httpx.Client(headers=headers, trust_env=False) as client:
                    response = _send(client, current, addresses, deadline)
                    try:
                        if not response.has_redirect_location:
                            return _read(current, response, max_bytes, deadline)
                        current = _redirect_target(current, response.headers["location"])
                    finally:
                        response.close()
        except (httpx.HTTPError, httpx.InvalidURL, OSError, ValueError) as exc:
            if isinstance(exc, httpx.TimeoutException) or deadline.fired:
                raise deadline.error(current) from None
            detail = " ".join(str(exc).split()).rstrip(".") or type(exc).__name__
            message = f"Could not fetch {current.host}: {detail}."
            raise _failed(current, "network", message) from None
    message = f"Gave up after more than {max_redirects} redirects."
    raise _failed(current, "redirects", message, max_redirects=max_redirects)


def suggested_filename(page: FetchedPage) -> str:
    """A safe file name whose extension tells the extractor which reader to use."""
    path = PurePosixPath(unquote(httpx.URL(page.url).path))
    suffix = _EXTENSIONS.get(_media_type(page.content_type) or "")
    if suffix is None:  # no Content-Type: trust the URL's extension, else assume HTML
        known = path.suffix.lower() in _EXTENSIONS.values()
        suffix = path.suffix.lower() if known else ".html"
    stem = re.sub(r"[^\w-]+", "_", path.stem if path.suffix else path.name).strip("_")[:80]
    return f"{stem or 'page'}{suffix}"


def _redirect_target(current: httpx.URL, location: str) -> httpx.URL:
    """Where a redirect points; a location that is no valid address is refused, not "failed"."""
    try:
        joined = current.join(location)
    except (httpx.InvalidURL, ValueError):
        raise FetchRefused("That is not a valid web address.", reason="invalid") from None
    return _parse_url(str(joined))


def _parse_url(raw: str) -> httpx.URL:
    text = raw.strip()
    if not _HAS_SCHEME.match(text):
        text = "https://" + text.lstrip("/")
    try:
        url = httpx.URL(text)
    except httpx.InvalidURL:
        raise FetchRefused("That is not a valid web address.", reason="invalid") from None
    if url.scheme not in ("http", "https"):
        message = f"Only http and https links can be fetched, not {url.scheme}: links."
        raise FetchRefused(message, scheme=url.scheme, reason="scheme")
    if url.userinfo:  # neither message nor params carry the URL: it holds a password
        message = "Links with a user name or password in them are not fetched."
        raise FetchRefused(message, host=url.host, reason="credentials")
    if not url.host:
        raise FetchRefused("That web address has no host name.", reason="invalid")
    if url.port is not None and not 0 < url.port < 65536:  # else the OS silently wraps it
        raise FetchRefused(f"Port {url.port} does not exist.", port=url.port, reason="invalid")
    return url


def _vet(url: httpx.URL, allowed: set[str], deadline: _Deadline) -> list[IPAddress]:
    """The addresses to connect to, each already checked (unless the host is allowed)."""
    host = url.host.lower().rstrip(".")
    port = url.port or (443 if url.scheme == "https" else 80)
    names = {host, url.raw_host.decode("ascii").lower().rstrip(".")}  # as written, and punycode
    names = {f"[{name}]" if ":" in name else name for name in names}
    is_allowed = host in allowed or any(n in allowed or f"{n}:{port}" in allowed for n in names)
    if not is_allowed and (host == "localhost" or host.endswith(".localhost")):
        raise _refuse(url, host)
    literal = _ip_literal(url.raw_host.decode("ascii"))
    addresses = [literal] if literal is not None else _resolve(url, port, deadline)
    for address in addresses:
        if not is_allowed and not is_public_address(address):
            raise _refuse(url, str(address))
    return addresses


def _ip_literal(host: str) -> IPAddress | None:
    """The address a numeric host means, including 2130706433, 0x7f.1 and 017700000001.

    Those legacy forms are parsed with libc's inet_aton, the same parser getaddrinfo applies to
    numeric hosts, so we classify exactly the address the OS would connect to.
    """
    with contextlib.suppress(ValueError):
        return ipaddress.ip_address(host)
    if re.fullmatch(r"[0-9a-fA-FxX.]+", host):
        with contextlib.suppress(OSError):
            return ipaddress.IPv4Address(socket.inet_aton(host))
    return None


def _resolve(url: httpx.URL, port: int, deadline: _Deadline) -> list[IPAddress]:
    """All addresses of the host, in the resolver's preferred order, within the deadline.

    getaddrinfo has no timeout of its own, so it runs in a daemon thread we stop waiting for.
    """
    outcome: dict[str, Any] = {}
    host = url.raw_host.decode("ascii")

    def lookup() -> None:
        with contextlib.suppress(OSError):  # no such name or a resolver failure: "cannot find it"
            outcome["infos"] = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)

    worker = threading.Thread(target=lookup, name="citebot-dns", daemon=True)
    worker.start()
    worker.join(deadline.remaining(url))
    if worker.is_alive():
        raise deadline.error(url)
    addresses = list(dict.fromkeys(ipaddress.ip_address(i[4][0]) for i in outcome.get("infos", ())))
    if not addresses:
        raise _failed(url, "dns", f"Could not find the address of {url.host}.")
    return addresses


def _send(
    client: httpx.Client, url: httpx.URL, addresses: list[IPAddress], deadline: _Deadline
) -> httpx.Response:
    """The response headers from the first vetted address that accepts a connection."""
    extensions: dict[str, Any] = {"trace": deadline.trace}
    if url.scheme == "https" and _ip_literal(url.raw_host.decode("ascii")) is None:
        extensions["sni_hostname"] = url.raw_host.decode("ascii")
    for index, address in enumerate(addresses):
        request = client.build_request(
            "GET",
            url.copy_with(host=str(address)),
            headers={"Host": url.netloc.decode("ascii")},
            timeout=httpx.Timeout(deadline.remaining(url)),
            extensions=extensions,
        )
        try:
            return client.send(request, stream=True)
        except httpx.RemoteProtocolError as exc:
            # httpx parses a redirect's Location while receiving the response; our own URL was
            # vetted already, so a bad address there is the one the page redirects to.
            if "location header" in str(exc).lower():
                raise FetchRefused("That is not a valid web address.", reason="invalid") from None
            raise
        except httpx.ConnectError:
            if index == len(addresses) - 1:
                raise
    raise AssertionError("unreachable: _vet never returns an empty list")


def _read(
    url: httpx.URL, response: httpx.Response, max_bytes: int, deadline: _Deadline
) -> FetchedPage:
    """The decoded body, refused early on status, type or size so nothing big is downloaded."""
    if response.status_code >= 300:
        status = response.status_code
        message = f"{url.host} answered HTTP {status} {response.reason_phrase}".strip() + "."
        raise _failed(url, "http_status", message, status=status)
    content_type = response.headers.get("content-type")
    media_type = _media_type(content_type)
    if media_type is not None and media_type not in _EXTENSIONS:
        message = f"{url.host} sent {media_type}, which is not a web page or a document we read."
        raise UnsupportedFormat(message, url=str(url), content_type=media_type)
    limit = f"{max_bytes / 1_048_576:.1f} MB" if max_bytes >= 1_048_576 else f"{max_bytes:,} bytes"
    message = f"The page is larger than the {limit} limit."
    too_large = _failed(url, "too_large", message, max_bytes=max_bytes)
    declared = response.headers.get("content-length", "")
    if declared.isdecimal() and int(declared) > max_bytes:
        raise too_large
    encoding = response.headers.get("content-encoding", "identity").strip().lower()
    parts: list[bytes] = []
    total = 0
    for piece in _decoded(url, _whole_body(url, response, deadline), encoding):
        total += len(piece)
        if total > max_bytes:
            raise too_large
        parts.append(piece)
        deadline.remaining(url)
    return FetchedPage(url=str(url), content=b"".join(parts), content_type=content_type)


def _whole_body(url: httpx.URL, response: httpx.Response, deadline: _Deadline) -> Iterator[bytes]:
    """The raw body, which must end where the response says it ends, or FetchFailed.

    h11 raises RemoteProtocolError when the connection closes before Content-Length bytes or
    before the terminating chunk. A body without either (HTTP/1.0 style) ends when the server
    closes the connection, so a clean close is its end; but the deadline closes it too, and a
    body our own deadline cut short is no page.
    """
    try:
        yield from response.iter_raw()
    except (httpx.RemoteProtocolError, httpx.ReadError) as exc:
        if deadline.fired:
            raise  # fetch_url reports the timeout
        detail = " ".join(str(exc).split()).rstrip(".") or type(exc).__name__
        raise _incomplete(url, detail) from None
    if deadline.fired:
        raise deadline.error(url)


def _decoded(url: httpx.URL, raw: Iterator[bytes], encoding: str) -> Iterator[bytes]:
    """Decompress in bounded steps, so a tiny gzip bomb is stopped at max_bytes, not in RAM.

    httpx's own decoder inflates each network chunk in one go (up to ~1000x its size).
    """
    if encoding in ("", "identity"):
        yield from raw
        return
    if encoding not in ("gzip", "x-gzip", "deflate"):
        message = f"{url.host} sent the page in an encoding we cannot decode ({encoding})."
        raise _failed(url, "encoding", message, encoding=encoding)
    inflater = zlib.decompressobj(zlib.MAX_WBITS | 32)  # accepts gzip and zlib headers
    started = False
    try:
        for chunk in raw:
            started = started or bool(chunk)
            while True:
                out = inflater.decompress(chunk, _DECODE_STEP)
                chunk = inflater.unconsumed_tail
                if out:
                    yield out
                if not chunk and len(out) < _DECODE_STEP:
                    break
    except zlib.error:
        message = f"{url.host} sent a corrupt {encoding} body."
        raise _failed(url, "encoding", message, encoding=encoding) from None
    if started and not inflater.eof:  # the transfer ended cleanly, the compressed data did not
        raise _incomplete(url, f"its {encoding} data stops early")


def _media_type(content_type: str | None) -> str | None:
    media = (content_type or "").split(";", 1)[0].strip().lower()
    return media or None


def _failed(url: httpx.URL, reason: str, message: str, **params: Any) -> FetchFailed:
    return FetchFailed(message, url=str(url), host=url.host, reason=reason, **params)


def _incomplete(url: httpx.URL, detail: str) -> FetchFailed:
    message = f"The page from {url.host} did not arrive whole: {detail}."
    return _failed(url, "incomplete", message)


def _refuse(url: httpx.URL, address: str) -> FetchRefused:
    message = f"Refusing to fetch {url.host}: it points to a private or local address ({address})."
    return FetchRefused(message, url=str(url), host=url.host, address=address, reason="address")


class _Deadline:
    """Cuts every connection of one fetch when its total time is up.

    Socket timeouts bound each read, not the sum: a server dripping one byte per second (in the
    headers or the body) would never trip them. So a timer shuts down every socket this fetch
    opened, registered through httpcore's ``trace`` extension as soon as it connects.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._expires = time.monotonic() + seconds
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self.fired = False
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True

    def __enter__(self) -> _Deadline:
        self._timer.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._timer.cancel()

    def remaining(self, url: httpx.URL) -> float:
        left = self._expires - time.monotonic()
        if left <= 0:
            raise self.error(url)
        return left

    def error(self, url: httpx.URL) -> FetchFailed:
        unit = "second" if self.seconds == 1 else "seconds"
        message = f"Fetching {url.host} took longer than {self.seconds:g} {unit}."
        return _failed(url, "timeout", message, timeout=self.seconds)

    def trace(self, event: str, info: dict[str, Any]) -> None:
        # TLS wrapping detaches the plain socket, so register the TLS one as well.
        if event not in ("connection.connect_tcp.complete", "connection.start_tls.complete"):
            return
        sock = info["return_value"].get_extra_info("socket")
        with self._lock:
            self._sockets.append(sock)
        if self.fired:
            self._fire()

    def _fire(self) -> None:
        with self._lock:
            self.fired = True
            for sock in self._sockets:
                # Already closed or detached sockets raise OSError. The plain socket method,
                # because SSLSocket.shutdown would also tear down TLS state another thread uses.
                with contextlib.suppress(OSError):
                    socket.socket.shutdown(sock, socket.SHUT_RDWR)
