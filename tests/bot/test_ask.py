"""Questions in private chats: exact quotes, citations, highlights, three languages."""

from __future__ import annotations

from knowledge.reply import NOT_FOUND
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
    assert any(a["action"] == "typing" for a in bot.fake.chat_actions)
    assert bot.fake.errors == []


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
