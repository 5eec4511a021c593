"""The plain-text reply a person reads, in the question's language; shared by every front end
that shows text (the CLI prints it, ``ask --json`` carries it, the bot's HTML mirrors it)."""

from __future__ import annotations

from knowledge.models import Answer, Citation, QuotedSentence

NOT_FOUND = {
    "en": "I don't know: nothing in my articles answers that question.",
    "zh-Hans": "抱歉，我的资料里没有能回答这个问题的内容。",
    "zh-Hant": "抱歉，我的資料裡沒有能回答這個問題的內容。",
}
_PARAGRAPH = {"en": "paragraph {n}", "zh-Hans": "第{n}段", "zh-Hant": "第{n}段"}
_SOURCES = {"en": "Sources:", "zh-Hans": "出处：", "zh-Hant": "出處："}


def citation_line(citation: Citation, lang: str) -> str:
    """ "[1] Title — source, url, paragraph 3 (2025-03-14)"."""
    where = [p for p in (citation.source, citation.url) if p]
    where.append(_PARAGRAPH.get(lang, _PARAGRAPH["en"]).format(n=citation.paragraph))
    line = f"[{citation.number}] {citation.title} — {', '.join(where)}"
    if citation.published:
        line += f" ({citation.published})"
    return line


def unique_citations(quotes: tuple[QuotedSentence, ...]) -> list[Citation]:
    seen: dict[int, Citation] = {}
    for quote in quotes:
        seen.setdefault(quote.citation.number, quote.citation)
    return list(seen.values())


def format_plain(answer: Answer) -> str:
    if not answer.found:
        return NOT_FOUND.get(answer.lang, NOT_FOUND["en"])
    open_q, close_q = ("“", "”") if answer.lang == "en" else ("「", "」")
    lines = [f"{open_q}{q.sentence.text}{close_q} [{q.citation.number}]" for q in answer.quotes]
    lines.append("")
    lines.append(_SOURCES.get(answer.lang, _SOURCES["en"]))
    lines.extend(citation_line(c, answer.lang) for c in unique_citations(answer.quotes))
    return "\n".join(lines)
