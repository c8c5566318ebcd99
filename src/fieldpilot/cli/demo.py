"""`fieldpilot demo`: create the demo database, load the demo company, create demo users, serve.

Loading goes through the real message bus (see `fieldpilot.demo`) and is idempotent: a second
run finds everything in place and adds nothing; `--reset` deletes the SQLite file first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.panel import Panel
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy.engine import make_url

from fieldpilot.bootstrap import Services
from fieldpilot.cli.output import console, fail, safe_url
from fieldpilot.cli.settings import HostOption, PortOption, load_settings
from fieldpilot.config import Settings
from fieldpilot.demo import DemoClock, DemoPlan, DemoUser, LoadReport

DEMO_DATABASE_URL = "sqlite:///fieldpilot-demo.db"
DEFAULT_SEED = 2026


@dataclass(frozen=True)
class DemoOutcome:
    plan: DemoPlan
    report: LoadReport
    users: tuple[DemoUser, ...]
    api_key: str
    counts: list[tuple[str, int]]


def demo(
    database_url: Annotated[
        str, typer.Option("--database-url", help="Where to put the demo company (SQLAlchemy URL).")
    ] = DEMO_DATABASE_URL,
    seed: Annotated[
        int, typer.Option(help="Seed of the generator: the same seed, the same company (use --reset to switch seeds).")
    ] = DEFAULT_SEED,
    reset: Annotated[bool, typer.Option("--reset", help="Delete the SQLite demo database first.")] = False,
    serve: Annotated[bool, typer.Option("--serve/--no-serve", help="Start the API server after loading.")] = True,
    host: HostOption = None,
    port: PortOption = None,
    technicians: Annotated[int, typer.Option(hidden=True, min=1)] = 40,
    customers: Annotated[int, typer.Option(hidden=True, min=1)] = 300,
    orders: Annotated[int, typer.Option(hidden=True, min=0)] = 120,
) -> None:
    """Load a demo company around Lyon and start the server.

    About 40 technicians in 2 depots, 300 customers with their sites and assets, the skills and
    parts catalogues, SLA policies per priority and customer tier, triage rules, and a day of
    open work orders; then one user per role (passwords printed) and an API key. Running it
    again adds nothing. The database is `fieldpilot-demo.db` unless --database-url says otherwise.
    """
    settings = load_settings(database_url=database_url, host=host, port=port)
    if settings.environment == "production":
        fail("refusing to load demo data with FIELDPILOT_ENVIRONMENT=production")
    if reset:
        _delete_sqlite_database(settings.database_url)
    _migrate(settings)
    outcome = _load(settings, seed=seed, sizes=(technicians, customers, orders), now=datetime.now(UTC))
    _print_summary(outcome)
    if not serve:
        console.print(f"Start the server with: [bold]fieldpilot serve --database-url '{safe_url(database_url)}'[/]")
        return
    from fieldpilot.cli.serving import docs_url, run_server

    console.print(f"Starting the server; the API docs will be at [bold]{docs_url(settings)}[/]")
    run_server(settings, on_started=_announce)


def _announce(pages: list[tuple[str, str]]) -> None:
    width = max((len(label) for label, _ in pages), default=0)
    links = "\n".join(f"{label + ':':<{width + 1}}  [bold underline]{url}[/]" for label, url in pages)
    console.print(
        Panel.fit(
            f"[bold green]fieldpilot demo is running[/]\n\n{links}\n\n"
            "Sign in with the [bold]Authorize[/] button and a user printed above.\n"
            "Ctrl+C stops the server.",
            border_style="green",
        )
    )


def _delete_sqlite_database(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        fail("--reset only deletes SQLite files; drop and recreate other databases yourself")
    if not parsed.database or parsed.database == ":memory:":
        return
    for suffix in ("", "-wal", "-shm"):
        Path(parsed.database + suffix).unlink(missing_ok=True)
    console.print(f"Deleted {parsed.database}")


def _migrate(settings: Settings) -> None:
    from fieldpilot.storage import upgrade_database

    with console.status(f"Migrating {safe_url(settings.database_url)} ..."):
        upgrade_database(settings.database_url)
    console.print(f"[green]✓[/] database {safe_url(settings.database_url)} is migrated")


def _load(settings: Settings, *, seed: int, sizes: tuple[int, int, int], now: datetime) -> DemoOutcome:
    from fieldpilot.bootstrap import bootstrap
    from fieldpilot.demo import create_demo_users, issue_demo_api_key, load_demo, plan_demo
    from fieldpilot.storage import start_mappers

    start_mappers()  # domain objects must be created after the mapping to be storable
    technicians, customers, orders = sizes
    plan = plan_demo(seed=seed, now=now, technicians=technicians, customers=customers, orders=orders)
    clock = DemoClock(now)
    # The demo day is loaded as recorded (some orders already assigned); the engine dispatches
    # what arrives once the server runs.
    services = bootstrap(settings.model_copy(update={"auto_dispatch": False}), clock=clock)
    try:
        with Progress(
            TextColumn("Loading the demo company"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("[dim]{task.description}"),
            TimeElapsedColumn(),
            console=console,
        ) as progress:
            task = progress.add_task("", total=plan.steps)
            report = load_demo(
                plan,
                bus=services.bus,
                clock=clock,
                on_step=lambda label: progress.update(task, advance=1, description=label),
            )
        clock.current = datetime.now(UTC)
        users = create_demo_users(plan, bus=services.bus)
        api_key = issue_demo_api_key(bus=services.bus)
        counts = _counts(services)
    finally:
        services.dispose()
    return DemoOutcome(plan, report, users, api_key, counts)


def _print_summary(outcome: DemoOutcome) -> None:
    plan, report = outcome.plan, outcome.report
    created, skipped = sum(report.created.values()), sum(report.skipped.values())
    if created == 0:
        console.print(f"[green]✓[/] the demo company (seed {plan.seed}) was already loaded; nothing added")
    else:
        console.print(f"[green]✓[/] loaded {created} objects (seed {plan.seed}); {skipped} were already there")
    table = Table(title="Demo company", show_header=True, header_style="bold")
    table.add_column("what")
    table.add_column("count", justify="right")
    for label, count in outcome.counts:
        table.add_row(label, str(count))
    console.print(table)
    credentials = Table(title="Demo users (local demo only — never reuse these)", header_style="bold")
    for column in ("username", "password", "role"):
        credentials.add_column(column)
    for user in outcome.users:
        credentials.add_row(user.username, user.password, user.role.value)
    console.print(credentials)
    console.print(f"API key (header [bold]X-API-Key[/], role integration): [bold]{outcome.api_key}[/]")


def _counts(services: Services) -> list[tuple[str, int]]:
    with services.uow_factory() as uow:
        return [
            ("technicians", uow.technicians.count()),
            ("depots (warehouses)", uow.warehouses.count()),
            ("customers", uow.customers.count()),
            ("sites", uow.sites.count()),
            ("assets", uow.assets.count()),
            ("skills", uow.skills.count()),
            ("parts", uow.parts.count()),
            ("SLA policies", uow.sla_policies.count()),
            ("triage rules", uow.triage_rules.count()),
            ("open work orders", len(uow.orders.open_orders())),
        ]
