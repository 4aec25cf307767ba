"""Choosing a backend: the one place a ``--db`` value becomes a store.

``postgresql://…`` (or ``postgres://…``) opens the PostgreSQL store; anything
else is the path of an SQLite file.
"""
from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from brainstem.store.base import Store, StoreError
from brainstem.store.sqlite import SQLiteStore

POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def is_postgres_url(db: str | Path) -> bool:
    return isinstance(db, str) and db.startswith(POSTGRES_SCHEMES)


def redacted(url: str) -> str:
    """A database URL fit for messages and logs: the password replaced by ***."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "postgresql://…"
    if parts.password is not None:
        host = parts.netloc.rsplit("@", 1)[-1]
        parts = parts._replace(netloc=f"{parts.username or ''}:***@{host}")
    query = re.sub(r"(^|&)(password=)[^&]*", r"\1\2***", parts.query)
    return urlunsplit(parts._replace(query=query))


def open_store(db: str | Path, *, create: bool = True, upgrade: bool = False, reader: bool = False) -> Store:
    """Open the store named by ``db`` (a PostgreSQL URL or an SQLite path).

    ``reader``: a connection that only reads (SQLite: ``query_only`` and a small
    page cache, for the many reader threads of the service).
    """
    if is_postgres_url(db):
        try:
            from brainstem.store.postgres import PostgresStore
        except ImportError as exc:
            if (exc.name or "").split(".")[0] != "psycopg":
                raise
            raise StoreError(f"{redacted(db)}: PostgreSQL needs the psycopg driver; "
                             "install it with: pip install 'brainstem[postgres]'") from None
        return PostgresStore(db, create=create, upgrade=upgrade)
    return SQLiteStore(db, create=create, upgrade=upgrade, reader=reader)
