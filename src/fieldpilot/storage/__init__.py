"""fieldpilot.storage: SQLAlchemy 2 tables mapped onto the domain, repositories, the SQL unit of
work (state, history and outbox rows in one transaction) and the Alembic migrations.

An adapter: may import domain, workflow, sla, engine and service; never api, web, cli or bootstrap.
Nothing connects at import time.

    engine = make_engine("postgresql+psycopg://user@host/db")   # or None: sqlite fieldpilot.db
    ensure_migrated(engine)                                      # DatabaseNotMigrated otherwise
    uow = SqlAlchemyUnitOfWork(make_session_factory(engine), clock.now)

On SQLite a unit of work holds the database's write lock from its first statement until it ends
(BEGIN IMMEDIATE), so units of work run one after the other: never open a second one in the same
thread while the first is still inside `with` and has touched the database.
"""

from __future__ import annotations

from fieldpilot.storage.engine import DEFAULT_URL, make_engine, make_session_factory
from fieldpilot.storage.errors import DatabaseNotMigrated
from fieldpilot.storage.mapping import start_mappers
from fieldpilot.storage.migrate import (
    code_revision,
    database_revision,
    ensure_migrated,
    upgrade_database,
    upgrade_engine,
)
from fieldpilot.storage.tables import metadata
from fieldpilot.storage.unit_of_work import SqlAlchemyUnitOfWork

__all__ = [
    "DEFAULT_URL",
    "DatabaseNotMigrated",
    "SqlAlchemyUnitOfWork",
    "code_revision",
    "database_revision",
    "ensure_migrated",
    "make_engine",
    "make_session_factory",
    "metadata",
    "start_mappers",
    "upgrade_database",
    "upgrade_engine",
]
