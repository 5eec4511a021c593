"""The scorer's matching rules: text folded so formatting never decides, answers found
whole, declines told by their phrases (see knowledge/evaluate/__init__.py for the rules)."""

from __future__ import annotations

import re
import unicodedata

from knowledge.text import has_han

# Phrases that mean "I don't know", in any bot's words, not only ours: kept specific, because a
# phrase that also occurs in an article would turn a quoted answer into a decline.
DECLINE_PHRASES = (
    # en
    *("i don't know", "i do not know", "don't know", "do not know", "not found", "no answer"),
    *("couldn't find", "could not find", "can't find", "cannot find", "unable to find"),
    *("no relevant", "nothing relevant", "not in the knowledge base", "no information"),
    *("knowledge base does not", "knowledge base doesn't", "no matching"),
    *("not able to answer", "can't answer", "cannot answer", "no results"),
    # zh-Hans
    *("不知道", "没有找到", "未找到", "找不到", "没有相关", "无相关", "无法回答", "没有能回答"),
    *("不能回答", "知识库中没有", "知识库里没有", "没有答案", "暂无答案", "查不到", "未能找到"),
    # zh-Hant
    *("沒有找到", "沒有相關", "無相關", "無法回答", "沒有能回答", "知識庫中沒有"),
    *("知識庫裏沒有", "知識庫裡沒有", "沒有答案", "暫無答案"),
)
_CURLY_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})


# -- matching ----------------------------------------------------------------------------------
def fold(text: str) -> str:
    """Width, case, curly quotes and runs of whitespace folded, so formatting never decides."""
    text = unicodedata.normalize("NFKC", text).translate(_CURLY_QUOTES).casefold()
    return " ".join(text.split())


def squash(text: str) -> str:
    """Folded with no whitespace at all: Chinese has none between words, and replies differ."""
    return "".join(fold(text).split())


def contains(haystack: str, needle: str) -> bool:
    """Whether ``needle`` occurs in ``haystack``, folded; ASCII letters and digits match whole.

    Chinese needles are also looked for with all whitespace dropped from both sides.
    """
    hay, pin = fold(haystack), fold(needle)
    if not pin:
        return False
    if has_han(pin):
        return pin in hay or squash(pin) in squash(hay)
    left = r"(?<![a-z0-9])" if _ascii_word_char(pin[0]) else ""
    right = r"(?![a-z0-9])" if _ascii_word_char(pin[-1]) else ""
    return re.search(left + re.escape(pin) + right, hay) is not None


def _ascii_word_char(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def without_question(reply: str, question: str) -> str:
    """The reply folded, with the question taken out where it repeats it word for word."""
    folded, asked = fold(reply), fold(question)
    return folded.replace(asked, " ") if asked else folded


def declines(text: str) -> bool:
    return any(contains(text, phrase) for phrase in DECLINE_PHRASES)
