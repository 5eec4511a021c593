"""Sentences and passages: the units that are quoted and the units that are retrieved.

Sentences keep their paragraph and character offsets so that every quote can be cited to the
exact place it came from. Passages are a few consecutive sentences of one paragraph, overlapping
by one, so that a sentence near a window's edge still gets its neighbours' context.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from knowledge.text import HAN

# Abbreviations after which a period does not end an English sentence (compared case-folded,
# without the final period).
_ABBREVIATIONS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "sr",
        "jr",
        "st",
        "mt",
        "ft",
        "vs",
        "etc",
        "inc",
        "ltd",
        "co",
        "corp",
        "no",
        "nos",
        "fig",
        "figs",
        "vol",
        "pp",
        "ed",
        "eds",
        "est",
        "approx",
        "dept",
        "univ",
        "assn",
        "bros",
        "gen",
        "gov",
        "sen",
        "rep",
        "rev",
        "sgt",
        "capt",
        "col",
        "lt",
        "cmdr",
        "adm",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "mon",
        "tue",
        "wed",
        "thu",
        "fri",
        "sat",
        "sun",
        "e.g",
        "i.e",
        "u.s",
        "u.k",
        "u.n",
        "a.m",
        "p.m",
        "ph.d",
        "b.a",
        "m.a",
        "m.sc",
        "b.sc",
        "h.k",
        "p.r.c",
    ]
)

_CLOSERS = "\"'”’」』）)]》〉"
# A candidate sentence end: Chinese end marks (no space needed), or Latin end marks.
_END = re.compile(
    rf"(?:[。！？；]+|…+|\.{{3}}|[!?]+|\.)[{re.escape(_CLOSERS)}]*",
)
_WORD_BEFORE = re.compile(r"([A-Za-z][A-Za-z.]*)\.$")
_OPENERS_AFTER = re.compile(rf"\s*[\"'“‘「『（(\[]*[A-Z0-9{HAN}]")
_NON_SPACE = re.compile(r"\S")  # \s is str.isspace(), so this finds what strip() keeps
_WORD_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz.")


@dataclass(frozen=True)
class SentenceSpan:
    """A sentence's offsets inside its paragraph; ``text`` is the stripped slice."""

    start: int
    end: int
    text: str


def _is_latin_end(paragraph: str, mark_start: int, mark_end: int) -> bool:
    """Whether a Latin '.', '!' or '?' ends a sentence, minding abbreviations and numbers.

    Works on offsets into ``paragraph``: slicing off the text before or after every period
    would make a long English paragraph quadratic.
    """
    mark = paragraph[mark_start]
    first = paragraph[mark_end : mark_end + 1]
    if first and not first.isspace():
        # "3.5", "U.S.-China", "e.g.," — only whitespace (or the paragraph end) closes a sentence.
        return not first.isascii() or (not first.isalnum() and first not in ".,;:-")
    if mark != ".":
        return True
    # The word before the period: where the run of letters and dots it belongs to begins.
    lo = mark_start
    while lo and paragraph[lo - 1] in _WORD_CHARS:
        lo -= 1
    match = _WORD_BEFORE.search(paragraph, lo, mark_start + 1)
    next_char = _NON_SPACE.search(paragraph, mark_end)
    if match:
        word = match.group(1).casefold()
        if word in _ABBREVIATIONS:
            return False
        if len(word) == 1 and word.isalpha() and paragraph[match.start(1)].isupper():
            return False  # an initial, as in "Andrew C. Yao"
        if "." in word and all(len(part) <= 2 for part in word.split(".") if part):
            # U.S. / H.K. at the end of a sentence still ends it when a capital follows.
            lower_next = next_char is not None and next_char.group(0).islower()
            return bool(_OPENERS_AFTER.match(paragraph, mark_end)) and not lower_next
    if next_char is None:
        return True
    return bool(_OPENERS_AFTER.match(paragraph, mark_end))


def split_sentences(paragraph: str) -> list[SentenceSpan]:
    """Split one paragraph into sentences, Chinese and English alike."""
    spans: list[SentenceSpan] = []
    start = 0
    for match in _END.finditer(paragraph):
        mark = match.group(0)
        latin = mark[0] in ".!?" and not mark.startswith("...")
        if latin and not _is_latin_end(paragraph, match.start(), match.end()):
            continue
        _append(spans, paragraph, start, match.end())
        start = match.end()
    _append(spans, paragraph, start, len(paragraph))
    return spans


# A "sentence" longer than this (a list or a log pasted without full stops) is cut at a comma or
# a space: it is quoted whole, and a reply must stay a few messages long.
MAX_SENTENCE_CHARS = 600
_SOFT_BREAKS = "，、；：,;: "


def _append(spans: list[SentenceSpan], paragraph: str, start: int, end: int) -> None:
    raw = paragraph[start:end]
    stripped = raw.strip()
    if not stripped:
        return
    begin = start + len(raw) - len(raw.lstrip())
    end = begin + len(stripped)
    while end - begin > MAX_SENTENCE_CHARS:
        window = paragraph[begin : begin + MAX_SENTENCE_CHARS]
        cut = max(window.rfind(ch, MAX_SENTENCE_CHARS // 2) for ch in _SOFT_BREAKS)
        cut = cut + 1 if cut > 0 else MAX_SENTENCE_CHARS
        piece = paragraph[begin : begin + cut].rstrip()
        spans.append(SentenceSpan(begin, begin + len(piece), piece))
        rest = paragraph[begin + cut : end]
        begin = begin + cut + len(rest) - len(rest.lstrip())
    if end > begin:
        spans.append(SentenceSpan(begin, end, paragraph[begin:end]))


def passage_windows(count: int, size: int = 3, overlap: int = 1) -> list[tuple[int, int]]:
    """Half-open index windows of ``size`` sentences over ``count``, overlapping by ``overlap``.

    The last window is allowed to be short rather than repeat sentences already covered.
    """
    if count <= 0:
        return []
    if count <= size:
        return [(0, count)]
    step = max(1, size - overlap)
    windows: list[tuple[int, int]] = []
    start = 0
    while True:
        end = min(start + size, count)
        windows.append((start, end))
        if end == count:
            return windows
        start += step
