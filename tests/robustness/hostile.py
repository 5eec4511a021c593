"""Hostile files, generated at test time: each builder returns (bytes, file name, content type).

Nothing here is stored in the repository: the damaged, lying and oversized files are made from a
few lines of code, so a reader of a failing test can see exactly what was sent.
"""

from __future__ import annotations

import functools
import io
import random
import zipfile
from collections.abc import Callable

from tests.bot import documents

Case = tuple[bytes, str, str | None]

FACT = "The Harrowgate Almanac was first printed in Sha Tin in 1903."
ZH_FACT = "香港科技大学是一所研究型大学，位于清水湾，梁文锋曾在浙江大学学习。"


def seeded(seed: int, size: int) -> bytes:
    return random.Random(seed).randbytes(size)


@functools.cache
def pdf_pages(pages: int = 5, *, compress: bool = True) -> bytes:
    """A real multi-page PDF; uncompressed streams make truncation cut through page text."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate

    styles = getSampleStyleSheet()
    story = [Paragraph("The Harrowgate Almanac", styles["Title"])]
    for page in range(pages):
        for line in range(6):
            story.append(
                Paragraph(
                    f"Page {page + 1}, paragraph {line + 1}: the almanac notes that tide "
                    f"{page * 10 + line} rose early. {FACT}",
                    styles["BodyText"],
                )
            )
        story.append(PageBreak())
    out = io.BytesIO()
    template = SimpleDocTemplate(
        out,
        title="The Harrowgate Almanac",
        pagesize=A4,
        invariant=1,
        pageCompression=1 if compress else 0,
    )
    template.build(story)
    return out.getvalue()


def docx_with(
    extra: dict[str, bytes] | None = None, replace: dict[str, bytes] | None = None
) -> bytes:
    """The test Word document, with members added or replaced."""
    source = zipfile.ZipFile(io.BytesIO(documents.as_docx()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            data = (replace or {}).get(info.filename, source.read(info.filename))
            archive.writestr(info.filename, data)
        for name, data in (extra or {}).items():
            archive.writestr(zipfile.ZipInfo(name), data)
    return out.getvalue()


def docx_bomb_one_member() -> bytes:
    """50 MB of zeros in word/document.xml: about 50 KB on the wire, a 1000:1 ratio."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        with archive.open("word/document.xml", "w") as member:
            zeros = b"\0" * (1 << 20)
            for _ in range(50):
                member.write(zeros)
    return out.getvalue()


def docx_bomb_many_members() -> bytes:
    """210 members of 1 MB each: every one under the ratio check's size, 210 MB in all."""
    out = io.BytesIO()
    zeros = b"\0" * (1 << 20)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for i in range(210):
            archive.writestr(f"word/media/image{i}.bin", zeros)
    return out.getvalue()


def docx_lying_sizes() -> bytes:
    """A real document whose central directory claims word/document.xml is 3 GB."""
    data = bytearray(documents.as_docx())
    name = b"word/document.xml"
    at = data.rfind(b"PK\x01\x02")
    while at != -1:  # every central directory entry, from the end
        name_len = int.from_bytes(data[at + 28 : at + 30], "little")
        if data[at + 46 : at + 46 + name_len] == name:
            data[at + 24 : at + 28] = (3 * 1024**3).to_bytes(4, "little")
        at = data.rfind(b"PK\x01\x02", 0, at)
    return bytes(data)


def billion_laughs() -> bytes:
    """Nested XML entities in document.xml: expanded, a few KB become gigabytes."""
    levels = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)
    ]
    source = zipfile.ZipFile(io.BytesIO(documents.as_docx()))
    body = source.read("word/document.xml").split(b"?>", 1)[1]
    body = body.replace(b"<w:t>", b"<w:t>&lol9;", 1)
    dtd = f'<?xml version="1.0"?><!DOCTYPE w:document [{"".join(levels)}]>'.encode()
    return docx_with(replace={"word/document.xml": dtd + body})


def nested_divs(depth: int, *, closed: bool = True) -> bytes:
    inner = f"<p>{FACT}</p>"
    tail = "</div>" * depth if closed else ""
    return f"<html><body>{'<div>' * depth}{inner}{tail}</body></html>".encode()


def html_with_scripts() -> bytes:
    return (
        "<html><head><title>The Harrowgate Almanac</title>"
        "<script>document.write('<p>INJECTED SCRIPT TEXT</p>')</script>"
        "<style>p::after { content: 'INJECTED STYLE TEXT' }</style></head><body>"
        "<noscript><p>INJECTED NOSCRIPT TEXT</p></noscript>"
        "<iframe srcdoc='<p>INJECTED FRAME TEXT</p>'></iframe>"
        f"<article><p onclick=\"alert('x')\">{FACT}</p>"
        "<p>The almanac listed tides, typhoon signals and market days.</p>"
        "<script type='text/template'><p>INJECTED TEMPLATE TEXT</p></script></article>"
        "<svg><script>alert(1)</script><text>INJECTED SVG TEXT</text></svg>"
        "</body></html>"
    ).encode()


def long_paragraph(lines: int = 100_000) -> bytes:
    """One paragraph of ``lines`` hard-wrapped lines without a full stop, then a short one."""
    body = "\n".join(f"entry {i}" for i in range(lines))
    return f"{body}\n\n{FACT}\n".encode()


def bidi_and_zero_width() -> bytes:
    return (
        "Almanac\u200b notes\n\n"
        f"{FACT}\n\n"
        "\u202eThe keeper wrote this line backwards.\u202c It was printed as is.\n\n"
        "שלום \u2067עולם\u2069 and مرحبا بالعالم appear in the preface.\n\n"
        "Zero\u200bwidth\u200c joiners\u200d and a BOM\ufeff in the middle of words.\n\n"
        "\u2066\u2067\u2068\u2069\u200e\u200f\u061c\n"
    ).encode()


BUILDERS: dict[str, Callable[[], Case]] = {
    "pdf truncated at 30%": lambda: (pdf_pages()[: int(len(pdf_pages()) * 0.3)], "a.pdf", None),
    "pdf truncated at 70%": lambda: (pdf_pages()[: int(len(pdf_pages()) * 0.7)], "a.pdf", None),
    "pdf truncated, %%EOF appended": lambda: (
        pdf_pages(compress=False)[: len(pdf_pages(compress=False)) // 2] + b"\n%%EOF\n",
        "a.pdf",
        None,
    ),
    "pdf missing its last 5 bytes": lambda: (pdf_pages()[:-5], "a.pdf", None),
    "pdf random bytes": lambda: (seeded(1, 65536), "a.pdf", None),
    "pdf header, random body, %%EOF": lambda: (
        b"%PDF-1.7\n" + seeded(2, 65536) + b"\n%%EOF\n",
        "a.pdf",
        None,
    ),
    "pdf header only": lambda: (b"%PDF-1.4\n%%EOF\n", "a.pdf", None),
    "docx random bytes": lambda: (seeded(3, 65536), "a.docx", None),
    "docx truncated": lambda: (documents.as_docx()[:-200], "a.docx", None),
    "docx bomb, one 50 MB member": lambda: (docx_bomb_one_member(), "a.docx", None),
    "docx bomb, 210 members of 1 MB": lambda: (docx_bomb_many_members(), "a.docx", None),
    "docx directory claims 3 GB": lambda: (docx_lying_sizes(), "a.docx", None),
    "docx billion laughs": lambda: (billion_laughs(), "a.docx", None),
    "docx member ../../evil.txt": lambda: (docx_with({"../../evil.txt": b"x"}), "a.docx", None),
    "docx member /etc/cron.d/evil": lambda: (docx_with({"/etc/cron.d/evil": b"x"}), "a.docx", None),
    "docx member C:\\evil.txt": lambda: (docx_with({"C:\\evil.txt": b"x"}), "a.docx", None),
    "docx member word/../../evil": lambda: (docx_with({"word/../../evil": b"x"}), "a.docx", None),
    "html scripts and styles": lambda: (html_with_scripts(), "a.html", None),
    "html 2 MB of nested divs": lambda: (nested_divs(400_000), "a.html", None),
    "html nested divs, unclosed": lambda: (nested_divs(400_000, closed=False), "a.html", None),
    "html nested 200 deep": lambda: (nested_divs(200), "a.html", None),
    "html 100,000 unclosed comments": lambda: (b"<p>x</p>" + b"<!--" * 100_000, "a.html", None),
    "html declaring utf-16 in ascii": lambda: (
        f'<meta charset="utf-16"><p>{FACT}</p>'.encode(),
        "a.html",
        None,
    ),
    "gbk .txt, hint utf-8": lambda: (ZH_FACT.encode("gbk"), "a.txt", "text/plain; charset=utf-8"),
    "gbk .txt, hint latin-1": lambda: (
        ZH_FACT.encode("gbk"),
        "a.txt",
        "text/plain; charset=latin1",
    ),
    "gbk .txt, no hint": lambda: (ZH_FACT.encode("gbk"), "a.txt", None),
    "big5 .txt, hint gbk": lambda: (
        ZH_FACT.encode("big5", "replace"),
        "a.txt",
        "text/plain; charset=gbk",
    ),
    "utf-16-le .txt without BOM": lambda: (
        f"{FACT}\n\n{ZH_FACT}\n".encode("utf-16-le"),
        "a.txt",
        None,
    ),
    "utf-16-be .md without BOM": lambda: (
        f"# Almanac\n\n{FACT}\n".encode("utf-16-be"),
        "a.md",
        None,
    ),
    "nul bytes in .txt": lambda: (f"{FACT}\0\0\0 More text.\n".encode(), "a.txt", None),
    "nul bytes in .html": lambda: (f"<p>{FACT}</p>\0<p>x</p>".encode(), "a.html", None),
    "100,000-line single paragraph": lambda: (long_paragraph(), "a.txt", None),
    "right-to-left and zero-width": lambda: (bidi_and_zero_width(), "a.txt", None),
    "markdown with 1,000,000 brackets": lambda: (b"[" * 1_000_000 + b"\n\nok.", "a.md", None),
    "markdown with 300,000 '*a '": lambda: (b"*a " * 300_000, "a.md", None),
    "front matter only": lambda: (b"---\ntitle: x\n---\n", "a.md", None),
    "empty .txt": lambda: (b"", "a.txt", None),
    "blank .txt": lambda: (" \n\t\n\u3000\n".encode(), "a.txt", None),
    "no extension": lambda: (FACT.encode(), "README", None),
    "executable named .exe": lambda: (b"MZ\x90\x00" + seeded(4, 4096), "tool.exe", None),
    "just over 20 MB": lambda: (b"a " * (10 * 1024 * 1024 + 1), "big.txt", None),
    "path in the file name": lambda: (FACT.encode(), "../../etc/passwd.txt", None),
}

# Inputs whose text is fine: they must go in, with this sentence stored exactly as written.
MUST_INGEST: dict[str, str] = {
    "html scripts and styles": FACT,
    "html nested 200 deep": FACT,
    "html declaring utf-16 in ascii": FACT,
    "gbk .txt, hint utf-8": ZH_FACT[:12],
    "gbk .txt, hint latin-1": ZH_FACT[:12],
    "gbk .txt, no hint": ZH_FACT[:12],
    "utf-16-le .txt without BOM": FACT,
    "utf-16-be .md without BOM": FACT,
    "100,000-line single paragraph": FACT,
    "right-to-left and zero-width": FACT,
    "path in the file name": FACT,
}
