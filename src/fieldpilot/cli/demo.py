"""`fieldpilot demo`: create the demo database, load the demo company, create demo users, serve,
and play the `small-town` scenario live beside the company.

Loading goes through the real message bus (see `fieldpilot.demo`) and is idempotent: a second
run finds everything in place and adds nothing; `--reset` deletes the SQLite file first.

Live (the default when serving): the server's services run on a clock that the simulation moves
(`simulator.live`), from 07:00 today in the company's timezone, `--speed` times faster than real
time. The town (ids `sim-`) shares the database with the Lyon company; territories keep the two
fleets apart. A live day cannot resume where the last one stopped, so each live start recreates
the SQLite database (same seed: same company, same users and passwords). `--static` serves the
loaded data on the real clock and keeps the database.
"""

from __future__ import annotations

import threading
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
from fieldpilot.service.fakes import FixedClock

DEMO_DATABASE_URL = "sqlite:///fieldpilot-demo.db"
DEFAULT_SEED = 2026
LIVE_SCENARIO = "small-town"
LIVE_START_HOUR = 7.0
DEFAULT_SPEED = 30.0
STOP_WAIT_SECONDS = 30.0  # a step in flight (a re-plan) finishes before the services close


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
    live: Annotated[
        bool,
        typer.Option(
            "--live/--static",
            help=f"While serving, play the {LIVE_SCENARIO} scenario live in accelerated time (recreates the SQLite "
            "database each start); --static serves the loaded data as it is, on the real clock.",
        ),
    ] = True,
    speed: Annotated[
        float, typer.Option(min=0.1, max=100_000.0, help="Live run: simulated seconds per real second.")
    ] = DEFAULT_SPEED,
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
    live = live and serve
    try:
        if live:
            if make_url(settings.database_url).get_backend_name() != "sqlite":
                fail("the live demo starts its day on a fresh SQLite database; use --static with a server database")
            console.print(f"Live demo: a fresh day of the {LIVE_SCENARIO} scenario, so the database is recreated")
        if reset or live:
            _delete_sqlite_database(settings.database_url)
        _migrate(settings)
        clock = live_start(settings) if live else None
        now = clock.now() if clock is not None else datetime.now(UTC)
        sizes = (technicians, customers, orders)
        outcome = _load(settings, seed=seed, sizes=sizes, now=now, users_at=None if live else datetime.now(UTC))
        _print_summary(outcome)
        if not serve:
            url = safe_url(database_url)
            console.print(f"Start the server with: [bold]fieldpilot serve --database-url '{url}'[/]")
            return
        from fieldpilot.cli.serving import docs_url, run_server

        console.print(f"Starting the server; the API docs will be at [bold]{docs_url(settings)}[/]")
        if clock is None:
            run_server(settings, on_started=_announce)
        else:
            _serve_live(settings, clock=clock, seed=seed, speed=speed)
    except KeyboardInterrupt:  # before the server runs (it handles Ctrl+C itself)
        console.print("Stopped.")
        raise typer.Exit(130) from None


def live_start(settings: Settings) -> FixedClock:
    """The clock of a live day: 07:00 today in the company's timezone (the services read it)."""
    from fieldpilot.simulator import live_clock

    return live_clock(hour=LIVE_START_HOUR, day=datetime.now(UTC), timezone=settings.timezone)


def live_settings(settings: Settings) -> Settings:
    """The server's settings under a simulated clock: the engine dispatches every new order, and
    re-plans run on simulated time inside the simulation instead of the wall-clock worker. Sign-ins
    last the whole simulated day (an hour of it passes in two minutes at 30x)."""
    return settings.model_copy(update={"auto_dispatch": True, "replan_mode": "off", "access_token_minutes": 24 * 60})


def _serve_live(settings: Settings, *, clock: FixedClock, seed: int, speed: float) -> None:
    """Serve the API on services whose clock the simulation moves; the simulation starts once the
    server listens and stops (its step in flight finishes) when the server does."""
    from fieldpilot.bootstrap import bootstrap
    from fieldpilot.cli.serving import run_server
    from fieldpilot.simulator.world import SimulationSolver

    services = bootstrap(live_settings(settings), clock=clock, solver=SimulationSolver(), start_workers=True)
    stop = threading.Event()
    player = threading.Thread(
        target=_play, args=(services,), kwargs={"clock": clock, "seed": seed, "speed": speed, "stop": stop},
        name="fieldpilot-live-demo", daemon=True,
    )  # fmt: skip

    def started(pages: list[tuple[str, str]]) -> None:
        _announce(pages, live=f"the {LIVE_SCENARIO} scenario, seed {seed}, at {speed:g}x")
        player.start()

    try:
        run_server(settings, on_started=started, services=services)
    finally:
        stop.set()
        if player.is_alive():
            console.print("Stopping the live simulation (it finishes the step under way) ...")
            player.join(STOP_WAIT_SECONDS)
        services.dispose()
        console.print("The live simulation and the server stopped.")


def _play(services: Services, *, clock: FixedClock, seed: int, speed: float, stop: threading.Event) -> None:
    from fieldpilot.simulator import load_scenario, run_live

    try:
        result = run_live(
            services,
            load_scenario(LIVE_SCENARIO),
            speed,
            seed=seed,
            start_hour=LIVE_START_HOUR,
            clock=clock,
            stop=stop,
            timezone=services.settings.timezone,
        )
    except Exception as error:  # the server keeps serving what is there
        if not stop.is_set():
            console.print(f"[red]The live simulation stopped: {type(error).__name__}: {error}[/]")
        return
    if not stop.is_set():
        served = sum(o.outcome == "served" for o in result.orders)
        console.print(f"The simulated day is over: {len(result.orders)} orders, {served} served. The server runs on.")


def _announce(pages: list[tuple[str, str]], *, live: str | None = None) -> None:
    width = max((len(label) for label, _ in pages), default=0)
    links = "\n".join(f"{label + ':':<{width + 1}}  [bold underline]{url}[/]" for label, url in pages)
    playing = (
        f"Live: {live}, from 07:00 today. New orders arrive, the engine assigns them and the\n"
        "technicians (ids starting with [bold]sim-[/]) drive, report positions and complete visits.\n"
        if live
        else ""
    )
    console.print(
        Panel.fit(
            f"[bold green]fieldpilot demo is running[/]\n\n{links}\n\n{playing}"
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
    found = [path for suffix in ("", "-wal", "-shm") if (path := Path(parsed.database + suffix)).exists()]
    for path in found:
        path.unlink(missing_ok=True)
    if found:
        console.print(f"Deleted {parsed.database}")


def _migrate(settings: Settings) -> None:
    from fieldpilot.storage import upgrade_database

    with console.status(f"Migrating {safe_url(settings.database_url)} ..."):
        upgrade_database(settings.database_url)
    console.print(f"[green]✓[/] database {safe_url(settings.database_url)} is migrated")


def _load(
    settings: Settings, *, seed: int, sizes: tuple[int, int, int], now: datetime, users_at: datetime | None
) -> DemoOutcome:
    """Load the company as of `now`; the users and the API key are stamped `users_at` (`now` if None)."""
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
        clock.current = users_at or now
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
