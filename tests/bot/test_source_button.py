"""The "Source" button: once per answer, the quote in bold, one message, and no group flooded
by one member's presses (issue 16 item 3)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from benchmarks.fakes.telegram_server import utf16_len
from bot.state import SOURCE_CHAT_SHARE, SOURCE_USER_SHARE, AnswerCache, ChatBudget
from tests.bot.conftest import USER, RunningBot

pytestmark = pytest.mark.slow  # each test starts a bot on its own copy of the knowledge base

GROUP = -1001234567890
OTHER = USER + 7
QUESTIONS = (
    "which HK university trained a DeepSeek founder",
    "when was the Chinese University of Hong Kong established",
    "who founded SenseTime",
)


def _sources(record: dict) -> list[str]:
    markup = record["reply_markup"] or {}
    return [
        b["callback_data"]
        for row in markup.get("inline_keyboard", [])
        for b in row
        if b["callback_data"].startswith("src:")
    ]


def _bold(record: dict) -> list[str]:
    """The bold runs of a bot message, as the user sees them (offsets are UTF-16)."""
    data = record["plain_text"].encode("utf-16-le")
    return [
        data[e["offset"] * 2 : (e["offset"] + e["length"]) * 2].decode("utf-16-le")
        for e in record["entities"] or []
        if e["type"] == "bold"
    ]


def _toast(bot: RunningBot, query_id: str) -> dict:
    def answered() -> dict | None:
        return next(
            (a for a in bot.fake.callback_answers if a["callback_query_id"] == query_id), None
        )

    bot.fake.wait_until(answered, description=f"answer to callback query {query_id}")
    found = answered()
    assert found is not None
    return found


def test_second_press_gets_a_toast_not_the_paragraph_again(bot: RunningBot) -> None:
    [answer] = bot.ask("/ask " + QUESTIONS[0], chat_id=GROUP)
    source = _sources(answer)[0]
    mark = bot.fake.mark()
    bot.fake.user_presses(answer, source)
    [passage] = bot.fake.wait_for_bot_messages(GROUP, after=mark)
    mark = bot.fake.mark()
    again = bot.fake.user_presses(answer, source)  # the same member
    other = bot.fake.user_presses(answer, source, user_id=OTHER)  # and someone else
    assert "already" in (_toast(bot, again)["text"] or "")
    assert "already" in (_toast(bot, other)["text"] or "")
    bot.assert_silent(GROUP, after=mark)
    assert passage["reply_to_message_id"] == answer["message_id"]


def test_five_quick_presses_post_the_paragraph_once(bot: RunningBot) -> None:
    """The reported flood: five presses by one member, before any reply, posted it four times."""
    [answer] = bot.ask("/ask " + QUESTIONS[0], chat_id=GROUP)
    source = _sources(answer)[0]
    mark = bot.fake.mark()
    queries = [bot.fake.user_presses(answer, source) for _ in range(5)]
    toasts = [_toast(bot, q)["text"] or "" for q in queries]
    bot.fake.wait_for_bot_messages(GROUP, after=mark)
    bot.assert_silent(GROUP, after=bot.fake.mark())
    assert len([m for m in bot.fake.bot_messages(GROUP) if m["seq"] > mark]) == 1
    assert sum("already" in text for text in toasts) == 4


def test_quoted_sentence_is_bold_in_the_paragraph(bot: RunningBot) -> None:
    [answer] = bot.ask(QUESTIONS[0])
    source = _sources(answer)[0]
    article_id, paragraph, number = source.split(":")[1:4]
    quoted = [
        q.sentence.text
        for q in bot.kb.ask(QUESTIONS[0], log_it=False).quotes
        if q.citation.article_id == article_id and q.citation.paragraph == int(paragraph)
    ]
    assert quoted
    mark = bot.fake.mark()
    bot.fake.user_presses(answer, source)
    [passage] = bot.fake.wait_for_bot_messages(USER, after=mark)
    assert passage["plain_text"].startswith(f"[{number}] ")
    assert bot.kb.passage_text(article_id, int(paragraph)) in passage["plain_text"]
    assert set(quoted) <= set(_bold(passage))


def test_quote_is_bold_after_the_answer_left_the_cache(bot: RunningBot) -> None:
    """As after a restart: the question id in the button finds the quotes again."""
    [answer] = bot.ask(QUESTIONS[0])
    source = _sources(answer)[0]
    bot.app.bot_data.answers = AnswerCache()  # an empty cache, as after a restart
    mark = bot.fake.mark()
    bot.fake.user_presses(answer, source)
    [passage] = bot.fake.wait_for_bot_messages(USER, after=mark)
    assert any("HKUST" in run or "DeepSeek" in run for run in _bold(passage))


def test_long_paragraph_is_one_message_around_the_quote_with_a_link(bot: RunningBot) -> None:
    """A 16,000-character paragraph went out as five messages; now one, cut around the quote."""
    words = "harbour ferry lantern orchard granite tram pier market ledger compass".split()
    filler = [
        "The Xylofanter consortium (R&D <unit {i}>) kept "
        + " ".join(f"{words[(i + j) % len(words)]}{j}" for j in range(40))
        + "."
        for i in range(50)
    ]
    quote = "The Xylofanter consortium was founded by Ada Quenby in Tsuen Wan in 1987."
    paragraph = " ".join([*filler[:25], quote, *filler[25:]])
    assert len(paragraph) > 16_000
    bot.kb.ingest_text(
        "Xylofanter consortium history\n\n" + paragraph, url="https://example.org/xylofanter"
    )
    [answer] = bot.ask("who founded the Xylofanter consortium?")
    assert quote in answer["plain_text"]
    mark = bot.fake.mark()
    bot.fake.user_presses(answer, _sources(answer)[0])
    [passage] = bot.fake.wait_for_bot_messages(USER, after=mark)
    bot.assert_silent(USER, after=passage["seq"])
    text = passage["plain_text"]
    assert utf16_len(text) <= 4096
    assert quote in _bold(passage)
    assert "…" in text and "R&D <unit" in text  # cut, and escaped then shown as written
    links = [e for e in passage["entities"] if e["type"] == "text_link"]
    assert any(e["url"] == "https://example.org/xylofanter" for e in links)
    assert "Shortened" in text
    assert bot.fake.errors == []


def test_source_press_counts_against_the_rate_limit(
    make_bot: Callable[..., RunningBot],
) -> None:
    bot = make_bot(user_rate_limit=1)
    [answer] = bot.ask(QUESTIONS[0])  # the one question this minute
    mark = bot.fake.mark()
    query = bot.fake.user_presses(answer, _sources(answer)[0])
    assert "faster" in (_toast(bot, query)["text"] or "")
    bot.assert_silent(USER, after=mark)


def _group_answers(bot: RunningBot, user_id: int) -> list[tuple[dict, str]]:
    """(answer, source button) pairs from asking QUESTIONS in the group, one per source."""
    pairs: list[tuple[dict, str]] = []
    for question in QUESTIONS:
        [answer] = bot.ask("/ask " + question, chat_id=GROUP, user_id=user_id)
        pairs += [(answer, data) for data in _sources(answer)]
    assert len(pairs) > SOURCE_USER_SHARE
    return pairs


def test_one_members_burst_goes_to_them_in_private(bot: RunningBot) -> None:
    bot.fake.add_chat(USER)  # has a private chat with the bot
    pairs = _group_answers(bot, USER)
    for answer, data in pairs[:SOURCE_USER_SHARE]:
        mark = bot.fake.mark()
        bot.fake.user_presses(answer, data, user_id=USER)
        bot.fake.wait_for_bot_messages(GROUP, after=mark)
    answer, data = pairs[SOURCE_USER_SHARE]
    mark = bot.fake.mark()
    query = bot.fake.user_presses(answer, data, user_id=USER)
    [private] = bot.fake.wait_for_bot_messages(USER, after=mark)
    article_id, paragraph = data.split(":")[1:3]
    assert bot.kb.passage_text(article_id, int(paragraph)) in private["plain_text"]
    assert "private" in (_toast(bot, query)["text"] or "")
    bot.assert_silent(GROUP, after=mark)
    # Shown once: pressing it again is a toast, not a second private copy.
    again = bot.fake.user_presses(answer, data, user_id=USER)
    assert "already" in (_toast(bot, again)["text"] or "")
    # Another member still gets sources in the group: the chat's share is not spent.
    mark = bot.fake.mark()
    bot.fake.user_presses(*pairs[-1], user_id=OTHER)
    bot.fake.wait_for_bot_messages(GROUP, after=mark)


def test_over_the_share_without_a_private_chat_gets_an_alert(bot: RunningBot) -> None:
    pairs = _group_answers(bot, OTHER)  # OTHER never wrote to the bot in private
    for answer, data in pairs[:SOURCE_USER_SHARE]:
        mark = bot.fake.mark()
        bot.fake.user_presses(answer, data, user_id=OTHER)
        bot.fake.wait_for_bot_messages(GROUP, after=mark)
    answer, data = pairs[SOURCE_USER_SHARE]
    mark = bot.fake.mark()
    query = bot.fake.user_presses(answer, data, user_id=OTHER)
    toast = _toast(bot, query)
    assert toast["show_alert"] and "private chat" in toast["text"]
    bot.assert_silent(GROUP, after=mark)
    assert not [m for m in bot.fake.bot_messages() if m["seq"] > mark]


def test_chat_budget_counts_every_message_and_each_presser() -> None:
    now = [0.0]
    budget = ChatBudget(clock=lambda: now[0])
    budget.spent(GROUP, SOURCE_CHAT_SHARE - 1)  # answers: nobody's Source press
    assert budget.source_fits(GROUP, USER)
    budget.spent(GROUP, pressed_by=USER)
    assert not budget.source_fits(GROUP, OTHER)  # the group's share is spent, for everyone
    assert budget.source_fits(-100999, USER)  # another group's is not
    now[0] = 61.0
    assert budget.source_fits(GROUP, OTHER)
    budget.spent(GROUP, SOURCE_USER_SHARE, pressed_by=USER)
    assert not budget.source_fits(GROUP, USER)
    assert budget.source_fits(GROUP, OTHER)
