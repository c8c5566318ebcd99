"""The `fieldpilot` command line: serve the API, migrate the database, load the demo company,
create users, import CSV files, simulate dispatch policies, run benchmarks.

Every command builds its Settings once (environment FIELDPILOT_* plus its own options) and
passes them down. The CLI is the top layer: it may import anything, nothing imports it.
"""

from __future__ import annotations

from typing import Annotated

import typer

from fieldpilot import __version__
from fieldpilot.cli.bench import bench_app
from fieldpilot.cli.db import db_app
from fieldpilot.cli.demo import demo
from fieldpilot.cli.importing import import_app
from fieldpilot.cli.output import console
from fieldpilot.cli.settings import DatabaseUrlOption, HostOption, PortOption, load_settings
from fieldpilot.cli.simulate import simulate
from fieldpilot.cli.users import users_app

app = typer.Typer(
    rich_markup_mode="markdown",
    name="fieldpilot",
    help="fieldpilot: dynamic dispatch for field-service work orders.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
app.add_typer(import_app, name="import")
app.add_typer(bench_app, name="bench")
app.command("demo")(demo)
app.command("simulate")(simulate)


def _show_version(value: bool) -> None:
    if value:
        console.print(f"fieldpilot {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_show_version, is_eager=True, help="Show the version and exit."),
    ] = False,
) -> None:
    """fieldpilot: dynamic dispatch for field-service work orders.

    Start with `fieldpilot demo`; configure with FIELDPILOT_* environment variables (README.md).
    """


@app.command("serve")
def serve(database_url: DatabaseUrlOption = None, host: HostOption = None, port: PortOption = None) -> None:
    """Start the API server (uvicorn). The interactive API docs are at /docs.

    Refuses to start (exit code 1) when the database is not migrated to this version:
    run `fieldpilot db upgrade` first.
    """
    from fieldpilot.cli.serving import check_database, docs_url, run_server

    settings = load_settings(database_url=database_url, host=host, port=port)
    check_database(settings)
    console.print(f"Serving fieldpilot; API docs at [bold]{docs_url(settings)}[/]")
    run_server(settings)
