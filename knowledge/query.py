"""Questions: their terms as synonym groups, and the kind of answer they ask for (kinds.py).

A question term, its alias group and its dictionary translations form one concept, scored as a
single term (structured query translation): the document's counts are summed and the group's
document frequency is that of the union. The kind of answer (a person, a year...) lets the
answerer decline when the sentences that mention the question's names do not hold that fact.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from knowledge.analyze import Analyzer, Token
from knowledge.kinds import GENERIC_HEADS, MEASURE_WORDS, MONEY_WORD, Kind, asks_share, classify
from knowledge.models import Lang
from knowledge.normalize import fold, guess_lang, regional_variants
from knowledge.text import is_han
from knowledge.translate import Dictionary, RomanisedNames


@dataclass(frozen=True)
class Concept:
    """One thing the question asks about, with every index term that expresses it."""

    label: str
    terms: tuple[str, ...]
    # The word that names the kind of answer ("which *role*", "什么*角色*"): the answer need not
    # repeat it, so it does not count toward a sentence's coverage of the question.
    focus: bool = False
    # A name: an alias group that names something, or a word capitalised in the question
    # ("Brannoch Institute"). The answer must mention the question's rarest name.
    name: bool = False
    # What "how many" counts ("how many *cities*", "多少个*城市*"): the answer states a
    # number of them ("11 cities", "210公顷").
    unit: bool = False
    # A word for money (price, raise, 募资, 估值) in a question about a sum: the sum itself
    # ("HK$24.05", "55.4亿港元") says it, since an answer seldom repeats the question's word.
    money: bool = False
    # A name whose index term is a stem it shares with everyday words ("Innovent" is innov, as
    # "innovation" is), as the question writes it: a sentence names it only by writing that.
    spelling: str = ""


@dataclass(frozen=True)
class Query:
    text: str
    lang: Lang
    kind: Kind | None
    concepts: tuple[Concept, ...]


# Names by their capitals. A capitalised word after a space, a bracket or a quote names
# something ("Brannoch Institute"): the question's first word is capitalised for the sentence's
# sake. A word capitalised inside names something wherever it stands, first in the question or
# against a Chinese character ("MiniMax的创始人", "HKGAI研发"), unless it is a short acronym
# ("香港IPO"); the words of a hyphenated phrase ("ivonescimab-versus-Keytruda") are three.
_CAPITALISED = re.compile(r"(?<=[\s(“\"'])[A-Z][A-Za-z0-9'’-]*")
_LATIN_WORD = re.compile(r"(?<![A-Za-z0-9])[A-Za-z][A-Za-z0-9'’]*")
_POSSESSIVE_END = re.compile(r"['’]s?$")


def _named_inside(word: str) -> bool:
    """Capitalised inside ("MiniMax", "iPhone"), or an acronym of four letters or more."""
    upper = sum(c.isupper() for c in word)
    return (upper >= 1 + word[0].isupper() and any(c.islower() for c in word)) or upper >= 4


_CALENDAR = re.compile(
    r"(january|february|march|april|may|june|july|august|september|october|november|december"
    r"|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
    r"|monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
)
_MONTHS = (
    "january february march april may june july august september october november december"
).split()
_MONTH_NUMBER = {month: n for n, month in enumerate(_MONTHS, 1)}
_FOCUS = re.compile(
    r"\b(what|which)\s+(?:kind of\s+|type of\s+|sort of\s+)?([a-z][a-z'-]*)"
    # Cantonese asks "what" with 咩 and 乜(嘢), "which" with 边: 咩领域 is 什么领域, 边一章 哪一章.
    r"|(什么|哪个|哪一个|哪款|哪种|哪类|哪一类|哪些|咩|乜嘢|乜|哪|边)([\u4e00-\u9fff])"
)


# Chinese ways to ask "how much" that the segmenter may cut into everyday characters (多/大).
_ASKING = re.compile(
    rf"多大|几大|多久|多长|多远|多高|多重|多老|多少|几多|几耐|几时|咩|边|几[{MEASURE_WORDS}]"
)
# "Where is it located": asked of a place, "located" is the question, not what the answer says.
# A sentence that says it ranks higher, one that does not may still answer: it is the focus.
_LOCATED = re.compile(r"\b(?:located|situated|based|lies?)\b|位于|坐落|座落|设于")


# The thing a count question counts: the word after "how many", or after 多少/几 and a
# measure word.
_COUNTED = re.compile(
    r"\bhow many\s+(?:more\s+)?([a-z][a-z'-]*)"
    rf"|(?:多少|几多|几)[{MEASURE_WORDS}]?([\u4e00-\u9fff])"
)
_PIVOTS = 2

# A Chinese question's role words ("黑芝麻智能创始人", "英矽智能嘅创办人"): the words just
# before one name whose role is asked, the firm or school the answer must be about.
_ROLE = re.compile(
    r"联合创始人|创始人|创办人|创立人|创建人|校长|院长|主席|行政总裁|总裁|首席执行官|董事长|"
    r"总经理|负责人|掌舵人|ceo"
)
_OF = "的嘅之 "
# Words that point at the owner instead of naming it ("该公司", "哪家").
_POINTING = re.compile(r"[该这那哪其它他她此本]")


def _role_owners(folded: str, tokens: list[Token], analyzer: Analyzer) -> set[tuple[int, int]]:
    """The spans of the words that name whose role a Chinese question asks ("黑芝麻智能" of
    "黑芝麻智能创始人叫什么名字"): up to two words right before the role word (and its 的),
    when together they are no word of the language (a firm's name, not "人工智能的创始人")
    and no alias or Latin word names the owner already. A generic head (公司, 大学) is left
    out: it says what kind of thing the owner is, not which."""
    owners: set[tuple[int, int]] = set()
    for role in _ROLE.finditer(folded):
        end = role.start()
        while end > 0 and folded[end - 1] in _OF:
            end -= 1
        words: list[Token] = []
        at = end
        while len(words) < 2:
            before = [t for t in tokens if t.end == at and t.start < at]
            if any(t.term.startswith("~") for t in before):
                break  # an alias group names the owner ("港科大校长")
            if not before:
                break
            word = min(before, key=lambda t: t.start)
            if not is_han(word.term) or _POINTING.search(word.term):
                break
            words.append(word)
            at = word.start
        if any(t.term.startswith("~") and t.end == at for t in tokens):
            continue
        joined = folded[at:end]
        if len(joined) >= 3 and analyzer.coined(joined):
            owners.update((w.start, w.end) for w in words if w.term not in GENERIC_HEADS)
    return owners


def _same_writing(a: str, b: str) -> bool:
    return ("\u3400" <= a[0] <= "\ufaff") == ("\u3400" <= b[0] <= "\ufaff")


def _joined_characters(tokens: list[Token]) -> list[Token]:
    """``tokens`` with each run of single Han characters side by side joined into one word.

    A short name the segmenter does not know falls apart into characters (港投公司: 港/投), and
    each character alone is in half the articles; together they are the name a sentence
    writes (found by its characters, see answer._spelled).
    """
    joined: list[Token] = []
    run = False  # whether the last token is made of single characters
    for token in tokens:
        single = len(token.term) == 1 and is_han(token.term)
        if single and run and joined[-1].end == token.start:
            last = joined[-1]
            joined[-1] = Token(last.term + token.term, last.start, token.end)
            continue
        joined.append(token)
        run = single
    return joined


def _whole_names(tokens: list[Token], names: RomanisedNames, analyzer: Analyzer) -> list[Token]:
    """``tokens`` with a name the segmenter cut across joined again ("俞德超喺" read 俞德 / 超,
    "任景信係" 任景 / 信系), where the index holds the name whole as a word no dictionary knows:
    the question asks about the person the articles write, not about 俞德 and 超."""
    out: list[Token] = []
    i = 0
    while i < len(tokens):
        a = tokens[i]
        b = tokens[i + 1] if i + 1 < len(tokens) else None
        if b is not None and a.end == b.start and is_han(a.term[0]) and is_han(b.term[0]):
            whole = a.term + b.term
            head = a.term + b.term[0]
            if names.known(whole) and analyzer.coined(whole):
                out.append(Token(whole, a.start, b.end))
                i += 2
                continue
            if len(b.term) > 1 and names.known(head) and analyzer.coined(head):
                out.append(Token(head, a.start, b.start + 1))
                if len(b.term) > 2:  # a single character left over is a particle (係)
                    out.append(Token(b.term[1:], b.start + 1, b.end))
                i += 2
                continue
        out.append(a)
        i += 1
    return out


def build_query(
    analyzer: Analyzer,
    dictionary: Dictionary | None,
    question: str,
    names: RomanisedNames | None = None,
) -> Query:
    """Analyse a question into concepts: aliases as their group, other terms with translations.

    ``names``, when given, adds the index's words that spell a name in the other script: the
    Han words a pinyin word reads as ("Zhipu": 智谱), the pinyin spellings of a Han name.
    """
    asked = question
    question = analyzer.rejoined(question)  # analysed as the words the articles hold
    tokens = _joined_characters(analyzer.analyze(question))
    if names is not None:
        tokens = _whole_names(tokens, names, analyzer)
    alias_spans = [(t.start, t.end) for t in tokens if t.term.startswith("~")]
    forms = analyzer.aliases.by_form
    concepts: list[Concept] = []
    seen: set[tuple[str, ...]] = set()

    folded = fold(question)
    focus_starts = {m.start(2) if m.group(2) else m.start(4) for m in _FOCUS.finditer(folded)}
    kind = classify(question)
    if kind == "place":
        focus_starts |= {m.start() for m in _LOCATED.finditer(folded)}
    unit_starts = {
        m.start(1) if m.group(1) else m.start(2)
        for m in _COUNTED.finditer(folded)
        if not (m.group(2) and m.group(2) in MEASURE_WORDS)  # "前多少名": 名 counts nothing
    }
    if asks_share(folded):
        unit_starts = set()  # "多少比例": a share, which counts nothing
    written = _CAPITALISED.findall(question) + list(
        filter(_named_inside, _LATIN_WORD.findall(question))
    )
    # "多少名教学人员": the phrase's last word (人员) is what is counted, when it ends the question.
    clause_end = len(folded.rstrip(" ？?。.!！吗呢"))
    for token in tokens:
        if token.start in unit_starts and not token.term.startswith("~"):
            unit_starts |= {
                t.start
                for t in tokens
                if t.start == token.end and t.end == clause_end and not t.term.isascii()
            }
    capitalised = {
        term
        for word in written
        if not _CALENDAR.fullmatch(word.lower())  # "in August": capitalised, but no name
        for term in analyzer.terms(word)
        if not term.isdigit()  # the 2 of "HARMONi-2"
    }
    name_groups = analyzer.aliases.names

    owners = _role_owners(folded, tokens, analyzer) if kind == "person" else set()

    def add(
        label: str,
        terms: list[str],
        start: int = -1,
        end: int = -1,
        name: bool = False,
        spelling: str = "",
    ) -> None:
        key = tuple(sorted(set(terms)))
        if key not in seen:
            seen.add(key)
            # A capitalised word of a group of common words ("PhD", "President") names nothing.
            common = label.startswith("~") and label not in name_groups
            is_name = name or label in name_groups or (label in capitalised and not common)
            # The word as the question writes it ("raised", not the stem "rais").
            word = folded[start:end] if start >= 0 else label
            money = kind == "money" and not is_name and bool(MONEY_WORD.search(word))
            concepts.append(
                Concept(
                    label,
                    key,
                    focus=start in focus_starts,
                    name=is_name,
                    money=money,
                    unit=kind == "amount" and start in unit_starts and not is_name,
                    spelling=spelling if is_name else "",
                )
            )

    # A search-mode sub-word one character short of its word ("创始" in "创始人") says the same
    # thing: it joins the word's concept instead of counting twice.
    absorbed: dict[int, list[str]] = {}
    for i, token in enumerate(tokens):
        for j, other in enumerate(tokens):
            if (
                i != j
                and len(other.term) == len(token.term) + 1
                and other.start <= token.start
                and token.end <= other.end
                and "\u3400" <= token.term[0] <= "\ufaff"
                and other.term not in forms
            ):
                absorbed.setdefault(j, []).append(token.term)
    skip = {t for terms in absorbed.values() for t in terms}
    # Latin words of the name being read ("Yu Dechao"), as written and as terms: its
    # spellings join the words as written, and its concept takes in the words' concepts.
    run: list[tuple[str, str]] = []
    asking = [m.span() for m in _ASKING.finditer(folded)]
    previous: Token | None = None  # the Latin word just read, for two-word phrases
    for i, token in enumerate(tokens):
        term = token.term
        if term in skip:
            continue
        if term.startswith("~"):
            run = []
            previous = None
            # A name inside a longer name ("单抗" in "依沃西单抗", "香港" in "香港中文大学") is
            # part of it, not a second thing the answer must name.
            if not any(
                s <= token.start and token.end <= e and (s, e) != (token.start, token.end)
                for s, e in alias_spans
            ):
                add(term, [term], token.start, token.end)
            continue
        if term in forms:
            continue  # the alias group stands for it
        if any(s <= token.start and token.end <= e for s, e in asking):
            continue  # "有多大": the question word, cut in two, asks; it is not asked about
        is_han = "\u3400" <= term[0] <= "\ufaff"
        if not is_han and any(s <= token.start and token.end <= e for s, e in alias_spans):
            continue  # a word inside a multi-word name ("hong" in "Hong Kong")
        alternatives = [term, *absorbed.get(i, [])]
        merged_name = False
        # A capitalised word no gloss writes whose stem the dictionary translates as other
        # words' ("Innovent": innov, 革新): those translations are not the name's.
        spelt = _POSSESSIVE_END.sub("", folded[token.start : token.end])
        stemmed_name = (
            not is_han
            and term in capitalised
            and term != spelt
            and dictionary is not None
            and not dictionary.knows(spelt)
        )
        if dictionary is not None and not stemmed_name:
            for word in list(alternatives):
                for gloss in dictionary.translations(word):
                    alternatives.append(forms.get(gloss, gloss))
                    # Through the other language and back: "all-rounder" is 多面手, which
                    # is "jack of all trades"; 招揽 is "attract", which is 吸引.
                    for back in dictionary.translations(gloss)[:_PIVOTS]:
                        if (
                            back != word
                            and _same_writing(back, word)
                            and not is_han
                            and gloss in dictionary.translations(back)
                        ):
                            alternatives.append(forms.get(back, back))
            between = folded[previous.end : token.start] if previous else "-"
            if previous and not is_han and not between.strip(" -"):
                phrase = dictionary.phrase(previous.term, term)
                if phrase and concepts and concepts[-1].label == previous.term:
                    # "San Francisco" is 旧金山: one concept, its words' terms included.
                    head = concepts.pop()
                    alternatives = [*head.terms, *alternatives, *phrase]
                    merged_name = head.name
        # A month is its number in Chinese (8月: the term 8), and the number before 月 its name.
        if spelt in _MONTH_NUMBER:
            alternatives.append(str(_MONTH_NUMBER[spelt]))
        elif term.isdigit() and folded[token.end : token.end + 1] == "月" and 1 <= int(term) <= 12:
            alternatives.extend(analyzer.terms(_MONTHS[int(term) - 1]))
        if is_han and names is not None:
            alternatives.extend(v for v in regional_variants(term) if names.known(v))
        romanised = False
        if names is not None:
            if is_han:
                run = []
                for spelling in names.latin(term):
                    found = [t for t in analyzer.terms(spelling) if names.known(t)]
                    alternatives.extend(found)
                    romanised = romanised or bool(found)
            else:
                # As written, less a possessive: "Tang Jie's" reads "tangjie".
                run = [*run, (spelt, term)][-3:]
                for n in range(len(run), 0, -1):
                    found = names.han("".join(word for word, _ in run[-n:]))
                    if found:
                        # "Yu Dechao" is one name: the words before this one join its concept.
                        before = {t for _, t in run[-n:-1]}
                        for _ in range(n - 1):
                            if concepts and concepts[-1].label in before:
                                alternatives.extend(concepts.pop().terms)
                        alternatives.extend(found)
                        romanised = True
                        break
        owner = (token.start, token.end) in owners
        add(
            term,
            alternatives,
            token.start,
            token.end,
            name=romanised or merged_name or owner,
            spelling=spelt if stemmed_name else "",
        )
        previous = None if is_han else token
    return Query(asked, guess_lang(asked), kind, tuple(concepts))
