"""Answers and lists -> Telegram HTML messages, each under Telegram's length limit.

Telegram counts its 4,096-character limit on the text *after* the markup is parsed, in UTF-16
code units. So a reply is first built as plain spans that know their style (bold, link, ...);
the spans are split into messages by their plain length, and only then is each message escaped
and marked up. A cut can therefore never fall inside a tag or an ``&amp;``, and a bold word
that straddles a cut simply becomes two bold pieces.
"""

from __future__ import annotations

import bisect
import html
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from bot.i18n import counted, lang_name, t
from knowledge import ask_back, quote_marks, reading_as, small_talk_lines
from knowledge.models import (
    Answer,
    Article,
    Citation,
    Gap,
    Gaps,
    GivenAnswer,
    Lang,
    QuotedSentence,
)

MAX_MESSAGE = 4096
# Titles come from whatever the file says (front matter, <title>, PDF metadata): a confirmation
# or a paragraph's citation line quotes at most this much of one, so it always fits one message.
MAX_TITLE_CHARS = 300
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


def _block_len(block: Block) -> int:
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
        for piece in _break_block(block, limit) if _block_len(block) > limit else [block]:
            size = _block_len(piece)
            extra = size + (sep_len if messages[-1] else 0)
            if messages[-1] and used + extra > limit:
                messages.append([])
                used, extra = 0, size
            messages[-1].append(piece)
            used += extra
    rendered = [separator.join("".join(s.html() for s in b) for b in msg) for msg in messages]
    return [m for m in rendered if m.strip()]


def quote_block(quote: QuotedSentence, lang: Lang) -> Block:
    """“The sentence, exactly as written” [n] (「」 in a Chinese reply, as the command line
    quotes), with the question's words in bold."""
    marked = _marked(quote.sentence.text, quote.highlights)
    open_q, close_q = quote_marks(lang)
    return (Span(open_q), *marked, Span(f"{close_q} [{quote.citation.number}]"))


def _merged(spans: Sequence[tuple[int, int]], length: int) -> list[tuple[int, int]]:
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


def citation_line(citation: Citation, lang: Lang) -> Block:
    """[n] Title (a link when the article has a url) — source, paragraph, date."""
    spans: list[Span] = [Span(f"[{citation.number}] "), Span(citation.title, href=citation.url)]
    details = [citation.source] if citation.source else []
    details.append(t("paragraph", lang, n=citation.paragraph))
    if citation.published:
        details.append(citation.published)
    spans.append(Span(" — " + ", ".join(d for d in details if d)))
    return tuple(spans)


def _citations(quotes: Sequence[QuotedSentence]) -> list[Citation]:
    seen: dict[int, Citation] = {}
    for q in quotes:
        seen.setdefault(q.citation.number, q.citation)
    return [seen[n] for n in sorted(seen)]


def _quoted_reply(
    quotes: Sequence[QuotedSentence],
    lang: Lang,
    heading: str | None,
    limit: int,
    note: str | None = None,
) -> list[str]:
    blocks: list[Block] = []
    if note:
        blocks.append((Span(note, italic=True),))
    if heading:
        blocks.append((Span(heading, bold=True),))
    blocks.extend(quote_block(q, lang) for q in quotes)
    sources: list[Span] = [Span(t("sources", lang), bold=True)]
    for citation in _citations(quotes):
        sources.append(Span("\n"))
        sources.extend(citation_line(citation, lang))
    blocks.append(tuple(sources))
    return pack(blocks, limit)


def render_answer(answer: Answer, limit: int = MAX_MESSAGE) -> list[str]:
    """The reply to a question: quotes then numbered sources, or "not found", as HTML parts.

    Small talk gets its friendly lines and example questions; a follow-up that could mean
    several things asks which; one read with an earlier question says how it was read.
    """
    if answer.small_talk is not None:
        return pack([(Span("\n".join(small_talk_lines(answer))),)], limit)
    if answer.choices:
        return pack([(Span(ask_back(answer)),)], limit)
    note = reading_as(answer)
    if not answer.found or not answer.quotes:
        blocks: list[Block] = [(Span(t("not_found", answer.lang)),)]
        if note:
            blocks.insert(0, (Span(note, italic=True),))
        return pack(blocks, limit, separator="\n")
    return _quoted_reply(answer.quotes, answer.lang, None, limit, note)


def render_more(answer: Answer, limit: int = MAX_MESSAGE) -> list[str]:
    """The next best sentences of an answer, for the "more" button; [] when there are none."""
    if not answer.more:
        return []
    return _quoted_reply(answer.more, answer.lang, t("more_heading", answer.lang), limit)


def render_passage(
    citation: Citation,
    text: str,
    lang: Lang,
    quoted: Sequence[str] = (),
    limit: int = MAX_MESSAGE,
) -> list[str]:
    """A source's paragraph under its citation line, the ``quoted`` sentences in bold: always
    one message.

    A paragraph too long for one message is cut to a window around the first quote, with "…"
    where it was cut and a line saying so (with the article's url as a link when it has one):
    one press of "Source" never posts several messages.
    """
    if len(citation.title) > MAX_TITLE_CHARS:
        citation = replace(citation, title=citation.title[: MAX_TITLE_CHARS - 1].rstrip() + "…")
    marks = _merged([_found(text, q) for q in quoted if q and q in text], len(text))
    head = citation_line(citation, lang)
    room = limit - _block_len(head) - 2  # 2: the blank line under the citation
    if utf16_len(text) <= room:
        return pack([head, _marked(text, marks)], limit)
    note: list[Span] = [Span(t("passage_cut", lang), italic=True)]
    if citation.url:
        note += [Span(" "), Span(t("passage_full_text", lang), href=citation.url)]
    room -= _block_len(tuple(note)) + 2 + 2  # its blank line, and an ellipsis at either end
    start, end = _window(text, marks[0] if marks else (0, 0), room)
    body = _marked(text[start:end], [(a - start, b - start) for a, b in marks])
    if start > 0:
        body = (Span("…"), *body)
    if end < len(text):
        body = (*body, Span("…"))
    return pack([head, body, tuple(note)], limit)


def _found(text: str, sentence: str) -> tuple[int, int]:
    at = text.find(sentence)
    return at, at + len(sentence)


def _marked(text: str, marks: Sequence[tuple[int, int]]) -> Block:
    """``text`` as spans, bold where ``marks`` say (clamped to the text)."""
    spans: list[Span] = []
    pos = 0
    for start, end in _merged(marks, len(text)):
        if start > pos:
            spans.append(Span(text[pos:start]))
        spans.append(Span(text[start:end], bold=True))
        pos = end
    if pos < len(text):
        spans.append(Span(text[pos:]))
    return tuple(spans)


def _window(text: str, anchor: tuple[int, int], room: int) -> tuple[int, int]:
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


def render_article(article: Article, lang: Lang, status: str) -> str:
    """The confirming reply to an ingest: title, language, passages, id."""
    title = article.title
    if len(title) > MAX_TITLE_CHARS:
        title = title[: MAX_TITLE_CHARS - 1].rstrip() + "…"
    return t(
        status,
        lang,
        title=title,
        article_lang=lang_name(article.lang, lang),
        passages=counted("passages", article.passages, lang),
        id=article.id,
    )


def render_articles(articles: Sequence[Article], offset: int, total: int, lang: Lang) -> str:
    """One page of the article list (the caller keeps pages short, so one message)."""
    if not articles:
        return t("articles_empty", lang)
    blocks: list[Block] = [
        (Span(f"{offset + i + 1}. "), Span(a.id, code=True), Span(f" {a.title} ({a.lang})"))
        for i, a in enumerate(articles)
    ]
    header = t("articles_header", lang, first=offset + 1, last=offset + len(articles), total=total)
    return header + "\n" + pack(blocks, MAX_MESSAGE - 200, separator="\n")[0]


def render_stats(stats: dict[str, int | float], lang: Lang) -> str:
    share = round(float(stats.get("answered_share", 0.0)) * 100)
    return t(
        "stats",
        lang,
        articles=stats.get("articles", 0),
        passages=stats.get("passages", 0),
        questions=stats.get("questions", 0),
        share=share,
        up=stats.get("thumbs_up", 0),
        down=stats.get("thumbs_down", 0),
    )


def plain_summary(answer: Answer, limit: int = 200) -> str:
    """A short plain-text preview of an answer (inline result descriptions)."""
    if not answer.quotes:
        return ""
    text = answer.quotes[0].sentence.text
    return text if len(text) <= limit else text[: limit - 1] + "…"


# -- the gaps (/gaps) -------------------------------------------------------------------------
# A question quoted in the gaps list gives up what is past this many characters, so that ten
# of them fit one message with room to spare.
GAP_QUESTION_CHARS = 300


def gap_line(gap: Gap, lang: Lang) -> str:
    """How often and how a gap went wrong: "asked 3× · declined 2 · 👎 1 (Wrong source 1) ·
    2026-12-07 05:20" (UTC)."""
    parts = [t("plain_gap_asked", lang, n=gap.asked)]
    if gap.declined:
        parts.append(t("plain_gap_declined", lang, n=gap.declined))
    if gap.thumbs_down:
        why = ", ".join(f"{t(f'plain_reason_{r}', lang)} {n}" for r, n in gap.reasons)
        parts.append(f"👎 {gap.thumbs_down}" + (f" ({why})" if why else ""))
    parts.append(gap.last_at[:16].replace("T", " "))
    return " · ".join(parts)


def render_gaps(gaps: Gaps, lang: Lang, limit: int = MAX_MESSAGE) -> tuple[str, int]:
    """The gaps as one message and how many of them it shows: the first ones that fit, then
    "…and N more" for the rest (those not fetched included)."""
    if not gaps.gaps:
        return html.escape(t("plain_gaps_none", lang), quote=False), 0
    title = (Span(t("plain_gaps_title", lang), bold=True),)
    entries: list[Block] = []
    for number, gap in enumerate(gaps.gaps, start=1):
        question = gap.question
        if len(question) > GAP_QUESTION_CHARS:
            question = question[: GAP_QUESTION_CHARS - 1] + "…"
        entries.append(
            (
                Span(f"{number}. "),
                Span(f"“{question}”", bold=True),
                Span("\n" + gap_line(gap, lang), italic=True),
            )
        )
    for shown in range(len(entries), 0, -1):
        blocks = [title, *entries[:shown]]
        rest = gaps.total - shown
        if rest:
            blocks.append((Span(t("plain_gaps_more", lang, n=rest)),))
        parts = pack(blocks, limit)
        if len(parts) == 1:
            return parts[0], shown
    return pack([title], limit)[0], 0  # not reached: one entry is far under the limit


def render_given(given: GivenAnswer, lang: Lang, limit: int = MAX_MESSAGE) -> list[str]:
    """The answer a question got, quoted as it was given, with its sources; or that it was
    declined, or that it was not kept."""
    when = given.asked_at[:16].replace("T", " ")
    blocks: list[Block] = [
        (Span(t("plain_given_asked", lang, when=when), italic=True),),
        (Span(given.question, bold=True),),
    ]
    if not given.found:
        blocks.append((Span(t("plain_given_declined", lang)),))
        return pack(blocks, limit)
    if not given.kept:
        blocks.append((Span(t("plain_given_not_kept", lang)),))
        return pack(blocks, limit)
    blocks.extend((Span(f"“{q.text}” [{q.citation.number}]"),) for q in given.quotes)
    cited: dict[int, Citation] = {}
    for quote in given.quotes:
        cited.setdefault(quote.citation.number, quote.citation)
    sources: list[Span] = [Span(t("sources", lang), bold=True)]
    for number in sorted(cited):
        sources.append(Span("\n"))
        sources.extend(citation_line(cited[number], lang))
    blocks.append(tuple(sources))
    return pack(blocks, limit)
