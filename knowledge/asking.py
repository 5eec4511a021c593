"""Asking: a question (or small talk, or a follow-up) becomes an answer with cited sentences.

A question is tidied and checked, small talk answered with example questions, a follow-up read
with the question before it (``followup.read_followup``); the index is brought up to the store
if another process wrote, then the query is built (``query.build_query``) and the sentences are
chosen (``answer.choose``) under the index's read lock, so questions go on together. The answer
is then shown in the chat's language and script (``in_language``) and logged, so that a "more"
button can ask it again later (``recall``) and a vote can name it.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Callable
from pathlib import Path

from knowledge.analyze import Analyzer
from knowledge.answer import AnswerSettings, choose
from knowledge.errors import BadQuestion, StoreError
from knowledge.followup import read_followup
from knowledge.live_index import LiveIndex
from knowledge.models import Answer, GivenQuote, Lang, QuotedSentence
from knowledge.normalize import guess_lang, to_simplified, to_traditional
from knowledge.pgstore.protocol import KnowledgeStore
from knowledge.query import build_query
from knowledge.quoting import highlight
from knowledge.repeats import without_repeats
from knowledge.smalltalk import candidate_names, example_questions, small_talk
from knowledge.term_versions import ANALYZER_VERSION
from knowledge.text import is_han
from knowledge.translate import Dictionary, RomanisedNames

log = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 500


class Asker:
    """Answers questions from ``live``'s index and ``store``'s sentences, for the knowledge
    base's question calls (their docstrings are ``KnowledgeBase``'s); ``settings`` say how
    many sentences an answer quotes and how sure it must be.

    It owns what answering keeps between questions: the romanised names of the index's terms,
    the example questions for small talk, and whether the question log is failing.
    """

    def __init__(
        self,
        store: KnowledgeStore,
        analyzer: Analyzer,
        dictionary: Dictionary,
        live: LiveIndex,
        settings: AnswerSettings,
    ) -> None:
        self._store = store
        self._analyzer = analyzer
        self._dictionary = dictionary
        self._live = live
        self._settings = settings
        self._names = RomanisedNames(dictionary)
        # Example questions for small talk, by language, with the generation they were made at.
        self._examples: dict[tuple[Lang, int], tuple[int, tuple[str, ...]]] = {}
        # Whether logging the last question failed: a run of failures is one warning, not one a
        # question (the store says once that it is read-only, when it is opened).
        self._log_failing = False

    def ask(
        self,
        question: str,
        *,
        chat_id: int | None = None,
        user_id: int | None = None,
        log_it: bool = True,
        max_quotes: int | None = None,
        after: str | None = None,
        lang: Lang | None = None,
    ) -> Answer:
        """The answer to ``question`` (see ``KnowledgeBase.ask``)."""
        question = " ".join(question.split())
        if not question:
            raise BadQuestion("the question is empty", reason="empty")
        if len(question) > MAX_QUESTION_CHARS:
            raise BadQuestion(
                f"the question is too long ({len(question)} characters; the limit is "
                f"{MAX_QUESTION_CHARS})",
                reason="too_long",
                length=len(question),
                limit=MAX_QUESTION_CHARS,
            )
        talk = small_talk(question)
        if talk is not None:
            said = lang or guess_lang(question)
            return Answer(question, said, False, small_talk=talk, examples=self.examples(said))
        understood = None
        after = " ".join((after or "").split())[:MAX_QUESTION_CHARS]
        if after and small_talk(after) is None:
            reading = read_followup(
                question,
                after,
                self._analyzer,
                lambda q: self.ask(q, log_it=False),
                self._has_name,
            )
            if reading.choices:
                said = lang or guess_lang(question)
                return Answer(question, said, False, choices=reading.choices)
            if reading.question != question:
                understood = question = reading.question
        self._live.catch_up_before_reading()
        settings = self._settings
        if max_quotes is not None:
            settings = dataclasses.replace(settings, max_quotes=max_quotes)
        with self._live.reading():  # questions together; a write waits for them
            index = self._live.index
            self._names.refresh(index.term_ids)  # the vocabulary grows only under a write
            query = build_query(self._analyzer, self._dictionary, question, self._names)
            answer = choose(
                query,
                index,
                self._store,
                self._analyzer,
                settings,
                kind_of=self._dictionary.kind_of,
            )
        # The Simplified and Traditional versions of one article state a fact twice.
        answer = without_repeats(answer)
        if understood is not None:
            answer = dataclasses.replace(answer, understood=understood)
        if lang is not None:
            answer = in_language(answer, lang)
        if log_it:  # a follow-up is logged as understood, so "more" can ask it again alone
            answer = self._logged(question, answer, chat_id, user_id)
        return answer

    def _has_name(self, question: str) -> bool:
        """Whether the question names something, as the answerer sees names (see Concept.name)."""
        with self._live.reading():
            query = build_query(self._analyzer, self._dictionary, question, self._names)
        return any(concept.name for concept in query.concepts)

    def examples(self, lang: Lang, count: int = 2) -> tuple[str, ...]:
        """Example questions in ``lang`` for small talk (see ``KnowledgeBase.examples``)."""
        kept = self._examples.get((lang, count))
        generation = self._store.generation()
        if kept is not None and kept[0] == generation:
            return kept[1]
        aliases = self._analyzer.aliases
        with self._live.reading():
            index = self._live.index
            names = candidate_names(aliases, index.df, index.doc_count)

        def written_in(answer: Answer, group: str) -> str | None:
            text = answer.quotes[0].sentence.text
            spans = [t for t in self._analyzer.spans(text) if t.term == group]
            return text[spans[0].start : spans[0].end] if spans else None

        found = example_questions(
            names,
            lambda group: sorted(aliases.groups.get(group, ())),
            lambda q: self.ask(q, log_it=False),
            written_in,
            lang,
            count,
        )
        self._examples[(lang, count)] = (generation, found)
        return found

    def _logged(
        self, question: str, answer: Answer, chat_id: int | None, user_id: int | None
    ) -> Answer:
        """``answer`` with the id its question was logged under; as it is when the log cannot
        be written (a read-only store, a full disk, another process holding the store past the
        busy timeout): an answer never fails because its log line could not be kept."""
        if self._store.read_only:
            return answer
        try:
            given = [GivenQuote(q.sentence.text, q.citation) for q in answer.quotes]
            qid = self._store.log_question(
                question, answer.lang, answer.found, chat_id, user_id, given
            )
        except StoreError as exc:
            level = logging.DEBUG if self._log_failing else logging.WARNING
            log.log(level, "answered without logging the question: %s", exc)
            self._log_failing = True
            return answer
        self._log_failing = False
        return _with_question_id(answer, qid)

    def recall(self, question_id: int, *, lang: Lang | None = None) -> Answer:
        """A question asked earlier, answered as now (see ``KnowledgeBase.recall``)."""
        answer = self.ask(self._store.question_text(question_id), log_it=False, lang=lang)
        return _with_question_id(answer, question_id)

    def more(self, answer: Answer) -> Answer:
        """``answer`` with its "more" quotes highlighted (see ``KnowledgeBase.more``)."""
        more = tuple(
            dataclasses.replace(
                q, highlights=highlight(q.sentence.text, self._analyzer, answer.terms)
            )
            for q in answer.more
        )
        return dataclasses.replace(answer, more=more)


def load_dictionary(path: Path, analyzer: Analyzer) -> Dictionary:
    """CC-CEDICT's term maps, from the cache when the analyzer that made it is this one."""
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
        if state.get("analyzer") == ANALYZER_VERSION:
            return Dictionary.from_state(state)
    except (OSError, ValueError, KeyError, AttributeError):
        pass
    dictionary = Dictionary(analyzer.terms, analyzer.word_count)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        state = {"analyzer": ANALYZER_VERSION, **dictionary.to_state()}
        tmp.write_text(json.dumps(state, ensure_ascii=False), encoding="utf-8")
        tmp.replace(path)
    except OSError as exc:  # a read-only data dir still answers, just starts slower
        log.warning("could not cache the dictionary: %s", exc)
    return dictionary


def _with_question_id(answer: Answer, qid: int) -> Answer:
    return dataclasses.replace(answer, question_id=qid)


def in_language(answer: Answer, lang: Lang) -> Answer:
    """``answer`` to be shown in ``lang``: its fixed texts (``Answer.lang``) in that language,
    and in Chinese its quotes in that script (OpenCC), Simplified or Traditional.

    Quotes are not translated: an English sentence stays English. A quote keeps its
    highlights; where a conversion changed a sentence's length, it is converted character by
    character so that the highlighted spans still fall on the same words.
    """
    if lang == "en":
        return dataclasses.replace(answer, lang=lang)
    convert = to_traditional if lang == "zh-Hant" else to_simplified
    return dataclasses.replace(
        answer,
        lang=lang,
        quotes=tuple(_quote_in(q, convert) for q in answer.quotes),
        more=tuple(_quote_in(q, convert) for q in answer.more),
    )


def _quote_in(quote: QuotedSentence, convert: Callable[[str], str]) -> QuotedSentence:
    text = quote.sentence.text
    if not any(map(is_han, text)):
        return quote  # nothing Chinese to show in another script
    shown = convert(text)
    if shown == text:
        return quote
    if len(shown) != len(text):
        shown = "".join(c if len(c := convert(ch)) == 1 else ch for ch in text)
    return QuotedSentence(
        dataclasses.replace(quote.sentence, text=shown),
        quote.citation,
        quote.score,
        quote.highlights,
    )
