"""The bot as `citebot serve` runs it: the knowledge base in a child process of its own.

The same conversations as in one process, through ``knowledge/worker.py``: replies equal the
in-process bot's, "more" quotes get their highlights from the child, uploads land, the token
stays out of the child, and a child that dies is replaced.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable
from pathlib import Path

import pytest

from benchmarks.fakes.telegram_server import DEFAULT_TOKEN
from knowledge.worker import KnowledgeWorker
from tests.bot.conftest import ADMIN, USER, RunningBot
from tests.bot.documents import FACT, QUESTION, as_txt
from tests.waiting import wait_until

pytestmark = pytest.mark.slow  # each test starts a bot on its own copy of the knowledge base

QUESTIONS = [
    "which HK university trained a DeepSeek founder?",
    "康方生物的創辦人是誰？",
    "What does Easylogic do?",
]


def _buttons(message: dict) -> list[str]:  # type: ignore[type-arg]
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return [b["callback_data"] for row in rows for b in row if "callback_data" in b]


def _child_pid(bot: RunningBot) -> int:
    assert isinstance(bot.kb, KnowledgeWorker)
    pid = bot.kb.pid
    assert pid is not None and pid != os.getpid()
    return pid


def _ended(pid: int) -> bool:
    """Gone, or a zombie (its /proc entry stays until the bot's next call reaps it)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(") ", 1)[1][0] == "Z"
    except OSError:
        return True


def test_replies_equal_the_in_process_bots(make_bot: Callable[..., RunningBot]) -> None:
    served = make_bot(knowledge_process=True)
    _child_pid(served)
    local = make_bot()
    for question in QUESTIONS:
        [remote_reply] = served.ask(question)
        [local_reply] = local.ask(question)
        assert remote_reply["text"] == local_reply["text"], question
        assert remote_reply.get("entities") == local_reply.get("entities"), question


def test_more_button_gets_its_highlights_from_the_child(
    make_bot: Callable[..., RunningBot],
) -> None:
    served = make_bot(knowledge_process=True)
    local = make_bot()
    extras = []
    for running in (served, local):
        [answer] = running.ask(QUESTIONS[0])
        more = next(d for d in _buttons(answer) if d.startswith("more:"))
        mark = running.fake.mark()
        running.fake.user_presses(answer, more)
        [extra] = running.fake.wait_for_bot_messages(USER, after=mark)
        extras.append(extra)
    assert extras[0]["plain_text"].startswith("More from the articles:")
    assert extras[0]["text"] == extras[1]["text"]  # bold highlights included


def test_admin_upload_is_answerable_through_the_child(
    make_bot: Callable[..., RunningBot],
) -> None:
    served = make_bot(knowledge_process=True)
    served.fake.user_sends_document(as_txt(), "zorblax.txt", user_id=ADMIN, language_code="en")
    [confirm] = served.fake.wait_for_bot_messages(ADMIN)
    assert confirm["plain_text"].startswith("Added The Zorblax Observatory")
    [reply] = served.ask(QUESTION)
    assert FACT in reply["plain_text"]


def test_the_child_does_not_inherit_the_token(
    make_bot: Callable[..., RunningBot], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CITEBOT_TELEGRAM_TOKEN", DEFAULT_TOKEN)
    monkeypatch.setenv("CITEBOT_WEBHOOK_SECRET", "webhook-secret-value")
    served = make_bot(knowledge_process=True)
    environ = Path(f"/proc/{_child_pid(served)}/environ").read_bytes()
    assert DEFAULT_TOKEN.split(":", 1)[1].encode() not in environ
    assert b"webhook-secret-value" not in environ
    assert b"CITEBOT_TELEGRAM_TOKEN" not in environ


def test_a_dead_child_is_replaced_and_the_bot_answers_again(
    make_bot: Callable[..., RunningBot],
) -> None:
    served = make_bot(knowledge_process=True)
    first = _child_pid(served)
    os.kill(first, signal.SIGKILL)
    wait_until(lambda: _ended(first), 20, "the killed child's end")

    def ask(question: str) -> list[dict[str, object]]:
        # The first question starts a new child (an interpreter, jieba, the store and the
        # index: seconds, and many more on a loaded machine): a deadline, not a pace.
        sent = served.fake.user_says(question)
        return served.fake.wait_for_bot_messages(sent["chat"]["id"], 1, timeout=90)

    replies = ask(QUESTIONS[0])
    # A question caught in flight by the death gets an apology; the next is answered.
    if "HKUST" not in replies[0]["plain_text"] and "Hong Kong" not in replies[0]["plain_text"]:
        replies = ask(QUESTIONS[0])
    assert "Hong Kong University of Science and Technology" in replies[0]["plain_text"]
    assert _child_pid(served) != first
