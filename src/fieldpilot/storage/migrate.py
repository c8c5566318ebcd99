"""Schema migrations: upgrade a database to the code's revision, or refuse to run on an old one.

The Alembic scripts live in `storage/migrations/` inside the package, so an installed fieldpilot
can migrate its own database: `upgrade_database(url)` (what `fieldpilot db upgrade` runs) and
`ensure_migrated(engine)` (what the app runs at start-up; it raises `DatabaseNotMigrated`).
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from fieldpilot.storage.engine import make_engine
from fieldpilot.storage.errors import DatabaseNotMigrated

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config() -> Config:
    """An Alembic configuration for the packaged migrations (no ini file, no logging setup)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def code_revision() -> str:
    """The revision the code was written for (the head of the packaged migrations)."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise RuntimeError(f"no migrations found in {MIGRATIONS}")
    return head


def database_revision(engine: Engine) -> str | None:
    """The revision the database is at; None for an empty (never migrated) database."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade_database(url: str | None = None, *, revision: str = "head") -> None:
    """Migrate the database at `url` (default: the SQLite file) up to `revision`, in one transaction."""
    engine = make_engine(url)
    try:
        upgrade_engine(engine, revision=revision)
    finally:
        engine.dispose()


def upgrade_engine(engine: Engine, *, revision: str = "head") -> None:
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def ensure_migrated(engine: Engine) -> None:
    """Raise `DatabaseNotMigrated` unless the database is at the code's revision."""
    needed = code_revision()
    current = database_revision(engine)
    if current != needed:
        scripts = ScriptDirectory.from_config(alembic_config())
        known = current is None or any(script.revision == current for script in scripts.walk_revisions())
        raise DatabaseNotMigrated(
            url=engine.url.render_as_string(hide_password=True), current=current, needed=needed, known=known
        )
