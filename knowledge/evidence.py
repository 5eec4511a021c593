"""Evidence that a sentence answers: pure checks over its text and terms.

answer.choose asks them of every candidate sentence: does it hold the asked words (even where
the segmenter cut across them), a number of what is counted, a Chinese person's name, the
question's years, a time that is not long past; does it name something else.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection

from knowledge.analyze import Analyzer
from knowledge.kinds import CHINESE_SURNAMES, ORG_NAME
from knowledge.normalize import fold
from knowledge.text import has_han


def spelled(terms: Counter[str], text: str, han_terms: Collection[str]) -> Counter[str]:
    """``terms`` with the question's Chinese words that ``text`` spells but its terms lack.

    The segmenter cuts the same characters differently by what follows them: "俞德超说" keeps
    the name whole, "俞德超出生" reads 超出 ("exceed") and loses it. A sentence that writes
    the asked word across a cut holds it; one that writes it inside a longer word (智能 in
    人工智能) does not.
    """
    missing = [t for t in han_terms if t not in terms]
    if not missing or not has_han(text):
        return terms
    folded = fold(text)
    for term in missing:
        count = folded.count(term)
        if count:
            count -= sum(n * word.count(term) for word, n in terms.items() if term in word)
        if count > 0:
            terms[term] = count
    return terms


# A sentence of the body ends as one (unless the segmenter cut a run-on one at a soft break):
# with a full stop, question or exclamation mark, colon or semicolon (maybe inside closing
# quotes or brackets), or with the ellipsis of a cut quote. A heading or byline does not.
ENDS_SENTENCE = re.compile(r"[.!?。！？;；:：…]['\"’”」』)）\]]*\s*$|\[…\]\s*$")


_NUMERAL = re.compile(
    r"\d[\d,.]*|[一二两三四五六七八九十百千万亿零〇]+|two|three|four|five|six|seven|eight|nine|ten"
    r"|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty"
    r"|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundr\w*|thousand\w*|dozen\w*"
)


def counts(terms: list[str], units: frozenset[str]) -> bool:
    """Whether a number comes at most three words before a word for what is counted
    ("480 full-time and 680 part-time students", "210公顷", "11个城市")."""
    for i, term in enumerate(terms):
        if term in units and any(_NUMERAL.fullmatch(t) for t in terms[max(0, i - 3) : i]):
            return True
        if term in units and _NUMERAL.match(term):  # "四十分钟" is one word
            return True
    return False


def chinese_name(term: str, analyzer: Analyzer) -> bool:
    """Whether ``term`` looks like a Chinese person's name: a word no dictionary knows, of two
    to four characters, starting with a common surname (吴家玮, 夏瑜)."""
    return 2 <= len(term) <= 4 and term[0] in CHINESE_SURNAMES and analyzer.coined(term)


def names_another(text: str, new_name: bool, asked_text: str) -> bool:
    """Whether the sentence ``text`` names something the question does not ("香港大學創立於
    1911年" asked of HKUST; ``new_name``: a known name the question lacks): then it is about
    that, whatever else its article names."""
    if new_name:
        return True
    return any(m.group(0) not in asked_text for m in ORG_NAME.finditer(fold(text)))


YEAR = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")


def is_year(term: str) -> bool:
    return YEAR.fullmatch(term) is not None


def about_years(years: list[str], terms: Collection[str], context: Collection[str]) -> bool:
    """Whether a sentence is about the question's years: the years it states, or when it
    states none, those of its context (the sentence before, the title, the article's date)."""
    own = [t for t in terms if is_year(t)]
    return all(year in (terms if own else context) for year in years)


# A question about the present, in English or Chinese (folded): now, 现任, 而家.
NOW = re.compile(
    r"\b(now|currently|current|today|nowadays|presently|at present|these days)\b"
    r"|现在|目前|现任|而家|如今|当前|眼下|现时|现今|时下"
)
# How many years before its article's latest year a sentence's years are history.
_PAST_YEARS = 2


def of_the_past(text: str, terms: Collection[str], article_id: str, latest: dict[str, int]) -> bool:
    """Whether a sentence is about a time well before its article's own ("时任", or only years
    older than the article's date, else than the newest year its read passages state)."""
    if "时任" in fold(text):
        return True
    stated = [int(t) for t in terms if is_year(t)]
    newest = latest.get(article_id, 0)
    return bool(stated) and max(stated) < newest - _PAST_YEARS
