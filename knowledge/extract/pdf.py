"""PDF files -> paragraphs rebuilt from the lines pypdf extracts.

A PDF has lines, not paragraphs, and pypdf's "plain" mode puts no blank line between them, so
paragraph ends are inferred: from the layout where pypdf reports positions (extra space above
a line, or a first-line indent), and from the text everywhere (a line that stops short of the
widest line after a sentence end, or a much shorter line such as a heading). Scanned PDFs have
no text layer; they come out empty, not OCR'd.
"""

from __future__ import annotations

import io
import itertools
import math
import re
from collections import Counter
from dataclasses import dataclass

import pypdf
from pypdf import PasswordType

from knowledge.errors import KnowledgeError
from knowledge.extract.common import (
    empty_document,
    fallback_title,
    is_cjk,
    join_lines,
    looks_like_heading,
    unreadable,
)
from knowledge.models import ParsedDocument

# A hostile file can claim any number of pages; an article never needs more than this.
MAX_PAGES = 2000
_DAMAGED = "the PDF is damaged or truncated and cannot be read"
_ENDERS = frozenset(".!?。！？…")
_CLOSERS = "\"'”’)）」』"
_PAGE_NUMBER = re.compile(
    r"(?:page\s*)?\d{1,4}(?:\s*(?:/|of)\s*\d{1,4})?|[-–—]\s*\d{1,4}\s*[-–—]", re.I
)
_OPENERS = "\"'“‘([（《「『【"
_PLACEHOLDER_TITLES = frozenset({"untitled", "unknown", "anonymous", "title", "document"})
_FILE_NAME = re.compile(r"\.(?:docx?|pdf|tex|dvi|odt|rtf|indd|pages|txt|html?)$", re.I)


def read_pdf(data: bytes, name: str) -> ParsedDocument:
    # pypdf reads past a missing end or a bad header in lenient mode and returns part of the
    # text; a partial article would be cited as if whole, so refuse those files instead.
    if b"%PDF-" not in data[:1024] or b"%%EOF" not in data[-4096:]:
        raise unreadable(name, _DAMAGED)
    try:
        reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            _decrypt(reader, name)
        lines = [
            line for page in itertools.islice(reader.pages, MAX_PAGES) for line in _page_lines(page)
        ]
        info_title = reader.metadata.title if reader.metadata else None
    except KnowledgeError:
        raise
    except Exception as err:  # pypdf raises many kinds of errors on broken files
        raise unreadable(name, _DAMAGED) from err
    if not lines:
        raise empty_document(name, "the PDF has no text layer (a scanned document?)")
    heading = None
    if len(lines) > 1 and lines[0].ratio < 0.7 and looks_like_heading(lines[0].text):
        heading = lines.pop(0).text
    paragraphs = _paragraphs(lines)
    title = _meaningful_title(info_title) or heading
    if not title and paragraphs:
        title = fallback_title(paragraphs[0])
    return ParsedDocument(paragraphs=tuple(paragraphs), title=title, format="pdf")


def _decrypt(reader: pypdf.PdfReader, name: str) -> None:
    """Many PDFs are encrypted with an empty password only to restrict printing or copying."""
    try:
        result = reader.decrypt("")
    except Exception as err:  # an unsupported cipher, or cryptography not installed
        raise unreadable(name, "the PDF is encrypted in a way we cannot open") from err
    if result == PasswordType.NOT_DECRYPTED:
        raise unreadable(name, "the PDF is protected by a password")


@dataclass
class _Line:
    text: str
    ratio: float  # width relative to the widest line of its page
    starts_block: bool  # the layout says so: a blank line, extra space above, or an indent
    starts_page: bool


def _page_lines(page: pypdf.PageObject) -> list[_Line]:
    """The page's lines, with the layout cues pypdf's visitor reveals about paragraph starts."""
    chunks: list[tuple[str, float, float, float]] = []

    def visit(text: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
        # Where the text matrix puts the chunk on the page, and its height there: many
        # producers draw at size 1 and scale the matrix instead.
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        scale = math.hypot(tm[2] * cm[0] + tm[3] * cm[2], tm[2] * cm[1] + tm[3] * cm[3])
        chunks.append((text, x, y, abs(size * scale) or 10.0))

    text = page.extract_text(extraction_mode="plain", visitor_text=visit) or ""
    if "".join(chunk[0] for chunk in chunks) != text:
        chunks = [(text, math.nan, math.nan, 0.0)]  # cannot place the lines; guess from text
    parts: list[list[str]] = [[]]
    places: list[tuple[float, float, float] | None] = [None]
    for chunk, x, y, size in chunks:
        placed = False
        for index, part in enumerate(chunk.split("\n")):
            if index:
                parts.append([])
                places.append(None)
            # A chunk's position is where its first text is drawn, not any later line's.
            if places[-1] is None and part.strip() and not placed and not math.isnan(x):
                places[-1], placed = (x, y, size), True
            parts[-1].append(part)
    raw = [
        (" ".join("".join(line).split()), where) for line, where in zip(parts, places, strict=True)
    ]
    raw = [(line, where) for line, where in raw if not _PAGE_NUMBER.fullmatch(line)]
    return _with_cues(raw)


def _with_cues(raw: list[tuple[str, tuple[float, float, float] | None]]) -> list[_Line]:
    placed = [where for line, where in raw if line and where]
    drops = [above[1] - below[1] for above, below in itertools.pairwise(placed)]
    # Line spacing is the commonest small drop; the lower quartile finds it even on pages where
    # half of the drops are paragraph spacing.
    downward = sorted(drop for drop in drops if drop > 0)
    usual_drop = downward[len(downward) // 4] if downward else 0.0
    # The body's left edge is where most lines start; indented first lines stand out from it.
    starts = Counter(round(where[0]) for where in placed)
    margin = min(starts, key=lambda x: (-starts[x], x), default=0)
    widest = max((_width(line) for line, _ in raw), default=1) or 1
    lines: list[_Line] = []
    blank, previous = False, None
    for line, where in raw:
        if not line:
            blank = bool(lines)
            continue
        cue = blank
        if where and previous:
            indent = max(where[2] / 2, 2.0)  # half an em, but more than jitter
            cue = (
                cue
                or 0 < usual_drop * 1.4 < previous[1] - where[1]
                or (where[0] > margin + indent and previous[0] <= margin + indent)
            )
        lines.append(_Line(line, _width(line) / widest, cue, not lines))
        blank, previous = False, where
    return lines


def _paragraphs(lines: list[_Line]) -> list[str]:
    paragraphs: list[list[str]] = []
    previous = None
    for line in lines:
        if previous is None or _breaks(previous, line):
            paragraphs.append([])
        paragraphs[-1].append(line.text)
        previous = line
    return [join_lines(paragraph, dehyphenate=True) for paragraph in paragraphs]


def _breaks(last: _Line, line: _Line) -> bool:
    """A layout cue breaks; so does a sentence end on a line that stops short of the column.

    Paragraphs run across pages, so a page start breaks only after a sentence end.
    """
    if line.starts_block or (line.starts_page and _ends_sentence(last.text)):
        return True
    if last.ratio >= 0.85 or not _starts_sentence(line.text):
        return False
    return _ends_sentence(last.text) or (last.ratio < 0.6 and last.text[-1] not in ",，、;；:：-–—")


def _ends_sentence(line: str) -> bool:
    return line.rstrip(_CLOSERS)[-1:] in _ENDERS


def _starts_sentence(line: str) -> bool:
    first = line[0]
    return first.isupper() or first.isdigit() or is_cjk(first) or first in _OPENERS


def _width(line: str) -> int:
    return sum(2 if is_cjk(ch) else 1 for ch in line)


def _meaningful_title(value: object) -> str | None:
    """Producers fill /Title with placeholders and file names; those are worse than nothing."""
    title = " ".join(str(value or "").split()).strip("()[] ")
    title = re.sub(r"^Microsoft (?:Word|PowerPoint) - ", "", title)
    if (
        not title
        or title.lower() in _PLACEHOLDER_TITLES
        or _FILE_NAME.search(title)
        or not any(ch.isalpha() for ch in title)
    ):
        return None
    return title
