"""Frozen value objects passed between the knowledge base's layers and to front ends."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Lang = Literal["en", "zh-Hans", "zh-Hant"]


@dataclass(frozen=True)
class ParsedDocument:
    """What a reader got out of one file or page, before it is chunked or stored.

    ``paragraphs`` are the article's paragraphs in order, each stripped and non-empty; they are
    the unit a citation points to, so readers keep the author's paragraph breaks.
    """

    paragraphs: tuple[str, ...]
    title: str | None = None
    source: str | None = None
    url: str | None = None
    lang: str | None = None
    published: str | None = None
    format: str = "txt"


@dataclass(frozen=True)
class Sentence:
    """One sentence as written, with where it stands in its article."""

    id: int
    article_id: str
    paragraph: int  # 1-based paragraph number, as a reader would count
    position: int  # 0-based order of the sentence in the article
    start: int  # character offsets into the paragraph's text
    end: int
    text: str


@dataclass(frozen=True)
class PassageRow:
    """Where a passage lies: its article and the positions of its first and last sentences."""

    id: int
    article_id: str
    first_position: int
    last_position: int


@dataclass(frozen=True)
class Article:
    """An article's metadata as stored; ``id`` comes from a hash of its normalized text."""

    id: str
    title: str
    source: str | None
    url: str | None
    lang: str
    published: str | None
    added_at: str
    passages: int = 0
    sentences: int = 0
    format: str = "txt"


@dataclass(frozen=True)
class Citation:
    """Where a quoted sentence comes from, numbered as it appears in the reply."""

    number: int
    article_id: str
    title: str
    source: str | None
    url: str | None
    published: str | None
    paragraph: int


Spans = tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class QuotedSentence:
    """A sentence chosen for the reply, quoted exactly, with its citation and score."""

    sentence: Sentence
    citation: Citation
    score: float
    # Character spans of the sentence that match the question's terms, for bold in front ends;
    # () in an answer's "more" quotes until ``KnowledgeService.more`` finds them.
    highlights: Spans = ()


@dataclass(frozen=True)
class Answer:
    """The result of a question: quoted sentences with citations, or a plain "not found"."""

    question: str
    lang: Lang
    found: bool
    quotes: tuple[QuotedSentence, ...] = ()
    # Further candidate sentences beyond the first reply, for a "more" button.
    more: tuple[QuotedSentence, ...] = ()
    # The question's terms as analysed, the ones highlights mark; ``KnowledgeService.more``
    # finds the "more" quotes' highlights by them.
    terms: frozenset[str] = frozenset()
    expected_kind: str | None = None
    # The stored question's id, so feedback buttons can refer to it.
    question_id: int | None = None
    # Small talk ("hi", "thanks", "what can you do"): which kind, and questions to suggest.
    small_talk: str | None = None
    examples: tuple[str, ...] = ()
    # A follow-up read with the question before it: the question as understood (None when it
    # was answered as asked), or the things it could mean, when the reply asks which.
    understood: str | None = None
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class IngestResult:
    """What an ingest did: ``status`` is "added", "replaced" or "unchanged"."""

    status: Literal["added", "replaced", "unchanged"]
    article: Article
    replaced_id: str | None = None
    learned_aliases: tuple[tuple[str, str], ...] = field(default=())


# Why a 👎 was given, when the voter says (buttons under the answer after a 👎).
FeedbackReason = Literal["wrong_answer", "wrong_source", "not_answered"]
FEEDBACK_REASONS: tuple[FeedbackReason, ...] = ("wrong_answer", "wrong_source", "not_answered")


@dataclass(frozen=True)
class Gap:
    """Alike questions that were declined or voted 👎: one wording, with how often and how.

    Questions are alike when they are the same after folding case, width and script
    (Traditional to Simplified) and dropping punctuation and spaces.
    """

    question: str  # the latest wording
    question_id: int  # the latest question of the group: its answer is the one shown
    lang: Lang
    last_at: str  # ISO 8601 time of the latest question or 👎 in the group
    asked: int  # questions in the group
    declined: int  # of which were declined ("not found")
    thumbs_down: int  # 👎 votes on the answered ones
    # Reasons given with the 👎 votes, with their counts, most given first.
    reasons: tuple[tuple[FeedbackReason, int], ...] = ()


@dataclass(frozen=True)
class Gaps:
    """The gaps found, newest first; ``total`` counts every group found, shown or not."""

    gaps: tuple[Gap, ...]
    total: int


@dataclass(frozen=True)
class GivenQuote:
    """One sentence as a stored answer quoted it, with its citation as numbered there."""

    text: str
    citation: Citation


@dataclass(frozen=True)
class GivenAnswer:
    """The answer a logged question got, as it was given (not as it would be given now).

    ``quotes`` is empty for a declined question, and for one logged before answers were
    kept (``kept`` is then False).
    """

    question_id: int
    question: str
    lang: Lang
    asked_at: str
    found: bool
    quotes: tuple[GivenQuote, ...] = ()
    kept: bool = True


# When the bot answers in a chat: "asked" (a command, a mention, a reply to the bot; every
# message in a private chat), "questions" (also every message that looks like a question),
# "off" (nothing but the settings themselves).
AnswerMode = Literal["asked", "questions", "off"]
# The language of a chat's replies: "auto" follows each question (else the asker's Telegram).
ReplyLang = Literal["auto", "en", "zh-Hans", "zh-Hant"]
ANSWER_MODES: tuple[AnswerMode, ...] = ("asked", "questions", "off")
REPLY_LANGS: tuple[ReplyLang, ...] = ("auto", "en", "zh-Hans", "zh-Hant")


@dataclass(frozen=True)
class ChatSettings:
    """How the bot behaves in one chat, as that chat's admins set it; the defaults otherwise.

    Raises ValueError for a mode or language not in ANSWER_MODES / REPLY_LANGS.
    """

    answer: AnswerMode = "asked"
    lang: ReplyLang = "auto"

    def __post_init__(self) -> None:
        if self.answer not in ANSWER_MODES:
            raise ValueError(f"answer mode must be one of {ANSWER_MODES}, got {self.answer!r}")
        if self.lang not in REPLY_LANGS:
            raise ValueError(f"reply language must be one of {REPLY_LANGS}, got {self.lang!r}")

    @property
    def reply_lang(self) -> Lang | None:
        """The language every reply is in, or None to follow each question."""
        return None if self.lang == "auto" else self.lang
