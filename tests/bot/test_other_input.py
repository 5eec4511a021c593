"""Input other than a text question (issue 16 item 5): a caption is a question, stickers and
voice notes get one line, an unknown command gets /help; in private nothing goes unanswered."""

from __future__ import annotations

import pytest

from tests.bot.conftest import USER, RunningBot

GROUP = -1001234567890
QUESTION = "which HK university trained a DeepSeek founder"


def test_photo_with_a_question_caption_is_answered(quick_bot: RunningBot) -> None:
    sent = quick_bot.fake.user_sends_media("photo", caption=QUESTION)
    [reply] = quick_bot.fake.wait_for_bot_messages(sent["chat"]["id"])
    assert "Hong Kong University of Science and Technology" in reply["plain_text"]


def test_users_document_with_a_question_caption_is_answered_not_stored(
    quick_bot: RunningBot,
) -> None:
    articles = quick_bot.kb.stats()["articles"]
    sent = quick_bot.fake.user_sends_document(b"some notes", "notes.txt", caption=QUESTION)
    [reply] = quick_bot.fake.wait_for_bot_messages(sent["chat"]["id"])
    assert "Hong Kong University of Science and Technology" in reply["plain_text"]
    assert quick_bot.kb.stats()["articles"] == articles


@pytest.mark.parametrize("kind", ["sticker", "voice", "photo", "location"])
def test_media_without_a_question_gets_one_line(quick_bot: RunningBot, kind: str) -> None:
    sent = quick_bot.fake.user_sends_media(kind)
    [reply] = quick_bot.fake.wait_for_bot_messages(sent["chat"]["id"])
    assert reply["plain_text"] == "I read text questions: please type your question."


def test_one_line_is_in_the_users_language(quick_bot: RunningBot) -> None:
    sent = quick_bot.fake.user_sends_media("sticker", language_code="zh-hk")
    [reply] = quick_bot.fake.wait_for_bot_messages(sent["chat"]["id"])
    assert reply["plain_text"] == "我只讀文字問題，請把問題打出來。"


def test_unknown_command_in_private_gets_help(quick_bot: RunningBot) -> None:
    [reply] = quick_bot.ask("/frobnicate now")
    assert "How to ask" in reply["plain_text"]


def test_unknown_command_in_a_group_only_when_addressed_to_this_bot(quick_bot: RunningBot) -> None:
    quick_bot.fake.user_says("/frobnicate", chat_id=GROUP)
    quick_bot.fake.user_says("/frobnicate@some_other_bot", chat_id=GROUP)
    quick_bot.assert_silent(GROUP, after=0)
    [reply] = quick_bot.ask(f"/frobnicate@{quick_bot.username}", chat_id=GROUP)
    assert "How to ask" in reply["plain_text"]


def test_stickers_in_a_group_are_not_answered(quick_bot: RunningBot) -> None:
    quick_bot.fake.user_sends_media("sticker", chat_id=GROUP, user_id=USER)
    quick_bot.assert_silent(GROUP, after=0)
