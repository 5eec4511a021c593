"""Chinese word segmentation: jieba's dictionary and semantics, cut by jieba-rs (rjieba).

jieba (Python) stays the dictionary of record: it loads dict.txt from its cache, reads user
dictionaries and computes the frequency of every word added at run time (``add_word`` with no
frequency asks ``suggest_freq``). Cutting through it is slow (seconds per MB), so every word it
ends up with is mirrored, with the same frequency, into a jieba-rs instance that finds the
dictionary route about ten times faster (the whole cut about five times faster than jieba's).
Four things make the two give the same tokens:

* the same words with the same frequencies: the mirror is built from jieba's own ``FREQ`` and
  follows every later ``add_word`` (``load_userdict`` goes through it too);
* the same ``total``, the denominator of every word's probability. jieba's ``add_word`` adds the
  new count without subtracting a replaced word's old one (and dict.txt lists one word twice),
  while jieba-rs keeps the exact sum; a padding word that never occurs in Han text carries the
  difference;
* the same character blocks. jieba treats only U+4E00..U+9FD5 as Han and yields every other
  character on its own; jieba-rs also joins CJK Extension A and compatibility ideographs into
  words ("㐀㐁" stays one token there). Text outside jieba's range is therefore split here, the
  way jieba splits it, before jieba-rs sees it;
* the same HMM. jieba-rs's HMM for unknown words scores some paths differently from jieba's
  (it cuts "常在地" as 常在 / 地 where jieba, by 1.5e-7 in log probability, keeps 常 / 在 / 地),
  so jieba-rs only finds the dictionary route (``hmm=False``: the same DAG and the same
  maximum, ties to the longer word) and the runs of single characters it leaves go through
  jieba's HMM here, as jieba's ``__cut_DAG`` does: jieba's own model tables, in a Viterbi
  written out for its four states (same sums in the same order, same tie-breaking) that runs
  about five times faster than jieba's generic one.

tests/knowledge/test_segmenter.py checks token identity with jieba over the bundled corpus, the
question set and generated text.
"""

from __future__ import annotations

import logging
import re
import threading
from collections import deque
from itertools import compress, repeat
from typing import Any

import jieba
import jieba.finalseg
import rjieba

from knowledge.text import HAN

jieba.setLogLevel(logging.WARNING)

# jieba's re_han_default restricted to Han: the only characters it segments with its dictionary.
_JIEBA_HAN_BLOCK = re.compile("([\u4e00-\u9fd5]+)")
_OUTSIDE_JIEBA_HAN = re.compile("[^\u4e00-\u9fd5]")
# The analyzer's Han runs: beyond these jieba's own handling (Latin words, spaces) is not
# mirrored here, so such text goes to jieba itself.
_OUTSIDE_HAN_RUN = re.compile(f"[^{HAN}]")
# Private-use characters: never in a Han run, so this word only ever adds to jieba-rs's total.
_PADDING_WORD = "\ue000\ue001"


class Segmenter(jieba.Tokenizer):  # type: ignore[misc]
    """A jieba Tokenizer whose :meth:`words` gives ``lcut(text, HMM=True)``'s tokens quickly.

    Everything else (``FREQ``, ``total``, ``add_word``, ``load_userdict``, ``lcut``) is jieba's
    own, so code that reads the dictionary sees exactly what plain jieba would show it.
    """

    def __init__(self, freq: dict[str, int], total: int) -> None:
        super().__init__()
        self.FREQ = dict(freq)
        self.total = total
        self.initialized = True
        # jieba-rs cuts without the GIL and refuses (RuntimeError "Already borrowed") a word
        # added meanwhile: ingest learns aliases while another thread analyses a question.
        self._fast_lock = threading.Lock()
        # rjieba's stub leaves empty() unannotated (it returns a Jieba).
        self._fast: rjieba.Jieba = rjieba.Jieba.empty()  # type: ignore[no-untyped-call]
        # Zero counts are jieba's prefix markers, not words: neither engine may see them as words.
        words = list(compress(self.FREQ, self.FREQ.values()))
        counts = list(filter(None, self.FREQ.values()))
        # 350k calls: map() keeps the loop in C (0.2 s instead of 0.3 s).
        deque(map(self._fast.add_word, words, counts, repeat(None)), maxlen=0)
        self._mirrored = sum(counts)
        self._sync_total()

    def add_word(self, word: str, freq: Any = None, tag: str | None = None) -> None:
        """jieba's add_word, mirrored into jieba-rs with the frequency jieba settled on."""
        if freq is not None and int(freq) == 0:
            # jieba turns a zero count into a forced split inside its HMM (del_word); jieba-rs
            # cannot forget a word, so the two would part ways.
            raise ValueError(f"cannot add {word!r} with frequency 0 (delete words unsupported)")
        old = self.FREQ.get(word, 0)
        super().add_word(word, freq, tag)
        new = self.FREQ[word]
        with self._fast_lock:
            self._fast.add_word(word, new, None)
            self._mirrored += new - old
            self._sync_total()

    def _sync_total(self) -> None:
        self._fast.add_word(_PADDING_WORD, self.total - self._mirrored, None)

    def words(self, text: str) -> list[str]:
        """The tokens of ``jieba.lcut(text, HMM=True)`` for the analyzer's Han runs."""
        if _OUTSIDE_JIEBA_HAN.search(text) is None:
            return self._han_block(text)
        if _OUTSIDE_HAN_RUN.search(text) is not None:
            return self.lcut(text, HMM=True)  # type: ignore[no-any-return]
        out: list[str] = []
        for i, block in enumerate(_JIEBA_HAN_BLOCK.split(text)):
            # split() with a group alternates: text outside the range, then a Han block.
            if i % 2:
                out.extend(self._han_block(block))
            else:
                out.extend(block)
        return out

    def _han_block(self, block: str) -> list[str]:
        """jieba's ``__cut_DAG`` on one block, with the dictionary route from jieba-rs."""
        with self._fast_lock:
            route: list[str] = self._fast.cut(block, False)
        out: list[str] = []
        start = -1  # where the current run of single characters began in ``route``
        for i, word in enumerate(route):
            if len(word) == 1:
                if start < 0:
                    start = i
                continue
            if start >= 0:
                self._singles(route, start, i, out)
                start = -1
            out.append(word)
        if start >= 0:
            self._singles(route, start, len(route), out)
        return out

    def _singles(self, route: list[str], start: int, end: int, out: list[str]) -> None:
        if end - start == 1:
            out.append(route[start])
            return
        run = "".join(route[start:end])
        if self.FREQ.get(run):
            out.extend(route[start:end])
        else:
            out.extend(hmm_cut(run))


# jieba's HMM (jieba/finalseg): states B(egin), M(iddle), E(nd), S(ingle).
_MIN = jieba.finalseg.MIN_FLOAT
_START = jieba.finalseg.start_P
_TRANS = jieba.finalseg.trans_P
_EMIT = jieba.finalseg.emit_P
_SB, _SM, _SE, _SS = (_START[y] for y in "BMES")
_T_EB, _T_SB = _TRANS["E"].get("B", _MIN), _TRANS["S"].get("B", _MIN)
_T_MM, _T_BM = _TRANS["M"].get("M", _MIN), _TRANS["B"].get("M", _MIN)
_T_SS, _T_ES = _TRANS["S"].get("S", _MIN), _TRANS["E"].get("S", _MIN)
_T_BE, _T_ME = _TRANS["B"].get("E", _MIN), _TRANS["M"].get("E", _MIN)
# Emission log probabilities per character, B/M/E/S; characters the model never saw get jieba's
# MIN_FLOAT for every state.
_EMISSIONS: dict[str, tuple[float, float, float, float]] = {
    ch: (
        _EMIT["B"].get(ch, _MIN),
        _EMIT["M"].get(ch, _MIN),
        _EMIT["E"].get(ch, _MIN),
        _EMIT["S"].get(ch, _MIN),
    )
    for ch in set().union(*(_EMIT[y] for y in "BMES"))
}
_UNSEEN = (_MIN, _MIN, _MIN, _MIN)
# Runs of unknown single characters recur ("都不", "人是"): their cuts are remembered, up to a
# bound past which the memory starts over.
_HMM_MEMO_SIZE = 100_000
_hmm_memo: dict[str, tuple[str, ...]] = {}


def hmm_cut(run: str) -> tuple[str, ...]:
    """``jieba.finalseg.cut(run)``'s words for a run of characters in U+4E00..U+9FD5."""
    words = _hmm_memo.get(run)
    if words is None:
        if len(_hmm_memo) >= _HMM_MEMO_SIZE:
            _hmm_memo.clear()
        words = _hmm_memo[run] = _viterbi_words(run)
    forced = jieba.finalseg.Force_Split_Words  # words jieba's del_word asked to split
    if forced:
        return tuple(piece for word in words for piece in (word if word in forced else (word,)))
    return words


def _viterbi_words(run: str) -> tuple[str, ...]:
    """jieba's Viterbi and ``__cut`` over B/M/E/S, written out for its four states.

    Each state's best predecessor is jieba's ``max`` over ``(probability, state)`` tuples, so an
    equal probability goes to the later letter (S over E, M over B), as there; every sum adds
    the same terms in the same order.
    """
    emissions = _EMISSIONS
    eb, em, ee, es = emissions.get(run[0], _UNSEEN)
    vb, vm, ve, vs = _SB + eb, _SM + em, _SE + ee, _SS + es
    back: list[tuple[str, str, str, str]] = []
    for ch in run[1:]:
        eb, em, ee, es = emissions.get(ch, _UNSEEN)
        b_e, b_s = ve + _T_EB + eb, vs + _T_SB + eb
        m_m, m_b = vm + _T_MM + em, vb + _T_BM + em
        s_s, s_e = vs + _T_SS + es, ve + _T_ES + es
        e_b, e_m = vb + _T_BE + ee, vm + _T_ME + ee
        back.append(
            (
                "S" if b_s >= b_e else "E",
                "M" if m_m >= m_b else "B",
                "M" if e_m >= e_b else "B",
                "S" if s_s >= s_e else "E",
            )
        )
        vb = b_s if b_s >= b_e else b_e
        vm = m_m if m_m >= m_b else m_b
        ve = e_m if e_m >= e_b else e_b
        vs = s_s if s_s >= s_e else s_e
    state = "S" if vs >= ve else "E"
    states = [state]
    column = "BMES"
    for step in reversed(back):
        state = step[column.index(state)]
        states.append(state)
    states.reverse()
    # jieba's __cut: words end at E and S; a trailing B/M run is one word.
    words: list[str] = []
    begin = nexti = 0
    for i, state in enumerate(states):
        if state == "B":
            begin = i
        elif state == "E":
            words.append(run[begin : i + 1])
            nexti = i + 1
        elif state == "S":
            words.append(run[i])
            nexti = i + 1
    if nexti < len(run):
        words.append(run[nexti:])
    return tuple(words)
