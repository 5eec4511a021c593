"""`citebot eval` run as a person runs it, on questions about the bundled corpus."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from knowledge.service import bundled_corpus

pytestmark = pytest.mark.slow  # every test runs `citebot eval` in a child process

HK_INNOVATION = ("How Hong Kong helped DeepSeek and Akesobio", "en-hk-innovation.md")
HK_INNOVATION_HANT = ("兩會熱話：香港如何成就DeepSeek與康方生物", "zh-hant-hk-innovation.md")
GBA = ("从“超级联系人”到“超级增值人”：香港在大湾区科技创新中的角色", "zh-hans-gba.md")
DEEPSEEK = ("DeepSeek, the Hangzhou lab that rattled the AI industry", "en-deepseek.md")
DEEPSEEK_HANS = ("深度求索：杭州团队如何让世界关注中国大模型", "zh-hans-deepseek.md")
HKUST = ["HKUST", "Hong Kong University of Science and Technology", "香港科技大学", "香港科技大學"]


def questions(by: int) -> list[dict[str, object]]:
    """The question set, naming articles by title (by=0) or by file name (by=1)."""
    hkust_sources = [a[by] for a in (HK_INNOVATION, HK_INNOVATION_HANT, GBA)]
    return [
        {
            "id": "demo-en",
            "question": "which HK university trained a DeepSeek founder",
            "lang": "en",
            "kind": "same-language",
            "answers": HKUST,
            "source": hkust_sources[0],
            "alt_sources": hkust_sources[1:],
        },
        {
            "id": "demo-hant",
            "question": "哪所香港大學培養了DeepSeek的創始人？",
            "lang": "zh-Hant",
            "kind": "traditional-vs-simplified",
            "answers": HKUST,
            "source": hkust_sources[1],
            "alt_sources": [hkust_sources[0], hkust_sources[2]],
        },
        {
            "id": "founder",
            "question": "Who founded DeepSeek?",
            "lang": "en",
            "kind": "same-language",
            "answers": ["Liang Wenfeng", "梁文锋"],
            "source": DEEPSEEK[by],
            "alt_sources": [DEEPSEEK_HANS[by]],
            "evidence": "ignored by the scorer",
        },
        {
            "id": "nothing",
            "question": "How tall is Mount Kilimanjaro?",
            "lang": "en",
            "kind": "unanswerable",
            "answers": [],
            "source": "",
        },
    ]


def write_jsonl(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    return path


def citebot(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "--data-dir", str(data_dir), *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_eval_json_scores_each_kind_and_language(data_dir: Path, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "questions.jsonl", questions(by=0))
    result = citebot(data_dir, "eval", str(path), "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    summary = report["summary"]
    assert list(summary) == [
        "overall",
        "kind=same-language",
        "kind=traditional-vs-simplified",
        "kind=unanswerable",
        "lang=en",
        "lang=zh-Hant",
    ]
    assert summary["overall"]["n"] == 4 and summary["overall"]["answerable"] == 3
    assert summary["kind=unanswerable"]["n"] == 1
    # The demo question keeps its HKUST answer, cited; the mountain is declined.
    wrong = {v["id"] for v in report["wrong"]}
    assert not {"demo-en", "demo-hant", "nothing"} & wrong, report["wrong"]


def test_eval_by_file_names_with_details(data_dir: Path, tmp_path: Path) -> None:
    rows = questions(by=1)
    rows[2]["answers"] = ["a name nobody wrote"]  # scored wrong, so --details lists it
    path = write_jsonl(tmp_path / "questions.jsonl", rows)
    result = citebot(data_dir, "eval", str(path), "--details", "--articles", str(bundled_corpus()))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["group", "n", "answer", "citation", "both", "declined"]
    assert lines[1].split()[:2] == ["overall", "4"]
    listed = [line for line in lines if line.startswith("- ")]
    assert listed == ["- founder [same-language/en] Who founded DeepSeek?"]
    detail = lines[lines.index(listed[0]) + 1 :][:2]
    assert detail[0].strip() == "expected a name nobody wrote from en-deepseek.md: answer missing"
    assert detail[1].strip().startswith("reply: ")
    assert "4 questions in" in result.stderr


def test_missing_question_file_gets_one_line_and_exit_2(data_dir: Path, tmp_path: Path) -> None:
    result = citebot(data_dir, "eval", str(tmp_path / "missing.jsonl"))
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith("citebot: ") and "cannot read the questions" in result.stderr
    assert len(result.stderr.splitlines()) == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"id": "x", "question": "why?"\n', "not a JSON line"),
        ('{"id": "x", "question": "why?", "lang": "en", "kind": "trivia"}\n', "unknown kind"),
        (
            '{"id": "x", "question": "why?", "lang": "en", "kind": "paraphrase", '
            '"answers": ["y"], "source": "no-such-article.md"}\n',
            "the source 'no-such-article.md' is not",
        ),
    ],
)
def test_bad_question_file_gets_one_line_and_exit_2(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, message: str
) -> None:
    path = tmp_path / "questions.jsonl"
    path.write_text(content, "utf-8")
    assert main(["--data-dir", str(data_dir), "eval", str(path)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert len(err.splitlines()) == 1 and message in err, err


def test_a_reader_that_stops_early_gets_no_traceback(data_dir: Path, tmp_path: Path) -> None:
    """`citebot eval … | head -1`: the table is cut short, and that is all."""
    path = write_jsonl(tmp_path / "questions.jsonl", questions(by=0))
    reader = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "--data-dir", str(data_dir), "eval", str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert reader.stdout is not None and reader.stderr is not None
    reader.stdout.close()  # the reader is gone before the first line is written
    assert reader.wait(timeout=120) == 1
    assert "Traceback" not in reader.stderr.read()
