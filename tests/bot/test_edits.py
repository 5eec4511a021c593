"""Edited questions get their answer edited in place; a group admin's document is an upload
only when addressed to the bot (issue 16 item 5)."""

from __future__ import annotations

from typing import Any

from tests.bot import documents
from tests.bot.conftest import ADMIN, USER, RunningBot

JSON = dict[str, Any]
GROUP = -1001234567890
FIRST = "who founded SenseTime"
SECOND = "which HK university trained a DeepSeek founder"


def _is_second_answer(record: JSON) -> bool:
    return "Hong Kong University of Science and Technology" in record["plain_text"]


def _edited(bot: RunningBot, record: JSON) -> JSON:
    """The bot's message once edited after ``record`` was read."""
    return bot.fake.wait_until(
        lambda: (
            rec
            if (rec := bot.fake.bot_message(record["chat_id"], record["message_id"]))["edits"]
            else None
        ),
        description="the answer edited",
    )


def test_an_edited_private_question_has_its_answer_edited_in_place(bot: RunningBot) -> None:
    asked = bot.fake.user_says(FIRST)
    [answer] = bot.fake.wait_for_bot_messages(USER)
    assert "SenseTime" in answer["plain_text"] or "商湯" in answer["plain_text"]
    mark = bot.fake.mark()
    bot.fake.user_edits(asked, SECOND)
    edited = _edited(bot, answer)
    assert _is_second_answer(edited)
    assert edited["reply_markup"]  # the new answer's buttons under it
    bot.fake.assert_no_bot_message(USER, within=1.0, after=mark)  # no second answer below
    # A follow-up now leans on the corrected question, not the first one.
    [follow] = bot.ask("when was it founded?")
    assert "SenseTime" not in follow["plain_text"]


def test_an_edited_group_question_has_its_answer_edited_in_place(bot: RunningBot) -> None:
    asked = bot.fake.user_says(f"/ask {FIRST}", chat_id=GROUP)
    [answer] = bot.fake.wait_for_bot_messages(GROUP)
    mark = bot.fake.mark()
    bot.fake.user_edits(asked, f"/ask {SECOND}")
    edited = _edited(bot, answer)
    assert _is_second_answer(edited)
    assert edited["reply_to_message_id"] == asked["message_id"]
    bot.fake.assert_no_bot_message(GROUP, within=1.0, after=mark)


def test_an_edit_of_group_chatter_is_ignored_unless_it_now_addresses_the_bot(
    bot: RunningBot,
) -> None:
    chatter = bot.fake.user_says("lunch at noon?", chat_id=GROUP)
    bot.fake.user_edits(chatter, "lunch at one?")
    bot.fake.assert_no_bot_message(GROUP, within=1.0, after=0)
    bot.fake.user_edits(chatter, f"@{bot.username} {SECOND}")
    [answer] = bot.fake.wait_for_bot_messages(GROUP)
    assert _is_second_answer(answer)
    assert answer["reply_to_message_id"] == chatter["message_id"]


def test_an_edit_of_a_private_message_the_bot_did_not_answer_is_answered_anew(
    bot: RunningBot,
) -> None:
    # Sent while the chat was "off": not answered then.
    [shown] = bot.ask("/settings")
    query = bot.fake.user_presses(shown, "cs:a:off", user_id=USER)
    bot.fake.wait_until(
        lambda: any(a["callback_query_id"] == query for a in bot.fake.callback_answers)
    )
    silent = bot.fake.user_says(FIRST)
    bot.fake.assert_no_bot_message(USER, within=0.8)
    [shown] = bot.ask("/settings")
    query = bot.fake.user_presses(shown, "cs:a:asked", user_id=USER)
    bot.fake.wait_until(
        lambda: any(a["callback_query_id"] == query for a in bot.fake.callback_answers)
    )
    mark = bot.fake.mark()
    bot.fake.user_edits(silent, SECOND)
    [answer] = bot.fake.wait_for_bot_messages(USER, after=mark)
    assert _is_second_answer(answer)


def test_an_admins_document_in_a_group_is_ingested_only_when_addressed(bot: RunningBot) -> None:
    before = bot.kb.list()
    bot.fake.user_sends_document(
        documents.as_txt(), "zorblax.txt", user_id=ADMIN, chat_id=GROUP, caption="for the team"
    )
    bot.fake.assert_no_bot_message(GROUP, within=1.0)
    assert bot.kb.list() == before
    assert not bot.fake.calls_of("getFile")
    bot.fake.user_sends_document(
        documents.as_txt(), "zorblax.txt", user_id=ADMIN, chat_id=GROUP, caption=f"@{bot.username}"
    )
    [confirm] = bot.fake.wait_for_bot_messages(GROUP)
    assert confirm["plain_text"].startswith(f"Added {documents.TITLE}")  # the mention is no title
    [answer] = bot.ask(f"/ask {documents.QUESTION}", chat_id=GROUP)
    assert documents.FACT in answer["plain_text"]


def test_an_admins_document_replying_to_the_bot_is_ingested(bot: RunningBot) -> None:
    [hello] = bot.ask("/help", chat_id=GROUP, user_id=ADMIN)
    bot.fake.user_sends_document(
        documents.as_txt(),
        "zorblax.txt",
        user_id=ADMIN,
        chat_id=GROUP,
        reply_to_message_id=hello["message_id"],
    )
    [confirm] = bot.fake.wait_for_bot_messages(GROUP)
    assert confirm["plain_text"].startswith("Added")


def test_a_members_addressed_document_in_a_group_is_refused_not_stored(bot: RunningBot) -> None:
    before = bot.kb.list()
    bot.fake.user_sends_document(
        documents.as_txt(), "zorblax.txt", user_id=USER, chat_id=GROUP, caption=f"@{bot.username}"
    )
    [refusal] = bot.fake.wait_for_bot_messages(GROUP)
    assert "only the bot's admins" in refusal["plain_text"]
    assert bot.kb.list() == before
