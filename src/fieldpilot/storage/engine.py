"""Engines and sessions for SQLite (the embedded default) and PostgreSQL (production).

SQLite: WAL journal, foreign keys on, a busy timeout, and every transaction opened with
`BEGIN IMMEDIATE` (SQLAlchemy's pysqlite recipe: the driver's own BEGIN is switched off and the
engine's "begin" event emits ours). Writers therefore queue up at the start of their unit of
work instead of failing at commit, which is what serialises two bookings of one technician.

PostgreSQL (`postgresql+psycopg://...`): plain READ COMMITTED; bookings serialise on
`SELECT ... FOR UPDATE` of the technician row (`technicians.lock`).

Nothing here runs at import time: call `make_engine(url)` from the composition root.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

DEFAULT_URL = "sqlite:///fieldpilot.db"
SQLITE_BUSY_TIMEOUT_MS = 30_000


def make_engine(url: str | None = None, *, echo: bool = False) -> Engine:
    """An engine for `url` (default: the SQLite file `fieldpilot.db` in the working directory)."""
    parsed = make_url(_with_driver(url or DEFAULT_URL))
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(
            parsed,
            echo=echo,
            connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
        )
        _configure_sqlite(engine)
        return engine
    return create_engine(parsed, echo=echo, pool_pre_ping=True)


def _with_driver(url: str) -> str:
    """PostgreSQL URLs without a driver (`postgresql://`, `postgres://`) mean psycopg 3, the one
    installed; SQLAlchemy alone would pick psycopg2."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions for units of work: flushed explicitly, objects stay readable after commit."""
    return sessionmaker(bind=engine, autoflush=False, expire_on_commit=False)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: object) -> None:
        # Take BEGIN away from the driver (see the module docstring), then set the pragmas.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA synchronous=NORMAL")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
