"""Hostile files through KnowledgeBase.ingest_bytes: a clean ingest or a one-line refusal, fast.

Every input built in hostile.py goes through the real readers into one knowledge base. The
contract, from knowledge/extract/: whatever the bytes, the result is either an article stored
whole or one of UnsupportedFormat, FileTooLarge, EmptyDocument, UnreadableDocument with a
one-line message; never another exception, never more than TIME_LIMIT seconds, and a refusal
leaves the store exactly as it was (row counts, generation, indexed passages).

Property-based fuzzing of the same code paths lives in test_fuzz.py.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from bot.render import render_answer
from knowledge.errors import (
    EmptyDocument,
    FileTooLarge,
    InputError,
    UnreadableDocument,
    UnsupportedFormat,
)
from knowledge.service import KnowledgeBase
from tests.robustness import hostile
from tests.robustness.conftest import FIGURES, store_snapshot

TIME_LIMIT = 10.0
REFUSALS = (UnsupportedFormat, FileTooLarge, EmptyDocument, UnreadableDocument)
_timings: dict[str, float] = {}


def attempt(
    kb: KnowledgeBase, data: bytes, filename: str, content_type: str | None = None
) -> tuple[str, str]:
    """Ingest once and check the contract; returns ("ingested", article id) or ("refused", code)."""
    before = store_snapshot(kb)
    started = time.monotonic()
    try:
        result = kb.ingest_bytes(data, filename, content_type=content_type)
    except InputError as err:
        elapsed = time.monotonic() - started
        assert type(err) in REFUSALS, f"{type(err).__name__} is not one of the documented refusals"
        message = str(err)
        assert message.strip() and "\n" not in message and "\r" not in message, repr(message)
        assert len(message) <= 300, message
        assert store_snapshot(kb) == before, "a refused file changed the store"
        outcome = ("refused", err.code)
    else:
        elapsed = time.monotonic() - started
        stored = kb.article(result.article.id)
        assert (stored.passages, stored.sentences) == (
            result.article.passages,
            result.article.sentences,
        )
        sentences = kb.store.sentences(stored.id, 0, 1 << 30)
        assert len(sentences) == stored.sentences > 0
        assert all("\x00" not in s.text and s.text == s.text.strip() for s, _ in sentences)
        after = store_snapshot(kb)
        with_terms = sum(1 for _, terms in kb.store.passage_terms(stored.id) if terms)
        if result.status == "unchanged":
            assert after == before
        else:
            assert after["generation"] == before["generation"] + 1
            assert after["indexed"] - before["indexed"] == with_terms
        outcome = ("ingested", stored.id)
    assert elapsed < TIME_LIMIT, f"{filename} took {elapsed:.1f} s"
    _timings[filename if filename not in _timings else f"{filename} ({len(_timings)})"] = elapsed
    return outcome


@pytest.fixture(scope="module", autouse=True)
def _report() -> Iterator[None]:
    yield
    if _timings:
        slowest = max(_timings, key=_timings.__getitem__)
        FIGURES.note(
            "hostile files",
            f"{len(_timings)} ingests, slowest {_timings[slowest]:.2f} s ({slowest})",
        )


@pytest.mark.timeout(60)
@pytest.mark.parametrize("case", sorted(hostile.BUILDERS))
def test_hostile_file_is_ingested_cleanly_or_refused(module_kb: KnowledgeBase, case: str) -> None:
    data, filename, content_type = hostile.BUILDERS[case]()
    outcome, detail = attempt(module_kb, data, filename, content_type)
    FIGURES.count(f"hostile files {outcome}")
    expected = hostile.MUST_INGEST.get(case)
    if expected is not None:
        assert outcome == "ingested", f"{case}: refused ({detail}) but its text is fine"
        texts = " ".join(s.text for s, _ in module_kb.store.sentences(detail, 0, 1 << 30))
        assert expected in texts, f"{case}: {expected!r} not stored as written"


def test_script_style_and_frame_text_is_not_stored(module_kb: KnowledgeBase) -> None:
    outcome, article_id = attempt(module_kb, hostile.html_with_scripts(), "scripts.html")
    assert outcome == "ingested"
    texts = " ".join(s.text for s, _ in module_kb.store.sentences(article_id, 0, 1 << 30))
    assert "INJECTED" not in texts and "alert" not in texts


def test_deep_nesting_is_refused_not_read_in_part(module_kb: KnowledgeBase) -> None:
    """libxml2 silently drops what lies below depth 256; a page read in part must be refused."""
    page = (
        b"<html><body><p>The visible opening paragraph of the page.</p>"
        + b"<div>" * 300
        + b"<p>The hidden conclusion below the nesting limit.</p>"
        + b"</div>" * 300
        + b"</body></html>"
    )
    assert attempt(module_kb, page, "deep.html") == ("refused", "unreadable")


# -- bugs found: each test pins the wanted behaviour and fails until the bug is fixed ---------


@pytest.mark.parametrize("hint", ["big5", "euc-kr"])
def test_gbk_with_wrong_cjk_charset_hint_is_not_stored_as_mojibake(
    module_kb: KnowledgeBase, hint: str
) -> None:
    data = ("梁文锋的回忆：" + hostile.ZH_FACT * 2).encode("gbk")
    outcome, detail = attempt(
        module_kb, data, f"mislabelled-{hint}.txt", f"text/plain; charset={hint}"
    )
    if outcome == "ingested":
        texts = "".join(s.text for s, _ in module_kb.store.sentences(detail, 0, 1 << 30))
        assert hostile.ZH_FACT[:12] in texts, f"stored as {texts[:30]!r}"


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_chinese_utf16_without_bom_is_read(module_kb: KnowledgeBase, codec: str) -> None:
    # No ASCII at all (a newline alone would put NULs on the right side and hide the bug).
    text = "一所大学。" + hostile.ZH_FACT + "它是一所年轻的大学。"
    outcome, detail = attempt(module_kb, text.encode(codec), f"zh-{codec}.txt")
    assert outcome == "ingested", detail


def test_unpunctuated_paragraph_is_not_quoted_whole(module_kb: KnowledgeBase) -> None:
    text = "The zanthrop ledger keeps\n" + "\n".join(f"entry {i}" for i in range(10_000))
    outcome, _ = attempt(module_kb, (text + "\n\nThe end.\n").encode(), "ledger.txt")
    assert outcome == "ingested"
    answer = module_kb.ask("zanthrop", log_it=False)
    assert answer.found
    parts = render_answer(answer)
    assert len(parts) <= 3, f"one answer became {len(parts)} messages"  # 27 today
