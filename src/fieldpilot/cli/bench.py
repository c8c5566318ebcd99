"""`fieldpilot bench ...`: solver quality against best-known solutions, and re-plan timing.

    fieldpilot bench solomon   PATH --seconds 10 --seed 1 [--limit K] [--json out.json]
    fieldpilot bench homberger PATH --seconds 10 --seed 1
    fieldpilot bench trsp      PATH --seconds 30 --seed 1
    fieldpilot bench replan    --technicians 50 --orders 500 --seconds 10 --seed 1
    fieldpilot bench insertion [ARGS]   (runs benchmarks/insertion_latency.py of the checkout)

Instances are solved one after the other on one thread (PyVRP is single-threaded). The CLI is the top
layer: it may import anything, nothing imports it.
"""

from __future__ import annotations

import json
import math
import runpy
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from fieldpilot.benchmarking import runner
from fieldpilot.cli.output import console, fail

bench_app = typer.Typer(
    name="bench",
    help="Benchmarks: solver quality against best-known solutions, re-plan timing.",
    no_args_is_help=True,
)

PathArg = Annotated[Path, typer.Argument(help="Folder with the instance files.", exists=True, file_okay=False)]
SecondsOpt = Annotated[float, typer.Option("--seconds", min=0.01, help="Wall-clock budget per instance.")]
ThreadsOpt = Annotated[int, typer.Option("--threads", min=1, max=1, help="Threads (the solver uses one).")]
SeedOpt = Annotated[int, typer.Option("--seed", help="Random seed.")]
LimitOpt = Annotated[int | None, typer.Option("--limit", min=1, help="Only the first K instances.")]
JsonOpt = Annotated[Path | None, typer.Option("--json", help="Also write the rows to this JSON file.")]
BksOpt = Annotated[Path | None, typer.Option("--bks", help="Best-known file (found next to PATH by default).")]


def _run(
    title: str,
    objective: str,
    rows: Callable[[], Iterator[runner.BenchRow]],
    *,
    total: int,
    json_out: Path | None,
    settings: dict[str, object],
) -> None:
    done: list[runner.BenchRow] = []
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task(title, total=total)
        try:
            for row in rows():
                done.append(row)
                progress.update(task, advance=1, description=f"{title}: {row.instance}")
        except FileNotFoundError as error:
            fail(str(error))
    table = Table(title=f"{title} — {objective}", caption=_caption(settings))
    for name in ("instance", "objective", "vehicles", "BKS", "gap %", "seconds", "unserved", "feasible"):
        table.add_column(name, justify="left" if name == "instance" else "right", no_wrap=True)
    for row in done:
        table.add_row(
            row.instance,
            f"{row.objective:.2f}",
            str(row.vehicles),
            f"{row.bks:.2f}" if math.isfinite(row.bks) else "-",
            f"{row.gap_percent:.2f}" if math.isfinite(row.gap_percent) else "-",
            f"{row.seconds:.1f}",
            str(row.unserved),
            "yes" if row.feasible else f"NO {row.note}",
        )
    mean = runner.mean_gap(done)
    feasible = sum(r.feasible for r in done)
    table.add_section()
    table.add_row(
        "mean",
        "",
        "",
        "",
        f"{mean:.2f}" if math.isfinite(mean) else "-",
        f"{sum(r.seconds for r in done) / max(len(done), 1):.1f}",
        str(sum(r.unserved for r in done)),
        f"{feasible}/{len(done)}",
    )
    console.print(table)
    if json_out is not None:
        payload = {
            "title": title,
            "objective": objective,
            **settings,
            "mean_gap_percent": mean,
            "rows": [r.to_dict() for r in done],
        }
        json_out.write_text(json.dumps(payload, indent=2))


def _caption(settings: dict[str, object]) -> str:
    return ", ".join(f"{k} {v}" for k, v in settings.items())


@bench_app.command("solomon")
def solomon(
    path: PathArg,
    seconds: SecondsOpt = 10.0,
    threads: ThreadsOpt = 1,
    seed: SeedOpt = 1,
    limit: LimitOpt = None,
    json_out: JsonOpt = None,
    bks: BksOpt = None,
) -> None:
    """Solomon VRPTW (100 customers): distance objective against the distance-only BKS."""
    total = len(runner.instance_files(path, limit=limit))
    _run(
        "Solomon",
        "distance (double precision), gap to the distance-only BKS",
        lambda: runner.run_vrptw(path, seconds=seconds, seed=seed, limit=limit, bks_file=bks),
        total=total,
        json_out=json_out,
        settings={"seconds": seconds, "threads": threads, "seed": seed},
    )


@bench_app.command("homberger")
def homberger(
    path: PathArg,
    seconds: SecondsOpt = 10.0,
    threads: ThreadsOpt = 1,
    seed: SeedOpt = 1,
    limit: LimitOpt = None,
    json_out: JsonOpt = None,
    bks: BksOpt = None,
) -> None:
    """Gehring–Homberger VRPTW: distance objective against the hierarchical BKS distance."""
    total = len(runner.instance_files(path, limit=limit))
    _run(
        "Gehring–Homberger",
        "distance (double precision), gap to the hierarchical BKS distance (fewest vehicles first)",
        lambda: runner.run_vrptw(path, seconds=seconds, seed=seed, limit=limit, distance_only=False, bks_file=bks),
        total=total,
        json_out=json_out,
        settings={"seconds": seconds, "threads": threads, "seed": seed},
    )


@bench_app.command("trsp")
def trsp(
    path: PathArg,
    seconds: SecondsOpt = 30.0,
    threads: ThreadsOpt = 1,
    seed: SeedOpt = 1,
    limit: LimitOpt = None,
    json_out: JsonOpt = None,
    bks: BksOpt = None,
) -> None:
    """Pillac TRSP: total minimal route duration, every plan verified by the independent checker."""
    folder = path / "txt" if (path / "txt").is_dir() else path
    total = len(runner.instance_files(folder, limit=limit))
    _run(
        "TRSP (Pillac 2013)",
        "sum of minimal route durations (double precision), gap to Pillac's BKS",
        lambda: runner.run_trsp(path, seconds=seconds, seed=seed, limit=limit, bks_file=bks),
        total=total,
        json_out=json_out,
        settings={"seconds": seconds, "threads": threads, "seed": seed},
    )


@bench_app.command("replan")
def replan(
    technicians: Annotated[int, typer.Option(min=1, help="Technicians in the region.")] = 50,
    orders: Annotated[int, typer.Option(min=1, help="Orders in the region.")] = 500,
    seconds: SecondsOpt = 10.0,
    threads: ThreadsOpt = 1,
    seed: SeedOpt = 1,
    json_out: JsonOpt = None,
) -> None:
    """Re-plan a synthetic region: time to the first improved plan and the cost at the budget."""
    from fieldpilot.benchmarking.replan import run_replan

    report = run_replan(technicians=technicians, orders=orders, seconds=seconds, seed=seed)
    table = Table(title=f"Re-plan: {technicians} technicians, {orders} orders", caption=f"threads {threads}")
    table.add_column("measure")
    table.add_column("value", justify="right")
    for name, value in report.rows():
        table.add_row(name, value)
    console.print(table)
    if json_out is not None:
        json_out.write_text(json.dumps(report.to_dict(), indent=2))


@bench_app.command("insertion", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def insertion(ctx: typer.Context) -> None:
    """Real-time insertion latency: runs the checkout's benchmarks/insertion_latency.py with ARGS."""
    script = Path.cwd() / "benchmarks" / "insertion_latency.py"
    if not script.exists():
        fail(f"{script} not found: run this from the root of a fieldpilot checkout")
    saved = sys.argv
    sys.argv = [str(script), *ctx.args]
    try:
        runpy.run_path(str(script), run_name="__main__")
    finally:
        sys.argv = saved
