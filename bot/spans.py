"""Styled plain text -> Telegram HTML messages, each under Telegram's length limit.

Telegram counts its 4,096-character limit on the text *after* the markup is parsed, in UTF-16
code units. So a reply is first built as plain spans that know their style (bold, link, ...);
the spans are split into messages by their plain length (``pack``), and only then is each
message escaped and marked up. A cut can therefore never fall inside a tag or an ``&amp;``, and
a bold word that straddles a cut simply becomes two bold pieces. bot/render.py says what the
spans of an answer, a passage or a list are.
"""

from __future__ import annotations

import bisect
import html
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

MAX_MESSAGE = 4096
# Where to prefer a cut when a block must be broken, best first.
_BREAKS = ("\n", " ", "。", "！", "？", "；", "，", "、")
# A paragraph cut to one message gives up at most this many characters at either edge to end
# on a whole word.
_EDGE = 80


@dataclass(frozen=True)
class Span:
    """A run of plain text with one style; ``href`` makes it a link."""

    text: str
    bold: bool = False
    italic: bool = False
    code: bool = False
    href: str | None = None

    def html(self) -> str:
        out = html.escape(self.text, quote=False)
        if not out:
            return ""
        if self.code:
            out = f"<code>{out}</code>"
        if self.bold:
            out = f"<b>{out}</b>"
        if self.italic:
            out = f"<i>{out}</i>"
        if self.href:
            out = f'<a href="{html.escape(self.href, quote=True)}">{out}</a>'
        return out


Block = tuple[Span, ...]


def utf16_len(text: str) -> int:
    """Length as Telegram counts it."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def block_len(block: Block) -> int:
    return sum(utf16_len(s.text) for s in block)


def _cut_point(text: str, budget: int) -> int:
    """Index at which to cut ``text`` so the head fits ``budget`` UTF-16 units, at a nice break."""
    fit = 0
    used = 0
    for i, ch in enumerate(text):
        used += 2 if ord(ch) > 0xFFFF else 1
        if used > budget:
            break
        fit = i + 1
    if fit >= len(text):
        return fit
    window_start = max(1, fit - 300)
    for mark in _BREAKS:
        at = text.rfind(mark, window_start, fit)
        if at > 0:
            return at + 1
    return max(fit, 1)


def _break_block(block: Block, limit: int) -> list[Block]:
    """A block longer than ``limit`` cut into pieces that each fit."""
    pieces: list[Block] = []
    current: list[Span] = []
    room = limit
    queue = list(block)
    while queue:
        span = queue.pop(0)
        size = utf16_len(span.text)
        if size <= room:
            current.append(span)
            room -= size
            continue
        cut = _cut_point(span.text, room) if room > 0 else 0
        if cut > 0:
            current.append(replace(span, text=span.text[:cut]))
        queue.insert(0, replace(span, text=span.text[cut:]))
        if current:
            pieces.append(tuple(current))
        current, room = [], limit
    if current:
        pieces.append(tuple(current))
    return pieces


def pack(blocks: Iterable[Block], limit: int = MAX_MESSAGE, separator: str = "\n\n") -> list[str]:
    """Blocks joined into as few HTML messages as fit under ``limit`` (plain length)."""
    sep_len = utf16_len(separator)
    messages: list[list[Block]] = [[]]
    used = 0
    for block in blocks:
        for piece in _break_block(block, limit) if block_len(block) > limit else [block]:
            size = block_len(piece)
            extra = size + (sep_len if messages[-1] else 0)
            if messages[-1] and used + extra > limit:
                messages.append([])
                used, extra = 0, size
            messages[-1].append(piece)
            used += extra
    rendered = [separator.join("".join(s.html() for s in b) for b in msg) for msg in messages]
    return [m for m in rendered if m.strip()]


def merged(spans: Sequence[tuple[int, int]], length: int) -> list[tuple[int, int]]:
    """Highlight spans clamped to the text, sorted, with overlaps merged."""
    out: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        start, end = max(0, start), min(length, end)
        if end <= start:
            continue
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def window(text: str, anchor: tuple[int, int], room: int) -> tuple[int, int]:
    """[start, end) of ``text``, at most ``room`` UTF-16 units, around ``anchor`` (a quote):
    centred on it when it fits, starting at it when it does not, cut at a space or a Chinese
    punctuation mark near the edges when there is one."""
    units = list(itertools.accumulate((utf16_len(c) for c in text), initial=0))
    lo, hi = anchor
    spare = room - (units[hi] - units[lo])
    start = lo if spare <= 0 else bisect.bisect_left(units, units[lo] - spare // 2)
    end = bisect.bisect_right(units, units[start] + room) - 1
    if end >= len(text):
        end = len(text)
        start = min(start, bisect.bisect_left(units, units[end] - room))
    # Whole words at the edges: give up to _EDGE characters rather than cut inside one.
    if start > 0:
        breaks = [i for i in range(start, min(lo, start + _EDGE)) if text[i] in _BREAKS]
        if breaks:
            start = breaks[0] + 1
    if end < len(text):
        breaks = [i for i in range(max(hi, end - _EDGE), end) if text[i] in _BREAKS]
        if breaks:
            end = breaks[-1] + 1
    while start < lo and text[start].isspace():
        start += 1
    while end > hi and text[end - 1].isspace():
        end -= 1
    return start, end


def marked(text: str, marks: Sequence[tuple[int, int]]) -> Block:
    """``text`` as spans, bold where ``marks`` say (clamped to the text)."""
    spans: list[Span] = []
    pos = 0
    for start, end in merged(marks, len(text)):
        if start > pos:
            spans.append(Span(text[pos:start]))
        spans.append(Span(text[start:end], bold=True))
        pos = end
    if pos < len(text):
        spans.append(Span(text[pos:]))
    return tuple(spans)
