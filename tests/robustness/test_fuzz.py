"""Property-based fuzzing (hypothesis) of the readers, the segmenter, the analyzer and rendering.

Derandomized and without an example database, so CI runs the same inputs every time and writes
nothing into the repository; raise FUZZ_SCALE (an environment variable, default 1) to try more.
The number of inputs each property saw is printed in the "robustness figures" summary.
"""

from __future__ import annotations

import io
import os
import re
import time
import zipfile

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from benchmarks.fakes.telegram_server import MAX_MESSAGE_LENGTH, parse_html, utf16_len
from bot.render import (
    render_answer,
    render_article,
    render_articles,
    render_more,
    render_passage,
    render_stats,
)
from knowledge.errors import EmptyDocument, FileTooLarge, UnreadableDocument, UnsupportedFormat
from knowledge.extract import SUPPORTED_EXTENSIONS, extract
from knowledge.models import Answer, Article, Citation, QuotedSentence, Sentence
from knowledge.normalize import fold, to_simplified
from knowledge.segment import split_sentences
from knowledge.service import KnowledgeBase
from tests.bot import documents
from tests.robustness import hostile
from tests.robustness.conftest import FIGURES

pytestmark = pytest.mark.slow  # hypothesis: hundreds of generated inputs per test

SCALE = max(1, int(os.environ.get("FUZZ_SCALE", "1")))
REFUSALS = (UnsupportedFormat, FileTooLarge, EmptyDocument, UnreadableDocument)


def fuzz(examples: int) -> settings:
    return settings(
        max_examples=examples * SCALE,
        deadline=None,  # slow inputs are caught by explicit time checks, not flaky deadlines
        derandomize=True,
        database=None,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.function_scoped_fixture,  # the autouse output watch; no per-example state
        ],
    )


# -- readers ------------------------------------------------------------------------------------


def _check_extract(data: bytes, name: str) -> None:
    started = time.monotonic()
    try:
        document = extract(data, name)
    except REFUSALS as err:
        assert "\n" not in str(err) and str(err).strip()
    else:
        assert document.paragraphs
        for paragraph in document.paragraphs:
            assert paragraph and paragraph == paragraph.strip()
            paragraph.encode("utf-8")  # no lone surrogates: SQLite and Telegram would refuse them
    assert time.monotonic() - started < 5, f"{name}: {len(data)} bytes took too long"


@pytest.mark.parametrize("ext", sorted(SUPPORTED_EXTENSIONS | {"", ".bin"}))
@fuzz(60)
@given(data=st.binary(max_size=4096))
def test_extract_random_bytes_never_crashes(ext: str, data: bytes) -> None:
    FIGURES.count("fuzz: extract random bytes")
    _check_extract(data, f"upload{ext}")


def _docx_plain() -> bytes:
    """The test document stored without compression, so byte mutations reach the XML."""
    source = zipfile.ZipFile(io.BytesIO(documents.as_docx()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
        for info in source.infolist():
            archive.writestr(info.filename, source.read(info.filename))
    return out.getvalue()


SEEDS = {
    "txt": documents.as_txt,
    "md": documents.as_md,
    "html": documents.as_html,
    "docx": _docx_plain,
    "pdf": lambda: hostile.pdf_pages(2, compress=False),
}
MUTATION = st.tuples(
    st.floats(0, 1),
    st.sampled_from(["set", "insert", "delete", "cut"]),
    st.binary(min_size=1, max_size=8),
)


@pytest.mark.parametrize("fmt", sorted(SEEDS))
@fuzz(80)
@given(mutations=st.lists(MUTATION, min_size=1, max_size=6))
def test_extract_mutated_valid_file_never_crashes(
    fmt: str, mutations: list[tuple[float, str, bytes]]
) -> None:
    FIGURES.count("fuzz: extract mutated files")
    data = bytearray(SEEDS[fmt]())
    for where, kind, chunk in mutations:
        at = int(where * len(data))
        if kind == "set":
            data[at : at + len(chunk)] = chunk
        elif kind == "insert":
            data[at:at] = chunk
        elif kind == "delete":
            del data[at : at + len(chunk)]
        else:
            del data[at:]
    _check_extract(bytes(data), f"mutated.{fmt}")


# -- sentences ----------------------------------------------------------------------------------

PROSE = st.text(
    alphabet=st.one_of(
        st.sampled_from(list("abcXYZ09 .!?…;。！？；，、\"'”’」』）)]》〉“‘「（([\n\t\u3000\xa0")),
        st.sampled_from(list("港科大學学梁文锋")),
        st.characters(codec="utf-8"),
    ),
    max_size=300,
)


@fuzz(500)
@given(paragraph=PROSE)
@example(paragraph="Dr. A. B. Smith went to the U.S. He stayed... Then?! 好。")
@example(paragraph="   ")
def test_sentence_offsets_always_slice_to_the_text(paragraph: str) -> None:
    FIGURES.count("fuzz: split_sentences")
    spans = split_sentences(paragraph)
    end = 0
    covered = set()
    for span in spans:
        assert end <= span.start < span.end <= len(paragraph)
        assert paragraph[span.start : span.end] == span.text
        assert span.text and span.text == span.text.strip()
        covered.update(range(span.start, span.end))
        end = span.end
    # Nothing is lost: every character that is not white space belongs to a sentence.
    assert all(i in covered for i, ch in enumerate(paragraph) if not ch.isspace())


# -- the analyzer --------------------------------------------------------------------------------

HANZI = st.text(
    alphabet=st.one_of(
        st.sampled_from(
            list("香港科技大學学院創辦创办人梁文鋒锋發发展臺台灣湾體体與与後后裡里乾干")
        ),
        st.sampled_from(list("ABCdef123 ，。（）()")),
    ),
    max_size=60,
)


@fuzz(300)
@given(text=st.text(max_size=200))
def test_analyzer_never_crashes_and_terms_survive_storage(
    module_kb: KnowledgeBase, text: str
) -> None:
    FIGURES.count("fuzz: analyzer")
    analyzer = module_kb.analyzer
    terms = analyzer.terms(text)
    # Terms are stored joined by spaces and split back: none may be empty or hold white space.
    assert all(term and term.split() == [term] for term in terms), terms
    for token in analyzer.spans(text):
        assert 0 <= token.start < token.end <= len(text)
    folded = fold(text)
    assert fold(folded) == folded


@fuzz(300)
@given(text=HANZI)
@example(text="香港科技大學創辦人梁文鋒")
def test_analyzer_folds_traditional_and_simplified_alike(
    module_kb: KnowledgeBase, text: str
) -> None:
    FIGURES.count("fuzz: traditional/simplified folding")
    analyzer = module_kb.analyzer
    assert analyzer.terms(text) == analyzer.terms(to_simplified(text))


# -- rendering ----------------------------------------------------------------------------------

TEXT = st.one_of(
    st.text(
        alphabet=st.one_of(
            st.sampled_from(list("<>&\"' \n;amp#x3C/b")),
            st.sampled_from(list("香港。，😀👍🏽\u200b\u202e")),
            st.characters(codec="utf-8", exclude_characters="\x00"),
        ),
        min_size=1,
        max_size=400,
    ),
    # Long runs, with and without spaces, to force cuts inside a sentence.
    st.builds(lambda s, n: s * n, st.text(min_size=1, max_size=12), st.integers(300, 900)),
)
SHORT = st.text(min_size=1, max_size=120)


@st.composite
def quotes(draw: st.DrawFn, number: int) -> QuotedSentence:
    text = draw(TEXT)
    spans = draw(st.lists(st.tuples(st.integers(-5, 500), st.integers(-5, 500)), max_size=8))
    citation = Citation(
        number=number,
        article_id=draw(st.from_regex(r"[0-9a-f]{12}", fullmatch=True)),
        title=draw(SHORT),
        source=draw(st.none() | SHORT),
        # Stored urls never hold NUL: every reader refuses or strips it before a url is kept.
        url=draw(
            st.none()
            | st.text(st.characters(exclude_characters="\x00"), max_size=80).map(
                lambda s: "https://example.org/" + s
            )
        ),
        published=draw(st.none() | SHORT),
        paragraph=draw(st.integers(1, 10_000)),
    )
    sentence = Sentence(1, citation.article_id, citation.paragraph, 0, 0, len(text), text)
    return QuotedSentence(sentence, citation, 1.0, tuple(spans))


@st.composite
def answers(draw: st.DrawFn) -> Answer:
    found = draw(st.lists(st.integers(1, 4), min_size=1, max_size=4))
    more = draw(st.lists(st.integers(1, 6), max_size=4))
    lang = draw(st.sampled_from(["en", "zh-Hans", "zh-Hant"]))
    return Answer(
        "q",
        lang,
        True,
        tuple(draw(quotes(n)) for n in found),
        tuple(draw(quotes(n)) for n in more),
    )


def _check_parts(parts: list[str], *texts: str) -> None:
    assert parts
    plain = []
    for part in parts:
        parsed = parse_html(part)  # raises on anything Telegram's HTML parser would refuse
        assert utf16_len(parsed.text) <= MAX_MESSAGE_LENGTH
        plain.append(parsed.text)
    # Nothing is lost in the cutting: every text is there, up to white space.
    joined = re.sub(r"\s+", "", "".join(plain))
    for text in texts:
        assert re.sub(r"\s+", "", text) in joined


@fuzz(300)
@given(answer=answers())
def test_rendered_answers_parse_and_fit(answer: Answer) -> None:
    FIGURES.count("fuzz: render answers")
    _check_parts(render_answer(answer), *(q.sentence.text for q in answer.quotes))
    if answer.more:
        _check_parts(render_more(answer), *(q.sentence.text for q in answer.more))
    first = answer.quotes[0]
    text = first.sentence.text
    # One press, one message: a paragraph too long for it is cut around the quote, by design.
    passage = render_passage(first.citation, text, answer.lang, [text])
    assert len(passage) == 1
    _check_parts(passage, *([text] if utf16_len(text) < MAX_MESSAGE_LENGTH - 500 else []))


def _article(title: str, lang: str = "en") -> Article:
    return Article("0123456789ab", title, None, None, lang, None, "2024-01-01", 3, 9)


@fuzz(100)
@given(titles=st.lists(SHORT, min_size=0, max_size=12), offset=st.integers(0, 50))
def test_rendered_lists_and_stats_parse_and_fit(titles: list[str], offset: int) -> None:
    FIGURES.count("fuzz: render lists")
    articles = [_article(title) for title in titles]
    _check_parts([render_articles(articles, offset, offset + len(articles), "en")])
    stats = {"articles": len(titles), "answered_share": 0.5, "questions": offset}
    _check_parts([render_stats(stats, "zh-Hant")])


@fuzz(50)
@given(title=SHORT, status=st.sampled_from(["added", "replaced", "unchanged"]))
@example(title="T" * 5000, status="added")
def test_rendered_ingest_confirmation_parses_and_fits(title: str, status: str) -> None:
    FIGURES.count("fuzz: render ingest confirmations")
    _check_parts([render_article(_article(title), "en", status)])
