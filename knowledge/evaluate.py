"""Answer quality on a question set: each question asked in process, each reply scored.

The question set is JSON Lines, one question an object: ``id``, ``question``, ``lang``,
``kind`` (one of KINDS), ``answers`` (any one of them in the reply counts), ``source`` (the
article that answers: a file name with ``--articles``, else a stored title, url or source),
``alt_sources``; other fields (``evidence``) are ignored.

The rules are those of the development set's scorer (``../shared/eval-dev/score.py``), so that
both give the same figures for the same replies:

- an answerable question is answered right when an accepted answer occurs in the reply
  (NFKC, case-folded; whitespace ignored for Chinese; ASCII letters and digits only match whole,
  so "2006" is not found in "20061"; the question's own words do not count) and the reply does
  not decline;
- its citation is right when the reply, or the titles, sources and urls of its quotes, name the
  source article or an alternative one: its title (or the first 40 characters of a long title),
  its url, or its file name without the extension;
- an unanswerable question is right when the reply declines and quotes no article text: no
  article sentence of 12 characters or more, no run of 32 characters of an article that is not
  in the question (whitespace ignored).
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from knowledge.errors import BadQuestion, InputError, KnowledgeError
from knowledge.extract import SUPPORTED_EXTENSIONS, extract, front_matter
from knowledge.models import Answer
from knowledge.reply import format_plain
from knowledge.service import KnowledgeBase
from knowledge.text import HAN

UNANSWERABLE = "unanswerable"
KINDS = ("same-language", "cross-language", "traditional-vs-simplified", "paraphrase", UNANSWERABLE)
LANGS = ("en", "zh-Hans", "zh-Hant")

# Phrases that mean "I don't know", in any bot's words, not only ours: kept specific, because a
# phrase that also occurs in an article would turn a quoted answer into a decline.
DECLINE_PHRASES = (
    # en
    *("i don't know", "i do not know", "don't know", "do not know", "not found", "no answer"),
    *("couldn't find", "could not find", "can't find", "cannot find", "unable to find"),
    *("no relevant", "nothing relevant", "not in the knowledge base", "no information"),
    *("knowledge base does not", "knowledge base doesn't", "no matching"),
    *("not able to answer", "can't answer", "cannot answer", "no results"),
    # zh-Hans
    *("不知道", "没有找到", "未找到", "找不到", "没有相关", "无相关", "无法回答", "没有能回答"),
    *("不能回答", "知识库中没有", "知识库里没有", "没有答案", "暂无答案", "查不到", "未能找到"),
    # zh-Hant
    *("沒有找到", "沒有相關", "無相關", "無法回答", "沒有能回答", "知識庫中沒有"),
    *("知識庫裏沒有", "知識庫裡沒有", "沒有答案", "暫無答案"),
)
TITLE_PREFIX = 40  # a longer title is also named by its first this many characters
MIN_QUOTE = 12  # an article sentence this long, found in a reply, is a quote
QUOTE_RUN = 32  # so is a run of this many characters of an article (spacing aside)

_CJK = re.compile(f"[{HAN}]")
_SENTENCE_END = re.compile(r"(?<=[。！？!?；;])|(?<=[.])\s+|\n+")
_CURLY_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})
# Text files are named by their own first lines (as a plain-text reader shows them); other
# formats by what the extractor reads from them.
_TEXT_SUFFIXES = (".txt", ".md", ".markdown")
_SCAN_CHUNK = 8_000_000  # characters of article text searched at once for quotes


# -- matching ----------------------------------------------------------------------------------
def fold(text: str) -> str:
    """Width, case, curly quotes and runs of whitespace folded, so formatting never decides."""
    text = unicodedata.normalize("NFKC", text).translate(_CURLY_QUOTES).casefold()
    return " ".join(text.split())


def squash(text: str) -> str:
    """Folded with no whitespace at all: Chinese has none between words, and replies differ."""
    return "".join(fold(text).split())


def contains(haystack: str, needle: str) -> bool:
    """Whether ``needle`` occurs in ``haystack``, folded; ASCII letters and digits match whole.

    Chinese needles are also looked for with all whitespace dropped from both sides.
    """
    hay, pin = fold(haystack), fold(needle)
    if not pin:
        return False
    if _CJK.search(pin):
        return pin in hay or squash(pin) in squash(hay)
    left = r"(?<![a-z0-9])" if _ascii_word_char(pin[0]) else ""
    right = r"(?![a-z0-9])" if _ascii_word_char(pin[-1]) else ""
    return re.search(left + re.escape(pin) + right, hay) is not None


def _ascii_word_char(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def without_question(reply: str, question: str) -> str:
    """The reply folded, with the question taken out where it repeats it word for word."""
    folded, asked = fold(reply), fold(question)
    return folded.replace(asked, " ") if asked else folded


def declines(text: str) -> bool:
    return any(contains(text, phrase) for phrase in DECLINE_PHRASES)


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
            if not _CJK.search(head) and " " in head:
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


# -- replies and verdicts ----------------------------------------------------------------------
@dataclass(frozen=True)
class Reply:
    """What a person reads, and the titles, sources and urls the reply's quotes carry."""

    text: str
    cited: tuple[str, ...] = ()


def reply_of(answer: Answer) -> Reply:
    cited = [
        name or ""
        for quote in answer.quotes
        for name in (quote.citation.title, quote.citation.source, quote.citation.url)
    ]
    return Reply(format_plain(answer), tuple(cited))


@dataclass(frozen=True)
class Quoted:
    """What of the article text a reply contains: a whole sentence, and runs of QUOTE_RUN."""

    sentence: bool = False
    runs: frozenset[str] = frozenset()

    def beyond(self, question: str) -> bool:
        """Whether the reply quotes articles beyond what the question itself says."""
        asked = squash(question)
        return self.sentence or any(run not in asked for run in self.runs)


def find_quotes(replies: Collection[str], texts: Iterable[str]) -> dict[str, Quoted]:
    """What article text each of ``replies`` (squashed reply texts) holds, in one pass."""
    pending = {
        reply: {reply[i : i + QUOTE_RUN] for i in range(len(reply) - QUOTE_RUN + 1)}
        for reply in replies
    }
    runs: dict[str, set[str]] = {reply: set() for reply in replies}
    sentences: set[str] = set()

    def search(chunk: str) -> None:
        for reply, left in pending.items():
            hits = {run for run in left if run in chunk}
            runs[reply] |= hits
            left -= hits

    batch: list[str] = []
    size = 0
    for text in texts:
        for piece in _SENTENCE_END.split(text):
            squashed = squash(piece)
            if len(squashed) >= MIN_QUOTE:
                sentences.update(reply for reply in replies if squashed in reply)
        # Runs may cross lines within an article, never from one article to the next: the
        # newline that joins them is in no squashed reply.
        batch.append(squash(text))
        size += len(batch[-1])
        if size >= _SCAN_CHUNK:
            search("\n".join(batch))
            batch, size = [], 0
    if batch:
        search("\n".join(batch))
    return {reply: Quoted(reply in sentences, frozenset(runs[reply])) for reply in replies}


@dataclass(frozen=True)
class Verdict:
    """How one reply scored; ``citation`` is None for an unanswerable question."""

    id: str
    kind: str
    lang: str
    answerable: bool
    answer: bool
    citation: bool | None
    declined: bool
    note: str  # why it is wrong, for a person; empty when right
    first_line: str  # of the reply

    @property
    def wrong(self) -> bool:
        return not self.answer or self.citation is False


def judge(
    question: Question, reply: Reply, cited: Iterable[ArticleRef], quoted: Quoted | None
) -> Verdict:
    """Score one reply.

    Args:
        cited: the articles a right citation may name (the source and its alternatives).
        quoted: the article text the reply holds (from find_quotes); None when it was not
            looked for, which is taken as none.
    """
    said = without_question(reply.text, question.text)
    declined = declines(said)
    first_line = next((line for line in reply.text.splitlines() if line.strip()), "")
    if not question.answerable:
        quotes = quoted is not None and quoted.beyond(question.text)
        right = declined and not quotes
        note = "" if right else "quoted article text" if declined else "did not decline"
        return Verdict(
            question.id, question.kind, question.lang, False, right, None, declined, note,
            first_line,
        )  # fmt: skip
    found = any(contains(said, answer) for answer in question.answers)
    everything = "\n".join((reply.text, *reply.cited))
    cites = any(contains(everything, name) for ref in cited for name in ref.names())
    problems = [
        ("answer missing", not found),
        ("declined", declined),
        ("source not named", not cites),
    ]
    note = ", ".join(problem for problem, present in problems if present)
    return Verdict(
        question.id, question.kind, question.lang, True, found and not declined, cites, declined,
        note, first_line,
    )  # fmt: skip


def evaluate(kb: KnowledgeBase, questions: list[Question], articles: Articles) -> list[Verdict]:
    """Ask every question of the knowledge base and score the replies.

    Raises:
        InputError: a question's source names no article, or a question is one the knowledge
            base refuses (over-long); nothing is asked before the sources are checked.
    """
    for question in questions:
        for source in question.sources:
            if not articles.find(source):
                raise InputError(
                    f"question {question.id}: the source {source!r} is not {articles.where}"
                )
    replies = []
    for question in questions:
        try:
            replies.append(reply_of(kb.ask(question.text, log_it=False)))
        except BadQuestion as exc:
            raise InputError(f"question {question.id}: {exc}") from exc
    # Only a decline can be right for an unanswerable question, so only those are looked for
    # in the article text, which is read once for all of them.
    check = {
        squash(reply.text)
        for question, reply in zip(questions, replies, strict=True)
        if not question.answerable and declines(without_question(reply.text, question.text))
    }
    quoted = find_quotes(check, articles.texts()) if check else {}
    return [
        judge(
            question,
            reply,
            [ref for source in question.sources for ref in articles.find(source)],
            quoted.get(squash(reply.text)),
        )
        for question, reply in zip(questions, replies, strict=True)
    ]


# -- the summary -------------------------------------------------------------------------------
@dataclass
class Tally:
    """Counts for a group of questions; shares are of ``n`` except citation (of answerable)."""

    n: int = 0
    answer_correct: int = 0
    answerable: int = 0
    citation_correct: int = 0
    strict_correct: int = 0  # answer and citation right
    false_declines: int = 0  # answerable questions declined

    def add(self, verdict: Verdict) -> None:
        self.n += 1
        self.answer_correct += verdict.answer
        self.strict_correct += verdict.answer and verdict.citation is not False
        if verdict.answerable:
            self.answerable += 1
            self.citation_correct += bool(verdict.citation)
            self.false_declines += verdict.declined


def summarize(verdicts: Iterable[Verdict]) -> dict[str, Tally]:
    """Tallies for "overall", then each "kind=..." and each "lang=...", in name order."""
    groups: dict[str, Tally] = {"overall": Tally()}
    for verdict in verdicts:
        for key in ("overall", f"kind={verdict.kind}", f"lang={verdict.lang}"):
            groups.setdefault(key, Tally()).add(verdict)
    ordered = sorted(groups, key=lambda key: (key != "overall", not key.startswith("kind="), key))
    return {key: groups[key] for key in ordered}
