"""Archives that lie about their size and pages that stop short (issue 19, items 3 and 4).

A .docx whose zip headers claim 2,000 bytes for a member that inflates to 650 MB must be
refused or read without inflating it: peak memory is measured in a fresh child process (its
VmHWM after the call minus before), through the library and through ``citebot ingest``. A
gzip-bombed page is measured the same way (that one was already bounded; the test keeps it so).

A page is accepted only when its body ended where the response said it would: a close before
Content-Length bytes or before the last chunk, a compressed stream that stops early, or a
close-delimited body cut by our own deadline is a failure in one line, never half a page. The
misbehaving server is tests/fakes/page_server.py's ``serving_raw``: raw bytes, pauses, a close.
"""

from __future__ import annotations

import bz2
import io
import json
import os
import shutil
import sqlite3
import struct
import subprocess
import sys
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest

from knowledge.errors import UnreadableDocument
from knowledge.extract import extract
from knowledge.fetch import FetchFailed, fetch_url
from tests.bot import documents
from tests.bot.conftest import ADMIN, RunningBot
from tests.fakes.page_server import serving_raw
from tests.fakes.processes import ROOT
from tests.robustness.conftest import FIGURES

MEMORY_BUDGET_MB = 100  # above the child's own peak before the call; the bombs need 300 to 1,000
CLAIMED = 2_000
DOCUMENT = "word/document.xml"
SPACES = b" " * (1 << 20)


# --- building the lying archives ----------------------------------------------------------------


def _deflate_segment(data: bytes) -> bytes:
    """Raw deflate of ``data`` ending in a full flush: such segments can be strung together,
    so 650 MB of padding costs one compression of 1 MB."""
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    return packer.compress(data) + packer.flush(zlib.Z_FULL_FLUSH)


_FINAL_BLOCK = zlib.compressobj(9, zlib.DEFLATED, -15).flush()  # an empty last block


def docx_claiming(compressed: bytes, method: int, crc: int, claimed: int = CLAIMED) -> bytes:
    """The test Word document with ``compressed`` as word/document.xml's data, written as it
    is, then both of its headers patched to say ``method``, ``crc`` and ``claimed`` bytes."""
    source = zipfile.ZipFile(io.BytesIO(documents.as_docx()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            if info.filename == DOCUMENT:
                archive.writestr(zipfile.ZipInfo(DOCUMENT), compressed)  # stored: as it is
            else:
                archive.writestr(info.filename, source.read(info.filename))
    data = bytearray(out.getvalue())
    # (signature, name length at, name at, method at, CRC at, uncompressed size at)
    for sig, name_len_at, name_at, method_at, crc_at, size_at in (
        (b"PK\x03\x04", 26, 30, 8, 14, 22),  # local file header
        (b"PK\x01\x02", 28, 46, 10, 16, 24),  # central directory entry
    ):
        at = data.find(sig)
        while at != -1:
            (name_len,) = struct.unpack_from("<H", data, at + name_len_at)
            if data[at + name_at : at + name_at + name_len] == DOCUMENT.encode():
                struct.pack_into("<H", data, at + method_at, method)
                struct.pack_into("<I", data, at + crc_at, crc)
                struct.pack_into("<I", data, at + size_at, claimed)
            at = data.find(sig, at + 4)
    return bytes(data)


def lying_deflate_docx(megabytes: int, *, crc_of: str) -> bytes:
    """A real document.xml followed by ``megabytes`` MB of spaces, deflated, claiming 2,000
    bytes; its CRC is that of the whole member or of the 2,000 bytes it claims."""
    xml = zipfile.ZipFile(io.BytesIO(documents.as_docx())).read(DOCUMENT)
    pad = _deflate_segment(SPACES)
    compressed = _deflate_segment(xml) + pad * megabytes + _FINAL_BLOCK
    if crc_of == "claimed bytes":
        assert len(xml) < CLAIMED  # so the bytes claimed are the whole XML and some spaces
        crc = zlib.crc32((xml + SPACES)[:CLAIMED])
    else:
        crc = zlib.crc32(xml)
        for _ in range(megabytes):
            crc = zlib.crc32(SPACES, crc)
    return docx_claiming(compressed, zipfile.ZIP_DEFLATED, crc)


def lying_bzip2_docx(megabytes: int) -> bytes:
    """``megabytes`` MB of spaces as a bzip2 member (a few hundred bytes) claiming 2,000."""
    packer = bz2.BZ2Compressor(9)
    compressed = b"".join(packer.compress(SPACES) for _ in range(megabytes)) + packer.flush()
    crc = 0
    for _ in range(megabytes):
        crc = zlib.crc32(SPACES, crc)
    return docx_claiming(compressed, zipfile.ZIP_BZIP2, crc)


# --- measuring a child process ------------------------------------------------------------------

# Peak memory is VmHWM, the high-water mark of the process's own address space: ru_maxrss would
# start at the RSS of the parent that forked the child (pytest's, several hundred MB).
PEAK = """
from pathlib import Path
def peak_mb():
    return int(Path("/proc/self/status").read_text().split("VmHWM:")[1].split()[0]) / 1024
"""
PROBE = (
    PEAK
    + """
import json, sys
import docx, httpx  # what a running bot has imported already
from knowledge.extract import extract
from knowledge.fetch import fetch_url
import knowledge.extract.docx

mode, target = sys.argv[1], sys.argv[2]
data = Path(target).read_bytes() if mode == "extract" else b""
before = peak_mb()
try:
    if mode == "extract":
        extract(data, "bomb.docx")
    else:
        fetch_url(target, allowed_hosts=[sys.argv[3]], max_bytes=20 * 1024 * 1024)
    outcome = {"error": None}
except Exception as err:
    outcome = {"error": type(err).__name__, "message": str(err), **getattr(err, "params", {})}
outcome["peak_mb"] = peak_mb() - before
print(json.dumps(outcome, default=str))
"""
)
# `python -m bot.cli ARGS...` that writes its peak memory to the file named first, at exit.
CLI = (
    PEAK
    + """
import atexit, runpy, sys
report = Path(sys.argv.pop(1))
atexit.register(lambda: report.write_text(str(peak_mb())))
runpy.run_module("bot.cli", run_name="__main__", alter_sys=True)
"""
)


def probe(*args: str) -> dict[str, object]:
    """Run PROBE in a fresh interpreter; its outcome and its peak memory above its baseline."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    outcome: dict[str, object] = json.loads(done.stdout.splitlines()[-1])
    return outcome


@pytest.fixture(scope="module")
def bombs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("bombs")
    made = {
        "crc of the whole member": lying_deflate_docx(650, crc_of="whole member"),
        "crc of the claimed bytes": lying_deflate_docx(650, crc_of="claimed bytes"),
        "bzip2 member": lying_bzip2_docx(300),
    }
    paths = {}
    for name, data in made.items():
        paths[name] = folder / (name.replace(" ", "-") + ".docx")
        paths[name].write_bytes(data)
    return paths


# --- item 3: archives that lie ------------------------------------------------------------------


def test_docx_lying_about_its_size_is_refused_in_bounded_memory(bombs: dict[str, Path]) -> None:
    """650 MB behind a header saying 2,000 bytes: zipfile stops at 2,000, the CRC fails."""
    bomb = bombs["crc of the whole member"]
    assert bomb.stat().st_size < 700 * 1024  # the file was 648 KB
    outcome = probe("extract", str(bomb))
    FIGURES.note("lying docx peak MB", f"{outcome['peak_mb']:.1f}")
    assert float(str(outcome["peak_mb"])) < MEMORY_BUDGET_MB, outcome
    assert outcome["error"] == "UnreadableDocument", outcome
    assert outcome["message"] == "bomb.docx: the Word document is damaged and cannot be read"


def test_docx_whose_claimed_bytes_are_a_document_is_read_as_claimed(
    bombs: dict[str, Path],
) -> None:
    """With the CRC of the 2,000 bytes it claims, the member is those bytes (the whole XML and
    some spaces): read them, and never look at the 650 MB of compressed data after them."""
    outcome = probe("extract", str(bombs["crc of the claimed bytes"]))
    FIGURES.note("lying docx, claimed bytes valid, peak MB", f"{outcome['peak_mb']:.1f}")
    assert float(str(outcome["peak_mb"])) < MEMORY_BUDGET_MB, outcome
    assert outcome["error"] is None, outcome
    parsed = extract(bombs["crc of the claimed bytes"].read_bytes(), "claimed.docx")
    assert parsed.paragraphs == (documents.FACT, documents.OTHER)


def test_docx_with_a_bzip2_member_is_refused_before_inflating(bombs: dict[str, Path]) -> None:
    """zipfile inflates bzip2 and LZMA members whole, whatever size is asked for."""
    outcome = probe("extract", str(bombs["bzip2 member"]))
    FIGURES.note("lying bzip2 docx peak MB", f"{outcome['peak_mb']:.1f}")
    assert float(str(outcome["peak_mb"])) < MEMORY_BUDGET_MB, outcome
    assert outcome["error"] == "UnreadableDocument", outcome
    assert "compressed in a way Word never uses" in str(outcome["message"])


def test_docx_with_two_copies_of_a_part_is_refused() -> None:
    """Readers disagree on which copy counts; python-docx silently took the last one."""
    source = zipfile.ZipFile(io.BytesIO(documents.as_docx()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive, pytest.warns(UserWarning, match="Duplicate"):
        for info in source.infolist():
            archive.writestr(info.filename, source.read(info.filename))
        archive.writestr(DOCUMENT, source.read(DOCUMENT).replace(b"Zorblax", b"Quaxlet"))
    with pytest.raises(UnreadableDocument, match="damaged"):
        extract(out.getvalue(), "twice.docx")


def test_docx_with_stored_parts_and_folder_entries_still_reads() -> None:
    """The control for the rewrite: what python-docx now reads is our own copy."""
    source = zipfile.ZipFile(io.BytesIO(documents.as_docx()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
        archive.mkdir("word")
        for info in source.infolist():
            archive.writestr(info.filename, source.read(info.filename))
    parsed = extract(out.getvalue(), "stored.docx")
    assert documents.FACT in parsed.paragraphs


def _store_rows(data_dir: Path) -> list[tuple[object, ...]]:
    db = sqlite3.connect(data_dir / "citebot.sqlite3")
    try:
        rows = db.execute("SELECT id, title FROM articles ORDER BY id").fetchall()
        rows += db.execute("SELECT COUNT(*) FROM sentences").fetchall()
        return rows + db.execute("SELECT value FROM meta WHERE key = 'generation'").fetchall()
    finally:
        db.close()


def _citebot(data_dir: Path, *args: str) -> tuple[int, str, float]:
    """``citebot`` as a separate process: exit code, stderr, and its peak RSS in MB."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CITEBOT_")}
    env["PYTHONPATH"] = str(ROOT)
    report = data_dir.parent / "peak-mb"
    done = subprocess.run(
        [sys.executable, "-c", CLI, str(report), "--data-dir", str(data_dir), *args],
        cwd=data_dir.parent,  # no .env of the repository's
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        timeout=120,
    )
    return done.returncode, done.stderr, float(report.read_text())


def test_cli_ingest_of_a_lying_docx_exits_2_in_one_line_and_stores_nothing(
    bombs: dict[str, Path], prepared_data_dir: Path, tmp_path: Path
) -> None:
    control_dir, bomb_dir = tmp_path / "control" / "data", tmp_path / "bomb" / "data"
    for data_dir in (control_dir, bomb_dir):
        shutil.copytree(prepared_data_dir, data_dir)
    honest = tmp_path / "observatory.docx"
    honest.write_bytes(documents.as_docx())
    code, _, control_peak = _citebot(control_dir, "ingest", str(honest))
    assert code == 0

    before = _store_rows(bomb_dir)
    code, err, peak = _citebot(bomb_dir, "ingest", str(bombs["crc of the whole member"]))
    FIGURES.note(
        "citebot ingest lying docx peak MB", f"{peak:.0f} (honest docx {control_peak:.0f})"
    )
    assert peak < control_peak + MEMORY_BUDGET_MB
    assert code == 2
    name = bombs["crc of the whole member"].name
    assert err == f"citebot: {name}: the Word document is damaged and cannot be read\n"
    assert _store_rows(bomb_dir) == before


def gzip_of_zeros(megabytes: int) -> bytes:
    """A gzip stream of ``megabytes`` MB of zeros, about 1 KB per MB."""
    segment = _deflate_segment(b"\0" * (1 << 20))
    crc = 0
    for _ in range(megabytes):
        crc = zlib.crc32(b"\0" * (1 << 20), crc)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"  # deflate, no name, no time
    trailer = struct.pack("<II", crc, (megabytes << 20) & 0xFFFFFFFF)
    return header + segment * megabytes + _FINAL_BLOCK + trailer


def test_gzip_bomb_page_is_cut_at_the_size_limit_in_bounded_memory() -> None:
    """1 GB of zeros in 1 MB of gzip: fetch.py inflates in 64 KB steps and stops at 20 MB.
    (Bounded before issue 19 too; this keeps it so.)"""
    gzipped = gzip_of_zeros(1024)
    head = (
        "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Encoding: gzip\r\n"
        f"Content-Length: {len(gzipped)}\r\n\r\n"
    ).encode()
    with serving_raw([head + gzipped]) as (port, requests):
        outcome = probe("fetch", f"http://127.0.0.1:{port}/bomb", f"127.0.0.1:{port}")
    FIGURES.note("gzip bomb page peak MB", f"{outcome['peak_mb']:.1f}")
    assert requests == ["/bomb"]
    assert outcome["error"] == "FetchFailed" and outcome["reason"] == "too_large", outcome
    assert float(str(outcome["peak_mb"])) < MEMORY_BUDGET_MB, outcome


# --- item 4: pages that stop short --------------------------------------------------------------

PARAGRAPHS = [
    f"<p>Entry {n} of the Quillmere ferry log: the morning boat left Tai O on time.</p>"
    for n in range(1, 41)
]
HALF = "".join(PARAGRAPHS[:20]).encode()
PAGE = ("<html><body><article>" + "".join(PARAGRAPHS) + "</article></body></html>").encode()
OK = "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"


def _fetch(port: int, path: str = "/log", timeout: float = 1.0) -> bytes:
    url = f"http://127.0.0.1:{port}{path}"
    return fetch_url(url, allowed_hosts=[f"127.0.0.1:{port}"], timeout=timeout).content


def _fails(port: int, reason: str) -> FetchFailed:
    with pytest.raises(FetchFailed) as caught:
        _fetch(port)
    assert caught.value.params["reason"] == reason, caught.value
    assert "\n" not in str(caught.value)
    FIGURES.count("cut pages refused")
    return caught.value


def test_page_cut_by_the_deadline_is_a_timeout_not_half_a_page() -> None:
    """No Content-Length, not chunked: the body ends at the close, and the deadline closes too."""
    steps: list[bytes | float] = [f"{OK}Connection: close\r\n\r\n".encode() + HALF, 5.0, PAGE]
    with serving_raw(steps) as (port, _):
        error = _fails(port, "timeout")
    assert str(error) == "Fetching 127.0.0.1 took longer than 1 second."


def test_close_before_content_length_bytes_did_not_arrive_whole() -> None:
    head = f"{OK}Content-Length: {len(PAGE)}\r\n\r\n".encode()
    with serving_raw([head + PAGE[: len(PAGE) // 2]]) as (port, _):
        error = _fails(port, "incomplete")
    assert str(error).startswith("The page from 127.0.0.1 did not arrive whole: ")
    assert f"expected {len(PAGE)}" in str(error)


def test_chunked_body_without_its_last_chunk_did_not_arrive_whole() -> None:
    chunk = f"{len(HALF):x}\r\n".encode() + HALF + b"\r\n"
    with serving_raw([f"{OK}Transfer-Encoding: chunked\r\n\r\n".encode() + chunk]) as served:
        error = _fails(served[0], "incomplete")
    assert str(error).startswith("The page from 127.0.0.1 did not arrive whole: ")


def test_gzip_stream_that_stops_early_did_not_arrive_whole() -> None:
    """The transfer ends cleanly (a close-delimited body) but the compressed data does not."""
    gzipped = zlib.compressobj(9, zlib.DEFLATED, 31)
    body = gzipped.compress(PAGE) + gzipped.flush()
    head = f"{OK}Content-Encoding: gzip\r\nConnection: close\r\n\r\n".encode()
    with serving_raw([head + body[: len(body) // 2]]) as (port, _):
        error = _fails(port, "incomplete")
    assert str(error) == "The page from 127.0.0.1 did not arrive whole: its gzip data stops early."


@pytest.mark.parametrize("version", ["HTTP/1.0", "HTTP/1.1"])
def test_close_delimited_page_ends_at_a_clean_close(version: str) -> None:
    """The control: without Content-Length or chunks, a close in time is the end of the page."""
    head = f"{version} 200 OK\r\nContent-Type: text/html\r\nConnection: close\r\n\r\n"
    with serving_raw([head.encode() + PAGE]) as (port, _):
        assert _fetch(port) == PAGE


def test_add_url_of_a_page_cut_by_the_deadline_stores_nothing(
    start_bot: Callable[..., RunningBot],
) -> None:
    """The issue's case through Telegram: "/add URL" stored 20 of 40 paragraphs."""
    steps: list[bytes | float] = [f"{OK}Connection: close\r\n\r\n".encode() + HALF, 5.0, PAGE]
    with serving_raw(steps) as (port, requests):
        bot = start_bot(fetch_allowed_hosts=[f"127.0.0.1:{port}"], fetch_timeout=1.0)
        before = _store_rows(bot.settings.data_dir)
        [reply] = bot.ask(f"/add http://127.0.0.1:{port}/log", user_id=ADMIN)
    assert requests == ["/log"]
    assert reply["plain_text"].startswith("I could not fetch that page"), reply["plain_text"]
    assert _store_rows(bot.settings.data_dir) == before
