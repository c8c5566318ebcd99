"""Benchmark runners: solve each instance of a set under a budget and score it against the best known.

Each runner yields one ``BenchRow`` per instance so a caller can show progress; objectives are
recomputed in double precision from the routes found (never taken from the solver's integers).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from fieldpilot.benchmarking import trsp, vrptw
from fieldpilot.benchmarking.trsp_check import check_trsp_plan
from fieldpilot.engine.solvers.pyvrp_backend import RESTRICTED_HISTORY, solve_routing
from fieldpilot.engine.solvers.routing import FoundRoute, SearchBudget, StopKind


@dataclass(frozen=True)
class BenchRow:
    instance: str
    objective: float
    vehicles: int
    bks: float
    bks_vehicles: int
    gap_percent: float
    seconds: float
    feasible: bool
    unserved: int = 0
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def mean_gap(rows: list[BenchRow]) -> float:
    gaps = [r.gap_percent for r in rows if r.feasible and math.isfinite(r.gap_percent)]
    return statistics.fmean(gaps) if gaps else math.nan


def instance_files(folder: Path, *, limit: int | None = None) -> list[Path]:
    """The ``*.txt`` files of a set in name order (the TRSP crew variant without extension is skipped)."""
    files = sorted(p for p in folder.glob("*.txt") if p.is_file())
    return files[:limit] if limit else files


def find_bks_file(folder: Path, name: str) -> Path:
    """Look for a BKS file next to the set, or in a sibling ``bks`` folder (the shared layout)."""
    for candidate in (folder / name, folder.parent / name, folder.parent / "bks" / name):
        if candidate.exists():
            return candidate
    raise FileNotFoundError(f"no {name} near {folder}")


VRPTW_BKS = "vroom-scripts_VRPTW_BKS.json"
TRSP_BKS = "bks_pillac_thesis.csv"


def run_vrptw(
    folder: Path,
    *,
    seconds: float,
    seed: int,
    limit: int | None = None,
    distance_only: bool = True,
    bks_file: Path | None = None,
) -> Iterator[BenchRow]:
    """Solomon or Gehring–Homberger: distance objective, every customer served."""
    bks = vrptw.read_vrptw_bks(bks_file or find_bks_file(folder, VRPTW_BKS), distance_only=distance_only)
    for path in instance_files(folder, limit=limit):
        instance = vrptw.read_vrptw(path)
        result = solve_routing(vrptw.to_routing_model(instance), SearchBudget(max_seconds=seconds), seed=seed)
        routes = [[j + 1 for j in r.job_indices] for r in result.routes]
        score = vrptw.score_routes(instance, routes)
        best = bks.get(instance.name.upper())
        feasible = result.feasible and not score.violations
        yield BenchRow(
            instance=instance.name,
            objective=round(score.distance, 3),
            vehicles=score.vehicles,
            bks=best.cost if best else math.nan,
            bks_vehicles=best.vehicles if best else 0,
            gap_percent=vrptw.gap_percent(score.distance, best.cost) if best else math.nan,
            seconds=round(result.seconds, 2),
            feasible=feasible,
            unserved=instance.num_customers - score.served,
            note="; ".join(score.violations[:2]),
        )


def run_trsp(
    folder: Path,
    *,
    seconds: float,
    seed: int,
    limit: int | None = None,
    bks_file: Path | None = None,
) -> Iterator[BenchRow]:
    """Pillac TRSP: duration objective, every plan verified by the independent checker."""
    txt = folder / "txt" if (folder / "txt").is_dir() else folder
    bks = trsp.read_trsp_bks(bks_file or find_bks_file(txt, TRSP_BKS))
    for path in instance_files(txt, limit=limit):
        instance = trsp.read_trsp(path)
        result = solve_routing(
            trsp.to_routing_model(instance),
            SearchBudget(max_seconds=seconds),
            seed=seed,
            acceptance_history=RESTRICTED_HISTORY,
        )
        plan = trsp_plan(instance, result.routes)
        if not result.feasible:
            plan = feasible_subplan(instance, plan)
        verdict = check_trsp_plan(instance, plan)
        best = bks.get(instance.name)
        yield BenchRow(
            instance=instance.name,
            objective=round(verdict.duration, 3),
            vehicles=verdict.technicians_used,
            bks=best.duration if best else math.nan,
            bks_vehicles=0,
            gap_percent=vrptw.gap_percent(verdict.duration, best.duration) if best else math.nan,
            seconds=round(result.seconds, 2),
            feasible=verdict.feasible,
            unserved=len(verdict.unserved),
            note="; ".join(verdict.violations[:2]),
        )


def trsp_plan(instance: trsp.TrspInstance, routes: Sequence[FoundRoute]) -> dict[int, list[int]]:
    """Solver routes as the checker reads them: technician id -> site ids (0 = depot visit)."""
    plan: dict[int, list[int]] = {}
    for route in routes:
        tech_id = instance.technicians[route.fleet].id
        plan[tech_id] = [instance.requests[s.index].id if s.kind is StopKind.JOB else 0 for s in route.stops]
    return plan


def feasible_subplan(instance: trsp.TrspInstance, plan: dict[int, list[int]]) -> dict[int, list[int]]:
    """When the search ends without a feasible plan: drop requests, route by route, until the checker
    accepts each route (the fewest violations first); what is dropped is reported as unserved."""
    repaired: dict[int, list[int]] = {}
    for tech_id, stops in plan.items():
        route = list(stops)
        while route and not check_trsp_plan(instance, {tech_id: route}).feasible:
            options = [route[:i] + route[i + 1 :] for i in range(len(route))]
            route = min(options, key=lambda r: len(check_trsp_plan(instance, {tech_id: r}).violations))
        repaired[tech_id] = route
    return repaired
