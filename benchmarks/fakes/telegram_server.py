"""The fake Telegram Bot API's public entry, kept where tests and benchmarks import it from;
the fake itself is the package benchmarks/fakes/telegram/ (its docstring maps the parts)."""

from benchmarks.fakes.telegram import (
    DEFAULT_TOKEN,
    DEFAULT_USER_ID,
    MAX_MESSAGE_LENGTH,
    FakeTelegram,
    HtmlParseError,
    ParsedText,
    find_auto_entities,
    parse_html,
    running_fake,
    utf16_len,
)
from benchmarks.fakes.telegram.request import InProcessRequest

__all__ = [
    "DEFAULT_TOKEN",
    "DEFAULT_USER_ID",
    "MAX_MESSAGE_LENGTH",
    "FakeTelegram",
    "HtmlParseError",
    "InProcessRequest",
    "ParsedText",
    "find_auto_entities",
    "parse_html",
    "running_fake",
    "utf16_len",
]
