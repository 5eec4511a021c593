"""Uploaded bytes or pasted text -> a ParsedDocument: paragraphs in order plus what metadata says.

Uploads come from strangers, so every reader treats its input as hostile: whatever the bytes,
``extract`` raises only UnsupportedFormat, FileTooLarge, EmptyDocument or UnreadableDocument,
each with a one-line English message that names the file. Plain text and Markdown are read here;
HTML, PDF and Word live in sibling modules, imported only when such a file arrives (trafilatura,
pypdf and python-docx take a noticeable time to import and most ingests are text).

Language is set only from metadata (front matter, <html lang>); guessing it from the text is
the caller's job. No NFKC here either: the analyzer folds later, and quotes must stay as written.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata

from knowledge.errors import (
    EmptyDocument,
    FileTooLarge,
    KnowledgeError,
    UnreadableDocument,
    UnsupportedFormat,
)
from knowledge.extract_charset import (
    decode_or_none,
    decode_text,
    normalize_text,
)
from knowledge.models import ParsedDocument

__all__ = [
    "DEFAULT_MAX_BYTES",
    "SUPPORTED_EXTENSIONS",
    "decode_text",
    "extract",
    "extract_text",
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
        from knowledge.extract_html import read_html

        return read_html(data, name, charset)
    if fmt == "pdf":
        from knowledge.extract_pdf import read_pdf

        return read_pdf(data, name)
    if fmt == "docx":
        from knowledge.extract_docx import read_docx

        return read_docx(data, name, max_bytes)
    text = decode_or_raise(data, name, charset)
    return read_markdown(text, fmt="md") if fmt == "md" else read_plain(text)


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


def decode_or_raise(data: bytes, name: str, hint: str | None = None) -> str:
    text = decode_or_none(data, hint)
    if text is None:
        raise unreadable(name, "the file is binary or in an unknown text encoding")
    if not text.strip():
        raise empty_document(name)
    return text


# --- paragraphs ------------------------------------------------------------------------------

_BLANK_LINES = re.compile(r"\n(?:[ \t\u3000]*\n)+")
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
    if _BLANK_LINES.search(text):
        return [p for block in _BLANK_LINES.split(text) if (p := join_lines(block.split("\n")))]
    return [line.strip() for line in text.split("\n") if line.strip()]


def read_plain(text: str) -> ParsedDocument:
    meta, body = front_matter(text)
    heading, body = _leading_heading(body)
    return _document(split_paragraphs(body), meta, heading, fmt="txt")


def read_markdown(text: str, *, fmt: str = "md") -> ParsedDocument:
    meta, body = front_matter(text)
    heading = None
    if not _MD_HEADING.search(body):
        heading, body = _leading_heading(body)
    paragraphs, headings = markdown_paragraphs(body)
    return _document(paragraphs, meta, heading or (headings[0] if headings else None), fmt=fmt)


def _document(
    paragraphs: list[str], meta: dict[str, str], heading: str | None, *, fmt: str
) -> ParsedDocument:
    title = meta.get("title") or heading or (fallback_title(paragraphs[0]) if paragraphs else None)
    return ParsedDocument(
        paragraphs=tuple(paragraphs),
        title=title,
        source=meta.get("source"),
        url=meta.get("url"),
        lang=normalize_lang(meta.get("lang")),
        published=meta.get("published"),
        format=fmt,
    )


def _leading_heading(body: str) -> tuple[str | None, str]:
    """A first line that reads like a headline is the title, not body text.

    Where blank lines separate paragraphs, single newlines may be hard wraps, so the line must
    also stand alone or be much shorter than the line after it.
    """
    first, _, rest = body.strip().partition("\n")
    plain, following = first.strip(), rest.partition("\n")[0].strip()
    alone = not following or not _BLANK_LINES.search(body) or len(plain) < 0.6 * len(following)
    if (
        plain
        and rest.strip()
        and alone
        and looks_like_heading(plain)
        and not _MD_SYNTAX.match(plain)
    ):
        return _md_inline(plain), rest
    return None, body


def normalize_lang(tag: str | None) -> str | None:
    """Map a BCP 47 tag onto the languages we index; other or ambiguous tags ("zh") -> None."""
    tag = (tag or "").strip().replace("_", "-").lower()
    if tag == "en" or tag.startswith("en-"):
        return "en"
    if tag.startswith("zh-"):
        if "hant" in tag or tag.endswith(("-tw", "-hk", "-mo")):
            return "zh-Hant"
        if "hans" in tag or tag.endswith(("-cn", "-sg", "-my")):
            return "zh-Hans"
    return None


# --- front matter and Markdown ---------------------------------------------------------------

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?\n)?---[ \t]*(?:\n|\Z)", re.DOTALL)
_FRONT_KEYS = frozenset({"title", "source", "url", "lang", "published"})
_MD_HEADING = re.compile(r"^ {0,3}#{1,6}(?:[ \t]+(.*))?$", re.MULTILINE)
_MD_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_MD_LIST = re.compile(r"^\s*(?:[-*+]|\d{1,3}[.)])\s+")
_MD_QUOTE = re.compile(r"^ {0,3}(?:>[ \t]?)+")
_MD_RULE = re.compile(r"^ {0,3}([-*_=])(?:[ \t]*\1){2,}[ \t]*$")
_MD_TABLE_CELL_RULE = re.compile(r"\s*:?-+:?\s*")
_MD_LINK_DEFINITION = re.compile(r"^ {0,3}\[[^\]]+\]:\s*\S+")
_MD_SYNTAX = re.compile(r"^(?:#|>|[-*+]\s|\d{1,3}[.)]\s|\||```|~~~)")
# Negated classes rather than lazy dots keep every pattern linear on hostile input: a line of
# a million "[" or "*a " must not take quadratic time.
_MD_INLINE = (
    (re.compile(r"!\[[^\[\]\n]*\](?:\([^()\n]*\)|\[[^\[\]\n]*\])"), ""),
    (re.compile(r"\[([^\[\]\n]+)\](?:\([^()\n]*\)|\[[^\[\]\n]*\])"), r"\1"),
    (re.compile(r"<((?:https?|mailto):[^<>\s]+)>"), r"\1"),
    (re.compile(r"`([^`\n]+)`"), r"\1"),
    (re.compile(r"(?<![*\\])\*([^*\s](?:[^*\n]*[^*\s])?)\*(?!\*)"), r"\1"),
    (re.compile(r"\*\*([^*\s](?:[^*\n]*[^*\s])?)\*\*"), r"\1"),
    (re.compile(r"(?<!\w)__?([^_\s](?:[^_\n]*[^_\s])?)__?(?!\w)"), r"\1"),
    (re.compile(r"~~([^~\n]+)~~"), r"\1"),
    (re.compile(r"\\([\\`*_{}\[\]()#+\-.!>|~])"), r"\1"),
)

_MD_INLINE_MARKS = re.compile(r"[\[<`*_~\\]")


def _drop_html_comments(text: str) -> str:
    """str.find, not a regex: an unclosed "<!--" repeated many times stays linear."""
    parts, position = [], 0
    while (start := text.find("<!--", position)) != -1:
        end = text.find("-->", start + 4)
        if end == -1:
            break
        parts.append(text[position:start])
        position = end + 3
    parts.append(text[position:])
    return "".join(parts)


def front_matter(text: str) -> tuple[dict[str, str], str]:
    """Metadata from a leading "---" block of "key: value" lines, and the text after it."""
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, text
    meta: dict[str, str] = {}
    for line in (match.group(1) or "").split("\n"):
        key, sep, value = line.partition(":")
        if not line.strip():
            continue
        if not sep or not re.fullmatch(r"[A-Za-z_][\w-]*", key.strip()):
            return {}, text  # not front matter after all, just text between two rules
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1].strip()
        if key.strip().lower() in _FRONT_KEYS and value:
            meta[key.strip().lower()] = value
    return meta, text[match.end() :]


def markdown_paragraphs(body: str) -> tuple[list[str], list[str]]:
    """Body paragraphs with Markdown syntax stripped lightly, and the headings apart from them.

    List items, table rows and code blocks each make one paragraph; without any blank line in
    the text, every line is its own paragraph, as in the plain-text reader.
    """
    body = _drop_html_comments(body)
    soft_wrap = bool(_BLANK_LINES.search(body))
    paragraphs: list[str] = []
    headings: list[str] = []
    current: list[str] = []
    fence: str | None = None
    code: list[str] = []

    def flush() -> None:
        if paragraph := join_lines([_md_inline(line) for line in current]):
            paragraphs.append(paragraph)
        current.clear()

    for line in body.split("\n"):
        if fence is not None:
            if line.strip().startswith(fence):
                paragraphs.extend([block] if (block := "\n".join(code).strip()) else [])
                fence, code = None, []
            else:
                code.append(line.rstrip())
            continue
        if match := _MD_FENCE.match(line):
            flush()
            fence = match.group(1)
        elif heading := _MD_HEADING.match(line):
            flush()
            # "## Title ##": closing hashes are decoration
            text = _md_inline((heading.group(1) or "").rstrip().rstrip("#"))
            headings.extend([text] if text else [])
        elif _MD_RULE.match(line):
            if len(current) == 1 and line.strip()[0] in "-=":  # setext heading underline
                headings.append(_md_inline(current.pop()))
            flush()
        elif not line.strip() or _MD_LINK_DEFINITION.match(line) or _is_table_rule(line):
            flush()
        else:
            line = _MD_QUOTE.sub("", line)
            is_row = line.strip().startswith("|")
            if match := _MD_LIST.match(line):
                flush()
                line = line[match.end() :]
            elif is_row:
                flush()
                line = " | ".join(cell.strip() for cell in line.strip().strip("|").split("|"))
            current.append(line)
            if is_row or not soft_wrap:
                flush()
    flush()
    if code:  # an unclosed fence runs to the end of the text
        paragraphs.extend([block] if (block := "\n".join(code).strip()) else [])
    return paragraphs, headings


def _is_table_rule(line: str) -> bool:
    """ "|---|:--:|": cell by cell, since one regex over the row backtracks badly on spaces."""
    row = line.strip()
    cells = row.strip("|").split("|")
    return "|" in row and all(_MD_TABLE_CELL_RULE.fullmatch(cell) for cell in cells)


def _md_inline(text: str) -> str:
    if not _MD_INLINE_MARKS.search(text):  # most lines have no syntax: skip the nine passes
        return text.strip()
    for pattern, replacement in _MD_INLINE:
        text = pattern.sub(replacement, text)
    return text.strip()
