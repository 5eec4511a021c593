"""Tests for the fake Telegram server, through raw HTTP and through an unmodified PTB Bot.

Bot tests trust this fake to behave like Telegram; these tests pin down the behaviours they
rely on (validation errors, long polling, markers) so a regression here cannot silently turn
bot tests green.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dtm
import json
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllPrivateChats,
    ChatMemberRestricted,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, InvalidToken, NetworkError, RetryAfter
from telegram.ext import Application, CommandHandler, ContextTypes

from benchmarks.fakes.telegram.methods.updates import get_updates
from benchmarks.fakes.telegram_server import (
    FakeTelegram,
    HtmlParseError,
    InProcessRequest,
    find_auto_entities,
    parse_html,
    running_fake,
    utf16_len,
)
from tests.waiting import wait_until_some_thread_waits_in

TOKEN = "123456:TEST-TOKEN"
USER = 4242


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    with running_fake(token=TOKEN, bot_username="citebot_test_bot") as server:
        yield server


def api(fake: FakeTelegram, method: str, **params: object) -> httpx.Response:
    """POST form-encoded like PTB does, JSON-encoding non-string values."""
    data = {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}
    return httpx.post(f"{fake.base_url}{fake.token}/{method}", data=data, timeout=10)


def make_bot(fake: FakeTelegram) -> Bot:
    return Bot(**fake.ptb_kwargs)


# ------------------------------------------------------------------------- HTML parser unit


@pytest.mark.parametrize(
    ("html", "reason"),
    [
        ("a < b", 'Unsupported start tag "" at byte offset 2'),
        ("<foo>x</foo>", 'Unsupported start tag "foo" at byte offset 0'),
        ("é <foo>", 'Unsupported start tag "foo" at byte offset 3'),  # byte offsets, not chars
        ("<b>bold", 'Can\'t find end tag corresponding to start tag "b"'),
        ("text</b>", "Unexpected end tag at byte offset 4"),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("<b", "Unclosed start tag at byte offset 0"),
        ('<span class="x">s</span>', 'Tag "span" must have class "tg-spoiler"'),
        ("AT&T", "byte offset 2"),
        ("&nbsp;", "byte offset 0"),
        ("&amp no semicolon", "byte offset 0"),
    ],
)
def test_parse_html_rejects_like_telegram(html: str, reason: str) -> None:
    with pytest.raises(HtmlParseError) as info:
        parse_html(html)
    assert reason in str(info.value)


def test_parse_html_entities_and_offsets() -> None:
    html = (
        '😀 <b>bold <i>both</i></b> &lt;&gt;&amp;&quot;&#39;&#x41; <a href="https://e.x/?a=1&amp;b=2">'
        'link</a> <tg-spoiler>s</tg-spoiler> <pre><code class="language-python">x = 1</code></pre>'
        "<blockquote expandable>q</blockquote>"
    )
    text, entities = parse_html(html)
    assert text == "😀 bold both <>&\"'A link s x = 1q"
    by_type = {e["type"]: e for e in entities}
    assert by_type["bold"] == {"type": "bold", "offset": 3, "length": 9}  # emoji = 2 units
    assert by_type["italic"] == {"type": "italic", "offset": 8, "length": 4}
    assert by_type["text_link"]["url"] == "https://e.x/?a=1&b=2"
    assert by_type["pre"]["language"] == "python"
    assert "code" not in by_type  # merged into pre like Telegram does
    assert by_type["expandable_blockquote"]["length"] == 1
    assert parse_html("AT&T", strict_ampersand=False).text == "AT&T"  # Telegram's leniency


def test_auto_entities_use_utf16_offsets() -> None:
    text = "/ask@citebot_test_bot 😀👍 hi @some_user, mail a@example.com"
    entities = find_auto_entities(text)
    assert entities == [
        {"type": "bot_command", "offset": 0, "length": 21},
        {"type": "mention", "offset": 30, "length": 10},
    ]
    assert text.encode("utf-16-le")[30 * 2 : 40 * 2].decode("utf-16-le") == "@some_user"


# ------------------------------------------------------------------------- raw HTTP


def test_tokens_methods_and_body_encodings(fake: FakeTelegram) -> None:
    wrong = httpx.post(f"{fake.base_url}999:WRONG/getMe")
    assert wrong.status_code == 401
    assert wrong.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}
    assert httpx.get(f"{fake.base_url}not-a-token/getMe").status_code == 404
    unknown = api(fake, "sendPigeon", chat_id=1)
    assert (unknown.status_code, unknown.json()["description"]) == (404, "Not Found")

    assert httpx.get(f"{fake.base_url}{fake.token}/getme").json()["result"]["id"] == 123456
    fake.add_chat(USER)
    by_json = httpx.post(
        f"{fake.base_url}{fake.token}/sendMessage", json={"chat_id": USER, "text": "json"}
    )
    by_query = httpx.post(f"{fake.base_url}{fake.token}/sendMessage?chat_id={USER}&text=query")
    by_multipart = httpx.post(
        f"{fake.base_url}{fake.token}/sendMessage",
        data={"chat_id": str(USER), "text": "multi 😀"},
        files={"ignored": ("a.txt", b"x")},
    )
    assert [r.json()["result"]["text"] for r in (by_json, by_query, by_multipart)] == [
        "json",
        "query",
        "multi 😀",
    ]
    assert fake.calls_of("sendMessage")[0]["chat_id"] == USER  # normalised to int


def test_get_updates_offset_and_limit(fake: FakeTelegram) -> None:
    for text in ("one", "two", "three"):
        fake.user_says(text, user_id=USER)
    updates = api(fake, "getUpdates", limit=2).json()["result"]
    assert [u["message"]["text"] for u in updates] == ["one", "two"]
    again = api(fake, "getUpdates", offset=updates[1]["update_id"] + 1).json()["result"]
    assert [u["message"]["text"] for u in again] == ["three"]
    assert len(fake.pending_updates()) == 1  # confirmed updates are dropped


def test_long_poll_returns_as_soon_as_a_message_arrives(fake: FakeTelegram) -> None:
    result: dict[str, list[dict]] = {}

    def poll() -> None:
        # A poll that would wait a minute: answered within the join below only if the
        # message woke it.
        result["updates"] = api(fake, "getUpdates", timeout=60).json()["result"]

    poller = threading.Thread(target=poll)
    poller.start()
    wait_until_some_thread_waits_in(get_updates)  # the poll is parked
    fake.user_says("wake up", user_id=USER)
    poller.join(timeout=30)
    assert not poller.is_alive(), "the message did not end the long poll"
    assert [u["message"]["text"] for u in result["updates"]] == ["wake up"]


def test_stop_releases_pending_long_poll() -> None:
    fake = FakeTelegram(token=TOKEN).start()
    outcome: dict[str, int] = {}
    done = threading.Event()

    def poll() -> None:
        with contextlib.suppress(httpx.HTTPError):
            outcome["status"] = api(fake, "getUpdates", timeout=60).status_code
        done.set()

    threading.Thread(target=poll, daemon=True).start()
    wait_until_some_thread_waits_in(get_updates)  # the poll is parked
    fake.stop()
    # The poll would wait a minute: answered within this wait only if stop() released it.
    assert done.wait(30), "stop() did not release the long poll"
    assert outcome == {"status": 200}  # answered (empty), not cut off


def test_flood_window_and_transient_faults(fake: FakeTelegram) -> None:
    fake.add_chat(USER)
    # 2 s, not 0.3: on a loaded machine the calls below took longer than the whole storm.
    fake.flood("sendMessage", seconds=2.0, retry_after=2)
    storm_ends = time.monotonic() + 2.0  # no earlier than the fake's own end of it
    storm = api(fake, "sendMessage", chat_id=USER, text="x")
    assert storm.status_code == 429
    assert storm.json()["parameters"] == {"retry_after": 2}
    assert api(fake, "sendChatAction", chat_id=USER, action="typing").status_code == 200
    time.sleep(max(0.0, storm_ends - time.monotonic()) + 0.05)  # the storm's end is under test
    assert api(fake, "sendMessage", chat_id=USER, text="x").status_code == 200

    fake.fail_next("sendMessage", 502, body=b"<html>502 Bad Gateway</html>")
    fake.fail_next("sendMessage", 500, times=2)
    assert api(fake, "sendMessage", chat_id=USER, text="x").status_code == 502
    assert api(fake, "sendMessage", chat_id=USER, text="x").json()["error_code"] == 500
    assert api(fake, "sendMessage", chat_id=USER, text="x").status_code == 500
    assert api(fake, "sendMessage", chat_id=USER, text="x").status_code == 200
    assert len(fake.bot_messages(USER)) == 2
    assert [e["status"] for e in fake.errors] == [429, 502, 500, 500]


def test_webhook_and_polling_conflicts(fake: FakeTelegram) -> None:
    fake.user_says("queued", user_id=USER)
    assert api(fake, "setWebhook", url="http://insecure").status_code == 400
    assert api(fake, "setWebhook", url="https://example.org/hook").json()["result"] is True
    assert (fake.webhook_url, len(fake.pending_updates())) == ("https://example.org/hook", 1)
    assert api(fake, "getUpdates").status_code == 409
    assert api(fake, "deleteWebhook", drop_pending_updates=True).json()["result"] is True
    assert api(fake, "getUpdates").json()["result"] == []

    statuses: list[int] = []
    first = threading.Thread(
        target=lambda: statuses.append(api(fake, "getUpdates", timeout=5).status_code)
    )
    first.start()
    wait_until_some_thread_waits_in(get_updates)  # the first poll is parked
    assert api(fake, "getUpdates", timeout=0).status_code == 200  # a second poller...
    first.join(timeout=5)
    assert statuses == [409]  # ...terminates the first, like two bot instances would
    assert "terminated by other getUpdates request" in fake.errors[-1]["description"]


# ------------------------------------------------------------------------- through PTB


def test_ptb_get_me_and_send_html(fake: FakeTelegram) -> None:
    fake.user_says("hi", user_id=USER, first_name="Ann", username="ann_h")

    async def scenario() -> None:
        async with make_bot(fake) as bot:
            assert bot.username == "citebot_test_bot"
            assert bot.id == 123456
            sent = await bot.send_message(
                USER, "<b>Answer</b> from <i>doc &amp; co</i>", parse_mode=ParseMode.HTML
            )
            assert sent.text == "Answer from doc & co"
            assert sent.from_user.id == bot.id
            assert [(e.type, e.offset, e.length) for e in sent.entities] == [
                ("bold", 0, 6),
                ("italic", 12, 8),
            ]

    asyncio.run(scenario())
    [record] = fake.bot_messages(USER)
    assert record["text"] == "<b>Answer</b> from <i>doc &amp; co</i>"
    assert record["plain_text"] == "Answer from doc & co"
    assert record["parse_mode"] == "HTML"


def test_ptb_validation_errors(fake: FakeTelegram) -> None:
    fake.add_chat(USER)

    async def scenario() -> None:
        async with make_bot(fake) as bot:
            with pytest.raises(
                BadRequest,
                match=r"(?i)can't parse entities: unsupported start tag \"2\" at byte offset 2",
            ):
                await bot.send_message(USER, "1 <2> 3", parse_mode=ParseMode.HTML)
            with pytest.raises(BadRequest, match=r"(?i)can't parse entities: can't find end tag"):
                await bot.send_message(USER, "<b>open", parse_mode=ParseMode.HTML)
            with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
                await bot.send_message(USER, "Q&A", parse_mode=ParseMode.HTML)
            with pytest.raises(BadRequest, match="Message is too long"):
                await bot.send_message(USER, "x" * 4097)
            with pytest.raises(BadRequest, match="Message is too long"):
                await bot.send_message(USER, "😀" * 2049)  # 4098 UTF-16 units
            # 4096 visible characters, but much longer raw text: accepted.
            raw = "<b>" + "&amp;" * 4000 + "</b>" + "y" * 96
            sent = await bot.send_message(USER, raw, parse_mode=ParseMode.HTML)
            assert utf16_len(sent.text) == 4096
            with pytest.raises(BadRequest, match="Message text is empty"):
                await bot.send_message(USER, "<b> </b>", parse_mode=ParseMode.HTML)
            with pytest.raises(BadRequest, match="Chat not found"):
                await bot.send_message(777, "who?")
            with pytest.raises(BadRequest, match="Button_data_invalid"):
                keyboard = [[InlineKeyboardButton("x", callback_data="d" * 65)]]
                await bot.send_message(USER, "k", reply_markup=InlineKeyboardMarkup(keyboard))

    asyncio.run(scenario())
    assert len(fake.bot_messages(USER)) == 1


# PTB 22.x's own RetryAfter.__init__ warns unless PTB_TIMEDELTA=1 is set.
@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
def test_ptb_retry_after_and_network_errors(fake: FakeTelegram) -> None:
    fake.add_chat(USER)
    fake.fail_next("sendMessage", error_code=429, retry_after=1)
    fake.fail_next("sendMessage", error_code=502, body=b"<html>bad gateway</html>")

    async def scenario() -> None:
        async with make_bot(fake) as bot:
            with pytest.raises(RetryAfter) as info:
                await bot.send_message(USER, "x")
            retry_after = info.value.retry_after
            if isinstance(retry_after, dtm.timedelta):
                retry_after = retry_after.total_seconds()
            assert retry_after == 1
            assert "Too Many Requests: retry after 1" in fake.errors[0]["description"]
            with pytest.raises(NetworkError):
                await bot.send_message(USER, "x")
            await bot.send_message(USER, "x")

    asyncio.run(scenario())


def test_ptb_wrong_token_is_invalid_token(fake: FakeTelegram) -> None:
    async def scenario() -> None:
        bot = Bot("999:WRONG", base_url=fake.base_url, base_file_url=fake.base_file_url)
        with pytest.raises(InvalidToken):
            async with bot:  # initialize() calls getMe; the context closes the HTTP client
                pass

    asyncio.run(scenario())


def test_ptb_get_file_and_download(fake: FakeTelegram) -> None:
    payload = bytes(range(256)) * 10
    message = fake.user_sends_document(payload, "paper 1.pdf", user_id=USER, caption="/add")
    document = message["document"]
    assert document["file_name"] == "paper 1.pdf"
    assert document["mime_type"] == "application/pdf"
    assert document["file_size"] == len(payload)
    assert message["caption_entities"] == [{"type": "bot_command", "offset": 0, "length": 4}]

    async def scenario() -> bytearray:
        async with make_bot(fake) as bot:
            [update] = await bot.get_updates()
            assert update.message.document.file_unique_id == document["file_unique_id"]
            file = await bot.get_file(update.message.document.file_id)
            assert file.file_size == len(payload)
            with pytest.raises(BadRequest, match=r"(?i)wrong file_id"):
                await bot.get_file("nope")
            return await file.download_as_bytearray()

    assert bytes(asyncio.run(scenario())) == payload


def test_user_messages_replies_and_topics(fake: FakeTelegram) -> None:
    first = fake.user_says("😀 ask @citebot_test_bot /help", user_id=USER)
    assert first["chat"] == {"id": USER, "type": "private", "first_name": f"User{USER}"}
    assert first["entities"] == [
        {"type": "mention", "offset": 7, "length": 17},
        {"type": "bot_command", "offset": 25, "length": 5},
    ]
    fake.add_chat(USER)

    async def send() -> int:
        async with make_bot(fake) as bot:
            sent = await bot.send_message(USER, "answer", reply_to_message_id=first["message_id"])
            assert sent.reply_to_message.text == first["text"]
            return sent.message_id

    bot_message_id = asyncio.run(send())
    assert fake.bot_messages(USER)[0]["reply_to_message_id"] == first["message_id"]
    follow_up = fake.user_says("more?", user_id=USER, reply_to_message_id=bot_message_id)
    assert follow_up["reply_to_message"]["from"]["is_bot"] is True
    assert "reply_to_message" not in follow_up["reply_to_message"]  # one level only

    fake.add_chat(-1001234, "supergroup", is_forum=True)
    topic = fake.user_says("in topic", user_id=USER, chat_id=-1001234, message_thread_id=77)
    assert topic["chat"]["is_forum"] is True
    assert topic["message_thread_id"] == 77
    assert topic["is_topic_message"] is True
    assert topic["reply_to_message"]["forum_topic_created"]["name"] == "Topic 77"
    group = fake.user_says("hello group", user_id=USER, chat_id=-555)
    assert group["chat"]["type"] == "group"

    async def decode() -> None:
        async with make_bot(fake) as bot:
            updates = await bot.get_updates()
            assert updates[-2].message.is_topic_message
            assert updates[-2].message.message_thread_id == 77
            assert updates[0].message.entities[0].type == "mention"

    asyncio.run(decode())


def test_callback_query_and_edit_flow(fake: FakeTelegram) -> None:
    fake.user_says("/start", user_id=USER)
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("More", callback_data="more:1")]])

    async def send() -> None:
        async with make_bot(fake) as bot:
            await bot.send_message(USER, "Pick", reply_markup=keyboard)

    asyncio.run(send())
    [message] = fake.wait_for_bot_messages(USER)
    assert message["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "more:1"
    with pytest.raises(ValueError, match="no button"):
        fake.user_presses(message, "other")
    query_id = fake.user_presses(message, "more:1")

    async def handle() -> None:
        async with make_bot(fake) as bot:
            updates = await bot.get_updates()
            query = updates[-1].callback_query
            assert (query.id, query.data, query.from_user.id) == (query_id, "more:1", USER)
            assert query.message.message_id == message["message_id"]
            assert await query.answer("ok")
            with pytest.raises(BadRequest, match="Query is too old"):
                await query.answer("twice")
            with pytest.raises(BadRequest, match="Query is too old"):
                await bot.answer_callback_query("123")
            with pytest.raises(BadRequest, match="Message is not modified"):
                await query.edit_message_text("Pick", reply_markup=keyboard)
            with pytest.raises(BadRequest, match="Message is not modified"):
                await query.edit_message_reply_markup(keyboard)
            bare = InlineKeyboardMarkup([[InlineKeyboardButton("Site", url="example.org")]])
            assert (await query.edit_message_reply_markup(bare)).reply_markup == bare
            edited = await query.edit_message_text("<b>Picked</b>", parse_mode=ParseMode.HTML)
            assert edited.text == "Picked"
            assert edited.reply_markup is None  # no reply_markup in an edit removes it
            with pytest.raises(BadRequest, match="Message to edit not found"):
                await bot.edit_message_text("x", chat_id=USER, message_id=999)

    asyncio.run(handle())
    [record] = fake.bot_messages(USER)
    assert record["plain_text"] == "Picked"
    assert [e["plain_text"] for e in record["edits"]] == ["Pick", "Pick"]
    assert record["edits"][1]["reply_markup"]["inline_keyboard"][0][0]["url"] == "example.org"
    assert fake.callback_answers[0]["text"] == "ok"
    picked = fake.wait_for_bot_text(USER, "Picked", after=query_id)
    assert picked["message_id"] == message["message_id"]


def test_inline_query_flow(fake: FakeTelegram) -> None:
    query_id = fake.user_inline_query("what is bm25", user_id=USER)

    def article(result_id: str, text: str) -> InlineQueryResultArticle:
        content = InputTextMessageContent(text, parse_mode=ParseMode.HTML)
        markup = InlineKeyboardMarkup([[InlineKeyboardButton("src", callback_data="s")]])
        return InlineQueryResultArticle(result_id, "title", content, reply_markup=markup)

    async def answer() -> None:
        async with make_bot(fake) as bot:
            [update] = await bot.get_updates()
            assert update.inline_query.query == "what is bm25"
            with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
                await bot.answer_inline_query(query_id, [article("1", "<b>oops")])
            with pytest.raises(BadRequest, match="Message is too long"):
                await bot.answer_inline_query(query_id, [article("1", "z" * 5000)])
            await bot.answer_inline_query(query_id, [article("1", "<b>BM25</b> ranks")])

    asyncio.run(answer())
    [answered] = fake.inline_answers
    assert answered["results"][0]["input_message_content"]["message_text"] == "<b>BM25</b> ranks"
    inline_message_id = fake.user_chooses_inline_result(query_id, "1")

    async def edit() -> None:
        async with make_bot(fake) as bot:
            updates = await bot.get_updates(offset=-1)
            assert updates[0].chosen_inline_result.inline_message_id == inline_message_id
            assert await bot.edit_message_text("updated", inline_message_id=inline_message_id)

    asyncio.run(edit())
    assert fake.inline_messages()[0]["plain_text"] == "updated"


def test_commands_chat_actions_and_delete(fake: FakeTelegram) -> None:
    fake.user_says("hi", user_id=USER)

    async def scenario() -> None:
        async with make_bot(fake) as bot:
            commands = [BotCommand("ask", "Ask a question"), BotCommand("help", "Help")]
            assert await bot.set_my_commands(commands)
            assert await bot.set_my_commands(
                commands[:1], scope=BotCommandScopeAllPrivateChats(), language_code="zh"
            )
            with pytest.raises(BadRequest, match="Bot_command_invalid"):
                await bot.set_my_commands([BotCommand("Ask", "bad")])
            await bot.send_chat_action(USER, "typing")
            sent = await bot.send_message(USER, "temporary")
            assert await sent.delete()
            with pytest.raises(BadRequest, match="Message to delete not found"):
                await sent.delete()
            member = await bot.get_chat_member(USER, USER)
            assert member.status == "member"

    asyncio.run(scenario())
    assert fake.commands_for() == [
        {"command": "ask", "description": "Ask a question"},
        {"command": "help", "description": "Help"},
    ]
    assert fake.commands_for({"type": "all_private_chats"}, "zh")[0]["command"] == "ask"
    assert fake.chat_actions == [{"chat_id": USER, "action": "typing", "message_thread_id": None}]
    assert fake.bot_messages(USER)[0]["deleted"] is True


def test_descriptions_by_language_with_telegrams_limits(fake: FakeTelegram) -> None:
    async def scenario() -> None:
        async with make_bot(fake) as bot:
            assert await bot.set_my_description("About 3 articles")
            assert await bot.set_my_description("关于 3 篇文章", language_code="zh")
            assert await bot.set_my_short_description("Cited answers")
            with pytest.raises(BadRequest, match="too long"):
                await bot.set_my_short_description("x" * 121)
            with pytest.raises(BadRequest, match="too long"):
                await bot.set_my_description("x" * 513)
            with pytest.raises(BadRequest, match="language code"):
                await bot.set_my_description("x", language_code="zh-hant")

    asyncio.run(scenario())
    assert fake.description("zh") == "关于 3 篇文章"
    assert fake.description("fr") == "About 3 articles"  # the default, as a user sees it
    assert fake.description("zh", short=True) == "Cited answers"


def test_get_chat_member_answers_as_telegram_does(fake: FakeTelegram) -> None:
    """Writers of a group are members, others have "left"; unknown users and chats are 400s."""
    group, stranger, muted, gone = -1001234567890, 5151, 6161, 7171
    fake.user_says("hello", user_id=USER, chat_id=group)
    fake.add_user(stranger)
    fake.set_chat_member(group, muted, "restricted")
    fake.set_chat_member(group, gone, "restricted", is_member=False)
    fake.add_user(muted)
    fake.add_user(gone)

    async def scenario() -> None:
        async with make_bot(fake) as bot:
            assert (await bot.get_chat_member(group, USER)).status == "member"
            assert (await bot.get_chat_member(group, stranger)).status == "left"
            restricted = await bot.get_chat_member(group, muted)
            assert isinstance(restricted, ChatMemberRestricted) and restricted.is_member is True
            gone_member = await bot.get_chat_member(group, gone)
            assert isinstance(gone_member, ChatMemberRestricted) and gone_member.is_member is False
            with pytest.raises(BadRequest, match="User not found"):
                await bot.get_chat_member(group, 999_999)
            with pytest.raises(BadRequest, match="Chat not found"):
                await bot.get_chat_member(-100999, USER)

    asyncio.run(scenario())
    assert len(fake.calls_of("getChatMember")) == 6
    with pytest.raises(ValueError, match="unknown chat member status"):
        fake.set_chat_member(group, USER, "banned")


def test_markers_and_silence(fake: FakeTelegram) -> None:
    fake.add_chat(USER)
    api(fake, "sendMessage", chat_id=USER, text="before")
    fake.user_says("question", user_id=USER)
    with pytest.raises(AssertionError, match="expected 1 bot message"):
        fake.wait_for_bot_messages(USER, timeout=0.1)
    fake.assert_no_bot_message(USER, within=0.1)
    threading.Timer(0.1, lambda: api(fake, "sendMessage", chat_id=USER, text="reply")).start()
    [reply] = fake.wait_for_bot_messages(USER, timeout=5)
    assert reply["plain_text"] == "reply"
    with pytest.raises(AssertionError, match="expected silence"):
        fake.assert_no_bot_message(USER, within=0.1)
    mark = fake.mark()
    fake.assert_no_bot_message(USER, within=0.05, after=mark)
    assert [m["plain_text"] for m in fake.wait_for_bot_messages(USER, after=0, count=2)] == [
        "before",
        "reply",
    ]


def test_ptb_application_end_to_end(fake: FakeTelegram) -> None:
    """The intended usage: a real Application polling the fake, driven from the test."""

    async def ask(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        question = " ".join(context.args or [])
        await update.effective_message.reply_html(f"You asked: <i>{question}</i>")

    async def scenario() -> None:
        app = (
            Application.builder()
            .token(fake.token)
            .base_url(fake.base_url)
            .base_file_url(fake.base_file_url)
            .build()
        )
        app.add_handler(CommandHandler("ask", ask))
        async with app:
            await app.updater.start_polling(poll_interval=0, timeout=1)  # type: ignore[union-attr]
            await app.start()
            try:
                fake.user_says("/ask what is rrf", user_id=USER)
                replies = await asyncio.to_thread(fake.wait_for_bot_messages, USER, 1, 5.0)
                assert replies[0]["plain_text"] == "You asked: what is rrf"
            finally:
                await app.updater.stop()  # type: ignore[union-attr]
                await app.stop()

    asyncio.run(scenario())
    assert fake.pending_updates() == []  # PTB confirmed the update on shutdown
    assert fake.errors == []
    # PTB's cancelled long poll was superseded by its cleanup getUpdates (offset confirm):
    assert [c["status"] for c in fake.call_log if c["abandoned"]] in ([], [409])


# PTB 22.x's own RetryAfter.__init__ warns unless PTB_TIMEDELTA=1 is set.
@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
def test_in_process_request_gets_the_answers_http_gets() -> None:
    """PTB's request seam in process: no server started, the same answers and errors."""
    fake = FakeTelegram(token=TOKEN)
    payload = b"%PDF-1.4 in process"
    sent = fake.user_sends_document(payload, "p.pdf", user_id=USER, caption="/add")
    fake.fail_next("sendMessage", error_code=429, retry_after=3)

    async def scenario() -> bytearray:
        bot = Bot(TOKEN, request=InProcessRequest(fake), get_updates_request=InProcessRequest(fake))
        async with bot:
            assert bot.username == "citebot_test_bot"
            [update] = await bot.get_updates(timeout=5)
            assert update.message.document.file_name == "p.pdf"  # type: ignore[union-attr]
            with pytest.raises(RetryAfter):
                await bot.send_message(USER, "x")
            with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
                await bot.send_message(USER, "<b>open", parse_mode=ParseMode.HTML)
            reply = await bot.send_message(USER, "<b>ok</b>", parse_mode=ParseMode.HTML)
            assert reply.text == "ok"
            file = await bot.get_file(sent["document"]["file_id"])
            return await file.download_as_bytearray()

    assert bytes(asyncio.run(scenario())) == payload
    assert [r["plain_text"] for r in fake.bot_messages(USER)] == ["ok"]
    assert [(e["method"], e["status"]) for e in fake.errors] == [
        ("sendMessage", 429),
        ("sendMessage", 400),
    ]
    fake.stop()
