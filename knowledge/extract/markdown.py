"""Plain text and Markdown -> a ParsedDocument; front matter gives the metadata.

Pasted text goes through here too, as light Markdown. The HTML reader reuses
``markdown_paragraphs`` on trafilatura's Markdown output.
"""

from __future__ import annotations

import re

from knowledge.extract.common import (
    BLANK_LINES,
    fallback_title,
    join_lines,
    looks_like_heading,
    split_paragraphs,
)
from knowledge.models import ParsedDocument
from knowledge.text import lang_from_tag


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
        lang=lang_from_tag(meta.get("lang")),
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
    alone = not following or not BLANK_LINES.search(body) or len(plain) < 0.6 * len(following)
    if (
        plain
        and rest.strip()
        and alone
        and looks_like_heading(plain)
        and not _MD_SYNTAX.match(plain)
    ):
        return _md_inline(plain), rest
    return None, body


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
    soft_wrap = bool(BLANK_LINES.search(body))
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
