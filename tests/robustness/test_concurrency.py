"""Questions from several threads while other threads ingest and remove, on one KnowledgeBase.

Readers ask the headline question and must always get the HKUST sentence. Probes ask a question
only the churned article answers; whenever it is answered, the cited article must be stored
whole (its passage and sentence counts as a separate reference ingest found them). Writers add
and remove articles the whole time; each version of the churned article teaches the analyzer a
new alias pair, so the alias tables are rebuilt while questions are being analysed.

Every loop is bounded twice: by a count and by DURATION seconds.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest

from knowledge.errors import NotFound
from knowledge.service import KnowledgeBase
from tests.robustness.conftest import FIGURES
from tests.waiting import wait_until_inside

pytestmark = pytest.mark.slow  # threads churning ingests for seconds, and a 20,000-paragraph ingest

DURATION = 4.0
HEADLINE = "which HK university trained a DeepSeek founder"
PROBE = "who opened the Velmora Archive?"
ROUNDS = 40
# A new Chinese name for each round: the article teaches "Velmora Archive (...)" every time.
NAMES = [f"韦尔莫{a}{b}馆" for a in "东南西北中" for b in "甲乙丙丁戊己庚辛"]


def churned(round_: int) -> str:
    paragraphs = [f"Velmora notes, version {round_}"]
    for i in range(60):
        paragraphs.append(
            f"Note {i} of version {round_}: the reading room kept {i + 3} ledgers of ferry "
            f"timetables. Visitors signed book {i % 7} at the desk."
        )
    paragraphs.insert(
        30,
        f"The Velmora Archive ({NAMES[round_]}) was opened by the archivist Tobias Quill in "
        f"{1900 + round_}.",
    )
    return "\n\n".join(paragraphs)


def other(k: int) -> str:
    return "\n\n".join(
        [f"Harbour survey {k}"]
        + [
            f"Survey {k}, station {i}: the depth at pier {i} was {i + k} metres at low tide."
            for i in range(40)
        ]
    )


def test_questions_stay_right_while_articles_come_and_go(
    kb: KnowledgeBase, empty_kb: KnowledgeBase
) -> None:
    expected_sentence = kb.ask(HEADLINE, log_it=False).quotes[0].sentence.text
    assert "Hong Kong University of Science and Technology" in expected_sentence
    # Reference counts from a separate knowledge base: article ids come from the content.
    expected: dict[str, tuple[int, int]] = {}
    for r in range(ROUNDS):
        article = empty_kb.ingest_text(churned(r), source="reference").article
        expected[article.id] = (article.passages, article.sentences)
    assert empty_kb.ask(PROBE, log_it=False).found

    stop = threading.Event()
    seen = threading.Event()  # a probe has verified the churned article now stored
    deadline = time.monotonic() + DURATION
    errors: list[str] = []
    stats = {"headline": 0, "probe found": 0, "probe verified": 0, "probe gone": 0}
    stats.update({"probe not found": 0, "ingests": 0, "removals": 0})
    latencies: list[float] = []
    lock = threading.Lock()

    def bump(key: str) -> None:
        with lock:
            stats[key] += 1

    def running(limit: int) -> range:
        return range(limit)

    def guarded(work: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            try:
                work()
            except BaseException as exc:  # reported below, with the thread's name
                errors.append(f"{threading.current_thread().name}: {exc!r}")
                stop.set()

        return run

    def reader() -> None:
        for _ in running(5000):
            if stop.is_set() or time.monotonic() > deadline:
                return
            started = time.monotonic()
            answer = kb.ask(HEADLINE, log_it=False)
            with lock:
                latencies.append(time.monotonic() - started)
            assert answer.found and answer.quotes[0].sentence.text == expected_sentence, (
                f"headline answered with {[q.sentence.text for q in answer.quotes]}"
            )
            bump("headline")

    def probe() -> None:
        for _ in running(5000):
            if stop.is_set() or time.monotonic() > deadline:
                return
            answer = kb.ask(PROBE, log_it=False)
            if not answer.found:
                bump("probe not found")
                continue
            bump("probe found")
            cited = answer.quotes[0].citation.article_id
            assert cited in expected, f"the probe was answered from {cited}"
            assert "Tobias Quill" in answer.quotes[0].sentence.text
            try:
                article = kb.article(cited)
            except NotFound:
                bump("probe gone")  # removed between the answer and this look; nothing to see
                continue
            assert (article.passages, article.sentences) == expected[cited], "half an article"
            bump("probe verified")
            seen.set()

    def churner() -> None:
        for r in running(ROUNDS):
            if stop.is_set() or time.monotonic() > deadline:
                return
            result = kb.ingest_text(churned(r), source="reference")
            assert (result.article.passages, result.article.sentences) == expected[
                result.article.id
            ]
            bump("ingests")
            # Removed once a probe has seen it whole (or a second on), so probes meet each
            # version; the next one is ingested while they may still be citing this one.
            seen.wait(1.0)
            kb.remove(result.article.id)
            seen.clear()
            bump("removals")

    def surveyor() -> None:
        added: list[str] = []
        for k in running(200):
            if stop.is_set() or time.monotonic() > deadline:
                break
            added.append(kb.ingest_text(other(k), source="survey").article.id)
            bump("ingests")
            if len(added) > 3:
                kb.remove(added.pop(0))
                bump("removals")
        for article_id in added:
            kb.remove(article_id)
            bump("removals")

    workers = [reader] * 3 + [probe] * 2 + [churner, surveyor]
    with ThreadPoolExecutor(len(workers), thread_name_prefix="concurrency") as pool:
        futures = [pool.submit(guarded(work)) for work in workers]
        for future in futures:
            future.result(timeout=DURATION + 60)

    assert not errors, errors
    assert stats["headline"] > 0 and stats["probe verified"] > 0, stats
    assert stats["ingests"] >= 5 and stats["removals"] == stats["ingests"], stats
    # After the churn the knowledge base is as it was: index and store agree.
    assert kb.index.doc_count == sum(1 for _, terms in kb.store.all_passage_terms() if terms)
    latencies.sort()
    figures = ", ".join(f"{k} {v}" for k, v in stats.items())
    FIGURES.note(
        "concurrency",
        f"{figures}; headline latency p50 {latencies[len(latencies) // 2] * 1000:.0f} ms, "
        f"max {latencies[-1] * 1000:.0f} ms",
    )


@pytest.mark.parametrize("question", [HEADLINE, "哪所香港大學培養了DeepSeek的創始人？"])
def test_parallel_questions_agree_with_a_single_thread(kb: KnowledgeBase, question: str) -> None:
    """Questions alone, many at once: every thread gets the single-threaded answer."""
    alone = kb.ask(question, log_it=False)
    with ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(lambda _: kb.ask(question, log_it=False), range(60)))
    assert all(a == alone for a in answers)


def test_question_is_not_blocked_by_a_large_ingest(kb: KnowledgeBase) -> None:
    """A question asked while a big upload is analysed is answered before the upload ends.

    How long it takes meanwhile is a figure, not a pass mark: the analysis holds the GIL, and
    on a busy machine the question's share of it varies (0.01 s alone, about 1 s beside it).
    """
    text = "\n\n".join(
        f"Line {i} of the quillop register ends here. It names dock {i % 50}."
        for i in range(20_000)
    )
    ingest = threading.Thread(target=kb.ingest_text, args=(text,), kwargs={"source": "register"})
    ingest.start()
    try:
        wait_until_inside(ingest, kb.analyzer.terms)  # analysing the paragraphs: seconds
        started = time.monotonic()
        answer = kb.ask(HEADLINE, log_it=False)
        waited = time.monotonic() - started
        still_ingesting = ingest.is_alive()
    finally:
        ingest.join(60)
    assert answer.found
    assert still_ingesting, f"the question waited {waited:.1f} s, until the ingest had ended"
    FIGURES.note("question during a 20,000-paragraph ingest", f"{waited:.2f} s")
