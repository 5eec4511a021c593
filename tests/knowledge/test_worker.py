"""The knowledge base served from a child process: same answers, same errors, and it survives.

Every test runs a real child process (``python -m knowledge.worker``) over a real data
directory; nothing of the project is replaced.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from knowledge.errors import BadQuestion, NotFound, ProcessStopped, StoreError, UnsupportedFormat
from knowledge.service import KnowledgeBase, KnowledgeConfig
from knowledge.worker import KnowledgeWorker, dispatch
from tests.waiting import wait_until, wait_until_blocked

from .test_service import ARTICLE

pytestmark = pytest.mark.slow  # every test starts the knowledge process (a child)

QUESTIONS = Path(__file__).with_name("questions.jsonl")


@pytest.fixture
def worker(data_dir: Path) -> Iterator[KnowledgeWorker]:
    served = KnowledgeWorker(KnowledgeConfig(data_dir=data_dir))
    yield served
    served.close()


def _alive(pid: int) -> bool:
    """Whether any thread of ``pid`` still runs: a killed process is a zombie only once all
    its threads have ended (its leader turns zombie first), and only then closes its pipes."""
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return False
    for task in tasks:
        try:
            if (task / "stat").read_text().rsplit(") ", 1)[1][0] != "Z":
                return True
        except OSError:
            continue
    return False


def test_answers_equal_the_in_process_answers(data_dir: Path) -> None:
    questions = [json.loads(line)["q"] for line in QUESTIONS.read_text().splitlines()]
    questions = questions[::6]  # a spread of English, Simplified and Traditional questions
    config = KnowledgeConfig(data_dir=data_dir)
    served = KnowledgeWorker(config)
    try:
        remote = [served.ask(q, log_it=False) for q in questions]
        # "more" quotes arrive without highlights; an explicit call has the child find them.
        remote_more = [served.more(a) for a in remote]
    finally:
        served.close()
    kb = KnowledgeBase(config)
    try:
        local = [kb.ask(q, log_it=False) for q in questions]
        local_more = [kb.more(a) for a in local]
    finally:
        kb.close()
    assert remote == local
    assert remote_more == local_more
    assert any(a.found and a.more for a in remote)  # the comparison covered "more" quotes
    assert any(q.highlights for a in remote_more for q in a.more)


def test_errors_arrive_with_their_type_and_params(worker: KnowledgeWorker) -> None:
    with pytest.raises(BadQuestion) as caught:
        worker.ask("x" * 5000)
    assert caught.value.params["reason"] == "too_long"
    with pytest.raises(NotFound):
        worker.remove("000000000000")
    with pytest.raises(UnsupportedFormat):
        worker.ingest_bytes(b"\x00\x01binary", "tool.exe")


def test_ingest_remove_and_stats_go_through(worker: KnowledgeWorker) -> None:
    before = worker.stats()["articles"]
    result = worker.ingest_bytes(ARTICLE.encode(), "glass.md")
    assert result.status == "added"
    answer = worker.ask("Who founded the Kowloon Glassworks?")
    assert answer.found and "Mabel Cheung" in answer.quotes[0].sentence.text
    assert answer.question_id is not None
    assert worker.recall(answer.question_id).quotes == answer.quotes
    worker.feedback(answer.question_id, 7, 1)
    assert worker.stats()["thumbs_up"] == 1
    assert worker.article(result.article.id[:6]).title == "The Kowloon Glassworks"
    worker.remove(result.article.id)
    assert worker.stats()["articles"] == before


def test_close_saves_what_was_added(data_dir: Path) -> None:
    config = KnowledgeConfig(data_dir=data_dir)
    served = KnowledgeWorker(config)
    added = served.ingest_bytes(ARTICLE.encode(), "glass.md")
    served.close()
    with pytest.raises(ProcessStopped):
        served.ask("Who founded the Kowloon Glassworks?")
    kb = KnowledgeBase(config)
    try:
        assert kb.article(added.article.id).title == "The Kowloon Glassworks"
        assert kb.ask("Who founded the Kowloon Glassworks?").found
    finally:
        kb.close()


def test_questions_from_many_threads_all_get_their_own_answer(worker: KnowledgeWorker) -> None:
    questions = ["Who founded DeepSeek?", "港科大校长是谁？", "What does Akesobio make?"] * 8
    expected = {q: worker.ask(q, log_it=False) for q in set(questions)}
    got: dict[int, object] = {}

    def ask(i: int, question: str) -> None:
        got[i] = worker.ask(question, log_it=False)

    threads = [threading.Thread(target=ask, args=(i, q)) for i, q in enumerate(questions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [got[i] for i in range(len(questions))] == [expected[q] for q in questions]


def test_a_killed_child_is_replaced_at_the_next_call(worker: KnowledgeWorker) -> None:
    first = worker.pid
    assert first is not None
    os.kill(first, signal.SIGKILL)
    wait_until(lambda: not _alive(first), 10, "the killed child's end")
    answer = worker.ask("Who founded DeepSeek?", log_it=False)
    assert answer.found
    assert worker.pid not in (None, first)


def test_a_call_in_flight_when_the_child_dies_raises_process_stopped(
    worker: KnowledgeWorker,
) -> None:
    pid = worker.pid
    assert pid is not None
    # Stop the child so the call is certainly in flight, then kill it.
    os.kill(pid, signal.SIGSTOP)
    errors: list[BaseException] = []

    def ask() -> None:
        try:
            worker.ask("Who founded DeepSeek?", log_it=False)
        except BaseException as exc:  # the test inspects whatever arrives
            errors.append(exc)

    thread = threading.Thread(target=ask)
    thread.start()
    wait_until_blocked(thread)  # the question is sent and its caller waits for the reply
    os.kill(pid, signal.SIGKILL)
    thread.join(20)
    assert not thread.is_alive()
    assert len(errors) == 1 and isinstance(errors[0], ProcessStopped)


def test_the_child_ends_when_its_parent_is_killed(data_dir: Path, tmp_path: Path) -> None:
    script = tmp_path / "parent.py"
    script.write_text(
        textwrap.dedent(
            f"""
            import sys, time
            from pathlib import Path
            from knowledge.service import KnowledgeConfig
            from knowledge.worker import KnowledgeWorker, dispatch
            worker = KnowledgeWorker(KnowledgeConfig(data_dir=Path({str(data_dir)!r})))
            print(worker.pid, flush=True)
            time.sleep(600)
            """
        )
    )
    parent = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    try:
        assert parent.stdout is not None
        child = int(parent.stdout.readline())
        assert _alive(child)
    finally:
        parent.kill()
        parent.wait()
    wait_until(lambda: not _alive(child), 30, "the orphaned child's end")


def test_a_knowledge_base_that_cannot_open_raises_at_start(tmp_path: Path) -> None:
    blocked = tmp_path / "file-not-dir"
    blocked.write_text("not a directory")
    with pytest.raises(StoreError):
        KnowledgeWorker(KnowledgeConfig(data_dir=blocked / "data"))


def test_only_the_front_end_calls_are_served(worker: KnowledgeWorker, kb: KnowledgeBase) -> None:
    with pytest.raises(AttributeError):
        worker.close_all_connections  # noqa: B018 (the look-up itself is refused)
    # The child serves only the interface's calls too, whatever name a parent sends it.
    with pytest.raises(StoreError, match="no call"):
        dispatch(kb, "close_all_connections", (), {})
    assert dispatch(kb, "article", (kb.list()[0].id,), {}) == kb.list()[0]
