"""Shared fixtures: where ../shared lives, and how to reach the CLI."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("BRAINSTEM_SHARED", REPO.parent / "shared"))


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not SHARED.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"shared data directory {SHARED} is missing")
        pytest.skip(f"shared data directory {SHARED} is missing (set BRAINSTEM_SHARED)")
    return SHARED


@pytest.fixture(scope="session")
def loghub_dir(shared_dir: Path) -> Path:
    return shared_dir / "data" / "loghub2k"


# -- real services (PostgreSQL, NATS, rsyslog, logger, Chromium) ------------------------------
# `make test` starts or installs them first (scripts/ensure-services). A test that
# needs one skips with the reason when it is missing, or fails under
# BRAINSTEM_REQUIRE_SERVICES=1 (CI), so a missing service is never silent.

def require_service(name: str, available: bool, why: str) -> None:
    if available:
        return
    message = f"{name} unavailable: {why}"
    if os.environ.get("BRAINSTEM_REQUIRE_SERVICES"):
        pytest.fail(message + " (BRAINSTEM_REQUIRE_SERVICES=1)")
    pytest.skip(message)


def _port_open(host: str, port: int) -> bool:
    import socket
    try:
        with socket.create_connection((host, port), timeout=1.0):
            return True
    except OSError:
        return False


def _binary(*names: str) -> str | None:
    import shutil
    for n in names:
        found = shutil.which(n) or (f"/usr/sbin/{n}" if Path(f"/usr/sbin/{n}").exists() else None)
        if found:
            return found
    return None


@pytest.fixture(scope="session")
def postgres_dsn() -> str:
    dsn = os.environ.get("BRAINSTEM_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
    require_service("PostgreSQL", _port_open("127.0.0.1", 5432), "nothing listens on 127.0.0.1:5432")
    return dsn


@pytest.fixture(scope="session")
def nats_url() -> str:
    url = os.environ.get("BRAINSTEM_TEST_NATS", "nats://127.0.0.1:4222")
    require_service("NATS", _port_open("127.0.0.1", 4222), "nothing listens on 127.0.0.1:4222")
    return url


@pytest.fixture(scope="session")
def logger_bin() -> str:
    path = _binary("logger")
    require_service("util-linux logger", path is not None, "no `logger` on PATH (Debian package bsdutils)")
    return path


@pytest.fixture(scope="session")
def rsyslogd_bin() -> str:
    path = _binary("rsyslogd")
    require_service("rsyslog", path is not None, "no rsyslogd (Debian package rsyslog)")
    return path


@pytest.fixture(scope="session")
def chromium_bin() -> str:
    path = _binary("chromium", "chromium-browser")
    require_service("Chromium", path is not None, "no chromium (Debian package chromium)")
    return path


# -- both store backends ---------------------------------------------------------------------
# A test taking `make_db` runs once on SQLite and once on PostgreSQL; make_db(name)
# gives a fresh database for each name (a file in tmp_path, or a schema of its own
# in the test database, dropped after the test), the same one when asked again.

@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request) -> str:
    return request.param


@pytest.fixture
def make_db(request, tmp_path, backend):
    if backend == "sqlite":
        yield lambda name="b.db": str(tmp_path / name)
        return
    dsn = request.getfixturevalue("postgres_dsn")
    with PostgresSchemas(dsn) as schemas:
        yield schemas.url


class PostgresSchemas:
    """Fresh schemas in the test database, one per name, dropped on exit."""

    def __init__(self, dsn: str):
        import uuid
        self.dsn = dsn
        self.prefix = f"t_{uuid.uuid4().hex[:10]}_"
        self.urls: dict[str, str] = {}
        self.schemas: list[str] = []

    def url(self, name: str = "b.db") -> str:
        if name not in self.urls:
            import re

            import psycopg

            from brainstem.store.postgres import with_schema
            schema = self.prefix + re.sub(r"\W", "_", name)
            with psycopg.connect(self.dsn, autocommit=True) as conn:
                conn.execute(f'CREATE SCHEMA "{schema}"')
            self.schemas.append(schema)
            self.urls[name] = with_schema(self.dsn, schema)
        return self.urls[name]

    def __enter__(self) -> "PostgresSchemas":
        return self

    def __exit__(self, *exc) -> None:
        if not self.urls:
            return
        import gc

        import psycopg
        gc.collect()    # workspaces a test left open close their connections
        with psycopg.connect(self.dsn, autocommit=True) as conn:
            conn.execute("SET lock_timeout = '20s'")
            for schema in self.schemas:
                conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
