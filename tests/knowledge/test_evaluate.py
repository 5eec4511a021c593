"""The scoring rules of `citebot eval`, on small made-up replies."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from knowledge.errors import InputError
from knowledge.evaluate import (
    ArticleRef,
    Question,
    Reply,
    Verdict,
    articles_in_folder,
    contains,
    declines,
    find_quotes,
    judge,
    read_questions,
    squash,
    summarize,
)

ARTICLE = ArticleRef(
    "Harbour Labs opens a robotics centre", "https://example.org/harbour", ("harbour-labs",)
)
OTHER = ArticleRef("A different story entirely", "https://example.org/other", ("other",))
TEXT = (
    "Harbour Labs was founded in 2006 by Mei Chan. The company opened its robotics centre in "
    "Kowloon last spring.\n\n港湾实验室于2006年成立，创办人是陈美。"
)


def answerable(answers: tuple[str, ...], kind: str = "same-language") -> Question:
    return Question("q1", "When was Harbour Labs founded?", "en", kind, answers, ("harbour.md",))


def unanswerable() -> Question:
    return Question("q2", "Who will run Harbour Labs in 2040?", "en", "unanswerable")


def score(question: Question, text: str, *cited: str) -> Verdict:
    reply = Reply(text, cited)
    quoted = find_quotes({squash(text)}, [TEXT])[squash(text)]
    return judge(question, reply, [ARTICLE], quoted)


def test_ascii_answers_match_whole_words_and_numbers_only() -> None:
    assert contains("It was founded in 2006.", "2006")
    assert not contains("Order number 20061 was shipped.", "2006")
    assert not contains("It lasted seventeen years.", "seven")
    assert contains("(HKUST)", "hkust")


def test_chinese_answers_match_whatever_the_spacing() -> None:
    assert contains("创办人是 陈 美 。", "陈美")
    assert contains("创办人是陈美。", "陈 美")
    assert contains("ＨＫＵＳＴ 2006", "hkust")  # full-width letters fold by NFKC


def test_reply_with_the_answer_and_the_title_is_right() -> None:
    verdict = score(
        answerable(("2006",)), "“Founded in 2006.” [1]\n[1] Harbour Labs opens a robotics centre"
    )
    assert (verdict.answer, verdict.citation, verdict.note) == (True, True, "")


def test_a_longer_number_is_not_the_answer() -> None:
    verdict = score(answerable(("2006",)), "Its order book held 20061 robots. [1] harbour-labs.md")
    assert not verdict.answer and verdict.note == "answer missing"


def test_answer_inside_a_decline_does_not_count() -> None:
    verdict = score(answerable(("2006",)), "I don't know whether 2006 is right.")
    assert verdict.declined and not verdict.answer
    assert verdict.note == "declined, source not named"


def test_words_of_the_question_are_not_the_answer() -> None:
    question = Question("q3", "Did Mei Chan found it in 2006?", "en", "same-language", ("2006",))
    verdict = judge(question, Reply("Did Mei Chan found it in 2006? Yes."), [], None)
    assert not verdict.answer


@pytest.mark.parametrize(
    ("text", "cited"),
    [
        ("[1] Harbour Labs opens a robotics centre — paragraph 2", ()),
        ("see https://example.org/harbour", ()),
        ("from harbour-labs.md", ()),
        ("“Founded in 2006.” [1]", ("Harbour Labs opens a robotics centre", "", "")),
    ],
)
def test_citation_by_title_url_or_file_name(text: str, cited: tuple[str, ...]) -> None:
    assert score(answerable(("2006",)), text, *cited).citation


def test_citing_another_article_is_not_a_citation() -> None:
    verdict = score(answerable(("2006",)), "2006 [1] A different story entirely")
    assert verdict.answer and verdict.citation is False and verdict.wrong


def test_a_long_title_is_also_named_by_its_first_words() -> None:
    ref = ArticleRef("The quite long story of how Harbour Labs moved from Sha Tin to Kowloon")
    question = answerable(("2006",))
    reply = Reply("2006 [1] The quite long story of how Harbour Labs…")
    assert judge(question, reply, [ref], None).citation
    assert not judge(question, Reply("2006 [1] The quite long story"), [ref], None).citation


def test_unanswerable_is_right_when_declined_without_quoting() -> None:
    verdict = score(unanswerable(), "I don't know: nothing in my articles answers that question.")
    assert verdict.answer and verdict.citation is None and verdict.note == ""


def test_unanswerable_answered_is_wrong() -> None:
    verdict = score(unanswerable(), "“Mei Chan runs it.” [1]")
    assert not verdict.answer and verdict.note == "did not decline"


@pytest.mark.parametrize(
    "quote",
    [
        "Harbour Labs was founded in 2006 by Mei Chan.",  # a whole sentence
        "opened its robotics centre in Kowloon",  # a run of 32 characters and more
        "港湾实验室于2006年成立，创办人是陈美。",  # a Chinese sentence, 12 characters and more
    ],
)
def test_unanswerable_declined_but_quoting_an_article_is_wrong(quote: str) -> None:
    verdict = score(unanswerable(), f"I don't know. Perhaps: {quote}")
    assert verdict.declined and not verdict.answer and verdict.note == "quoted article text"


def test_a_decline_that_repeats_the_question_quotes_nothing() -> None:
    question = Question(
        "q4", "Why was the robotics centre in Kowloon closed?", "en", "unanswerable"
    )
    text = "I don't know: why was the robotics centre in Kowloon closed?"
    assert judge(
        question, Reply(text), [], find_quotes({squash(text)}, [TEXT])[squash(text)]
    ).answer


@pytest.mark.parametrize(
    "text",
    [
        "I don't know: nothing in my articles answers that question.",
        "抱歉，我的资料里没有能回答这个问题的内容。",
        "抱歉，我的資料裡沒有能回答這個問題的內容。",
        "Sorry, I could not find that.",
    ],
)
def test_declines_in_each_language(text: str) -> None:
    assert declines(text)


def test_summary_by_kind_and_language() -> None:
    verdicts = [
        score(answerable(("2006",)), "2006 [1] Harbour Labs opens a robotics centre"),
        score(answerable(("2006",), "paraphrase"), "I don't know."),
        score(unanswerable(), "I don't know."),
    ]
    summary = summarize(verdicts)
    assert list(summary) == [
        "overall",
        "kind=paraphrase",
        "kind=same-language",
        "kind=unanswerable",
        "lang=en",
    ]
    overall = summary["overall"]
    assert (overall.n, overall.answer_correct, overall.answerable) == (3, 2, 2)
    assert (overall.citation_correct, overall.strict_correct, overall.false_declines) == (1, 2, 1)


def write(path: Path, *rows: object) -> Path:
    path.write_text("\n".join(json.dumps(row, ensure_ascii=False) for row in rows), "utf-8")
    return path


def test_questions_are_read_with_their_sources(tmp_path: Path) -> None:
    row = {"id": "a", "question": "q?", "lang": "en", "kind": "paraphrase", "answers": ["x"]}
    path = write(tmp_path / "q.jsonl", {**row, "source": "a.md", "alt_sources": ["b.md"]})
    assert read_questions(path) == [
        Question("a", "q?", "en", "paraphrase", ("x",), ("a.md", "b.md"))
    ]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "not a JSON line"),
        ('{"id": "a", "question": "q?", "lang": "en", "kind": "trivia"}', "unknown kind"),
        ('{"id": "a", "question": "q?", "lang": "fr", "kind": "unanswerable"}', "unknown lang"),
        ('{"id": "a", "question": "q?", "lang": "en", "kind": "paraphrase"}', "answers"),
        ('["a list"]', "expected a JSON object"),
    ],
)
def test_a_bad_line_is_named(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text('{"id": "ok", "question": "q?", "lang": "en", "kind": "unanswerable"}\n' + line)
    with pytest.raises(InputError, match=f"q.jsonl:2: .*{message}"):
        read_questions(path)


def test_articles_in_a_folder_are_named_by_front_matter_or_first_line(tmp_path: Path) -> None:
    (tmp_path / "front.md").write_text(
        '---\ntitle: "Front title"\nurl: https://example.org/f\n---\n\nBody.\n', "utf-8"
    )
    (tmp_path / "plain.txt").write_text("\n\nPlain title\nBody text.\n", "utf-8")
    articles = articles_in_folder(tmp_path)
    assert articles.find("front.md") == (
        ArticleRef("Front title", "https://example.org/f", ("front",)),
    )
    assert articles.find("plain.txt") == (ArticleRef("Plain title", "", ("plain",)),)
    assert articles.find("missing.md") == ()


def test_a_fragment_shorter_than_a_sentence_and_a_run_is_no_quote() -> None:
    verdict = score(unanswerable(), "I don't know. Perhaps: 港湾实验室于2006年成立")
    assert verdict.answer
