"""The SQLite engine: WAL, foreign keys, a busy timeout, and write-locking transactions."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from fieldpilot.storage import make_engine
from fieldpilot.storage.engine import SQLITE_BUSY_TIMEOUT_MS


@pytest.fixture
def sqlite_engine(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'engine.db'}")
    yield engine
    engine.dispose()


def test_sqlite_connections_use_wal_foreign_keys_and_a_busy_timeout(sqlite_engine):
    with sqlite_engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == SQLITE_BUSY_TIMEOUT_MS


def test_a_sqlite_transaction_holds_the_write_lock_from_its_first_statement(sqlite_engine, tmp_path):
    with sqlite_engine.connect() as connection:
        connection.execute(text("SELECT 1"))  # a read, yet BEGIN IMMEDIATE took the write lock
        other = sqlite3.connect(tmp_path / "engine.db", timeout=0.05, isolation_level=None)
        try:
            with pytest.raises(sqlite3.OperationalError, match="database is locked"):
                other.execute("BEGIN IMMEDIATE")
        finally:
            other.close()


def test_driverless_postgresql_urls_mean_psycopg():
    engine = make_engine("postgresql://nobody@127.0.0.1:1/none")
    try:
        assert engine.dialect.driver == "psycopg"
        with pytest.raises(OperationalError):
            engine.connect()
    finally:
        engine.dispose()
