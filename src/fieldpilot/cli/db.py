"""`fieldpilot db`: migrate the database schema and show where it stands."""

from __future__ import annotations

import typer
from sqlalchemy.exc import SQLAlchemyError

from fieldpilot.cli.output import console, fail, safe_url
from fieldpilot.cli.settings import DatabaseUrlOption, load_settings

db_app = typer.Typer(
    rich_markup_mode="markdown",
    help="Database schema: upgrade it to this version of fieldpilot, or show its revision.",
    no_args_is_help=True,
)


@db_app.command("upgrade")
def upgrade(database_url: DatabaseUrlOption = None) -> None:
    """Create the database if it is new and migrate it to the code's schema revision.

    Safe to run again: an up-to-date database is left as it is. Run it after every upgrade of
    fieldpilot, before starting the new version (see docs/operations.md).
    """
    from fieldpilot.storage import code_revision, upgrade_database

    settings = load_settings(database_url=database_url)
    shown = safe_url(settings.database_url)
    try:
        with console.status(f"Migrating {shown} ..."):
            upgrade_database(settings.database_url)
    except SQLAlchemyError as error:
        fail(f"cannot migrate {shown}: {error.__class__.__name__}: {error.args[0] if error.args else ''}")
    console.print(f"[green]✓[/] {shown} is at revision [bold]{code_revision()}[/] (up to date)")


@db_app.command("current")
def current(database_url: DatabaseUrlOption = None) -> None:
    """Show the database's schema revision and the one this code needs.

    Exits with code 1 when they differ, so scripts can check before starting the server.
    """
    from fieldpilot.storage import code_revision, database_revision, make_engine

    settings = load_settings(database_url=database_url)
    shown = safe_url(settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        found = database_revision(engine)
    except SQLAlchemyError as error:
        fail(f"cannot open {shown}: {error.__class__.__name__}")
    finally:
        engine.dispose()
    needed = code_revision()
    console.print(f"database  {shown}")
    console.print(f"revision  {found or 'none (empty database)'}")
    console.print(f"code      {needed}")
    if found != needed:
        fail("the database is not at the code's revision: run `fieldpilot db upgrade`")
    console.print("[green]✓[/] up to date")
