"""Changing the collection through Telegram: uploads, /add, /articles, /remove, /stats."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.bot import documents
from tests.bot.conftest import ADMIN, USER, RunningBot
from tests.fakes.page_server import serving_page

pytestmark = pytest.mark.slow  # each test starts a bot on its own copy of the knowledge base

PAGE_FACT = "The Vendrill Lighthouse on Po Toi Island was lit for the first time in 1921."
PAGE = (
    "<html lang='en'><head><title>The Vendrill Lighthouse</title></head><body><article>"
    f"<h1>The Vendrill Lighthouse</h1><p>{PAGE_FACT}</p>"
    "<p>Its keepers rowed supplies across from Stanley every fortnight.</p>"
    "</article></body></html>"
).encode()


def _answer_text(bot: RunningBot, question: str, user_id: int = USER) -> str:
    [reply] = bot.ask(question, user_id=user_id)
    return str(reply["plain_text"])


@pytest.mark.parametrize("ext", ["txt", "md", "html", "docx", "pdf"])
def test_admin_upload_is_answerable_at_once(bot: RunningBot, ext: str) -> None:
    if ext == "pdf" and not documents.HAS_REPORTLAB:
        pytest.skip("reportlab is not installed in .venv, so no PDF can be generated")
    bot.fake.user_sends_document(
        documents.BUILDERS[ext](), f"zorblax.{ext}", user_id=ADMIN, language_code="en"
    )
    [confirm] = bot.fake.wait_for_bot_messages(ADMIN)
    text = confirm["plain_text"]
    assert text.startswith("Added The Zorblax Observatory")
    assert "English" in text and "passage" in text  # "1 passage", "2 passages"
    article = next(a for a in bot.kb.list() if a.title == documents.TITLE)
    assert article.id in text
    assert documents.FACT in _answer_text(bot, documents.QUESTION)


def test_upload_in_chinese_is_confirmed_in_chinese(bot: RunningBot) -> None:
    bot.fake.user_sends_document(
        documents.as_txt(), "zorblax.txt", user_id=ADMIN, language_code="zh-TW"
    )
    [confirm] = bot.fake.wait_for_bot_messages(ADMIN)
    assert confirm["plain_text"].startswith("已加入")
    assert "語言：英文" in confirm["plain_text"]


def test_same_upload_twice_is_unchanged(bot: RunningBot) -> None:
    bot.fake.user_sends_document(documents.as_txt(), "zorblax.txt", user_id=ADMIN)
    bot.fake.wait_for_bot_messages(ADMIN)
    bot.fake.user_sends_document(documents.as_txt(), "zorblax-copy.txt", user_id=ADMIN)
    [again] = bot.fake.wait_for_bot_messages(ADMIN)
    assert again["plain_text"].startswith("Nothing new")


def test_non_admin_upload_is_refused_and_nothing_stored(
    bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    before = bot.kb.list()
    bot.fake.user_sends_document(documents.as_txt(), "zorblax.txt", user_id=USER)
    [refusal] = bot.fake.wait_for_bot_messages(USER)
    assert "only the bot's admins" in refusal["plain_text"]
    assert bot.kb.list() == before
    assert not bot.fake.calls_of("getFile")
    warnings = [r for r in caplog.records if "refused upload" in r.getMessage()]
    assert warnings and str(USER) in warnings[0].getMessage()
    assert documents.FACT not in caplog.text


def test_too_large_upload_refused_before_download(make_bot: Callable[..., RunningBot]) -> None:
    bot = make_bot(max_upload_mb=0.001)  # about 1 KB
    bot.fake.user_sends_document(b"x" * 5000, "big.txt", user_id=ADMIN)
    [refusal] = bot.fake.wait_for_bot_messages(ADMIN)
    assert "too large" in refusal["plain_text"]
    assert not bot.fake.calls_of("getFile")


@pytest.mark.parametrize(
    ("data", "name", "expected"),
    [
        (b"MZ\x90\x00binary", "tool.exe", "cannot read this kind of file"),
        (b"   \n\n  ", "blank.txt", "no readable text"),
        (b"%PDF-1.4 this is not really a pdf", "broken.pdf", "damaged"),
    ],
)
def test_bad_uploads_are_refused_with_the_reason(
    bot: RunningBot, data: bytes, name: str, expected: str
) -> None:
    before = bot.kb.list()
    bot.fake.user_sends_document(data, name, user_id=ADMIN)
    [refusal] = bot.fake.wait_for_bot_messages(ADMIN)
    assert expected in refusal["plain_text"]
    assert bot.kb.list() == before


def test_add_text_and_add_as_reply(bot: RunningBot) -> None:
    [added] = bot.ask(
        "/add Quelltharp Bridge\n\nThe Quelltharp Bridge over the Shing Mun River opened "
        "to traffic in 2003.",
        user_id=ADMIN,
    )
    assert added["plain_text"].startswith("Added Quelltharp Bridge")
    assert "opened to traffic in 2003" in _answer_text(bot, "when did the Quelltharp Bridge open?")

    note = bot.fake.user_says(
        "The Tarnwick Tramway climbed to the Peak with wooden cars until 1947.", user_id=ADMIN
    )
    bot.fake.wait_for_bot_messages(ADMIN)  # the bot answers it as a question first
    [added] = bot.ask("/add", user_id=ADMIN, reply_to_message_id=note["message_id"])
    assert added["plain_text"].startswith("Added")
    question = "until when did the Tarnwick Tramway climb to the Peak?"
    assert "wooden cars" in _answer_text(bot, question)


def test_add_without_text_shows_usage_and_non_admin_add_refused(bot: RunningBot) -> None:
    [usage] = bot.ask("/add", user_id=ADMIN)
    assert "Usage" in usage["plain_text"]
    before = bot.kb.list()
    [refusal] = bot.ask("/add Some text that must not be stored.", user_id=USER)
    assert "only the bot's admins" in refusal["plain_text"]
    assert bot.kb.list() == before


def test_add_url_fetches_allowed_host_and_refuses_private_address(
    make_bot: Callable[..., RunningBot],
) -> None:
    with serving_page(PAGE) as (port, _):
        bot = make_bot(fetch_allowed_hosts=[f"127.0.0.1:{port}"])
        [added] = bot.ask(f"/add http://127.0.0.1:{port}/lighthouse", user_id=ADMIN)
        assert added["plain_text"].startswith("Added The Vendrill Lighthouse")
        article = next(a for a in bot.kb.list() if a.title == "The Vendrill Lighthouse")
        assert article.url == f"http://127.0.0.1:{port}/lighthouse"
        answer = _answer_text(bot, "when was the Vendrill Lighthouse first lit?")
        assert PAGE_FACT in answer

        before = bot.kb.list()
        [refused] = bot.ask(f"/add http://localhost:{port}/lighthouse", user_id=ADMIN)
        assert "not a public web page" in refused["plain_text"]
        [refused] = bot.ask("/add http://10.1.2.3/internal", user_id=ADMIN)
        assert "not a public web page" in refused["plain_text"]
        assert bot.kb.list() == before


def test_articles_pages_remove_with_confirmation(bot: RunningBot) -> None:
    fake = bot.fake
    [page] = bot.ask("/articles", user_id=ADMIN)
    total = len(bot.kb.list())
    assert f"of {total}" in page["plain_text"]
    first_id = bot.kb.list()[0].id
    assert first_id in page["plain_text"]
    fake.user_presses(page, "arts:10", user_id=ADMIN)
    second = fake.wait_for_bot_text(ADMIN, f"11–{total} of {total}")
    assert bot.kb.list()[10].id in second["plain_text"]

    [confirm] = bot.ask(f"/remove {first_id[:6]}", user_id=ADMIN)
    assert "Remove" in confirm["plain_text"] and first_id in confirm["plain_text"]
    assert any(a.id == first_id for a in bot.kb.list())  # nothing removed yet
    fake.user_presses(confirm, f"rm:{first_id}", user_id=ADMIN)
    fake.wait_for_bot_text(ADMIN, "Removed")
    assert all(a.id != first_id for a in bot.kb.list())

    [missing] = bot.ask("/remove ffffffffff", user_id=ADMIN)
    assert "no article" in missing["plain_text"]


def test_remove_cancel_and_non_admin_cannot_confirm(bot: RunningBot) -> None:
    article_id = bot.kb.list()[0].id
    [confirm] = bot.ask(f"/remove {article_id}", user_id=ADMIN)
    bot.fake.user_presses(confirm, f"rm:{article_id}", user_id=USER)
    bot.fake.wait_until(lambda: bot.fake.callback_answers, description="callback answered")
    assert bot.fake.callback_answers[-1]["show_alert"] is True
    assert any(a.id == article_id for a in bot.kb.list())
    bot.fake.user_presses(confirm, "rmx", user_id=ADMIN)
    bot.fake.wait_for_bot_text(ADMIN, "Nothing was removed")
    assert any(a.id == article_id for a in bot.kb.list())


def test_stats_for_admins_only(bot: RunningBot) -> None:
    bot.ask("which HK university trained a DeepSeek founder")
    bot.ask("what is the weather on mars tomorrow")
    [stats] = bot.ask("/stats", user_id=ADMIN)
    text = stats["plain_text"]
    assert f"Articles: {len(bot.kb.list())}" in text
    assert "Questions asked: 2" in text and "Answered: 50%" in text
    [refusal] = bot.ask("/stats", user_id=USER)
    assert "only the bot's admins" in refusal["plain_text"]
