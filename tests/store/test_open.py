"""Choosing the backend from a --db value."""
import subprocess
import sys

import pytest

from brainstem.store import SQLiteStore, StoreError, is_postgres_url, open_store
from brainstem.store.open import redacted


def test_a_path_is_sqlite_and_a_url_is_postgresql(tmp_path):
    assert not is_postgres_url(str(tmp_path / "b.db")) and not is_postgres_url(tmp_path / "b.db")
    assert is_postgres_url("postgresql://u@h/db") and is_postgres_url("postgres://u@h/db")
    s = open_store(tmp_path / "b.db")
    assert isinstance(s, SQLiteStore)
    s.close()


def test_postgresql_url_opens_the_postgresql_store(make_db, backend):
    from brainstem.store.sql import SQLStore
    s = open_store(make_db())
    assert type(s).__name__ == {"sqlite": "SQLiteStore", "postgresql": "PostgresStore"}[backend]
    assert isinstance(s, SQLStore)
    s.close()


def test_passwords_never_reach_a_message():
    assert redacted("postgresql://ana:pw@db:5432/x?password=pw2&sslmode=require") == \
        "postgresql://ana:***@db:5432/x?password=***&sslmode=require"
    assert redacted("postgresql://ana@db/x") == "postgresql://ana@db/x"


def test_without_psycopg_the_error_says_what_to_install():
    code = ("import sys; sys.modules['psycopg'] = None\n"
            "from brainstem.store import open_store, StoreError\n"
            "try:\n    open_store('postgresql://ana:pw@db/x')\n"
            "except StoreError as e:\n    print(e)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert "pip install 'brainstem[postgres]'" in out.stdout and "pw" not in out.stdout, out.stderr


def test_an_unparsable_url_is_a_store_error():
    pytest.importorskip("psycopg")
    with pytest.raises(StoreError, match="not a valid PostgreSQL URL"):
        open_store("postgresql://h/db?bogus_option=1")
