"""Persistence: the Store interface and its backends."""
from brainstem.store.base import CandidateQuery, Store, StoreError, WriteBatch
from brainstem.store.sqlite import SQLiteStore, open_store

__all__ = ["CandidateQuery", "SQLiteStore", "Store", "StoreError", "WriteBatch", "open_store"]
