"""Word .docx files -> body paragraphs and table cells in document order.

A .docx is a zip archive, and zip archives can lie: a few kilobytes may inflate to gigabytes,
or name members like "../../etc/passwd". So python-docx never reads the upload itself. The
archive's directory is checked first (names, member count, declared sizes), which refuses most
bombs before a byte is inflated; then every member is inflated here in small steps with a
running count of the bytes that really come out, into a fresh archive that python-docx reads.

The declared sizes alone are no safe basis: zipfile does stop at a member's declared size, but
a whole-member read first inflates all of its compressed data in one call (a 680 KB file
claiming 2,000 bytes takes 1.3 GB that way), and bzip2 or LZMA members are inflated whole
whatever the read size. So only the two methods Office Open XML allows (stored and deflate) are
read, always in bounded chunks.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator

import docx
from docx.document import Document
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph

from knowledge.errors import KnowledgeError
from knowledge.extract.common import fallback_title, unreadable
from knowledge.models import ParsedDocument

MAX_UNCOMPRESSED = 200 * 1024 * 1024
MAX_RATIO = 100
# Small members of repetitive XML legitimately compress beyond 100:1.
RATIO_MIN_SIZE = 1024 * 1024
MAX_MEMBERS = 10_000
# ECMA-376 Part 2 allows these two only; zipfile inflates the others (bzip2, LZMA) unbounded.
_METHODS = frozenset({zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED})
_CHUNK = 64 * 1024
_DAMAGED = "the Word document is damaged and cannot be read"
_TOO_LARGE = "the Word document would be too large once decompressed"


def read_docx(data: bytes, name: str, max_bytes: int) -> ParsedDocument:
    package = _bounded_copy(data, name, min(10 * max_bytes, MAX_UNCOMPRESSED))
    try:
        document = docx.Document(package)
        paragraphs: list[str] = []
        heading: str | None = None
        for paragraph in _paragraphs(document):
            text = " ".join(paragraph.text.split())
            style = paragraph.style.name if paragraph.style is not None else ""
            if not text:
                continue
            if style in {"Title", "Subtitle"} or style.startswith("Heading"):
                if heading is None and style in {"Title", "Heading 1"}:
                    heading = text
                continue
            paragraphs.append(text)
        properties = document.core_properties
        title = " ".join((properties.title or "").split()) or heading
        published = properties.created.isoformat() if properties.created else None
    except KnowledgeError:
        raise
    except Exception as err:  # python-docx and lxml raise many kinds of errors on broken files
        raise unreadable(name, _DAMAGED) from err
    if not title and paragraphs:
        title = fallback_title(paragraphs[0])
    return ParsedDocument(
        paragraphs=tuple(paragraphs), title=title, published=published, format="docx"
    )


def _bounded_copy(data: bytes, name: str, limit: int) -> io.BytesIO:
    """The archive rewritten uncompressed from what its members really hold, at most ``limit``
    bytes of them, whatever its headers say."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except Exception as err:  # BadZipFile, but also ValueError/OSError on mangled directories
        raise unreadable(name, _DAMAGED) from err
    copy = io.BytesIO()
    with archive, zipfile.ZipFile(copy, "w", zipfile.ZIP_STORED) as out:
        members = archive.infolist()
        _check_directory(members, name, limit)
        total = 0
        for member in (member for member in members if not member.is_dir()):
            try:
                with archive.open(member) as source, out.open(member.filename, "w") as target:
                    # read(n) inflates at most n bytes per step; zipfile ends a member at its
                    # declared size, where a lying size then fails the CRC check.
                    while chunk := source.read(_CHUNK):
                        total += len(chunk)
                        if total > limit:
                            raise unreadable(name, _TOO_LARGE)
                        target.write(chunk)
            except KnowledgeError:
                raise
            except Exception as err:  # bad CRC, truncated data, encryption, zlib errors
                raise unreadable(name, _DAMAGED) from err
    copy.seek(0)
    return copy


def _check_directory(members: list[zipfile.ZipInfo], name: str, limit: int) -> None:
    """Refuse what the directory already shows: unsafe names, and bombs that admit their size."""
    if len(members) > MAX_MEMBERS:
        raise unreadable(name, "the Word document has too many parts to be a real document")
    if len({member.filename for member in members}) < len(members):
        raise unreadable(name, _DAMAGED)  # which copy of a part is the real one?
    total = 0
    for member in members:
        path = member.filename.replace("\\", "/")
        if path.startswith("/") or re.match(r"[A-Za-z]:", path) or ".." in path.split("/"):
            raise unreadable(name, "the Word document contains a part with an unsafe path")
        if member.compress_type not in _METHODS:
            raise unreadable(name, "the Word document is compressed in a way Word never uses")
        total += member.file_size
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > RATIO_MIN_SIZE and ratio > MAX_RATIO:
            raise unreadable(name, "the Word document looks like a decompression bomb")
    if total > limit:
        raise unreadable(name, _TOO_LARGE)


def _paragraphs(container: Document | _Cell) -> Iterator[Paragraph]:
    """Paragraphs of the body and of table cells (nested tables too), in reading order."""
    for block in container.iter_inner_content():
        if isinstance(block, Table):
            seen: set[object] = set()
            for row in block.rows:
                for cell in row.cells:
                    # A merged cell appears once per grid column it spans; read it once.
                    if cell._tc not in seen:
                        seen.add(cell._tc)
                        yield from _paragraphs(cell)
        else:
            yield block
