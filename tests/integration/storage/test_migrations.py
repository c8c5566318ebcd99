"""The migrations create exactly what the mapping declares, and the app refuses a database that
is not at the code's revision."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import make_url

from fieldpilot.storage import (
    DatabaseNotMigrated,
    code_revision,
    database_revision,
    ensure_migrated,
    make_engine,
    metadata,
    upgrade_database,
    upgrade_engine,
)
from fieldpilot.storage.migrate import alembic_config
from tests.integration.conftest import drop_postgres_database, new_postgres_database


@pytest.fixture
def empty_database_url(database_url, request, tmp_path):
    """A database with nothing in it, on the backend of `database_url`."""
    if make_url(database_url).get_backend_name() == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    server = request.getfixturevalue("postgres_server")
    url = new_postgres_database(server)
    yield url
    drop_postgres_database(server, url)


def test_migrated_schema_is_exactly_the_mapped_metadata(database_url):
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, metadata) == []
    finally:
        engine.dispose()


def test_migrated_database_is_accepted(sql_engine):
    ensure_migrated(sql_engine)
    assert database_revision(sql_engine) == code_revision()


def test_empty_database_is_refused_with_the_command_to_run(empty_database_url):
    engine = make_engine(empty_database_url)
    try:
        with pytest.raises(DatabaseNotMigrated) as refused:
            ensure_migrated(engine)
    finally:
        engine.dispose()
    message = str(refused.value)
    assert re.fullmatch(
        rf"database at .+ is at revision none \(an empty or unversioned database\), "
        rf"the code needs {code_revision()}: run `fieldpilot db upgrade`",
        message,
    )
    assert refused.value.current is None


def test_database_at_another_revision_is_refused(empty_database_url):
    upgrade_database(empty_database_url)
    engine = make_engine(empty_database_url)
    try:
        with engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = 'older'"))
        with pytest.raises(DatabaseNotMigrated, match=r"is at revision older, the code needs") as refused:
            ensure_migrated(engine)
        assert "newer fieldpilot" in str(refused.value)
        with engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = '0001'"))
        with pytest.raises(DatabaseNotMigrated) as refused:
            ensure_migrated(engine)
        assert f"is at revision 0001, the code needs {code_revision()}: run `fieldpilot db upgrade`" in str(
            refused.value
        )
    finally:
        engine.dispose()


def test_upgrade_makes_an_empty_database_usable(empty_database_url):
    upgrade_database(empty_database_url, revision="0001")
    upgrade_database(empty_database_url)
    upgrade_database(empty_database_url)  # a second run has nothing to do
    engine = make_engine(empty_database_url)
    try:
        ensure_migrated(engine)
    finally:
        engine.dispose()


def test_password_is_not_shown_in_the_refusal():
    error = DatabaseNotMigrated(url="postgresql+psycopg://app:***@db/fp", current="0001", needed="0002")
    assert "database at postgresql+psycopg://app:***@db/fp is at revision 0001, the code needs 0002" in str(error)


def _a_row(table: sa.Table, **values: object) -> dict[str, object]:
    """Values for every required column of a reflected table, by type, then `values`."""
    filler: dict[str, object] = {}
    for column in table.columns:
        if column.nullable or column.server_default is not None:
            continue
        kind = column.type
        if isinstance(kind, sa.Boolean):
            filler[column.name] = False
        elif isinstance(kind, sa.Integer):
            filler[column.name] = 1
        elif isinstance(kind, sa.DateTime):
            filler[column.name] = datetime(2026, 3, 2, 9, tzinfo=UTC)
        elif isinstance(kind, (sa.JSON, postgresql.JSONB)):
            filler[column.name] = {} if column.name in ("custom_fields", "milestones") else []
        else:
            filler[column.name] = f"{column.name}-{values['id']}"
    return {**filler, **values}


def test_0005_turns_a_boolean_lock_into_an_assignment_lock_and_back(empty_database_url):
    upgrade_database(empty_database_url, revision="0004")
    engine = make_engine(empty_database_url)
    try:
        orders = sa.Table("work_orders", sa.MetaData(), autoload_with=engine)
        with engine.begin() as connection:
            connection.execute(
                orders.insert(), [_a_row(orders, id="wo-1", locked=True), _a_row(orders, id="wo-2", locked=False)]
            )
        upgrade_engine(engine, revision="0005")
        with engine.connect() as connection:
            locks = dict(connection.execute(text("SELECT id, lock FROM work_orders ORDER BY id")).all())
        assert locks == {"wo-1": "assignment", "wo-2": "none"}
        with engine.begin() as connection:
            connection.execute(text("UPDATE work_orders SET lock = 'time' WHERE id = 'wo-2'"))
            config = alembic_config()
            config.attributes["connection"] = connection
            command.downgrade(config, "0004")
        with engine.connect() as connection:
            locked = dict(connection.execute(text("SELECT id, locked FROM work_orders ORDER BY id")).all())
        assert locked == {"wo-1": True, "wo-2": True}
    finally:
        engine.dispose()


def test_0006_adds_the_field_record_tables_and_removes_them_on_downgrade(empty_database_url):
    upgrade_database(empty_database_url)
    engine = make_engine(empty_database_url)
    try:
        field_tables = {"field_reports", "field_attachments", "alert_acks"}
        assert field_tables <= set(sa.inspect(engine).get_table_names())
        with engine.begin() as connection:
            config = alembic_config()
            config.attributes["connection"] = connection
            command.downgrade(config, "0005")
        assert not field_tables & set(sa.inspect(engine).get_table_names())
        upgrade_engine(engine)
        assert field_tables <= set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()
