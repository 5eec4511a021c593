"""Tests for knowledge.extract and its format readers; every fixture file is built at test time."""

from __future__ import annotations

import contextlib
import io
import random
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from knowledge.errors import (
    EmptyDocument,
    FileTooLarge,
    InputError,
    UnreadableDocument,
    UnsupportedFormat,
)
from knowledge.extract import (
    DEFAULT_MAX_BYTES,
    SUPPORTED_EXTENSIONS,
    decode_text,
    extract,
    extract_text,
)
from knowledge.extract import docx as extract_docx
from knowledge.extract import html as extract_html
from knowledge.extract import pdf as extract_pdf

HKUST_HANT = "香港科技大學（HKUST）的博士畢業生創立了大疆。"
HANT_PARAGRAPHS = [
    "大疆創新科技有限公司於二零零六年在深圳成立，創辦人汪滔曾就讀於香港科技大學。"
    "公司最初在宿舍裡起步，後來迅速成長為全球最大的消費級無人機製造商。",
    "大疆的產品包括精靈系列和御系列，廣泛用於航拍、農業和測繪。"
    "批評者對數據安全表示擔憂，公司對此予以否認，並表示用戶可以選擇離線模式。",
]
HKUST_HANS = "香港科技大学（HKUST）的博士毕业生创立了大疆。"
HANS_PARAGRAPHS = [
    "大疆创新科技有限公司于二零零六年在深圳成立，创办人汪滔曾就读于香港科技大学。"
    "公司最初在宿舍里起步，后来迅速成长为全球最大的消费级无人机制造商。",
    "大疆的产品包括精灵系列和御系列，广泛用于航拍、农业和测绘。"
    "批评者对数据安全表示担忧，公司对此予以否认，并表示用户可以选择离线模式。",
]
EN_PARAGRAPHS = [
    "DJI was founded in 2006 by Frank Wang, who studied at the Hong Kong University of "
    "Science and Technology. The company started in a dormitory and moved to Shenzhen, where "
    "it grew quickly into the largest maker of consumer drones in the world.",
    "Its products include the Phantom and Mavic series. Critics have raised concerns about "
    "data security, which the company disputes. It employs about fourteen thousand people.",
    "A short closing paragraph.",
]


# --- plain text and encodings ----------------------------------------------------------------


def test_news_dump_with_one_paragraph_per_line() -> None:
    text = "大疆的故事\n" + "\n".join(HANT_PARAGRAPHS) + "\n"

    document = extract(text.encode(), "dump.txt")

    assert document.paragraphs == tuple(HANT_PARAGRAPHS)
    assert document.title == "大疆的故事"
    assert document.format == "txt"
    assert document.lang is None  # never guessed here


def test_blank_line_blocks_join_wrapped_lines_with_space_for_latin_and_nothing_for_cjk() -> None:
    text = (
        "DJI was founded in 2006\nby Frank Wang.\n\n"
        "大疆創新科技有限公司\n總部位於深圳。\n\n"
        "  \n\n大疆，\nDJI for short.\n"
    )

    document = extract(text.encode(), "wrapped.txt")

    assert document.paragraphs == (
        "DJI was founded in 2006 by Frank Wang.",
        "大疆創新科技有限公司總部位於深圳。",
        "大疆，DJI for short.",
    )


def test_heading_like_first_line_becomes_the_title_and_leaves_the_body() -> None:
    text = "Drones Rise in Shenzhen\n\n" + "\n\n".join(EN_PARAGRAPHS)

    document = extract(text.encode(), "story.txt")

    assert document.title == "Drones Rise in Shenzhen"
    assert document.paragraphs == tuple(EN_PARAGRAPHS)


def test_sentence_first_line_stays_a_paragraph_and_titles_the_document_by_its_start() -> None:
    text = "\n\n".join(EN_PARAGRAPHS)

    document = extract(text.encode(), "story.txt")

    assert document.paragraphs == tuple(EN_PARAGRAPHS)
    # About 80 characters, cut at a word boundary, with an ellipsis.
    assert (
        document.title
        == "DJI was founded in 2006 by Frank Wang, who studied at the Hong Kong University…"
    )


def test_hard_wrapped_first_line_is_not_mistaken_for_a_heading() -> None:
    text = (
        "DJI was founded in 2006 by Frank Wang, who studied at the Hong Kong\n"
        "University of Science and Technology in the nineteen-nineties.\n\n"
        "Second paragraph."
    )

    document = extract(text.encode(), "wrapped.txt")

    assert document.paragraphs[0].startswith("DJI was founded in 2006 by Frank Wang")
    assert len(document.paragraphs) == 2


def test_crlf_and_cr_newlines_are_normalised() -> None:
    text = "Title line\r\nFirst paragraph.\r\nSecond paragraph.\rThird paragraph.\r\n"

    document = extract(text.encode(), "dos.txt")

    assert document.paragraphs == ("First paragraph.", "Second paragraph.", "Third paragraph.")
    assert all("\r" not in p for p in document.paragraphs)


def test_utf8_bom_is_stripped() -> None:
    document = extract(b"\xef\xbb\xbf" + HKUST_HANT.encode(), "bom.txt")

    assert document.paragraphs == (HKUST_HANT,)
    assert document.title == HKUST_HANT


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le-bom", "utf-16-be-bom"])
def test_utf16_with_bom(codec: str) -> None:
    text = "Title\n" + "\n".join(HANT_PARAGRAPHS) + "\nEnglish line, too."
    data = {
        "utf-16": text.encode("utf-16"),
        "utf-16-le-bom": b"\xff\xfe" + text.encode("utf-16-le"),
        "utf-16-be-bom": b"\xfe\xff" + text.encode("utf-16-be"),
    }[codec]

    assert extract(data, "u16.txt").paragraphs == (*HANT_PARAGRAPHS, "English line, too.")


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
@pytest.mark.parametrize(
    "text",
    [
        "Plain ASCII article.\nSecond line here.",
        HKUST_HANT + "\n" + "\n".join(HANS_PARAGRAPHS),
        "香港科技大學的博士畢業生創立了大疆。",  # no ASCII, so no NULs: scored like GB and Big5
    ],
)
def test_utf16_without_bom_is_recognised(codec: str, text: str) -> None:
    assert decode_text(text.encode(codec)) == text


@pytest.mark.parametrize("codec", ["gb18030", "gbk", "gb2312"])
@pytest.mark.parametrize(
    "text",
    [
        HKUST_HANS,
        "北京",
        "我们",
        "台风来袭，学校停课。",
        "DJI 大疆 drones",
        "\n\n".join(HANS_PARAGRAPHS),
    ],
)
def test_simplified_chinese_in_gb_encodings_decodes_exactly(codec: str, text: str) -> None:
    assert decode_text(text.encode(codec)) == text


@pytest.mark.parametrize(
    "text",
    [HKUST_HANT, "台北", "我們", "會議紀錄", "颱風來襲，學校停課。", "\n\n".join(HANT_PARAGRAPHS)],
)
def test_traditional_chinese_in_big5_decodes_exactly(text: str) -> None:
    assert decode_text(text.encode("big5")) == text


def test_big5_file_reads_into_paragraphs() -> None:
    data = ("大疆的故事\n\n" + "\n\n".join(HANT_PARAGRAPHS)).encode("big5")

    document = extract(data, "big5.txt")

    assert document.title == "大疆的故事"
    assert document.paragraphs == tuple(HANT_PARAGRAPHS)


def test_western_text_in_cp1252_falls_back_to_cp1252() -> None:
    text = "Café crème at the Cité, naïve résumé — 5 €."

    assert decode_text(text.encode("cp1252")) == text


def test_charset_hints_widen_to_the_supersets_real_files_use() -> None:
    # 镕 is GBK but not GB2312; 佢哋講㗎 is Cantonese from Big5-HKSCS, not plain Big5.
    assert decode_text("朱镕基".encode("gbk"), "gb2312") == "朱镕基"
    assert decode_text("佢哋講㗎".encode("big5hkscs"), "big5") == "佢哋講㗎"


def test_wrong_strict_hint_falls_back_to_detection() -> None:
    assert decode_text(HKUST_HANS.encode("gb18030"), "utf-8") == HKUST_HANS


@pytest.mark.parametrize(
    "data",
    [
        random.Random(7).randbytes(4000),
        b"\x00" * 64,
        b"text with a NUL\x00 in the middle of it, which text files never have",
        b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8,
    ],
    ids=["random", "zeros", "nul", "png"],
)
def test_binary_given_as_text_is_unreadable(data: bytes) -> None:
    with pytest.raises(UnreadableDocument, match=r"^junk\.txt: "):
        extract(data, "junk.txt")
    with pytest.raises(UnreadableDocument):
        decode_text(data)


def test_utf8_cut_mid_character_or_with_a_stray_byte_is_still_utf8() -> None:
    data = "\n".join(HANT_PARAGRAPHS).encode()

    assert decode_text(data[:-1]) == "\n".join(HANT_PARAGRAPHS)[:-1]
    stray = decode_text(data[:30] + b"\xff" + data[30:])
    assert stray.count("\ufffd") == 1 and stray.replace("\ufffd", "") == "\n".join(HANT_PARAGRAPHS)


# --- Markdown and pasted text ----------------------------------------------------------------

MARKDOWN = """---
title: "DJI: the story"
source: 'Example News'
url: https://example.com/dji
lang: zh-TW
published: 2024-05-01
author: Someone
---
# A heading that is not the title

Some *emphasis*, **bold**, _under_, `code` and a [link](https://example.com) here.
It continues on a second line.
![a picture](pic.png)

- first item
- second item
1. numbered item

> A quoted line.

<!-- an HTML comment
spanning lines -->

```
code line 1
code line 2
```

## Another heading

Last paragraph with snake_case_name kept.
"""


def test_markdown_front_matter_sets_metadata_and_syntax_is_stripped() -> None:
    document = extract(MARKDOWN.encode(), "story.md")

    assert document.title == "DJI: the story"
    assert document.source == "Example News"
    assert document.url == "https://example.com/dji"
    assert document.lang == "zh-Hant"
    assert document.published == "2024-05-01"
    assert document.format == "md"
    assert document.paragraphs == (
        "Some emphasis, bold, under, code and a link here. It continues on a second line.",
        "first item",
        "second item",
        "numbered item",
        "A quoted line.",
        "code line 1\ncode line 2",
        "Last paragraph with snake_case_name kept.",
    )


def test_markdown_first_heading_is_the_title_without_front_matter() -> None:
    text = "Intro words before.\n\n# The Real Title\n\nBody text.\n\n## Section\n\nMore body."

    document = extract(text.encode(), "notes.markdown")

    assert document.title == "The Real Title"
    assert document.paragraphs == ("Intro words before.", "Body text.", "More body.")


def test_markdown_setext_heading_and_table_rows() -> None:
    text = "Title Here\n==========\n\n| Year | Revenue |\n|---|---|\n| 2020 | 2.7bn |\n"

    document = extract(text.encode(), "t.md")

    assert document.title == "Title Here"
    assert document.paragraphs == ("Year | Revenue", "2020 | 2.7bn")


def test_front_matter_without_closing_rule_is_just_text() -> None:
    document = extract(b"---\ntitle: Not closed\n\nBody text.", "open.md")

    assert document.title != "Not closed"
    assert "Body text." in document.paragraphs


def test_pasted_text_reads_front_matter_and_lines() -> None:
    text = "---\nlang: en-GB\n---\nDrones in Shenzhen\r\nDJI makes drones.\r\nIt is big."

    document = extract_text(text)

    assert document.title == "Drones in Shenzhen"
    assert document.paragraphs == ("DJI makes drones.", "It is big.")
    assert document.lang == "en"


def test_pasted_text_takes_the_given_title() -> None:
    document = extract_text("\n".join(HANS_PARAGRAPHS), title="  大疆  ")

    assert document.title == "大疆"
    assert document.paragraphs == tuple(HANS_PARAGRAPHS)


@pytest.mark.parametrize("text", ["", "   \n\t\n", "---\ntitle: x\n---\n"])
def test_empty_pasted_text_is_refused(text: str) -> None:
    with pytest.raises(EmptyDocument):
        extract_text(text)


@pytest.mark.timeout(30)
@pytest.mark.parametrize(
    "text",
    [
        "[" * 200_000,
        "[a](" * 50_000,
        "*a " * 70_000,
        "_a " * 70_000,
        "<!--" * 50_000,
        "<http:a" * 30_000,
        "# a" + " " * 200_000 + "b",
        "|" + " " * 200_000 + "x",
        "." * 50_000 + '"' * 50_000 + " x",
    ],
    ids=[
        "brackets",
        "links",
        "stars",
        "underscores",
        "comments",
        "autolinks",
        "heading",
        "row",
        "dots",
    ],
)
def test_hostile_markdown_is_read_in_linear_time(text: str) -> None:
    started = time.perf_counter()

    with contextlib.suppress(InputError):
        extract(text.encode(), "hostile.md")

    assert time.perf_counter() - started < 2.0  # quadratic patterns would take minutes


# --- refusals --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["empty.txt", "empty.md", "empty.html", "empty.pdf", "e.docx"])
def test_empty_file_is_empty(name: str) -> None:
    with pytest.raises(EmptyDocument, match=rf"^{name}: "):
        extract(b"", name)


@pytest.mark.parametrize("name", ["blank.txt", "blank.md", "blank.html"])
def test_whitespace_only_file_is_empty(name: str) -> None:
    with pytest.raises(EmptyDocument):
        extract(b" \r\n\t\n   \n", name)


@pytest.mark.parametrize("name", ["setup.exe", "old.doc", "archive.zip", "README", "x.PDF.exe"])
def test_unsupported_extension_is_refused(name: str) -> None:
    with pytest.raises(UnsupportedFormat) as caught:
        extract(b"MZ\x90\x00", name)

    assert caught.value.code == "unsupported_format"
    assert str(caught.value).startswith(f"{name}: ")
    assert "\n" not in str(caught.value)


def test_supported_extensions() -> None:
    expected = {".txt", ".md", ".markdown", ".html", ".htm", ".pdf", ".docx"}

    assert expected == SUPPORTED_EXTENSIONS


def test_extension_is_case_insensitive_and_paths_are_reduced_to_the_name() -> None:
    document = extract(b"Hello there.", "C:\\Users\\me\\NOTES.TXT")

    assert document.paragraphs == ("Hello there.",)
    with pytest.raises(EmptyDocument, match=r"^NOTES\.TXT: "):
        extract(b" ", "C:\\Users\\me\\NOTES.TXT")


@pytest.mark.parametrize("name", ["big.txt", "big.pdf", "big.docx", "big.html"])
def test_oversized_file_is_refused_before_parsing(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("parsed a file over the size limit")

    monkeypatch.setattr("knowledge.extract.decode_or_raise", fail)
    monkeypatch.setattr(extract_pdf, "read_pdf", fail)
    monkeypatch.setattr(extract_docx, "read_docx", fail)
    monkeypatch.setattr(extract_html, "read_html", fail)

    with pytest.raises(FileTooLarge) as caught:
        extract(b"x" * 1001, name, max_bytes=1000)

    assert caught.value.params == {"filename": name, "size": 1001, "limit": 1000}
    assert DEFAULT_MAX_BYTES == 20 * 1024 * 1024


def test_content_type_decides_the_format_when_the_name_has_no_known_extension() -> None:
    page = "<html><head><meta charset='gbk'></head><body><p>大疆总部位于深圳。</p></body></html>"

    document = extract(page.encode("gbk"), "article.php", content_type="text/html; charset=GBK")

    assert document.format == "html"
    assert document.paragraphs == ("大疆总部位于深圳。",)
    with pytest.raises(UnsupportedFormat):
        extract(b"data", "download", content_type="application/octet-stream")


def test_content_type_charset_is_a_decoding_hint_for_text() -> None:
    data = "汪滔".encode("big5")

    document = extract(data, "name.txt", content_type="text/plain; charset=big5")

    assert document.paragraphs == ("汪滔",)


# --- HTML ------------------------------------------------------------------------------------

PAGE = """<!doctype html>
<html lang="{lang}"><head>
<meta charset="{charset}">
<title>{title} | Example News</title>
<meta property="og:site_name" content="Example News">
<link rel="canonical" href="https://news.example.com/dji">
<meta property="article:published_time" content="2024-05-01T08:00:00Z">
<script>var tracking = "SCRIPT-JUNK";</script>
<style>p {{ color: red }} /* STYLE-JUNK */</style>
</head><body>
<header><nav class="site-nav"><ul><li><a href="/">{nav1}</a></li>
<li><a href="/world">{nav2}</a></li></ul></nav></header>
<div id="cookie-banner" class="cookie-consent"><p>{cookie}</p><button>OK</button></div>
<main><article>
<h1>{title}</h1>
<p>{p1}</p>
<p>{p2}</p>
</article>
<section id="comments" class="comments"><h2>Comments</h2>
<div class="comment"><p>{comment}</p></div></section>
</main>
<aside class="sidebar"><h3>Related</h3><p>{sidebar}</p></aside>
<footer><p>{footer}</p></footer>
<script>document.write("SCRIPT-JUNK-2");</script>
</body></html>"""

EN_PAGE = {
    "lang": "en",
    "title": "Drones rise in Shenzhen",
    "nav1": "Home page",
    "nav2": "World news",
    "cookie": "We use cookies to improve your experience. Accept all cookies?",
    "p1": EN_PARAGRAPHS[0],
    "p2": EN_PARAGRAPHS[1],
    "comment": "Great article, I loved reading it! Visit my blog for more.",
    "sidebar": "Read also: the ten best phones of the year.",
    "footer": "Copyright 2024 Example News. All rights reserved.",
}
ZH_PAGE = {
    "lang": "zh-Hant",
    "title": "大疆的故事",
    "nav1": "首頁",
    "nav2": "國際新聞",
    "cookie": "本網站使用Cookie以改善您的體驗，繼續瀏覽即表示同意。",
    "p1": HANT_PARAGRAPHS[0],
    "p2": HANT_PARAGRAPHS[1],
    "comment": "評論：寫得很好！歡迎訪問我的部落格。",
    "sidebar": "熱門文章：年度十大手機評測排行榜。",
    "footer": "版權所有 新聞網，保留一切權利。",
}
JUNK_KEYS = ("nav1", "nav2", "cookie", "comment", "sidebar", "footer")


@pytest.mark.parametrize("fields", [EN_PAGE, ZH_PAGE], ids=["en", "zh"])
def test_html_article_comes_through_without_boilerplate(fields: dict[str, str]) -> None:
    page = PAGE.format(charset="utf-8", **fields)

    document = extract(page.encode(), "page.html")

    assert document.paragraphs == (fields["p1"], fields["p2"])
    assert document.title == fields["title"]
    assert document.source == "Example News"
    assert document.url == "https://news.example.com/dji"
    assert document.published == "2024-05-01T08:00:00Z"
    assert document.lang == ("en" if fields["lang"] == "en" else "zh-Hant")
    assert document.format == "html"
    text = "\n".join(document.paragraphs)
    for key in JUNK_KEYS:
        assert fields[key] not in text
    assert "JUNK" not in text


@pytest.mark.parametrize("fields", [EN_PAGE, ZH_PAGE], ids=["en", "zh"])
def test_html_fallback_walk_also_drops_boilerplate(
    fields: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(extract_html.trafilatura, "extract", lambda *a, **k: None)
    page = PAGE.format(charset="utf-8", **fields)

    document = extract(page.encode(), "page.htm")

    assert document.paragraphs == (fields["p1"], fields["p2"])
    text = "\n".join(document.paragraphs)
    for key in JUNK_KEYS:
        assert fields[key] not in text
    assert "JUNK" not in text


def test_html_fallback_walk_keeps_inline_order_and_list_items(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(extract_html.trafilatura, "extract", lambda *a, **k: None)
    page = (
        "<body><div>Loose <b>bold <i>nested</i> text</b> here<br>after break</div>"
        "<ul><li>one</li><li>two <p>inner</p> tail</li></ul>"
        "<table><tr><td>大疆</td><td>深圳</td></tr></table></body>"
    )

    document = extract(page.encode(), "walk.html")

    assert document.paragraphs == (
        "Loose bold nested text here after break",
        "one",
        "two tail",
        "inner",
        "大疆",
        "深圳",
    )


def test_gbk_page_with_meta_charset() -> None:
    fields = {**ZH_PAGE, "lang": "zh-CN", "title": "大疆的故事", "p1": HANS_PARAGRAPHS[0]}
    fields["p2"] = HANS_PARAGRAPHS[1]
    page = PAGE.format(charset="gbk", **fields)

    document = extract(page.encode("gbk"), "gbk.html")

    assert document.paragraphs == tuple(HANS_PARAGRAPHS)
    assert document.lang == "zh-Hans"


def test_http_equiv_charset_beats_a_generic_latin1_header() -> None:
    page = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=big5">'
        f"</head><body><p>{HKUST_HANT}</p></body></html>"
    )

    document = extract(page.encode("big5"), "b.html", content_type="text/html; charset=ISO-8859-1")

    assert document.paragraphs == (HKUST_HANT,)


def test_page_with_scripts_keeps_only_text() -> None:
    page = (
        "<html><head><script>var a = 'HEAD-SCRIPT';</script></head><body>"
        '<script type=\'application/ld+json\'>{"x": "LD-JSON"}</script>'
        "<p>Hello world from a page with scripts.</p>"
        "<noscript>Please enable JavaScript.</noscript>"
        "<script>document.write('<p>WRITTEN</p>')</script></body></html>"
    )

    document = extract(page.encode(), "s.html")

    assert document.paragraphs == ("Hello world from a page with scripts.",)
    assert document.title == "Hello world from a page with scripts."


def test_html_title_keeps_short_titles_whole_and_uses_og_title_first() -> None:
    page = "<html><head><title>News | Site</title></head><body><p>Body text.</p></body></html>"
    og = page.replace("<head>", '<head><meta property="og:title" content="OG Title">')

    assert extract(page.encode(), "a.html").title == "News | Site"
    assert extract(og.encode(), "a.html").title == "OG Title"


def test_xml_declaration_with_encoding_is_accepted() -> None:
    page = '<?xml version="1.0" encoding="utf-8"?><html><body><p>Hi there.</p></body></html>'

    assert extract(page.encode(), "x.html").paragraphs == ("Hi there.",)


@pytest.mark.parametrize("depth", [300, 5000])
def test_deeply_nested_html_is_refused_without_crashing(depth: int) -> None:
    page = "<html><body>" + "<div>" * depth + "<p>Deep.</p>" + "</div>" * depth + "</body></html>"

    with pytest.raises(UnreadableDocument, match="nested too deeply"):
        extract(page.encode(), "deep.html")


def test_moderately_nested_html_is_read() -> None:
    page = "<html><body>" + "<div>" * 150 + "<p>Deep text.</p>" + "</div>" * 150 + "</body></html>"

    assert extract(page.encode(), "nested.html").paragraphs == ("Deep text.",)


@pytest.mark.parametrize("page", [b"<html></html>", b"<html><body>  </body></html>", b"<!-- -->"])
def test_html_without_text_is_empty(page: bytes) -> None:
    with pytest.raises(EmptyDocument):
        extract(page, "blank.html")


# --- PDF -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pdf() -> Callable[..., bytes]:
    """Build PDFs with reportlab's platypus, which wraps paragraphs as a word processor would."""
    pytest.importorskip("reportlab")
    from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    sheet = getSampleStyleSheet()
    chinese = ParagraphStyle("zh", fontName="STSong-Light", fontSize=12, leading=16)
    styles = {
        "spaced": sheet["BodyText"],  # space between paragraphs
        "zh-indented": ParagraphStyle(
            "zh-indented", parent=chinese, wordWrap="CJK", firstLineIndent=24
        ),
        "zh-title": ParagraphStyle("zh-title", parent=chinese, fontSize=18, leading=24),
        "title": sheet["Title"],
    }

    def build(
        paragraphs: list[str], style: str, *, title: str | None = None, heading: str = ""
    ) -> bytes:
        buffer = io.BytesIO()
        story = [Paragraph(heading, styles["zh-title" if "zh" in style else "title"])]
        story = (story if heading else []) + [Paragraph(p, styles[style]) for p in paragraphs]
        SimpleDocTemplate(buffer, title=title).build(story)
        return buffer.getvalue()

    return build


def canvas_pdf(lines: list[str], *, pages: int = 1, password: str | None = None) -> bytes:
    """A PDF with exactly these lines drawn, for tests that need control over line ends."""
    pytest.importorskip("reportlab")
    from reportlab.lib import pdfencrypt
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    encrypt = None
    if password is not None:
        encrypt = pdfencrypt.StandardEncryption(password, ownerPassword="owner", canPrint=0)
    drawing = canvas.Canvas(buffer, encrypt=encrypt)
    for page in range(pages):
        for row, line in enumerate(lines):
            drawing.drawString(72, 760 - 16 * row, line.format(page=page + 1))
        drawing.showPage()
    drawing.save()
    return buffer.getvalue()


def test_english_pdf_paragraphs_and_metadata_title(pdf: Callable[..., bytes]) -> None:
    document = extract(pdf(EN_PARAGRAPHS * 12, "spaced", title="Drones"), "en.pdf")

    assert document.paragraphs == tuple(EN_PARAGRAPHS * 12)  # runs over two pages
    assert document.title == "Drones"
    assert document.format == "pdf"


def test_chinese_pdf_with_cid_font_is_extracted(pdf: Callable[..., bytes]) -> None:
    data = pdf(HANT_PARAGRAPHS * 2, "zh-indented", heading="大疆的故事")

    document = extract(data, "zh.pdf")

    assert document.title == "大疆的故事"  # reportlab's "(anonymous)" /Title is ignored
    assert document.paragraphs == tuple(HANT_PARAGRAPHS * 2)


def test_pdf_lines_are_rejoined_and_dehyphenated() -> None:
    data = canvas_pdf(
        [
            "Short Heading",
            "This is an exam-",
            "ple of English text that wraps onto",
            "a third line. Then it stops.",
            "New paragraph here.",
        ]
    )

    document = extract(data, "lines.pdf")

    assert document.title == "Short Heading"
    assert document.paragraphs == (
        "This is an example of English text that wraps onto a third line. Then it stops.",
        "New paragraph here.",
    )


def test_pdf_page_cap_bounds_the_work(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(extract_pdf, "MAX_PAGES", 2)
    data = canvas_pdf(["Text on page {page}."], pages=5)

    assert extract(data, "long.pdf").paragraphs == ("Text on page 1.", "Text on page 2.")


def test_pdf_without_text_layer_is_empty() -> None:
    pytest.importorskip("reportlab")
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    drawing = canvas.Canvas(buffer)
    drawing.rect(100, 100, 200, 200, fill=1)
    drawing.showPage()
    drawing.save()

    with pytest.raises(EmptyDocument, match="no text layer"):
        extract(buffer.getvalue(), "scan.pdf")


def test_password_protected_pdf_is_unreadable_but_empty_password_opens() -> None:
    with pytest.raises(UnreadableDocument, match="password"):
        extract(canvas_pdf(["Secret text."], password="secret"), "locked.pdf")
    # An empty user password only restricts printing or copying; the text is readable.
    assert extract(canvas_pdf(["Open text."], password=""), "open.pdf").paragraphs == (
        "Open text.",
    )


@pytest.mark.parametrize("cut", [0.2, 0.5, 0.9, 0.99])
def test_truncated_pdf_is_unreadable(pdf: Callable[..., bytes], cut: float) -> None:
    data = pdf(EN_PARAGRAPHS * 3, "spaced")

    with pytest.raises(UnreadableDocument, match=r"^cut\.pdf: the PDF is damaged or truncated"):
        extract(data[: int(len(data) * cut)], "cut.pdf")


def test_random_bytes_pdf_is_unreadable() -> None:
    junk = random.Random(1).randbytes(3000)

    with pytest.raises(UnreadableDocument):
        extract(junk, "junk.pdf")
    with pytest.raises(UnreadableDocument):
        extract(b"%PDF-1.4\n" + junk + b"\n%%EOF\n", "junk.pdf")


# --- DOCX ------------------------------------------------------------------------------------


def word_document(build: Callable[[Any], None]) -> bytes:
    import docx

    document = docx.Document()
    build(document)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_docx_body_and_tables_in_order_with_heading_as_title() -> None:
    def build(document: Any) -> None:
        document.add_heading("The DJI Story", level=1)
        document.add_paragraph(EN_PARAGRAPHS[0])
        document.add_paragraph("   ")
        table = document.add_table(rows=2, cols=2)
        table.cell(0, 0).text = "Year"
        table.cell(0, 1).text = "Revenue"
        table.cell(1, 0).merge(table.cell(1, 1)).text = "Merged cell"
        document.add_heading("A section", level=2)
        document.add_paragraph(EN_PARAGRAPHS[1])

    document = extract(word_document(build), "story.docx")

    assert document.title == "The DJI Story"
    assert document.paragraphs == (
        EN_PARAGRAPHS[0],
        "Year",
        "Revenue",
        "Merged cell",
        EN_PARAGRAPHS[1],
    )
    assert document.format == "docx"


def test_chinese_docx_takes_title_and_date_from_core_properties() -> None:
    import datetime as dt

    def build(document: Any) -> None:
        document.core_properties.title = "大疆簡介"
        document.core_properties.created = dt.datetime(2024, 5, 1, 8, 0, tzinfo=dt.UTC)
        document.add_heading("不是標題", level=1)
        for paragraph in HANT_PARAGRAPHS:
            document.add_paragraph(paragraph)

    document = extract(word_document(build), "zh.docx")

    assert document.title == "大疆簡介"
    assert document.published is not None and document.published.startswith("2024-05-01T08:00")
    assert document.paragraphs == tuple(HANT_PARAGRAPHS)


def test_docx_with_only_headings_is_empty() -> None:
    with pytest.raises(EmptyDocument):
        extract(word_document(lambda d: d.add_heading("Only a heading", level=1)), "h.docx")


@pytest.fixture
def docx_never_opened(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("python-docx opened an archive that should have been refused")

    monkeypatch.setattr(extract_docx.docx, "Document", fail)


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


@pytest.mark.usefixtures("docx_never_opened")
def test_zip_bomb_docx_is_refused_before_python_docx_reads_it(tmp_path: Path) -> None:
    path = tmp_path / "bomb.docx"
    block = bytes(1024 * 1024)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        with archive.open("word/document.xml", "w", force_zip64=True) as member:
            for _ in range(300):  # 300 MB of zeros, streamed, about 300 KB compressed
                member.write(block)

    with pytest.raises(UnreadableDocument, match="decompression bomb"):
        extract(path.read_bytes(), "bomb.docx")


@pytest.mark.usefixtures("docx_never_opened")
def test_docx_inflating_past_ten_times_the_limit_is_refused() -> None:
    # Many members under the ratio check's size floor, adding up to 18 MB.
    data = _zip({f"word/media/part{i}.xml": bytes(900_000) for i in range(20)})

    with pytest.raises(UnreadableDocument, match="too large once decompressed"):
        extract(data, "many.docx", max_bytes=100_000)


@pytest.mark.usefixtures("docx_never_opened")
@pytest.mark.parametrize("member", ["../../evil.txt", "/etc/passwd", "word\\..\\..\\evil.txt"])
def test_docx_with_unsafe_member_path_is_refused(member: str) -> None:
    data = _zip({"[Content_Types].xml": b"<Types/>", member: b"evil"})

    with pytest.raises(UnreadableDocument, match="unsafe path"):
        extract(data, "evil.docx")


def test_random_and_truncated_docx_are_unreadable() -> None:
    junk = random.Random(3).randbytes(5000)
    data = word_document(lambda d: d.add_paragraph("Hello."))

    for broken in (junk, data[: len(data) // 2], data[:-30], _zip({"word/document.xml": b"<"})):
        with pytest.raises(UnreadableDocument, match=r"^x\.docx: "):
            extract(broken, "x.docx")


# --- hostile input in general ----------------------------------------------------------------


def _mutations(data: bytes, seed: int) -> list[bytes]:
    rng = random.Random(seed)
    mutated = []
    for _ in range(6):
        flipped = bytearray(data)
        for _ in range(rng.randint(1, 20)):
            flipped[rng.randrange(len(flipped))] = rng.getrandbits(8)
        mutated.append(bytes(flipped))
    mutated += [data[: rng.randrange(1, len(data))] for _ in range(4)]
    return mutated


def test_corrupted_files_raise_only_input_errors(pdf: Callable[..., bytes]) -> None:
    samples = {
        "a.txt": ("\n".join(HANT_PARAGRAPHS)).encode("big5"),
        "a.md": MARKDOWN.encode("utf-16"),
        "a.html": PAGE.format(charset="utf-8", **ZH_PAGE).encode(),
        "a.pdf": pdf(EN_PARAGRAPHS, "spaced"),
        "a.docx": word_document(lambda d: d.add_paragraph(EN_PARAGRAPHS[0])),
    }
    for name, data in samples.items():
        for seed, broken in enumerate(_mutations(data, seed=len(name))):
            try:
                document = extract(broken, name)
            except InputError as err:
                message = str(err)
                assert message.startswith(f"{name}: ") and "\n" not in message, (seed, message)
            else:
                assert document.paragraphs and all(p.strip() == p for p in document.paragraphs)
