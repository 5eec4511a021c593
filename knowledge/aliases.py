"""The bilingual alias table: names that mean the same thing across languages and scripts.

Each group gets one canonical index token (``~name``), emitted wherever any of its forms occurs,
so that "HKUST", "港科大" and "香港科技大學" meet in the index. The table ships with common
groups and grows from the articles: "香港科技大學（HKUST）" teaches the pair at ingest.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from knowledge.normalize import fold
from knowledge.text import HAN

_HAN_RUN = re.compile(f"[{HAN}]+")
_HAS_LATIN = re.compile(r"[a-z0-9]")
_HAS_HAN = re.compile(f"[{HAN}]")
# "Name (中文)" and "中文（Name）": the bracketed part is the other-language form.
_LATIN_THEN_HAN = re.compile(
    rf"((?:[A-Z][\w'’.-]*|of|and|the|for|&)(?:\s+(?:[A-Z][\w'’.-]*|of|and|the|for|&)){{0,6}})"
    rf"\s*[（(]\s*([{HAN}·]{{2,12}})\s*[)）]"
)
_HAN_THEN_LATIN = re.compile(
    rf"([{HAN}]{{2,40}})\s*[（(]\s*([A-Z][A-Za-z0-9'’.&\- ]{{1,60}}?)\s*[)）]"
)


def group_token(name: str) -> str:
    """The index token for an alias group; '~' never occurs in an analysed word."""
    return "~" + re.sub(r"\s+", "_", fold(name).strip())


@dataclass
class AliasTable:
    """Alias groups keyed by folded form; mutable so that ingest can teach it new pairs."""

    groups: dict[str, set[str]] = field(default_factory=dict)  # token -> folded forms
    by_form: dict[str, str] = field(default_factory=dict)  # folded form -> token
    # Groups that name something (a form was written with a capital: HKUST, Liang Wenfeng),
    # as opposed to common words (university / 大学): a question's names must be answered.
    names: set[str] = field(default_factory=set)
    # What a group of the shipped table names, from its section ("# --- places and regions"):
    # "place", "organisation", "person" or "term". Pairs learned from articles have none.
    kinds: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_lines(cls, lines: Iterable[str]) -> AliasTable:
        table = cls()
        kind: str | None = None
        for line in lines:
            line = line.strip()
            if line.startswith("# ---"):
                kind = _section_kind(line)
                continue
            if not line or line.startswith("#"):
                continue
            forms = [f.strip() for f in line.split("\t") if f.strip()]
            if len(forms) >= 2:
                token, _ = table.add_group(forms)
                if kind is not None:
                    table.kinds.setdefault(token, kind)
        return table

    def copy(self) -> AliasTable:
        """A table of its own with the same groups (teaching one does not teach the other)."""
        return AliasTable(
            {token: set(forms) for token, forms in self.groups.items()},
            dict(self.by_form),
            set(self.names),
            dict(self.kinds),
        )

    def may_be_person(self, token: str) -> bool:
        """Whether the group ``token`` could name a person: not a place, firm or common term."""
        return self.kinds.get(token, "person") == "person"

    @classmethod
    def from_file(cls, path: Path) -> AliasTable:
        return cls.from_lines(path.read_text(encoding="utf-8").splitlines())

    @classmethod
    def for_knowledge_base(
        cls, bundled: Path, own: Path, learned: Iterable[tuple[str, str]]
    ) -> AliasTable:
        """The table a knowledge base opens with: the ``bundled`` one (the corpus folder's
        aliases.tsv), the data folder's ``own`` when it has one, and the pairs ``learned``
        from stored articles, merged in that order."""
        table = cls.from_file(bundled)
        if own.is_file():
            for group in cls.from_file(own).groups.values():
                table.add_group(group)
        for form, other in learned:
            table.add_group([form, other])
        return table

    def add_group(self, forms: Iterable[str]) -> tuple[str, list[str]]:
        """Merge ``forms`` into the group of any form already known; return it and the new forms."""
        folded = [fold(f).strip() for f in forms]
        folded = [f for f in folded if f]
        token = next((self.by_form[f] for f in folded if f in self.by_form), None)
        if token is None:
            token = group_token(folded[0])
            self.groups.setdefault(token, set())
        if any(any("A" <= ch <= "Z" for ch in f) for f in forms):
            self.names.add(token)
        added = [f for f in folded if f not in self.by_form]
        for form in added:
            self.by_form[form] = token
            self.groups[token].add(form)
        return token, added

    def han_forms(self) -> list[str]:
        """Forms found by their characters: any with a Chinese character, "K药" and
        "第18A章" too (their letters and characters are not one run of words)."""
        return [f for f in self.by_form if _HAS_HAN.search(f) or not _HAS_LATIN.search(f)]

    def latin_forms(self) -> list[str]:
        """Forms found as a sequence of Latin words ("hong kong")."""
        return [f for f in self.by_form if _HAS_LATIN.search(f) and not _HAS_HAN.search(f)]


_SECTION_KINDS = (
    ("people", "person"),
    ("place", "place"),
    ("universit", "organisation"),
    ("institution", "organisation"),
    ("compan", "organisation"),
)


def _section_kind(header: str) -> str:
    """The kind of name a section of the alias table holds, from its header's words."""
    words = header.lower()
    return next((kind for cue, kind in _SECTION_KINDS if cue in words), "term")


def learn_pairs(text: str, last_han_word: Callable[[str], str]) -> list[tuple[str, str]]:
    """Find "name (其他语言)" pairs in an article's text.

    ``last_han_word`` picks the name out of the Han run before a bracket (the run is often a whole
    clause, "由香港科技大學"); the analyzer passes a segmenter-backed function.
    """
    pairs: list[tuple[str, str]] = []
    if "(" not in text and "（" not in text:
        return pairs  # both patterns need a bracket; scanning for them costs 1 ms per 10 kB
    for match in _LATIN_THEN_HAN.finditer(text):
        latin = match.group(1).strip()
        words = latin.split()
        # Drop leading connectors picked up by the greedy pattern ("and Liang Wenfeng").
        while words and not words[0][:1].isupper():
            words.pop(0)
        if words:
            pairs.append((" ".join(words), match.group(2)))
    for match in _HAN_THEN_LATIN.finditer(text):
        han = last_han_word(match.group(1))
        latin = match.group(2).strip()
        if len(han) >= 2 and len(latin.split()) <= 8:
            pairs.append((han, latin))
    return pairs
