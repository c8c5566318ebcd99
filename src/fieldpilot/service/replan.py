"""Re-planning arithmetic on snapshots: put a plan into a problem, score it, and fill gaps greedily.

Plans are scored with `engine.costing.plan_cost`, the yardstick the batch solver uses too.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace

from fieldpilot.engine.checker import ViolationCode, check_plan
from fieldpilot.engine.insertion import apply_assignment, insert, plan_of
from fieldpilot.engine.params import DispatchParams
from fieldpilot.engine.plan import Plan
from fieldpilot.engine.problem import DispatchProblem, PinKind, PlannedVisit


def with_plan(problem: DispatchProblem, plan: Plan) -> DispatchProblem:
    """The snapshot with every technician's route replaced by the plan's (pins carried over)."""
    pins = {v.order_id: v for t in problem.technicians for v in t.route}
    technicians = []
    for tech in problem.technicians:
        route = plan.route_of(tech.id)
        visits = () if route is None else route.visits
        planned = tuple(
            PlannedVisit(
                order_id=v.order_id,
                planned_start=v.start,
                pin=pins[v.order_id].pin if v.order_id in pins else None,
                promised_window=pins[v.order_id].promised_window if v.order_id in pins else None,
                restock=v.restock,
            )
            for v in visits
        )
        technicians.append(replace(tech, route=planned))
    return replace(problem, technicians=tuple(technicians))


def greedy_fill(problem: DispatchProblem, *, params: DispatchParams) -> DispatchProblem:
    """Insert every unplanned order, most urgent first, at its cheapest feasible position."""
    pending = sorted(
        problem.unplanned_orders(),
        key=lambda o: (o.priority, o.sla_deadline if o.sla_deadline is not None else 10**12, o.id),
    )
    for order in pending:
        decision = insert(problem, order.id, params=params)
        if decision.assignment is not None:
            problem = apply_assignment(problem, decision.assignment, params=params)
    return problem


def release_broken_promises(
    problem: DispatchProblem, *, params: DispatchParams
) -> tuple[DispatchProblem, tuple[str, ...]]:
    """Promises the current plan can no longer keep (a technician overran, traffic) are released,
    so the re-plan gives those customers a new, honest window instead of failing on the old one."""
    broken = _broken(problem, ViolationCode.PROMISED_WINDOW, params=params)
    if not broken:
        return problem, ()
    return without_promises(problem, broken), tuple(sorted(broken))


def release_broken_time_locks(
    problem: DispatchProblem, *, params: DispatchParams
) -> tuple[DispatchProblem, tuple[str, ...]]:
    """Time locks the current plan can no longer keep (the technician cannot be there by then) fall
    back to assignment locks: the visit keeps its technician and place, and starts when it can."""
    broken = _broken(problem, ViolationCode.TIME_LOCK_MOVED, params=params)
    if not broken:
        return problem, ()
    technicians = tuple(
        replace(
            tech,
            route=tuple(
                replace(v, pin=PinKind.LOCKED) if v.order_id in broken and v.pin is PinKind.LOCKED_TIME else v
                for v in tech.route
            ),
        )
        for tech in problem.technicians
    )
    return replace(problem, technicians=technicians), tuple(sorted(broken))


def without_promises(problem: DispatchProblem, order_ids: Collection[str] | None = None) -> DispatchProblem:
    """The snapshot with the promises of `order_ids` (default: every promise) released: their
    visits are no longer pinned by a promise and their ETA windows no longer bind."""
    promised = {o.id for o in problem.orders if o.promised_window is not None} | {
        v.order_id for t in problem.technicians for v in t.route if v.promised_window is not None
    }
    chosen = promised if order_ids is None else promised & set(order_ids)
    technicians = tuple(
        replace(
            tech,
            route=tuple(
                replace(v, pin=None if v.pin is PinKind.PROMISED else v.pin, promised_window=None)
                if v.order_id in chosen
                else v
                for v in tech.route
            ),
        )
        for tech in problem.technicians
    )
    orders = tuple(replace(o, promised_window=None) if o.id in chosen else o for o in problem.orders)
    return replace(problem, technicians=technicians, orders=orders)


def broken_promises(promising: DispatchProblem, planned: DispatchProblem, *, params: DispatchParams) -> tuple[str, ...]:
    """Orders promised in `promising` whose visit in `planned` starts outside the promise plus
    tolerance, or is no longer planned at all."""
    starts = {v.order_id: v.planned_start for t in planned.technicians for v in t.route}
    visits = {v.order_id: v for t in promising.technicians for v in t.route}
    broken = []
    for order in promising.orders:
        visit = visits.get(order.id)
        promise = visit.promised_window if visit is not None and visit.promised_window else order.promised_window
        if promise is None or (visit is not None and visit.pin is PinKind.LOCKED_TIME):
            continue
        start = starts.get(order.id)
        if start is None or not params.keeps_promise(
            priority=order.priority, start=start, promised_start=promise.start, promised_end=promise.end
        ):
            broken.append(order.id)
    return tuple(sorted(broken))


def _broken(problem: DispatchProblem, code: ViolationCode, *, params: DispatchParams) -> set[str]:
    return {
        v.order_id
        for v in check_plan(problem, plan_of(problem, params=params), params=params)
        if v.code is code and v.order_id is not None
    }
