"""Follow-up questions through the fake Bot API: a reply to a question or to the bot's answer,
and a private chat's next message within a few minutes, are read with the earlier question."""

from __future__ import annotations

from bot.state import FOLLOW_UP_SECONDS, Conversations
from tests.bot.conftest import USER, RunningBot

GROUP = -1001234567890
EARLIER = "Which Hong Kong university trained a DeepSeek founder?"
HKUST = ("HKUST", "Hong Kong University of Science and Technology", "香港科技大學", "香港科技大学")


def _about_hkust(reply: dict) -> None:
    text = reply["plain_text"]
    quotes = [line for line in text.splitlines() if line.startswith(("“", "「"))]
    assert quotes, text
    for quote in quotes:
        assert any(form in quote for form in HKUST), quote
        assert "SenseTime" not in quote and "商湯" not in quote, quote
        assert "founded DeepSeek" not in quote, quote


def test_private_follow_up_within_minutes_is_about_the_thing_found(quick_bot: RunningBot) -> None:
    quick_bot.ask(EARLIER)
    [reply] = quick_bot.ask("when was it founded?")
    assert reply["plain_text"].startswith("(Reading this as: when was")
    _about_hkust(reply)
    # And a chain stays on it: the next follow-up leans on the understood question.
    [chained] = quick_bot.ask("它哪一年成立？")
    _about_hkust(chained)


def test_private_follow_up_after_the_window_is_a_question_of_its_own(
    quick_bot: RunningBot,
) -> None:
    now = [1000.0]
    quick_bot.app.bot_data.conversations = Conversations(clock=lambda: now[0])
    quick_bot.ask(EARLIER)
    now[0] += FOLLOW_UP_SECONDS + 1
    [reply] = quick_bot.ask("when was it founded?")
    assert "Reading this as" not in reply["plain_text"]


def test_other_users_question_is_not_leaned_on(quick_bot: RunningBot) -> None:
    quick_bot.ask(EARLIER, user_id=USER + 1)
    [reply] = quick_bot.ask("when was it founded?")
    assert "Reading this as" not in reply["plain_text"]


def test_reply_to_the_bots_answer_in_a_group_uses_its_question(quick_bot: RunningBot) -> None:
    [answer] = quick_bot.ask("/ask " + EARLIER, chat_id=GROUP)
    [reply] = quick_bot.ask(
        "when was it founded?", chat_id=GROUP, reply_to_message_id=answer["message_id"]
    )
    _about_hkust(reply)


def test_reply_to_a_question_mentioning_the_bot_uses_that_question(quick_bot: RunningBot) -> None:
    asked = quick_bot.fake.user_says(EARLIER, chat_id=GROUP, user_id=USER + 7)
    [reply] = quick_bot.ask(
        f"@{quick_bot.username} when was it founded?",
        chat_id=GROUP,
        reply_to_message_id=asked["message_id"],
    )
    _about_hkust(reply)


def test_reply_to_an_answer_from_before_a_restart_uses_its_buttons_question(
    quick_bot: RunningBot,
) -> None:
    [answer] = quick_bot.ask("/ask " + EARLIER, chat_id=GROUP)
    quick_bot.app.bot_data.conversations = Conversations()  # what a restart forgets
    [reply] = quick_bot.ask(
        "when was it founded?", chat_id=GROUP, reply_to_message_id=answer["message_id"]
    )
    _about_hkust(reply)


def test_unclear_follow_up_is_asked_back_and_the_choice_answered(quick_bot: RunningBot) -> None:
    quick_bot.ask("Did HKUST train a DeepSeek founder?")
    [asked_back] = quick_bot.ask("when was it founded?")
    assert asked_back["plain_text"] == "Which one do you mean: HKUST or DeepSeek?"
    [reply] = quick_bot.ask("HKUST")
    assert reply["plain_text"].startswith("(Reading this as: when was HKUST founded?)")
    _about_hkust(reply)
