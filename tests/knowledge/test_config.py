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


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("mysql://citebot:s3cret@db/kb", "not mysql://"),
        ("citebot:s3cret@db/kb", "must start with"),
        ("postgresql://citebot:s3cret@db:port/kb", "not a valid"),
    ],
)
def test_a_database_url_that_is_no_postgresql_url_is_refused_without_its_password(
    tmp_path: Path, url: str, said: str
) -> None:
    with pytest.raises(ValueError, match="database_url") as refused:
        KnowledgeConfig(data_dir=tmp_path, database_url=url)
    assert said in str(refused.value)
    assert "s3cret" not in str(refused.value)


def test_a_database_url_stays_out_of_the_config_repr(tmp_path: Path) -> None:
    """The config is logged and pickled to the knowledge process: its repr must not carry the
    database's password."""
    for scheme in ("postgresql", "postgres"):
        config = KnowledgeConfig(data_dir=tmp_path, database_url=f"{scheme}://u:s3cret@db/kb")
        assert config.database_url is not None and "s3cret" not in repr(config)
