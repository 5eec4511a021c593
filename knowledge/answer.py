"""From retrieved passages to the sentences that answer, with citations, or a plain "not found".

Each candidate sentence is scored on how well it matches the question by itself (BM25-style over
the question's concepts), on the share of the question's concepts it covers (weighted by idf),
and on its passage's score. A sentence may answer only when it covers enough of the question,
counting half for a concept named in its article's title or the sentence just before it, and
holds an answer of the kind asked for: a score threshold alone cannot tell "the article names
Nancy Ip" from "the article gives Nancy Ip's birth year".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from knowledge.analyze import Analyzer
from knowledge.candidates import PassageSource, articles_naming, gather
from knowledge.evidence import (
    ENDS_SENTENCE,
    NOW,
    ROLE,
    YEAR,
    about_years,
    chinese_name,
    concepts_of,
    counts,
    counts_by_concept,
    is_year,
    measured,
    names_another,
    names_kind,
    next_to,
    of_the_past,
    role_of_another,
    spelled_all,
)
from knowledge.index import BM25Index
from knowledge.kinds import holds_answer, states_sum
from knowledge.models import Answer
from knowledge.normalize import fold, guess_lang
from knowledge.query import Query
from knowledge.quoting import quote
from knowledge.segment import MAX_SENTENCE_CHARS
from knowledge.text import has_han, is_han


@dataclass(frozen=True)
class AnswerSettings:
    # Passages whose sentences compete. The answer sentence of a question that shares few
    # words with it (a paraphrase, a translation) often sits in a passage ranked 10th-20th.
    top_passages: int = 20
    max_quotes: int = 3
    more_quotes: int = 5
    # The share of the question a sentence must cover. Low on purpose: declining rests on
    # evidence about the answer (the question's rarest name present, an answer of the kind
    # asked for), which a coverage threshold cannot give (a paraphrase covers little).
    min_coverage: float = 0.1
    # A second or third quote must score at least this share of the best one.
    follow_ratio: float = 0.5
    # Added to the score of a sentence that holds an answer of the kind asked for (a year for
    # "when", a number for "how much"): among sentences about the same thing, that one answers.
    kind_bonus: float = 0.2
    # The best sentence that holds an answer must score this share of the best one of all.
    lead_ratio: float = 0.8
    avg_sentence_len: float = 20.0

    def __post_init__(self) -> None:
        if (
            not 1 <= self.max_quotes <= 10
            or not 0 < self.min_coverage <= 1
            or not 0 <= self.lead_ratio <= 1
        ):
            raise ValueError(f"answer settings out of range: {self}")


def choose(
    query: Query,
    index: BM25Index,
    store: PassageSource,
    analyzer: Analyzer,
    settings: AnswerSettings | None = None,
    trace: list[tuple[float, float, bool, str]] | None = None,
    kind_of: Callable[[str], str | None] | None = None,
) -> Answer:
    """The sentences that answer ``query``, or a decline.

    ``trace``, when given, receives (score, coverage, holds-answer, text) per candidate.
    ``kind_of`` says what a proper name names ("organisation" for 华为), from the dictionary.
    """
    settings = settings or AnswerSettings()
    concepts = [c.terms for c in query.concepts]
    money = [c.money for c in query.concepts]
    hits, dfs = index.search_with_df(concepts, k=settings.top_passages)
    if not hits:
        return Answer(query.text, query.lang, False, expected_kind=query.kind)
    best_passage = hits[0][1] or 1.0
    found = gather(hits, store, analyzer)
    candidates, articles = found.by_id, found.articles
    # The question's Chinese words, looked for in a sentence's characters too (see spelled).
    han_terms = sorted({t for c in concepts for t in c if len(t) > 1 and is_han(t[0])})
    spelled_all([(cand.terms, cand.sentence.text) for cand in candidates.values()], han_terms)

    # The search has just counted each concept's passages (dfs), a concept's df as concept_df.
    # Weights of the question's concepts, kept positive: in a knowledge base of a few
    # passages BM25's idf goes negative for a word most passages hold, which made every
    # coverage negative, so that a small collection declined or answered by chance.
    idfs = [max(index.idf(df), _MIN_WEIGHT) for df in dfs]
    # A word no passage holds still counts: "weather" asked of articles that never mention it
    # is the evidence that they do not answer.
    counted = [not c.focus for c in query.concepts]
    aliases = analyzer.aliases
    names = aliases.names
    # Asked for a person, a place or a firm the sentence names is no answer.
    not_people = (
        [f for t, forms in aliases.groups.items() if not aliases.may_be_person(t) for f in forms]
        if query.kind == "person"
        else []
    )
    # The question's rarest name: a sentence must name it, or its context must.
    # Not the focus: "which *HKUST* president" is answered by a name, not by repeating HKUST.
    named = [
        (idf, c.terms, c.spelling)
        for c, idf, alternatives in zip(query.concepts, idfs, concepts, strict=True)
        if not c.focus
        and (
            c.name
            # A word the language does not know (港大, 理大) that some article holds names
            # something; one that no article holds may be a name written in another language.
            or (analyzer.coined(c.label) and index.concept_df(alternatives) > 0)
        )
    ]
    predicates_mask = [use and not c.name for c, use in zip(query.concepts, counted, strict=True)]
    name_mask = [c.name for c in query.concepts]
    # Which writings can say each concept: a Chinese word no dictionary translates (常, 跑)
    # cannot be looked for in an English sentence, so there it is no evidence either way.
    writings = [
        {"han" if is_han(t[0]) else "latin" for t in terms if not t.startswith("~")}
        or {"han", "latin"}
        for terms in concepts
    ]
    # A known name no passage holds in any of the table's forms ("中國醫學科學院腫瘤醫院" of an
    # article that writes "the Chinese Academy of Medical Sciences' Cancer Hospital") cannot
    # be checked: the rarest name some passage holds is required instead. A name the table
    # does not know and no article holds, or the only names asked, is the evidence that no
    # article answers.
    held = [
        (idf, terms, spelling)
        for idf, terms, spelling in named
        if index.concept_df(terms) > 0 or not any(t.startswith("~") for t in terms)
    ] or named
    _, required, spelling = max(held) if held else (0.0, (), "")
    asked_names = {t for _, terms, _ in named for t in terms}
    # Articles that name it anywhere: an article about Chapter 18C says "the consultation
    # conclusions" many paragraphs after it last wrote "18C". Read when first needed; not for
    # a name whose term is a common stem (innov is in every article on innovation).
    naming = cache(lambda: set() if spelling else articles_naming(required, index, store, articles))
    asked_terms = {t for c in concepts for t in c}
    # "How many cities": what is counted, which a number in the answer must count.
    units = measured(frozenset(t for c in query.concepts if c.unit for t in c.terms))
    asked_text = fold(query.text)
    # "Who is HKIC's CEO": a sentence naming only other bodies' CEOs does not answer.
    # And one that names no such role is about something else.
    roles_asked = query.kind == "person" and bool(ROLE.search(asked_text))
    role_terms = set(analyzer.terms(" ".join(m.group(0) for m in ROLE.finditer(asked_text))))
    role_words = {t for terms in concepts if role_terms.intersection(terms) for t in terms}
    # A year the question names ("2023年的营业额") is part of what it asks: a sentence about
    # another year does not answer it, unless its context gives that year.
    years = [t for t in asked_terms if is_year(t)]
    # "How many students does CityU have *now*", "现任校长": a sentence about years well before
    # its article's time ("opened in 1984 with 480 students") says how it was, not how it is.
    latest: dict[str, int] = {}
    if NOW.search(asked_text):
        for cand in candidates.values():
            article_id = cand.sentence.article_id
            stated = [int(t) for t in cand.terms if is_year(t)]
            latest[article_id] = max([latest.get(article_id, 0), *stated])
        for article_id, article in articles.items():
            dated = YEAR.findall(article.published or "")
            if dated:
                latest[article_id] = int(dated[0])
    total_idf = sum(idfs) or 1.0
    coverage_total = sum(i for i, use in zip(idfs, counted, strict=True) if use) or 1.0
    k1, b = index.params.k1, index.params.b
    by_term = concepts_of(concepts)
    for cand in candidates.values():
        text = cand.sentence.text
        if len(text) < MAX_SENTENCE_CHARS // 2 and not ENDS_SENTENCE.search(text):
            cand.names_ok = False  # a heading, byline or dateline: it states nothing to quote
            continue
        # A sentence holding none of the question's words, nor a sum that says its "price",
        # covers nothing and cannot be quoted: most candidates of a window are such.
        # (A sum of money says the question's "price" or "募资": see Concept.money.)
        sums = any(money) and states_sum(fold(text))
        if trace is None and not sums and asked_terms.isdisjoint(cand.terms):
            continue
        length = sum(cand.terms.values())
        title_terms = found.titles.get(cand.sentence.article_id, set())
        near = found.context.get(cand.sentence.id, set()) | title_terms
        tfs, nears = counts_by_concept(cand.terms, near, by_term, len(concepts))
        match = covered = covered_ctx = 0.0
        total = coverage_total
        # Something the question says of its names (born, mayor, weather), not the names alone.
        writing = "han" if has_han(text) else "latin"
        cand.says_more = not any(
            predicate and writing in able
            for predicate, able in zip(predicates_mask, writings, strict=True)
        )
        # (A Latin name inside a Chinese sentence, "MiniMax此次IPO", is found, and counts.)
        total -= sum(
            idf
            for tf, idf, use, able in zip(tfs, idfs, counted, writings, strict=True)
            if use and writing not in able and not tf
        )
        total = max(total, _MIN_WEIGHT)
        named_ctx = 0.0
        for tf, in_near, idf, use, predicate, paid, is_name in zip(
            tfs, nears, idfs, counted, predicates_mask, money, name_mask, strict=True
        ):
            if predicate and (tf or (paid and sums) or in_near):
                cand.says_more = True
            if not tf and paid and sums:
                # Said by the sum, not in words: half, as context counts.
                covered += idf / 2
                covered_ctx += idf / 2
            elif tf:
                norm = k1 * (1 - b + b * length / settings.avg_sentence_len)
                match += idf * tf / (tf + norm)
                covered += idf
                covered_ctx += idf
                total += 0.0 if use else idf  # a focus word the answer repeats still counts
            elif use and in_near:
                covered_ctx += idf / 2
                named_ctx += idf / 2 if is_name else 0.0
        # Context vouches for what a sentence leaves implicit, never for all of it.
        cand.coverage = covered_ctx / total if covered else 0.0
        if trace is None and cand.coverage < settings.min_coverage:
            continue
        present = near.union(cand.terms)
        cand.new_name = not names.isdisjoint(cand.terms.keys() - asked_terms)
        cand.names_ok = (
            cand.says_more
            and (
                not required
                or (
                    cand.sentence.article_id in naming()
                    # Naming something else, it is about that, unless it also names
                    # something the question does ("As Andrew Yao, deputy to the NPC and
                    # chairman of Lingnan University's council": the new name answers).
                    and (
                        not names_another(cand.sentence.text, cand.new_name, asked_text)
                        or any(t in cand.terms for t in asked_names)
                    )
                )
                or (spelling in fold(text) if spelling else any(t in present for t in required))
            )
            and (not years or about_years(years, cand.terms, present))
            and (
                not latest
                or not of_the_past(cand.sentence.text, cand.terms, cand.sentence.article_id, latest)
            )
        )
        if trace is None and (cand.coverage < settings.min_coverage or not cand.names_ok):
            continue  # it cannot be quoted, so its score (and the language guess) decides nothing
        new_name = (
            cand.new_name
            and (
                query.kind != "person"
                or any(
                    t in names and t not in asked_terms and aliases.may_be_person(t)
                    for t in cand.terms
                )
            )
        ) or (
            query.kind == "person"
            and any(
                t not in asked_terms
                and chinese_name(t, analyzer)
                # not the head of a longer word: 康方 of 康方生物 is a firm's
                and not any(o != t and o.startswith(t) for o in cand.terms)
                for t in cand.terms
            )
        )
        named_kind = names_kind(cand.terms, query.kind, asked_terms, asked_text, aliases, kind_of)
        cand.holds = cand.names_ok and holds_answer(
            text, query.kind, query.text, new_name, not_people, named_kind
        )
        if cand.holds and roles_asked:
            cand.holds = bool(role_words.intersection(cand.terms)) and not role_of_another(
                text, analyzer, role_words, asked_terms
            )
        if cand.holds and units:
            cand.holds = counts(analyzer.analyze(text), units)
        same_lang = _same_script(text, query.lang)
        cand.score = (
            (covered + named_ctx) / total_idf
            + 0.5 * match / total_idf
            + 0.3 * cand.passage_score / best_passage
            + (0.05 if same_lang else 0.0)
            + settings.kind_bonus * cand.holds
        )

    ranked = sorted(candidates.values(), key=lambda c: (-c.score, c.sentence.id))
    if trace is not None:
        for c in ranked:
            trace.append((round(c.score, 3), round(c.coverage, 3), c.holds, c.sentence.text))
    # ``holds`` is only set on a sentence whose names and sayings pass (``names_ok``).
    acceptable = [c for c in ranked if c.coverage >= settings.min_coverage and c.holds]
    # The sentence most about the question holds no answer of the kind asked, well ahead of
    # all that hold one: the fact is missing, unless one that holds it goes on from it.
    said = [c for c in ranked if c.coverage >= settings.min_coverage and c.names_ok]
    far_behind = acceptable and acceptable[0].score < settings.lead_ratio * said[0].score
    if far_behind and not any(next_to(c.sentence, said[0].sentence) for c in acceptable):
        acceptable = []
    if not acceptable:
        return Answer(query.text, query.lang, False, expected_kind=query.kind)
    top = acceptable[0].score
    chosen = [acceptable[0]]
    for cand in acceptable[1:]:
        if len(chosen) >= settings.max_quotes or cand.score < settings.follow_ratio * top:
            break
        chosen.append(cand)
    rest = acceptable[len(chosen) :][: settings.more_quotes]
    query_terms = frozenset(t for c in concepts for t in c)
    quotes = quote(
        [(c.sentence, c.score) for c in chosen + rest], len(chosen), articles, analyzer, query_terms
    )
    return Answer(
        query.text,
        query.lang,
        True,
        quotes=tuple(quotes[: len(chosen)]),
        more=tuple(quotes[len(chosen) :]),
        expected_kind=query.kind,
        terms=query_terms,
    )


_MIN_WEIGHT = 0.01


def _same_script(text: str, lang: str) -> bool:
    """Among equals, quote the article written in the asker's own language and script."""
    return guess_lang(text) == lang
