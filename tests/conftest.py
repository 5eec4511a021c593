"""Shared fixtures: a knowledge base with the bundled corpus, prepared once and copied per test,
and a throwaway PostgreSQL server with a schema per test (tests/pgserver.py).

Loading the corpus the first time also builds the dictionary cache (a few seconds); copying a
prepared data directory keeps each test independent without paying that again.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from knowledge.service import KnowledgeBase, KnowledgeConfig
from tests.pgserver import (
    mark_and_deselect,
    postgres_admin_url,
    postgres_schemas,
    postgres_url,
    report_deselected,
)

__all__ = ["postgres_admin_url", "postgres_schemas", "postgres_url"]


@pytest.fixture(scope="session")
def prepared_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("prepared") / "data"
    kb = KnowledgeBase(KnowledgeConfig(data_dir=path))
    report = kb.load_bundled()
    assert not report.failures, report.failures
    kb.close()
    return path


@pytest.fixture(scope="module")
def module_kb(
    prepared_data_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[KnowledgeBase]:
    """One knowledge base with the bundled corpus for a whole module."""
    data = tmp_path_factory.mktemp("kb") / "data"
    shutil.copytree(prepared_data_dir, data)
    kb = KnowledgeBase(KnowledgeConfig(data_dir=data))
    yield kb
    kb.close()


@pytest.fixture
def data_dir(prepared_data_dir: Path, tmp_path: Path) -> Path:
    """A private copy of the prepared knowledge base."""
    target = tmp_path / "data"
    shutil.copytree(prepared_data_dir, target)
    return target


@pytest.fixture
def kb(data_dir: Path) -> Iterator[KnowledgeBase]:
    base = KnowledgeBase(KnowledgeConfig(data_dir=data_dir))
    yield base
    base.close()


@pytest.fixture
def empty_kb(tmp_path: Path, prepared_data_dir: Path) -> Iterator[KnowledgeBase]:
    """An empty knowledge base that reuses the prepared dictionary cache."""
    data = tmp_path / "empty"
    shutil.copytree(prepared_data_dir / "cache", data / "cache")
    base = KnowledgeBase(KnowledgeConfig(data_dir=data))
    yield base
    base.close()


# Opening a knowledge base costs about a second of CPU (its dictionary), a bot a little more on
# top: a test that gets one of its own (these fixtures) is slow, whatever it checks; tests that
# share one per module or session are not. The full run keeps them all.
_OWN_KNOWLEDGE_BASE = frozenset({"kb", "data_dir", "empty_kb", "bot", "make_bot", "start_bot"})


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if _OWN_KNOWLEDGE_BASE & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)
    # Those that need PostgreSQL are marked, and left out in one line where there is none.
    mark_and_deselect(config, items)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    report_deselected(terminalreporter)
