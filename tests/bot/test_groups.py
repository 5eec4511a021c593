"""Groups: answer only what is meant for the bot, threaded to the asker, in the right topic."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.bot.conftest import USER, RunningBot

pytestmark = pytest.mark.slow  # each test starts a bot on its own copy of the knowledge base

GROUP = -1001234567890
QUESTION = "which HK university trained a DeepSeek founder"


def _is_answer(record: dict) -> bool:
    return "Hong Kong University of Science and Technology" in record["plain_text"]


def test_group_chatter_is_ignored(bot: RunningBot) -> None:
    bot.fake.user_says("anyone up for lunch? which HK university is best", chat_id=GROUP)
    bot.fake.user_says("/ask@some_other_bot " + QUESTION, chat_id=GROUP)
    bot.assert_silent(GROUP, after=0)


def test_ask_command_is_answered_as_a_reply(bot: RunningBot) -> None:
    asked = bot.fake.user_says("/ask " + QUESTION, chat_id=GROUP)
    [reply] = bot.fake.wait_for_bot_messages(GROUP)
    assert _is_answer(reply)
    assert reply["reply_to_message_id"] == asked["message_id"]


def test_ask_with_bot_username_is_answered(bot: RunningBot) -> None:
    asked = bot.fake.user_says(f"/ask@{bot.username} {QUESTION}", chat_id=GROUP)
    [reply] = bot.fake.wait_for_bot_messages(GROUP)
    assert _is_answer(reply)
    assert reply["reply_to_message_id"] == asked["message_id"]


def test_ask_without_question_gets_usage_hint(bot: RunningBot) -> None:
    [reply] = bot.ask("/ask", chat_id=GROUP)
    assert "/ask your question" in reply["plain_text"]


def test_mention_is_stripped_and_answered(bot: RunningBot) -> None:
    # An emoji before the mention shifts UTF-16 offsets: the mention must still be cut cleanly.
    asked = bot.fake.user_says(f"🙂 @{bot.username} {QUESTION}", chat_id=GROUP)
    [reply] = bot.fake.wait_for_bot_messages(GROUP)
    assert _is_answer(reply)
    assert reply["reply_to_message_id"] == asked["message_id"]
    assert bot.kb.stats()["questions"] == 1  # the question went in without the mention


def test_reply_to_the_bot_is_answered_but_reply_to_a_person_is_not(bot: RunningBot) -> None:
    [first] = bot.ask("/ask " + QUESTION, chat_id=GROUP)
    person = bot.fake.user_says("hello all", chat_id=GROUP, user_id=USER + 5)
    bot.fake.user_says(
        "which HK university?", chat_id=GROUP, reply_to_message_id=person["message_id"]
    )
    bot.assert_silent(GROUP)
    follow = bot.fake.user_says(
        "which HK university trained a DeepSeek founder?",
        chat_id=GROUP,
        reply_to_message_id=first["message_id"],
    )
    [reply] = bot.fake.wait_for_bot_messages(GROUP)
    assert _is_answer(reply)
    assert reply["reply_to_message_id"] == follow["message_id"]


def test_forum_topic_answer_stays_in_topic_and_topic_root_is_not_a_reply(
    make_bot: Callable[..., RunningBot],
) -> None:
    bot = make_bot(typing_delay=0)  # every answer slow, so "typing…" goes out: in the topic too
    forum = -1009876543210
    bot.fake.add_chat(forum, "supergroup", is_forum=True)
    # Every topic message "replies" to the topic's service message: not a question for the bot.
    bot.fake.user_says("just chatting in the topic", chat_id=forum, message_thread_id=77)
    bot.assert_silent(forum)
    asked = bot.fake.user_says("/ask " + QUESTION, chat_id=forum, message_thread_id=77)
    [reply] = bot.fake.wait_for_bot_messages(forum)
    assert _is_answer(reply)
    assert reply["message_thread_id"] == 77
    assert reply["reply_to_message_id"] == asked["message_id"]
    actions = [a for a in bot.fake.chat_actions if a["chat_id"] == forum]
    assert actions and actions[-1]["message_thread_id"] == 77


def test_group_mode_off_ignores_groups(make_bot: Callable[..., RunningBot]) -> None:
    bot = make_bot(group_mode="off")
    bot.fake.user_says("/ask " + QUESTION, chat_id=GROUP)
    bot.assert_silent(GROUP)


def test_allowed_chats_notice_once_and_no_answers(make_bot: Callable[..., RunningBot]) -> None:
    allowed = -100555
    bot = make_bot(allowed_chats=[allowed])
    bot.fake.user_says("/ask " + QUESTION, chat_id=GROUP)
    [notice] = bot.fake.wait_for_bot_messages(GROUP)
    assert "not enabled" in notice["plain_text"]
    bot.fake.user_says("/ask " + QUESTION, chat_id=GROUP)
    bot.fake.user_says(QUESTION, user_id=USER + 9)  # a private chat is not allowed either
    [private_notice] = bot.fake.wait_for_bot_messages(USER + 9)
    assert "not enabled" in private_notice["plain_text"]
    bot.assert_silent(GROUP)
    [answer] = bot.ask("/ask " + QUESTION, chat_id=allowed)
    assert _is_answer(answer)
