"""Follow-up questions, read with the question before them.

"When was it founded?" after "Which Hong Kong university trained a DeepSeek founder?" is about
HKUST: asked alone it is about anything founded, and a confident answer about SenseTime is
worse than none. A follow-up leans on the earlier question when it has a pronoun ("it", "his",
"that company", "它", "那家公司") or names nothing of its own ("哪一年成立的？"). What it leans on:

- the earlier question's answer, when that question asked for a thing or a person ("which
  university", "who") and the pronoun fits it: the names in the answer's first quote that the
  earlier question did not say, kept to those of the asked-for sort ("university");
- otherwise the names of the earlier question itself.

One such name is carried over, written into the follow-up in place of the pronoun; several are
put back to the asker as a choice. A bare name after a question ("HKUST", "And SenseTime?") is
read as the earlier question about that name: the answer to "which one?", or "what about X".
Nothing is remembered here: the caller passes the earlier question each time.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from knowledge.analyze import Analyzer
from knowledge.kinds import classify
from knowledge.models import Answer, Lang
from knowledge.normalize import fold, guess_lang, to_simplified, to_traditional
from knowledge.text import has_han

# At most this many things are offered when a follow-up could mean several.
MAX_CHOICES = 3
# A question with no name and no pronoun leans on the earlier one only when it has at most this
# many words of substance (index terms): "哪一年成立的？" has one, "when?" none; the eval-dev
# set's name-less questions, all meant to stand alone, have three or more.
_ELLIPSIS_WORDS = 2

_EN_PERSON = r"he|him|his|she|her|hers|this person|that person|this man|that man|this woman"
_EN_THING = (
    r"it|its|they|them|their|(?:this|that|the same|said) (?:company|firm|university|school|"
    r"college|lab|laboratory|fund|exchange|drug|medicine|model|startup|start-up|institute|"
    r"hospital|bank|group|place|city|park|trial|programme|program|plan|one)"
)
# "他" but not "其他" (other); "那家公司" but not "那家用AI找药的公司" (a description, not a
# pointer back: the determiner must stand right before its noun).
_ZH_PERSON = r"(?<!其)他(?!们)|她(?!们)|此人|这个人|那个人|该人"
_ZH_THING = (
    r"它们|它|他们|她们|(?:这|那|该)(?:家|所|间|个|款|座)?(?:公司|企业|大学|学校|机构|实验室|"
    r"基金|交易所|药|药物|模型|医院|银行|集团|城市|地方|园区|试验|计划)|该校"
)
_PRONOUN = re.compile(
    rf"\b(?P<en_person>{_EN_PERSON})\b|\b(?P<en_thing>{_EN_THING})\b"
    rf"|(?P<zh_thing>{_ZH_THING})|(?P<zh_person>{_ZH_PERSON})",
    re.IGNORECASE,
)
_POSSESSIVE = {"its", "his", "their", "hers"}
# Words around a bare name that ask "and this one?": "and X?", "what about X", "那X呢".
_ABOUT = re.compile(
    r"^(?:and|what about|how about|and what about|then|also|or)\b|^(?:那|那么|还有|至于|那么)"
    r"|(?:呢|吗|嗎)$",
    re.IGNORECASE,
)
_PUNCT = re.compile(r"[\s?？!！.。,，、:：;；'\"“”「」()（）]+")
# Capitalised runs a name may be written as when no alias group knows it ("Michelle Xia").
# Latin letters only: "MiniMax招股价" names MiniMax, not the whole question.
_CAPITALISED = re.compile(
    r"(?<![A-Za-z0-9])[A-Z][A-Za-z0-9'’.&-]*(?:\s+(?:of|and|the|for|[A-Z][A-Za-z0-9'’.&-]*))*"
)
_LEADING_ARTICLE = re.compile(r"^(?:The|A|An|In|On|At|By|For|And|But|When|Which|Who)\s+")
_NOT_PERSON = re.compile(
    r"universit|college|compan|group|park|exchange|institut|hospital|fund|bank|lab|corporat|"
    r"council|area|province|city|technolog|scien|academ|committee|congress|conference|"
    r"programme|blueprint|loop|metropolis|kong|china|chinese|district|island|plan|"
    r"大学|公司|集团|园|交易所|研究院|医院|基金|银行|实验室|科技|学院|委员会|政府|中心|省|市|区"
)
_PERSON_SHAPE = re.compile(r"^[A-Z][a-z'’]+(?: [A-Z][a-z'’-]+){1,2}$")


@dataclass(frozen=True)
class Name:
    """A thing a text names: its alias group (or folded text) and how the text writes it."""

    key: str
    written: str
    forms: tuple[str, ...]

    @property
    def person_like(self) -> bool:
        """Written like a person's name ("Liang Wenfeng") and like no institution or place."""
        every = " ".join((self.written, *self.forms))
        shaped = bool(_PERSON_SHAPE.match(self.written)) or (
            not re.search(r"[A-Za-z]", self.written) and 2 <= len(self.written) <= 3
        )
        return shaped and not _NOT_PERSON.search(fold(every))


@dataclass(frozen=True)
class Reading:
    """How to answer a follow-up: ``question`` (the follow-up, or it with the thing it is
    about written in), or ``choices`` when it could mean several things and the reply asks."""

    question: str
    subject: str | None = None
    choices: tuple[str, ...] = ()


def names_in(text: str, analyzer: Analyzer) -> list[Name]:
    """The things ``text`` names, in order: alias groups that name something, and capitalised
    runs no group covers; a name inside a longer one ("Hong Kong" in "Hong Kong University of
    Science and Technology") is the longer one's."""
    aliases = analyzer.aliases
    found: list[tuple[int, int, str, tuple[str, ...]]] = []
    for token in analyzer.spans(text):
        if token.term.startswith("~") and token.term in aliases.names:
            forms = tuple(sorted(aliases.groups.get(token.term, ())))
            found.append((token.start, token.end, token.term, forms))
    for match in _CAPITALISED.finditer(text):
        start, written = match.start(), match.group(0)
        lead = _LEADING_ARTICLE.match(written)
        if lead:
            start, written = start + lead.end(), written[lead.end() :]
        end = start + len(written)
        # The first word of an English text is capitalised anyway: there a single word counts
        # only when written as a name is ("DeepSeek", "HKEX"), or when Chinese follows it.
        if not written:
            continue
        plain_word = " " not in written and written[1:] == written[1:].lower()
        if start == 0 and plain_word and guess_lang(text) == "en":
            continue
        if not any(s < end and start < e for s, e, _, _ in found):
            found.append((start, end, fold(written), (fold(written),)))
    # Longest first, then drop what lies inside an earlier pick.
    found.sort(key=lambda f: (-(f[1] - f[0]), f[0]))
    kept: list[tuple[int, int, str, tuple[str, ...]]] = []
    for item in found:
        if not any(k[0] <= item[0] and item[1] <= k[1] for k in kept):
            kept.append(item)
    kept.sort()
    names: list[Name] = []
    for start, end, key, forms in kept:
        if all(n.key != key for n in names):
            names.append(Name(key, text[start:end], forms))
    return names


def pronoun(text: str) -> re.Match[str] | None:
    """The first word or phrase of ``text`` that points back at something said before."""
    return _PRONOUN.search(fold(text))


def _wants_person(match: re.Match[str] | None) -> bool | None:
    """True for he/she/他, False for it/that company/它, None with no pronoun."""
    if match is None:
        return None
    return bool(match.group("en_person") or match.group("zh_person"))


def _of_sort(names: Sequence[Name], person: bool | None, nouns: Sequence[str]) -> list[Name]:
    """``names`` narrowed to a person or not, and to those one of ``nouns`` describes
    ("university": HKUST's forms say it); a filter that would leave nothing is skipped."""
    picked = list(names)
    if person is not None:
        narrowed = [n for n in picked if n.person_like == person]
        picked = narrowed or picked
    if nouns:
        described = [
            n
            for n in picked
            if any(noun in " ".join((fold(n.written), *n.forms)) for noun in nouns)
        ]
        picked = described or picked
    return picked


def _display(name: Name, lang: Lang) -> str:
    """The name as a reader of ``lang`` would write it: as written when in that script, else a
    form of its alias group in that script."""
    if lang == "en":
        if re.search(r"[A-Za-z]", name.written):
            return name.written
        latin = [f for f in name.forms if re.search(r"[a-z]", f)]
        if not latin:
            return name.written
        form = max(latin, key=lambda f: (len(f), f))
        return form.upper() if " " not in form and len(form) <= 5 else form.title()
    if has_han(name.written):
        written = name.written
    else:
        hans = [f for f in name.forms if has_han(f) and not re.search(r"[a-z]", f)]
        written = max(hans, key=lambda f: (len(f), f)) if hans else name.written
    return to_traditional(written) if lang == "zh-Hant" else to_simplified(written)


def _rewrite(question: str, name: Name, match: re.Match[str] | None) -> str:
    """``question`` with ``name`` in place of its pronoun, or put before/after it without one."""
    lang = guess_lang(question)
    shown = _display(name, lang)
    if match is None:
        return f"{shown}{question}" if lang != "en" else f"{question.rstrip()} ({shown})"
    word = match.group(0)
    # fold() keeps offsets for these texts (no NFKC expansion in a short question); the
    # replacement goes into the text as written.
    start, end = match.start(), match.end()
    if fold(question[start:end]) != word:
        return f"{shown}{question}" if lang != "en" else f"{question.rstrip()} ({shown})"
    if word.casefold() in _POSSESSIVE:
        shown += "'s"
    return question[:start] + shown + question[end:]


def _focus_nouns(question: str) -> list[str]:
    """The word naming the sort of thing asked for ("which *university*", "哪所*大学*"),
    in both languages, for narrowing an answer's names to that sort."""
    folded = fold(question)
    nouns: list[str] = []
    pairs = {
        "universit": "大学",
        "compan": "公司",
        "school": "学校",
        "exchange": "交易所",
        "hospital": "医院",
        "bank": "银行",
        "fund": "基金",
        "lab": "实验室",
        "college": "学院",
        "city": "市",
        "park": "园",
    }
    for en, zh in pairs.items():
        if en in folded or zh in folded:
            nouns.extend([en, zh])
    return nouns


_WHICH = re.compile(
    r"\bwhich\b|\bwhat (?:\w+ ){0,3}(?:company|firm|university|body)\b"
    r"|哪所|哪家|哪间|哪个|哪一家|哪一所"
)


def _asked_for(question: str) -> str | None:
    """The kind of answer ``question`` asks for; any "which …" asks for a thing, however many
    words stand between "which" and its noun ("which Hong Kong university")."""
    kind = classify(question)
    if kind is None and _WHICH.search(fold(question)):
        return "organisation"
    return kind


def _bare_names(question: str, names: Sequence[Name]) -> bool:
    """Whether ``question`` says nothing but names (and "and … ?", "那 … 呢")."""
    if not names:
        return False
    rest = question
    for name in names:
        rest = rest.replace(name.written, " ")
    rest = _PUNCT.sub(" ", rest).strip()
    while rest:
        stripped = _ABOUT.sub("", rest).strip()
        if stripped == rest:
            break
        rest = stripped
    return not rest


def leans(
    question: str, own: Sequence[Name], analyzer: Analyzer, has_name: Callable[[str], bool]
) -> bool:
    """Whether ``question`` leans on an earlier one: a pronoun with no name of the question's
    own before it ("when was it founded?", not "how much did Akeso raise in its IPO?"), or, with
    no pronoun, no name of its own and hardly a word to go on ("哪一年成立的？", "who founded?");
    a longer question without a name ("what is the top-selling cancer medicine?") stands alone.
    ``has_name`` is the knowledge base's own test for a name (romanised ones included)."""
    match = pronoun(question)
    if match is not None:
        folded = fold(question)
        return not any(0 <= folded.find(fold(n.written)) < match.start() for n in own)
    if own or has_name(question):
        return False
    words = {t for t in analyzer.terms(question) if not t.startswith("~")}
    return len(words) <= _ELLIPSIS_WORDS


def read_followup(
    question: str,
    earlier: str,
    analyzer: Analyzer,
    answer_of: Callable[[str], Answer],
    has_name: Callable[[str], bool] = lambda _: False,
    max_chars: int = 500,
) -> Reading:
    """How to answer ``question`` asked after ``earlier``; ``answer_of`` answers a question
    without logging it (for the thing an earlier "which …?" found)."""
    own = names_in(question, analyzer)
    match = pronoun(question)
    before = names_in(earlier, analyzer)
    if _bare_names(question, own) and match is None:
        return _about_other(question, earlier, own[0], before)
    if not leans(question, own, analyzer, has_name):
        return Reading(question)  # a question of its own
    person = _wants_person(match)
    own_keys = {n.key for n in own}
    kind = _asked_for(earlier)
    candidates: list[Name] = []
    # "Who founded DeepSeek?" then "where did he study?": he is the founder the answer named;
    # then "when?" is still about DeepSeek. After "which university…?", "it" and a question
    # with no name of its own are about the university found.
    if (kind == "person" and person) or (kind in ("organisation", "place") and not person):
        candidates = _answered_names(earlier, before, analyzer, answer_of, kind == "person")
    if not candidates:
        candidates = _of_sort(before, person, _focus_nouns(question))
    candidates = [n for n in candidates if n.key not in own_keys]
    if len(candidates) == 1:
        name = candidates[0]
        return Reading(_rewrite(question, name, match), subject=name.written)
    if len(candidates) > 1:
        lang = guess_lang(question)
        shown = [_display(n, lang) for n in candidates[:MAX_CHOICES]]
        return Reading(question, choices=tuple(dict.fromkeys(shown)))
    # The earlier question names nothing: its words come along instead.
    room = max_chars - len(question) - 3
    if room <= 0:
        return Reading(question)
    return Reading(f"{question} ({earlier[:room]})")


def _answered_names(
    earlier: str,
    before: Sequence[Name],
    analyzer: Analyzer,
    answer_of: Callable[[str], Answer],
    person: bool,
) -> list[Name]:
    """The names the earlier question's answer brought: in its first quote, not in the
    question, of the sort asked for; [] when it was not answered."""
    answer = answer_of(earlier)
    if not answer.found or not answer.quotes:
        return []
    asked = {n.key for n in before}
    folded = fold(earlier)
    found = [
        n
        for n in names_in(answer.quotes[0].sentence.text, analyzer)
        if n.key not in asked and fold(n.written) not in folded
    ]
    narrowed = _of_sort(found, person, _focus_nouns(earlier))
    if len(narrowed) > 1:
        # Of several, those the sort's word describes; a person question keeps its persons.
        strict = [n for n in narrowed if n.person_like == person]
        narrowed = strict or narrowed
    return narrowed


def _about_other(question: str, earlier: str, name: Name, before: Sequence[Name]) -> Reading:
    """A bare name after ``earlier``: the earlier question about that name."""
    match = pronoun(earlier)
    if match is not None:
        return Reading(_rewrite(earlier, name, match), subject=name.written)
    if len(before) == 1:
        rewritten = earlier.replace(before[0].written, _display(name, guess_lang(earlier)), 1)
        return Reading(rewritten, subject=name.written)
    return Reading(question)
