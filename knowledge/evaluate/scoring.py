"""Each question asked in process, each reply scored and the verdicts summed up (the rules
in knowledge/evaluate/__init__.py)."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass

from knowledge.errors import BadQuestion, InputError
from knowledge.evaluate.matching import contains, declines, squash, without_question
from knowledge.evaluate.questions import ArticleRef, Articles, Question
from knowledge.models import Answer
from knowledge.service import KnowledgeBase

MIN_QUOTE = 12  # an article sentence this long, found in a reply, is a quote
QUOTE_RUN = 32  # so is a run of this many characters of an article (spacing aside)
_SENTENCE_END = re.compile(r"(?<=[。！？!?；;])|(?<=[.])\s+|\n+")
_SCAN_CHUNK = 8_000_000  # characters of article text searched at once for quotes


# -- replies and verdicts ----------------------------------------------------------------------
@dataclass(frozen=True)
class Reply:
    """What a person reads, and the titles, sources and urls the reply's quotes carry."""

    text: str
    cited: tuple[str, ...] = ()


# The reply text a front end shows for an answer (bot/words.py: format_plain): the words are
# the presentation side's, and the scorer reads what a person would read.
Render = Callable[[Answer], str]


def reply_of(answer: Answer, render: Render) -> Reply:
    """The reply a person reads for ``answer``, in ``render``'s words, with what it cites."""
    cited = [
        name or ""
        for quote in answer.quotes
        for name in (quote.citation.title, quote.citation.source, quote.citation.url)
    ]
    return Reply(render(answer), tuple(cited))


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


def evaluate(
    kb: KnowledgeBase, questions: list[Question], articles: Articles, render: Render
) -> list[Verdict]:
    """Ask every question of the knowledge base and score the replies, each the text
    ``render`` makes of its answer (the CLI passes bot/words.py's format_plain).

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
            replies.append(reply_of(kb.ask(question.text, log_it=False), render))
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
