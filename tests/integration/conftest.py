"""Fixtures for tests against real databases: SQLite (a temporary file) and PostgreSQL.

Fixtures (usable from any test folder below tests/integration/, and by e2e tests that import
this module's fixtures through their own conftest):

- `database_url` (session): the URL of a freshly migrated database, parametrized over
  "sqlite" and "postgresql". Every test that uses it runs once per backend.
    * sqlite: a file in a temporary directory.
    * postgresql: the server named by `FIELDPILOT_TEST_POSTGRES_URL` (default
      `postgresql+psycopg://postgres@127.0.0.1:5432/test`, only used to connect); each test
      session (each xdist worker) creates its OWN database `fp_test_<random hex>`, migrates it,
      and drops it WITH (FORCE) at the end. No other database is touched.
      When the server cannot be reached the postgresql params are skipped, unless
      `FIELDPILOT_REQUIRE_POSTGRES=1`, which makes them fail instead.
- `postgres_server` (session): an AUTOCOMMIT engine on the PostgreSQL server (skips/fails as
  above); `new_postgres_database(server)` / `drop_postgres_database(server, url)` make more.
- `sql_engine` (session): an engine on `database_url` (`fieldpilot.storage.make_engine`).
- `clean_database` (function): empties every table of `database_url` before the test.
- `sql_uow_factory` (function): `sql_uow_factory(clock=None) -> SqlAlchemyUnitOfWork`, a fresh
  unit of work on the clean database; `clock` defaults to the real UTC clock.

`database_url` starts the storage mappers (`fieldpilot.storage.start_mappers`), so domain objects
built in a test that uses these fixtures can be stored. On SQLite a unit of work holds the write
lock from its first statement to its end: a test must not keep one open while another unit of
work in the same thread touches the database (it would wait out the busy timeout).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from fieldpilot.storage import (
    SqlAlchemyUnitOfWork,
    make_engine,
    make_session_factory,
    metadata,
    start_mappers,
    upgrade_database,
)

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"

SqlUowFactory = Callable[..., SqlAlchemyUnitOfWork]


def _server_url() -> str:
    return os.environ.get("FIELDPILOT_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)


def _postgres_required() -> bool:
    return os.environ.get("FIELDPILOT_REQUIRE_POSTGRES") == "1"


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[Engine]:
    """An AUTOCOMMIT engine on the PostgreSQL server, for CREATE/DROP DATABASE only."""
    url = make_url(_server_url())
    server = create_engine(url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
    try:
        with server.connect() as connection:
            connection.execute(text("SELECT 1"))
    except OperationalError as error:
        server.dispose()
        message = f"PostgreSQL at {url.render_as_string(hide_password=True)} is unreachable: {error.orig}"
        if _postgres_required():
            pytest.fail(f"{message} (FIELDPILOT_REQUIRE_POSTGRES=1)")
        pytest.skip(message)
    yield server
    server.dispose()


def new_postgres_database(server: Engine) -> str:
    """Create an empty, uniquely named database on the server and return its URL."""
    name = f"fp_test_{secrets.token_hex(6)}"
    with server.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    return server.url.set(database=name).render_as_string(hide_password=False)


def drop_postgres_database(server: Engine, url: str) -> None:
    name = make_url(url).database
    assert name is not None and name.startswith("fp_test_"), f"refusing to drop {name!r}"
    with server.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(
    scope="session",
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
)
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated database per backend and test session; see the module docstring."""
    start_mappers()  # before any test builds a domain object it will store
    if request.param == "sqlite":
        path: Path = tmp_path_factory.mktemp("sqlite") / "fieldpilot.db"
        url = f"sqlite:///{path}"
        upgrade_database(url)
        yield url
        return
    server: Engine = request.getfixturevalue("postgres_server")
    url = new_postgres_database(server)
    try:
        upgrade_database(url)
        yield url
    finally:
        drop_postgres_database(server, url)


@pytest.fixture(scope="session")
def sql_engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def clean_database(sql_engine: Engine) -> Engine:
    """Empty every table (children first), keeping the schema and Alembic's version row."""
    with sql_engine.begin() as connection:
        for table in reversed(metadata.sorted_tables):
            connection.execute(table.delete())
    return sql_engine


@pytest.fixture
def sql_uow_factory(clean_database: Engine) -> SqlUowFactory:
    session_factory = make_session_factory(clean_database)

    def new_unit_of_work(clock: Callable[[], datetime] | None = None) -> SqlAlchemyUnitOfWork:
        return SqlAlchemyUnitOfWork(session_factory, clock or (lambda: datetime.now(UTC)))

    return new_unit_of_work
