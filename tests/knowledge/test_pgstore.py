"""What only the PostgreSQL store does: its versioned schema, shared by replicas opening it at
once, a read-only standby, errors that name the database but never its password, and a pool
that outlives dropped connections. What both stores do is in test_store_contract.py."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest

from knowledge.errors import StoreError
from knowledge.models import Article
from knowledge.pgstore.schema import LATEST
from knowledge.pgstore.store import PgStore
from knowledge.store import NewSentence
from tests.pgserver import with_search_path


@pytest.fixture
def pg_store(postgres_url: str) -> Iterator[PgStore]:
    store = PgStore(postgres_url)
    yield store
    store.close()


def _versions(url: str) -> list[int]:
    with psycopg.connect(url) as conn:
        return [r[0] for r in conn.execute("SELECT version FROM schema_version ORDER BY 1")]


def test_the_tables_are_made_once_and_their_version_recorded(postgres_url: str) -> None:
    PgStore(postgres_url).close()
    store = PgStore(postgres_url)  # the second open finds them made: nothing is applied
    store.close()
    assert _versions(postgres_url) == list(range(1, LATEST + 1))


def test_replicas_opening_a_new_database_at_once_make_the_tables_once(postgres_url: str) -> None:
    opened: list[PgStore] = []
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def open_one() -> None:
        start.wait()
        try:
            opened.append(PgStore(postgres_url, pool_size=1))
        except BaseException as exc:  # reported below, not lost in the thread
            errors.append(exc)

    threads = [threading.Thread(target=open_one) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert errors == []
        assert len({store.store_id for store in opened}) == 1
        assert _versions(postgres_url) == list(range(1, LATEST + 1))
    finally:
        for store in opened:
            store.close()


def test_a_database_upgraded_by_a_newer_citebot_is_refused(postgres_url: str) -> None:
    PgStore(postgres_url).close()
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute("INSERT INTO schema_version(version) VALUES (%s)", (LATEST + 1,))
    with pytest.raises(StoreError, match=rf"newer citebot \(tables at version {LATEST + 1}"):
        PgStore(postgres_url)


def test_a_read_only_database_answers_and_refuses_writes(postgres_url: str) -> None:
    writer = PgStore(postgres_url)
    writer.set_chat_settings(1, writer.chat_settings(1), None)
    writer.close()
    read_only_url = postgres_url.replace(
        "options=", "options=" + quote("-c default_transaction_read_only=on ", safe=""), 1
    )
    store = PgStore(read_only_url)
    try:
        assert store.read_only
        assert store.generation() == 0 and store.counts()["articles"] == 0
        with pytest.raises(StoreError, match="read-only"):
            store.log_question("Who?", "en", False, None, None)
        with pytest.raises(StoreError, match="read-only"):
            store.remove_article("abc")
    finally:
        store.close()


def test_a_read_only_database_without_the_tables_says_how_to_make_them(
    postgres_url: str,
) -> None:
    read_only_url = postgres_url.replace(
        "options=", "options=" + quote("-c default_transaction_read_only=on ", safe=""), 1
    )
    with pytest.raises(StoreError, match="open it once with write access"):
        PgStore(read_only_url)


def test_an_unreachable_database_is_one_line_naming_it_without_the_password(
    tmp_path: Path,
) -> None:
    # A socket folder with no server in it: refused at once, nothing on the network.
    url = f"postgresql://citebot:s3cr%40t@/kb?host={quote(str(tmp_path), safe='')}"
    with pytest.raises(StoreError) as refused:
        PgStore(url, connect_timeout=2)
    message = str(refused.value)
    assert "\n" not in message and "s3cr" not in message
    assert message.startswith("cannot open the store (postgresql://citebot@/kb)")


def test_a_malformed_url_is_refused_without_repeating_it() -> None:
    with pytest.raises(StoreError, match="not a valid postgresql:// URL") as refused:
        PgStore("postgresql://citebot:s3cret@db:port/kb")
    assert "s3cret" not in str(refused.value)


def test_a_database_that_does_not_keep_text_as_utf8_is_refused(
    postgres_admin_url: str,
) -> None:
    name = f"ascii_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(postgres_admin_url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name} ENCODING 'SQL_ASCII' TEMPLATE template0".encode())
    try:
        url = postgres_admin_url.replace("/postgres?", f"/{name}?", 1)
        with pytest.raises(StoreError, match="needs UTF8"):
            PgStore(url)
    finally:
        with psycopg.connect(postgres_admin_url, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE {name}".encode())


def test_a_backup_to_a_file_is_refused_naming_pg_dump(pg_store: PgStore, tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="pg_dump"):
        pg_store.backup(tmp_path / "backup.sqlite3")
    assert not (tmp_path / "backup.sqlite3").exists()


def test_connections_the_server_dropped_are_replaced_before_use(
    pg_store: PgStore, postgres_admin_url: str
) -> None:
    """A server restart or failover drops every connection of the pool: the next calls get
    new ones instead of failing."""
    assert pg_store.generation() == 0
    with psycopg.connect(postgres_admin_url, autocommit=True) as admin:
        dropped = admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE application_name = '' AND pid <> pg_backend_pid() "
            "AND backend_type = 'client backend'"
        ).fetchall()
    assert dropped
    for _ in range(3):
        assert pg_store.generation() == 0
    assert pg_store.question_text(pg_store.log_question("Who?", "en", False, None, None))


def test_text_with_a_nul_character_is_refused_whole(pg_store: PgStore) -> None:
    """PostgreSQL keeps no NUL in text (SQLite does): such an article is refused whole, with
    nothing left of it, and a look-up by such a key finds nothing."""
    article = Article("ab12", "Nul", None, None, "en", None, "2026-01-01T00:00:00+00:00")
    sentences = [
        NewSentence(0, 1, 0, 5, "Fine.", ["fine"]),
        NewSentence(1, 1, 6, 10, "a\x00b", ["ab"]),
    ]
    with pytest.raises(StoreError, match="could not store the article"):
        pg_store.add_article(article, "key", sentences, [(0, 1)])
    assert pg_store.counts() == {"articles": 0, "passages": 0, "sentences": 0}
    assert pg_store.generation() == 0
    assert pg_store.find_article("ab\x0012") is None
    with pytest.raises(StoreError, match="could not log the question"):
        pg_store.log_question("a\x00b", "en", False, None, None)


def test_stores_in_two_schemas_of_one_database_are_apart(postgres_admin_url: str) -> None:
    schemas = [f"apart_{uuid.uuid4().hex[:8]}" for _ in range(2)]
    with psycopg.connect(postgres_admin_url, autocommit=True) as conn:
        for schema in schemas:
            conn.execute(f"CREATE SCHEMA {schema}".encode())
    stores = [PgStore(with_search_path(postgres_admin_url, s)) for s in schemas]
    try:
        stores[0].log_question("Who?", "en", False, None, None)
        assert stores[0].question_stats()["questions"] == 1
        assert stores[1].question_stats()["questions"] == 0
        assert stores[0].store_id != stores[1].store_id
    finally:
        for store in stores:
            store.close()
        with psycopg.connect(postgres_admin_url, autocommit=True) as conn:
            for schema in schemas:
                conn.execute(f"DROP SCHEMA {schema} CASCADE".encode())
