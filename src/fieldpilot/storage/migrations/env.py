"""Alembic environment of fieldpilot: the target is `fieldpilot.storage.tables.metadata`.

The database comes, in this order, from a connection handed over in `config.attributes`
("connection", as `upgrade_database` does), from `-x url=...` on the command line, or from the
`sqlalchemy.url` option. Logging is configured from the ini file only when run by hand.
"""

from __future__ import annotations

from logging.config import fileConfig
from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy.engine import Connection
from sqlalchemy.types import TypeDecorator

from fieldpilot.storage.engine import make_engine
from fieldpilot.storage.tables import metadata
from fieldpilot.storage.types import JsonCoded

config = context.config


def _url() -> str | None:
    return context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option("sqlalchemy.url")


def _render_item(kind: str, obj: Any, autogen: AutogenContext) -> str | Literal[False]:
    """Write fieldpilot's column types as the plain types under them, so that revisions never
    import application code (which changes while old revisions must not)."""
    if kind != "type" or not isinstance(obj, TypeDecorator):
        return False
    if isinstance(obj, JsonCoded):
        autogen.imports.add("from sqlalchemy.dialects import postgresql")
        return 'sa.JSON(none_as_null=True).with_variant(postgresql.JSONB(none_as_null=True), "postgresql")'
    return f"sa.{obj.impl_instance!r}"


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=config.attributes.get("render_as_batch", connection.dialect.name == "sqlite"),
        compare_type=True,
        render_item=_render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_offline() -> None:
    context.configure(url=_url(), target_metadata=metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    if config.config_file_name is not None:
        fileConfig(config.config_file_name, disable_existing_loggers=False)
    engine = make_engine(_url())
    try:
        with engine.begin() as conn:
            _run(conn)
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
