"""Batch solver quality against best-known solutions: every set, one after the other, on one thread.

    python benchmarks/solver_quality.py ../shared/benchmarks                 # the issue's settings
    python benchmarks/solver_quality.py ../shared/benchmarks --scale 0.1 --limit 5   # a quick look

Runs the same code as `fieldpilot bench ...` (Solomon at 1 s and 10 s, Gehring–Homberger 200 at 10 s,
TRSP at 30 s, the 50 x 500 re-plan at 10 s) and prints one summary line per run: instances, objective
convention, mean gap, seconds per instance, threads, seed. `--json DIR` keeps every row.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from fieldpilot.benchmarking.replan import run_replan
from fieldpilot.benchmarking.runner import BenchRow, mean_gap, run_trsp, run_vrptw


def summary(name: str, objective: str, rows: list[BenchRow], *, seconds: float, seed: int) -> str:
    feasible = sum(r.feasible for r in rows)
    unserved = sum(r.unserved for r in rows)
    return (
        f"{name}: {len(rows)} instances ({feasible} feasible, {unserved} unserved), {objective}: "
        f"mean gap {mean_gap(rows):.2f}% at {seconds:g} s/instance, 1 thread, seed {seed}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("shared", type=Path, help="folder holding solomon/, homberger_200/, trsp_pillac2013/")
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every time budget")
    parser.add_argument("--limit", type=int, default=None, help="only the first K instances of each set")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, default=None, help="write each run's rows to this folder")
    args = parser.parse_args()
    bks = args.shared / "bks" / "vroom-scripts_VRPTW_BKS.json"
    runs = [
        ("solomon", "distance vs distance-only BKS", args.shared / "solomon", 1.0, True),
        ("solomon", "distance vs distance-only BKS", args.shared / "solomon", 10.0, True),
        ("homberger_200", "distance vs hierarchical BKS", args.shared / "homberger_200", 10.0, False),
    ]
    for name, objective, folder, seconds, distance_only in runs:
        budget = seconds * args.scale
        rows = list(
            run_vrptw(
                folder, seconds=budget, seed=args.seed, limit=args.limit, distance_only=distance_only, bks_file=bks
            )
        )
        print(summary(name, objective, rows, seconds=budget, seed=args.seed), flush=True)
        _keep(args.json, f"{name}_{budget:g}s", rows)
    budget = 30.0 * args.scale
    rows = list(run_trsp(args.shared / "trsp_pillac2013", seconds=budget, seed=args.seed, limit=args.limit))
    print(summary("trsp", "total minimal route duration vs BKS", rows, seconds=budget, seed=args.seed))
    _keep(args.json, f"trsp_{budget:g}s", rows)
    report = run_replan(technicians=50, orders=500, seconds=10.0 * args.scale, seed=args.seed)
    print("replan 50 x 500: " + "; ".join(f"{k}: {v}" for k, v in report.rows()))


def _keep(folder: Path | None, name: str, rows: list[BenchRow]) -> None:
    if folder is not None:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{name}.json").write_text(json.dumps([r.to_dict() for r in rows], indent=2))


if __name__ == "__main__":
    main()
