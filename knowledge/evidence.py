"""Evidence that a sentence answers: pure checks over its text and terms.

answer.choose asks them of every candidate sentence: does it hold the asked words (even where
the segmenter cut across them), a number of what is counted, a Chinese person's name, the
question's years, a time that is not long past; does it name something else.
"""

from __future__ import annotations

import re
import weakref
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Sequence

from knowledge.aliases import AliasTable
from knowledge.analyze import Analyzer, Token
from knowledge.kinds import CHINESE_SURNAMES, GENERIC_HEADS, MEASURE_WORDS, ORG_NAME
from knowledge.models import Sentence
from knowledge.normalize import fold, fold_all
from knowledge.text import has_han


def spelled(
    terms: Counter[str], text: str, han_terms: Collection[str], folded: str | None = None
) -> Counter[str]:
    """``terms`` with the question's Chinese words that ``text`` spells but its terms lack.

    The segmenter cuts the same characters differently by what follows them: "俞德超说" keeps
    the name whole, "俞德超出生" reads 超出 ("exceed") and loses it. A sentence that writes
    the asked word across a cut holds it; one that writes it inside a longer word (智能 in
    人工智能) does not. ``folded``, when given, is ``fold(text)``.
    """
    missing = [t for t in han_terms if t not in terms]
    if not missing or not has_han(text):
        return terms
    folded = fold(text) if folded is None else folded
    for term in missing:
        count = folded.count(term)
        if count:
            count -= sum(n * word.count(term) for word, n in terms.items() if term in word)
        if count > 0:
            terms[term] = count
    return terms


def spelled_all(sentences: Sequence[tuple[Counter[str], str]], han_terms: Collection[str]) -> None:
    """:func:`spelled` of each (terms, text), the terms changed in place; the texts it reads
    are folded together (see fold_all)."""
    reading = [
        (terms, text)
        for terms, text in sentences
        if has_han(text) and any(t not in terms for t in han_terms)
    ]
    folded = fold_all([text for _, text in reading])
    for (terms, text), folded_text in zip(reading, folded, strict=True):
        spelled(terms, text, han_terms, folded_text)


# A sentence of the body ends as one (unless the segmenter cut a run-on one at a soft break):
# with a full stop, question or exclamation mark, colon or semicolon (maybe inside closing
# quotes or brackets), or with the ellipsis of a cut quote. A heading or byline does not.
ENDS_SENTENCE = re.compile(r"[.!?。！？;；:：…]['\"’”」』)）\]]*\s*$|\[…\]\s*$")


_NUMERAL = re.compile(
    r"\d[\d,.]*|[一二两三四五六七八九十百千万亿零〇]+|two|three|four|five|six|seven|eight|nine|ten"
    r"|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty"
    r"|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundr\w*|thousand\w*|dozen\w*"
)


# The measure words that count, in Chinese, what an English word names: "how many years" is
# answered by 十七年, "how many firms" by 55家.
_MEASURED_BY = {
    "year": ("年",),
    "month": ("月", "个月"),
    "day": ("天", "日"),
    "week": ("周", "星期"),
    "hour": ("小时",),
    "minut": ("分钟",),
    "time": ("次",),
    "compani": ("家",),
    "firm": ("家",),
    "peopl": ("人", "名", "位"),
    "person": ("人", "名", "位"),
    "share": ("股", "万股", "亿股"),
}


_MEASURE = frozenset(MEASURE_WORDS)


def measured(units: frozenset[str]) -> frozenset[str]:
    """``units`` with the Chinese measure words that count them."""
    return units.union(*(_MEASURED_BY.get(unit, ()) for unit in units))


def _counting(term: str) -> bool:
    """A number, or a number with its measure word ("三条")."""
    if _NUMERAL.fullmatch(term):
        return True
    numeral = _NUMERAL.match(term)
    return numeral is not None and term[numeral.end() :] in _MEASURE


def counts(tokens: Iterable[Token], units: frozenset[str]) -> bool:
    """Whether a number comes at most three words before a word for what is counted
    ("480 full-time and 680 part-time students", "210公顷", "11个城市"). ``tokens`` in any
    order; the terms that start where a word starts are that word: "staff" and its alias group's
    term ~employees are one word, not two."""
    at: dict[int, list[str]] = {}
    for token in tokens:
        at.setdefault(token.start, []).append(token.term)
    # A measure word stands between a number and what it counts ("200名中国内地学生"): it
    # takes no place of the three.
    words = [
        at[start] for start in sorted(at) if at[start][0] not in _MEASURE or at[start][0] in units
    ]
    for i, terms in enumerate(words):
        for term in terms:
            numeral = _NUMERAL.match(term)
            if numeral and not is_year(numeral.group(0)) and term[numeral.end() :] in units:
                return True  # "十七年" is one word
            if term not in units:
                continue
            if _NUMERAL.match(term):  # "四十分钟" is one word
                return True
            if any(_counting(t) for word in words[max(0, i - 3) : i] for t in word):
                return True
    return False


def chinese_name(term: str, analyzer: Analyzer) -> bool:
    """Whether ``term`` looks like a Chinese person's name: a word no dictionary knows, of two
    to four characters, starting with a common surname (吴家玮, 夏瑜)."""
    return 2 <= len(term) <= 4 and term[0] in CHINESE_SURNAMES and analyzer.coined(term)


def names_kind(
    terms: Iterable[str],
    kind: str | None,
    asked_terms: Collection[str],
    asked_text: str,
    aliases: AliasTable,
    kind_of: Callable[[str], str | None] | None,
) -> bool:
    """Whether ``terms`` hold a name of the asked ``kind`` that the question (its terms, and
    its folded text ``asked_text``) does not: by the alias table's section (白石角 a place,
    淡马锡 a firm) or by the dictionary's gloss (``kind_of``: 宁波 a place). "Hong Kong" is
    asked in "Where is the Hong Kong Science Park?", though only the park is a term of it."""
    return any(
        t not in asked_terms
        and (aliases.kinds.get(t) or (kind_of(t) if kind_of else None)) == kind
        and not any(form in asked_text for form in aliases.groups.get(t, ()))
        for t in terms
    )


def names_another(text: str, new_name: bool, asked_text: str) -> bool:
    """Whether the sentence ``text`` names something the question does not ("香港大學創立於
    1911年" asked of HKUST; ``new_name``: a known name the question lacks): then it is about
    that, whatever else its article names."""
    if new_name:
        return True
    return any(m.group(0) not in asked_text for m in ORG_NAME.finditer(fold(text)))


YEAR = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")


def next_to(sentence: Sentence, other: Sentence) -> bool:
    """Whether ``sentence`` comes right before or after ``other`` in the same article."""
    return sentence.article_id == other.article_id and abs(sentence.position - other.position) == 1


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


# The roles a "who" question asks of a firm or a school, in English and (folded) Chinese.
ROLE = re.compile(
    r"(?<![a-z0-9])(?:ceo|chief executive(?: officer)?|president|chairman|chairwoman|"
    r"chairperson|co-founder|founder|principal|vice-chancellor)(?![a-z0-9])|行政总裁|首席执行官|"
    r"总裁|校长|主席|董事长|联合创始人|创始人|创办人",
    re.IGNORECASE,
)
# The capitalised words just before a role ("Hong Kong CEO", "HKIC's chief executive").
_OWNER_BEFORE = re.compile(
    r"((?:[A-Z][\w&.-]*(?:['’]s)?\s+(?:(?:of|and|for|the)\s+)?)*[A-Z][\w&.-]*(?:['’]s)?)\s*$"
)
# ... or the "of" phrase just after it ("the president of Lingnan University").
_OWNER_AFTER = re.compile(
    r"^\s+of\s+(?:the\s+)?(?:(?:council|board|court|senate)\s+of\s+(?:the\s+)?)?"
    r"((?:[A-Z][\w&.-]*\s*)+)"
)
# An abbreviation or translation between owner and role: "香港科技大學（HKUST）校長".
_BRACKETED = re.compile(r"\s*[（(][^（()）]*[)）]\s*$")
# A Chinese owner ends right where the role starts, maybe with 的 or its board between.
_BOARD = re.compile(r"(?:的|董事会|董事局|校董会|校务委员会|理事会)$")
_OWNER_REACH = 40


def role_of_another(
    text: str, analyzer: Analyzer, roles: Collection[str], asked_terms: Collection[str]
) -> bool:
    """Whether every role ``text`` names belongs to something the question does not name:
    "Hong Kong CEO John Lee" says who Hong Kong's chief executive is, not HKIC's;
    "香港数码港管理有限公司行政总裁任景信" and "智谱CEO张鹏" name Cyberport's and Zhipu's. A
    role with no owner beside it ("its CEO", "创始人之一") may be the asked one's; so may one
    whose owner shares a name with the question (a generic word, "University", does not).
    Only the asked roles count (``roles``: their terms): "DeepSeek's founder" in a sentence
    about HKUST's president is no president of DeepSeek."""
    owners: list[list[str]] = []

    def asked(role: re.Match[str]) -> bool:
        return any(t in roles for t in analyzer.terms(role.group(0)))

    folded = fold(text)
    for role in ROLE.finditer(folded):  # the Chinese roles, in Simplified
        if has_han(role.group(0)) and asked(role):
            before = folded[max(0, role.start() - _OWNER_REACH) : role.start()]
            owners.append(_han_owner(before, analyzer))
    for role in ROLE.finditer(text):  # the English ones, capitals kept
        if not has_han(role.group(0)) and asked(role):
            before = text[max(0, role.start() - _OWNER_REACH) : role.start()]
            if has_han(before[-1:]):  # "智谱CEO"
                owners.append(_han_owner(before, analyzer))
                continue
            latin = _OWNER_BEFORE.search(_BRACKETED.sub("", before))
            after = _OWNER_AFTER.match(text[role.end() : role.end() + _OWNER_REACH])
            phrase = latin.group(1) if latin else after.group(1) if after else ""
            # (A determiner, "The CEO", analyses to no term: no owner.)
            owners.append(analyzer.terms(phrase) if phrase else [])
    generic = _generic_terms(analyzer)
    named = [[t for t in owner if t not in generic] for owner in owners]
    return bool(named) and all(
        owner and not any(t in asked_terms for t in owner) for owner in named
    )


def _han_owner(before: str, analyzer: Analyzer) -> list[str]:
    """The name that ends where a role starts in Chinese: an alias group's (康方生物董事会主席)
    or a word no dictionary knows (智谱CEO)."""
    tail = _BOARD.sub("", _BRACKETED.sub("", fold(before).rstrip()))
    return [
        t.term
        for t in analyzer.analyze(tail)
        if t.end == len(tail) and (t.term[0] == "~" or analyzer.coined(t.term))
    ]


# What kind of body an owner is, in both languages: no name of one.
_GENERIC = (
    "university college school institute academy company corporation group bank exchange "
    "government council board fund " + " ".join(GENERIC_HEADS)
)


_GENERIC_TERMS: weakref.WeakKeyDictionary[Analyzer, frozenset[str]] = weakref.WeakKeyDictionary()


def _generic_terms(analyzer: Analyzer) -> frozenset[str]:
    """The terms of the generic words, once per analyzer (and not keeping it alive)."""
    terms = _GENERIC_TERMS.get(analyzer)
    if terms is None:
        terms = _GENERIC_TERMS[analyzer] = frozenset(analyzer.terms(_GENERIC))
    return terms


def concepts_of(concepts: Sequence[Sequence[str]]) -> dict[str, list[int]]:
    """Per asked term, the concepts it is an alternative of, by index (as often as each
    lists it)."""
    found: dict[str, list[int]] = {}
    for i, alternatives in enumerate(concepts):
        for term in alternatives:
            found.setdefault(term, []).append(i)
    return found


def counts_by_concept(
    terms: Counter[str], near: set[str], concepts_of: dict[str, list[int]], n: int
) -> tuple[list[int], list[bool]]:
    """Per concept, how often a sentence's ``terms`` hold its alternatives, and whether
    ``near`` holds any: found from the few asked terms a sentence holds, not by looking up
    every alternative of every concept."""
    tfs = [0] * n
    for term in concepts_of.keys() & terms.keys():
        count = terms[term]
        for i in concepts_of[term]:
            tfs[i] += count
    nears = [False] * n
    for term in concepts_of.keys() & near:
        for i in concepts_of[term]:
            nears[i] = True
    return tfs, nears
