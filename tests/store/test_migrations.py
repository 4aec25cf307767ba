"""One migration history for both dialects, and the rules for adding to it."""
import sqlite3

import pytest

from brainstem.store.migrations import (
    DIALECTS, LATEST, MIGRATIONS, Dialects, Migration, portability_problems, to_postgresql,
)


def test_versions_are_contiguous_and_names_unique():
    assert [m.version for m in MIGRATIONS] == list(range(1, LATEST + 1))
    assert len({m.name for m in MIGRATIONS}) == len(MIGRATIONS)


def test_every_plain_statement_is_portable():
    assert portability_problems() == []


def test_dialect_only_words_are_caught_with_what_to_do():
    bad = Migration(9, "bad", ("CREATE TABLE global_glob (a TEXT, glob_count INTEGER)",   # names are fine
                               "INSERT OR IGNORE INTO t VALUES ('PRAGMA is fine in a string')",
                               "CREATE TABLE x (id SERIAL, at TIMESTAMPTZ)",
                               "UPDATE x SET n = a::int",
                               Dialects(sqlite="PRAGMA user_version = 1", postgresql=None)))
    problems = portability_problems([bad])
    assert len(problems) == 3
    assert "'INSERT OR'" in problems[0] and "Dialects(" in problems[0] and "migration 9 (bad)" in problems[0]
    assert "SERIAL" in problems[1] and "'::'" in problems[2]


def test_postgresql_retypes_columns_outside_quotes_only():
    sql = "CREATE TABLE a (hint_text TEXT NOT NULL DEFAULT 'TEXT', n INTEGER, f REAL, b BLOB, \"REAL\" TEXT)"
    assert to_postgresql(sql) == ("CREATE TABLE a (hint_text TEXT COLLATE \"C\" NOT NULL DEFAULT 'TEXT', n BIGINT, "
                                  "f DOUBLE PRECISION, b BYTEA, \"REAL\" TEXT COLLATE \"C\")")
    assert to_postgresql("CREATE INDEX i ON t (a, b DESC)") == "CREATE INDEX i ON t (a, b DESC)"


def test_dialect_steps_and_plain_steps_keep_their_order():
    m = Migration(3, "x", ("CREATE TABLE a (x TEXT)", Dialects(sqlite="S", postgresql=None),
                           Dialects(sqlite=None, postgresql="P"), "CREATE INDEX ai ON a (x)"))
    assert m.sql("sqlite") == ("CREATE TABLE a (x TEXT)", "S", "CREATE INDEX ai ON a (x)")
    assert m.sql("postgresql") == ('CREATE TABLE a (x TEXT COLLATE "C")', "P", "CREATE INDEX ai ON a (x)")
    assert m.statements == m.sql("sqlite")
    with pytest.raises(ValueError, match="unknown SQL dialect 'mysql'"):
        m.sql("mysql")
    assert DIALECTS == ("sqlite", "postgresql")


# What another area might add next, written the documented way: plain portable SQL.
API_KEYS = Migration(LATEST + 1, "access tokens (an example)", (
    """CREATE TABLE access_tokens (
        key_id TEXT PRIMARY KEY, tenant_id TEXT, key_hash TEXT NOT NULL UNIQUE, scopes TEXT NOT NULL,
        created_at TEXT NOT NULL, revoked_at TEXT, uses INTEGER NOT NULL DEFAULT 0)""",
    "CREATE INDEX IF NOT EXISTS access_tokens_tenant ON access_tokens (tenant_id)",
    "ALTER TABLE tenants ADD COLUMN api_quota REAL NOT NULL DEFAULT 1.5",
    "INSERT INTO access_tokens (key_id, tenant_id, key_hash, scopes, created_at) "
    "VALUES ('key_admin', NULL, 'h0', '[\"admin\"]', '2026-01-01T00:00:00Z') ON CONFLICT (key_id) DO NOTHING",
    "INSERT INTO access_tokens (key_id, tenant_id, key_hash, scopes, created_at) "
    "VALUES ('key_admin', NULL, 'h1', '[]', 'x') ON CONFLICT (key_id) DO UPDATE SET uses = access_tokens.uses + 1",
    "UPDATE access_tokens SET revoked_at = COALESCE(revoked_at, created_at) WHERE uses > 0",
))


def _check_access_tokens(rows):
    assert rows == [("key_admin", "h0", 1, "2026-01-01T00:00:00Z")]


def test_a_portable_migration_runs_on_sqlite_as_written(tmp_path):
    assert portability_problems([API_KEYS]) == []
    conn = sqlite3.connect(tmp_path / "m.db")
    for m in MIGRATIONS + (API_KEYS,):
        for stmt in m.sql("sqlite"):
            conn.execute(stmt)
    _check_access_tokens(conn.execute("SELECT key_id, key_hash, uses, revoked_at FROM access_tokens").fetchall())


def test_the_same_migration_runs_on_postgresql_unchanged(postgres_dsn):
    psycopg = pytest.importorskip("psycopg")
    from tests.conftest import PostgresSchemas
    with PostgresSchemas(postgres_dsn) as schemas, psycopg.connect(schemas.url(), autocommit=True) as conn:
        for m in MIGRATIONS + (API_KEYS,):
            with conn.transaction():
                for stmt in m.sql("postgresql"):
                    conn.execute(stmt)
        _check_access_tokens(conn.execute("SELECT key_id, key_hash, uses, revoked_at FROM access_tokens").fetchall())
        kind = conn.execute("SELECT data_type FROM information_schema.columns WHERE table_schema = current_schema() "
                            "AND table_name = 'tenants' AND column_name = 'api_quota'").fetchone()[0]
        assert kind == "double precision"
