"""HTML pages -> the article's paragraphs, without navigation, banners, comments or sidebars.

trafilatura finds the main text. When it finds nothing (tiny or oddly built pages), a plain
walk of <article>/<main>/<body> with the usual boilerplate cut away takes over. Headings are
kept out of the paragraphs, as in every reader: they are labels, not statements to quote.
"""

from __future__ import annotations

import logging
import re
from configparser import ConfigParser

import lxml.etree
import lxml.html
import trafilatura
from trafilatura.settings import use_config

from knowledge.extract.charset import WEAK_CHARSETS, canonical_charset
from knowledge.extract.common import (
    decode_or_raise,
    empty_document,
    fallback_title,
    is_cjk,
    join_lines,
    unreadable,
)
from knowledge.extract.markdown import markdown_paragraphs
from knowledge.models import ParsedDocument
from knowledge.text import lang_from_tag

_META_CHARSET = re.compile(rb"""<meta[^>]+?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_XML_DECLARATION = re.compile(r"\A\s*<\?xml[^>]*\?>")
_JUNK_TAGS = frozenset(
    {"head", "script", "style", "noscript", "nav", "header", "footer", "aside", "form", "iframe"}
    | {"template", "svg", "button", "select"}
)
_JUNK_NAMES = re.compile(
    r"(?<![a-z])(?:nav|menu|comment|footer|sidebar|share|sharing|social|cookie|consent|advert"
    r"|breadcrumb|popup|newsletter|subscribe|ads?(?![a-z]))"
)
_KEEP_TAGS = frozenset({"html", "body", "article", "main"})
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
# Elements whose text is one paragraph; the containers among them only own their loose text.
_BLOCKS = _HEADINGS | frozenset(
    {"p", "li", "blockquote", "pre", "td", "th", "dd", "dt", "figcaption", "caption", "div"}
    | {"section", "article", "main", "body"}
)
# trafilatura logs a WARNING ("discarding data: None") for a page without text, which our
# refusal already says in words: an operator saw two lines for one fault. Its errors still show.
logging.getLogger("trafilatura").setLevel(logging.ERROR)
_TITLE_SEPARATORS = (" | ", " - ", " – ", " — ", " · ", "｜", " _ ", "_")


def _trafilatura_config() -> ConfigParser:
    config = use_config()
    # Below MIN_EXTRACTED_SIZE characters trafilatura re-extracts with its baseline, which
    # takes the whole page, menus and sidebars included; short articles must not trigger it.
    config.set("DEFAULT", "MIN_EXTRACTED_SIZE", "0")
    config.set("DEFAULT", "MIN_OUTPUT_SIZE", "1")
    config.set("DEFAULT", "EXTENSIVE_DATE_SEARCH", "off")
    return config


_CONFIG = _trafilatura_config()


def read_html(data: bytes, name: str, charset: str | None) -> ParsedDocument:
    text = decode_or_raise(data, name, _charset(data, charset))
    # lxml refuses str input that still declares an encoding; it has been decoded already.
    text = _XML_DECLARATION.sub("", text, count=1)
    parser = lxml.html.HTMLParser(remove_comments=True, remove_pis=True)
    try:
        tree = lxml.html.document_fromstring(text, parser=parser)
    except lxml.etree.ParserError as err:  # "Document is empty"
        raise empty_document(name) from err
    except (lxml.etree.LxmlError, ValueError, RecursionError) as err:
        raise unreadable(name, "the HTML page could not be parsed") from err
    # libxml2 stops at 256 levels of nesting and silently drops the rest of the page; a page
    # read only in part would be cited as if whole.
    if any("Excessive depth" in error.message for error in parser.error_log):
        raise unreadable(name, "the HTML page is nested too deeply to be read")
    meta = _metadata(tree)
    paragraphs = _main_text(tree) or _walk_text(tree)
    title = meta["title"]
    if title and len(paragraphs) > 1 and paragraphs[0] == title:
        paragraphs = paragraphs[1:]
    if not title and paragraphs:
        title = fallback_title(paragraphs[0])
    return ParsedDocument(
        paragraphs=tuple(paragraphs),
        title=title,
        source=meta["source"],
        url=meta["url"],
        lang=lang_from_tag(meta["lang"]),
        published=meta["published"],
        format="html",
    )


def _charset(data: bytes, hint: str | None) -> str | None:
    """The HTTP charset unless it is a generic default, else the page's own declaration."""
    if canonical_charset(hint) not in WEAK_CHARSETS | {None}:
        return hint
    if match := _META_CHARSET.search(data[:4096]):
        declared = canonical_charset(match.group(1).decode("ascii"))
        # A page that could declare UTF-16 in ASCII is not UTF-16 (the HTML standard agrees).
        if declared and not declared.startswith("utf-16"):
            return declared
    return hint


def _main_text(tree: lxml.html.HtmlElement) -> list[str]:
    try:
        markdown = trafilatura.extract(
            tree,
            output_format="markdown",
            include_comments=False,
            include_tables=True,
            include_images=False,
            include_links=False,
            favor_recall=True,
            config=_CONFIG,
        )
    except Exception:  # trafilatura on hostile markup is not our bug to surface; fall back
        return []
    return markdown_paragraphs(markdown)[0] if markdown else []


def _walk_text(tree: lxml.html.HtmlElement) -> list[str]:
    """Text of the block elements of the main container, boilerplate removed, in order."""
    for element in list(tree.iter(lxml.etree.Element)):
        names = f"{element.get('class', '')} {element.get('id', '')}".lower()
        if element.tag in _JUNK_TAGS or (
            element.tag not in _KEEP_TAGS and _JUNK_NAMES.search(names)
        ):
            element.drop_tree()
    articles = tree.xpath("//article")
    root = (
        max(articles, key=lambda element: len(element.text_content()))
        if articles
        else (tree.xpath("//main") or tree.xpath("//body") or [tree])[0]
    )
    # Text goes to its nearest block; iterwalk keeps text and tails in reading order.
    owners: dict[lxml.etree._Element, lxml.etree._Element | None] = {}
    texts: dict[lxml.etree._Element, list[str]] = {}
    for event, element in lxml.etree.iterwalk(root, events=("start", "end")):
        parent = element.getparent()
        outer = owners.get(parent) if parent is not None else None
        if event == "start":
            owner = element if element.tag in _BLOCKS else outer
            owners[element] = owner
            if owner is element:
                texts[element] = []
            if owner is not None:
                texts[owner].append(element.text or "")
        elif outer is not None and element is not root:
            texts[outer].append((" " if element.tag == "br" else "") + (element.tail or ""))
    return [
        paragraph
        for element, parts in texts.items()
        if element.tag not in _HEADINGS and (paragraph := join_lines("".join(parts).split()))
    ]


def _metadata(tree: lxml.html.HtmlElement) -> dict[str, str | None]:
    site = _first(tree, "//meta[@property='og:site_name' or @name='og:site_name']/@content")
    title = (
        _first(tree, "//meta[@property='og:title' or @name='og:title']/@content")
        or _trim_site(_first(tree, "//title"))
        or _first(tree, "//h1")
    )
    canonical = _first(tree, "//link[contains(concat(' ', @rel, ' '), ' canonical ')]/@href")
    return {
        "title": title,
        "source": site,
        "url": next(
            (
                url
                for url in (canonical, _first(tree, "//meta[@property='og:url']/@content"))
                if url and url.startswith(("http://", "https://"))
            ),
            None,
        ),
        "published": _first(
            tree,
            "//meta[@property='article:published_time' or @name='article:published_time'"
            " or @itemprop='datePublished']/@content",
            "//time/@datetime",
        ),
        "lang": tree.get("lang") or tree.get("xml:lang"),
    }


def _first(tree: lxml.html.HtmlElement, *xpaths: str) -> str | None:
    for xpath in xpaths:
        for found in tree.xpath(xpath):
            # Elements of an lxml.html tree are HtmlElements (comments and PIs are parsed out);
            # an attribute's value is a string.
            value = found.text_content() if isinstance(found, lxml.html.HtmlElement) else str(found)
            if value := " ".join(value.split()):
                return value
    return None


def _trim_site(title: str | None) -> str | None:
    """ "Headline | Site" -> "Headline", unless too little would be left to mean anything."""
    if not title:
        return None
    for separator in _TITLE_SEPARATORS:
        head, found, tail = title.rpartition(separator)
        head = head.strip()
        if found and tail.strip() and len(tail) <= 40 and _meaningful(head):
            return head
    return title


def _meaningful(text: str) -> bool:
    hanzi = sum(1 for ch in text if is_cjk(ch))
    return hanzi >= 4 or (len(text.split()) >= 2 and len(text) >= 8)
