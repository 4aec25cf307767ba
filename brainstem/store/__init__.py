"""Persistence: the Store interface and its backends (SQLite, PostgreSQL)."""
from brainstem.store.base import CandidateQuery, Store, StoreError, WriteBatch
from brainstem.store.open import is_postgres_url, open_store
from brainstem.store.sqlite import SQLiteStore

__all__ = ["CandidateQuery", "SQLiteStore", "Store", "StoreError", "WriteBatch", "is_postgres_url", "open_store"]
