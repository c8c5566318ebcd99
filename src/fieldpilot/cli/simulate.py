"""`fieldpilot simulate`: compare dispatch policies on simulated days, with a report folder.

    fieldpilot simulate --scenario metro --policies static,nearest,dynamic --seeds 10

Mount with `app.add_typer(simulate_app, name="simulate")` (its callback is the command) or
`app.command("simulate")(simulate)`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from fieldpilot.cli.output import console, fail
from fieldpilot.domain.errors import InvalidInput
from fieldpilot.simulator.compare import BASELINES, Comparison, run_comparison
from fieldpilot.simulator.metrics import better_when_lower
from fieldpilot.simulator.policies import BOUNDS, POLICIES
from fieldpilot.simulator.replay import load_replay
from fieldpilot.simulator.report import write_report
from fieldpilot.simulator.run import SimulationOptions
from fieldpilot.simulator.scenario import load_scenario, shipped_scenarios
from fieldpilot.simulator.world import REPLAN_ITERATIONS

HEADLINE = (
    "wait_min_mean", "wait_min_p50", "wait_min_p90", "wait_min_p95", "response_min_mean", "response_min_p90",
    "sla_attainment_p1", "sla_attainment_p2", "sla_attainment_p3", "sla_attainment_p4", "lateness_min_mean",
    "km_total", "utilization", "overtime_min_mean", "workload_balance_cv", "technicians_idle_share",
    "jobs_per_technician", "eta_mae_min", "eta_within_window", "eta_changes_per_order", "reassignments_per_order",
    "served_orders", "unserved_orders",
)  # fmt: skip

simulate_app = typer.Typer(help="Compare dispatch policies on simulated service days.")


@simulate_app.callback(invoke_without_command=True)
def simulate(
    scenario: Annotated[
        str, typer.Option(help=f"A shipped scenario ({', '.join(shipped_scenarios())}) or a TOML file.")
    ] = "small-town",
    policies: Annotated[
        str, typer.Option(help="Comma-separated: static, nearest, dynamic, and the offline bound hindsight.")
    ] = ",".join(POLICIES),
    seeds: Annotated[int, typer.Option(min=1, help="How many seeds (days) to simulate per policy.")] = 3,
    first_seed: Annotated[int, typer.Option(help="The first seed; seeds run first_seed .. first_seed+seeds-1.")] = 0,
    out: Annotated[Path | None, typer.Option(help="Report folder (default: simulation-report/<scenario>).")] = None,
    replay_orders: Annotated[
        Path | None, typer.Option("--replay-orders", help="Replay a CSV of past orders instead of generating.")
    ] = None,
    replay_technicians: Annotated[
        Path | None, typer.Option("--replay-technicians", help="Technicians CSV for --replay-orders.")
    ] = None,
    charts: Annotated[bool, typer.Option("--charts/--no-charts", help="Draw PNG charts (needs matplotlib).")] = True,
    dispatch_params: Annotated[
        Path | None, typer.Option(help="A dispatch-parameters TOML for the engine (dynamic), e.g. to try a tuning.")
    ] = None,
    replan_iterations: Annotated[
        int, typer.Option(min=1, help="Solver iterations per re-plan (iterations, not seconds: reproducible).")
    ] = REPLAN_ITERATIONS,
    workers: Annotated[
        int, typer.Option(min=1, help="Processes to simulate days in parallel (results are the same as with 1).")
    ] = 1,
) -> None:
    """Replay the same days under each policy through the real service layer and engine, print a
    comparison with relative changes against static and nearest, and write the report folder."""
    chosen = [p.strip() for p in policies.split(",") if p.strip()]
    unknown = sorted(set(chosen) - set(POLICIES) - set(BOUNDS))
    if unknown or not chosen:
        fail(f"unknown policy {', '.join(unknown) or '(none)'}; choose from {', '.join(POLICIES + BOUNDS)}")
    try:
        base = load_scenario(scenario)
        days = None
        if replay_orders is not None:
            if replay_technicians is None:
                fail("--replay-orders needs --replay-technicians")
            days = load_replay(base, orders=replay_orders, technicians=replay_technicians)
    except (InvalidInput, OSError) as error:
        fail(str(error))
    seed_list = list(range(first_seed, first_seed + seeds))
    with Progress(
        TextColumn("{task.description}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"), TimeElapsedColumn(),
        console=console,
    ) as progress:  # fmt: skip
        total = len(seed_list) * len(chosen)
        task = progress.add_task(f"{base.name}: {total} simulated day(s)", total=total * 1000)
        done: dict[str, int] = {}

        def advance(label: str, second: int, end: int) -> None:
            done[label] = int(1000 * second / end)
            progress.update(task, completed=sum(done.values()), description=f"{base.name}: {label}")

        options = SimulationOptions(
            replan_iterations=replan_iterations, dispatch_params=str(dispatch_params) if dispatch_params else None
        )
        comparison = run_comparison(
            base, chosen, seeds=seed_list, progress=advance, days=days, options=options, workers=workers
        )
    folder = out or Path("simulation-report") / base.name
    written = write_report(comparison, folder, charts=charts)
    console.print(comparison_table(comparison))
    console.print(f"Report: {folder} ({len(written)} files)")


def comparison_table(comparison: Comparison) -> Table:
    summary, changes = comparison.summary(), comparison.changes()
    table = Table(title=f"{comparison.scenario}: {len(comparison.seeds)} seed(s), mean ± 95% CI")
    table.add_column("metric", no_wrap=True)
    for policy in comparison.policies:
        table.add_column(policy, justify="right")
    pairs = [(p, b) for p in comparison.policies if p not in BASELINES for b in BASELINES if b in comparison.policies]
    for policy, baseline in pairs:
        table.add_column(f"{policy} vs {baseline}", justify="right")
    for name in HEADLINE:
        if not any(name in summary[p] for p in comparison.policies):
            continue
        cells = []
        for policy in comparison.policies:
            stats = summary[policy].get(name)
            cells.append("-" if stats is None else f"{stats['mean']:.3g} ± {stats['ci95']:.2g}")
        for policy, baseline in pairs:
            change = changes.get(policy, {}).get(baseline, {}).get(name)
            cells.append(_change(name, change))
        table.add_row(name, *cells)
    return table


def _change(name: str, change: float | None) -> str:
    if change is None:
        return "-"
    good = (change < 0) == better_when_lower(name) if change != 0 else True
    colour = "green" if good else "red"
    return f"[{colour}]{change:+.0%}[/]"


if __name__ == "__main__":  # python -m fieldpilot.cli.simulate ..., before the CLI mounts it
    simulate_app()
