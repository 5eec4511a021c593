"""What every format's reader shares: error values naming the file, decoding, and paragraphs.

The readers (markdown, html, pdf, docx) import from here, never from the dispatcher in
``knowledge.extract``, so the package has no import circle.
"""

from __future__ import annotations

import re
import unicodedata

from knowledge.errors import EmptyDocument, UnreadableDocument
from knowledge.extract.charset import decode_or_none

# --- errors and names ------------------------------------------------------------------------


def display_name(filename: str) -> str:
    """The file's base name, made safe for a one-line message."""
    base = re.split(r"[\\/]", filename or "")[-1]
    base = "".join(ch if ch.isprintable() else "?" for ch in base).strip()
    return (base[:77] + "...") if len(base) > 80 else (base or "the file")


def unreadable(name: str, why: str) -> UnreadableDocument:
    return UnreadableDocument(f"{name}: {why}", filename=name, reason=why)


def empty_document(name: str, why: str = "no readable text was found in it") -> EmptyDocument:
    return EmptyDocument(f"{name}: {why}", filename=name, reason=why)


def decode_or_raise(data: bytes, name: str, hint: str | None = None) -> str:
    text = decode_or_none(data, hint)
    if text is None:
        raise unreadable(name, "the file is binary or in an unknown text encoding")
    if not text.strip():
        raise empty_document(name)
    return text


# --- paragraphs ------------------------------------------------------------------------------

BLANK_LINES = re.compile(r"\n(?:[ \t\u3000]*\n)+")
_INNER_SENTENCE_END = re.compile(r"[.!?](?=\s)|[。！？]")


def is_cjk(ch: str) -> bool:
    code = ord(ch)
    return (
        0x2E80 <= code <= 0x9FFF
        or 0xF900 <= code <= 0xFAFF
        or 0xFE30 <= code <= 0xFE4F
        or 0xFF00 <= code <= 0xFFEF
        or 0x20000 <= code <= 0x3FFFF
    )


def join_lines(lines: list[str], *, dehyphenate: bool = False) -> str:
    """Join wrapped lines of one paragraph: a space between words, nothing between hanzi.

    With ``dehyphenate``, "exam-" + "ple" -> "example", as for lines typeset with hyphenation.
    """
    parts: list[str] = []
    for line in (line.strip() for line in lines):
        if not line:
            continue
        if parts:
            last = parts[-1]
            if dehyphenate and last[-1] == "-" and last[-2:-1].isalpha() and line[0].islower():
                parts[-1] = last[:-1]
            elif not _tight(last[-1], line[0]):
                parts.append(" ")
        parts.append(line)
    return "".join(parts)


def _tight(left: str, right: str) -> bool:
    """No space between hanzi, nor next to full-width punctuation such as "，" or "（"."""
    if is_cjk(left) and is_cjk(right):
        return True
    return any(is_cjk(ch) and unicodedata.category(ch)[0] == "P" for ch in (left, right))


def looks_like_heading(line: str) -> bool:
    """Short, with no sentence punctuation at its end or inside it."""
    line = line.strip()
    return (
        0 < len(line) <= 120
        and line[-1] not in ".。!！?？;；:：,，、…"
        and not _INNER_SENTENCE_END.search(line)
    )


def fallback_title(paragraph: str, limit: int = 80) -> str:
    """The opening of the first paragraph, cut at a word boundary where words have spaces."""
    if len(paragraph) <= limit:
        return paragraph
    cut = paragraph[:limit]
    space = cut.rfind(" ")
    if paragraph[limit].isalnum() and not is_cjk(paragraph[limit]) and space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:，、") + "…"


def split_paragraphs(text: str) -> list[str]:
    """Blank-line blocks when there are any; otherwise every non-empty line stands alone."""
    if BLANK_LINES.search(text):
        return [p for block in BLANK_LINES.split(text) if (p := join_lines(block.split("\n")))]
    return [line.strip() for line in text.split("\n") if line.strip()]
