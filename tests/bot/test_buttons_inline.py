"""The buttons under an answer (more, source, 👍/👎), inline mode, and long answers."""

from __future__ import annotations

import pytest

from benchmarks.fakes.telegram_server import parse_html, utf16_len
from bot.state import AnswerCache
from tests.bot.conftest import ADMIN, USER, RunningBot

pytestmark = pytest.mark.slow  # each test starts a bot on its own copy of the knowledge base

QUESTION = "which HK university trained a DeepSeek founder"


def _buttons(record: dict) -> list[str]:
    markup = record["reply_markup"] or {}
    return [b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row]


def test_more_button_sends_next_sentences_and_disappears(bot: RunningBot) -> None:
    [answer] = bot.ask(QUESTION)
    data = _buttons(answer)
    more = next(d for d in data if d.startswith("more:"))
    assert all(len(d.encode()) <= 64 for d in data)
    mark = bot.fake.mark()
    bot.fake.user_presses(answer, more)
    [extra] = bot.fake.wait_for_bot_messages(USER, after=mark)
    assert extra["plain_text"].startswith("More from the articles:")
    assert "[6]" in extra["plain_text"] or "[4]" in extra["plain_text"]
    edited = bot.fake.bot_message(USER, answer["message_id"])
    assert not any(d.startswith("more:") for d in _buttons(edited))
    assert any(d.startswith("fb:") for d in _buttons(edited))
    assert bot.fake.errors == []


def test_more_button_works_after_the_answer_left_the_cache(bot: RunningBot) -> None:
    """As after a restart or on another replica: the stored question is asked again."""
    [answer] = bot.ask(QUESTION)
    more = next(d for d in _buttons(answer) if d.startswith("more:"))
    bot.app.bot_data.answers = AnswerCache()  # an empty cache, as after a restart
    mark = bot.fake.mark()
    bot.fake.user_presses(answer, more)
    [extra] = bot.fake.wait_for_bot_messages(USER, after=mark)
    assert extra["plain_text"].startswith("More from the articles:")


def test_source_button_sends_the_whole_paragraph(bot: RunningBot) -> None:
    [answer] = bot.ask(QUESTION)
    source = next(d for d in _buttons(answer) if d.startswith("src:"))
    article_id, paragraph = source.split(":")[1:3]
    mark = bot.fake.mark()
    bot.fake.user_presses(answer, source)
    [passage] = bot.fake.wait_for_bot_messages(USER, after=mark)
    whole = bot.kb.passage_text(article_id, int(paragraph))
    assert whole in passage["plain_text"]
    assert passage["plain_text"].startswith("[1] ")


def test_feedback_is_stored_acknowledged_and_counted(bot: RunningBot) -> None:
    [answer] = bot.ask(QUESTION)
    thumbs_up = next(d for d in _buttons(answer) if d.startswith("fb:") and d.endswith("+1"))
    query_id = bot.fake.user_presses(answer, thumbs_up)
    bot.fake.wait_until(
        lambda: any(a["callback_query_id"] == query_id for a in bot.fake.callback_answers),
        description="feedback acknowledged",
    )
    assert bot.fake.callback_answers[-1]["text"] == "Thanks for the feedback!"
    assert bot.kb.stats()["thumbs_up"] == 1
    [stats] = bot.ask("/stats", user_id=ADMIN)
    assert "👍 1 · 👎 0" in stats["plain_text"]


def test_inline_query_returns_the_answer_as_html(bot: RunningBot) -> None:
    bot.fake.user_inline_query(QUESTION)
    bot.fake.wait_until(lambda: bot.fake.inline_answers, description="inline answer")
    [result] = bot.fake.inline_answers[-1]["results"]
    content = result["input_message_content"]
    plain = parse_html(content["message_text"]).text
    assert "Hong Kong University of Science and Technology" in plain
    assert "Sources" in plain
    assert content["parse_mode"] == "HTML"
    assert "<b>" in content["message_text"]
    assert len(content["message_text"]) <= 4096
    # the user sends it into a chat: the fake validates the HTML once more
    bot.fake.user_chooses_inline_result(
        bot.fake.inline_answers[-1]["inline_query_id"], result["id"]
    )


def test_inline_query_without_answer_says_so(bot: RunningBot) -> None:
    bot.fake.user_inline_query("火星明天的天气怎么样", language_code="en")
    bot.fake.wait_until(lambda: bot.fake.inline_answers, description="inline answer")
    [result] = bot.fake.inline_answers[-1]["results"]
    assert result["title"] == "没有找到答案"


def test_long_paragraph_is_one_valid_message(bot: RunningBot) -> None:
    """Quotes are at most a few hundred characters, but a paragraph shown by "source" is not:
    it is cut to one message (tests/bot/test_source_button.py), escaped like the rest."""
    words = "harbour ferry lantern orchard granite tram pier market ledger compass".split()
    sentences = [
        f"The Xylofanter consortium (R&D <unit {i}>) funded research number {i} on "
        + " ".join(f"{words[(i + j) % len(words)]}{j}" for j in range(60))
        + " in Tsuen Wan."
        for i in range(12)
    ]
    bot.kb.ingest_text("Xylofanter consortium history\n\n" + " ".join(sentences))
    [answer] = bot.ask("what research did the Xylofanter consortium fund?")
    assert "R&D <unit" in answer["plain_text"]  # escaped, then shown as written
    source = next(d for d in _buttons(answer) if d.startswith("src:"))
    mark = bot.fake.mark()
    bot.fake.user_presses(answer, source)
    [passage] = bot.fake.wait_for_bot_messages(USER, after=mark)
    bot.assert_silent(USER, after=passage["seq"])
    assert 3500 < utf16_len(passage["plain_text"]) <= 4096
    assert "R&D <unit" in passage["plain_text"]
    assert bot.fake.errors == []
