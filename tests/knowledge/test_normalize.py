"""Folding for highlights: the fast path must map every character exactly as the slow one."""

from __future__ import annotations

import random
import unicodedata

from knowledge.normalize import (
    fold,
    fold_all,
    fold_per_character,
    fold_with_offsets,
    guess_lang,
    to_simplified,
    to_traditional,
)
from knowledge.text import is_han


def test_fold_with_offsets_matches_the_per_character_definition() -> None:
    samples = [
        "Straße ΣΑΣ café ﬁne Ｆｕｌｌ 香港科技大學",
        "e\u0301 combining, 한국어 \u1100\u1161 jamo, ㍻ squared",
        "DeepSeek 創始人梁文鋒畢業於香港科技大學",
        "plain ascii only",
    ]
    rng = random.Random(20261125)
    blocks = [(32, 0x250), (0x300, 0x370), (0x1100, 0x1200), (0x3400, 0x9FFF), (0xAC00, 0xD7A3)]
    blocks += [(0xF900, 0xFB00), (0xFF00, 0xFFEF), (0x3300, 0x3400)]
    for _ in range(5000):
        samples.append(
            "".join(chr(rng.randrange(*rng.choice(blocks))) for _ in range(rng.randrange(1, 12)))
        )
    for text in samples:
        assert fold_with_offsets(text) == fold_per_character(text), text


def test_highlight_offsets_point_into_the_original_text() -> None:
    text = "Ｄｅｅｐ Seek 香港科技大學"
    folded, offsets = fold_with_offsets(text)
    assert folded == fold(text)
    assert text[offsets[folded.index("香港")]] == "香"


def test_fold_normalizes_as_nfkc_does_everywhere() -> None:
    """fold's faster NFKC (full-width punctuation replaced before the normalizer runs) gives
    what unicodedata.normalize does, for every character alone and beside combining marks
    and jamo it could compose with."""
    # The Basic Multilingual Plane, and blocks beyond it that NFKC changes.
    codes = [*range(0xD800), *range(0xE000, 0x10000), *range(0x1D400, 0x1D800)]
    for code in [*codes, *range(0x1F100, 0x1F300), *range(0x2F800, 0x2FA20)]:
        ch = chr(code)
        for text in (ch, "a" + ch, ch + "\u0301", "\u1100" + ch, ch + "\u0308\u0323"):
            expected = to_simplified(unicodedata.normalize("NFKC", text).casefold())
            assert fold(text) == expected, hex(code)


def _guess_lang_by_definition(text: str) -> str:
    sample = text[:4000]
    han = "".join(ch for ch in sample if is_han(ch))
    latin = sum(1 for ch in sample if "a" <= ch <= "z" or "A" <= ch <= "Z")
    if not han or len(han) * 3 < latin:
        return "en"
    trad_only = sum(map(str.__ne__, han, to_simplified(han)))
    simp_only = sum(map(str.__ne__, han, to_traditional(han)))
    return "zh-Hant" if trad_only > simp_only else "zh-Hans"


def test_guess_lang_weighs_han_against_latin_letters_as_defined() -> None:
    """Its shortcuts (no Han: English; Latin letters counted only where they could outweigh
    the Han, in bytes) give the definition's guess on mixed texts of every proportion."""
    rng = random.Random(20261207)
    pieces = ["DeepSeek ", "HKUST", "香港科技大學", "香港科技大学", "，", "é", "１２", " "]
    pieces += ["𠀀", "\ud800"]
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randrange(0, 15)))
        assert guess_lang(text) == _guess_lang_by_definition(text), text


def test_fold_all_folds_each_text_as_fold_does() -> None:
    """Folded together, no Traditional phrase reaches across two texts: a text cut anywhere
    (乾|燥 of 乾燥, which OpenCC converts as a phrase) folds as its pieces do alone; a text
    holding a newline folds on its own."""
    text = "天氣乾燥，香港科技大學於1991年成立。DeepSeek 創始人梁文鋒，ＡＩ研發中心。"
    assert fold_all([]) == []
    for cut in range(len(text) + 1):
        pieces = [text[:cut], text[cut:], "軟體\n開發", "", "Ｆｕｌｌ"]
        assert fold_all(pieces) == [fold(piece) for piece in pieces], cut
