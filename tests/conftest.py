"""Shared fixtures: a real PostgreSQL/PostGIS server for the store tests (nothing is mocked).

The server is started once per test session (:class:`landkit.store.LocalPostgres`: Debian's
binaries, 127.0.0.1, a data directory of its own, a random password handed over in PGPASSWORD) and
stopped at the end. Each test gets a fresh database copied from a PostGIS template. Set
``LANDKIT_TEST_PG_URL`` (a superuser URL without password; the password in PGPASSWORD or .pgpass)
to use a server of your own instead.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit

import pytest

TEMPLATE = "landkit_template"


def _with_db(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """URL of a PostGIS template database on a running server (no password in it)."""
    own = os.environ.get("LANDKIT_TEST_PG_URL")
    if own:
        import psycopg

        with psycopg.connect(_with_db(own, "postgres"), autocommit=True) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (TEMPLATE,)).fetchone():
                conn.execute(f'CREATE DATABASE "{TEMPLATE}"')
        with psycopg.connect(_with_db(own, TEMPLATE), autocommit=True) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        yield _with_db(own, TEMPLATE)
        return
    from landkit.store.server import LocalPostgres

    server = LocalPostgres(database=TEMPLATE)
    try:
        server.start()
    except RuntimeError as exc:  # the store tests must run: a missing server is a failure, not a skip
        pytest.fail(f"cannot start the PostgreSQL test server: {exc}")
    previous = os.environ.get("PGPASSWORD")
    os.environ["PGPASSWORD"] = server.password
    try:
        yield server.url
    finally:
        server.stop()
        if previous is None:
            os.environ.pop("PGPASSWORD", None)
        else:
            os.environ["PGPASSWORD"] = previous


@pytest.fixture
def pg_url(postgres_server: str) -> Iterator[str]:
    """A fresh, empty PostGIS database for one test; dropped afterwards."""
    import psycopg

    name = f"t_{secrets.token_hex(6)}"
    admin = _with_db(postgres_server, "postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{TEMPLATE}"')
    try:
        yield _with_db(postgres_server, name)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["gpkg", "postgis"])
def store_target(request: pytest.FixtureRequest, tmp_path) -> str:
    """The same store test against both backends: a new GeoPackage file, or a new PostGIS database."""
    if request.param == "gpkg":
        return str(tmp_path / "store.gpkg")
    return request.getfixturevalue("pg_url")
