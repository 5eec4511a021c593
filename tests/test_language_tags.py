"""One language-tag map: the readers, the knowledge base and the bot read a tag the same way.

They used to keep three maps that disagreed ("zh" gave None in the readers, zh-Hans in the
knowledge base and the bot's messages); now all three use knowledge.text.lang_from_tag.
"""

from __future__ import annotations

import re

import pytest

from bot.i18n import lang_from_code
from knowledge.extract import extract, extract_text
from knowledge.models import ParsedDocument
from knowledge.service import KnowledgeBase
from knowledge.text import HAN, is_han, lang_from_tag

TAGS = {
    "zh": "zh-Hans",
    "zh-CN": "zh-Hans",
    "zh_SG": "zh-Hans",
    "zh-TW": "zh-Hant",
    "zh-HK": "zh-Hant",
    "zh-Hant": "zh-Hant",
    "zh-hant-tw": "zh-Hant",
    "zh-Hans-HK": "zh-Hans",
    "en-US": "en",
    "en": "en",
}
# A body whose guessed language differs from the tag's, so that the tag is seen to decide.
ENGLISH = "The Star Ferry has crossed Victoria Harbour since 1888, carrying commuters daily."
CHINESE = "天星小輪自一八八八年起往來維多利亞港兩岸，每日接載大量乘客。"


@pytest.mark.parametrize("tag", sorted(TAGS))
def test_a_tag_names_the_same_language_everywhere(tag: str, module_kb: KnowledgeBase) -> None:
    expected = TAGS[tag]
    # A new article for each tag: the same text again would be "unchanged", with the old lang.
    body = f"{CHINESE if expected == 'en' else ENGLISH} ({tag})"
    front_matter = extract_text(f"---\nlang: {tag}\n---\n{body}\n").lang
    page = f'<html lang="{tag}"><body><article><p>{body}</p></article></body></html>'
    html = extract(page.encode(), "page.html").lang
    stored = module_kb.ingest_document(ParsedDocument(paragraphs=(body,), lang=tag)).article.lang
    assert {
        "map": lang_from_tag(tag),
        "front matter": front_matter,
        "html": html,
        "knowledge base": stored,
        "bot": lang_from_code(tag),
    } == dict.fromkeys(["map", "front matter", "html", "knowledge base", "bot"], expected)


@pytest.mark.parametrize("tag", [None, "", "fr", "ja-JP", "zhx"])
def test_other_tags_leave_the_choice_to_the_caller(tag: str | None) -> None:
    assert lang_from_tag(tag) is None
    assert lang_from_code(tag) == "en"  # the bot speaks English to the rest of the world


def test_han_range_and_is_han_agree() -> None:
    han = re.compile(f"[{HAN}]")
    for code in range(0x2E80, 0xFFFF):
        ch = chr(code)
        assert is_han(ch) == bool(han.fullmatch(ch)), hex(code)
    assert is_han("香") and is_han("㐀") and is_han("豈") and not is_han("，") and not is_han("a")
