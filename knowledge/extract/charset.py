"""Bytes of unknown encoding -> text, for the text and HTML readers.

Uploads arrive as UTF-8, UTF-16 with or without a BOM, GB18030/GBK or Big5, and nothing says
which. Detectors are unreliable between GBK and Big5 on short Chinese text, because nearly every
Big5 byte pair is valid GBK too; so both are decoded and the more plausible Chinese wins.
"""

from __future__ import annotations

import codecs
import functools
import re
import unicodedata

import charset_normalizer

from knowledge.errors import UnreadableDocument

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# Servers and templates send these by default, so they say little about the real encoding.
WEAK_CHARSETS = frozenset({"ascii", "latin-1", "iso8859-1", "cp1252"})
# Control characters, U+FFFD and private-use characters: real text has almost none.
_JUNK = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ufffd\ue000-\uf8ff]")
_SCORE_SAMPLE = 20_000
_PARAGRAPH_BREAK = re.compile(rb"(\r?\n[ \t]*\r?\n)")


def decode_text(data: bytes, hint: str | None = None) -> str:
    """Decode text of unknown encoding; the result has no BOM, only "\\n" newlines, and is NFC.

    Order: a BOM, then ``hint`` unless it is a generic Western default, then UTF-8 (NUL-free;
    a cut-off last character is forgiven), then UTF-8 paragraphs mixed with GB18030 or Big5
    ones (each decoded on its own), then UTF-8 forgiving rare stray bytes, then UTF-16 without
    a BOM if the NUL pattern shows it, then the better scoring of GB18030 and Big5, then
    charset_normalizer, then the weak hint or cp1252. Text with NULs or more than about 1%
    control, private-use or replacement characters is refused at every step.

    Raises:
        UnreadableDocument: the bytes are binary or in no encoding we can recognise.
    """
    text = decode_or_none(data, hint)
    if text is None:
        raise UnreadableDocument("the bytes are binary or in an unknown text encoding")
    return text


def canonical_charset(label: str | None) -> str | None:
    """A Python codec for a charset label, widened to the superset that real files use."""
    try:
        name = codecs.lookup((label or "").strip()).name if label else None
    except LookupError:
        return None
    if name in {"gb2312", "gbk", "gb18030", "hz"}:
        return "gb18030"
    if name in {"big5", "cp950", "big5hkscs"}:
        return "big5hkscs"
    return name


def decode_or_none(data: bytes, hint: str | None) -> str | None:
    """``decode_text`` for callers that word their own refusal."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return _checked(data[len(bom) :], codec, lenient=True)
    charset = canonical_charset(hint)
    if charset and charset not in WEAK_CHARSETS:
        text = _checked(data, charset)
        # A CJK hint that decodes without error can still be wrong (GBK bytes are mostly valid
        # Big5): it must read as well as the best guess from the bytes themselves.
        if text is not None:
            guess = _decode_cjk(data) if _score(text) < 0.9 else None
            if guess is None or _score(text) >= _score(guess):
                return text
    if b"\x00" not in data:
        if (text := _decode_utf8(data, lenient=False)) is not None:
            return text
        if (text := _decode_by_paragraph(data)) is not None:
            return text
        if (text := _decode_utf8(data, lenient=True)) is not None:
            return text
    if utf16 := _sniff_utf16(data):
        text = _checked(data, utf16, lenient=True)
        if text is not None and _score(text) > 0.5:
            return text
        # Chinese has NULs of its own (一 is U+4E00): let the scored candidates decide.
    if (text := _decode_cjk(data)) is not None:
        return text
    match = charset_normalizer.from_bytes(
        data[:200_000], cp_isolation=["gb18030", "big5", "utf_16", "cp1252"]
    ).best()
    if match is not None and (text := _checked(data, match.encoding)) is not None:
        return text
    return _checked(data, charset or "cp1252")


def _checked(data: bytes, codec: str, *, lenient: bool = False) -> str | None:
    """Decode, rejected when the result is junk rather than text.

    ``lenient`` replaces undecodable bytes instead of failing; the junk limit still applies.
    """
    try:
        text = data.decode(codec, errors="replace" if lenient else "strict")
    except (UnicodeDecodeError, LookupError):
        return None
    return _accepted(text)


def _accepted(text: str) -> str | None:
    if "\x00" in text or _JUNK.subn("", text)[1] > 0.01 * len(text) + 1:
        return None
    return normalize_text(text)


def _decode_utf8(data: bytes, *, lenient: bool) -> str | None:
    """UTF-8, forgiving a character cut off at the end and, if ``lenient``, rare stray bytes.

    Files cut at a byte limit, or with one pasted Latin-1 byte, are still UTF-8; Latin-1 text
    is not: its non-ASCII bytes are all invalid, so it needs many valid sequences per bad one.
    """
    try:
        return _accepted(data.decode("utf-8"))
    except UnicodeDecodeError as err:
        if err.reason == "unexpected end of data" and err.start >= len(data) - 3:
            return _accepted(data[: err.start].decode("utf-8"))
    if not lenient:
        return None
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd") - data.count("\ufffd".encode())
    wide = len(text) - len(text.encode("ascii", errors="ignore")) - bad
    return _accepted(text) if bad * 50 <= wide else None


def _decode_by_paragraph(data: bytes) -> str | None:
    """A file pasted together from files in two encodings, each paragraph decoded on its own.

    Taken only when some paragraphs are UTF-8 with non-ASCII text and every other one reads as
    plausible Chinese in GB18030 or Big5 (a few stray bytes in UTF-8 are not that: they are
    left to the lenient UTF-8 reading). A blank line is the same bytes in all three encodings,
    and no GB18030 or Big5 character contains a newline byte, so the cut is safe.
    """
    parts = _PARAGRAPH_BREAK.split(data)
    texts: list[str] = []
    utf8_chinese = False
    for number, part in enumerate(parts):
        if number % 2:  # a separator: blank-line whitespace
            texts.append(part.decode("ascii"))
            continue
        try:
            texts.append(part.decode("utf-8"))
            utf8_chinese = utf8_chinese or not part.isascii()
            continue
        except UnicodeDecodeError:
            pass
        text = _decode_cjk(part)
        if text is None or sum(map(_is_hanzi, text)) < 4 or _score(text) < 0.5:
            return None
        texts.append(text)
    if not utf8_chinese:
        return None
    return _accepted("".join(texts))


def _is_hanzi(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


def _sniff_utf16(data: bytes) -> str | None:
    """UTF-16 without a BOM: ASCII (newlines, digits, spaces) puts NULs on one side of each pair."""
    sample = data[:8192]
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    if odd > 3 * even:
        return "utf-16-le"
    if even > 3 * odd:
        return "utf-16-be"
    return None


def _decode_cjk(data: bytes) -> str | None:
    """GB18030 or Big5, whichever decodes into the more plausible Chinese.

    Charset detectors guess poorly between the two on short text because almost any Big5 byte
    pair is also valid GBK. So decode both and score the non-ASCII characters: common hanzi and
    CJK punctuation count for, rare hanzi, kana, symbols and private-use characters against.
    """
    candidates = ["gb18030", "big5hkscs"] + (
        ["utf-16-le", "utf-16-be"] if len(data) % 2 == 0 else []
    )
    scored = [(_score(text), text) for codec in candidates if (text := _checked(data, codec))]
    best = max(scored, key=lambda pair: pair[0], default=None)
    return best[1] if best is not None and best[0] > 0.3 else None


def _score(text: str) -> float:
    scores = [_char_score(ch) for ch in text[:_SCORE_SAMPLE] if not ch.isascii()]
    return sum(scores) / len(scores) if scores else 1.0


@functools.lru_cache(maxsize=65_536)
def _char_score(ch: str) -> float:
    code = ord(ch)
    if 0x4E00 <= code <= 0x9FFF:
        return 1.0 if _is_common_hanzi(ch) else -0.5
    if 0x3000 <= code <= 0x303F or 0xFF01 <= code <= 0xFF5E or 0x2010 <= code <= 0x2027:
        return 1.0
    if code == 0xFFFD or unicodedata.category(ch) in {"Cc", "Cs", "Co", "Cn"}:
        return -5.0
    return -1.0


def _is_common_hanzi(ch: str) -> bool:
    """GB2312 level 1 and Big5's common-character block are frequency lists we get for free."""
    for codec, low, high in (("gb2312", 0xB0A1, 0xD7FE), ("big5", 0xA440, 0xC67E)):
        try:
            raw = ch.encode(codec)
        except UnicodeEncodeError:
            continue
        if len(raw) == 2 and low <= (raw[0] << 8 | raw[1]) <= high:
            return True
    return False


def normalize_text(text: str) -> str:
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\u2029", "\n\n").replace("\u2028", "\n").replace("\x85", "\n")
    return unicodedata.normalize("NFC", text)
