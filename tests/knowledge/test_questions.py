"""The question set over the bundled corpus, through the code path of `citebot ask --json`.

The headline questions run the whole command in-process; the set reuses one open knowledge base
and the command's own JSON builder, since opening the store per question only costs time.

Each question is a test of its own. The set was written together with the rules it tests, so it
guards against regressions rather than measuring quality (`citebot eval` on articles nobody
tuned for does that). Its known misses are strict xfails: one that starts passing fails the run
until it is taken off the list, so the list always says what the bot gets wrong today.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli import main
from bot.cli.questions import answer_json
from knowledge.service import KnowledgeBase

QUESTIONS = [
    json.loads(line)
    for line in (Path(__file__).parent / "questions.jsonl").read_text(encoding="utf-8").splitlines()
    if line.strip()
]
# Questions answered wrong today (the top sentence lacks the expected string, or an unanswerable
# question gets an answer). Answering with few shared words is preferred over declining, and
# declining rests on evidence (the question's rarest name, an answer of the asked-for kind):
# a question about a known name whose fact is missing still gets that name's nearest sentence.
KNOWN_MISSES = frozenset(
    {
        "en-para-no-profit-listing",
        "en-para-top-cancer-drug",
        "en-cross-easylogic-univ",
        "en-cross-easylogic-customers",
        "zh-hans-para-loss-listing",
        "zh-hans-cross-pfs",
    }
)


def ask_json(data_dir: Path, question: str, capsys: pytest.CaptureFixture[str]) -> dict:
    capsys.readouterr()
    assert main(["--data-dir", str(data_dir), "ask", question, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def is_right(question: dict, reply: dict) -> bool:
    if question["expect"] is None:
        return not reply["found"]
    return bool(reply["found"]) and any(
        e in reply["sentences"][0]["text"] for e in question["expect"]
    )


def test_question_set_is_broad_enough() -> None:
    kinds = {q["kind"] for q in QUESTIONS}
    langs = {q["lang"] for q in QUESTIONS}
    assert len(QUESTIONS) >= 40
    assert {"direct", "paraphrase", "cross", "unanswerable"} <= kinds
    assert {"en", "zh-Hans", "zh-Hant"} <= langs
    assert sum(q["expect"] is None for q in QUESTIONS) >= 6
    assert KNOWN_MISSES.issubset(q["id"] for q in QUESTIONS)


@pytest.mark.parametrize(
    "question",
    [
        pytest.param(
            q,
            id=q["id"],
            marks=[pytest.mark.xfail(strict=True, reason="known miss")]
            if q["id"] in KNOWN_MISSES
            else [],
        )
        for q in QUESTIONS
    ],
)
def test_question(module_kb: KnowledgeBase, question: dict) -> None:
    # One knowledge base for the whole set: asking does not change what later answers say.
    reply = answer_json(module_kb.ask(question["q"], log_it=False))
    top = reply["sentences"][0]["text"] if reply["sentences"] else reply["reply"]
    assert is_right(question, reply), f"expected {question['expect']}, got: {top}"


@pytest.mark.parametrize(
    "question",
    [
        "which HK university trained a DeepSeek founder",
        "哪所香港大学培养了DeepSeek的创始人？",
        "哪所香港大學培養了DeepSeek的創始人？",
    ],
)
def test_headline_question_in_three_scripts(
    data_dir: Path, capsys: pytest.CaptureFixture[str], question: str
) -> None:
    reply = ask_json(data_dir, question, capsys)
    assert reply["found"]
    top = reply["sentences"][0]
    assert any(name in top["text"] for name in ("HKUST", "香港科技大學", "香港科技大学"))
    assert "DeepSeek" in top["text"]
    assert top["title"] and top["paragraph"] >= 1
    assert f"[1] {top['title']}" in reply["reply"]
