"""Real files in every supported format, each holding one made-up fact only it can answer."""

from __future__ import annotations

import importlib.util
import io

TITLE = "The Zorblax Observatory"
FACT = "The Zorblax Observatory in Kowloon was founded by the astronomer Mei-Lin Quorvath in 1987."
OTHER = "Its refracting telescope was built in Glasgow and shipped to Hong Kong by sea."
QUESTION = "who founded the Zorblax Observatory?"

HAS_REPORTLAB = importlib.util.find_spec("reportlab") is not None


def as_txt() -> bytes:
    return f"{TITLE}\n\n{FACT}\n\n{OTHER}\n".encode()


def as_md() -> bytes:
    return f"---\ntitle: {TITLE}\n---\n\n# {TITLE}\n\n{FACT}\n\n*{OTHER}*\n".encode()


def as_html() -> bytes:
    return (
        f'<!doctype html><html lang="en"><head><title>{TITLE}</title></head><body>'
        f"<article><h1>{TITLE}</h1><p>{FACT}</p><p>{OTHER} &amp; more.</p></article>"
        "</body></html>"
    ).encode()


def as_docx() -> bytes:
    import docx

    document = docx.Document()
    document.add_heading(TITLE, level=1)
    document.add_paragraph(FACT)
    document.add_paragraph(OTHER)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def as_pdf() -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate

    out = io.BytesIO()
    styles = getSampleStyleSheet()
    story = [
        Paragraph(TITLE, styles["Title"]),
        Paragraph(FACT, styles["BodyText"]),
        Paragraph(OTHER, styles["BodyText"]),
    ]
    SimpleDocTemplate(out, pagesize=A4, title=TITLE).build(story)
    return out.getvalue()


BUILDERS = {
    "txt": as_txt,
    "md": as_md,
    "html": as_html,
    "docx": as_docx,
    "pdf": as_pdf,
}
