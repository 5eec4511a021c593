"""The knowledge base in PostgreSQL, for several replicas sharing one database.

``open_store`` picks the store from where the knowledge base lives: a ``postgresql://`` URL
opens a :class:`~knowledge.pgstore.store.PgStore`, anything else is a path to the embedded
SQLite file (``knowledge.store.Store``, the default). Both have the same public methods; the
PostgreSQL driver is imported only when a URL asks for it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from knowledge.store import Store

if TYPE_CHECKING:
    from knowledge.pgstore.store import PgStore

URL_SCHEMES = ("postgresql://", "postgres://")


def is_database_url(location: str | Path) -> bool:
    """Whether ``location`` names a PostgreSQL database rather than an SQLite file."""
    return isinstance(location, str) and location.startswith(URL_SCHEMES)


def check_database_url(url: str) -> None:
    """Return when ``url`` is a ``postgresql://`` (or ``postgres://``) URL that parses, else
    raise ValueError saying what is wrong, never repeating what follows the scheme (a URL may
    hold a password). The caller names the setting (``database_url``, CITEBOT_DATABASE_URL).
    """
    if not is_database_url(url):
        scheme = url.split("://", 1)[0] if "://" in url else ""
        plain = re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]{0,19}", scheme)
        shown = f", not {scheme}://" if plain else ""
        raise ValueError(f"must start with postgres:// or postgresql://{shown}")
    try:
        urlsplit(url).port  # noqa: B018 (a port that is no number raises here)
    except ValueError:
        raise ValueError("is not a valid postgresql:// URL (look at its port)") from None


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
        try:
            check_database_url(location)
        except ValueError as exc:
            raise ValueError(
                f"the database URL {exc} (an SQLite store is given as a file path)"
            ) from None
    return Store(Path(location))
