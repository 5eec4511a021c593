"""/settings: a chat's own admins choose when the bot answers there and in which language
(issue 16 item 9); everyone else pressing the buttons gets a toast refusal."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from knowledge.models import ChatSettings
from tests.bot.conftest import USER, RunningBot

JSON = dict[str, Any]
GROUP = -1001234567890
CHAT_ADMIN = 2002  # administers GROUP in Telegram; not one of the bot's own admins
QUESTION = "which HK university trained a DeepSeek founder"


def _is_answer(record: JSON) -> bool:
    return "Hong Kong University of Science and Technology" in record["plain_text"]


def _buttons(record: JSON) -> list[str]:
    markup = record["reply_markup"] or {}
    return [b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row]


def _toast(bot: RunningBot, query_id: str) -> JSON:
    """The answerCallbackQuery the bot gave to one press."""

    def answered() -> JSON | None:
        found = [a for a in bot.fake.callback_answers if a["callback_query_id"] == query_id]
        return found[0] if found else None

    return bot.fake.wait_until(answered, description=f"an answer to press {query_id}")


def _settings_message(bot: RunningBot, chat_id: int, user_id: int) -> JSON:
    [shown] = bot.ask("/settings", chat_id=chat_id, user_id=user_id)
    return shown


def _press(bot: RunningBot, shown: JSON, data: str, user_id: int) -> JSON:
    """Press a settings button; returns the settings message once the bot redrew it."""
    before = bot.fake.bot_message(shown["chat_id"], shown["message_id"])
    query = bot.fake.user_presses(shown, data, user_id=user_id)
    toast = _toast(bot, query)
    assert not toast["show_alert"], toast
    return bot.fake.wait_until(
        lambda: (
            rec
            if (rec := bot.fake.bot_message(shown["chat_id"], shown["message_id"]))["edits"]
            != before["edits"]
            else None
        ),
        description="the settings message redrawn",
    )


def _group_with_admin(bot: RunningBot) -> None:
    bot.fake.add_chat(GROUP, "supergroup")
    bot.fake.add_user(CHAT_ADMIN)
    bot.fake.set_chat_member(GROUP, CHAT_ADMIN, "administrator")


def test_settings_show_the_defaults_with_buttons_for_each_choice(bot: RunningBot) -> None:
    _group_with_admin(bot)
    shown = _settings_message(bot, GROUP, USER)
    assert "when asked" in shown["plain_text"]
    assert "the question's" in shown["plain_text"]
    assert _buttons(shown) == [
        "cs:a:asked",
        "cs:a:questions",
        "cs:a:off",
        "cs:l:auto",
        "cs:l:en",
        "cs:l:zh-Hans",
        "cs:l:zh-Hant",
    ]
    assert bot.fake.commands_for()[-1]["command"] == "settings"


def test_a_member_who_is_not_a_chat_admin_gets_a_toast_refusal(bot: RunningBot) -> None:
    _group_with_admin(bot)
    shown = _settings_message(bot, GROUP, USER)
    query = bot.fake.user_presses(shown, "cs:a:off", user_id=USER)
    toast = _toast(bot, query)
    assert toast["show_alert"] and "Only this chat's admins" in toast["text"]
    assert bot.kb.chat_settings(GROUP) == ChatSettings()
    assert not bot.fake.bot_message(GROUP, shown["message_id"])["edits"]
    # The bot's own admins are not this group's: Telegram says who administers it.
    query = bot.fake.user_presses(shown, "cs:a:off", user_id=4242)
    assert _toast(bot, query)["show_alert"]


def test_off_leaves_only_settings_working_until_an_admin_turns_it_on(bot: RunningBot) -> None:
    _group_with_admin(bot)
    [earlier] = bot.ask("/ask " + QUESTION, chat_id=GROUP)
    shown = _settings_message(bot, GROUP, CHAT_ADMIN)
    redrawn = _press(bot, shown, "cs:a:off", CHAT_ADMIN)
    assert "not at all" in redrawn["plain_text"]
    # The buttons of an answer given before: a toast, not a Source paragraph.
    source = next(d for d in _buttons(earlier) if d.startswith("src:"))
    assert "switched off" in _toast(bot, bot.fake.user_presses(earlier, source))["text"]
    assert "✓ Off" in str(redrawn["reply_markup"])
    assert bot.kb.chat_settings(GROUP).answer == "off"
    bot.fake.user_says("/ask " + QUESTION, chat_id=GROUP)
    bot.fake.user_says(f"@{bot.username} {QUESTION}", chat_id=GROUP)
    bot.fake.user_says("/help", chat_id=GROUP)
    bot.fake.assert_no_bot_message(GROUP, within=1.0)
    again = _settings_message(bot, GROUP, CHAT_ADMIN)
    _press(bot, again, "cs:a:asked", CHAT_ADMIN)
    [answer] = bot.ask("/ask " + QUESTION, chat_id=GROUP)
    assert _is_answer(answer)
    # Asked once per admin and chat, then remembered for a while.
    assert len(bot.fake.calls_of("getChatMember")) == 1


def test_every_question_mode_answers_question_looking_chatter_it_can_answer(
    make_bot: Callable[..., RunningBot],
) -> None:
    bot = make_bot(fake_kwargs={"can_read_all_group_messages": False})
    _group_with_admin(bot)
    shown = _settings_message(bot, GROUP, CHAT_ADMIN)
    redrawn = _press(bot, shown, "cs:a:questions", CHAT_ADMIN)
    # Privacy mode on (getMe): the admins are told what else the bot needs.
    assert "privacy mode off" in redrawn["plain_text"]
    asked = bot.fake.user_says(QUESTION + "?", chat_id=GROUP)
    [answer] = bot.fake.wait_for_bot_messages(GROUP)
    assert _is_answer(answer)
    assert answer["reply_to_message_id"] == asked["message_id"]
    # Chatter, and a question the articles cannot answer, get nothing.
    bot.fake.user_says("see you all at the lunch place", chat_id=GROUP)
    bot.fake.user_says("what time is the lunch with Grandma Wong?", chat_id=GROUP)
    bot.fake.user_says("hi everyone", chat_id=GROUP)
    bot.fake.assert_no_bot_message(GROUP, within=1.0)
    assert bot.kb.stats()["questions"] == 1  # the unanswered ones are not logged as gaps


def test_privacy_note_is_left_out_when_the_bot_sees_every_message(
    make_bot: Callable[..., RunningBot],
) -> None:
    bot = make_bot(fake_kwargs={"can_read_all_group_messages": True})
    _group_with_admin(bot)
    shown = _settings_message(bot, GROUP, CHAT_ADMIN)
    redrawn = _press(bot, shown, "cs:a:questions", CHAT_ADMIN)
    assert "every message that looks like a question" in redrawn["plain_text"]
    assert "privacy" not in redrawn["plain_text"]


def test_traditional_reply_language_shows_fixed_texts_and_chinese_quotes_in_traditional(
    bot: RunningBot,
) -> None:
    _group_with_admin(bot)
    shown = _settings_message(bot, GROUP, CHAT_ADMIN)
    redrawn = _press(bot, shown, "cs:l:zh-Hant", CHAT_ADMIN)
    assert "回覆語言：繁體" in redrawn["plain_text"]  # the settings themselves in Traditional
    # An English question from an English-speaking member: the chat's language wins.
    [answer] = bot.ask("/ask who founded DeepSeek", chat_id=GROUP)
    text = answer["plain_text"]
    assert "出處" in text and "Sources" not in text
    assert (
        "梁文鋒" in text and "梁文锋" not in text
    )  # the Simplified article, quoted in Traditional
    assert "founded DeepSeek" in text  # English quotes stay English
    source = next(d for d in _buttons(answer) if d.startswith("src:"))
    bot.fake.user_presses(answer, source)
    [paragraph] = bot.fake.wait_for_bot_messages(GROUP)
    assert "第" in paragraph["plain_text"] and "段" in paragraph["plain_text"]


def test_simplified_reply_language_converts_a_traditional_article(bot: RunningBot) -> None:
    question = "/ask 商汤科技是哪一年成立的？"
    [before] = bot.ask(question, chat_id=GROUP)
    assert "商湯科技於2014年創立" in before["plain_text"]  # as the article is written
    _group_with_admin(bot)
    shown = _settings_message(bot, GROUP, CHAT_ADMIN)
    _press(bot, shown, "cs:l:zh-Hans", CHAT_ADMIN)
    [after] = bot.ask(question, chat_id=GROUP)
    assert "商汤科技于2014年创立" in after["plain_text"]
    assert "出处" in after["plain_text"]


def test_private_chat_sets_its_own_settings(bot: RunningBot) -> None:
    shown = _settings_message(bot, USER, USER)
    # Every message in private is for the bot: "on" or "off", no "every question".
    assert _buttons(shown)[:2] == ["cs:a:asked", "cs:a:off"]
    assert "every message" in shown["plain_text"]
    _press(bot, shown, "cs:a:off", USER)
    bot.fake.user_says(QUESTION, user_id=USER)
    bot.fake.assert_no_bot_message(USER, within=1.0)
    assert bot.kb.chat_settings(USER).answer == "off"
    assert bot.kb.chat_settings(USER + 1) == ChatSettings()  # another user's chat unchanged
    _press(bot, _settings_message(bot, USER, USER), "cs:a:asked", USER)
    [answer] = bot.ask(QUESTION, user_id=USER)
    assert _is_answer(answer)
    assert not bot.fake.calls_of("getChatMember")  # a private chat needs no lookup


def test_settings_are_kept_by_the_knowledge_base_process(
    make_bot: Callable[..., RunningBot],
) -> None:
    bot = make_bot(knowledge_process=True)
    _group_with_admin(bot)
    shown = _settings_message(bot, GROUP, CHAT_ADMIN)
    _press(bot, shown, "cs:l:zh-Hant", CHAT_ADMIN)
    assert bot.kb.chat_settings(GROUP) == ChatSettings(lang="zh-Hant")
    [answer] = bot.ask("/ask who founded DeepSeek", chat_id=GROUP)
    assert "梁文鋒" in answer["plain_text"] and "出處" in answer["plain_text"]
