"""Inline mode and CITEBOT_ALLOWED_CHATS: inline queries come with no chat, so a bot limited to
some chats answers them only for members of those chats (asked of Telegram, and cached), or for
nobody with CITEBOT_INLINE_MODE=off. Buttons pressed outside the allowed chats are refused too.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from benchmarks.fakes.telegram_server import parse_html
from bot.state import MemberCache
from tests.bot.conftest import ADMIN, RunningBot

pytestmark = pytest.mark.slow  # each test starts a bot on its own copy of the knowledge base

GROUP = -1001234567890  # the allowed group
OTHER_GROUP = -1009876543210
MEMBER = 2002
STRANGER = 3003
QUESTION = "who founded DeepSeek"
ANSWER_WORDS = "Liang Wenfeng"

JSON = dict[str, Any]


def inline_answer(bot: RunningBot, text: str, user_id: int) -> JSON:
    """What the bot answered to ``user_id``'s inline query ``text``."""
    query_id = bot.fake.user_inline_query(text, user_id=user_id)
    [answer] = bot.fake.wait_until(
        lambda: [a for a in bot.fake.inline_answers if a["inline_query_id"] == query_id],
        description=f"an answer to inline query {query_id}",
    )
    return answer


def answer_text(answer: JSON) -> str:
    return " ".join(
        parse_html(r["input_message_content"]["message_text"]).text for r in answer["results"]
    )


@pytest.fixture
def restricted(make_bot: Callable[..., RunningBot]) -> RunningBot:
    """A bot limited to GROUP, of which MEMBER is a member and STRANGER is not."""
    bot = make_bot(allowed_chats=[GROUP])
    bot.fake.add_chat(GROUP, "supergroup")
    bot.fake.set_chat_member(GROUP, MEMBER, "member")
    return bot


def test_stranger_gets_no_inline_answer_with_an_allow_list(restricted: RunningBot) -> None:
    answer = inline_answer(restricted, QUESTION, STRANGER)
    assert answer["results"] == []
    assert answer["is_personal"] is True and answer["cache_time"] <= 10
    # The stranger was looked up, in the allowed chat, and found not to be in it.
    [lookup] = restricted.fake.calls_of("getChatMember")
    assert lookup == {"chat_id": GROUP, "user_id": STRANGER}


def test_member_of_an_allowed_chat_gets_a_personal_inline_answer(restricted: RunningBot) -> None:
    answer = inline_answer(restricted, QUESTION, MEMBER)
    assert ANSWER_WORDS in answer_text(answer)
    # Telegram must not serve this member's cached answer to anyone else, nor for long.
    assert answer["is_personal"] is True and answer["cache_time"] <= 10


@pytest.mark.parametrize(
    ("status", "is_member", "answered"),
    [
        ("creator", True, True),
        ("administrator", True, True),
        ("restricted", True, True),
        ("restricted", False, False),
        ("left", True, False),
        ("kicked", True, False),
    ],
)
def test_what_counts_as_a_member(
    restricted: RunningBot, status: str, is_member: bool, answered: bool
) -> None:
    restricted.fake.set_chat_member(GROUP, STRANGER, status, is_member=is_member)
    answer = inline_answer(restricted, QUESTION, STRANGER)
    assert (ANSWER_WORDS in answer_text(answer)) is answered


def test_membership_is_asked_once_per_user_and_kept(restricted: RunningBot) -> None:
    """Inline queries arrive with every key typed: Telegram is asked once, not every time."""
    for typed in ("who founded", "who founded Deep", QUESTION):
        assert inline_answer(restricted, typed, MEMBER)["results"]  # a refusal has none
    for _ in range(3):
        assert inline_answer(restricted, QUESTION, STRANGER)["results"] == []
    # A burst of queries (handled concurrently) shares the one lookup under way.
    fresh = 4004
    restricted.fake.set_chat_member(GROUP, fresh, "member")
    ids = [restricted.fake.user_inline_query(QUESTION, user_id=fresh) for _ in range(5)]
    restricted.fake.wait_until(
        lambda: {a["inline_query_id"] for a in restricted.fake.inline_answers} >= set(ids),
        description="every query of the burst answered",
    )
    users = [c["user_id"] for c in restricted.fake.calls_of("getChatMember")]
    assert sorted(users) == [MEMBER, STRANGER, fresh]


def test_every_allowed_chat_is_tried_and_unknown_ones_count_as_not_member(
    make_bot: Callable[..., RunningBot],
) -> None:
    """A "chat not found" (a chat the bot is not in) is no membership, and no failure."""
    bot = make_bot(allowed_chats=[-1000000000404, OTHER_GROUP])
    bot.fake.add_chat(OTHER_GROUP, "supergroup")
    bot.fake.set_chat_member(OTHER_GROUP, MEMBER, "member")
    assert ANSWER_WORDS in answer_text(inline_answer(bot, QUESTION, MEMBER))
    assert inline_answer(bot, QUESTION, STRANGER)["results"] == []
    assert [e["description"] for e in bot.fake.errors if e["method"] == "getChatMember"] == [
        "Bad Request: chat not found",
        "Bad Request: chat not found",
    ]


def test_admin_is_answered_inline_without_a_lookup(restricted: RunningBot) -> None:
    assert ANSWER_WORDS in answer_text(inline_answer(restricted, QUESTION, ADMIN))
    assert restricted.fake.calls_of("getChatMember") == []


@pytest.mark.parametrize("allowed_chats", [[], [GROUP]])
def test_inline_mode_off_answers_nobody(
    make_bot: Callable[..., RunningBot], allowed_chats: list[int]
) -> None:
    bot = make_bot(allowed_chats=allowed_chats, inline_mode="off")
    bot.fake.add_chat(GROUP, "supergroup")
    bot.fake.set_chat_member(GROUP, MEMBER, "member")
    for user_id in (STRANGER, MEMBER, ADMIN):
        assert inline_answer(bot, QUESTION, user_id)["results"] == []
    assert bot.fake.calls_of("getChatMember") == []


def test_without_an_allow_list_everyone_is_answered_as_before(bot: RunningBot) -> None:
    answer = inline_answer(bot, QUESTION, STRANGER)
    assert ANSWER_WORDS in answer_text(answer)
    assert answer["is_personal"] is False and answer["cache_time"] == 30
    assert bot.fake.calls_of("getChatMember") == []


def test_buttons_pressed_in_a_chat_no_longer_allowed_are_refused(restricted: RunningBot) -> None:
    """An answer's buttons outlive a change of the allow-list; pressing them must not answer."""
    sent = restricted.fake.user_says(f"/ask {QUESTION}", user_id=MEMBER, chat_id=GROUP)
    [answer] = restricted.fake.wait_for_bot_messages(sent["chat"]["id"])
    buttons = [b["callback_data"] for row in answer["reply_markup"]["inline_keyboard"] for b in row]
    # As after a restart with CITEBOT_ALLOWED_CHATS narrowed to another group.
    restricted.settings.allowed_chats[:] = [OTHER_GROUP]
    mark = restricted.fake.mark()
    pressed = [
        restricted.fake.user_presses(answer, data, user_id=MEMBER)
        for data in buttons
        if data.startswith(("src:", "more:", "fb:"))
    ]
    restricted.fake.wait_until(
        lambda: {a["callback_query_id"] for a in restricted.fake.callback_answers} >= set(pressed),
        description="every press answered",
    )
    for reply in restricted.fake.callback_answers:
        assert reply["show_alert"] is True and "not enabled" in reply["text"]
    restricted.assert_silent(GROUP, after=mark)
    assert restricted.kb.stats()["thumbs_up"] == restricted.kb.stats()["thumbs_down"] == 0


# -- the cache itself --------------------------------------------------------------------------
def test_member_cache_keeps_verdicts_for_a_while_and_a_bounded_number() -> None:
    now = [0.0]
    cache = MemberCache(ttl=600, size=2, clock=lambda: now[0])
    asked: list[int] = []
    answers: dict[int, bool | None] = {1: True, 2: False, 3: True, 4: None}

    async def lookup(user_id: int) -> bool | None:
        asked.append(user_id)
        await asyncio.sleep(0)
        return answers[user_id]

    async def scenario() -> None:
        assert await cache.verdict(1, lookup) is True
        assert await cache.verdict(2, lookup) is False
        assert await cache.verdict(1, lookup) is True  # kept
        now[0] = 601
        assert await cache.verdict(1, lookup) is True  # asked again
        assert await cache.verdict(3, lookup) is True  # pushes out 2, the oldest
        assert await cache.verdict(2, lookup) is False
        # Telegram could not tell: refused now, asked again next time.
        assert await cache.verdict(4, lookup) is False
        assert await cache.verdict(4, lookup) is False
        # Concurrent callers share one lookup.
        together = await asyncio.gather(*(cache.verdict(5, lookup) for _ in range(3)))
        assert together == [True, True, True]

    answers[5] = True
    asyncio.run(scenario())
    assert asked == [1, 2, 1, 3, 2, 4, 4, 5]
