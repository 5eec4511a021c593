"""Fixtures of the knowledge tests: a PostgreSQL server per session, a schema per test."""

from __future__ import annotations

from typing import Any

import pytest

from tests.pgserver import mark_and_deselect, postgres_admin_url, postgres_url, report_deselected

__all__ = ["postgres_admin_url", "postgres_url"]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    mark_and_deselect(config, items)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    report_deselected(terminalreporter)
