"""The words a person reads, in the question's language, written once for every front end: the
not-found reply, small talk, asking back, quote marks and citation lines, and the plain-text
reply built from them (the CLI prints it, ``ask --json`` carries it, ``citebot eval`` scores
it, the bot's HTML in bot/render.py mirrors it).

The knowledge base gives data (knowledge.models: Answer, Citation); the words are the
presentation side's.
"""

from __future__ import annotations

from knowledge.models import Answer, Citation, Lang, QuotedSentence

NOT_FOUND: dict[Lang, str] = {
    "en": "I don't know: nothing in my articles answers that question.",
    "zh-Hans": "抱歉，我的资料里没有能回答这个问题的内容。",
    "zh-Hant": "抱歉，我的資料裡沒有能回答這個問題的內容。",
}
# Small talk's reply, by kind; example questions follow, one a line.
SMALL_TALK = {
    "greeting": {
        "en": "Hello! I answer questions about what my articles say.",
        "zh-Hans": "你好！我回答关于文章内容的问题。",
        "zh-Hant": "你好！我回答關於文章內容的問題。",
    },
    "thanks": {
        "en": "You're welcome! Ask me anything else.",
        "zh-Hans": "不客气！还有什么想问的吗？",
        "zh-Hant": "不客氣！還有甚麼想問的嗎？",
    },
    "capabilities": {
        "en": "I answer questions from my articles, quoting the exact sentences and where they "
        "come from.",
        "zh-Hans": "我根据文章回答问题，逐字引用原句并注明出处。",
        "zh-Hant": "我根據文章回答問題，逐字引用原句並註明出處。",
    },
}
FOR_EXAMPLE = {"en": "For example:", "zh-Hans": "例如：", "zh-Hant": "例如："}
# When there are no articles to draw examples from.
NO_EXAMPLES = {
    "en": "Send me a question in English or Chinese.",
    "zh-Hans": "请用中文或英文发问。",
    "zh-Hant": "請用中文或英文發問。",
}
ASK_BACK = {
    "en": "Which one do you mean: {choices}?",
    "zh-Hans": "你指的是哪一个：{choices}？",
    "zh-Hant": "你指的是哪一個：{choices}？",
}
_OR = {"en": " or ", "zh-Hans": "还是", "zh-Hant": "還是"}
_LIST = {"en": ", ", "zh-Hans": "、", "zh-Hant": "、"}
READING_AS = {
    "en": "(Reading this as: {question})",
    "zh-Hans": "（理解为：{question}）",
    "zh-Hant": "（理解為：{question}）",
}
# The marks around a quoted sentence, by the reply's language, for every front end (the bot's
# HTML and the plain text alike). Chinese gets 「」: the Simplified articles use “ ” inside
# their own sentences (击败全球“药王”), and a quote in the same marks would not show where
# it ends; 「」 are the usual marks in Traditional Chinese and read naturally in Simplified.
QUOTE_MARKS: dict[str, tuple[str, str]] = {
    "en": ("“", "”"),
    "zh-Hans": ("「", "」"),
    "zh-Hant": ("「", "」"),
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


def quote_marks(lang: str) -> tuple[str, str]:
    """(opening, closing) marks for a quoted sentence in a reply in ``lang``."""
    return QUOTE_MARKS.get(lang, QUOTE_MARKS["en"])


def unique_citations(quotes: tuple[QuotedSentence, ...]) -> list[Citation]:
    """Each citation the quotes carry once, in the order of its first quote."""
    seen: dict[int, Citation] = {}
    for quote in quotes:
        seen.setdefault(quote.citation.number, quote.citation)
    return list(seen.values())


def _in(texts: dict[str, str], lang: str) -> str:
    return texts.get(lang, texts["en"])


def small_talk_lines(answer: Answer) -> list[str]:
    """The reply to small talk: a friendly line, then each example question on its own."""
    first = _in(SMALL_TALK.get(answer.small_talk or "", SMALL_TALK["greeting"]), answer.lang)
    if not answer.examples:
        return [first, _in(NO_EXAMPLES, answer.lang)]
    return [first, _in(FOR_EXAMPLE, answer.lang), *(f"• {q}" for q in answer.examples)]


def ask_back(answer: Answer) -> str:
    """ "Which one do you mean: A or B?", for a follow-up that could mean several things."""
    choices = list(answer.choices)
    joined = (
        choices[0]
        if len(choices) == 1
        else (_in(_LIST, answer.lang).join(choices[:-1]) + _in(_OR, answer.lang) + choices[-1])
    )
    return _in(ASK_BACK, answer.lang).format(choices=joined)


def reading_as(answer: Answer) -> str | None:
    """ "(Reading this as: …)" for a follow-up answered about what an earlier question named."""
    if answer.understood is None:
        return None
    return _in(READING_AS, answer.lang).format(question=answer.understood)


def format_plain(answer: Answer) -> str:
    """The whole reply as plain text: small talk, asking back, or the quotes with their
    sources (the not-found words when nothing answers)."""
    if answer.small_talk is not None:
        return "\n".join(small_talk_lines(answer))
    if answer.choices:
        return ask_back(answer)
    head = reading_as(answer)
    body = _format_answer(answer)
    return f"{head}\n{body}" if head else body


def _format_answer(answer: Answer) -> str:
    if not answer.found:
        return NOT_FOUND.get(answer.lang, NOT_FOUND["en"])
    open_q, close_q = quote_marks(answer.lang)
    lines = [f"{open_q}{q.sentence.text}{close_q} [{q.citation.number}]" for q in answer.quotes]
    lines.append("")
    lines.append(_SOURCES.get(answer.lang, _SOURCES["en"]))
    lines.extend(citation_line(c, answer.lang) for c in unique_citations(answer.quotes))
    return "\n".join(lines)
