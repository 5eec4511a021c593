"""Sentence splitting and passage windows."""

from __future__ import annotations

from knowledge.segment import passage_windows, split_sentences


def texts(paragraph: str) -> list[str]:
    return [s.text for s in split_sentences(paragraph)]


def test_english_abbreviations_and_decimals_do_not_split() -> None:
    assert texts("Dr. Smith moved to the U.S. in 2019. He raised 3.5 million dollars! Why?") == [
        "Dr. Smith moved to the U.S. in 2019.",
        "He raised 3.5 million dollars!",
        "Why?",
    ]


def test_initials_and_eg_do_not_split() -> None:
    assert texts("Andrew C. Yao spoke, e.g. about bridges. Then he left.") == [
        "Andrew C. Yao spoke, e.g. about bridges.",
        "Then he left.",
    ]


def test_chinese_end_marks_and_closing_quotes() -> None:
    assert texts("他說：「我們會成功！」然後離開。大家都很高興；會議結束") == [
        "他說：「我們會成功！」",
        "然後離開。",
        "大家都很高興；",
        "會議結束",
    ]


def test_offsets_point_into_the_paragraph() -> None:
    paragraph = "  First one.  Second “quoted.” Third"
    for span in split_sentences(paragraph):
        assert paragraph[span.start : span.end] == span.text


def test_passages_overlap_by_one_sentence() -> None:
    assert passage_windows(7, size=3, overlap=1) == [(0, 3), (2, 5), (4, 7)]
    assert passage_windows(2) == [(0, 2)]
    assert passage_windows(0) == []


def test_an_endless_sentence_is_cut_at_commas_or_spaces() -> None:
    from knowledge.segment import MAX_SENTENCE_CHARS

    paragraph = ", ".join(f"entry {i}" for i in range(2000))
    spans = split_sentences(paragraph)
    assert len(spans) > 1
    assert all(len(s.text) <= MAX_SENTENCE_CHARS for s in spans)
    assert all(paragraph[s.start : s.end] == s.text for s in spans)
    assert "".join(s.text for s in spans).replace(" ", "") == paragraph.replace(" ", "")
    chinese = "很长的句子" * 300
    assert all(len(s.text) <= MAX_SENTENCE_CHARS for s in split_sentences(chinese))
