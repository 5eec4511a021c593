"""Rendering without Telegram: splitting never breaks markup, highlights, escaping, i18n."""

from __future__ import annotations

import pytest

from benchmarks.fakes.telegram_server import parse_html, utf16_len
from bot.i18n import LANGS, MESSAGES, choose_lang, lang_from_code, t
from bot.refusals import refusal_text
from bot.render import render_answer
from bot.spans import Span, pack
from knowledge.errors import BadQuestion, FileTooLarge
from knowledge.models import Answer, Citation, QuotedSentence, Sentence


def _quote(text: str, number: int, highlights: tuple[tuple[int, int], ...] = ()) -> QuotedSentence:
    sentence = Sentence(number, "abc123def456", 2, number, 0, len(text), text)
    citation = Citation(
        number, "abc123def456", "A & B <Title>", "src", 'https://ex.com/?a=1&b="2"', "2025-01-02", 2
    )
    return QuotedSentence(sentence, citation, 1.0, highlights)


def test_quotes_are_exact_with_bold_highlights_and_escaped_pieces() -> None:
    text = "R&D at <HKUST> grew 😀 fast & far"
    answer = Answer("q", "en", True, (_quote(text, 1, ((0, 3), (2, 6), (8, 13), (40, 50))),))
    [html] = render_answer(answer)
    parsed = parse_html(html)
    assert f"“{text}” [1]" in parsed.text
    bolds = [e for e in parsed.entities if e["type"] == "bold"]
    assert len(bolds) >= 2  # merged overlap (0,6) and (8,13), plus the "Sources" heading
    links = [e for e in parsed.entities if e["type"] == "text_link"]
    assert links and links[0]["url"] == 'https://ex.com/?a=1&b="2"'
    assert "[1] A & B <Title> — src, para. 2, 2025-01-02" in parsed.text


@pytest.mark.parametrize("limit", [50, 120, 333, 4096])
def test_pack_never_breaks_markup_and_respects_the_limit(limit: int) -> None:
    blocks = [
        (Span("“"), Span("bold & <b>" * 30, bold=True), Span("” [1]")),
        (Span("链接" * 80, href="https://example.com/x?y=1&z=2"),),
        (Span("😀" * 70), Span(" tail")),
    ]
    parts = pack(blocks, limit)
    assert len(parts) > (1 if limit < 4096 else 0)
    joined = ""
    for part in parts:
        parsed = parse_html(part)
        assert utf16_len(parsed.text) <= limit
        joined += parsed.text
    expected = "".join(s.text for b in blocks for s in b)
    assert joined.replace("\n", "") == expected.replace("\n", "")


def test_long_answer_splits_into_parts_under_4096() -> None:
    quotes = tuple(_quote(f"Sentence {i} " + "word " * 400, i + 1, ((0, 8),)) for i in range(5))
    parts = render_answer(Answer("q", "en", True, quotes))
    assert len(parts) >= 3
    for part in parts:
        assert utf16_len(parse_html(part).text) <= 4096
    assert "Sources" in parse_html(parts[-1]).text


def test_every_message_exists_in_three_languages() -> None:
    for key, texts in MESSAGES.items():
        assert set(texts) == set(LANGS), key
        for text in texts.values():
            if not key.startswith("plain_"):
                parse_html(text.replace("{", "").replace("}", ""))  # valid Telegram HTML


@pytest.mark.parametrize(
    ("code", "lang"),
    [
        ("en", "en"),
        ("en-US", "en"),
        (None, "en"),
        ("zh", "zh-Hans"),
        ("zh-CN", "zh-Hans"),
        ("zh-hans", "zh-Hans"),
        ("zh-TW", "zh-Hant"),
        ("zh-HK", "zh-Hant"),
        ("zh-Hant", "zh-Hant"),
    ],
)
def test_language_codes(code: str | None, lang: str) -> None:
    assert lang_from_code(code) == lang


def test_question_language_wins_over_the_users_setting() -> None:
    assert choose_lang("哪所香港大學培養了DeepSeek的創始人？", "en") == "zh-Hant"
    assert choose_lang("who founded DeepSeek?", "zh-CN") == "en"
    assert choose_lang("   ", "zh-TW") == "zh-Hant"


def test_errors_are_worded_from_code_and_params() -> None:
    err = FileTooLarge("english text", size=3 * 1024 * 1024, limit=1024 * 1024)
    assert refusal_text(err, "zh-Hans") == "文件太大（3.0 MB），上限是 1.0 MB。"
    long = BadQuestion("x", reason="too_long", length=600, limit=500)
    assert "600" in refusal_text(long, "en")
    assert t("plain_source", "en", n=3) == "📄 Source 3"
    assert (
        t("err_not_found", "en", id="<x>") == "There is no article with id <code>&lt;x&gt;</code>."
    )
