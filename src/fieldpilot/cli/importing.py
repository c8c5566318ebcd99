"""`fieldpilot import csv`: bring technicians, customers with their sites, or work orders in from
a CSV file, all rows or none (see docs/import.md for the columns)."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from fieldpilot.cli.csv_kinds import KINDS
from fieldpilot.cli.csv_rows import CsvFileError, RowError, read_csv
from fieldpilot.cli.output import console, errors, fail
from fieldpilot.cli.settings import DatabaseUrlOption, load_settings

import_app = typer.Typer(rich_markup_mode="markdown", help="Import data from files.", no_args_is_help=True)
MAX_ERRORS_SHOWN = 50


class ImportKind(enum.StrEnum):
    TECHNICIANS = "technicians"
    CUSTOMERS = "customers"
    ORDERS = "orders"


@import_app.command("csv")
def import_csv(
    kind: Annotated[ImportKind, typer.Argument(help="What the file holds.")],
    path: Annotated[
        Path, typer.Argument(help="CSV file with a header row.", exists=True, dir_okay=False, readable=True)
    ],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Validate every row and report; write nothing.")] = False,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Import technicians, customers (one site per row) or work orders from a CSV file.

    Every row is checked by the domain and rehearsed through the real command handlers first;
    one bad row rejects the whole file, with its line number and column, and nothing is written.
    Importing the same file again changes nothing. Import customers before their orders.
    """
    spec = KINDS[kind.value]
    settings = load_settings(database_url=database_url)
    from fieldpilot.bootstrap import bootstrap
    from fieldpilot.cli.csv_import import ImportInterrupted, commit, validate
    from fieldpilot.cli.serving import check_database
    from fieldpilot.storage import start_mappers

    check_database(settings)
    start_mappers()  # domain objects must be created after the mapping to be storable
    try:
        rows = read_csv(path, required=spec.required, optional=spec.optional)
    except CsvFileError as error:
        fail(str(error))
    planned, row_errors = spec.convert(rows)
    services = bootstrap(settings)
    try:
        with console.status(f"Validating {len(rows)} rows of {path.name} ..."):
            validation = validate(planned, kind=spec, services=services)
        all_errors = sorted([*row_errors, *validation.errors], key=lambda e: e.line)
        if all_errors:
            _report_errors(path, all_errors)
            fail(f"{path.name} was not imported: {len(all_errors)} error(s); nothing was written")
        new, unchanged = len(validation.to_commit), len(validation.unchanged)
        if dry_run:
            console.print(
                f"[green]✓[/] {path.name}: {len(rows)} rows valid; would create {new} object(s), "
                f"{unchanged} already present. Dry run: nothing written."
            )
            return
        with Progress(
            TextColumn(f"Importing {path.name}"), BarColumn(), MofNCompleteColumn(), console=console
        ) as progress:
            task = progress.add_task("", total=new)
            try:
                commit(validation, services=services, on_row=lambda: progress.advance(task))
            except ImportInterrupted as stop:
                fail(
                    f"stopped at line {stop.line}: {stop.error.message}. {stop.committed} object(s) "
                    "were written before; fix the cause and run the same import again to finish it."
                )
    finally:
        services.dispose()
    console.print(f"[green]✓[/] {path.name}: created {new} object(s); {unchanged} already present")


def _report_errors(path: Path, found: list[RowError]) -> None:
    table = Table(title=f"Errors in {path.name}", header_style="bold red")
    table.add_column("line", justify="right")
    table.add_column("column")
    table.add_column("problem")
    for error in found[:MAX_ERRORS_SHOWN]:
        table.add_row(str(error.line), error.field, error.message)
    errors.print(table)
    if len(found) > MAX_ERRORS_SHOWN:
        errors.print(f"... and {len(found) - MAX_ERRORS_SHOWN} more")
