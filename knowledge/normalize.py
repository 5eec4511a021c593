"""Character-level folding shared by indexing and questions, and a language guess.

Matching folds Traditional to Simplified (jieba's dictionary is Simplified) and full-width to
half-width; the original text is always what gets quoted back to the user.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from functools import cache, partial

import opencc

from knowledge.models import Lang
from knowledge.text import HAN, has_han

_NOT_HAN = re.compile(f"[^{HAN}]+")
# Every byte but the ASCII letters': UTF-8 writes any other character in bytes of 0x80 and up.
_NOT_LATIN_BYTES = bytes(b for b in range(256) if not (65 <= b <= 90 or 97 <= b <= 122))


@cache
def _converter(config: str) -> opencc.OpenCC:
    return opencc.OpenCC(config)


def to_simplified(text: str) -> str:
    """Traditional -> Simplified, character by character where phrases would shift offsets."""
    simplified: str = _converter("t2s.json").convert(text)  # opencc's convert() is untyped
    return simplified


def to_traditional(text: str) -> str:
    traditional: str = _converter("s2t.json").convert(text)
    return traditional


def regional_variants(word: str) -> list[str]:
    """The folded word as the other side of the strait writes it: 人工智能 and 人工智慧, 软件
    and 软体 (OpenCC's Taiwan phrase tables), other than ``word`` itself; folding alone keeps
    each region's own word, so a question in one misses an article in the other."""
    taiwan: str = _converter("s2twp.json").convert(word)
    mainland: str = _converter("tw2sp.json").convert(to_traditional(word))
    variants = {to_simplified(taiwan), mainland} - {word}
    return sorted(v for v in variants if v)


def fold(text: str) -> str:
    """The matching form of ``text``: NFKC, case-folded, Traditional folded to Simplified."""
    return to_simplified(_nfkc(text).casefold())


def fold_all(texts: Sequence[str]) -> list[str]:
    """``[fold(text) for text in texts]``, converted to Simplified in one call: OpenCC's cost
    is mostly per call, and answer selection folds fifty sentences per question.

    Joined by newlines, which no OpenCC phrase holds, so no conversion reaches across two
    texts; a text holding one is converted on its own.
    """
    parts = [_nfkc(text).casefold() for text in texts]
    joined = [part for part in parts if "\n" not in part]
    converted = iter(to_simplified("\n".join(joined)).split("\n") if joined else [])
    return [to_simplified(part) if "\n" in part else next(converted) for part in parts]


def fold_with_offsets(text: str) -> tuple[str, list[int]]:
    """Fold ``text`` and map each folded character back to its index in ``text``.

    Needed to bold a question's words inside the original sentence: NFKC can expand one
    character into several, so the mapping is built character by character.
    """
    joined = text.casefold()
    if len(joined) == len(text) and unicodedata.is_normalized("NFKC", text):
        # The usual case, in C: each character of an NFKC text is NFKC by itself, and case
        # folding maps each character on its own to at least one, so equal lengths mean
        # one to one. The loop below gives the same string and offsets, 20 times slower.
        return _simplified_aligned(joined), list(range(len(text)))
    return fold_per_character(text)


def fold_per_character(text: str) -> tuple[str, list[int]]:
    """fold_with_offsets by its definition: each character folded on its own, its index
    repeated for every character it expands to."""
    parts: list[str] = []
    offsets: list[int] = []
    for i, ch in enumerate(text):
        folded = unicodedata.normalize("NFKC", ch).casefold()
        parts.append(folded)
        offsets.extend([i] * len(folded))
    return _simplified_aligned("".join(parts)), offsets


def _simplified_aligned(joined: str) -> str:
    simplified = to_simplified(joined)
    if len(simplified) != len(joined):
        # A phrase-level conversion changed the length; convert per character to keep alignment.
        simplified = "".join(
            to_simplified(ch) if len(to_simplified(ch)) == 1 else ch for ch in joined
        )
    return simplified


@cache
def _decomposer() -> Callable[[str], str]:
    """Replaces each character of the Basic Multilingual Plane that NFKD changes (Hangul
    syllables aside) by what NFKD makes of it; the table is built at first use (20 ms)."""
    table: dict[str, str] = {}
    for code in range(0x10000):
        ch = chr(code)
        if 0xAC00 <= code <= 0xD7A3 or 0xD800 <= code <= 0xDFFF:
            continue
        decomposed = unicodedata.normalize("NFKD", ch)
        if decomposed != ch:
            table[ch] = decomposed
    pattern = re.compile("[" + "".join(map(re.escape, table)) + "]")
    return partial(pattern.sub, lambda match: table[match.group()])


def _nfkc(text: str) -> str:
    """``unicodedata.normalize("NFKC", text)``, three times faster on Chinese text.

    Its full-width punctuation (，（）) sends CPython down its slow path; replacing each
    character NFKD changes by what NFKD makes of it first changes nothing in the result
    (NFKC composes the full decomposition, which is the same) and leaves the normalizer
    little or nothing to do.
    """
    if unicodedata.is_normalized("NFKC", text):
        return text
    return unicodedata.normalize("NFKC", _decomposer()(text))


def _latin_letters(text: str) -> int:
    """How many ASCII letters ``text`` holds (bytes.translate in C: a regex substitution took
    a fifth of answer selection's language guesses)."""
    return len(text.encode("utf-8", "surrogatepass").translate(None, _NOT_LATIN_BYTES))


def guess_lang(text: str) -> Lang:
    """English unless Han characters dominate; Traditional when its own characters prevail."""
    sample = text[:4000]
    if not has_han(sample):
        return "en"  # the usual English sentence, without building strings
    han_text = _NOT_HAN.sub("", sample)  # one string, not a list of 4,000 characters
    # Chinese articles quote Latin names (DeepSeek, HKUST): weigh a Han character like a word.
    # (Latin letters are counted only where there is room for three per Han character.)
    if len(han_text) * 4 < len(sample) and len(han_text) * 3 < _latin_letters(sample):
        return "en"
    simplified = to_simplified(han_text)
    # Compared whole first (in C): counting character by character costs 3% of a Chinese ingest.
    trad_only = 0 if simplified == han_text else sum(map(str.__ne__, han_text, simplified))
    if not trad_only:
        # Nothing Traditional to outweigh: skip the Simplified -> Traditional pass, which is
        # the slow one (phrase tables, about 5% of a Chinese ingest).
        return "zh-Hans"
    simp_only = sum(map(str.__ne__, han_text, to_traditional(han_text)))
    return "zh-Hant" if trad_only > simp_only else "zh-Hans"
