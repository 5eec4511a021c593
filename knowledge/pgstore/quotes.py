"""The quotes an answer gave, as the PostgreSQL store keeps them (a JSONB list of objects).

Each object is the quote's text and its citation's fields, in the order the SQLite store and
the export write them, so that a record moves between the two stores unchanged.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence

from knowledge.models import Citation, GivenQuote

log = logging.getLogger(__name__)

FIELDS: tuple[str, ...] = ("text", *(f.name for f in dataclasses.fields(Citation)))


def to_dicts(quotes: Sequence[GivenQuote]) -> list[dict[str, object]] | None:
    """The quotes as JSON-ready dicts; None for none (an answer that quoted nothing)."""
    if not quotes:
        return None
    return [{"text": q.text, **dataclasses.asdict(q.citation)} for q in quotes]


def cleaned(value: object) -> list[dict[str, object]] | None:
    """A kept ``answer`` value as dicts with exactly ``FIELDS``; None when there is none or
    it is not a list of objects (written by hand, or by a newer version)."""
    if not isinstance(value, list) or not all(isinstance(q, dict) for q in value):
        return None
    return [{key: q.get(key) for key in FIELDS} for q in value]


def imported(value: object) -> list[dict[str, object]] | None:
    """Quotes given as dicts (an import) as they are kept; None for none."""
    if not isinstance(value, list) or not value:
        return None
    return list(value)


def from_dicts(value: object) -> tuple[GivenQuote, ...] | None:
    """The kept quotes as GivenQuotes; None when none were kept or they cannot be read."""
    dicts = cleaned(value)
    if dicts is None:
        return None
    try:
        return tuple(
            GivenQuote(
                text=str(d["text"]),
                citation=Citation(
                    number=_integer(d["number"]),
                    article_id=str(d["article_id"]),
                    title=str(d["title"]),
                    source=_text(d["source"]),
                    url=_text(d["url"]),
                    published=_text(d["published"]),
                    paragraph=_integer(d["paragraph"]),
                ),
            )
            for d in dicts
        )
    except (TypeError, ValueError):
        log.debug("an answer kept in the store could not be read back: %.80r", value)
        return None


def _integer(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise TypeError(f"not a whole number: {value!r}")
    return int(value)


def _text(value: object) -> str | None:
    return None if value is None else str(value)
