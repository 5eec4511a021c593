"""Uploaded bytes or pasted text -> a ParsedDocument: paragraphs in order plus what metadata says.

Uploads come from strangers, so every reader treats its input as hostile: whatever the bytes,
``extract`` raises only UnsupportedFormat, FileTooLarge, EmptyDocument or UnreadableDocument,
each with a one-line English message that names the file.

This module only dispatches. One module per format reads: ``markdown`` (plain text and
Markdown), ``html``, ``pdf`` and ``docx``; ``charset`` decodes text of unknown encoding and
``common`` holds what the readers share. HTML, PDF and Word are imported only when such a file
arrives (trafilatura, pypdf and python-docx take a noticeable time to import and most ingests
are text), which is why ``_read`` imports them inside the function.

Language is set only from metadata (front matter, <html lang>); guessing it from the text is
the caller's job. No NFKC here either: the analyzer folds later, and quotes must stay as written.
"""

from __future__ import annotations

import dataclasses
import re

from knowledge.errors import (
    EmptyDocument,
    FileTooLarge,
    KnowledgeError,
    UnsupportedFormat,
)
from knowledge.extract.charset import decode_text, normalize_text
from knowledge.extract.common import decode_or_raise, display_name, empty_document, unreadable
from knowledge.extract.markdown import front_matter, read_markdown, read_plain
from knowledge.models import ParsedDocument

__all__ = [
    "DEFAULT_MAX_BYTES",
    "SUPPORTED_EXTENSIONS",
    "decode_text",
    "extract",
    "extract_text",
    "front_matter",
]

DEFAULT_MAX_BYTES = 20 * 1024 * 1024

_EXTENSION_FORMATS = {
    ".txt": "txt",
    ".md": "md",
    ".markdown": "md",
    ".html": "html",
    ".htm": "html",
    ".pdf": "pdf",
    ".docx": "docx",
}
SUPPORTED_EXTENSIONS: frozenset[str] = frozenset(_EXTENSION_FORMATS)
_MIME_FORMATS = {
    "text/plain": "txt",
    "text/markdown": "md",
    "text/x-markdown": "md",
    "text/html": "html",
    "application/xhtml+xml": "html",
    "application/pdf": "pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
}


def extract(
    data: bytes,
    filename: str,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    content_type: str | None = None,
) -> ParsedDocument:
    """Read an uploaded or fetched file into paragraphs and metadata.

    The extension of ``filename`` decides the format; ``content_type`` (an HTTP header value)
    decides only when the name has no supported extension, and its charset is a decoding hint.

    Raises:
        UnsupportedFormat, FileTooLarge, EmptyDocument, UnreadableDocument, and nothing else.
    """
    name = display_name(filename)
    mime, charset = _parse_content_type(content_type)
    extension = _extension(filename)
    fmt = _EXTENSION_FORMATS.get(extension) or _MIME_FORMATS.get(mime or "")
    if fmt is None:
        kind = f"{extension} files are" if extension else "files without an extension are"
        raise UnsupportedFormat(
            f"{name}: {kind} not supported; send .txt, .md, .html, .pdf or .docx",
            filename=name,
            extension=extension,
            supported=sorted(SUPPORTED_EXTENSIONS),
        )
    if len(data) > max_bytes:
        raise FileTooLarge(
            f"{name}: the file is {_megabytes(len(data))}, over the {_megabytes(max_bytes)} limit",
            filename=name,
            size=len(data),
            limit=max_bytes,
        )
    if not data:
        raise empty_document(name)
    try:
        document = _read(fmt, data, name, charset, max_bytes)
    except KnowledgeError:
        raise
    except Exception as err:  # a library choking on hostile input must not escape as a crash
        raise unreadable(name, "the file is damaged and cannot be read") from err
    if not document.paragraphs:
        raise empty_document(name)
    return document


def extract_text(text: str, *, title: str | None = None) -> ParsedDocument:
    """Read pasted text, which people write as plain text or light Markdown with front matter."""
    document = read_markdown(normalize_text(text.replace("\x00", "")), fmt="txt")
    if not document.paragraphs:
        raise EmptyDocument("the pasted text is empty", filename=None)
    if title and title.strip():
        return dataclasses.replace(document, title=title.strip())
    return document


def _read(fmt: str, data: bytes, name: str, charset: str | None, max_bytes: int) -> ParsedDocument:
    # The heavy readers are imported on first use; see the module docstring.
    if fmt == "html":
        from knowledge.extract.html import read_html

        return read_html(data, name, charset)
    if fmt == "pdf":
        from knowledge.extract.pdf import read_pdf

        return read_pdf(data, name)
    if fmt == "docx":
        from knowledge.extract.docx import read_docx

        return read_docx(data, name, max_bytes)
    text = decode_or_raise(data, name, charset)
    return read_markdown(text, fmt="md") if fmt == "md" else read_plain(text)


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB" if size >= 100 * 1024 else f"{size} bytes"


def _extension(filename: str) -> str:
    base = re.split(r"[\\/]", filename or "")[-1]
    return "." + base.rsplit(".", 1)[1].lower() if "." in base else ""


def _parse_content_type(content_type: str | None) -> tuple[str | None, str | None]:
    if not content_type:
        return None, None
    mime, _, params = content_type.partition(";")
    match = re.search(r"charset\s*=\s*[\"']?\s*([\w.:-]+)", params, re.IGNORECASE)
    return mime.strip().lower() or None, match.group(1) if match else None
