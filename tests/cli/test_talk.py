"""`citebot ask` and `citebot chat` as a conversation: small talk, `--after`, follow-ups."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from bot.cli import main
from bot.words import NOT_FOUND

pytestmark = pytest.mark.slow  # every test runs `citebot` in a child process

EARLIER = "Which Hong Kong university trained a DeepSeek founder?"


def run(data_dir: Path, *args: str) -> int:
    return main(["--data-dir", str(data_dir), *args])


def test_ask_hi_greets_with_example_questions(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(data_dir, "ask", "hi") == 0
    out = capsys.readouterr().out
    assert NOT_FOUND["en"] not in out
    assert out.startswith("Hello!")
    assert len([line for line in out.splitlines() if line.startswith("• ")]) == 2


def test_ask_json_says_small_talk_and_its_examples(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(data_dir, "ask", "--json", "謝謝") == 0
    reply = json.loads(capsys.readouterr().out)
    assert reply["kind"] == "small_talk" and reply["lang"] == "zh-Hant"
    assert len(reply["examples"]) == 2 and reply["sentences"] == []


def test_ask_after_reads_the_follow_up_with_the_earlier_question(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(data_dir, "ask", "--json", "--after", EARLIER, "when was it founded?") == 0
    reply = json.loads(capsys.readouterr().out)
    assert "Hong Kong University of Science and Technology" in reply["understood"]
    assert reply["sentences"]
    for sentence in reply["sentences"]:
        assert "HKUST" in sentence["text"] or "香港科技大學" in sentence["text"]
        assert "SenseTime" not in sentence["text"] and "商湯" not in sentence["text"]


def test_ask_after_that_names_several_things_asks_back(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(data_dir, "ask", "--after", "Did HKUST train a DeepSeek founder?", "when?") == 0
    assert capsys.readouterr().out.strip() == "Which one do you mean: HKUST or DeepSeek?"


def test_chat_passes_the_previous_question(
    data_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = ["hi", EARLIER, "when was it founded?", "thanks", "它哪一年成立？", ""]
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(lines) + "\n"))
    assert run(data_dir, "chat") == 0
    text = capsys.readouterr().out  # each answer after the "? " prompt
    assert text.startswith("? Hello!")
    reading = "(Reading this as: when was Hong Kong University of Science and Technology founded?)"
    assert reading in text
    # Thanks in between is not a question: the next follow-up still leans on the last one.
    assert "（理解为：香港科技大学哪一年成立？）" in text
    assert "SenseTime" not in text and "商湯科技於2014年" not in text
