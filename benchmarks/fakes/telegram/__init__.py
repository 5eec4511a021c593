"""A fake Telegram Bot API for offline tests and benchmarks.

The bot under test is an *unmodified* python-telegram-bot (PTB) application. It talks real
HTTP to this fake (``base_url=fake.base_url``, ``base_file_url=fake.base_file_url``) in the
end-to-end tests -- serving, webhooks, floods -- which exercises the bot's actual request
encoding, its error handling (``BadRequest``, ``RetryAfter``, ``NetworkError``) and its long
polling; handler tests plug ``InProcessRequest`` into PTB's request seam instead and skip the
sockets. Either way the fake validates requests the way Telegram does (HTML formatting, message
length, callback query ids, "message is not modified", ...) instead of accepting anything.

Typical use::

    with running_fake() as fake:
        app = (
            Application.builder().token(fake.token)
            .base_url(fake.base_url).base_file_url(fake.base_file_url).build()
        )
        ...  # start the app in its own thread / event loop
        fake.user_says("/start", user_id=42)
        [reply] = fake.wait_for_bot_messages(42)
        assert "Welcome" in reply["plain_text"]

The parts, one concern each:
    entities.py   Telegram's text rules: HTML parsing (400 "can't parse entities"), UTF-16
    state.py      users, chats, messages, members, the update queue, the webhook: one lock
    methods/      the Bot API methods, by area (updates, messages, queries, profile, chats)
    calls.py      one call: routing, recording, planned faults (errors, 429 storms), answer
    http.py       the HTTP server and request parsing
    request.py    the in-process request (PTB's BaseRequest)
    users.py      the test playing users;  observe.py  the test watching the bot
    fake.py       FakeTelegram, which puts these together, and running_fake()
"""

from benchmarks.fakes.telegram.entities import (
    HtmlParseError,
    ParsedText,
    find_auto_entities,
    parse_html,
    utf16_len,
)
from benchmarks.fakes.telegram.fake import FakeTelegram, running_fake
from benchmarks.fakes.telegram.methods.common import MAX_MESSAGE_LENGTH
from benchmarks.fakes.telegram.state import DEFAULT_TOKEN, DEFAULT_USER_ID

__all__ = [
    "DEFAULT_TOKEN",
    "DEFAULT_USER_ID",
    "MAX_MESSAGE_LENGTH",
    "FakeTelegram",
    "HtmlParseError",
    "ParsedText",
    "find_auto_entities",
    "parse_html",
    "running_fake",
    "utf16_len",
]
