"""Seeded synthetic text articles for the ingest and end-to-end benchmarks, drawn from the
corpus vocabulary (benchmarks/corpus.py) sentence by sentence, with function words mixed in as
real text has them (the analyzer drops those again)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from benchmarks.corpus import DEFAULT_SEED, OTHER_LANG, Vocabulary, sample, vocabulary

# Function words for text only: all are stop words of the analyzer, so they add bytes (and work
# for the segmenter) but no index terms, as in real text.
EN_FUNCTION = "the of and a in to is was for that with as by on at from it its an be".split()
ZH_FUNCTION = "的 了 是 在 和 与 也 都 就 对 从 为 将 已经".split()
EN_FUNCTION_RATE = 0.35
ZH_FUNCTION_RATE = 0.15


@dataclass(frozen=True)
class GenSentence:
    text: str
    words: tuple[int, ...]  # vocabulary ids of the content words, in order


@dataclass(frozen=True)
class GenArticle:
    title: str
    lang: str  # "en" or "zh"
    paragraphs: tuple[tuple[GenSentence, ...], ...]

    def paragraph_texts(self) -> list[str]:
        sep = " " if self.lang == "en" else ""
        return [sep.join(s.text for s in p) for p in self.paragraphs]

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraph_texts())


def _sentence_text(vocab: Vocabulary, lang: str, words: list[int], extra: list[str | None]) -> str:
    pieces: list[str] = []
    for w, f in zip(words, extra, strict=True):
        if f is not None:
            pieces.append(f)
        pieces.append(vocab.words[w])
    if lang == "en":
        text = " ".join(pieces)
        return text[0].upper() + text[1:] + "."
    # Latin words inside Chinese text keep a space on each side.
    parts = [p if "\u4e00" <= p[0] <= "\u9fff" else f" {p} " for p in pieces]
    return "".join(parts).replace("  ", " ").strip() + "。"


def article(
    index: int,
    seed: int = DEFAULT_SEED,
    lang: str | None = None,
    paragraphs: int | None = None,
) -> GenArticle:
    """Article number ``index`` of the seeded stream: 3-7 paragraphs of 3-8 sentences, each
    sentence 25-50 content words; ``lang`` forces the main language."""
    vocab = vocabulary()
    rng = np.random.default_rng([seed, 2, index])
    main = lang or ("en" if rng.random() < 0.5 else "zh")
    count = paragraphs or int(rng.integers(3, 8))
    per_paragraph = rng.integers(3, 9, size=count)
    lengths = rng.integers(25, 51, size=int(per_paragraph.sum()))
    total = int(lengths.sum())
    is_en = (main == "en") ^ (rng.random(total) < OTHER_LANG)
    ids = np.empty(total, dtype=np.int32)
    k = int(is_en.sum())
    ids[is_en] = sample(vocab.en_cdf, rng, k)
    ids[~is_en] = sample(vocab.zh_cdf, rng, total - k) + vocab.n_en
    function = EN_FUNCTION if main == "en" else ZH_FUNCTION
    rate = EN_FUNCTION_RATE if main == "en" else ZH_FUNCTION_RATE
    picks = rng.integers(len(function), size=total)
    extra = np.where(rng.random(total) < rate, np.asarray(function, dtype=object)[picks], None)
    words = ids.tolist()
    extras = extra.tolist()
    paras = []
    pos = 0
    sentence_no = 0
    for n_sent in per_paragraph.tolist():
        sentences = []
        for _ in range(n_sent):
            end = pos + int(lengths[sentence_no])
            w = words[pos:end]
            sentences.append(GenSentence(_sentence_text(vocab, main, w, extras[pos:end]), tuple(w)))
            pos = end
            sentence_no += 1
        paras.append(tuple(sentences))
    first = paras[0][0].words[:4]
    sep = " " if main == "en" else ""
    title = sep.join(vocab.words[w] for w in first) + f" {index}"
    return GenArticle(title, main, tuple(paras))


def passage_count(art: GenArticle, size: int = 3) -> int:
    from knowledge.segment import passage_windows

    return sum(len(passage_windows(len(p), size)) for p in art.paragraphs)


def articles_for(
    passages: int, seed: int = DEFAULT_SEED, start: int = 0
) -> Iterator[tuple[int, GenArticle]]:
    """(index, article) from ``start`` on until ``passages`` passages are reached."""
    total = 0
    index = start
    while total < passages:
        art = article(index, seed)
        yield index, art
        total += passage_count(art)
        index += 1


def chinese_text(megabytes: float, seed: int = DEFAULT_SEED) -> list[GenArticle]:
    """Chinese articles (from a separate stream) adding up to about ``megabytes`` of UTF-8."""
    out: list[GenArticle] = []
    size = 0
    index = 0
    while size < megabytes * 1e6:
        art = article(index, seed + 1, lang="zh")
        out.append(art)
        size += len(art.text.encode("utf-8"))
        index += 1
    return out
