"""Answers, passages, lists and the gaps -> Telegram HTML messages under the length limit.

Each is said as blocks of styled spans; bot/spans.py packs them into messages (split by their
plain length, then marked up), so no cut falls inside a tag.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import replace

from bot.i18n import counted, lang_name, t
from bot.spans import (
    MAX_MESSAGE,
    Block,
    Span,
    block_len,
    marked,
    merged,
    pack,
    utf16_len,
    window,
)
from bot.words import ask_back, quote_marks, reading_as, small_talk_lines
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

# Titles come from whatever the file says (front matter, <title>, PDF metadata): a confirmation
# or a paragraph's citation line quotes at most this much of one, so it always fits one message.
MAX_TITLE_CHARS = 300


def quote_block(quote: QuotedSentence, lang: Lang) -> Block:
    """“The sentence, exactly as written” [n] (「」 in a Chinese reply, as the command line
    quotes), with the question's words in bold."""
    sentence = marked(quote.sentence.text, quote.highlights)
    open_q, close_q = quote_marks(lang)
    return (Span(open_q), *sentence, Span(f"{close_q} [{quote.citation.number}]"))


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
    marks = merged([_found(text, q) for q in quoted if q and q in text], len(text))
    head = citation_line(citation, lang)
    room = limit - block_len(head) - 2  # 2: the blank line under the citation
    if utf16_len(text) <= room:
        return pack([head, marked(text, marks)], limit)
    note: list[Span] = [Span(t("passage_cut", lang), italic=True)]
    if citation.url:
        note += [Span(" "), Span(t("passage_full_text", lang), href=citation.url)]
    room -= block_len(tuple(note)) + 2 + 2  # its blank line, and an ellipsis at either end
    start, end = window(text, marks[0] if marks else (0, 0), room)
    body = marked(text[start:end], [(a - start, b - start) for a, b in marks])
    if start > 0:
        body = (Span("…"), *body)
    if end < len(text):
        body = (*body, Span("…"))
    return pack([head, body, tuple(note)], limit)


def _found(text: str, sentence: str) -> tuple[int, int]:
    at = text.find(sentence)
    return at, at + len(sentence)


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
