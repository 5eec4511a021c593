"""The knowledge base in PostgreSQL, for several replicas sharing one database.

``open_store`` picks the store from where the knowledge base lives: a ``postgresql://`` URL
opens a :class:`~knowledge.pgstore.store.PgStore`, anything else is a path to the embedded
SQLite file (``knowledge.store.Store``, the default). Both have the same public methods; the
PostgreSQL driver is imported only when a URL asks for it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from knowledge.store import Store

if TYPE_CHECKING:
    from knowledge.pgstore.store import PgStore

URL_SCHEMES = ("postgresql://", "postgres://")


def is_database_url(location: str | Path) -> bool:
    """Whether ``location`` names a PostgreSQL database rather than an SQLite file."""
    return isinstance(location, str) and location.startswith(URL_SCHEMES)


def open_store(location: str | Path) -> Store | PgStore:
    """The store at ``location``: a PgStore for a ``postgresql://`` (or ``postgres://``) URL,
    else the SQLite store in that file.

    Raises:
        ValueError: ``location`` is a URL of another kind (``mysql://...``): named in the
            message without what follows the scheme (it may hold a password).
        StoreError: the store cannot be opened (see each store).
    """
    if is_database_url(location):
        from knowledge.pgstore.store import PgStore

        return PgStore(str(location))
    if isinstance(location, str) and "://" in location:
        scheme = location.split("://", 1)[0]
        raise ValueError(
            f"the database URL must start with postgresql://, not {scheme}:// (an SQLite "
            "store is given as a file path)"
        )
    return Store(Path(location))
