"""A fake Telegram Bot API server for offline tests and benchmarks.

The bot under test is an *unmodified* python-telegram-bot (PTB) application that talks real
HTTP to this server (``base_url=fake.base_url``, ``base_file_url=fake.base_file_url``).  Going
through real HTTP instead of mocking ``telegram.Bot`` exercises the bot's actual request
encoding, its error handling (``BadRequest``, ``RetryAfter``, ``NetworkError``) and its long
polling -- the places where bugs otherwise only show up in production.  For the same reason the
server validates requests the way Telegram does (HTML formatting, message length, callback
query ids, "message is not modified", ...) instead of accepting anything.

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

The ``wait_for_*`` / ``assert_no_bot_message`` helpers block the calling thread.  Inside the
event loop that runs PTB, call them via ``await asyncio.to_thread(fake.wait_for_bot_messages,
chat_id)``, or PTB cannot run while you wait.  The ``user_*`` methods never block.

Threading model: the HTTP server answers each connection in its own thread, tests drive the
fake from the main thread and PTB runs in its own event loop.  All state lives behind one
re-entrant lock with a ``threading.Condition`` so that waits (long polls, ``wait_for_*``) wake
up as soon as anything changes.
"""

from __future__ import annotations

import contextlib
import copy
import itertools
import json
import mimetypes
import re
import secrets
import select
import socket
import threading
import time
import traceback
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email.message import Message as _MimeHeaders
from email.utils import collapse_rfc2231_value
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, NamedTuple, TypeVar
from urllib.parse import parse_qsl, unquote, urlsplit

JSON = dict[str, Any]
T = TypeVar("T")

MAX_MESSAGE_LENGTH = 4096
MAX_CALLBACK_DATA_BYTES = 64
MAX_CALLBACK_ANSWER_LENGTH = 200
MAX_INLINE_RESULTS = 50
MAX_DOWNLOAD_SIZE = 20 * 1024 * 1024
DEFAULT_USER_ID = 1001
DEFAULT_TOKEN = "123456:TEST-TOKEN"
DEFAULT_BOT_USERNAME = "citebot_test_bot"

_TOKEN_SHAPE = re.compile(r"^\d+:[A-Za-z0-9_-]+$")

# --------------------------------------------------------------------------------------------
# Telegram-style text handling (pure functions, usable on their own in unit tests)
# --------------------------------------------------------------------------------------------


class HtmlParseError(ValueError):
    """Carries tdlib's wording so the fake's 400 descriptions read like Telegram's own."""


class ParsedText(NamedTuple):
    """Text as Telegram stores it: markup removed, entities with UTF-16 offsets."""

    text: str
    entities: list[JSON]


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit Telegram uses for limits and entity offsets."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _utf16_prefix(text: str) -> list[int]:
    """prefix[i] = UTF-16 offset of code point i; lets us convert str indices in O(1)."""
    prefix = [0]
    for char in text:
        prefix.append(prefix[-1] + (2 if ord(char) > 0xFFFF else 1))
    return prefix


_SUPPORTED_TAGS = frozenset(
    {
        "a",
        "b",
        "strong",
        "i",
        "em",
        "s",
        "strike",
        "del",
        "u",
        "ins",
        "tg-spoiler",
        "tg-emoji",
        "span",
        "pre",
        "code",
        "blockquote",
    }
)
_SIMPLE_TAG_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "code": "code",
}
_NAMED_ENTITIES = {b"lt": "<", b"gt": ">", b"amp": "&", b"quot": '"'}


def _is_space(c: int) -> bool:
    # tdlib's is_space() also counts NUL; our at() yields 0 past the end, which ends scans.
    return c in (0x20, 0x09, 0x0D, 0x0A, 0x0B, 0x00)


def _is_ascii_alnum(c: int) -> bool:
    return 0x30 <= c <= 0x39 or 0x41 <= c <= 0x5A or 0x61 <= c <= 0x7A


def _is_ascii_alpha(c: int) -> bool:
    return 0x41 <= c <= 0x5A or 0x61 <= c <= 0x7A


def _hex_value(c: int) -> int | None:
    if 0x30 <= c <= 0x39:
        return c - 0x30
    if 0x41 <= c <= 0x46:
        return c - 0x41 + 10
    if 0x61 <= c <= 0x66:
        return c - 0x61 + 10
    return None


def _decode_html_entity(data: bytes, pos: int, *, strict: bool) -> tuple[str, int] | None:
    """Decode the character reference starting at ``data[pos]`` (an ``&``), like tdlib.

    Returns the character and the index after the reference, or None when ``&`` does not start
    a recognised reference.  tdlib treats the trailing ``;`` as optional; strict mode requires
    it, because a missing ``;`` always means the text was not escaped properly.
    """
    n = len(data)
    end = pos + 1
    if end < n and data[end] == 0x23:  # '#'
        end += 1
        value = 0
        if end < n and data[end] == 0x78:  # 'x' (tdlib accepts lower-case only)
            end += 1
            while end < n and (digit := _hex_value(data[end])) is not None:
                value = value * 16 + digit
                end += 1
                if value >= 0x10FFFF:
                    return None
        else:
            while end < n and 0x30 <= data[end] <= 0x39:
                value = value * 10 + data[end] - 0x30
                end += 1
                if value >= 0x10FFFF:
                    return None
        if value == 0 or end - pos >= 10 or 0xD800 <= value <= 0xDFFF:
            return None
        char = chr(value)
    else:
        while end < n and _is_ascii_alpha(data[end]):
            end += 1
        named = _NAMED_ENTITIES.get(data[pos + 1 : end])
        if named is None:
            return None
        char = named
    if end < n and data[end] == 0x3B:  # ';'
        return char, end + 1
    if strict:
        return None
    return char, end


@dataclass
class _OpenTag:
    name: str
    argument: str
    utf16_offset: int
    result_offset: int  # byte offset into the parsed output, for <a> without href


def _scan_start_tag(data: bytes, begin: int, *, strict: bool) -> tuple[str, str, int]:
    """Scan ``<tag attr=...>`` starting at ``begin``; returns (tag, argument, index of '>').

    Follows tdlib's parse_html loop step by step so that error texts and byte offsets match.
    """
    n = len(data)

    def at(k: int) -> int:
        return data[k] if k < n else 0

    i = begin + 1
    while not _is_space(at(i)) and at(i) != 0x3E:
        i += 1
    if at(i) == 0:
        raise HtmlParseError(f"Unclosed start tag at byte offset {begin}")
    tag = data[begin + 1 : i].lower().decode("utf-8", "replace")
    if tag not in _SUPPORTED_TAGS:
        raise HtmlParseError(f'Unsupported start tag "{tag}" at byte offset {begin}')

    argument = ""
    while at(i) != 0x3E:
        while at(i) != 0 and _is_space(at(i)):
            i += 1
        if at(i) == 0x3E:
            break
        attribute_begin = i
        while not _is_space(at(i)) and at(i) not in (0x3D, 0x3E):
            i += 1
        attribute = data[attribute_begin:i].lower()
        if not attribute:
            raise HtmlParseError(f'Empty attribute name in the tag "{tag}" at byte offset {begin}')
        while at(i) != 0 and _is_space(at(i)):
            i += 1
        if at(i) != 0x3D:  # '='
            if tag == "blockquote" and attribute == b"expandable":
                argument = "1"
                continue
            raise HtmlParseError(
                "Expected equal sign in declaration of an attribute of the tag "
                f'"{tag}" at byte offset {begin}'
            )
        i += 1
        while at(i) != 0 and _is_space(at(i)):
            i += 1
        if at(i) == 0:
            raise HtmlParseError(f'Unclosed start tag "{tag}" at byte offset {begin}')

        if at(i) not in (0x22, 0x27):
            # An unquoted name token: letters, digits, '.', '-'; case-insensitive.
            token_begin = i
            while _is_ascii_alnum(at(i)) or at(i) in (0x2E, 0x2D):
                i += 1
            value = data[token_begin:i].lower().decode("ascii")
            if not _is_space(at(i)) and at(i) != 0x3E:
                raise HtmlParseError(f"Unexpected end of name token at byte offset {token_begin}")
        else:
            quote = at(i)
            i += 1
            raw = bytearray()
            while at(i) != quote and at(i) != 0:
                if at(i) == 0x26:
                    decoded = _decode_html_entity(data, i, strict=strict)
                    if decoded is not None:
                        char, i = decoded
                        raw += char.encode("utf-8")
                        continue
                    if strict:
                        raise HtmlParseError(_bare_ampersand_reason(i))
                raw.append(at(i))
                i += 1
            if at(i) == quote:
                i += 1
            value = raw.decode("utf-8", "replace")
        if at(i) == 0:
            raise HtmlParseError(f"Unclosed start tag at byte offset {begin}")

        if tag == "a" and attribute == b"href":
            argument = value
        elif tag == "code" and attribute == b"class" and value.startswith("language-"):
            argument = value[len("language-") :]
        elif tag == "span" and attribute == b"class" and value.startswith("tg-"):
            argument = value[len("tg-") :]
        elif tag == "tg-emoji" and attribute == b"emoji-id":
            argument = value
        elif tag == "blockquote" and attribute == b"expandable":
            argument = "1"

    if tag == "span" and argument != "spoiler":
        raise HtmlParseError(f'Tag "span" must have class "tg-spoiler" at byte offset {begin}')
    return tag, argument, i


def _bare_ampersand_reason(offset: int) -> str:
    return (
        f'Unsupported character entity at byte offset {offset}: a bare "&" must be escaped as '
        '"&amp;" (only &lt; &gt; &amp; &quot; and numeric references are recognized)'
    )


def _close_entity(tag: _OpenTag, end_utf16: int, out: bytearray, entities: list[JSON]) -> None:
    """Turn a closed tag into an entity, merging <pre><code class="language-x"> like tdlib."""
    length = end_utf16 - tag.utf16_offset
    offset = tag.utf16_offset
    if tag.name == "tg-emoji" and not (tag.argument.isdigit() and int(tag.argument) > 0):
        raise HtmlParseError("Invalid custom emoji identifier specified")
    if length <= 0:
        return  # tdlib silently drops empty entities
    entity: JSON
    if tag.name in _SIMPLE_TAG_TYPES:
        entity = {"type": _SIMPLE_TAG_TYPES[tag.name], "offset": offset, "length": length}
        if tag.name == "code" and tag.argument:
            entity["_language"] = tag.argument
    elif tag.name == "a":
        url = tag.argument or out[tag.result_offset :].decode("utf-8", "replace")
        match = re.fullmatch(r"tg://user\?id=(\d+)", url)
        if match:
            user = {"id": int(match.group(1)), "is_bot": False, "first_name": ""}
            entity = {"type": "text_mention", "offset": offset, "length": length, "user": user}
        else:
            entity = {"type": "text_link", "offset": offset, "length": length, "url": url}
    elif tag.name == "tg-emoji":
        entity = {
            "type": "custom_emoji",
            "offset": offset,
            "length": length,
            "custom_emoji_id": tag.argument,
        }
    elif tag.name == "pre":
        entity = {"type": "pre", "offset": offset, "length": length}
        if entities:
            last = entities[-1]
            if last["type"] == "code" and (last["offset"], last["length"]) == (offset, length):
                entities.pop()
                if last.get("_language"):
                    entity["language"] = last["_language"]
    else:  # blockquote
        kind = "expandable_blockquote" if tag.argument else "blockquote"
        entity = {"type": kind, "offset": offset, "length": length}
    entities.append(entity)


def parse_html(text: str, *, strict_ampersand: bool = True) -> ParsedText:
    """Parse Bot API HTML like Telegram's server (tdlib's parse_html) does.

    Mirrors tdlib's scanning rules and error texts -- byte offsets are into the UTF-8 encoded
    input -- because bots that assemble HTML with string formatting fail exactly on these edge
    cases.  With ``strict_ampersand`` (the default) an ``&`` that does not start ``&lt;``,
    ``&gt;``, ``&amp;``, ``&quot;`` or a numeric reference (with ``;``) is an error.  Real
    Telegram keeps such an ``&`` literally, but in a bot it always means user-controlled text
    was not escaped, which breaks as soon as the text contains ``<`` or ``&lt``.
    """
    data = text.encode("utf-8")
    n = len(data)

    def at(k: int) -> int:
        return data[k] if k < n else 0

    out = bytearray()
    utf16 = 0
    stack: list[_OpenTag] = []
    entities: list[JSON] = []
    i = 0
    while i < n:
        c = data[i]
        if c == 0x26:  # '&'
            decoded = _decode_html_entity(data, i, strict=strict_ampersand)
            if decoded is not None:
                char, i = decoded
                out += char.encode("utf-8")
                utf16 += 2 if ord(char) > 0xFFFF else 1
                continue
            if strict_ampersand:
                raise HtmlParseError(_bare_ampersand_reason(i))
        if c != 0x3C:  # not '<'
            out.append(c)
            if c & 0xC0 != 0x80:  # first byte of a UTF-8 sequence
                utf16 += 2 if c >= 0xF0 else 1
            i += 1
            continue

        begin = i
        if at(i + 1) != 0x2F:  # start tag
            name, argument, i = _scan_start_tag(data, begin, strict=strict_ampersand)
            stack.append(_OpenTag(name, argument, utf16, len(out)))
            i += 1
            continue

        # end tag
        if not stack:
            raise HtmlParseError(f"Unexpected end tag at byte offset {begin}")
        i += 2
        while not _is_space(at(i)) and at(i) != 0x3E:
            i += 1
        end_name = data[begin + 2 : i].lower().decode("utf-8", "replace")
        while at(i) != 0 and _is_space(at(i)):
            i += 1
        if at(i) != 0x3E:
            raise HtmlParseError(f"Unclosed end tag at byte offset {begin}")
        expected = stack[-1].name
        if end_name and end_name != expected:
            raise HtmlParseError(
                f'Unmatched end tag at byte offset {begin}, expected "</{expected}>", '
                f'found "</{end_name}>"'
            )
        _close_entity(stack.pop(), utf16, out, entities)
        i += 1

    if stack:
        raise HtmlParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1].name}"')
    for entity in entities:
        entity.pop("_language", None)
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return ParsedText(out.decode("utf-8"), entities)


_TRIM_CHARS = " \t\n\r\v\f"


def trim_formatted_text(text: str, entities: list[JSON]) -> ParsedText:
    """Strip surrounding whitespace and shift entities, as Telegram does before storing text.

    Length and emptiness limits apply to the trimmed text, so we must trim before checking.
    """
    stripped_left = text.lstrip(_TRIM_CHARS)
    shift = len(text) - len(stripped_left)  # all trimmed chars are 1 UTF-16 unit
    body = stripped_left.rstrip(_TRIM_CHARS)
    total = utf16_len(body)
    kept: list[JSON] = []
    for entity in entities:
        start = max(entity["offset"] - shift, 0)
        end = min(entity["offset"] + entity["length"] - shift, total)
        if end > start:
            kept.append({**entity, "offset": start, "length": end - start})
    return ParsedText(body, kept)


_ASCII_WORD = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
# Inline bots with usernames shorter than 5 characters that Telegram still links as mentions.
_SHORT_MENTIONS = frozenset({"gif", "wiki", "vid", "bing", "pic", "bold", "imdb", "coub", "like"})


def _is_word_char(char: str) -> bool:
    return char.isalnum() or char == "_"


def _find_bot_commands(text: str) -> list[tuple[int, int]]:
    """Spans of /commands anywhere in the text, following tdlib's find_bot_commands."""
    spans: list[tuple[int, int]] = []
    n = len(text)
    pos = 0
    while (slash := text.find("/", pos)) >= 0:
        pos = slash + 1
        if slash > 0 and (_is_word_char(text[slash - 1]) or text[slash - 1] in "/<>"):
            continue
        j = slash + 1
        while j < n and text[j] in _ASCII_WORD:
            j += 1
        end = j
        if end == slash + 1 or end - slash - 1 > 64:
            continue
        if j < n and text[j] == "@":
            k = j + 1
            while k < n and text[k] in _ASCII_WORD:
                k += 1
            if 3 <= k - j - 1 <= 32:
                end = j = k
        if j < n and (_is_word_char(text[j]) or text[j] in "/<>"):
            continue
        spans.append((slash, end))
        pos = end
    return spans


def _find_mentions(text: str) -> list[tuple[int, int]]:
    """Spans of @username mentions (5-32 username characters, not inside a word)."""
    spans: list[tuple[int, int]] = []
    n = len(text)
    pos = 0
    while (at_sign := text.find("@", pos)) >= 0:
        pos = at_sign + 1
        if at_sign > 0 and _is_word_char(text[at_sign - 1]):
            continue
        j = at_sign + 1
        while j < n and text[j] in _ASCII_WORD:
            j += 1
        name = text[at_sign + 1 : j]
        if len(name) > 32 or (len(name) < 5 and name.lower() not in _SHORT_MENTIONS):
            continue
        if j < n and _is_word_char(text[j]):
            continue
        spans.append((at_sign, j))
        pos = j
    return spans


def find_auto_entities(text: str) -> list[JSON]:
    """Entities Telegram attaches to a user's message: bot_command and mention, UTF-16 based.

    Commands are recognised anywhere in the text, not only at the start (PTB's CommandHandler
    only reacts to one at offset 0).  URLs, hashtags, e-mails etc. are not detected.
    """
    prefix = _utf16_prefix(text)
    commands = _find_bot_commands(text)
    spans = [("bot_command", start, end) for start, end in commands]
    for start, end in _find_mentions(text):
        if not any(c_start <= start < c_end for c_start, c_end in commands):
            spans.append(("mention", start, end))
    spans.sort(key=lambda s: s[1])
    return [
        {"type": kind, "offset": prefix[start], "length": prefix[end] - prefix[start]}
        for kind, start, end in spans
    ]


# --------------------------------------------------------------------------------------------
# HTTP plumbing
# --------------------------------------------------------------------------------------------


class _ApiError(Exception):
    """A Bot API error response; raised by method handlers, rendered by the dispatcher."""

    def __init__(self, error_code: int, description: str, parameters: JSON | None = None) -> None:
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.parameters = parameters


class _Reply(NamedTuple):
    status: int
    content_type: str
    body: bytes


def _json_reply(status: int, payload: Any) -> _Reply:
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    return _Reply(status, "application/json", body)


def _error_reply(code: int, description: str, parameters: JSON | None = None) -> _Reply:
    payload: JSON = {"ok": False, "error_code": code, "description": description}
    if parameters:
        payload["parameters"] = parameters
    return _json_reply(code, payload)


def _parse_multipart(body: bytes, content_type: str) -> JSON:
    """Minimal multipart/form-data parser (the stdlib's cgi module is deprecated)."""
    headers = _MimeHeaders()
    headers["content-type"] = content_type
    boundary = headers.get_param("boundary")
    if not isinstance(boundary, str) or not boundary:
        raise ValueError("multipart body without boundary")
    fields: JSON = {}
    for chunk in body.split(b"--" + boundary.encode("latin-1"))[1:]:
        if chunk.startswith(b"--"):
            break
        head, separator, content = (
            chunk.removeprefix(b"\r\n").removesuffix(b"\r\n").partition(b"\r\n\r\n")
        )
        if not separator:
            continue
        part = _MimeHeaders()
        for line in head.decode("utf-8", "replace").split("\r\n"):
            key, _, value = line.partition(":")
            part[key.strip()] = value.strip()
        name = part.get_param("name", header="content-disposition")
        filename = part.get_param("filename", header="content-disposition")
        if name is None:
            continue
        name = collapse_rfc2231_value(name)
        if filename is None:
            fields[name] = content.decode("utf-8")
        else:
            fields[name] = {
                "file_name": collapse_rfc2231_value(filename),
                "mime_type": part.get_content_type(),
                "content": content,
            }
    return fields


def _parse_request_params(query: str, content_type: str, body: bytes) -> JSON:
    """Collect parameters from the query string and any of the body encodings Telegram takes."""
    params: JSON = dict(_parse_qsl(query))
    media_type = content_type.split(";", 1)[0].strip().lower()
    if not body:
        return params
    if media_type == "application/json":
        loaded = json.loads(body.decode("utf-8"))
        if not isinstance(loaded, dict):
            raise ValueError("JSON body must be an object")
        params.update(loaded)
    elif media_type == "multipart/form-data":
        params.update(_parse_multipart(body, content_type))
    else:  # application/x-www-form-urlencoded, or no content type at all
        params.update(_parse_qsl(body.decode("utf-8")))
    return params


def _parse_qsl(text: str) -> list[tuple[str, str]]:
    return parse_qsl(text, keep_blank_values=True)


# PTB JSON-encodes every non-string value; decode the ones whose Bot API type is not a string.
_JSON_PARAMS = frozenset(
    {
        "reply_markup",
        "entities",
        "caption_entities",
        "commands",
        "results",
        "scope",
        "reply_parameters",
        "link_preview_options",
        "allowed_updates",
        "button",
        "media",
        "permissions",
        "message_ids",
        "options",
        "reaction",
    }
)
_INT_PARAMS = frozenset(
    {
        "chat_id",
        "from_chat_id",
        "message_id",
        "message_thread_id",
        "reply_to_message_id",
        "offset",
        "limit",
        "user_id",
        "cache_time",
        "max_connections",
    }
)
_BOOL_PARAMS = frozenset(
    {
        "disable_notification",
        "protect_content",
        "allow_paid_broadcast",
        "show_alert",
        "is_personal",
        "drop_pending_updates",
        "disable_web_page_preview",
        "allow_sending_without_reply",
        "for_channels",
    }
)


def _normalize_params(raw: JSON) -> JSON:
    """Give form-encoded values their Bot API types, so JSON and form requests look the same."""
    params: JSON = {}
    for key, value in raw.items():
        if isinstance(value, str):
            if key in _JSON_PARAMS:
                with contextlib.suppress(ValueError):
                    value = json.loads(value)
            elif key in _INT_PARAMS and re.fullmatch(r"-?\d+", value):
                value = int(value)
            elif key == "timeout":
                with contextlib.suppress(ValueError):
                    value = float(value) if "." in value else int(value)
            elif key in _BOOL_PARAMS and value.lower() in ("true", "false"):
                value = value.lower() == "true"
        params[key] = value
    return params


class _FakeHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeTelegram

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Stay quiet about connections we cut on purpose while stopping."""
        if not self.fake._stopping:
            super().handle_error(request, client_address)


class _RequestHandler(BaseHTTPRequestHandler):
    # HTTP/1.1 keep-alive, like api.telegram.org; httpx pools connections.
    protocol_version = "HTTP/1.1"
    server: _FakeHTTPServer

    def log_message(self, format: str, *args: Any) -> None:
        """Per-request logging is noise; ``FakeTelegram.calls`` is the useful record."""

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.fake._connection_opened(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.fake._connection_closed(self.connection)

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = bytearray()
            while True:
                size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return bytes(chunks)
                chunks += self.rfile.read(size)
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _client_gone(self) -> bool:
        """True if the client hung up, e.g. PTB cancelled its long poll when stopping."""
        try:
            readable, _, _ = select.select([self.connection], [], [], 0)
            return bool(readable) and self.connection.recv(1, socket.MSG_PEEK) == b""
        except (OSError, ValueError):
            return True

    def _serve(self) -> None:
        fake = self.server.fake
        fake._request_started()
        try:
            body = self._read_body()
            reply = fake._handle_http(
                self.path, self.headers.get("Content-Type", ""), body, self._client_gone
            )
            try:
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                self.send_header("Content-Length", str(len(reply.body)))
                # Headers and body in one write: two small writes hit Nagle + delayed ACK and
                # cost ~40 ms per request, which adds up over a test suite.
                self._headers_buffer.append(b"\r\n" + reply.body)
                self.flush_headers()
            except OSError:
                self.close_connection = True
        finally:
            fake._request_finished()


# --------------------------------------------------------------------------------------------
# The fake itself
# --------------------------------------------------------------------------------------------


@dataclass
class _FaultRule:
    method: str  # lower-case method name or "*"
    error_code: int
    description: str
    parameters: JSON | None
    remaining: int
    body: bytes | None


@dataclass
class _DelayRule:
    method: str
    seconds: float
    remaining: int


_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
_SCOPE_TYPES = frozenset(
    {
        "default",
        "all_private_chats",
        "all_group_chats",
        "all_chat_administrators",
        "chat",
        "chat_administrators",
        "chat_member",
    }
)
_MEMBER_STATUSES = frozenset({"creator", "administrator", "member", "restricted", "left", "kicked"})
# What a "restricted" member may not do; Telegram sends every one of them.
_RESTRICTED_PERMISSIONS = (
    "can_send_messages",
    "can_send_audios",
    "can_send_documents",
    "can_send_photos",
    "can_send_videos",
    "can_send_video_notes",
    "can_send_voice_notes",
    "can_send_polls",
    "can_send_other_messages",
    "can_add_web_page_previews",
    "can_change_info",
    "can_invite_users",
    "can_pin_messages",
    "can_manage_topics",
    "can_edit_tag",
    "can_react_to_messages",
)
_BUTTON_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
_QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"
_GETUPDATES_CONFLICT = (
    "Conflict: terminated by other getUpdates request; make sure that only one bot instance "
    "is running"
)
# setWebhook's secret_token: 1-256 characters of A-Z, a-z, 0-9, _ and -.
_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")
_WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete "
    "the webhook first"
)
_DEFAULT_DESCRIPTIONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: _GETUPDATES_CONFLICT,
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}

Marker = int | JSON | str | None


class FakeTelegram:
    """In-process Telegram Bot API server plus a test-side API to play users and observe the bot.

    Users and chats spring into existence on first use (``user_says`` etc.), like real users
    who start talking to the bot; the bot can only send to chats the fake has seen, so a bot
    that messages a wrong chat id gets Telegram's "chat not found" instead of silent success.
    """

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        bot_username: str = DEFAULT_BOT_USERNAME,
        *,
        bot_first_name: str = "CiteBot Test",
        strict_ampersand: bool = True,
        can_read_all_group_messages: bool = False,
    ) -> None:
        prefix = token.split(":", 1)[0]
        if not _TOKEN_SHAPE.match(token) or not prefix.isdigit():
            raise ValueError(f"token must look like '<digits>:<secret>', got {token!r}")
        self.token = token
        self.bot_id = int(prefix)
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        self.strict_ampersand = strict_ampersand
        self.can_read_all_group_messages = can_read_all_group_messages

        self._cond = threading.Condition(threading.RLock())
        self._stop_event = threading.Event()
        self._stopping = False
        self._server: _FakeHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._connections: set[socket.socket] = set()
        self._inflight = 0

        self._seq = 0  # global event counter; markers for race-free waits
        self._ids = itertools.count(1)
        self._next_update_id = 100_000_000
        self._updates: list[JSON] = []
        self._allowed_updates: set[str] | None = None
        self._poll_generation = 0
        self._webhook: JSON = {"url": ""}
        self._webhook_secret: str | None = None
        self._deliveries: list[JSON] = []

        self._users: dict[int, JSON] = {}
        self._chats: dict[int, JSON] = {}
        self._blocked: set[int] = set()
        self._member_status: dict[tuple[int, int], str] = {}
        self._restricted_is_member: dict[tuple[int, int], bool] = {}
        self._messages: dict[tuple[int, int], JSON] = {}
        self._next_message_id: dict[int, int] = {}
        self._user_event_seq: dict[tuple[int, int] | str, int] = {}
        self._last_user_seq: dict[int, int] = {}

        self._bot_records: list[JSON] = []
        self._bot_index: dict[tuple[int, int], JSON] = {}
        self._inline_messages: dict[str, JSON] = {}
        self._pending_callbacks: dict[str, JSON] = {}
        self._pending_inline: dict[str, JSON] = {}
        self._files: dict[str, JSON] = {}
        self._file_data: dict[str, bytes] = {}

        self._calls: list[JSON] = []
        self._internal_errors: list[str] = []
        self._inline_answers: list[JSON] = []
        self._callback_answers: list[JSON] = []
        self._chat_actions: list[JSON] = []
        self._commands: dict[tuple[str, str], list[JSON]] = {}
        # (kind, language_code) -> text; kind is "description" or "short_description".
        self._descriptions: dict[tuple[str, str], str] = {}

        self._faults: list[_FaultRule] = []
        self._floods: dict[str, tuple[float, int]] = {}
        self._delays: list[_DelayRule] = []

        handlers: list[tuple[str, Callable[[JSON], Any]]] = [
            ("getMe", self._m_get_me),
            ("getUpdates", self._m_get_updates),
            ("setWebhook", self._m_set_webhook),
            ("deleteWebhook", self._m_delete_webhook),
            ("getWebhookInfo", self._m_get_webhook_info),
            ("sendMessage", self._m_send_message),
            ("editMessageText", self._m_edit_message_text),
            ("editMessageReplyMarkup", self._m_edit_message_reply_markup),
            ("deleteMessage", self._m_delete_message),
            ("answerCallbackQuery", self._m_answer_callback_query),
            ("answerInlineQuery", self._m_answer_inline_query),
            ("sendChatAction", self._m_send_chat_action),
            ("getFile", self._m_get_file),
            ("setMyCommands", self._m_set_my_commands),
            ("getMyCommands", self._m_get_my_commands),
            ("deleteMyCommands", self._m_delete_my_commands),
            ("setMyDescription", self._m_set_my_description),
            ("getMyDescription", self._m_get_my_description),
            ("setMyShortDescription", self._m_set_my_short_description),
            ("getMyShortDescription", self._m_get_my_short_description),
            ("close", self._m_true),
            ("logOut", self._m_true),
            ("getChat", self._m_get_chat),
            ("getChatMember", self._m_get_chat_member),
        ]
        self._methods = {name.lower(): (name, handler) for name, handler in handlers}

    # ---------------------------------------------------------------- lifecycle

    def start(self, port: int = 0) -> FakeTelegram:
        """Bind 127.0.0.1 on ``port`` (0: a free one) and serve in a daemon thread; a given
        port lets a bot be started first, pointed at a Bot API that is not up yet."""
        if self._server is not None or self._stopping:
            raise RuntimeError("FakeTelegram can only be started once")
        server = _FakeHTTPServer(("127.0.0.1", port), _RequestHandler)
        server.fake = self
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="fake-telegram",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Release pending long polls promptly, then close every connection and the socket."""
        server, thread = self._server, self._thread
        if server is None:
            return
        with self._cond:
            self._stopping = True
            self._stop_event.set()
            self._cond.notify_all()
        server.shutdown()
        with self._cond:
            # Let released long polls deliver their (empty) answer before cutting sockets.
            self._cond.wait_for(lambda: self._inflight == 0, timeout=2.0)
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        server.server_close()
        if thread is not None:
            thread.join(timeout=5.0)
        self._server = None

    def __enter__(self) -> FakeTelegram:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("FakeTelegram is not running; call start() first")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    @property
    def ptb_kwargs(self) -> JSON:
        """Keyword arguments for ``telegram.Bot(**fake.ptb_kwargs)``."""
        return {"token": self.token, "base_url": self.base_url, "base_file_url": self.base_file_url}

    @property
    def bot_user(self) -> JSON:
        """The getMe result."""
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": self.can_read_all_group_messages,
            "supports_inline_queries": True,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    # ---------------------------------------------------------------- users and chats

    def add_user(
        self,
        user_id: int,
        *,
        first_name: str | None = None,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "en",
    ) -> JSON:
        """Create or update a user; fields passed as None keep their current value."""
        with self._cond:
            user = self._users.setdefault(
                user_id, {"id": user_id, "is_bot": False, "first_name": f"User{user_id}"}
            )
            for key, value in (
                ("first_name", first_name),
                ("last_name", last_name),
                ("username", username),
                ("language_code", language_code),
            ):
                if value is not None:
                    user[key] = value
            return dict(user)

    def add_chat(
        self,
        chat_id: int,
        chat_type: str = "private",
        *,
        title: str | None = None,
        username: str | None = None,
        is_forum: bool | None = None,
    ) -> JSON:
        """Create (or update) a chat so the bot may send to it without a user speaking first."""
        if chat_type not in ("private", "group", "supergroup", "channel"):
            raise ValueError(f"unknown chat type {chat_type!r}")
        if chat_type == "private" and chat_id <= 0:
            raise ValueError("private chat ids are positive (they equal the user id)")
        if chat_type != "private" and chat_id >= 0:
            raise ValueError(f"{chat_type} chat ids are negative, e.g. -100123 for supergroups")
        if is_forum and chat_type != "supergroup":
            raise ValueError("only supergroups can be forums")
        with self._cond:
            chat = self._chats.get(chat_id)
            if chat is not None and chat["type"] != chat_type:
                raise ValueError(f"chat {chat_id} already exists with type {chat['type']!r}")
            if chat is None:
                chat = {"id": chat_id, "type": chat_type}
                if chat_type == "private":
                    user = self._users.get(chat_id) or self.add_user(chat_id)
                    chat["first_name"] = user["first_name"]
                    if user.get("username"):
                        chat["username"] = user["username"]
                else:
                    chat["title"] = f"Test {chat_type} {chat_id}"
                self._chats[chat_id] = chat
            if title is not None:
                chat["title"] = title
            if username is not None:
                chat["username"] = username
            if is_forum is not None:
                if is_forum:
                    chat["is_forum"] = True
                else:
                    chat.pop("is_forum", None)
            return dict(chat)

    def user_blocks_bot(self, user_id: int, blocked: bool = True) -> None:
        """Make sends to this user's private chat fail with 403 like a blocked bot's do."""
        with self._cond:
            if blocked:
                self._blocked.add(user_id)
            else:
                self._blocked.discard(user_id)

    def set_chat_member(
        self, chat_id: int, user_id: int, status: str, *, is_member: bool = True
    ) -> None:
        """Status getChatMember reports ("creator", "administrator", "member", "restricted",
        "left", "kicked"); ``is_member`` says whether a "restricted" user is still in the chat.

        Without it a user is a member of the groups they have written in and of their own
        private chat, and has "left" every other chat, as Telegram reports a stranger.
        """
        if status not in _MEMBER_STATUSES:
            raise ValueError(f"unknown chat member status {status!r}")
        with self._cond:
            self._member_status[(chat_id, user_id)] = status
            self._restricted_is_member[(chat_id, user_id)] = is_member

    # ---------------------------------------------------------------- playing the user

    def user_says(
        self,
        text: str,
        *,
        user_id: int = DEFAULT_USER_ID,
        chat_id: int | None = None,
        chat_type: str | None = None,
        first_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "en",
        reply_to_message_id: int | None = None,
        message_thread_id: int | None = None,
        is_topic_message: bool | None = None,
        is_forum: bool | None = None,
    ) -> JSON:
        """Enqueue a text message from a user; returns the Message dict the bot will receive.

        ``chat_type`` defaults to the chat's existing type, else "private" for ``chat_id`` None,
        "supergroup" for ids starting with -100 and "group" for other negative ids.
        """
        if not text:
            raise ValueError("Telegram users cannot send empty messages")
        with self._cond:
            message = self._new_user_message(
                user_id,
                chat_id,
                chat_type,
                first_name,
                username,
                language_code,
                reply_to_message_id,
                message_thread_id,
                is_topic_message,
                is_forum,
            )
            message["text"] = text
            entities = find_auto_entities(text)
            if entities:
                message["entities"] = entities
            return self._deliver_user_message(message)

    def user_sends_document(
        self,
        data: bytes,
        file_name: str,
        *,
        user_id: int = DEFAULT_USER_ID,
        chat_id: int | None = None,
        chat_type: str | None = None,
        caption: str | None = None,
        mime_type: str | None = None,
        language_code: str | None = "en",
        first_name: str | None = None,
        username: str | None = None,
        reply_to_message_id: int | None = None,
        message_thread_id: int | None = None,
    ) -> JSON:
        """Enqueue a document message; the bytes become downloadable via getFile."""
        with self._cond:
            message = self._new_user_message(
                user_id,
                chat_id,
                chat_type,
                first_name,
                username,
                language_code,
                reply_to_message_id,
                message_thread_id,
                None,
                None,
            )
            message["document"] = self.register_file(
                data, file_name=file_name, mime_type=mime_type, kind="documents"
            )
            if caption:
                message["caption"] = caption
                entities = find_auto_entities(caption)
                if entities:
                    message["caption_entities"] = entities
            return self._deliver_user_message(message)

    def user_sends_media(
        self,
        kind: str,
        *,
        caption: str | None = None,
        user_id: int = DEFAULT_USER_ID,
        chat_id: int | None = None,
        language_code: str | None = "en",
    ) -> JSON:
        """Enqueue a photo, sticker, voice note or location (``kind``), with an optional caption
        (photos and voice notes only, as in Telegram); returns the Message dict."""
        shapes: dict[str, Any] = {
            "photo": lambda f: [{**f, "width": 320, "height": 240}],
            "sticker": lambda f: {
                **f,
                "type": "regular",
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
            },
            "voice": lambda f: {**f, "duration": 3, "mime_type": "audio/ogg"},
            "location": lambda f: {"latitude": 22.3364, "longitude": 114.2655},
        }
        if kind not in shapes:
            raise ValueError(f"unsupported media kind {kind!r}")
        if caption and kind not in ("photo", "voice"):
            raise ValueError(f"a {kind} has no caption in Telegram")
        with self._cond:
            message = self._new_user_message(
                user_id, chat_id, None, None, None, language_code, None, None, None, None
            )
            stored = self.register_file(b"\x00" * 64, kind=f"{kind}s")
            message[kind] = shapes[kind]({k: stored[k] for k in ("file_id", "file_unique_id")})
            if caption:
                message["caption"] = caption
                entities = find_auto_entities(caption)
                if entities:
                    message["caption_entities"] = entities
            return self._deliver_user_message(message)

    def register_file(
        self,
        data: bytes,
        *,
        file_name: str | None = None,
        mime_type: str | None = None,
        kind: str = "documents",
    ) -> JSON:
        """Store bytes for getFile + download; returns a Document-shaped dict."""
        with self._cond:
            number = next(self._ids)
            suffix = ""
            if file_name and "." in file_name:
                suffix = "." + file_name.rsplit(".", 1)[1]
            file_id = f"BQACAgIAAxkBAAI{number:06d}{secrets.token_urlsafe(18)}"
            info: JSON = {
                "file_id": file_id,
                "file_unique_id": f"AgAD{number:04d}{secrets.token_hex(4)}",
                "file_size": len(data),
                "file_path": f"{kind}/file_{number}{suffix}",
            }
            self._files[file_id] = info
            self._file_data[info["file_path"]] = bytes(data)
            document = {k: v for k, v in info.items() if k != "file_path"}
            if file_name is not None:
                document["file_name"] = file_name
                guessed = mime_type or mimetypes.guess_type(file_name)[0]
                document["mime_type"] = guessed or "application/octet-stream"
            elif mime_type is not None:
                document["mime_type"] = mime_type
            return document

    def user_edits(self, message: JSON, text: str) -> JSON:
        """Edit a user's earlier text message; enqueues an ``edited_message`` update."""
        with self._cond:
            key = self._message_key(message)
            current = self._messages.get(key)
            if current is None or current.get("from", {}).get("is_bot"):
                raise ValueError(f"no user message {key} to edit")
            current["text"] = text
            current["edit_date"] = int(time.time())
            entities = find_auto_entities(text)
            if entities:
                current["entities"] = entities
            else:
                current.pop("entities", None)
            self._enqueue("edited_message", current, key[0], key)
            return copy.deepcopy(current)

    def user_presses(
        self, message: JSON | str, callback_data: str, *, user_id: int | None = None
    ) -> str:
        """Press an inline-keyboard button; returns the callback query id.

        ``message`` is a bot message (record from ``bot_messages()`` or a Message dict) or an
        inline_message_id.  The button must exist on the message's *current* keyboard, since a
        real user cannot press a button that is not there.
        """
        with self._cond:
            query_id = str(9_000_000_000_000 + next(self._ids))
            query: JSON = {"id": query_id, "data": callback_data}
            if isinstance(message, str):
                inline = self._inline_messages.get(message)
                if inline is None:
                    raise ValueError(f"unknown inline_message_id {message!r}")
                markup = inline.get("reply_markup")
                sender = user_id if user_id is not None else inline["user_id"]
                query["inline_message_id"] = message
                query["chat_instance"] = f"inline{inline['user_id']}"
                chat_id: int | None = None
                event_key: tuple[int, int] | str = message
            else:
                key = self._message_key(message)
                current = self._messages.get(key)
                if current is None:
                    raise ValueError(f"message {key} does not exist (deleted?)")
                markup = current.get("reply_markup")
                chat = self._chats[key[0]]
                sender = user_id
                if sender is None:
                    sender = key[0] if chat["type"] == "private" else DEFAULT_USER_ID
                query["message"] = copy.deepcopy(current)
                query["chat_instance"] = str((key[0] * 2654435761) % (2**62))
                chat_id = key[0]
                event_key = key
            data_values = [
                button.get("callback_data")
                for row in (markup or {}).get("inline_keyboard", [])
                for button in row
            ]
            if callback_data not in data_values:
                raise ValueError(
                    f"no button with callback_data {callback_data!r}; keyboard has {data_values}"
                )
            query["from"] = self._user_public(self._users.get(sender) or self.add_user(sender))
            self._pending_callbacks[query_id] = query
            seq = self._enqueue("callback_query", query, chat_id, event_key)
            self._user_event_seq[query_id] = seq
            return query_id

    def user_inline_query(
        self,
        query: str,
        *,
        user_id: int = DEFAULT_USER_ID,
        language_code: str | None = "en",
        offset: str = "",
        chat_type: str | None = None,
    ) -> str:
        """Enqueue an inline query ("@bot query" typed anywhere); returns its id."""
        with self._cond:
            user = self.add_user(user_id, language_code=language_code)
            query_id = str(8_000_000_000_000 + next(self._ids))
            inline_query: JSON = {
                "id": query_id,
                "from": self._user_public(user),
                "query": query,
                "offset": offset,
            }
            if chat_type is not None:
                inline_query["chat_type"] = chat_type
            self._pending_inline[query_id] = inline_query
            self._user_event_seq[query_id] = self._enqueue("inline_query", inline_query, None)
            return query_id

    def user_chooses_inline_result(
        self, inline_query_id: str, result_id: str, *, user_id: int | None = None
    ) -> str:
        """Send one of the bot's inline results into a chat; returns the inline_message_id.

        Enqueues a ``chosen_inline_result`` update (real Telegram sends it only when inline
        feedback is enabled in BotFather) and creates an inline message the bot may edit.
        """
        with self._cond:
            answer = next(
                (
                    a
                    for a in reversed(self._inline_answers)
                    if a["inline_query_id"] == inline_query_id
                ),
                None,
            )
            if answer is None:
                raise ValueError(f"the bot never answered inline query {inline_query_id!r}")
            result = next((r for r in answer["results"] if r.get("id") == result_id), None)
            if result is None:
                ids = [r.get("id") for r in answer["results"]]
                raise ValueError(f"no result {result_id!r}; the bot answered {ids}")
            sender = user_id if user_id is not None else answer["user_id"]
            inline_message_id = f"AgAAA{next(self._ids):08d}{secrets.token_urlsafe(12)}"
            content = result.get("input_message_content") or {}
            text = content.get("message_text")
            plain, entities = (None, [])
            if isinstance(text, str):
                plain, entities = self._prepare_text(
                    text, content.get("parse_mode"), content.get("entities")
                )
            self._seq += 1
            self._inline_messages[inline_message_id] = {
                "inline_message_id": inline_message_id,
                "user_id": sender,
                "result_id": result_id,
                "text": text,
                "plain_text": plain,
                "parse_mode": content.get("parse_mode"),
                "entities": entities,
                "reply_markup": result.get("reply_markup"),
                "edits": [],
                "seq": self._seq,
                "updated_seq": self._seq,
            }
            chosen: JSON = {
                "result_id": result_id,
                "from": self._user_public(self._users.get(sender) or self.add_user(sender)),
                "query": answer["query"],
            }
            if result.get("reply_markup"):
                chosen["inline_message_id"] = inline_message_id
            self._enqueue("chosen_inline_result", chosen, None)
            return inline_message_id

    # ---------------------------------------------------------------- observing the bot

    def mark(self) -> int:
        """A position in the event stream; pass as ``after=`` to only see later bot activity."""
        with self._cond:
            return self._seq

    def bot_messages(
        self, chat_id: int | None = None, *, include_deleted: bool = True
    ) -> list[JSON]:
        """Messages the bot sent (oldest first), as records with the current content.

        Record keys: message_id, chat_id, text (raw, as sent), plain_text (what users see),
        parse_mode, entities, reply_markup, reply_to_message_id, message_thread_id, date,
        deleted, edit_date, edits (earlier versions, oldest first), message (the Bot API
        Message dict), seq / updated_seq (event positions, usable as markers).
        """
        with self._cond:
            return [
                copy.deepcopy(rec)
                for rec in self._bot_records
                if (chat_id is None or rec["chat_id"] == chat_id)
                and (include_deleted or not rec["deleted"])
            ]

    def bot_message(self, chat_id: int, message_id: int) -> JSON:
        with self._cond:
            rec = self._bot_index.get((chat_id, message_id))
            if rec is None:
                raise KeyError(f"the bot sent no message {message_id} to chat {chat_id}")
            return copy.deepcopy(rec)

    def inline_messages(self) -> list[JSON]:
        """Messages created via user_chooses_inline_result, with their edit history."""
        with self._cond:
            return copy.deepcopy(list(self._inline_messages.values()))

    def wait_for_bot_messages(
        self,
        chat_id: int,
        count: int = 1,
        timeout: float = 10.0,
        *,
        after: Marker = None,
    ) -> list[JSON]:
        """Wait until the bot has sent ``count`` new messages to the chat; return all new ones.

        "New" means sent after ``after``: by default the latest user event in that chat
        (``user_says``, ``user_presses``, ...), which makes "say something, wait for the reply"
        race-free.  ``after`` may also be an int from ``mark()``, a message dict returned by
        ``user_says``/``bot_messages``, or a callback/inline query id.  Raises AssertionError on
        timeout, with the bot's recent calls and errors to explain why.
        """
        with self._cond:
            marker = self._resolve_marker(chat_id, after)

            def new_messages() -> list[JSON]:
                return [
                    r for r in self._bot_records if r["chat_id"] == chat_id and r["seq"] > marker
                ]

            if not self._cond.wait_for(lambda: len(new_messages()) >= count, timeout):
                raise AssertionError(
                    f"expected {count} bot message(s) in chat {chat_id} within {timeout}s, "
                    f"got {len(new_messages())}\n{self._diagnostics(chat_id)}"
                )
            return copy.deepcopy(new_messages())

    def wait_for_bot_text(
        self,
        chat_id: int,
        match: str | re.Pattern[str] | Callable[[JSON], bool],
        timeout: float = 10.0,
        *,
        after: Marker = None,
    ) -> JSON:
        """Wait for a bot message whose *current* text matches; edits count too.

        Handles "send a placeholder, then edit it into the answer" flows: a message sent or
        edited after the marker qualifies.  ``match`` is a substring or regex searched in
        ``plain_text``, or a predicate on the record.
        """

        def matches(rec: JSON) -> bool:
            if callable(match) and not isinstance(match, re.Pattern):
                return bool(match(copy.deepcopy(rec)))
            text = rec["plain_text"] or ""
            if isinstance(match, re.Pattern):
                return match.search(text) is not None
            return match in text

        with self._cond:
            marker = self._resolve_marker(chat_id, after)

            def find() -> JSON | None:
                for rec in reversed(self._bot_records):
                    if (
                        rec["chat_id"] == chat_id
                        and rec["updated_seq"] > marker
                        and not rec["deleted"]
                        and matches(rec)
                    ):
                        return rec
                return None

            if not self._cond.wait_for(lambda: find() is not None, timeout):
                raise AssertionError(
                    f"no bot message in chat {chat_id} matched {match!r} within {timeout}s\n"
                    f"{self._diagnostics(chat_id)}"
                )
            return copy.deepcopy(find())

    def assert_no_bot_message(
        self, chat_id: int, within: float = 1.0, *, after: Marker = None
    ) -> None:
        """Assert the bot stays silent in the chat for ``within`` seconds after the marker.

        The default marker is the latest user event in that chat, so a reply that raced ahead
        of this call is still caught.
        """
        with self._cond:
            marker = self._resolve_marker(chat_id, after)

            def new_messages() -> list[JSON]:
                return [
                    r for r in self._bot_records if r["chat_id"] == chat_id and r["seq"] > marker
                ]

            if self._cond.wait_for(lambda: bool(new_messages()), within):
                texts = [r["plain_text"] for r in new_messages()]
                raise AssertionError(f"expected silence in chat {chat_id}, bot sent {texts}")

    def wait_for_calls(
        self, method: str, count: int = 1, timeout: float = 10.0, *, after: int | None = None
    ) -> list[JSON]:
        """Wait until the bot made ``count`` completed calls of ``method`` (after a mark()).

        Returns call records: method, params, status (HTTP), description (for errors), seq.
        """
        wanted = method.lower()
        marker = after or 0
        with self._cond:

            def done() -> list[JSON]:
                return [
                    c
                    for c in self._calls
                    if c["method"].lower() == wanted and c["seq"] > marker and c["status"]
                ]

            if not self._cond.wait_for(lambda: len(done()) >= count, timeout):
                raise AssertionError(
                    f"expected {count} {method} call(s) within {timeout}s, got "
                    f"{len(done())}\n{self._diagnostics(None)}"
                )
            return copy.deepcopy(done())

    def wait_until(
        self,
        predicate: Callable[[], T | None],
        timeout: float = 10.0,
        description: str = "condition",
    ) -> T:
        """Wait until ``predicate()`` is truthy, re-checking whenever the fake's state changes;
        returns what it gave then (a predicate may give None or False for "not yet").

        The predicate may call the fake's own accessors (the lock is re-entrant).
        """
        with self._cond:
            result = self._cond.wait_for(predicate, timeout)
            if not result:
                raise AssertionError(
                    f"{description} not met within {timeout}s\n{self._diagnostics(None)}"
                )
            return result

    @property
    def calls(self) -> list[tuple[str, JSON]]:
        """Every Bot API call received, in order, including getUpdates and failed calls.

        Params are normalised: ints are ints and JSON-typed params (reply_markup, entities,
        results, commands, scope, ...) are decoded, whether PTB sent form data or JSON.
        """
        with self._cond:
            return [(c["method"], copy.deepcopy(c["params"])) for c in self._calls]

    def calls_of(self, method: str) -> list[JSON]:
        """Params of every call of one method (case-insensitive name)."""
        wanted = method.lower()
        with self._cond:
            return [
                copy.deepcopy(c["params"]) for c in self._calls if c["method"].lower() == wanted
            ]

    @property
    def call_log(self) -> list[JSON]:
        """Calls with outcome: method, params, status, description, abandoned, seq, time."""
        with self._cond:
            return copy.deepcopy(self._calls)

    @property
    def errors(self) -> list[JSON]:
        """Error answers the bot received -- assert this is empty to catch swallowed 400s.

        Leaves out calls whose client had already hung up (``abandoned`` in ``call_log``): when
        PTB stops polling it cancels its pending getUpdates, and the follow-up getUpdates makes
        Telegram answer the abandoned one with 409, which no one ever sees.
        """
        with self._cond:
            return copy.deepcopy(
                [
                    c
                    for c in self._calls
                    if c["status"] and c["status"] >= 300 and not c["abandoned"]
                ]
            )

    @property
    def internal_errors(self) -> list[str]:
        """Tracebacks of bugs inside the fake itself (answered as HTTP 500)."""
        with self._cond:
            return list(self._internal_errors)

    @property
    def inline_answers(self) -> list[JSON]:
        """answerInlineQuery calls that succeeded: inline_query_id, query, user_id, results..."""
        with self._cond:
            return copy.deepcopy(self._inline_answers)

    @property
    def callback_answers(self) -> list[JSON]:
        """answerCallbackQuery calls that succeeded: callback_query_id, data, text, show_alert."""
        with self._cond:
            return copy.deepcopy(self._callback_answers)

    @property
    def chat_actions(self) -> list[JSON]:
        """sendChatAction calls that succeeded: chat_id, action, message_thread_id."""
        with self._cond:
            return copy.deepcopy(self._chat_actions)

    @property
    def commands(self) -> dict[tuple[str, str], list[JSON]]:
        """Commands by (canonical scope JSON, language_code); see ``commands_for``."""
        with self._cond:
            return copy.deepcopy(self._commands)

    def commands_for(self, scope: JSON | None = None, language_code: str = "") -> list[JSON]:
        """Commands set for exactly this scope (default: {"type": "default"}) and language."""
        key = (_scope_key(scope or {"type": "default"}), language_code)
        with self._cond:
            return copy.deepcopy(self._commands.get(key, []))

    def description(self, language_code: str = "", *, short: bool = False) -> str:
        """The bot's description (or short description) as set for ``language_code``, or as
        Telegram shows it to a user of that language: the dedicated one, else the default."""
        kind = "short_description" if short else "description"
        with self._cond:
            return self._descriptions.get(
                (kind, language_code), self._descriptions.get((kind, ""), "")
            )

    def pending_updates(self) -> list[JSON]:
        """Updates not yet confirmed by the bot through getUpdates' offset."""
        with self._cond:
            return copy.deepcopy(self._updates)

    @property
    def webhook_url(self) -> str:
        with self._cond:
            return str(self._webhook["url"])

    # ---------------------------------------------------------------- fault injection

    def fail_next(
        self,
        method: str,
        error_code: int = 429,
        description: str | None = None,
        *,
        retry_after: int | None = None,
        times: int = 1,
        parameters: JSON | None = None,
        body: bytes | None = None,
    ) -> None:
        """Answer the next ``times`` calls of ``method`` ("*" = any method) with an error.

        429 gets Telegram's "Too Many Requests: retry after N" and parameters.retry_after
        (default 1).  ``body`` replaces the JSON answer with raw bytes, e.g. the HTML page a
        failing proxy returns for 502, which PTB must survive too.
        """
        if error_code == 429:
            retry_after = 1 if retry_after is None else retry_after
        if retry_after is not None:
            parameters = {**(parameters or {}), "retry_after": retry_after}
        if description is None:
            if error_code == 429:
                description = f"Too Many Requests: retry after {retry_after}"
            else:
                description = _DEFAULT_DESCRIPTIONS.get(error_code, f"Error {error_code}")
        with self._cond:
            self._faults.append(
                _FaultRule(method.lower(), error_code, description, parameters, times, body)
            )

    def flood(self, method: str, seconds: float = 2.0, retry_after: int = 1) -> None:
        """Answer every call of ``method`` ("*" = any) with 429 for ``seconds`` (a 429 storm)."""
        with self._cond:
            self._floods[method.lower()] = (time.monotonic() + seconds, retry_after)

    def delay_next(self, method: str, seconds: float, *, times: int = 1) -> None:
        """Hold the next answers of ``method`` back, e.g. to provoke PTB's TimedOut."""
        with self._cond:
            self._delays.append(_DelayRule(method.lower(), seconds, times))

    def clear_faults(self) -> None:
        with self._cond:
            self._faults.clear()
            self._floods.clear()
            self._delays.clear()

    # ---------------------------------------------------------------- internals: users

    def _user_public(self, user: JSON) -> JSON:
        return {k: v for k, v in user.items() if v is not None}

    def _bot_from(self) -> JSON:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }

    def _chat_public(self, chat: JSON) -> JSON:
        return dict(chat)

    def _allocate_message_id(self, chat_id: int) -> int:
        message_id = self._next_message_id.get(chat_id, 1)
        self._next_message_id[chat_id] = message_id + 1
        return message_id

    def _new_user_message(
        self,
        user_id: int,
        chat_id: int | None,
        chat_type: str | None,
        first_name: str | None,
        username: str | None,
        language_code: str | None,
        reply_to_message_id: int | None,
        message_thread_id: int | None,
        is_topic_message: bool | None,
        is_forum: bool | None,
    ) -> JSON:
        user = self.add_user(
            user_id, first_name=first_name, username=username, language_code=language_code
        )
        if chat_id is None:
            chat_id = user_id
        if chat_type is None:
            existing = self._chats.get(chat_id)
            if existing is not None:
                chat_type = existing["type"]
            elif chat_id > 0:
                chat_type = "private"
            else:
                chat_type = "supergroup" if str(chat_id).startswith("-100") else "group"
        if chat_type == "private" and chat_id != user_id:
            raise ValueError("in a private chat, chat_id must equal user_id")
        chat = self.add_chat(chat_id, chat_type, is_forum=is_forum)
        # Whoever writes in a group is in it, unless a test said otherwise (set_chat_member).
        self._member_status.setdefault((chat_id, user_id), "member")
        if message_thread_id is not None:
            # Keep our ids clear of the topic's id, as Telegram's ids are unique per chat.
            self._next_message_id[chat_id] = max(
                self._next_message_id.get(chat_id, 1), message_thread_id + 1
            )
        message: JSON = {
            "message_id": self._allocate_message_id(chat_id),
            "from": self._user_public(user),
            "chat": chat,
            "date": int(time.time()),
        }
        in_forum = bool(chat.get("is_forum"))
        if message_thread_id is not None:
            message["message_thread_id"] = message_thread_id
            topic = in_forum if is_topic_message is None else is_topic_message
            if topic:
                message["is_topic_message"] = True
        elif is_topic_message:
            message["is_topic_message"] = True
        if reply_to_message_id is not None:
            replied = self._messages.get((chat_id, reply_to_message_id))
            if replied is None:
                raise ValueError(f"no message {reply_to_message_id} in chat {chat_id}")
            message["reply_to_message"] = _without_reply(replied)
        elif message_thread_id is not None and in_forum:
            # In forum topics Telegram makes every message a reply to the topic's service
            # message; bots that treat "is a reply" as "reply to me" trip over this.
            message["reply_to_message"] = self._topic_root(chat, message_thread_id, user)
        return message

    def _topic_root(self, chat: JSON, thread_id: int, creator: JSON) -> JSON:
        return {
            "message_id": thread_id,
            "from": self._user_public(creator),
            "chat": dict(chat),
            "date": int(time.time()),
            "message_thread_id": thread_id,
            "is_topic_message": True,
            "forum_topic_created": {"name": f"Topic {thread_id}", "icon_color": 7322096},
        }

    def _deliver_user_message(self, message: JSON) -> JSON:
        key = (message["chat"]["id"], message["message_id"])
        self._messages[key] = message
        self._enqueue("message", message, key[0], key)
        return copy.deepcopy(message)

    def _enqueue(
        self,
        kind: str,
        payload: JSON,
        chat_id: int | None,
        event_key: tuple[int, int] | str | None = None,
    ) -> int:
        self._next_update_id += 1
        self._updates.append({"update_id": self._next_update_id, kind: copy.deepcopy(payload)})
        self._seq += 1
        if chat_id is not None:
            self._last_user_seq[chat_id] = self._seq
        if event_key is not None:
            self._user_event_seq[event_key] = self._seq
        self._cond.notify_all()
        return self._seq

    def _message_key(self, message: JSON) -> tuple[int, int]:
        chat_id = message.get("chat_id")
        if chat_id is None:
            chat_id = message["chat"]["id"]
        return int(chat_id), int(message["message_id"])

    def _resolve_marker(self, chat_id: int | None, after: Marker) -> int:
        if after is None:
            return self._last_user_seq.get(chat_id, 0) if chat_id is not None else 0
        if isinstance(after, bool):
            raise TypeError("after= must be a mark(), a message dict or a query id")
        if isinstance(after, int):
            return after
        if isinstance(after, str):
            if after in self._user_event_seq:
                return self._user_event_seq[after]
            raise ValueError(f"unknown query id {after!r}")
        if "seq" in after:
            return int(after["seq"])
        key = self._message_key(after)
        if key in self._user_event_seq:
            return self._user_event_seq[key]
        raise ValueError(f"message {key} is neither a user message nor a bot message record")

    def _diagnostics(self, chat_id: int | None) -> str:
        lines = ["recent Bot API calls:"]
        for call in self._calls[-15:]:
            params = {k: v for k, v in call["params"].items() if k != "results"}
            text = json.dumps(params, ensure_ascii=False, default=str)
            if len(text) > 200:
                text = text[:200] + "..."
            outcome = call["status"] or "pending"
            if call["description"]:
                outcome = f"{outcome} {call['description']}"
            lines.append(f"  {call['method']} -> {outcome}: {text}")
        if chat_id is not None:
            lines.append(f"bot messages in chat {chat_id}:")
            lines += [
                f"  #{r['message_id']} {r['plain_text']!r}"
                for r in self._bot_records
                if r["chat_id"] == chat_id
            ]
        if self._internal_errors:
            lines.append("FAKE SERVER BUGS:\n" + "\n".join(self._internal_errors))
        return "\n".join(lines)

    # ---------------------------------------------------------------- internals: HTTP

    def _connection_opened(self, connection: socket.socket) -> None:
        with self._cond:
            self._connections.add(connection)

    def _connection_closed(self, connection: socket.socket) -> None:
        with self._cond:
            self._connections.discard(connection)

    def _request_started(self) -> None:
        with self._cond:
            self._inflight += 1

    def _request_finished(self) -> None:
        with self._cond:
            self._inflight -= 1
            self._cond.notify_all()

    def _auth_failure(self, token: str) -> _Reply:
        # Telegram: well-formed but wrong token -> 401; malformed -> 404.
        if _TOKEN_SHAPE.match(token):
            return _error_reply(401, "Unauthorized")
        return _error_reply(404, "Not Found")

    def _handle_http(
        self,
        raw_path: str,
        content_type: str,
        body: bytes,
        client_gone: Callable[[], bool] | None = None,
    ) -> _Reply:
        split = urlsplit(raw_path)
        path = unquote(split.path)
        if path.startswith("/file/bot"):
            token, _, file_path = path[len("/file/bot") :].partition("/")
            if token != self.token:
                return self._auth_failure(token)
            with self._cond:
                data = self._file_data.get(file_path)
            if data is None:
                return _error_reply(404, "Not Found")
            return _Reply(200, "application/octet-stream", data)
        if not path.startswith("/bot"):
            return _error_reply(404, "Not Found")
        token, _, method = path[len("/bot") :].partition("/")
        if token != self.token:
            return self._auth_failure(token)
        if not method or "/" in method:
            return _error_reply(404, "Not Found")
        try:
            params = _normalize_params(_parse_request_params(split.query, content_type, body))
        except (ValueError, UnicodeDecodeError) as exc:
            return _error_reply(400, f"Bad Request: can't parse request: {exc}")
        return self._call(method, params, client_gone)

    def _call(
        self, method: str, params: JSON, client_gone: Callable[[], bool] | None = None
    ) -> _Reply:
        entry = self._methods.get(method.lower())
        name = entry[0] if entry else method
        with self._cond:
            self._seq += 1
            record: JSON = {
                "seq": self._seq,
                "method": name,
                "params": params,
                "time": time.time(),
                "status": None,
                "description": None,
                "abandoned": False,
            }
            self._calls.append(record)
            delay = self._take_delay(name)
            reply = self._take_fault(name)
            self._cond.notify_all()
        if delay:
            self._stop_event.wait(delay)
        if reply is None:
            reply = self._dispatch(entry, params)
        abandoned = client_gone() if client_gone is not None else False
        with self._cond:
            record["status"] = reply.status
            record["abandoned"] = abandoned
            if reply.status != 200:
                try:
                    record["description"] = json.loads(reply.body).get("description")
                except ValueError:
                    record["description"] = reply.body[:200].decode("utf-8", "replace")
            self._cond.notify_all()
        return reply

    def _dispatch(self, entry: tuple[str, Callable[[JSON], Any]] | None, params: JSON) -> _Reply:
        if entry is None:
            return _error_reply(404, "Not Found")
        try:
            with self._cond:
                result = entry[1](params)
        except _ApiError as exc:
            return _error_reply(exc.error_code, exc.description, exc.parameters)
        except Exception as exc:  # a bug in the fake, not in the bot: make it loud
            with self._cond:
                self._internal_errors.append(traceback.format_exc())
            return _error_reply(500, f"Internal Server Error: fake server bug: {exc!r}")
        return _json_reply(200, {"ok": True, "result": result})

    def _take_delay(self, name: str) -> float:
        lowered = name.lower()
        for rule in self._delays:
            if rule.remaining > 0 and rule.method in (lowered, "*"):
                rule.remaining -= 1
                return rule.seconds
        return 0.0

    def _take_fault(self, name: str) -> _Reply | None:
        lowered = name.lower()
        now = time.monotonic()
        for key in (lowered, "*"):
            if key in self._floods:
                until, retry_after = self._floods[key]
                if now < until:
                    return _error_reply(
                        429,
                        f"Too Many Requests: retry after {retry_after}",
                        {"retry_after": retry_after},
                    )
                del self._floods[key]
        for rule in self._faults:
            if rule.remaining > 0 and rule.method in (lowered, "*"):
                rule.remaining -= 1
                if rule.body is not None:
                    return _Reply(rule.error_code, "text/html", rule.body)
                return _error_reply(rule.error_code, rule.description, rule.parameters)
        return None

    # ---------------------------------------------------------------- internals: validation

    def _resolve_chat(self, raw: Any, *, for_sending: bool = False) -> JSON:
        if raw is None or raw == "":
            raise _ApiError(400, "Bad Request: chat_id is empty")
        chat: JSON | None = None
        if isinstance(raw, str) and raw.startswith("@"):
            wanted = raw[1:].lower()
            chat = next(
                (c for c in self._chats.values() if str(c.get("username", "")).lower() == wanted),
                None,
            )
        elif isinstance(raw, int) and not isinstance(raw, bool):
            chat = self._chats.get(raw)
        if chat is None:
            raise _ApiError(400, "Bad Request: chat not found")
        if for_sending and chat["type"] == "private" and chat["id"] in self._blocked:
            raise _ApiError(403, "Forbidden: bot was blocked by the user")
        return chat

    def _prepare_text(self, text: Any, parse_mode: Any, entities: Any) -> ParsedText:
        """Apply Telegram's formatting and the 1..4096 (UTF-16, after parsing) length limit."""
        if not isinstance(text, str) or not text:
            raise _ApiError(400, "Bad Request: message text is empty")
        mode = ""
        if parse_mode not in (None, ""):
            if not isinstance(parse_mode, str) or parse_mode.lower() not in (
                "html",
                "markdown",
                "markdownv2",
            ):
                raise _ApiError(400, "Bad Request: unsupported parse_mode")
            mode = parse_mode.lower()
        if mode == "html":
            try:
                parsed = parse_html(text, strict_ampersand=self.strict_ampersand)
            except HtmlParseError as exc:
                raise _ApiError(400, f"Bad Request: can't parse entities: {exc}") from None
        elif mode:
            parsed = ParsedText(text, [])  # Markdown is passed through unvalidated
        else:
            parsed = ParsedText(text, _check_entities(entities))
        parsed = trim_formatted_text(*parsed)
        if not parsed.text:
            raise _ApiError(400, "Bad Request: message text is empty")
        if utf16_len(parsed.text) > MAX_MESSAGE_LENGTH:
            raise _ApiError(400, "Bad Request: message is too long")
        return parsed

    # ---------------------------------------------------------------- Bot API methods

    def _m_true(self, params: JSON) -> bool:
        return True

    def _m_get_me(self, params: JSON) -> JSON:
        return self.bot_user

    def _m_get_updates(self, params: JSON) -> list[JSON]:
        if self._webhook["url"]:
            raise _ApiError(409, _WEBHOOK_CONFLICT)
        offset = _int_param(params, "offset", 0)
        limit = min(max(_int_param(params, "limit", 100), 1), 100)
        timeout = params.get("timeout", 0)
        if not isinstance(timeout, int | float) or isinstance(timeout, bool):
            timeout = 0
        allowed = params.get("allowed_updates")
        if allowed is not None:
            if not isinstance(allowed, list):
                raise _ApiError(400, "Bad Request: can't parse allowed updates JSON object")
            # Telegram remembers allowed_updates for later calls that omit it.
            self._allowed_updates = {str(kind) for kind in allowed} or None
        self._poll_generation += 1
        generation = self._poll_generation
        self._cond.notify_all()  # terminates an older pending getUpdates with 409
        if offset > 0:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        elif offset < 0:
            self._updates = self._updates[offset:]
        deadline = time.monotonic() + max(float(timeout), 0.0)
        while True:
            self._drop_disallowed_updates()
            if self._updates or self._stopping:
                break
            if generation != self._poll_generation:
                raise _ApiError(409, _GETUPDATES_CONFLICT)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            self._cond.wait(remaining)
        return copy.deepcopy(self._updates[:limit])

    def _drop_disallowed_updates(self) -> None:
        if self._allowed_updates:
            allowed = self._allowed_updates
            self._updates = [u for u in self._updates if (set(u) - {"update_id"}) & allowed]

    def _m_set_webhook(self, params: JSON) -> bool:
        url = params.get("url") or ""
        if url and not str(url).startswith("https://"):
            raise _ApiError(
                400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"
            )
        secret = params.get("secret_token")
        if secret is not None and not _SECRET_TOKEN.fullmatch(str(secret)):
            raise _ApiError(400, "Bad Request: secret token contains unallowed characters")
        if params.get("drop_pending_updates"):
            self._updates.clear()
        self._webhook = {"url": str(url)}
        self._webhook_secret = str(secret) if secret is not None else None
        if isinstance(params.get("allowed_updates"), list):
            self._webhook["allowed_updates"] = params["allowed_updates"]
            self._allowed_updates = {str(kind) for kind in params["allowed_updates"]} or None
        self._cond.notify_all()
        return True

    def _m_delete_webhook(self, params: JSON) -> bool:
        if params.get("drop_pending_updates"):
            self._updates.clear()
        self._webhook = {"url": ""}
        self._webhook_secret = None
        return True

    # ---------------------------------------------------------------- webhook delivery

    def deliver_webhooks(self, proxy: str) -> None:
        """From now on push updates to the webhook the bot set, as Telegram does: one POST per
        update, oldest first, with the secret token header, retried until the answer is 2xx.

        ``proxy`` ("http://127.0.0.1:PORT") plays the reverse proxy in front of the bot: the
        webhook's public https URL keeps its path and is sent there over plain HTTP.
        """
        thread = threading.Thread(
            target=self._deliver, args=(proxy,), name="fake-telegram-webhook", daemon=True
        )
        thread.start()

    @property
    def webhook_deliveries(self) -> list[JSON]:
        """Every delivery attempt: update_id and the HTTP status the bot answered (0: none)."""
        with self._cond:
            return copy.deepcopy(self._deliveries)

    def _deliver(self, proxy: str) -> None:
        while not self._stop_event.is_set():
            with self._cond:
                self._drop_disallowed_updates()
                url = str(self._webhook["url"])
                if not url or not self._updates:
                    self._cond.wait(0.05)
                    continue
                update = copy.deepcopy(self._updates[0])
                secret = self._webhook_secret
            headers = {"Content-Type": "application/json"}
            if secret is not None:
                headers["X-Telegram-Bot-Api-Secret-Token"] = secret
            request = urllib.request.Request(
                proxy.rstrip("/") + (urlsplit(url).path or "/"),
                data=json.dumps(update).encode("utf-8"),
                headers=headers,
                method="POST",
            )
            try:
                with urllib.request.urlopen(request, timeout=10) as reply:
                    status = int(reply.status)
            except urllib.error.HTTPError as exc:
                status = exc.code
            except OSError:
                status = 0
            with self._cond:
                self._deliveries.append({"update_id": update["update_id"], "status": status})
                if 200 <= status < 300:
                    self._updates = [
                        u for u in self._updates if u["update_id"] != update["update_id"]
                    ]
                    continue
                self._webhook["last_error_date"] = int(time.time())
                self._webhook["last_error_message"] = (
                    f"Wrong response from the webhook: {status}" if status else "Connection refused"
                )
            self._stop_event.wait(0.2)  # Telegram backs off before trying again

    def _m_get_webhook_info(self, params: JSON) -> JSON:
        info = {
            **self._webhook,
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        return info

    def _check_markup(self, markup: Any, *, inline_only: bool = False) -> JSON | None:
        if markup is None or markup == "":
            return None
        if not isinstance(markup, dict):
            raise _ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
        if "inline_keyboard" not in markup:
            if inline_only:
                raise _ApiError(400, "Bad Request: inline keyboard expected")
            if not any(k in markup for k in ("keyboard", "remove_keyboard", "force_reply")):
                raise _ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
            return markup
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise _ApiError(400, "Bad Request: can't parse inline keyboard button: expected array")
        for row in rows:
            for button in row:
                if not isinstance(button, dict) or not isinstance(button.get("text"), str):
                    raise _ApiError(400, "Bad Request: can't parse inline keyboard button")
                actions = [k for k in _BUTTON_ACTIONS if k in button]
                if not actions:
                    raise _ApiError(
                        400, "Bad Request: text buttons are unallowed in the inline keyboard"
                    )
                data = button.get("callback_data")
                if "callback_data" in button and (
                    not isinstance(data, str)
                    or not 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_DATA_BYTES
                ):
                    raise _ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
                url = button.get("url")
                if "url" in button and not _plausible_button_url(url):
                    raise _ApiError(
                        400,
                        f"Bad Request: inline keyboard button URL '{url}' is invalid: "
                        "Wrong HTTP URL",
                    )
        return markup

    def _m_send_message(self, params: JSON) -> JSON:
        chat = self._resolve_chat(params.get("chat_id"), for_sending=True)
        text, entities = self._prepare_text(
            params.get("text"), params.get("parse_mode"), params.get("entities")
        )
        markup = self._check_markup(params.get("reply_markup"))
        chat_id = chat["id"]

        reply = params.get("reply_parameters")
        if reply is None and params.get("reply_to_message_id") is not None:
            reply = {
                "message_id": params["reply_to_message_id"],
                "allow_sending_without_reply": params.get("allow_sending_without_reply", False),
            }
        replied: JSON | None = None
        if reply is not None:
            if not isinstance(reply, dict) or not isinstance(reply.get("message_id"), int):
                raise _ApiError(400, "Bad Request: can't parse reply parameters JSON object")
            reply_chat_id = chat_id
            if reply.get("chat_id") not in (None, ""):
                reply_chat_id = self._resolve_chat(reply["chat_id"])["id"]
            replied = self._messages.get((reply_chat_id, reply["message_id"]))
            if replied is None and not reply.get("allow_sending_without_reply"):
                raise _ApiError(400, "Bad Request: message to be replied not found")

        thread_id = params.get("message_thread_id")
        in_forum = bool(chat.get("is_forum")) and isinstance(thread_id, int) and thread_id > 0
        message: JSON = {
            "message_id": self._allocate_message_id(chat_id),
            "from": self._bot_from(),
            "chat": self._chat_public(chat),
            "date": int(time.time()),
        }
        if in_forum:
            message["message_thread_id"] = thread_id
            message["is_topic_message"] = True
        if replied is not None:
            message["reply_to_message"] = _without_reply(replied)
        elif in_forum:
            message["reply_to_message"] = self._topic_root(chat, thread_id, self._bot_from())
        message["text"] = text
        if entities:
            message["entities"] = entities
        if _inline_markup(markup):
            message["reply_markup"] = markup

        key = (chat_id, message["message_id"])
        self._messages[key] = message
        self._seq += 1
        record: JSON = {
            "message_id": message["message_id"],
            "chat_id": chat_id,
            "text": params["text"],
            "plain_text": text,
            "parse_mode": params.get("parse_mode"),
            "entities": entities,
            "reply_markup": markup,
            "reply_to_message_id": replied["message_id"] if replied else None,
            "message_thread_id": thread_id if isinstance(thread_id, int) else None,
            "date": message["date"],
            "deleted": False,
            "edit_date": None,
            "edits": [],
            "message": message,
            "seq": self._seq,
            "updated_seq": self._seq,
        }
        self._bot_records.append(record)
        self._bot_index[key] = record
        self._cond.notify_all()
        return copy.deepcopy(message)

    def _edit_target(self, params: JSON) -> tuple[JSON, bool]:
        inline_id = params.get("inline_message_id")
        if inline_id:
            record = self._inline_messages.get(str(inline_id))
            if record is None:
                raise _ApiError(400, "Bad Request: MESSAGE_ID_INVALID")
            return record, True
        chat = self._resolve_chat(params.get("chat_id"))
        message_id = params.get("message_id")
        if not isinstance(message_id, int):
            raise _ApiError(400, "Bad Request: message identifier is not specified")
        key = (chat["id"], message_id)
        record = self._bot_index.get(key)
        if record is None or record["deleted"]:
            if key in self._messages:
                raise _ApiError(400, "Bad Request: message can't be edited")
            raise _ApiError(400, "Bad Request: message to edit not found")
        return record, False

    def _apply_edit(
        self,
        record: JSON,
        *,
        raw_text: str | None,
        plain_text: str | None,
        parse_mode: Any,
        entities: list[JSON],
        markup: JSON | None,
        inline: bool,
    ) -> JSON | bool:
        unchanged = (
            record["plain_text"] == plain_text
            and record["entities"] == entities
            and _inline_markup(record["reply_markup"]) == _inline_markup(markup)
        )
        if unchanged:
            raise _ApiError(400, _NOT_MODIFIED)
        now = int(time.time())
        record["edits"].append(
            {
                key: copy.deepcopy(record.get(key))
                for key in ("text", "plain_text", "parse_mode", "entities", "reply_markup")
            }
            | {"edit_date": record.get("edit_date")}
        )
        record.update(
            text=raw_text,
            plain_text=plain_text,
            parse_mode=parse_mode,
            entities=entities,
            reply_markup=markup,
            edit_date=now,
        )
        self._seq += 1
        record["updated_seq"] = self._seq
        self._cond.notify_all()
        if inline:
            return True
        message = record["message"]
        message["text"] = plain_text
        message["edit_date"] = now
        if entities:
            message["entities"] = entities
        else:
            message.pop("entities", None)
        if _inline_markup(markup):
            message["reply_markup"] = markup
        else:
            message.pop("reply_markup", None)
        return copy.deepcopy(message)

    def _m_edit_message_text(self, params: JSON) -> JSON | bool:
        record, inline = self._edit_target(params)
        text, entities = self._prepare_text(
            params.get("text"), params.get("parse_mode"), params.get("entities")
        )
        # Like Telegram: omitting reply_markup in an edit removes the inline keyboard.
        markup = self._check_markup(params.get("reply_markup"), inline_only=True)
        return self._apply_edit(
            record,
            raw_text=params["text"],
            plain_text=text,
            parse_mode=params.get("parse_mode"),
            entities=entities,
            markup=markup,
            inline=inline,
        )

    def _m_edit_message_reply_markup(self, params: JSON) -> JSON | bool:
        record, inline = self._edit_target(params)
        markup = self._check_markup(params.get("reply_markup"), inline_only=True)
        return self._apply_edit(
            record,
            raw_text=record["text"],
            plain_text=record["plain_text"],
            parse_mode=record["parse_mode"],
            entities=record["entities"],
            markup=markup,
            inline=inline,
        )

    def _m_delete_message(self, params: JSON) -> bool:
        chat = self._resolve_chat(params.get("chat_id"))
        message_id = params.get("message_id")
        if not isinstance(message_id, int):
            raise _ApiError(400, "Bad Request: message identifier is not specified")
        key = (chat["id"], message_id)
        if self._messages.pop(key, None) is None:
            raise _ApiError(400, "Bad Request: message to delete not found")
        record = self._bot_index.get(key)
        if record is not None:
            record["deleted"] = True
            self._seq += 1
            record["updated_seq"] = self._seq
        self._cond.notify_all()
        return True

    def _m_answer_callback_query(self, params: JSON) -> bool:
        query_id = str(params.get("callback_query_id") or "")
        query = self._pending_callbacks.get(query_id)
        if query is None:
            raise _ApiError(400, _QUERY_TOO_OLD)
        text = params.get("text")
        if isinstance(text, str) and len(text) > MAX_CALLBACK_ANSWER_LENGTH:
            raise _ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        del self._pending_callbacks[query_id]
        self._callback_answers.append(
            {
                "callback_query_id": query_id,
                "data": query.get("data"),
                "text": text,
                "show_alert": bool(params.get("show_alert", False)),
                "url": params.get("url"),
                "cache_time": params.get("cache_time"),
            }
        )
        self._cond.notify_all()
        return True

    def _m_answer_inline_query(self, params: JSON) -> bool:
        query_id = str(params.get("inline_query_id") or "")
        query = self._pending_inline.get(query_id)
        if query is None:
            raise _ApiError(400, _QUERY_TOO_OLD)
        results = params.get("results")
        if not isinstance(results, list):
            raise _ApiError(400, "Bad Request: can't parse inline query results JSON object")
        if len(results) > MAX_INLINE_RESULTS:
            raise _ApiError(400, "Bad Request: RESULTS_TOO_MUCH")
        seen: set[str] = set()
        for result in results:
            if not isinstance(result, dict) or not isinstance(result.get("type"), str):
                raise _ApiError(400, "Bad Request: can't parse inline query result JSON object")
            result_id = result.get("id")
            if not isinstance(result_id, str) or not 1 <= len(result_id.encode()) <= 64:
                raise _ApiError(400, "Bad Request: RESULT_ID_INVALID")
            if result_id in seen:
                raise _ApiError(400, "Bad Request: RESULT_ID_DUPLICATE")
            seen.add(result_id)
            content = result.get("input_message_content")
            if result["type"] == "article" and not isinstance(content, dict):
                raise _ApiError(
                    400, "Bad Request: can't parse inline query result: input_message_content"
                )
            if isinstance(content, dict) and "message_text" in content:
                self._prepare_text(
                    content.get("message_text"), content.get("parse_mode"), content.get("entities")
                )
            self._check_markup(result.get("reply_markup"), inline_only=True)
        del self._pending_inline[query_id]
        self._inline_answers.append(
            {
                "inline_query_id": query_id,
                "query": query["query"],
                "user_id": query["from"]["id"],
                "results": results,
                "cache_time": params.get("cache_time"),
                "is_personal": params.get("is_personal"),
                "next_offset": params.get("next_offset"),
                "button": params.get("button"),
            }
        )
        self._cond.notify_all()
        return True

    def _m_send_chat_action(self, params: JSON) -> bool:
        chat = self._resolve_chat(params.get("chat_id"), for_sending=True)
        action = params.get("action")
        if action not in _CHAT_ACTIONS:
            raise _ApiError(400, "Bad Request: wrong parameter action in request")
        self._chat_actions.append(
            {
                "chat_id": chat["id"],
                "action": action,
                "message_thread_id": params.get("message_thread_id"),
            }
        )
        self._cond.notify_all()
        return True

    def _m_get_file(self, params: JSON) -> JSON:
        info = self._files.get(str(params.get("file_id") or ""))
        if info is None:
            raise _ApiError(
                400, "Bad Request: wrong file_id or the file is temporarily unavailable"
            )
        if info["file_size"] > MAX_DOWNLOAD_SIZE:
            raise _ApiError(400, "Bad Request: file is too big")
        return dict(info)

    def _commands_key(self, params: JSON) -> tuple[str, str]:
        scope = params.get("scope") or {"type": "default"}
        if not isinstance(scope, dict) or scope.get("type") not in _SCOPE_TYPES:
            raise _ApiError(400, "Bad Request: can't parse BotCommandScope JSON object")
        if scope["type"] in ("chat", "chat_administrators", "chat_member"):
            self._resolve_chat(scope.get("chat_id"))
        language = params.get("language_code") or ""
        if not isinstance(language, str) or (language and not re.fullmatch(r"[a-z]{2}", language)):
            raise _ApiError(400, "Bad Request: invalid language code specified")
        return _scope_key(scope), language

    def _m_set_my_commands(self, params: JSON) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise _ApiError(400, "Bad Request: can't parse commands JSON object")
        if len(commands) > 100:
            raise _ApiError(400, "Bad Request: too many commands")
        for command in commands:
            if not isinstance(command, dict):
                raise _ApiError(400, "Bad Request: can't parse BotCommand JSON object")
            if not re.fullmatch(r"[a-z0-9_]{1,32}", str(command.get("command", ""))):
                raise _ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            description = command.get("description")
            if not isinstance(description, str) or not 1 <= len(description.strip()) <= 256:
                raise _ApiError(400, "Bad Request: command description is empty or too long")
        key = self._commands_key(params)
        cleaned = [{"command": c["command"], "description": c["description"]} for c in commands]
        if cleaned:
            self._commands[key] = cleaned
        else:
            self._commands.pop(key, None)
        self._cond.notify_all()
        return True

    def _m_get_my_commands(self, params: JSON) -> list[JSON]:
        return copy.deepcopy(self._commands.get(self._commands_key(params), []))

    def _m_delete_my_commands(self, params: JSON) -> bool:
        self._commands.pop(self._commands_key(params), None)
        self._cond.notify_all()
        return True

    def _description_language(self, params: JSON) -> str:
        language = params.get("language_code") or ""
        if not isinstance(language, str) or (language and not re.fullmatch(r"[a-z]{2}", language)):
            raise _ApiError(400, "Bad Request: invalid language code specified")
        return language

    def _set_description(self, params: JSON, kind: str, name: str, limit: int) -> bool:
        text = params.get(name) or ""
        if not isinstance(text, str):
            raise _ApiError(400, f"Bad Request: can't parse {name}")
        if len(text) > limit:
            raise _ApiError(400, f"Bad Request: {name} is too long")
        key = (kind, self._description_language(params))
        if text:
            self._descriptions[key] = text
        else:  # an empty text removes the one for that language
            self._descriptions.pop(key, None)
        self._cond.notify_all()
        return True

    def _m_set_my_description(self, params: JSON) -> bool:
        return self._set_description(params, "description", "description", 512)

    def _m_set_my_short_description(self, params: JSON) -> bool:
        return self._set_description(params, "short_description", "short_description", 120)

    def _m_get_my_description(self, params: JSON) -> JSON:
        language = self._description_language(params)
        text = self._descriptions.get(("description", language), "")
        return {"description": text}

    def _m_get_my_short_description(self, params: JSON) -> JSON:
        language = self._description_language(params)
        text = self._descriptions.get(("short_description", language), "")
        return {"short_description": text}

    def _m_get_chat(self, params: JSON) -> JSON:
        chat = self._resolve_chat(params.get("chat_id"))
        info: JSON = {
            **chat,
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": True,
                "limited_gifts": True,
                "unique_gifts": True,
                "premium_subscription": True,
                "gifts_from_channels": True,
            },
        }
        if chat["type"] == "private":
            user = self._users.get(chat["id"], {})
            for key in ("last_name", "username"):
                if user.get(key):
                    info[key] = user[key]
        return info

    def _m_get_chat_member(self, params: JSON) -> JSON:
        chat = self._resolve_chat(params.get("chat_id"))
        user_id = params.get("user_id")
        if user_id == self.bot_id:
            user = self._bot_from()
        elif isinstance(user_id, int) and user_id in self._users:
            user = self._user_public(self._users[user_id])
        else:
            raise _ApiError(400, "Bad Request: user not found")
        key = (chat["id"], user["id"])
        status = self._member_status.get(key)
        if status is None:
            own_chat = chat["type"] == "private" and chat["id"] == user["id"]
            status = "member" if own_chat else "left"
        member: JSON = {"status": status, "user": user}
        if status == "creator":
            member["is_anonymous"] = False
        elif status == "administrator":
            member.update(
                {
                    "can_be_edited": False,
                    "is_anonymous": False,
                    "can_manage_chat": True,
                    "can_delete_messages": True,
                    "can_manage_video_chats": False,
                    "can_restrict_members": False,
                    "can_promote_members": False,
                    "can_change_info": False,
                    "can_invite_users": True,
                    "can_post_stories": False,
                    "can_edit_stories": False,
                    "can_delete_stories": False,
                }
            )
        elif status == "restricted":
            member.update(
                {
                    "is_member": self._restricted_is_member.get(key, True),
                    "until_date": 0,
                    **{permission: False for permission in _RESTRICTED_PERMISSIONS},
                }
            )
        elif status == "kicked":
            member["until_date"] = 0
        return member


# --------------------------------------------------------------------------------------------
# small helpers
# --------------------------------------------------------------------------------------------


def _without_reply(message: JSON) -> JSON:
    """Telegram never nests reply_to_message more than one level deep."""
    copied = copy.deepcopy(message)
    copied.pop("reply_to_message", None)
    return copied


def _inline_markup(markup: JSON | None) -> JSON | None:
    """The part of a markup that is stored on the message: a non-empty inline keyboard."""
    if markup and any(markup.get("inline_keyboard") or []):
        return markup
    return None


def _plausible_button_url(url: Any) -> bool:
    """Telegram adds http:// to bare hosts but rejects blanks, spaces and other schemes."""
    if not isinstance(url, str) or not url or any(ch.isspace() for ch in url):
        return False
    scheme, separator, _ = url.partition("://")
    return not separator or scheme.lower() in ("http", "https", "tg")


def _check_entities(entities: Any) -> list[JSON]:
    if entities is None or entities == "":
        return []
    if not isinstance(entities, list) or not all(
        isinstance(e, dict)
        and isinstance(e.get("type"), str)
        and isinstance(e.get("offset"), int)
        and isinstance(e.get("length"), int)
        for e in entities
    ):
        raise _ApiError(400, "Bad Request: can't parse entities JSON object")
    return [dict(e) for e in entities]


def _int_param(params: JSON, name: str, default: int) -> int:
    value = params.get(name, default)
    if value is None or value == "":
        return default
    if not isinstance(value, int) or isinstance(value, bool):
        raise _ApiError(400, f"Bad Request: invalid {name} specified")
    return value


def _scope_key(scope: JSON) -> str:
    return json.dumps(scope, sort_keys=True, separators=(",", ":"))


# --------------------------------------------------------------------------------------------
# test helpers
# --------------------------------------------------------------------------------------------


@contextlib.contextmanager
def running_fake(**kwargs: Any) -> Iterator[FakeTelegram]:
    """A started FakeTelegram that is always stopped, even when the test fails."""
    fake = FakeTelegram(**kwargs)
    fake.start()
    try:
        yield fake
    finally:
        fake.stop()
