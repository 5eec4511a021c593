"""Folding for highlights: the fast path must map every character exactly as the slow one."""

from __future__ import annotations

import random

from knowledge.normalize import fold, fold_per_character, fold_with_offsets


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
