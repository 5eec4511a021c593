"""A throwaway PostgreSQL server for the tests, and a fresh schema in it for each test.

The ``postgres_admin_url`` session fixture gives the URL of a server: the one
``CITEBOT_TEST_DATABASE_URL`` names, else one started here (initdb into a temporary folder,
listening on a unix socket in it only; as the unprivileged user ``nobody`` when the tests run
as root, since PostgreSQL refuses to run as root). Without the PostgreSQL binaries the tests
that need it are skipped with one line on a developer machine, and fail in CI (``CI`` set):
CI must run them.

``postgres_url`` is the URL of an empty schema of its own per test (``search_path`` set
through libpq's ``options``), dropped afterwards: cheaper than a database per test, and the
server is started once per session.

A test that needs the server is marked ``postgresql`` (those that use these fixtures are
marked here; one that opens a store by ``request.getfixturevalue`` carries the mark itself), so
``-m "not postgresql"`` leaves them out. Without a server, on a developer machine, they are
deselected and the run ends with one line saying why.

``postgres_schemas`` makes as many such schemas as a test asks for (two knowledge bases).

``own_server`` starts a server for one test alone, to stop and start again (a restart): the
shared one stays up for the others.

tests/conftest.py offers the fixtures to every folder of tests and calls ``mark_and_deselect``
and ``report_deselected`` from its ``pytest_collection_modifyitems`` and
``pytest_terminal_summary`` hooks.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

# The server itself lives with the other stand-ins the benchmarks share with the tests.
from benchmarks.fakes.postgres import ENV_URL, Server, find_bindir, with_search_path

__all__ = ["ENV_URL", "Server", "find_bindir", "with_search_path"]

MISSING = f"PostgreSQL tests need initdb and pg_ctl (apt install postgresql) or {ENV_URL}"
_deselected: list[pytest.Item] = []


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() not in ("", "0", "false", "no")


def _needs_server(item: pytest.Item) -> bool:
    return item.get_closest_marker("postgresql") is not None or "postgres_admin_url" in getattr(
        item, "fixturenames", ()
    )


def mark_and_deselect(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark the tests that need the server ``postgresql``; without one (and outside CI),
    deselect them, to be reported in one line."""
    needing = [item for item in items if _needs_server(item)]
    for item in needing:
        item.add_marker(pytest.mark.postgresql)
    if not needing or os.environ.get(ENV_URL) or _in_ci() or find_bindir():
        return
    _deselected[:] = needing
    config.hook.pytest_deselected(items=needing)
    items[:] = [item for item in items if not _needs_server(item)]


def report_deselected(terminalreporter: Any) -> None:
    if _deselected:
        terminalreporter.write_line(f"{len(_deselected)} deselected: {MISSING}", yellow=True)


@contextlib.contextmanager
def own_server() -> Iterator[Server]:
    """A server of the caller's own, stopped and removed after the block: for a test that
    restarts it (``stop_fast``, ``start_again``). Without the PostgreSQL binaries the test is
    skipped with one line (failed in CI), whatever CITEBOT_TEST_DATABASE_URL names: that server
    is not the test's to restart."""
    bindir = find_bindir()
    if bindir is None:
        why = "a restart test starts a server of its own: " + MISSING.split(" or ")[0]
        if _in_ci():
            pytest.fail(f"{why}; CI must run them", pytrace=False)
        pytest.skip(why)
    try:
        server = Server.start(bindir)
    except (RuntimeError, OSError, KeyError, subprocess.SubprocessError) as exc:
        pytest.fail(f"could not start PostgreSQL from {bindir}: {exc}", pytrace=False)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def postgres_admin_url() -> Iterator[str]:
    """The URL of a PostgreSQL server for this session (see the module docstring)."""
    given = os.environ.get(ENV_URL)
    if given:
        yield given
        return
    bindir = find_bindir()
    if bindir is None:
        if _in_ci():
            pytest.fail(f"{MISSING}; CI must run them", pytrace=False)
        pytest.skip(MISSING)
    try:
        server = Server.start(bindir)
    except (RuntimeError, OSError, KeyError, subprocess.SubprocessError) as exc:
        pytest.fail(f"could not start PostgreSQL from {bindir}: {exc}", pytrace=False)
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture
def postgres_schemas(postgres_admin_url: str) -> Iterator[Callable[[], str]]:
    """Makes empty schemas of this test's own (each call one more: a second knowledge base in
    the same test), all dropped after it; gives each one's URL."""
    import psycopg

    made: list[str] = []

    def make() -> str:
        schema = f"test_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(postgres_admin_url, autocommit=True) as conn:
            conn.execute(f"CREATE SCHEMA {schema}".encode())
        made.append(schema)
        return with_search_path(postgres_admin_url, schema)

    try:
        yield make
    finally:
        with psycopg.connect(postgres_admin_url, autocommit=True) as conn:
            for schema in made:
                conn.execute(f"DROP SCHEMA {schema} CASCADE".encode())


@pytest.fixture
def postgres_url(postgres_schemas: Callable[[], str]) -> str:
    """The URL of an empty schema of this test's own, dropped after it."""
    return postgres_schemas()
