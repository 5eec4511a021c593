"""Facts about text written once: which characters are Han, and which language a tag names.

Every module that asks "is this Han?" or "which of our languages is this tag?" reads the answer
here, so the readers, the knowledge base and the bot cannot disagree (say, on whether "zh" is
Simplified Chinese).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from knowledge.models import Lang, Sentence

# The Han ideographs: CJK Unified Ideographs Extension A, the unified block and the
# compatibility ideographs, as the body of a regex character class ("[" + HAN + "]").
HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"

# Subtags that make a Chinese tag Traditional: the script itself, or a region that writes it.
_HANT_REGIONS = frozenset({"tw", "hk", "mo"})


_HAS_HAN = re.compile(f"[{HAN}]")


def has_han(text: str) -> bool:
    """Whether ``text`` holds any Han ideograph (a regex scan: sentences are checked per
    question, and a character loop in Python was a tenth of an answer's time)."""
    return _HAS_HAN.search(text) is not None


def is_han(ch: str) -> bool:
    """Whether the one character ``ch`` is a Han ideograph (in ``HAN``)."""
    return "\u3400" <= ch <= "\u4dbf" or "\u4e00" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff"


def lang_from_tag(tag: str | None) -> Lang | None:
    """Which of our languages a BCP 47 tag ("en-US", "zh_TW", "zh-Hant-HK") names, or None.

    An explicit script subtag decides; else a region that writes Traditional (Taiwan, Hong Kong,
    Macau) gives zh-Hant; any other Chinese tag, bare "zh" included, gives zh-Hans, as CLDR's
    likely subtags have it. Tags of other languages, and empty ones, give None: the caller
    decides (the knowledge base guesses from the text, the bot speaks English).
    """
    subtags = (tag or "").strip().replace("_", "-").casefold().split("-")
    if subtags[0] == "en":
        return "en"
    if subtags[0] != "zh":
        return None
    if "hans" in subtags:
        return "zh-Hans"
    if "hant" in subtags or _HANT_REGIONS & set(subtags[1:]):
        return "zh-Hant"
    return "zh-Hans"


def paragraph_text(sentences: Iterable[Sentence]) -> str:
    """A paragraph rebuilt from its sentences in order, by their offsets: the gaps between
    sentences were whitespace, so a space per gap character restores them (none in Chinese,
    where sentences follow each other directly)."""
    text = ""
    for sentence in sentences:
        if sentence.start > len(text):
            text += " " * (sentence.start - len(text))
        text += sentence.text
    return text


def paragraph_texts(sentences: Iterable[Sentence]) -> list[str]:
    """An article's paragraphs in order, each rebuilt by ``paragraph_text`` from its sentences
    (given in position order)."""
    by_number: dict[int, list[Sentence]] = {}
    for sentence in sentences:
        by_number.setdefault(sentence.paragraph, []).append(sentence)
    return [paragraph_text(by_number[n]) for n in sorted(by_number)]
