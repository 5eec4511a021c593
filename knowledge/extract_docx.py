"""Word .docx files -> body paragraphs and table cells in document order.

A .docx is a zip archive, and zip archives can lie: a few kilobytes may inflate to gigabytes,
or name members like "../../etc/passwd". So the archive's directory is checked before
python-docx reads a byte of it. Zip readers stop at a member's declared size, which makes the
declared sizes a safe basis for that check.
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
from knowledge.extract import fallback_title, unreadable
from knowledge.models import ParsedDocument

MAX_UNCOMPRESSED = 200 * 1024 * 1024
MAX_RATIO = 100
# Small members of repetitive XML legitimately compress beyond 100:1.
RATIO_MIN_SIZE = 1024 * 1024
MAX_MEMBERS = 10_000
_DAMAGED = "the Word document is damaged and cannot be read"


def read_docx(data: bytes, name: str, max_bytes: int) -> ParsedDocument:
    _check_archive(data, name, max_bytes)
    try:
        document = docx.Document(io.BytesIO(data))
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


def _check_archive(data: bytes, name: str, max_bytes: int) -> None:
    """Refuse decompression bombs and unsafe member names before anything is inflated."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except Exception as err:  # BadZipFile, but also ValueError/OSError on mangled directories
        raise unreadable(name, _DAMAGED) from err
    if len(members) > MAX_MEMBERS:
        raise unreadable(name, "the Word document has too many parts to be a real document")
    total = 0
    for member in members:
        path = member.filename.replace("\\", "/")
        if path.startswith("/") or re.match(r"[A-Za-z]:", path) or ".." in path.split("/"):
            raise unreadable(name, "the Word document contains a part with an unsafe path")
        total += member.file_size
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > RATIO_MIN_SIZE and ratio > MAX_RATIO:
            raise unreadable(name, "the Word document looks like a decompression bomb")
    if total > min(10 * max_bytes, MAX_UNCOMPRESSED):
        raise unreadable(name, "the Word document would be too large once decompressed")


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
