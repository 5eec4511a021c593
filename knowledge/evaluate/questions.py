"""The question set and the articles it names: questions read from JSON Lines, articles
from a folder or from the knowledge base, each with the names a reply may cite it by."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from knowledge.errors import InputError, KnowledgeError
from knowledge.evaluate.matching import fold, squash
from knowledge.extract import SUPPORTED_EXTENSIONS, extract, front_matter
from knowledge.service import KnowledgeBase
from knowledge.text import has_han

UNANSWERABLE = "unanswerable"
KINDS = ("same-language", "cross-language", "traditional-vs-simplified", "paraphrase", UNANSWERABLE)
LANGS = ("en", "zh-Hans", "zh-Hant")
TITLE_PREFIX = 40  # a longer title is also named by its first this many characters
# Text files are named by their own first lines (as a plain-text reader shows them); other
# formats by what the extractor reads from them.
_TEXT_SUFFIXES = (".txt", ".md", ".markdown")


# -- the articles a question set refers to -----------------------------------------------------
@dataclass(frozen=True)
class ArticleRef:
    """The names a reply may cite an article by."""

    title: str
    url: str = ""
    aliases: tuple[str, ...] = ()  # a file name's stem, or the source a question gave

    def names(self) -> list[str]:
        names = [self.title, *self.aliases, self.url]
        if len(squash(self.title)) > TITLE_PREFIX:
            head = fold(self.title)[:TITLE_PREFIX]
            if not has_han(head) and " " in head:
                head = head.rsplit(" ", 1)[0]  # a whole word, so word boundaries still hold
            names.append(head)
        return [name for name in names if name]


@dataclass(frozen=True)
class Articles:
    """The articles questions name in ``source``, and their text, to look for quotes in."""

    refs: Mapping[str, tuple[ArticleRef, ...]]  # keyed by the folded source value
    texts: Callable[[], Iterable[str]]  # read only if a decline has to be checked for quotes
    # How a source that names nothing is told to the person, for the error message.
    where: str = "among the articles"

    def find(self, source: str) -> tuple[ArticleRef, ...]:
        return self.refs.get(fold(source), ())


def articles_in_folder(folder: Path) -> Articles:
    """The articles of a folder, by file name, named as its files show them.

    A text file's title is its front matter ``title``, else its first non-empty line; its url
    the front matter's ``url``.
    """
    if not folder.is_dir():
        raise InputError(f"{folder}: no such folder")
    refs: dict[str, tuple[ArticleRef, ...]] = {}
    bodies: list[str] = []
    files = (p for p in folder.rglob("*") if p.suffix.lower() in SUPPORTED_EXTENSIONS)
    for path in sorted(p for p in files if p.is_file()):
        try:
            if path.suffix.lower() in _TEXT_SUFFIXES:
                meta, body = front_matter(path.read_text(encoding="utf-8-sig"))
                first = next((line.strip() for line in body.splitlines() if line.strip()), "")
                title, url = meta.get("title") or first, meta.get("url", "")
            else:
                doc = extract(path.read_bytes(), path.name)
                title, url, body = doc.title or "", doc.url or "", "\n\n".join(doc.paragraphs)
        except (OSError, UnicodeDecodeError, KnowledgeError):
            title, url, body = "", "", ""  # still named by its file name
        refs.setdefault(fold(path.name), (ArticleRef(title, url, aliases=(path.stem,)),))
        bodies.append(body)
    return Articles(refs, lambda: bodies, where=f"a file in {folder}")


def articles_in(kb: KnowledgeBase) -> Articles:
    """The stored articles, each found by its title, url or source (several may share one)."""
    refs: dict[str, list[ArticleRef]] = {}
    for article in kb.list(0, 1 << 62):
        by_name = ArticleRef(article.title, article.url or "")
        for key, ref in (
            (article.title, by_name),
            (article.url, by_name),
            # Found by its source, an article may also be cited by that source.
            (article.source, ArticleRef(article.title, article.url or "", (article.source or "",))),
        ):
            if key:
                refs.setdefault(fold(key), []).append(ref)

    def texts() -> Iterator[str]:
        for record in kb.export_records():
            paragraphs = record.get("paragraphs")
            if record["type"] == "article" and isinstance(paragraphs, list):
                yield "\n\n".join(str(paragraph) for paragraph in paragraphs)

    return Articles(
        {key: tuple(found) for key, found in refs.items()},
        texts,
        where="a stored article's title, url or source (give --articles DIR for file names)",
    )


# -- questions ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Question:
    id: str
    text: str
    lang: str
    kind: str
    answers: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()  # the source first, then the alternatives

    @property
    def answerable(self) -> bool:
        return self.kind != UNANSWERABLE


def read_questions(path: Path) -> list[Question]:
    """The questions of a JSON Lines file.

    Raises:
        InputError: the file is missing or unreadable, or a line is not a valid question (the
            message names the line).
    """
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read the questions ({exc})") from exc
    questions: list[Question] = []
    seen: set[str] = set()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            question = _question(json.loads(line))
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}:{number}: not a JSON line ({exc.msg})") from exc
        except ValueError as exc:
            raise InputError(f"{path}:{number}: {exc}") from exc
        if question.id in seen:
            raise InputError(f"{path}:{number}: the id {question.id} is used twice")
        seen.add(question.id)
        questions.append(question)
    if not questions:
        raise InputError(f"{path}: no questions in the file")
    return questions


def _question(row: object) -> Question:
    if not isinstance(row, dict):
        raise ValueError("expected a JSON object")
    if not isinstance(row.get("id"), str | int) or row["id"] == "":
        raise ValueError("missing or empty 'id'")
    for key in ("question", "lang", "kind"):
        if not isinstance(row.get(key), str) or not row[key].strip():
            raise ValueError(f"missing or empty {key!r}")
    kind, lang = row["kind"], row["lang"]
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r} (one of {', '.join(KINDS)})")
    if lang not in LANGS:
        raise ValueError(f"unknown lang {lang!r} (one of {', '.join(LANGS)})")
    if kind == UNANSWERABLE:
        return Question(str(row["id"]), str(row["question"]), lang, kind)
    answers, source, alt = row.get("answers"), row.get("source"), row.get("alt_sources") or []
    if not _strings(answers) or not answers:
        raise ValueError("an answerable question needs a list of 'answers'")
    if not isinstance(source, str) or not source or not _strings(alt):
        raise ValueError("an answerable question needs a 'source' (and 'alt_sources' a list)")
    return Question(
        str(row["id"]), str(row["question"]), lang, kind, tuple(answers), (source, *alt)
    )


def _strings(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)
