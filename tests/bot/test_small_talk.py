"""Small talk through the fake Bot API: a friendly reply with example questions drawn from the
articles, in the asker's language, in private chats, group mentions, replies and /ask."""

from __future__ import annotations

import pytest

from bot.words import NOT_FOUND
from tests.bot.conftest import RunningBot

pytestmark = pytest.mark.slow  # each test starts a bot on its own copy of the knowledge base

GROUP = -1001234567890


def _friendly(reply: dict, lang: str) -> None:
    text = reply["plain_text"]
    assert NOT_FOUND[lang] not in text
    examples = [line[2:] for line in text.splitlines() if line.startswith("• ")]
    assert len(examples) == 2, text
    assert all(e.endswith(("?", "？")) for e in examples), text


@pytest.mark.parametrize(
    ("text", "lang", "words"),
    [
        ("hi", "en", "Hello"),
        ("thanks!", "en", "welcome"),
        ("what can you do?", "en", "I answer questions"),
        ("你好", "zh-Hans", "你好"),
        ("謝謝", "zh-Hant", "不客氣"),
        ("你能做什么", "zh-Hans", "我根据文章回答问题"),
    ],
)
def test_small_talk_in_private_gets_a_friendly_reply(
    bot: RunningBot, text: str, lang: str, words: str
) -> None:
    [reply] = bot.ask(text)
    assert words in reply["plain_text"]
    _friendly(reply, lang)
    assert reply.get("reply_markup") is None  # nothing to rate or expand
    assert bot.kb.stats()["questions"] == 0


def test_small_talk_examples_are_answered_when_asked(bot: RunningBot) -> None:
    [reply] = bot.ask("hi")
    example = next(line[2:] for line in reply["plain_text"].splitlines() if line[:2] == "• ")
    [answer] = bot.ask(example)
    assert "[1]" in answer["plain_text"] and NOT_FOUND["en"] not in answer["plain_text"]


def test_small_talk_mentioning_the_bot_in_a_group(bot: RunningBot) -> None:
    asked = bot.fake.user_says(f"@{bot.username} hi", chat_id=GROUP)
    [reply] = bot.fake.wait_for_bot_messages(GROUP)
    assert reply["reply_to_message_id"] == asked["message_id"]
    assert "Hello" in reply["plain_text"]
    _friendly(reply, "en")


def test_small_talk_with_ask_command_and_as_reply_in_a_group(bot: RunningBot) -> None:
    [first] = bot.ask("/ask 你好", chat_id=GROUP)
    _friendly(first, "zh-Hans")
    answer = bot.fake.bot_messages(GROUP)[-1]
    [second] = bot.ask("thanks!", chat_id=GROUP, reply_to_message_id=answer["message_id"])
    assert "welcome" in second["plain_text"]
    _friendly(second, "en")
