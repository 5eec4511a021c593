"""One suite, two stores: the SQLite store and the PostgreSQL store give the same results.

Every test of the contract runs once against ``knowledge.store.Store`` on a file and once
against ``knowledge.pgstore.store.PgStore`` on an empty schema of a throwaway PostgreSQL
server (tests/pgserver.py). A test that needs a second handle on the same store (another
process, another replica) opens one with ``backend.open()``.
"""

from __future__ import annotations

import hashlib
import inspect
import re
import sqlite3
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest

from knowledge.errors import AmbiguousId, NotFound, StoreChanged, StoreError
from knowledge.models import Article, ChatSettings, Citation, GivenQuote
from knowledge.pgstore import open_store
from knowledge.pgstore.store import PgStore
from knowledge.store import Changes, NewSentence, Store, Turn

AnyStore = Store | PgStore


@dataclass
class Backend:
    """Opens handles on one store; closes them all at the end of the test."""

    name: str
    opener: Callable[[], AnyStore]
    opened: list[AnyStore] = field(default_factory=list)

    def open(self) -> AnyStore:
        store = self.opener()
        self.opened.append(store)
        return store


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    if request.param == "sqlite":
        path = tmp_path / "citebot.sqlite3"
        made = Backend("sqlite", lambda: Store(path))
    else:
        url: str = request.getfixturevalue("postgres_url")
        made = Backend("postgresql", lambda: PgStore(url))
    yield made
    for store in made.opened:
        store.close()


@pytest.fixture
def store(backend: Backend) -> AnyStore:
    return backend.open()


@dataclass(frozen=True)
class Doc:
    """An article as the service hands it to the store: analysed, cut into passages."""

    article: Article
    key: str
    sentences: list[NewSentence]
    windows: list[tuple[int, int]]


def doc(
    title: str,
    *paragraphs: str,
    url: str | None = None,
    added_at: str = "2026-01-01T00:00:00+00:00",
    article_id: str | None = None,
    window: int = 2,
) -> Doc:
    """Each paragraph's sentences (split after ". "), terms lower-cased words, passages of
    ``window`` sentences."""
    sentences: list[NewSentence] = []
    for number, paragraph in enumerate(paragraphs, start=1):
        start = 0
        for text in re.split(r"(?<=\.) ", paragraph):
            start = paragraph.index(text, start)
            terms = [w.strip(".,").lower() for w in text.split()]
            sentences.append(
                NewSentence(len(sentences), number, start, start + len(text), text, terms)
            )
            start += len(text)
    windows = [
        (first, min(first + window, len(sentences)) - 1)
        for first in range(0, len(sentences), window)
    ]
    ident = article_id or hashlib.sha256(f"{title}\n{paragraphs}".encode()).hexdigest()[:16]
    article = Article(
        id=ident,
        title=title,
        source="test",
        url=url,
        lang="en",
        published=None,
        added_at=added_at,
        passages=len(windows),
        sentences=len(sentences),
        format="txt",
    )
    return Doc(article, url or f"test\n{title}", sentences, windows)


def add(store: AnyStore, d: Doc, **kwargs: Any) -> list[int]:
    return store.add_article(d.article, d.key, d.sentences, d.windows, **kwargs)


ROPES = doc(
    "Ropeworks",
    "The Lantau Ropeworks made ropes for ships. It closed in 1971. Its shed is a museum",
    "Visitors come on Sundays",
    url="https://example.org/ropes",
)
GLASS = doc(
    "Glassworks", "九龙玻璃厂于1931年创办。它生产玻璃瓶", "The Kowloon Glassworks had a kiln"
)


# -- articles -----------------------------------------------------------------------------


def test_a_new_store_is_empty_at_generation_zero(store: AnyStore) -> None:
    assert store.generation() == 0
    assert store.article_count() == 0
    assert store.counts() == {"articles": 0, "passages": 0, "sentences": 0}
    assert store.list_articles() == []
    assert list(store.all_passage_terms()) == []
    assert store.terms_version() is None
    assert store.learned_aliases() == []
    assert store.changes_since(0) == Changes(0, [], [])
    assert store.store_id and not store.read_only


def test_an_article_is_stored_whole_and_read_back_after_a_reopen(backend: Backend) -> None:
    store = backend.open()
    ids = add(store, ROPES, aliases=[("Lantau Ropeworks", "大屿山制绳厂")])
    assert ids == sorted(ids) and len(ids) == 2
    add(store, GLASS)
    again = backend.open()  # another process, or a restart
    assert again.store_id == store.store_id
    assert again.generation() == 2
    assert again.article(ROPES.article.id) == ROPES.article
    assert again.find_article("0" * 16) is None
    assert again.find_by_replace_key("https://example.org/ropes") == ROPES.article
    assert again.find_by_replace_key("https://example.org/none") is None
    assert again.counts() == {"articles": 2, "passages": 3, "sentences": 6}
    assert again.article_count() == 2
    assert [a.id for a in again.list_articles()] == [GLASS.article.id, ROPES.article.id]
    assert [a.id for a in again.list_articles(offset=1, limit=5)] == [ROPES.article.id]
    rows = again.passages([ids[1], ids[0], 10**9])
    assert [(r.id, r.article_id, r.first_position, r.last_position) for r in rows] == [
        (ids[0], ROPES.article.id, 0, 1),
        (ids[1], ROPES.article.id, 2, 3),
    ]
    [(first, terms), *_] = again.sentences(ROPES.article.id, 0, 0)
    assert (first.text, first.paragraph, first.position, first.start) == (
        "The Lantau Ropeworks made ropes for ships.",
        1,
        0,
        0,
    )
    assert terms == ["the", "lantau", "ropeworks", "made", "ropes", "for", "ships"]
    assert again.paragraphs(ROPES.article.id) == [
        "The Lantau Ropeworks made ropes for ships. It closed in 1971. Its shed is a museum",
        "Visitors come on Sundays",
    ]
    assert [pid for pid, _ in again.passage_terms(ROPES.article.id)] == ids
    assert dict(again.passage_terms_by_id([ids[1], 10**9])) == {
        ids[1]: ["its", "shed", "is", "a", "museum", "visitors", "come", "on", "sundays"]
    }
    assert len(list(again.all_passage_terms(batch=2))) == 3
    assert again.learned_aliases() == [("Lantau Ropeworks", "大屿山制绳厂")]
    with pytest.raises(NotFound):
        again.article("0" * 16)


@pytest.mark.parametrize("failure", ["the database refuses a row", "the caller's data raises"])
def test_an_ingest_that_fails_midway_leaves_nothing(store: AnyStore, failure: str) -> None:
    first = doc("Old", "A first version")
    [old] = add(store, first, aliases=[("A", "B")])
    generation = store.generation()
    before = (store.counts(), list(store.all_passage_terms()), store.learned_aliases())
    new = doc("New", "A second version. With two sentences. And a third")
    if failure == "the database refuses a row":
        # The article and its sentences are in when the second passage is refused.
        windows: list[tuple[int, Any]] = [(0, 1), (2, None)]
        broken = Doc(new.article, new.key, new.sentences, windows)
        expected: type[Exception] = StoreError
    else:
        sentences = [*new.sentences[:2], NewSentence(2, 1, 0, 1, "x", [None])]  # type: ignore[list-item]
        broken = Doc(new.article, new.key, sentences, new.windows)
        expected = TypeError
    with pytest.raises(expected):
        add(store, broken, aliases=[("C", "D")], replace_id=first.article.id)
    assert store.generation() == generation
    assert (store.counts(), list(store.all_passage_terms()), store.learned_aliases()) == before
    assert store.find_article(new.article.id) is None
    assert store.changes_since(generation) == Changes(generation, [], [])
    # The store goes on: the same article, whole this time, goes in.
    ids = add(store, new, replace_id=first.article.id)
    changes = store.changes_since(generation)
    assert changes is not None and [pid for pid, _ in changes.left] == [old]
    assert [pid for pid, _ in changes.came] == ids


def test_an_ingest_planned_before_another_write_writes_nothing(backend: Backend) -> None:
    store, other = backend.open(), backend.open()
    planned_at = store.generation()
    add(other, ROPES)  # another replica wrote meanwhile
    with pytest.raises(StoreChanged):
        add(store, GLASS, expected_generation=planned_at)
    assert store.find_article(GLASS.article.id) is None and store.generation() == planned_at + 1
    add(store, GLASS, expected_generation=planned_at + 1)
    assert store.generation() == planned_at + 2


def test_replacing_logs_the_old_passages_leaving_and_the_new_coming(store: AnyStore) -> None:
    old_ids = add(store, ROPES)
    old_terms = store.passage_terms(ROPES.article.id)
    generation = store.generation()
    newer = doc("Ropeworks", "The ropeworks reopened in 2001", url="https://example.org/ropes")
    new_ids = add(store, newer, replace_id=ROPES.article.id)
    assert min(new_ids) > max(old_ids)  # a passage id is never given twice
    assert store.find_article(ROPES.article.id) is None
    assert store.find_by_replace_key("https://example.org/ropes") == newer.article
    changes = store.changes_since(generation)
    assert changes == Changes(generation + 1, old_terms, store.passage_terms(newer.article.id))


def test_removing_logs_the_passages_leaving_and_an_unknown_id_is_not_found(
    store: AnyStore,
) -> None:
    add(store, ROPES)
    add(store, GLASS)
    terms = store.passage_terms(GLASS.article.id)
    generation = store.generation()
    store.remove_article(GLASS.article.id)
    assert store.changes_since(generation) == Changes(generation + 1, terms, [])
    assert store.counts() == {"articles": 1, "passages": 2, "sentences": 4}
    with pytest.raises(NotFound):
        store.remove_article(GLASS.article.id)
    assert store.generation() == generation + 1  # the refused removal wrote nothing


def test_the_log_reaches_back_only_as_far_as_it_was_kept(store: AnyStore) -> None:
    add(store, ROPES)
    add(store, GLASS)
    assert store.changes_since(3) is None  # a generation the store has not reached
    changes = store.changes_since(0)
    assert changes is not None and len(changes.came) == 3 and changes.left == []
    store.forget_changes(1)
    assert store.changes_since(0) is None
    changes = store.changes_since(1)
    assert changes is not None and [p for p, _ in changes.came] == [
        p for p, _ in store.passage_terms(GLASS.article.id)
    ]
    store.forget_changes(0)  # the log never reaches back again
    assert store.changes_since(0) is None and store.generation() == 2


def test_a_terms_upgrade_another_process_made_first_writes_nothing(store: AnyStore) -> None:
    add(store, GLASS)
    [(pid, terms), *_] = store.passage_terms(GLASS.article.id)
    [(sid, _), *_] = list(store.sentence_texts())
    generation = store.generation()
    assert store.reterm([], 1, expected=None)  # the version of the first analyzer
    assert store.terms_version() == 1 and store.generation() == generation
    assert not store.reterm([(sid, ["late"])], 3, expected=2)
    assert store.terms_version() == 1 and store.passage_terms(GLASS.article.id)[0] == (pid, terms)
    assert store.reterm([(sid, ["now"])], 2, expected=1)
    assert store.terms_version() == 2 and store.generation() == generation + 1
    now_terms = store.passage_terms(GLASS.article.id)[0]
    assert now_terms[0] == pid and now_terms[1][0] == "now"
    assert store.changes_since(generation) == Changes(generation + 1, [(pid, terms)], [now_terms])


def test_an_article_is_retermed_by_the_ingest_that_taught_an_alias(store: AnyStore) -> None:
    add(store, GLASS)
    [(sid, _), *_] = list(store.sentence_texts())
    [(pid, terms), *_] = store.passage_terms(GLASS.article.id)
    generation = store.generation()
    ids = add(store, ROPES, retermed=[(sid, ["九龙", "玻璃厂"])])
    changes = store.changes_since(generation)
    assert changes is not None and changes.left == [(pid, terms)]
    assert [p for p, _ in changes.came] == [pid, *ids]
    assert changes.came[0][1][:2] == ["九龙", "玻璃厂"]


def test_an_article_id_is_found_from_an_unambiguous_prefix_only(store: AnyStore) -> None:
    for n, ident in enumerate(["abc1230000000000", "abc4560000000000", "def0000000000000"]):
        add(store, doc(f"T{n}", f"Text {n}", article_id=ident))
    assert store.resolve_id("abc1") == store.resolve_id("ABC1") == "abc1230000000000"
    assert store.resolve_id("d") == "def0000000000000"
    with pytest.raises(AmbiguousId) as ambiguous:
        store.resolve_id("abc")
    assert ambiguous.value.params["matches"] == ["abc1230000000000", "abc4560000000000"]
    for bad in ("", "_", "abc_", "%", "abc1230000000000" + "0", "ab\x00"):
        with pytest.raises(NotFound):
            store.resolve_id(bad)


def test_a_read_sees_one_state_while_another_handle_writes(backend: Backend) -> None:
    store, other = backend.open(), backend.open()
    for n in range(5):
        add(store, doc(f"R{n}", f"Rope {n} was sold. It was strong"))
    whole = list(store.all_passage_terms())
    assert len(whole) == 5 and list(store.all_passage_terms(batch=2)) == whole
    with store.reading():
        pages = store.all_passage_terms(batch=2)
        first = next(pages)
        generation = store.generation()
        other.remove_article(doc("R4", "Rope 4 was sold. It was strong").article.id)
        assert [first, *pages] == whole  # still the state the read began in
        assert store.generation() == generation
    assert len(list(store.all_passage_terms(batch=2))) == 4
    assert store.generation() == generation + 1


def test_sentences_are_found_by_text_and_by_passage(store: AnyStore) -> None:
    add(store, ROPES)
    add(store, GLASS)
    texts = list(store.sentence_texts(batch=3))
    assert len(texts) == 6 and [i for i, _ in texts] == sorted(i for i, _ in texts)
    assert list(store.sentence_texts(batch=100)) == texts
    found = store.sentences_like(["LANTAU", "玻璃"])
    assert sorted(t for _, t in found) == [
        "The Lantau Ropeworks made ropes for ships.",
        "九龙玻璃厂于1931年创办。它生产玻璃瓶",
    ]
    assert store.sentences_like([]) == []
    ids = dict((t, i) for i, t in texts)
    passages = store.passages_of_sentences(
        [ids["It closed in 1971."], ids["Its shed is a museum"], ids["Visitors come on Sundays"]]
    )
    assert passages == [p for p, _ in store.passage_terms(ROPES.article.id)]
    assert store.passages_of_sentences([]) == []


def test_the_sentences_and_articles_of_many_passages_are_read_at_once(store: AnyStore) -> None:
    add(store, ROPES)
    add(store, GLASS)
    ranges = [
        (ROPES.article.id, -1, 1),  # from before the first sentence
        (GLASS.article.id, 1, 2),
        (ROPES.article.id, 1, 3),  # overlapping the first range
        ("0" * 16, 0, 5),  # no such article
        (ROPES.article.id, 3, 2),  # empty
    ]
    assert store.sentences_in(ranges) == [store.sentences(*r) for r in ranges]
    assert [len(found) for found in store.sentences_in(ranges)] == [2, 1, 3, 0, 0]
    assert store.sentences_in([]) == []
    articles = store.articles([GLASS.article.id, "0" * 16, ROPES.article.id])
    assert articles == {GLASS.article.id: GLASS.article, ROPES.article.id: ROPES.article}
    assert store.articles([]) == {}


def test_articles_read_for_citations_leave_their_counts_unread(store: AnyStore) -> None:
    add(store, ROPES)
    uncounted = store.articles([ROPES.article.id, "0" * 16], counted=False)
    assert uncounted == {ROPES.article.id: replace(ROPES.article, passages=0, sentences=0)}
    assert store.articles([], counted=False) == {}


def test_the_passages_of_articles_are_listed_by_article(store: AnyStore) -> None:
    ropes = add(store, ROPES)
    glass = add(store, GLASS)
    found = store.passages_of_articles([GLASS.article.id, "0" * 16, ROPES.article.id])
    assert found == {ROPES.article.id: ropes, GLASS.article.id: glass}
    assert store.passages_of_articles([]) == {}


# -- questions, feedback, gaps ---------------------------------------------------------------

QUOTE = GivenQuote(
    text="The Lantau Ropeworks made ropes for ships",
    citation=Citation(1, "abc", "Ropeworks", "test", "https://example.org/ropes", None, 1),
)


def test_a_question_is_logged_with_the_answer_it_gave(store: AnyStore) -> None:
    answered = store.log_question("Who made ropes?", "en", True, -100, 7, [QUOTE])
    declined = store.log_question("谁造船？", "zh-Hans", False, None, None)
    assert answered != declined
    assert store.question_text(declined) == "谁造船？"
    given = store.given_answer(answered)
    assert (given.question, given.lang, given.found, given.quotes, given.kept) == (
        "Who made ropes?",
        "en",
        True,
        (QUOTE,),
        True,
    )
    assert store.given_answer(declined).quotes == () and store.given_answer(declined).kept
    # An answer that quoted nothing (kept before answers were kept) is not passed off as one.
    bare = store.log_question("Who sold ropes?", "en", True, None, None)
    assert store.given_answer(bare).kept is False
    for missing in (store.question_text, store.given_answer):
        with pytest.raises(NotFound):
            missing(10**9)
    assert store.question_stats() == {
        "questions": 3,
        "answered": 2,
        "thumbs_up": 0,
        "thumbs_down": 0,
    }


def test_a_vote_replaces_the_users_earlier_one_and_a_thumbs_down_keeps_its_reason(
    store: AnyStore,
) -> None:
    question = store.log_question("Who made ropes?", "en", True, -100, 7, [QUOTE])
    store.add_feedback(question, 7, -1, "wrong_source")
    store.add_feedback(question, 7, -1)  # the 👎 again, without a reason: the reason stays
    store.add_feedback(question, 8, 1)
    votes = store.all_feedback()
    assert [(v["user_id"], v["value"], v["reason"]) for v in votes] == [
        (7, -1, "wrong_source"),
        (8, 1, None),
    ]
    assert votes[0]["answer"] == [
        {
            "text": QUOTE.text,
            "number": 1,
            "article_id": "abc",
            "title": "Ropeworks",
            "source": "test",
            "url": "https://example.org/ropes",
            "published": None,
            "paragraph": 1,
        }
    ]
    assert (votes[0]["question"], votes[0]["found"], votes[0]["chat_id"]) == (
        "Who made ropes?",
        1,
        -100,
    )
    store.add_feedback(question, 7, 1)  # changed their mind: a 👍 has no reason
    assert [(v["value"], v["reason"]) for v in store.all_feedback()] == [(1, None), (1, None)]
    assert store.question_stats()["thumbs_up"] == 2
    recent = store.recent_feedback(limit=1)
    assert len(recent) == 1 and set(recent[0]) == {"question", "lang", "value", "created_at"}


def test_gaps_are_the_declined_and_thumbed_down_questions(store: AnyStore) -> None:
    declined = store.log_question("Who built the kiln?", "en", False, None, 1)
    answered = store.log_question("When did it close?", "en", True, None, 2, [QUOTE])
    liked = store.log_question("What did it make?", "en", True, None, 3, [QUOTE])
    store.add_feedback(answered, 2, -1, "wrong_answer")
    store.add_feedback(answered, 4, -1, "not_answered")
    store.add_feedback(liked, 3, 1)
    rows = store.gap_rows()
    assert {r.question_id for r in rows} == {declined, answered}
    by_id = {r.question_id: r for r in rows}
    assert (by_id[declined].found, by_id[declined].thumbs_down) == (False, 0)
    assert (by_id[answered].found, by_id[answered].thumbs_down) == (True, 2)
    assert sorted(by_id[answered].reasons) == ["not_answered", "wrong_answer"]
    assert [r.latest for r in rows] == sorted((r.latest for r in rows), reverse=True)
    assert store.gap_rows(since="9999") == []
    assert len(store.gap_rows(scan=1)) == 1
    assert store.declined_questions() == [
        {
            "question": "Who built the kiln?",
            "lang": "en",
            "asked_at": by_id[declined].latest,
            "chat_id": None,
            "user_id": 1,
        }
    ]


def test_exported_feedback_and_questions_are_recreated_as_they_were(
    store: AnyStore, tmp_path: Path
) -> None:
    """An export's records, read from either store, re-create the same records in an SQLite
    store and in the store they came from."""
    question = store.log_question("Who made ropes?", "en", True, -100, 7, [QUOTE])
    store.add_feedback(question, 7, -1, "wrong_answer")
    store.log_question("谁造船？", "zh-Hans", False, -100, 9)
    feedback, declined = store.all_feedback(), store.declined_questions()
    assert len(feedback) == len(declined) == 1
    copy = Store(tmp_path / "copy.sqlite3")
    try:
        for target in (copy, store):
            for record in feedback:
                target.add_feedback_record(record)
            for record in declined:
                target.add_question_record(record)
        assert copy.all_feedback() == feedback and copy.declined_questions() == declined
        assert store.all_feedback() == feedback * 2
        assert store.declined_questions() == declined * 2
    finally:
        copy.close()


def test_chat_settings_are_kept_per_chat_and_unknown_values_read_as_defaults(
    backend: Backend,
) -> None:
    store = backend.open()
    assert store.chat_settings(-100) == ChatSettings()
    kept = ChatSettings(answer="questions", lang="zh-Hant")
    store.set_chat_settings(-100, kept, 7)
    store.set_chat_settings(42, ChatSettings(answer="off"), None)
    store.set_chat_settings(42, ChatSettings(lang="en"), 8)  # replaced whole
    again = backend.open()
    assert again.chat_settings(-100) == kept
    assert again.chat_settings(42) == ChatSettings(lang="en")
    assert again.chat_settings(43) == ChatSettings()
    with again.transaction(bump=False) as db:  # as a newer citebot may write them
        db.execute(
            "INSERT INTO chat_settings(chat_id, answer, lang, changed_at) "
            "VALUES (-200, 'sometimes', 'fr', '2026-01-01')"
        )
    assert again.chat_settings(-200) == ChatSettings()


# -- several writers -------------------------------------------------------------------------


def together(count: int, work: Callable[[int], None]) -> None:
    """Run ``work(0)`` .. ``work(count - 1)`` on threads released at one instant; the first
    exception a thread raised is raised here (not lost in the thread)."""
    start = threading.Barrier(count)
    errors: list[BaseException] = []

    def run(n: int) -> None:
        try:
            start.wait()
            work(n)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]


def test_writers_on_several_handles_keep_one_order_of_generations(backend: Backend) -> None:
    """Two replicas (or a replica and `citebot ingest`) writing at once: every write gets a
    generation of its own, and the log replays to exactly the stored passages."""
    handles = [backend.open(), backend.open()]

    def write(n: int) -> None:
        for k in range(4):
            add(handles[n], doc(f"W{n}-{k}", f"Writer {n} wrote {k}. Then stopped"))

    together(2, write)
    store = handles[0]
    assert store.generation() == 8
    changes = store.changes_since(0)
    assert changes is not None and changes.left == []
    assert changes.came == list(store.all_passage_terms())


# -- what replicas share: webhook updates, rate-limit turns ---------------------------------

BOT = 123456
LIVE = 60.0  # a lease that holds for the length of a test
DEAD = 0.0  # a lease already run out: the replica that claimed it died


def test_an_update_is_claimed_once_and_busy_while_its_claim_holds(backend: Backend) -> None:
    """A redelivery while a replica (this one or another) handles the update is "busy", so
    Telegram delivers it again later; once finished, a redelivery is "finished" and nothing is
    sent."""
    a, b = backend.open(), backend.open()
    assert a.claim_update(BOT, 1, "a", LIVE) == "claimed"
    assert b.claim_update(BOT, 1, "b", LIVE) == "busy"
    assert a.claim_update(BOT, 1, "a", LIVE) == "busy"  # a redelivery to the same replica
    a.finish_update(BOT, 1, "a")
    assert b.claim_update(BOT, 1, "b", LIVE) == "finished"
    assert a.claim_update(BOT, 1, "a", DEAD) == "finished"
    # The same update id of another bot is another update.
    assert b.claim_update(BOT + 1, 1, "b", LIVE) == "claimed"


def test_an_update_whose_lease_ran_out_is_taken_over_and_finished_once(backend: Backend) -> None:
    a, b = backend.open(), backend.open()
    assert a.claim_update(BOT, 2, "a", DEAD) == "claimed"  # then replica a dies
    assert b.claim_update(BOT, 2, "b", LIVE) == "taken_over"
    assert a.claim_update(BOT, 2, "a", LIVE) == "busy"  # b's claim holds now
    b.finish_update(BOT, 2, "b")
    a.finish_update(BOT, 2, "a")  # a late finish changes nothing
    assert a.claim_update(BOT, 2, "a", LIVE) == "finished"


def test_a_renewed_claim_holds_and_only_its_owner_renews_it(backend: Backend) -> None:
    """A replica still at work on a long update (an upload) renews its claims: no other
    replica takes it over meanwhile."""
    a, b = backend.open(), backend.open()
    assert a.claim_update(BOT, 3, "a", DEAD) == "claimed"
    assert a.claim_update(BOT, 4, "a", DEAD) == "claimed"
    a.renew_claims(BOT, [3], "a", LIVE)
    b.renew_claims(BOT, [4], "b", LIVE)  # not b's claim: left to run out
    a.renew_claims(BOT, [], "a", LIVE)
    assert b.claim_update(BOT, 3, "b", LIVE) == "busy"
    assert b.claim_update(BOT, 4, "b", LIVE) == "taken_over"


def test_replicas_racing_for_one_update_let_exactly_one_handle_it(backend: Backend) -> None:
    handles = [backend.open(), backend.open()]
    found: list[str] = []

    def claim(n: int) -> None:
        found.append(handles[n % 2].claim_update(BOT, 5, f"r{n}", LIVE))

    together(8, claim)
    assert sorted(found) == ["busy"] * 7 + ["claimed"]


def test_old_deliveries_and_idle_turn_keys_are_forgotten(backend: Backend) -> None:
    store = backend.open()
    store.claim_update(BOT, 6, "a", LIVE)
    store.finish_update(BOT, 6, "a")
    store.take_turn([("user:1", 5, 60)])
    assert store.forget_shared(3600) == 0
    assert store.claim_update(BOT, 6, "a", LIVE) == "finished"
    assert store.forget_shared(0) == 2  # both rows are older than no time at all
    assert store.claim_update(BOT, 6, "a", LIVE) == "claimed"


def test_turns_are_shared_by_every_handle_and_refused_past_the_limit(backend: Backend) -> None:
    """Three turns a minute, taken through two replicas: the fourth is refused with the
    seconds until the oldest leaves the window, and a notice only on the first refusal."""
    a, b = backend.open(), backend.open()
    assert a.take_turn([("user:7", 3, 60)]).taken
    assert b.take_turn([("user:7", 3, 60)]).taken
    assert a.take_turn([("user:7", 3, 60)]).taken
    refused = b.take_turn([("user:7", 3, 60)])
    assert not refused.taken and refused.notice and 59 < refused.wait <= 60
    again = a.take_turn([("user:7", 3, 60)])
    assert not again.taken and not again.notice and again.wait <= refused.wait
    assert a.take_turn([("user:8", 3, 60)]).taken  # another key has its own window
    # A window the turns have left (here: none at all) gives turns again.
    assert all(b.take_turn([("user:7", 3, 0)]).taken for _ in range(5))
    # The notice was given this window already: not again, whatever the limit asked.
    stricter = a.take_turn([("user:7", 1, 60)])
    assert isinstance(stricter, Turn) and not stricter.taken and not stricter.notice


def test_turns_taken_at_once_by_many_threads_never_pass_the_limit(backend: Backend) -> None:
    handles = [backend.open(), backend.open()]
    taken: list[bool] = []

    def take(n: int) -> None:
        for _ in range(5):
            taken.append(handles[n % 2].take_turn([("chat:-100", 10, 60)]).taken)

    together(6, take)
    assert taken.count(True) == 10 and len(taken) == 30


def test_a_turn_in_two_windows_is_taken_in_both_or_in_neither(backend: Backend) -> None:
    """A message into a group takes a turn of the group's window and of the bot's at one
    instant: refused by one, it takes nothing from the other."""
    store = backend.open()
    group, bot = ("chat:-100", 2, 60), ("all", 3, 60)
    assert store.take_turn([group, bot]).taken
    assert store.take_turn([group, bot]).taken
    full = store.take_turn([group, bot])  # the group's window is full, the bot's is not
    assert not full.taken and 59 < full.wait <= 60
    assert store.take_turn([bot]).taken  # the refusal took none of the bot's turns
    other = store.take_turn([("chat:-200", 2, 60), bot])  # now the bot's window is full
    assert not other.taken and 59 < other.wait <= 60
    assert store.take_turn([("chat:-200", 2, 60)]).taken
    assert store.take_turn([("chat:-200", 2, 60)]).taken


def test_turns_over_two_windows_taken_in_either_order_at_once_never_deadlock(
    backend: Backend,
) -> None:
    handles = [backend.open(), backend.open()]
    taken: list[bool] = []
    x, y = ("chat:-1", 10, 60), ("all", 10, 60)

    def take(n: int) -> None:
        for _ in range(5):
            windows = [x, y] if n % 2 else [y, x]
            taken.append(handles[n % 2].take_turn(windows).taken)

    together(6, take)
    assert taken.count(True) == 10 and len(taken) == 30


def test_an_older_sqlite_store_gains_the_replicas_tables_at_open(tmp_path: Path) -> None:
    path = tmp_path / "citebot.sqlite3"
    Store(path).close()
    with sqlite3.connect(path) as db:  # as a store made before replicas shared anything
        db.executescript("DROP TABLE deliveries; DROP TABLE turns;")
    store = Store(path)
    try:
        assert store.claim_update(BOT, 1, "a", LIVE) == "claimed"
        assert store.take_turn([("user:1", 1, 60)]).taken
    finally:
        store.close()


def test_an_older_postgresql_store_is_migrated_to_the_replicas_tables(postgres_url: str) -> None:
    import psycopg

    from knowledge.pgstore.schema import LATEST

    PgStore(postgres_url).close()
    with psycopg.connect(postgres_url, autocommit=True) as conn:  # as step 1 left it
        conn.execute(
            b"DROP TABLE deliveries; DROP TABLE turns; DROP FUNCTION take_turn; "
            b"DELETE FROM schema_version WHERE version > 1"
        )
    store = PgStore(postgres_url)
    try:
        assert store.claim_update(BOT, 1, "a", LIVE) == "claimed"
        assert store.take_turn([("user:1", 1, 60)]).taken
    finally:
        store.close()
    with psycopg.connect(postgres_url) as conn:
        versions = [r[0] for r in conn.execute("SELECT version FROM schema_version ORDER BY 1")]
    assert versions == list(range(1, LATEST + 1)) and LATEST >= 2


# -- both stores, one interface --------------------------------------------------------------


def test_watch_tells_of_another_handles_commits_or_says_it_cannot(backend: Backend) -> None:
    """PostgreSQL calls back after each commit that moves the generation (LISTEN/NOTIFY), and
    not for a write rolled back or one that moves none; SQLite says it cannot (the next read
    compares generations instead)."""
    watched, writer = backend.open(), backend.open()
    told: list[int] = []
    heard = threading.Condition()

    def tell() -> None:
        with heard:
            told.append(watched.generation())
            heard.notify_all()

    if not watched.watch(tell):
        assert backend.name == "sqlite"
        return
    assert backend.name == "postgresql"
    assert isinstance(watched, PgStore)
    listener = watched.listener
    assert listener is not None and listener.listening.wait(10)
    with pytest.raises(StoreChanged):
        add(writer, ROPES, expected_generation=5)  # refused, rolled back: nothing to tell
    add(writer, GLASS)
    writer.forget_changes(0)  # moves no generation: nothing to tell either
    add(writer, ROPES)
    with heard:
        # Notifications arrive in commit order: one for another write would come before the
        # last one's.
        assert heard.wait_for(lambda: 2 in told, timeout=10), told
    assert told == [1, 2] or told == [2, 2], told  # the first may be read after the second


def test_both_stores_have_the_same_public_methods() -> None:
    def public(cls: type) -> dict[str, list[tuple[str, object, object]]]:
        return {
            name: [
                (p.name, p.kind, p.default) for p in inspect.signature(member).parameters.values()
            ]
            for name, member in inspect.getmembers(cls, callable)
            if not name.startswith("_")
        }

    assert public(PgStore) == public(Store)


def test_open_store_picks_the_store_by_where_it_lives(tmp_path: Path, postgres_url: str) -> None:
    sqlite = open_store(tmp_path / "kb.sqlite3")
    postgres = open_store(postgres_url)
    try:
        assert isinstance(sqlite, Store) and isinstance(postgres, PgStore)
    finally:
        sqlite.close()
        postgres.close()
    with pytest.raises(ValueError, match=r"postgresql://, not mysql://") as refused:
        open_store("mysql://user:s3cret@db/kb")
    assert "s3cret" not in str(refused.value)
