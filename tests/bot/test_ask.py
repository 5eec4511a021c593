"""Questions in private chats: exact quotes, citations, highlights, three languages."""

from __future__ import annotations

from collections.abc import Callable

from bot.state import BUSY_QUESTIONS
from bot.words import NOT_FOUND
from tests.bot.conftest import USER, RunningBot


def test_private_question_answered_with_hkust_sentence_and_citation(bot: RunningBot) -> None:
    [reply] = bot.ask("which HK university trained a DeepSeek founder")
    text = reply["plain_text"]
    assert "Hong Kong University of Science and Technology" in text
    assert "[1]" in text and "Sources" in text
    assert reply["parse_mode"] == "HTML"
    bold = [e for e in reply["entities"] if e["type"] == "bold"]
    assert bold, "the question's words are in bold"
    # the cited sentence is quoted exactly as stored
    answer_sentence = bot.kb.ask("which HK university trained a DeepSeek founder", log_it=False)
    assert answer_sentence.quotes[0].sentence.text in text
    assert bot.fake.errors == []


def test_answer_ready_within_the_typing_delay_costs_one_bot_api_call(
    make_bot: Callable[..., RunningBot],
) -> None:
    # A delay no answer from the bundled corpus comes near, so the test cannot race the clock.
    bot = make_bot(typing_delay=30)
    [reply] = bot.ask("which HK university trained a DeepSeek founder")
    assert "Hong Kong University of Science and Technology" in reply["plain_text"]
    assert bot.fake.chat_actions == []
    assert len(bot.fake.calls_of("sendMessage")) == 1


def test_answer_not_ready_within_the_typing_delay_shows_typing_first(
    make_bot: Callable[..., RunningBot],
) -> None:
    # With no delay every answer counts as slow: the path a 1M-passage question takes.
    bot = make_bot(typing_delay=0)
    [reply] = bot.ask("which HK university trained a DeepSeek founder")
    assert "Hong Kong University of Science and Technology" in reply["plain_text"]
    assert bot.fake.chat_actions == [
        {"chat_id": USER, "action": "typing", "message_thread_id": None}
    ]
    methods = [m for m, _ in bot.fake.calls if m in ("sendChatAction", "sendMessage")]
    assert methods == ["sendChatAction", "sendMessage"]


def test_simplified_question_gets_simplified_answer(bot: RunningBot) -> None:
    [reply] = bot.ask("哪所香港大学培养了DeepSeek的创始人？", language_code="en")
    assert "香港科技大学" in reply["plain_text"]
    assert "出处" in reply["plain_text"]


def test_traditional_question_gets_traditional_answer(bot: RunningBot) -> None:
    [reply] = bot.ask("哪所香港大學培養了DeepSeek的創始人？", language_code="en")
    assert "香港科技大學" in reply["plain_text"]
    assert "出處" in reply["plain_text"]


def test_not_found_in_the_questions_language(bot: RunningBot) -> None:
    [en] = bot.ask("what is the weather on mars tomorrow")
    assert en["plain_text"] == NOT_FOUND["en"]
    [zh] = bot.ask("火星明天的天气怎么样", user_id=USER + 1, language_code="en")
    assert zh["plain_text"] == NOT_FOUND["zh-Hans"]
    assert en["reply_markup"] is None


def test_too_long_question_gets_a_clear_message(bot: RunningBot) -> None:
    [reply] = bot.ask("why " * 200)
    assert "too long" in reply["plain_text"]


def test_no_typing_while_the_bot_is_behind(make_bot: Callable[..., RunningBot]) -> None:
    # Three times BUSY_QUESTIONS at once, each "slow" (no delay): the bot falls behind, so
    # most get their answer without a "typing…" request in front of it.
    bot = make_bot(typing_delay=0)
    users = [USER + i for i in range(3 * BUSY_QUESTIONS)]
    for user in users:
        bot.fake.user_says("which HK university trained a DeepSeek founder", user_id=user)
    for user in users:
        [reply] = bot.fake.wait_for_bot_messages(user, timeout=20)
        assert "Hong Kong University of Science and Technology" in reply["plain_text"]
    assert len(bot.fake.chat_actions) < len(users)
    assert bot.fake.errors == []
