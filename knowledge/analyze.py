"""The one analyzer used for indexing and for questions, so both see the same terms.

Pipeline: fold (NFKC, case, Traditional -> Simplified), split into Han and Latin runs, segment Han
runs with jieba's dictionary (cut by jieba-rs, see segmenter.py) in search mode, so "香港科技大学"
also yields "香港" and "大学", split Latin runs into words and numbers, drop stop words, stem
English, then add one group token for every alias form found, so names meet across languages.
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
import unicodedata
import uuid
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from functools import lru_cache
from itertools import compress
from operator import itemgetter
from pathlib import Path

import jieba
import Stemmer

from knowledge.aliases import AliasTable, learn_pairs
from knowledge.base_dictionary import base_dictionary
from knowledge.normalize import fold, fold_with_offsets
from knowledge.segmenter import Segmenter
from knowledge.stopwords import CANTONESE_WORDS, CHINESE_STOP, ENGLISH_STOP
from knowledge.text import HAN, is_han

jieba.setLogLevel(logging.WARNING)

# Lower-case Latin letters beyond ASCII (after case folding) and combining marks: "café",
# "Zürich", "Nguyễn" are one word each, matched with or without their accents.
_LATIN = "a-z\u00e0-\u00f6\u00f8-\u024f\u1e00-\u1eff\u0300-\u036f"
_HAN_RUN = re.compile(f"[{HAN}]+")
_RUN = re.compile(rf"[{HAN}]+|[0-9{_LATIN}]+(?:[.,][0-9]+)*(?:['’][{_LATIN}]+)*")
_POSSESSIVE = re.compile(r"['’]s?$")

# How often jieba's dictionary counts a word of everyday language (公司 45,604, 学府 1,010;
# names it lists are rarer: 商汤 48, 港交所 13; 北京大学, 2,053, is four characters).
COMMON_WORD_COUNT = 1000

_stemmer = Stemmer.Stemmer("english")
# Distinct words seen by one analyzer are bounded by the dictionary plus the new words the HMM
# finds; past this many the cache starts over rather than grow without end.
_WORD_CACHE_SIZE = 500_000
_TITLE_CACHE_SIZE = 200_000
# Every Han term sorts at or above this, every Latin one below.
_HAN_START = "\u3400"
# An analysed term and its span in the folded text.
_Span = tuple[str, int, int]


@dataclass(frozen=True)
class Token:
    """An analysed term and the span of folded text it came from (for highlighting)."""

    term: str
    start: int
    end: int


# A verb split from its object by an aspect particle, Cantonese 咗 or Mandarin 了, maybe with
# the amount asked between them ("融咗幾多資", "上了市");
# joined again when the two make a word jieba counts this often (招股 64, 融资 1,006).
_SPLIT_WORD = re.compile(f"([{HAN}])([咗了])(幾多|几多|多少|)([{HAN}])")
_SPLIT_WORD_COUNT = 50


@dataclass(frozen=True)
class AnalyzerSpec:
    """What another process needs to build an analyzer giving exactly the terms this one gives
    (``Analyzer.spec``, ``Analyzer.from_spec``): how it was built, and the aliases added since,
    in their order (each new word changes the segmenter's frequencies, so order matters)."""

    aliases: AliasTable  # the table it was built with, as it was then
    userdicts: tuple[bytes, ...]
    cache_dir: str | None
    origin: str  # the built analyzer's ``state``
    added: tuple[tuple[str, str], ...]


class Analyzer:
    """Turns text into index terms; holds the segmenter dictionary and the alias table.

    ``state`` names what decides its terms: a random id when built, chained with every alias
    that taught it something. Two analyzers in the same state (one built from the other's
    ``spec``, then taught the same aliases in the same order) give the same terms for any text.
    """

    def __init__(
        self,
        aliases: AliasTable,
        userdicts: Iterable[Path | bytes] = (),
        cache_dir: Path | None = None,
    ) -> None:
        self.aliases = aliases
        self._built_with = aliases.copy()
        self._cache_dir = str(cache_dir) if cache_dir else None
        self._added: list[tuple[str, str]] = []
        self.state = uuid.uuid4().hex
        self._origin = self.state
        # Each analyzer adds its own words, so it gets its own copy of the base dictionary;
        # loading that dictionary happens once per process (knowledge/base_dictionary.py),
        # mirroring it into jieba-rs once per analyzer.
        freq, total = base_dictionary(str(cache_dir) if cache_dir else None)
        self._base_freq = freq
        self._segmenter = Segmenter(freq, total)
        self._word_terms: dict[str, tuple[_Span, ...]] = {}
        self._word_cache_key: tuple[int, int, int] | None = None
        self._title_terms: dict[str, frozenset[str]] = {}
        # Domain words are kept whole: their sub-words ("方生" in "康方生物") are noise.
        self._protected: set[str] = set()
        # A user dictionary is kept as read, so that a copy built elsewhere reads the same one.
        self._userdicts = tuple(
            item if isinstance(item, bytes) else item.read_bytes()
            for item in userdicts
            if isinstance(item, bytes) or item.is_file()
        )
        for data in self._userdicts:
            self._segmenter.load_userdict(io.BytesIO(data))
            for line in data.decode("utf-8").splitlines():
                if line.strip() and not line.startswith("#"):
                    self._protected.add(fold(line.split()[0]))
        for form in aliases.han_forms():
            self._segmenter.add_word(form, freq=None)
            self._protected.add(form)
        for word in CANTONESE_WORDS:
            if len(word) > 1:
                self._segmenter.add_word(word, freq=None)
        self._rebuild_alias_matchers()

    def spec(self) -> AnalyzerSpec:
        """How to build an analyzer in this one's ``state`` (picklable, for a worker process)."""
        return AnalyzerSpec(
            self._built_with.copy(),
            self._userdicts,
            self._cache_dir,
            self._origin,
            tuple(self._added),
        )

    @classmethod
    def from_spec(cls, spec: AnalyzerSpec) -> Analyzer:
        """An analyzer in the state ``spec`` was taken in: same terms for any text."""
        cache_dir = Path(spec.cache_dir) if spec.cache_dir else None
        analyzer = cls(spec.aliases.copy(), spec.userdicts, cache_dir)
        analyzer._built_with = spec.aliases.copy()
        analyzer.state = analyzer._origin = spec.origin
        for form, other in spec.added:
            analyzer.add_alias(form, other)
        return analyzer

    # -- aliases ---------------------------------------------------------------------------
    def _rebuild_alias_matchers(self) -> None:
        han = sorted(self.aliases.han_forms(), key=len, reverse=True)
        self._han_alias = re.compile("|".join(map(re.escape, han))) if han else None
        self._latin_alias: dict[tuple[str, ...], str] = {}
        for form in self.aliases.latin_forms():
            terms = tuple(t[0] for t in self._base_tokens(form))
            if terms:
                self._latin_alias[terms] = self.aliases.by_form[form]
        self._max_latin = max((len(k) for k in self._latin_alias), default=0)
        self._latin_first = {k[0] for k in self._latin_alias}

    @property
    def segmenter(self) -> Segmenter:
        """The word segmenter this analyzer cuts Chinese with, its dictionary holding the user
        words and alias forms too: for measuring it (benchmarks/segment.py), not for adding
        words behind the analyzer's back (``add_alias`` does that)."""
        return self._segmenter

    def learn(self, text: str) -> list[tuple[str, str]]:
        """Learn "name (其他语言)" pairs from ``text``; returns the pairs that were new.

        A common word is never learned as a name: "公司 (Biotech)" or "科技 (Easy-Logic)" would
        make every company, or everything about technology, that name.
        """
        return [
            pair
            for pair in learn_pairs(text, self._last_han_word)
            if not self._common_word(fold(pair[0])) and self.add_alias(*pair)
        ]

    def _common_word(self, han: str) -> bool:
        """Whether ``han`` is an everyday word of two or three characters (jieba's dictionary
        counts it 1,000 times or more: 公司, 科技, 中心, 人群), which names nothing alone."""
        return 2 <= len(han) <= 3 and self._base_freq.get(han, 0) >= COMMON_WORD_COUNT

    def rejoined(self, text: str) -> str:
        """``text`` with a verb and its object joined again where an aspect particle split
        them ("融咗幾多資", "上了市": 融資, 上市 are the words the articles hold)."""

        def join(match: re.Match[str]) -> str:
            verb, particle, amount, noun = match.groups()
            if self._base_freq.get(fold(verb + noun), 0) >= _SPLIT_WORD_COUNT:
                return verb + noun + particle + amount
            return match.group(0)

        return _SPLIT_WORD.sub(join, text)

    def coined(self, term: str) -> bool:
        """Whether ``term`` is a Han word jieba's dictionary does not know (港大, 英矽, 智谱):
        a name, an abbreviation or a coinage, as opposed to a word of the language."""
        return (
            len(term) >= 2
            and all("\u3400" <= ch <= "\ufaff" for ch in term)
            and not self._base_freq.get(term)
            and term not in CANTONESE_WORDS
        )

    def word_count(self, word: str) -> int:
        """How often the segmenter's dictionary counts ``word`` (with the words added since: user
        words, alias forms), 0 for a word it does not know; what CC-CEDICT's maps rank by."""
        return int(self._segmenter.FREQ.get(word, 0) or 0)

    def add_alias(self, form: str, other: str) -> bool:
        """Put two forms in one alias group; True when that taught the table something."""
        _, added = self.aliases.add_group([form, other])
        for new in added:
            if not re.search("[a-z0-9]", new):
                self._segmenter.add_word(new, freq=None)
                self._protected.add(new)
        if added:
            self._rebuild_alias_matchers()
            self._added.append((form, other))
            link = "\x1f".join((self.state, form, other)).encode("utf-8")
            self.state = hashlib.blake2b(link, digest_size=16).hexdigest()
        return bool(added)

    def _last_han_word(self, run: str) -> str:
        words = self._segmenter.words(fold(run))
        if not words:
            return ""
        last = words[-1]
        # A single character or a common word ends a name ("奇捷科技", "康方生物"): the word
        # before it belongs to the name.
        if len(words) > 1 and (len(last) == 1 or self._common_word(last)):
            last = words[-2] + last
        # Return the original-script slice so the pair is stored as written.
        return run[len(run) - len(last) :]

    # -- analysis --------------------------------------------------------------------------
    # Internally a token is a plain (term, start, end) tuple: ingest only needs the terms, and
    # building a frozen dataclass per token cost as much as segmenting. Token objects are made
    # only where callers ask for spans.

    def _base_tokens(self, text: str) -> list[_Span]:
        return self._tokens_of_folded(fold(text))

    def _word_cache(self) -> dict[str, tuple[_Span, ...]]:
        """Per segmented word, the terms it yields; valid while the dictionary, the protected
        words and the alias forms stay as they were (each only grows, and every added word
        raises jieba's total, so their sizes tell)."""
        key = (self._segmenter.total, len(self._protected), len(self.aliases.by_form))
        if key != self._word_cache_key or len(self._word_terms) > _WORD_CACHE_SIZE:
            # A new dict, not clear(): a thread still analysing with the old state keeps
            # filling the old one, which nobody reads again.
            self._word_terms = {}
            self._title_terms = {}
            self._word_cache_key = key
        return self._word_terms

    def _tokens_of_folded(self, folded: str) -> list[_Span]:
        out: list[_Span] = []
        words = self._word_cache()
        cut = self._segmenter.words
        for run in _RUN.finditer(folded):
            word = run.group(0)
            pos = run.start()
            if is_han(word[0]):
                for piece in cut(word):
                    terms = words.get(piece)
                    if terms is None:
                        terms = words[piece] = self._han_word_terms(piece)
                    for term, i, j in terms:
                        out.append((term, pos + i, pos + j))
                    pos += len(piece)
                continue
            latin_term = _latin_term(word)
            if latin_term is not None:
                out.append((latin_term, pos, run.end()))
        return out

    def _han_word_terms(self, word: str) -> tuple[_Span, ...]:
        """jieba's search mode (a long word also yields its dictionary sub-words), except that
        protected domain words stay whole; spans relative to the word."""
        out: list[_Span] = []
        if len(word) > 2:
            # Inside a protected name only sub-words that are names themselves count:
            # "香港" and "大学" in "香港中文大学", not "方生" in "康方生物".
            protected = word in self._protected
            freq = self._segmenter.FREQ
            for n in (2, 3, 4):
                for i in range(len(word) - n + 1):
                    gram = word[i : i + n]
                    if gram == word or gram in CHINESE_STOP:
                        continue
                    wanted = gram in self.aliases.by_form if protected else freq.get(gram)
                    if wanted and (n < 4 or protected):
                        out.append((gram, i, i + n))
        if word not in CHINESE_STOP:
            out.append((word, 0, len(word)))
        return tuple(out)

    def analyze(self, text: str) -> list[Token]:
        """Index terms of ``text`` with folded-text spans, alias group tokens included."""
        folded = fold(text)
        tokens = self._tokens_of_folded(folded)
        return [Token(*t) for t in tokens + self._alias_tokens(folded, tokens)]

    def spans(self, text: str) -> list[Token]:
        """Like :meth:`analyze`, with spans mapped back to ``text`` itself (for highlighting)."""
        folded, offsets = fold_with_offsets(text)
        tokens = self._tokens_of_folded(folded)
        mapped: list[Token] = []
        for term, start, end in tokens + self._alias_tokens(folded, tokens):
            if end > start:
                mapped.append(Token(term, offsets[start], offsets[end - 1] + 1))
        return mapped

    def spans_of(self, text: str, terms: Collection[str]) -> list[tuple[int, int]]:
        """The spans of ``text`` (in ``text`` itself) whose terms are among ``terms``: those of
        :meth:`spans`, for highlighting a question's words in a quote.

        A Han run (the characters between two punctuation marks) holding none of ``terms``
        nor a form of an alias group among them is not segmented: its words are pieces of
        it, so none can be among them. It is blanked out instead, which keeps every offset.
        """
        forms = self.aliases.groups
        needles = [n for t in terms for n in (t, *forms.get(t, ())) if is_han(n[0])]

        def blanked(run: re.Match[str]) -> str:
            held = any(needle in run.group(0) for needle in needles)
            return run.group(0) if held else " " * len(run.group(0))

        folded, offsets = fold_with_offsets(text)
        tokens = self._tokens_of_folded(_HAN_RUN.sub(blanked, folded))
        return [
            (offsets[start], offsets[end - 1] + 1)
            for term, start, end in tokens + self._alias_tokens(folded, tokens)
            if term in terms and end > start
        ]

    def title_terms(self, title: str) -> frozenset[str]:
        """The terms of an article's title, remembered while the words stay as they are: an
        answer reads the title of every article it found, and the same articles come up."""
        self._word_cache()  # forgets both when the words changed
        memo = self._title_terms
        found = memo.get(title)
        if found is None:
            found = frozenset(self.terms(title))
            if len(memo) < _TITLE_CACHE_SIZE:
                memo[title] = found
        return found

    def terms(self, text: str) -> list[str]:
        folded = fold(text)
        tokens = self._tokens_of_folded(folded)
        return list(map(itemgetter(0), tokens + self._alias_tokens(folded, tokens)))

    def _alias_tokens(self, folded: str, tokens: list[_Span]) -> list[_Span]:
        found: list[_Span] = []
        seen: set[tuple[str, int]] = set()
        by_form = self.aliases.by_form
        if self._han_alias is not None:
            for m in self._han_alias.finditer(folded):
                group = by_form[m.group(0)]
                found.append((group, m.start(), m.end()))
                seen.add((group, m.start()))
        # Forms nested inside a longer one ("香港" in "香港科技大学") come through the segmenter's
        # search-mode sub-words: the document mentions both names. The tokens are picked in C
        # (few are forms; a Latin term sorts below every Han one): a Python step per token would
        # be a sixth of analysing a Chinese text.
        terms = list(map(itemgetter(0), tokens))
        for term, start, end in compress(tokens, map(by_form.__contains__, terms)):
            if term >= _HAN_START:
                group = by_form[term]
                if (group, start) not in seen:
                    seen.add((group, start))
                    found.append((group, start, end))
        latin = list(compress(tokens, map(_HAN_START.__gt__, terms)))
        # Every Latin n-gram that is a form counts, nested ones included: "Hong Kong University of
        # Science and Technology" names both HKUST and Hong Kong.
        first_terms = self._latin_first
        for i in range(len(latin)):
            if latin[i][0] not in first_terms:
                continue  # no form starts with this word
            key: tuple[str, ...] = ()
            for n in range(1, min(self._max_latin, len(latin) - i) + 1):
                key += (latin[i + n - 1][0],)
                latin_group = self._latin_alias.get(key)
                if latin_group is not None:
                    found.append((latin_group, latin[i][1], latin[i + n - 1][2]))
        return found


@lru_cache(maxsize=1 << 16)
def _latin_term(word: str) -> str | None:
    """The index term of one Latin run (a word or a number); None for a stop word."""
    term = _POSSESSIVE.sub("", word).replace(",", "") if not word[0].isdigit() else word
    if term[0].isdigit():
        term = word.replace(",", "")
    if not term.isascii():
        # "café" and "cafe" are one term; letters that do not decompose ("ø") stay.
        decomposed = unicodedata.normalize("NFD", term)
        term = "".join(c for c in decomposed if not unicodedata.combining(c))
    if not term or term in ENGLISH_STOP:
        return None
    if term.isalpha():
        term = _stemmer.stemWord(term)
    return term
