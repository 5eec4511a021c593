"""jieba-rs behind the analyzer gives exactly jieba's tokens (knowledge/segmenter.py).

The reference is jieba itself on the very same dictionary: the Segmenter is a jieba Tokenizer,
so its own ``lcut`` cuts with the words, frequencies and total that jieba-rs mirrors. Each text
is analysed twice by the same analyzer, once per engine (``Segmenter.words`` swapped for
jieba's ``lcut``), and the token lists (terms and spans) must be equal: the bundled corpus, the
question set, and seeded generated text that mixes dictionary words, random characters, the
rare characters jieba does not treat as Han, Traditional script, Latin words and numbers.
What the segmenter does on its own (words added, refused, added while cutting) is checked on
a Segmenter over jieba's dictionary.
"""

from __future__ import annotations

import json
import random
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import jieba
import jieba.finalseg
import pytest

from knowledge.analyze import Analyzer, Token
from knowledge.segment import split_sentences
from knowledge.segmenter import Segmenter, hmm_cut
from knowledge.service import KnowledgeBase
from knowledge.text import HAN

CORPUS = Path(__file__).resolve().parents[2] / "knowledge" / "corpus"
QUESTIONS = Path(__file__).parent / "questions.jsonl"

# Outside jieba's Han range U+4E00..U+9FD5 but inside the analyzer's Han runs: CJK Extension A,
# the last unified ideographs, and compatibility ideographs that NFKC leaves alone.
RARE_HAN = "㐀㐁㑇㒸䶮䶵鿖鿗鿫鿰鿿﨎﨏﨑﨓﨔﨟﨡﨣﨤﨧﨨﨩"
TRADITIONAL = "臺灣們個學習發現經濟國際機構實驗電腦網絡創辦醫藥齒輪"
LATIN = ["DeepSeek", "HKUST", "R1", "2025", "3.5", "AI", "GPU", "Liang", "v2", "x"]
PUNCT = ["，", "。", "、", "；", "！", "？", " ", "（", "）", "「", "」", "\n"]


@pytest.fixture(scope="module")
def dictionary() -> tuple[dict[str, int], int]:
    """jieba's own dictionary: its words with their counts, and their total."""
    jieba.dt.initialize()
    return jieba.dt.FREQ, jieba.dt.total


@pytest.fixture
def segmenter(dictionary: tuple[dict[str, int], int]) -> Segmenter:
    """A Segmenter of its own over jieba's dictionary (a test may add words to it)."""
    return Segmenter(*dictionary)


@contextmanager
def jieba_cutting() -> Iterator[None]:
    """Every Segmenter, the analyzer's too, cutting with jieba's own lcut (same dictionary)
    in place of jieba-rs."""

    def lcut(self: Segmenter, text: str) -> list[str]:
        return self.lcut(text, HMM=True)  # type: ignore[no-any-return]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Segmenter, "words", lcut)
        yield


def assert_same_tokens(analyzer: Analyzer, texts: list[str]) -> tuple[int, int]:
    """Both engines' analyses of ``texts`` are equal; returns (texts, tokens) compared."""
    fast = [analyzer.analyze(t) for t in texts]
    with jieba_cutting():
        reference = [analyzer.analyze(t) for t in texts]
    differing = [
        (t, _first_difference(a, b))
        for t, a, b in zip(texts, reference, fast, strict=True)
        if a != b
    ]
    assert not differing, f"{len(differing)} texts differ, first: {differing[0]}"
    tokens = sum(len(r) for r in reference)
    assert tokens > 0
    return len(texts), tokens


def assert_same_words(segmenter: Segmenter, texts: list[str]) -> None:
    """jieba-rs and jieba cut the Han runs of ``texts`` (what the analyzer hands the
    segmenter) into the same words."""
    runs = [run for text in texts for run in re.findall(f"[{HAN}]+", text)]
    assert runs
    differing = [r for r in runs if segmenter.words(r) != segmenter.lcut(r, HMM=True)]
    assert not differing, f"{len(differing)} runs differ, first: {differing[0]}"


def _first_difference(a: list[Token], b: list[Token]) -> tuple[list[str], list[str]]:
    i = next((k for k, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
    return [t.term for t in a[max(0, i - 2) : i + 3]], [t.term for t in b[max(0, i - 2) : i + 3]]


def corpus_texts() -> list[str]:
    """Every line of every bundled file, and each line's sentences as ingest cuts them."""
    texts: list[str] = []
    for path in sorted(CORPUS.iterdir()):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                texts.append(line)
                texts.extend(s.text for s in split_sentences(line))
    return texts


def generated_text(freq: dict[str, int], seed: int, sentences: int) -> list[str]:
    """Sentences drawn like real text: dictionary words by frequency, with noise between."""
    rng = random.Random(seed)
    words = [w for w, f in freq.items() if f and "\u4e00" <= w[0] <= "\u9fd5"]
    weights = [freq[w] ** 0.5 for w in words]
    common = rng.choices(words, weights, k=sentences * 30)
    rare = rng.choices(words, k=sentences * 10)
    out: list[str] = []
    for _ in range(sentences):
        parts: list[str] = []
        for _ in range(rng.randint(3, 40)):
            roll = rng.random()
            if roll < 0.55:
                parts.append(common.pop())
            elif roll < 0.70:
                parts.append(rare.pop())
            elif roll < 0.82:
                parts.append(chr(rng.randint(0x4E00, 0x9FA5)))  # unknown pairs: the HMM's part
            elif roll < 0.86:
                parts.append(rng.choice(RARE_HAN))
            elif roll < 0.90:
                parts.append(rng.choice(TRADITIONAL))
            elif roll < 0.95:
                parts.append(rng.choice(LATIN))
            else:
                parts.append(rng.choice(PUNCT))
        out.append("".join(parts) + "。")
    return out


def test_jieba_rs_gives_jiebas_tokens_on_the_bundled_corpus(kb: KnowledgeBase) -> None:
    texts, tokens = assert_same_tokens(kb.analyzer, corpus_texts())
    assert texts > 1_000 and tokens > 10_000


def test_jieba_rs_gives_jiebas_tokens_on_the_question_set(kb: KnowledgeBase) -> None:
    lines = QUESTIONS.read_text(encoding="utf-8").splitlines()
    questions = [json.loads(line)["q"] for line in lines if line.strip()]
    assert_same_tokens(kb.analyzer, questions)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_jieba_rs_gives_jiebas_tokens_on_generated_text(
    kb: KnowledgeBase, dictionary: tuple[dict[str, int], int], seed: int
) -> None:
    _, tokens = assert_same_tokens(kb.analyzer, generated_text(dictionary[0], seed, 3_000))
    assert tokens > 50_000


def test_characters_jieba_does_not_call_han_are_cut_one_by_one(
    kb: KnowledgeBase, segmenter: Segmenter
) -> None:
    # jieba-rs alone would keep "㐀㐁" as one word; jieba yields each character.
    assert segmenter.words("㐀㐁中国人") == ["㐀", "㐁", "中国", "人"]
    assert_same_tokens(kb.analyzer, ["㐀㐁中国人", "刘䶮建立南汉", "䶮䶮䶮", "鿫鿰是﨎﨏"])


def test_words_added_again_keep_jiebas_total(segmenter: Segmenter) -> None:
    # jieba's add_word adds a replaced word's new count to the total without taking the old one
    # off; how a run is cut depends on that total. Common words added again move it by
    # millions, as the analyzer's word lists do.
    segmenter.add_word("康方")  # a domain word, as the analyzer adds from its word list
    for word in ("时下", "下降", "康方", "的", "了", "是", "在", "我", "有", "和", "人"):
        segmenter.add_word(word, segmenter.FREQ[word] * 3)
    assert segmenter.total > sum(segmenter.FREQ.values())
    assert segmenter.words("多时下") == segmenter.lcut("多时下", HMM=True)
    assert_same_words(
        segmenter, ["多时下", "康方生物多时下降", *generated_text(segmenter.FREQ, 4, 300)]
    )


def test_aliases_learned_at_run_time_reach_jieba_rs(empty_kb: KnowledgeBase) -> None:
    analyzer = empty_kb.analyzer
    text = "颉颃器械公司在九龙开设了颉颃器械研究所。"
    assert "颉颃器械" not in analyzer.terms(text)
    assert analyzer.add_alias("Xiehang Instruments", "頡頏器械")
    assert "颉颃器械" in analyzer.terms(text)
    assert_same_tokens(analyzer, [text, "頡頏器械", "由颉颃器械与康方生物合作"])


def test_zero_frequency_words_are_refused(segmenter: Segmenter) -> None:
    with pytest.raises(ValueError, match="frequency 0"):
        segmenter.add_word("康方", 0)


def test_the_written_out_hmm_cuts_like_jiebas() -> None:
    # Runs of common characters (close scores, ties), characters the model never saw, and
    # single characters: the runs the segmenter hands to the HMM.
    rng = random.Random(7)
    chars = "的一是不了在人有我他这个们中来上大为和国地到以说时要就出会可也你对生能而子那得于着下自"
    chars += "之年过发后作里用道行所然家种事成方多经么去法学如都同现当没动面起看定天分还进好小部"
    chars += "龘鿕乂乚亍丷"
    runs = ["".join(rng.choices(chars, k=rng.randint(1, 12))) for _ in range(20_000)]
    runs += ["常在地", "做客常在地", "的的的的", "龘龘"]
    assert [hmm_cut(r) for r in runs] == [tuple(jieba.finalseg.cut(r)) for r in runs]


def test_words_can_be_added_while_another_thread_cuts(segmenter: Segmenter) -> None:
    # jieba-rs cuts without the GIL; an unguarded add_word meanwhile raises "Already borrowed".
    text = "我们中出了一个叛徒" * 5_000
    errors: list[BaseException] = []

    def cut() -> None:
        try:
            for _ in range(10):
                segmenter.words(text)
        except BaseException as exc:  # pragma: no cover - the failure being tested for
            errors.append(exc)

    thread = threading.Thread(target=cut)
    thread.start()
    added = 0
    while thread.is_alive():
        segmenter.add_word(f"测试词{added}", 5)
        added += 1
    thread.join()
    assert added and not errors
