"""Only admins change the collection: every admin path tried by a non-admin, in private and groups.

One bot serves the module. Each attempt is followed by its refusal (or, where Telegram gives the
bot nothing to answer, silence) and by the same store: articles, row counts, generation and the
index all unchanged, no file downloaded and no page fetched.

The last test of the package (moved there by conftest.py) checks that the bot token reached no
log record, stdout or stderr anywhere in tests/robustness.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.bot import documents
from tests.bot.conftest import ADMIN, USER, RunningBot
from tests.fakes.page_server import serving_page
from tests.robustness.conftest import SECRETS, WATCH, TokenWatch, store_snapshot

GROUP = -1001234567890  # a supergroup
SMALL_GROUP = -4567  # a basic group
REFUSAL = "only the bot's admins"
PAGE = (
    b"<html><body><article><h1>The Ostrevan Ferry</h1>"
    b"<p>The Ostrevan Ferry crossed to Peng Chau twice a day from 1962.</p></article></body></html>"
)


@pytest.fixture(scope="module")
def page() -> Iterator[tuple[int, list[str]]]:
    with serving_page(PAGE) as served:
        yield served


@pytest.fixture(scope="module")
def bot(module_bots: Callable[..., RunningBot], page: tuple[int, list[str]]) -> RunningBot:
    # The page server is an allowed host: an admin's /add of its URL would be fetched, so a
    # non-admin's attempt that got through would show up in ``page``'s request list.
    return module_bots(fetch_allowed_hosts=[f"127.0.0.1:{page[0]}"])


@pytest.fixture
def unchanged(bot: RunningBot, page: tuple[int, list[str]]) -> Iterator[None]:
    """The attempt inside the test changes nothing: store, index, downloads, fetches."""
    before = (bot.kb.list(), store_snapshot(bot.kb), len(page[1]))
    downloads = len(bot.fake.calls_of("getFile"))
    yield
    assert (bot.kb.list(), store_snapshot(bot.kb), len(page[1])) == before
    assert len(bot.fake.calls_of("getFile")) == downloads, "a non-admin's file was downloaded"


def _chat(where: str) -> dict[str, Any]:
    if where == "private":
        return {}
    return {"chat_id": GROUP if where == "supergroup" else SMALL_GROUP}


def _refused(bot: RunningBot, text: str, where: str, **kwargs: Any) -> None:
    sent = bot.fake.user_says(text, user_id=USER, **_chat(where), **kwargs)
    [reply] = bot.fake.wait_for_bot_messages(sent["chat"]["id"], 1)
    assert REFUSAL in reply["plain_text"], reply["plain_text"]
    if where != "private":  # in groups the refusal answers the attempt, not the chat at large
        assert reply["reply_to_message_id"] == sent["message_id"]


PLACES = ["private", "supergroup", "group"]


@pytest.mark.usefixtures("unchanged")
@pytest.mark.parametrize("where", PLACES)
@pytest.mark.parametrize(
    "command",
    [
        "/add The Ostrevan Ferry first sailed in 1962 and was run by Mabel Quint.",
        "/add@citebot_test_bot The Ostrevan Ferry first sailed in 1962.",
        "/add ---\ntitle: Injected\n---\n\nA front-matter article from a stranger.",
        "/articles",
        "/stats",
        "/remove {article_id}",
        "/remove@citebot_test_bot {article_id}",
    ],
)
def test_admin_commands_refused_for_non_admin(bot: RunningBot, where: str, command: str) -> None:
    _refused(bot, command.format(article_id=bot.kb.list()[0].id), where)


@pytest.mark.usefixtures("unchanged")
@pytest.mark.parametrize("where", PLACES)
def test_add_url_refused_for_non_admin_and_nothing_fetched(
    bot: RunningBot, page: tuple[int, list[str]], where: str
) -> None:
    _refused(bot, f"/add http://127.0.0.1:{page[0]}/ferry", where)


@pytest.mark.usefixtures("unchanged")
@pytest.mark.parametrize("where", PLACES)
def test_add_as_reply_refused_for_non_admin(bot: RunningBot, where: str) -> None:
    # The admin's own message in that chat, which the stranger tries to /add by replying.
    note = bot.fake.user_says(
        "The Ostrevan Ferry was painted green and white until 1975.",
        user_id=ADMIN,
        **_chat(where),
    )
    if where == "private":  # a stranger cannot reply in the admin's chat; use their own note
        note = bot.fake.user_says("The Ostrevan Ferry was painted green.", user_id=USER)
        bot.fake.wait_for_bot_messages(USER)  # answered as a question
    _refused(bot, "/add", where, reply_to_message_id=note["message_id"])


@pytest.mark.usefixtures("unchanged")
@pytest.mark.parametrize("ext", sorted(documents.BUILDERS))
@pytest.mark.parametrize("where", PLACES)
def test_document_upload_refused_for_non_admin(bot: RunningBot, ext: str, where: str) -> None:
    data = documents.BUILDERS[ext]()
    sent = bot.fake.user_sends_document(
        data, f"zorblax.{ext}", user_id=USER, caption="please add this", **_chat(where)
    )
    chat_id = sent["chat"]["id"]
    if where == "private":
        [reply] = bot.fake.wait_for_bot_messages(chat_id)
        assert REFUSAL in reply["plain_text"]
    else:
        # Groups: uploads are not for the bot at all (no mention, no command); it stays silent.
        bot.assert_silent(chat_id)


@pytest.mark.parametrize("where", PLACES)
def test_remove_confirm_button_pressed_by_non_admin(bot: RunningBot, where: str) -> None:
    """The admin asks to remove; a stranger presses the confirm button under that message."""
    article = bot.kb.list()[0]
    sent = bot.fake.user_says(f"/remove {article.id}", user_id=ADMIN, **_chat(where))
    [confirm] = bot.fake.wait_for_bot_messages(sent["chat"]["id"])
    assert article.id in confirm["plain_text"]
    before = (bot.kb.list(), store_snapshot(bot.kb))
    answers = len(bot.fake.callback_answers)
    for data in (f"rm:{article.id}", "rmx"):
        bot.fake.user_presses(confirm, data, user_id=USER)
    bot.fake.wait_until(
        lambda: len(bot.fake.callback_answers) >= answers + 2, description="both presses answered"
    )
    for answer in bot.fake.callback_answers[answers:]:
        assert answer["show_alert"] is True and "admins" in answer["text"]
    assert (bot.kb.list(), store_snapshot(bot.kb)) == before
    # The stranger's press did not edit the confirmation away: the admin can still decide.
    current = bot.fake.bot_message(confirm["chat_id"], confirm["message_id"])
    assert current["plain_text"] == confirm["plain_text"]
    bot.fake.user_presses(confirm, "rmx", user_id=ADMIN)
    bot.fake.wait_for_bot_text(confirm["chat_id"], "Nothing was removed")


def test_articles_page_button_pressed_by_non_admin(bot: RunningBot) -> None:
    [listing] = bot.ask("/articles", user_id=ADMIN)
    answers = len(bot.fake.callback_answers)
    bot.fake.user_presses(listing, "arts:10", user_id=USER)
    bot.fake.wait_until(lambda: len(bot.fake.callback_answers) > answers, description="answer")
    assert bot.fake.callback_answers[-1]["show_alert"] is True
    assert bot.fake.bot_message(ADMIN, listing["message_id"])["edits"] == []


@pytest.fixture(scope="module")
def limited_bot(module_bots: Callable[..., RunningBot]) -> RunningBot:
    """A bot serving GROUP only, which USER has left, 777 was banned from, 31337 never joined."""
    limited = module_bots(allowed_chats=[GROUP])
    limited.fake.add_chat(GROUP, "supergroup")
    limited.fake.set_chat_member(GROUP, USER, "left")
    limited.fake.set_chat_member(GROUP, 777, "kicked")
    return limited


@pytest.mark.parametrize("stranger", [USER, 777, 31337])
@pytest.mark.parametrize(
    "question", ["who founded DeepSeek", "深度求索的创始人是谁", "香港科技大學", "DeepSeek"]
)
def test_inline_query_from_outside_the_allowed_chats_gets_nothing(
    limited_bot: RunningBot, stranger: int, question: str
) -> None:
    """An "@bot question" typed anywhere by someone outside the allowed chats: no answer text."""
    query_id = limited_bot.fake.user_inline_query(question, user_id=stranger)
    [answer] = limited_bot.fake.wait_until(
        lambda: [a for a in limited_bot.fake.inline_answers if a["inline_query_id"] == query_id],
        description="the inline query answered",
    )
    assert answer["results"] == [] and answer["is_personal"] is True
    assert all(a["results"] == [] for a in limited_bot.fake.inline_answers)


def test_refusals_sent_no_errors(bot: RunningBot) -> None:
    """Every refusal above went through: Telegram accepted all the bot's calls."""
    assert [e for e in bot.fake.errors if e["method"] != "getUpdates"] == []


def test_watch_catches_a_secret_in_a_traceback() -> None:
    """The watch itself works: a token inside an exception's text is found in the traceback."""
    watch = TokenWatch()
    logger = logging.getLogger("citebot.robustness.selftest")
    logger.propagate = False  # keep the deliberate leak away from the real watch
    logger.addHandler(watch)
    try:
        try:
            raise RuntimeError(f"POST https://api.telegram.org/bot1:{SECRETS[0]}/getMe failed")
        except RuntimeError:
            logger.exception("request failed")
    finally:
        logger.removeHandler(watch)
    assert watch.records == 1 and len(watch.leaks) == 1


@pytest.mark.slow  # a check of the whole run: a quick run split over processes sees a part
def test_token_never_logged_anywhere() -> None:
    """Run last in the package: no token in any log record, stdout or stderr so far."""
    assert not WATCH.leaks, WATCH.leaks
    # The watch saw the bot's own loggers and the libraries that log request URLs.
    assert WATCH.by_logger["bot"] > 0 and WATCH.by_logger["telegram"] > 0, dict(WATCH.by_logger)
    assert WATCH.by_logger["httpcore"] > 0, dict(WATCH.by_logger)
