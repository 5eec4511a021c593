"""KnowledgeConfig refuses a bad value where it enters, naming it."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.config import KnowledgeConfig


@pytest.mark.parametrize(
    ("field", "value"),
    [("max_upload_bytes", 0), ("passage_sentences", 0), ("overlay_save_postings", -1)],
)
def test_a_bad_value_is_refused_by_name(tmp_path: Path, field: str, value: int) -> None:
    with pytest.raises(ValueError, match=field):
        KnowledgeConfig(data_dir=tmp_path, **{field: value})  # type: ignore[arg-type]


def test_an_early_save_threshold_of_zero_is_allowed(tmp_path: Path) -> None:
    """0: a write saves the index as soon as it holds anything no save has taken back."""
    assert KnowledgeConfig(data_dir=tmp_path, overlay_save_postings=0).overlay_save_postings == 0
