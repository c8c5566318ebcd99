"""Solomon and Gehring–Homberger VRPTW instances: reader, best-known values, routing model, scoring.

Conventions (benchmarks README): Euclidean distances in double precision, travel time equals distance,
windows bound the start of service, the depot window is the horizon, capacity applies. The solver works
on integers: distances are scaled by ``SCALE`` and rounded, travel times are rounded *up* so a plan
that is feasible in integers is feasible in double precision; objectives are recomputed in double
precision from the routes found.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from fieldpilot.engine.solvers.routing import Depot, Fleet, Job, RoutingModel

SCALE = 1000


@dataclass(frozen=True)
class VrptwInstance:
    """Row 0 is the depot; rows 1.. are customers."""

    name: str
    vehicles: int
    capacity: int
    x: NDArray[np.float64]
    y: NDArray[np.float64]
    demand: NDArray[np.int64]
    ready: NDArray[np.int64]
    due: NDArray[np.int64]
    service: NDArray[np.int64]

    @property
    def num_customers(self) -> int:
        return len(self.x) - 1

    def distances(self) -> NDArray[np.float64]:
        dx = self.x[:, None] - self.x[None, :]
        dy = self.y[:, None] - self.y[None, :]
        return np.asarray(np.sqrt(dx * dx + dy * dy), dtype=np.float64)


def read_vrptw(path: Path) -> VrptwInstance:
    """Read the Solomon text layout (also used by Gehring–Homberger)."""
    lines = [ln.split() for ln in path.read_text().splitlines()]
    rows = [ln for ln in lines if ln]
    vehicles = capacity = 0
    customers: list[list[float]] = []
    for i, row in enumerate(rows):
        if row[0].upper() == "NUMBER" and i + 1 < len(rows):
            vehicles, capacity = int(rows[i + 1][0]), int(rows[i + 1][1])
        if len(row) == 7 and all(_is_number(v) for v in row):
            customers.append([float(v) for v in row])
    table = np.array(customers, dtype=np.float64)
    return VrptwInstance(
        name=path.stem,
        vehicles=vehicles,
        capacity=capacity,
        x=table[:, 1],
        y=table[:, 2],
        demand=table[:, 3].astype(np.int64),
        ready=table[:, 4].astype(np.int64),
        due=table[:, 5].astype(np.int64),
        service=table[:, 6].astype(np.int64),
    )


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class BestKnown:
    cost: float
    vehicles: int


def read_vrptw_bks(path: Path, *, distance_only: bool) -> dict[str, BestKnown]:
    """Best-known values keyed by upper-case instance name.

    ``distance_only`` picks the ``NAME_distance`` entries where they exist (Solomon); otherwise the
    hierarchical value (fewest vehicles, then distance).
    """
    raw = json.loads(path.read_text())
    out: dict[str, BestKnown] = {}
    for key, entry in raw.items():
        if key.endswith("_distance"):
            continue
        chosen = raw.get(f"{key}_distance", entry) if distance_only else entry
        out[key.upper()] = BestKnown(float(chosen["best_known_cost"]), int(chosen["solved_with_vehicles"]))
    return out


def to_routing_model(instance: VrptwInstance, *, scale: int = SCALE) -> RoutingModel:
    """Distance objective; one fleet of identical vehicles at the depot."""
    exact = instance.distances()
    distance = np.rint(exact * scale).astype(np.int64)
    duration = np.ceil(exact * scale - 1e-9).astype(np.int64)
    horizon = int(instance.due[0]) * scale
    jobs = tuple(
        Job(
            location=i,
            service=int(instance.service[i]) * scale,
            tw_early=int(instance.ready[i]) * scale,
            tw_late=int(instance.due[i]) * scale,
            demand=(int(instance.demand[i]),),
            name=str(i),
        )
        for i in range(1, len(instance.x))
    )
    fleet = Fleet(
        start_depot=0,
        end_depot=0,
        num_available=instance.vehicles,
        tw_early=int(instance.ready[0]) * scale,
        tw_late=horizon,
        capacity=(instance.capacity,),
    )
    return RoutingModel(
        distance=distance,
        duration=duration,
        depots=(Depot(location=0, tw_early=int(instance.ready[0]) * scale, tw_late=horizon),),
        jobs=jobs,
        fleets=(fleet,),
        num_load_dimensions=1,
        coordinates=np.column_stack([instance.x, instance.y]),
    )


@dataclass(frozen=True)
class VrptwScore:
    distance: float
    vehicles: int
    served: int
    violations: tuple[str, ...]


def score_routes(instance: VrptwInstance, routes: list[list[int]]) -> VrptwScore:
    """Recompute distance in double precision and re-check windows, capacity and coverage.

    ``routes`` lists customer numbers (1-based rows of the file), depot excluded.
    """
    exact = instance.distances()
    total = 0.0
    problems: list[str] = []
    seen: list[int] = []
    for r, route in enumerate(routes):
        if not route:
            continue
        t, prev, load = float(instance.ready[0]), 0, 0
        for c in route:
            t += exact[prev, c]
            total += exact[prev, c]
            if t > instance.due[c] + 1e-6:
                problems.append(f"route {r}: customer {c} starts at {t:.3f} after {instance.due[c]}")
            t = max(t, float(instance.ready[c])) + float(instance.service[c])
            load += int(instance.demand[c])
            prev = c
            seen.append(c)
        t += exact[prev, 0]
        total += exact[prev, 0]
        if t > instance.due[0] + 1e-6:
            problems.append(f"route {r}: back at the depot at {t:.3f} after {instance.due[0]}")
        if load > instance.capacity:
            problems.append(f"route {r}: load {load} above capacity {instance.capacity}")
    if sorted(seen) != list(range(1, instance.num_customers + 1)):
        problems.append("customers missing or served twice")
    used = sum(1 for route in routes if route)
    if used > instance.vehicles:
        problems.append(f"{used} vehicles used, {instance.vehicles} available")
    return VrptwScore(total, used, len(set(seen)), tuple(problems))


def gap_percent(value: float, best_known: float) -> float:
    return 100.0 * (value - best_known) / best_known if best_known > 0 else math.nan
