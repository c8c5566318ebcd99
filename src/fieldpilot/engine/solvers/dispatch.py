"""The batch optimizer: ``solve(problem, stop, *, seed, params) -> Plan`` for a region and horizon.

1. ``dispatch_model.build_model`` turns the snapshot into a routing model (hard rules as structure);
2. the backend searches under the budget (deterministic for a seed when the budget counts iterations);
3. the routes go back into the snapshot: fixed visits in front, locked and promised visits in their
   original order, warehouse visits as restocks of exactly the missing parts;
4. every route is re-timed by the engine's own scheduler (breaks, absences, congestion); a visit that
   does not fit is taken out, and orders left over are offered to the real-time insertion, which
   may place them late at their SLA lateness cost;
5. the plan checker must find nothing; and the new plan replaces the current one only when it is
   cheaper by more than ``params.stability_threshold`` (cost = weighted travel + lateness + overtime
   + penalties of unplanned orders).

May import: fieldpilot.domain, fieldpilot.engine, numpy and the standard library (and, through the
backend, the optimization library).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace

from fieldpilot.engine.checker import Violation, check_plan
from fieldpilot.engine.costing import plan_cost
from fieldpilot.engine.insertion import apply_assignment, insert, plan_of
from fieldpilot.engine.params import DispatchParams
from fieldpilot.engine.plan import Plan
from fieldpilot.engine.problem import DispatchProblem, PlannedVisit, Restock, TechnicianState
from fieldpilot.engine.schedule import schedule_route
from fieldpilot.engine.solvers.dispatch_model import DispatchModel, build_model
from fieldpilot.engine.solvers.pyvrp_backend import RESTRICTED_HISTORY, ModelTooLarge, solve_routing
from fieldpilot.engine.solvers.routing import (
    FoundRoute,
    RouteStop,
    RoutingResult,
    SearchBudget,
    StopKind,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BatchOutcome:
    """The plan to apply, and how it was reached."""

    plan: Plan
    cost: float
    current_cost: float
    replaced_current: bool
    violations: tuple[Violation, ...]
    search: RoutingResult | None
    declined: str = ""  # why the search did not run (a model too large for the library's encoding)

    @property
    def gain(self) -> float:
        return self.current_cost - self.cost


def solve(problem: DispatchProblem, stop: SearchBudget, *, seed: int, params: DispatchParams | None = None) -> Plan:
    """The best plan found within the budget (or the current one when the gain is too small)."""
    return solve_batch(problem, stop, seed=seed, params=params).plan


def solve_batch(
    problem: DispatchProblem, stop: SearchBudget, *, seed: int, params: DispatchParams | None = None
) -> BatchOutcome:
    params = params or DispatchParams()
    current = plan_of(problem, params=params)
    current_violations = tuple(check_plan(problem, current, params=params))
    current_cost = plan_cost(problem, params=params)
    built = build_model(problem, params=params)
    if not built.model.jobs or not built.model.fleets:
        return BatchOutcome(current, current_cost, current_cost, False, current_violations, None)
    try:
        result = solve_routing(
            built.model,
            stop,
            seed=seed,
            initial=_warm_start(problem, built),
            acceptance_history=RESTRICTED_HISTORY,
        )
    except ModelTooLarge as error:
        log.info("batch solver declined the model: %s; the current plan stands", error)
        return BatchOutcome(current, current_cost, current_cost, False, current_violations, None, declined=str(error))
    candidate = _repaired(_with_routes(problem, built, result.routes), params=params)
    plan = plan_of(candidate, params=params)
    violations = tuple(check_plan(problem, plan, params=params))
    cost = plan_cost(candidate, params=params)
    better = cost < current_cost - params.stability_threshold
    if not violations and (better or current_violations):
        return BatchOutcome(plan, cost, current_cost, True, violations, result)
    return BatchOutcome(current, current_cost, current_cost, False, current_violations, result)


def _warm_start(problem: DispatchProblem, built: DispatchModel) -> tuple[FoundRoute, ...]:
    """The current routes (searchable visits only) as the search's starting point."""
    job_of = {oid: j for j, oid in enumerate(built.order_ids)}
    fleet_of = {tid: f for f, tid in enumerate(built.technician_ids)}
    routes = []
    for tech in problem.technicians:
        jobs = [job_of[v.order_id] for v in tech.route if v.order_id in job_of]
        if tech.id in fleet_of and jobs:
            allowed = [j for j in jobs if fleet_of[tech.id] in (built.model.jobs[j].fleets or ())]
            stops = tuple(RouteStop(StopKind.JOB, j, 0, 0) for j in allowed)
            routes.append(FoundRoute(fleet_of[tech.id], 0, 0, stops, 0, 0))
    return tuple(routes)


def _with_routes(problem: DispatchProblem, built: DispatchModel, routes: Sequence[FoundRoute]) -> DispatchProblem:
    """The snapshot with the search's routes in place of the technicians' current ones.

    A technician whose pinned visits the search dropped (it could not keep them all) keeps the current
    route, and its orders are taken out of the other routes.
    """
    by_tech = {built.technician_ids[r.fleet]: r for r in routes}
    new_routes: dict[str, tuple[PlannedVisit, ...]] = {}
    for tech in problem.technicians:
        if tech.id not in built.technician_ids:
            new_routes[tech.id] = tech.route
            continue
        found = by_tech.get(tech.id)
        route = list(built.heads[tech.id])
        if found is not None:
            route += _visits(problem, built, tech, found)
        new_routes[tech.id] = _locked_in_order(tech, tuple(route), built)
    kept: set[str] = set()
    for tech in problem.technicians:
        must = {oid for oid, holder in built.pinned.items() if holder == tech.id}
        if not must <= {v.order_id for v in new_routes[tech.id]}:
            new_routes[tech.id] = tech.route
            kept |= {v.order_id for v in tech.route}
    technicians = []
    for tech in problem.technicians:
        planned = new_routes[tech.id]
        if planned is not tech.route:
            planned = tuple(v for v in planned if v.order_id not in kept)
        technicians.append(replace(tech, route=planned))
    return replace(problem, technicians=tuple(technicians))


def _visits(
    problem: DispatchProblem, built: DispatchModel, tech: TechnicianState, found: FoundRoute
) -> list[PlannedVisit]:
    """Visits with restocks: a warehouse stop picks up what the van lacks until the next one."""
    van = dict(tech.stock)
    for head in built.heads[tech.id]:
        for part, qty in problem.order(head.order_id).parts.items():
            van[part] = van.get(part, 0) - qty + (head.restock.parts.get(part, 0) if head.restock else 0)
    out: list[PlannedVisit] = []
    stops = list(found.stops)
    pending: int | None = None
    for i, stop in enumerate(stops):
        if stop.kind is StopKind.RELOAD:
            pending = built.warehouse_of_depot.get(stop.index)
            continue
        order_id = built.order_ids[stop.index]
        restock = None
        if pending is not None:
            need = _segment_need(problem, built, stops[i:])
            parts = {p: q - max(0, van.get(p, 0)) for p, q in need.items() if q > van.get(p, 0)}
            if parts:
                restock = Restock(pending, parts)
                for part, qty in parts.items():
                    van[part] = van.get(part, 0) + qty
            pending = None
        for part, qty in problem.order(order_id).parts.items():
            van[part] = van.get(part, 0) - qty
        old = built.visits.get(order_id)
        start = stop.start - built.offset
        base = old if old is not None else PlannedVisit(order_id, start)
        out.append(replace(base, planned_start=start, restock=restock))
    return out


def _segment_need(problem: DispatchProblem, built: DispatchModel, stops: Sequence[RouteStop]) -> dict[str, int]:
    need: dict[str, int] = {}
    for stop in stops:
        if stop.kind is not StopKind.JOB:
            break
        for part, qty in problem.order(built.order_ids[stop.index]).parts.items():
            need[part] = need.get(part, 0) + qty
    return need


def _locked_in_order(
    tech: TechnicianState, route: tuple[PlannedVisit, ...], built: DispatchModel
) -> tuple[PlannedVisit, ...]:
    """Pinned visits keep their original relative order: they fill the slots the search gave them."""
    original = [v.order_id for v in tech.route if built.pinned.get(v.order_id) == tech.id]
    slots = [i for i, v in enumerate(route) if v.order_id in set(original)]
    if len(slots) != len(original):
        return route
    by_id = {v.order_id: v for v in route}
    reordered = list(route)
    for slot, order_id in zip(slots, original, strict=True):
        reordered[slot] = by_id[order_id]
    return tuple(reordered)


def _repaired(candidate: DispatchProblem, *, params: DispatchParams) -> DispatchProblem:
    """Re-time every route, take out visits that do not fit, then insert what is left over."""
    technicians = []
    for tech in candidate.technicians:
        route = list(tech.route)
        while route:
            schedule = schedule_route(candidate, replace(tech, route=tuple(route)), params=params)
            if schedule.feasible:
                route = [replace(v, planned_start=s) for v, s in zip(route, schedule.starts, strict=True)]
                break
            failing = schedule.failure.order_id if schedule.failure else None
            movable = [i for i, v in enumerate(route) if v.pin is None]
            if not movable:
                break  # only pinned visits left: kept as they are, the checker has the last word
            hit = [i for i in movable if route[i].order_id == failing]
            del route[hit[0] if hit else movable[-1]]
        technicians.append(replace(tech, route=tuple(route)))
    repaired = replace(candidate, technicians=tuple(technicians))
    leftovers = sorted(repaired.unplanned_orders(), key=lambda o: (o.priority, o.id))
    for order in leftovers:
        decision = insert(repaired, order.id, params=params)
        won = decision.assignment
        if won is not None and won.cost.total < params.unplanned_penalty(order.priority):
            repaired = apply_assignment(repaired, won, params=params)
    return repaired
