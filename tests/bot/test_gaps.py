"""The gaps an admin can act on: /gaps lists the questions declined or voted 👎, alike ones
grouped, with the answer each got behind a button; a 👎 may say why."""

from __future__ import annotations

from collections.abc import Callable

from tests.bot.conftest import ADMIN, JSON, USER, RunningBot

ANSWERED = "which HK university trained a DeepSeek founder"
# Three wordings of one question nothing in the bundled articles answers: case, width and
# punctuation differ; and the same in Traditional and Simplified Chinese.
DECLINED = (
    "Who painted the Mona Lisa?",
    "who painted the mona lisa",
    "Ｗｈｏ painted the Mona Lisa？",
)
DECLINED_ZH = ("誰畫了蒙娜麗莎？", "谁画了 蒙娜丽莎")
STRANGER = 5005
GROUP = -1001234567890


def _buttons(record: JSON) -> list[tuple[str, str]]:
    markup = record["reply_markup"] or {}
    return [
        (b["text"], b["callback_data"]) for row in markup.get("inline_keyboard", []) for b in row
    ]


def _press(bot: RunningBot, message: JSON, data: str, user_id: int = USER) -> str:
    query_id = bot.fake.user_presses(message, data, user_id=user_id)
    bot.fake.wait_until(
        lambda: any(a["callback_query_id"] == query_id for a in bot.fake.callback_answers),
        description=f"the press of {data} answered",
    )
    return str(
        next(a for a in bot.fake.callback_answers if a["callback_query_id"] == query_id).get("text")
        or ""
    )


def _keyboard_when(bot: RunningBot, message: JSON, reasons: bool) -> JSON:
    """The message once its keyboard has (or no longer has) the reason buttons: the toast
    comes first, the keyboard's edit just after."""

    def current() -> JSON:
        return bot.fake.bot_message(message["chat_id"], message["message_id"])

    def has_reasons() -> bool:
        return any(d.startswith("fbr:") for _, d in _buttons(current()))

    bot.fake.wait_until(lambda: has_reasons() == reasons, description="the keyboard edited")
    return current()


def _thumbs_down(bot: RunningBot, answer: JSON, user_id: int = USER) -> str:
    data = next(d for _, d in _buttons(answer) if d.startswith("fb:") and d.endswith("-1"))
    return _press(bot, answer, data, user_id)


def test_thumbs_down_offers_the_reasons_and_one_is_stored_with_the_vote(bot: RunningBot) -> None:
    [answer] = bot.ask(ANSWERED)
    toast = _thumbs_down(bot, answer)
    assert "what was wrong" in toast
    # The vote counts at once, whether or not a reason follows.
    assert bot.kb.stats()["thumbs_down"] == 1
    edited = _keyboard_when(bot, answer, reasons=True)
    reasons = [(text, d) for text, d in _buttons(edited) if d.startswith("fbr:")]
    assert [text for text, _ in reasons] == ["Wrong answer", "Wrong source", "Not answered"]
    assert all(len(d.encode()) <= 64 for _, d in reasons)
    # The answer's own buttons are still there.
    assert any(d.startswith("src:") for _, d in _buttons(edited))

    toast = _press(bot, edited, dict((t, d) for t, d in reasons)["Wrong source"])
    assert toast == "Thanks, noted: Wrong source."
    after = _keyboard_when(bot, answer, reasons=False)
    assert any(d.startswith("fb:") for _, d in _buttons(after))
    assert bot.kb.stats()["thumbs_down"] == 1  # the same vote, now with its reason
    [gap] = bot.kb.gaps().gaps
    assert gap.thumbs_down == 1 and gap.reasons == (("wrong_source", 1),)


def test_reasons_are_offered_in_the_voters_language(bot: RunningBot) -> None:
    bot.fake.add_user(USER, language_code="zh-TW")
    [answer] = bot.ask(ANSWERED, language_code="zh-TW")
    _thumbs_down(bot, answer)
    edited = _keyboard_when(bot, answer, reasons=True)
    labels = [text for text, d in _buttons(edited) if d.startswith("fbr:")]
    assert labels == ["答案不對", "出處不對", "沒回答問題"]


def test_gaps_lists_declined_and_voted_down_questions_grouped_newest_first(
    bot: RunningBot,
) -> None:
    for question in DECLINED:
        [reply] = bot.ask(question)
        assert "nothing in my articles" in reply["plain_text"] and not _buttons(reply)
    for question in DECLINED_ZH:
        bot.ask(question, language_code="zh-TW")
    [answer] = bot.ask(ANSWERED)
    _thumbs_down(bot, answer)
    edited = _keyboard_when(bot, answer, reasons=True)
    reason = next(d for _, d in _buttons(edited) if d.endswith(":not_answered"))
    _press(bot, edited, reason)

    [listing] = bot.ask("/gaps", user_id=ADMIN)
    text = listing["plain_text"]
    assert text.startswith("Gaps: questions declined or voted 👎, newest first")
    # Newest first: the voted-down answer, then the Chinese wordings (one group: Traditional
    # folded to Simplified, spaces and punctuation left out), then the English ones (one group).
    first = text.index(ANSWERED)
    chinese = text.index(DECLINED_ZH[1])
    english = text.index(DECLINED[2])
    assert first < chinese < english
    assert "1. “which HK university" in text
    assert "asked 1× · 👎 1 (Not answered 1)" in text
    assert "asked 2× · declined 2" in text
    assert "asked 3× · declined 3" in text
    for older in (*DECLINED[:2], DECLINED_ZH[0]):
        assert older not in text  # grouped under the latest wording
    assert len(listing["text"]) <= 4096
    buttons = _buttons(listing)
    assert [label for label, _ in buttons] == ["Answer 1", "Answer 2", "Answer 3"]

    # Each button shows the answer that group's latest question got, as it was given.
    mark = bot.fake.mark()
    _press(bot, listing, buttons[0][1], user_id=ADMIN)
    [given] = bot.fake.wait_for_bot_messages(ADMIN, after=mark)
    quoted = [line for line in answer["plain_text"].splitlines() if line.startswith("“")]
    assert quoted and all(line in given["plain_text"] for line in quoted)
    assert ANSWERED in given["plain_text"] and "Sources" in given["plain_text"]
    mark = bot.fake.mark()
    _press(bot, listing, buttons[2][1], user_id=ADMIN)
    [declined] = bot.fake.wait_for_bot_messages(ADMIN, after=mark)
    assert DECLINED[2] in declined["plain_text"]
    assert "Declined: nothing in the articles answered it." in declined["plain_text"]


def test_gaps_and_their_buttons_are_for_admins_only(bot: RunningBot) -> None:
    bot.ask(DECLINED[0])
    [refusal] = bot.ask("/gaps", user_id=STRANGER)
    assert "only the bot's admins" in refusal["plain_text"]
    assert DECLINED[0] not in refusal["plain_text"]
    [listing] = bot.ask("/gaps", user_id=ADMIN)
    [(_, data)] = _buttons(listing)
    mark = bot.fake.mark()
    assert _press(bot, listing, data, user_id=STRANGER) == "Only the bot's admins can do that."
    bot.fake.assert_no_bot_message(ADMIN, 0.5, after=mark)


def test_gaps_in_a_group_are_not_shown_to_the_group(bot: RunningBot) -> None:
    """The gaps hold questions asked in private chats too: a group never sees them."""
    bot.ask(DECLINED[0])
    bot.fake.user_says("/gaps", user_id=ADMIN, chat_id=GROUP)
    [refusal] = bot.fake.wait_for_bot_messages(GROUP)
    assert "send /gaps to me in a private chat" in refusal["plain_text"]
    assert DECLINED[0] not in refusal["plain_text"] and not _buttons(refusal)


def test_gaps_with_nothing_to_show(bot: RunningBot) -> None:
    [listing] = bot.ask("/gaps", user_id=ADMIN)
    assert listing["plain_text"] == "No gaps: no question was declined or voted 👎."
    assert not _buttons(listing)


def test_many_long_gaps_fit_one_message_and_say_how_many_more(bot: RunningBot) -> None:
    # Fifteen different long questions the articles do not answer (asked in the knowledge
    # base the bot serves, as the bot would ask them: quicker than fifteen round trips).
    filler = " ".join(["glorbix vantrel quillfish"] * 14)
    for n in range(15):
        answer = bot.kb.ask(f"Who painted Mona Lisa copy {n}, {filler}?", user_id=USER)
        assert not answer.found
    [listing] = bot.ask("/gaps", user_id=ADMIN)
    assert len(listing["text"]) <= 4096
    text = listing["plain_text"]
    shown = len(_buttons(listing))
    assert 1 <= shown <= 10
    assert f"…and {15 - shown} more (citebot gaps lists them all)." in text
    assert "Mona Lisa copy 14," in text  # the newest first


def test_gaps_from_a_knowledge_base_in_a_child_process(
    make_bot: Callable[..., RunningBot],
) -> None:
    """`serve` runs the knowledge base in a child process: /gaps and its buttons work there."""
    bot = make_bot(knowledge_process=True)
    bot.ask(DECLINED[0])
    [answer] = bot.ask(ANSWERED)
    _thumbs_down(bot, answer)
    edited = _keyboard_when(bot, answer, reasons=True)
    _press(bot, edited, next(d for _, d in _buttons(edited) if d.endswith(":wrong_answer")))
    [listing] = bot.ask("/gaps", user_id=ADMIN)
    assert "👎 1 (Wrong answer 1)" in listing["plain_text"]
    assert "asked 1× · declined 1" in listing["plain_text"]
    mark = bot.fake.mark()
    _press(bot, listing, _buttons(listing)[1][1], user_id=ADMIN)
    [declined] = bot.fake.wait_for_bot_messages(ADMIN, after=mark)
    assert "Declined" in declined["plain_text"]
