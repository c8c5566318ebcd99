"""The PyVRP backend: translate a ``RoutingModel`` into PyVRP, search, and translate the result back.

This is the one module in fieldpilot that imports pyvrp. PyVRP has no field for "which vehicle may serve
which client" (PyVRP issue #329), so restrictions become routing profiles: every group of fleets with the
same set of allowed jobs gets its own distance and duration matrices in which the edges into a
disallowed job cost ``UNREACHABLE``; a route that uses one is never feasible (its time warp alone is
astronomic), and ``solve_routing`` re-checks every returned route against the allowed fleets anyway.
Every depot and job gets its own PyVRP location so that two jobs on one site can differ in who may
serve them.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyvrp
from numpy.typing import NDArray
from pyvrp.exceptions import PenaltyBoundWarning
from pyvrp.stop import MaxIterations, MaxRuntime, MultipleCriteria, NoImprovement, StoppingCriterion

from fieldpilot.engine.solvers.routing import (
    OPEN_END,
    FoundRoute,
    RouteStop,
    RoutingModel,
    RoutingResult,
    SearchBudget,
    StopKind,
)

#: Cost reported for a plan that breaks a hard constraint.
UNREACHABLE = 2**44


def unreachable_value(model: RoutingModel) -> int:
    """Distance and duration of an edge a fleet may not take.

    Far beyond any horizon, so one such leg is never absorbed by waiting, yet small enough that PyVRP's
    penalty arithmetic (time warp times a penalty weight) stays clear of int64 overflow; PyVRP's own
    default for missing edges (2**44) hangs the search when combined with large penalty weights.
    """
    finite = [t for d in model.depots for t in (d.tw_early, d.tw_late) if t < OPEN_END]
    finite += [t for j in model.jobs for t in (j.tw_early, j.tw_late) if t < OPEN_END]
    finite += [t for f in model.fleets for t in (f.tw_early, f.tw_late) if t < OPEN_END]
    largest = max([int(model.distance.max(initial=0)), int(model.duration.max(initial=0)), *finite])
    return min(100 * (largest + sum(j.service for j in model.jobs)) + 1, 2**36)


@dataclass
class _RecordingStop:
    """Wraps PyVRP's criteria and records when the best feasible cost improves."""

    inner: MultipleCriteria
    started: float = field(default_factory=time.perf_counter)
    best: float = float("inf")
    improvements: list[tuple[float, int]] = field(default_factory=list)
    calls: int = 0

    def __call__(self, best_cost: int) -> bool:
        self.calls += 1
        if best_cost < min(self.best, UNREACHABLE):  # PyVRP reports no feasible solution as int max
            self.best = best_cost
            self.improvements.append((time.perf_counter() - self.started, int(best_cost)))
        return bool(self.inner(best_cost))


def _criteria(budget: SearchBudget) -> MultipleCriteria:
    criteria: list[StoppingCriterion] = []
    if budget.max_seconds is not None:
        criteria.append(MaxRuntime(budget.max_seconds))
    if budget.max_iterations is not None:
        criteria.append(MaxIterations(budget.max_iterations))
    if budget.max_no_improvement is not None:
        criteria.append(NoImprovement(budget.max_no_improvement))
    return MultipleCriteria(criteria)


#: PyVRP's default late-acceptance history, and the shorter one for heavily restricted models.
DEFAULT_HISTORY = 300
RESTRICTED_HISTORY = 50

#: PyVRP's default ceiling on a penalty per unit of excess load or time warp.
MAX_PENALTY = 100_000


def load_unit(model: RoutingModel) -> int:
    """Integer factor applied to every load, so that one unit too many costs more than any prize.

    PyVRP penalises excess load per unit, at most ``MAX_PENALTY`` a unit; with loads of a few parts
    and prizes in the millions the search would rather overload a van than leave an order out, and
    would then never hold a feasible plan.
    """
    prize = max((job.prize for job in model.jobs), default=0)
    return max(1, -(-10 * prize // MAX_PENALTY))


def allowed_job_masks(model: RoutingModel) -> list[NDArray[np.bool_]]:
    """For each fleet, which jobs it may serve."""
    masks = []
    for f in range(len(model.fleets)):
        masks.append(np.array([job.fleets is None or f in job.fleets for job in model.jobs], dtype=bool))
    return masks


def _profiles(
    model: RoutingModel, base_dist: NDArray[np.int64], base_dur: NDArray[np.int64]
) -> tuple[list[NDArray[np.int64]], list[NDArray[np.int64]], list[int]]:
    """One matrix pair per distinct allowed-job set; returns the matrices and each fleet's profile.

    Each profile is written in one pass (``np.where`` over the base matrix with the columns of
    its disallowed jobs replaced), instead of copying the base and then scattering into columns;
    at region scale (thousands of jobs, a dozen skill profiles) that copy dominated the model
    build. Fleets with the same allowed set share one pair."""
    first_job = len(model.depots)
    blocked_value = unreachable_value(model)
    by_mask: dict[bytes, int] = {}
    dists: list[NDArray[np.int64]] = []
    durs: list[NDArray[np.int64]] = []
    fleet_profile: list[int] = []
    size = base_dist.shape[0]
    for mask in allowed_job_masks(model):
        key = mask.tobytes()
        if key not in by_mask:
            by_mask[key] = len(dists)
            if mask.all():
                dists.append(base_dist)
                durs.append(base_dur)
            else:
                open_column = np.ones(size, dtype=np.bool_)
                open_column[first_job:] = mask
                blocked = first_job + np.flatnonzero(~mask)
                dist = np.where(open_column, base_dist, blocked_value)
                dur = np.where(open_column, base_dur, blocked_value)
                dist[blocked, blocked] = 0
                dur[blocked, blocked] = 0
                dists.append(dist)
                durs.append(dur)
        fleet_profile.append(by_mask[key])
    return dists, durs, fleet_profile


#: The most matrix cells (profiles x locations^2) a model may need. Every technician with visits tied to
#: them (locked or promised) needs a profile of their own, so at region scale (hundreds of technicians,
#: thousands of places) the matrices alone would take tens of gigabytes, twice (here and in PyVRP).
MAX_PROFILE_CELLS = 64_000_000  # about 2 GB of int64 matrices in all


class ModelTooLarge(ValueError):
    """The model needs more profile matrices than MAX_PROFILE_CELLS allows."""


def profile_cells(model: RoutingModel) -> tuple[int, int]:
    """How many distinct profiles the model needs, and the matrix cells they take together."""
    profiles = len({mask.tobytes() for mask in allowed_job_masks(model)})
    size = len(model.depots) + len(model.jobs)
    return profiles, profiles * size * size


def to_problem_data(model: RoutingModel) -> pyvrp.ProblemData:
    """Build PyVRP's ProblemData: locations are the depots first, then one per job."""
    profiles, cells = profile_cells(model)
    if cells > MAX_PROFILE_CELLS:
        raise ModelTooLarge(
            f"{profiles} routing profiles over {len(model.depots) + len(model.jobs)} locations "
            f"({cells:,} matrix cells, at most {MAX_PROFILE_CELLS:,})"
        )
    loc = np.array([d.location for d in model.depots] + [j.location for j in model.jobs], dtype=np.intp)
    base_dist = np.ascontiguousarray(model.distance[np.ix_(loc, loc)], dtype=np.int64)
    base_dur = np.ascontiguousarray(model.duration[np.ix_(loc, loc)], dtype=np.int64)
    dists, durs, fleet_profile = _profiles(model, base_dist, base_dur)

    coords = model.coordinates
    locations = [
        pyvrp.Location(x=float(coords[i, 0]), y=float(coords[i, 1])) if coords is not None else pyvrp.Location(0, 0)
        for i in loc
    ]
    dims = model.num_load_dimensions
    unit = load_unit(model)
    depots = [
        pyvrp.Depot(location=i, tw_early=d.tw_early, tw_late=d.tw_late, service_duration=d.service, name=d.name)
        for i, d in enumerate(model.depots)
    ]
    clients = [
        pyvrp.Client(
            location=len(depots) + k,
            delivery=[q * unit for q in job.demand] if job.demand else [0] * dims,
            service_duration=job.service,
            tw_early=job.tw_early,
            tw_late=job.tw_late,
            prize=job.prize,
            required=job.required and job.fleets != frozenset(),
            name=job.name,
        )
        for k, job in enumerate(model.jobs)
    ]
    vehicle_types = [
        pyvrp.VehicleType(
            num_available=fleet.num_available,
            capacity=[q * unit for q in fleet.capacity] if fleet.capacity else [2**31 * unit] * dims,
            start_depot=fleet.start_depot,
            end_depot=fleet.end_depot,
            fixed_cost=fleet.fixed_cost,
            tw_early=fleet.tw_early,
            tw_late=fleet.tw_late,
            unit_distance_cost=fleet.unit_distance_cost,
            unit_duration_cost=fleet.unit_duration_cost,
            profile=fleet_profile[f],
            initial_load=[q * unit for q in fleet.initial_load] if fleet.initial_load else [0] * dims,
            reload_depots=list(fleet.reload_depots),
            name=fleet.name,
        )
        for f, fleet in enumerate(model.fleets)
    ]
    return pyvrp.ProblemData(
        locations=locations,
        clients=clients,
        depots=depots,
        vehicle_types=vehicle_types,
        distance_matrices=_as_any(dists),
        duration_matrices=_as_any(durs),
    )


def _as_any(matrices: list[NDArray[np.int64]]) -> list[Any]:
    # PyVRP's stubs spell the matrix type in a way numpy's typing cannot match.
    return list(matrices)


def _found_route(route: pyvrp.Route) -> FoundRoute:
    stops: list[RouteStop] = []
    activities = list(route)
    for act in activities[1:-1]:
        kind = StopKind.JOB if act.type == pyvrp.ActivityType.CLIENT else StopKind.RELOAD
        stops.append(RouteStop(kind=kind, index=int(act.idx), start=int(act.start_time), end=int(act.end_time)))
    return FoundRoute(
        fleet=int(route.vehicle_type()),
        start=int(route.start_time()),
        end=int(route.end_time()),
        stops=tuple(stops),
        distance=int(route.distance()),
        duration=int(route.duration()),
    )


def solve_routing(
    model: RoutingModel,
    budget: SearchBudget,
    *,
    seed: int = 0,
    initial: tuple[FoundRoute, ...] | None = None,
    acceptance_history: int = DEFAULT_HISTORY,
) -> RoutingResult:
    """Search for the cheapest plan; deterministic for a seed when the budget counts iterations.

    ``acceptance_history`` is the length of the late-acceptance list of PyVRP's iterated local search.
    PyVRP's default (300) suits plain VRPTW; on models with many restrictions (skills as profiles,
    tools and parts as loads) a shorter memory (``RESTRICTED_HISTORY``) converged clearly faster in
    our TRSP runs (mean gap 3.1% against 7.9% at 10 s on six instances).
    """
    data = to_problem_data(model)
    stop = _RecordingStop(_criteria(budget))
    initial_solution = None
    if initial:
        initial_solution = pyvrp.Solution(
            data, [pyvrp.Route(data, list(r.job_indices), r.fleet) for r in initial if r.job_indices]
        )
    started = time.perf_counter()
    with warnings.catch_warnings():
        # PyVRP warns when its penalties hit their bound (no feasible plan found yet); the result's
        # feasibility is checked below, and an infeasible search is an outcome, not an error.
        warnings.simplefilter("ignore", PenaltyBoundWarning)
        result = pyvrp.solve(
            data,
            stop,
            seed=seed,
            collect_stats=False,
            display=False,
            params=pyvrp.SolveParams(ils=pyvrp.IteratedLocalSearchParams(history_length=acceptance_history)),
            initial_solution=initial_solution,
        )
    seconds = time.perf_counter() - started
    best = result.best
    routes = tuple(_found_route(r) for r in best.routes())
    masks = allowed_job_masks(model)
    qualified = all(masks[r.fleet][j] for r in routes for j in r.job_indices)
    served = {j for r in routes for j in r.job_indices}
    return RoutingResult(
        routes=routes,
        unassigned=tuple(j for j in range(len(model.jobs)) if j not in served),
        cost=int(result.cost()) if best.is_feasible() else UNREACHABLE,
        feasible=bool(best.is_feasible()) and qualified,
        iterations=stop.calls,
        seconds=seconds,
        improvements=tuple(stop.improvements),
    )
