"""Telegram's text rules as pure functions: Bot API HTML parsing (tdlib's parse_html, with its
error texts and byte offsets), trimming, UTF-16 lengths, and the entities Telegram attaches to
what a user types (commands and mentions).

The fake's 400 "can't parse entities" answers come from here; tests may also call these
functions directly to check that what the bot renders is valid Telegram HTML.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, NamedTuple

JSON = dict[str, Any]


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
