"""The re-plan: snapshot -> solve (outside any transaction) -> apply the diff in one transaction.

Order intake is never blocked: the solve works on a snapshot. When the plan is applied, every
order it touches must still be at the version the snapshot saw; otherwise the whole diff is
refused (Conflict) and the caller re-runs on fresh data. A plan is applied only when it improves
the current one by more than the stability threshold, it never moves pinned visits (a time lock
the technician can no longer keep becomes an assignment lock), and it keeps promised ETA windows
within tolerance, unless a plan that moves them gains more than `promise_break_gain` for every
promise it breaks (a second solve without the promises, sharing the budget; those customers get a
new ETA window, an EtaChanged event). The engine's checker verifies each plan first. The plan
comes from greedy re-insertion improved by relocation (engine.improve); the batch solver runs only
when greedy leaves orders unplanned or the command asks for it (`use_solver`).

A fleet larger than the engine's `replan_max_technicians` is re-planned a neighbourhood at a time
(engine.scope): the technicians around what changed, their visits and the unplanned orders nearest
them; everyone else's route stays as it is.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from fieldpilot.domain import commands as cmd
from fieldpilot.domain.errors import Conflict
from fieldpilot.domain.events import EtaChanged, PlanChanged
from fieldpilot.domain.values import TimeWindow
from fieldpilot.domain.work_order import OrderLock, OrderStatus, WorkOrder
from fieldpilot.engine.candidates import eta_window
from fieldpilot.engine.checker import check_plan
from fieldpilot.engine.costing import plan_cost
from fieldpilot.engine.improve import relocate
from fieldpilot.engine.insertion import plan_of
from fieldpilot.engine.params import DispatchParams
from fieldpilot.engine.problem import DispatchProblem
from fieldpilot.engine.scope import neighbourhood
from fieldpilot.service.deps import HandlerDeps
from fieldpilot.service.handlers.dispatch import DispatchDeps
from fieldpilot.service.replan import (
    broken_promises,
    greedy_fill,
    release_broken_promises,
    release_broken_time_locks,
    with_plan,
    without_promises,
)
from fieldpilot.service.unit_of_work import OrderQuery, UnitOfWork
from fieldpilot.workflow import Action, advance

log = logging.getLogger(__name__)
_TICK = timedelta(seconds=1)  # engine windows are closed ranges of seconds, TimeWindow is half-open
PROMISE_GAIN_OFF = 1e15  # a promise_break_gain this large never pays: promises only move within tolerance


@dataclass
class _Diff:
    assigned: int = 0
    reassigned: int = 0
    retimed: int = 0
    unassigned: int = 0
    eta_changes: int = 0


def replan(command: cmd.Replan, uow: UnitOfWork, deps: HandlerDeps, dispatch: DispatchDeps) -> dict[str, Any]:
    params = dispatch.params
    with uow:
        now = deps.clock.now()
        waiting = uow.orders.search(OrderQuery(statuses=frozenset({OrderStatus.NEW}), limit=100_000)).items
        problem = dispatch.snapshot(uow, now=now, include=[o.id for o in waiting])
        if not command.whole_region:
            problem = neighbourhood(
                problem,
                size=params.replan_max_technicians,
                orders=command.focus_orders,
                technicians=command.focus_technicians,
                params=params,
            )
        stored = {o.id: uow.orders.get(o.id) for o in problem.orders}
        versions = {key: -1 if order is None else order.version for key, order in stored.items()}
        stale = _stale_promises(stored.values(), now=now)
    started = time.perf_counter()
    current = plan_cost(problem, params=params)
    problem, released = release_broken_promises(problem, params=params)
    problem, unlocked = release_broken_time_locks(problem, params=params)
    promised = any(o.promised_window is not None for o in problem.orders)
    promising = without_promises(problem) if promised and params.promise_break_gain < PROMISE_GAIN_OFF else problem
    share = 0.5 if promising is not problem else 1.0  # two solves share the budget
    best, source = _best_plan(problem, command=command, dispatch=dispatch, share=share)
    best_cost = plan_cost(best, params=params)
    broken: tuple[str, ...] = ()
    if promising is not problem:
        free, free_source = _best_plan(promising, command=command, dispatch=dispatch, share=share)
        free_cost = plan_cost(free, params=params)
        free_broken = broken_promises(problem, free, params=params)
        if best_cost - free_cost > params.promise_break_gain * len(free_broken) and free_cost < best_cost:
            best, best_cost, broken = free, free_cost, free_broken
            source = f"{free_source}, moving promised visits" if free_broken else free_source
            problem = promising
    seconds = time.perf_counter() - started
    summary: dict[str, Any] = {
        "trigger": command.trigger,
        "technicians": len(problem.technicians),
        "current_cost": round(current, 1),
        "new_cost": round(best_cost, 1),
        "solver": source,
        "solve_seconds": round(seconds, 3),
        "released_promises": list(released),
        "broken_promises": list(broken),
        "released_time_locks": list(unlocked),
        "stale_promises": list(stale),
        "applied": False,
    }
    if current - best_cost <= params.stability_threshold and not (released or unlocked or stale):
        return summary
    with uow:
        diff = _apply(
            uow,
            problem,
            best,
            versions=versions,
            now=now,
            actor=command.actor,
            reason=command.trigger,
            params=params,
            unlocked=frozenset(unlocked),
        )
        uow.record(PlanChanged(command.trigger, diff.assigned, diff.reassigned, diff.retimed, diff.unassigned))
        uow.commit()
    return {**summary, "applied": True, **diff.__dict__}


def _stale_promises(orders: Iterable[WorkOrder | None], *, now: datetime) -> tuple[str, ...]:
    """Booked orders whose promised window has already closed without a visit: the customer is
    owed a new, honest window even when the plan itself does not change."""
    return tuple(
        sorted(
            o.id
            for o in orders
            if o is not None
            and o.status in (OrderStatus.ASSIGNED, OrderStatus.ACCEPTED)
            and o.eta_window is not None
            and o.eta_window.end <= now
        )
    )


def _best_plan(
    problem: DispatchProblem, *, command: cmd.Replan, dispatch: DispatchDeps, share: float = 1.0
) -> tuple[DispatchProblem, str]:
    """The better of the solver's plan (when valid) and greedy re-insertion, then improved by
    relocating single visits under the plan yardstick (which weighs the customers' waiting); the
    solver gets `share` of the command's budget."""
    params = dispatch.params
    best, source = _first_plan(problem, command=command, dispatch=dispatch, share=share)
    improved = relocate(best, params=params)
    if not improved.moves:
        return best, source
    existing = {(v.code, v.order_id) for v in check_plan(problem, plan_of(best, params=params), params=params)}
    added = [
        v
        for v in check_plan(problem, plan_of(improved.problem, params=params), params=params)
        if (v.code, v.order_id) not in existing
    ]
    if added:
        log.warning("relocated plan refused: %d violations, first: %s", len(added), added[0])
        return best, source
    return improved.problem, f"{source} + {improved.moves} relocations"


def _first_plan(
    problem: DispatchProblem, *, command: cmd.Replan, dispatch: DispatchDeps, share: float = 1.0
) -> tuple[DispatchProblem, str]:
    """Greedy re-insertion's plan, or the batch solver's when it runs (`command.use_solver`; by
    default only when greedy leaves orders unplanned), is valid and costs less; the solver gets
    `share` of the command's budget."""
    params = dispatch.params
    greedy = greedy_fill(problem, params=params)
    wanted = command.use_solver if command.use_solver is not None else bool(greedy.unplanned_orders())
    if dispatch.solver is None or not wanted or not problem.technicians or not problem.orders:
        return greedy, "greedy"
    iterations = command.max_iterations or dispatch.max_iterations
    plan = dispatch.solver(
        problem,
        time_budget_seconds=command.time_budget_seconds * share,
        seed=command.seed,
        params=params,
        max_iterations=None if iterations is None else max(1, math.ceil(iterations * share)),
    )
    # Refuse only what the plan makes worse: a breach the current plan already has (a visit under
    # way that overran into the next one's window) is not the solver's doing and must not block
    # every re-plan.
    existing = {(v.code, v.order_id) for v in check_plan(problem, plan_of(problem, params=params), params=params)}
    violations = [v for v in check_plan(problem, plan, params=params) if (v.code, v.order_id) not in existing]
    if violations:
        log.warning("solver plan refused: %d violations, first: %s", len(violations), violations[0])
        return greedy, "greedy (solver plan refused)"
    solved = with_plan(problem, plan)
    if plan_cost(solved, params=params) < plan_cost(greedy, params=params):
        return solved, "solver"
    return greedy, "greedy"


def _apply(
    uow: UnitOfWork,
    before: DispatchProblem,
    after: DispatchProblem,
    *,
    versions: dict[str, int],
    now: datetime,
    actor: str,
    reason: str,
    params: DispatchParams,
    unlocked: frozenset[str] = frozenset(),
) -> _Diff:
    """Write the plan; `unlocked` are time locks the plan could not keep (now assignment locks)."""
    diff = _Diff()
    plan = plan_of(after)
    old_holder = before.assigned_technician
    placed = set()
    for route in plan.routes:
        for visit in route.visits:
            placed.add(visit.order_id)
            order = _fresh(uow, visit.order_id, versions)
            start = after.moment(visit.start)
            if order.id in unlocked and order.lock is OrderLock.TIME:
                order.lock = OrderLock.ASSIGNMENT
            if order.technician_id is None:
                uow.technicians.lock(route.technician_id)
                advance(
                    order,
                    Action.ASSIGN,
                    at=now,
                    actor=actor,
                    reason=f"re-plan: {reason}",
                    technician_id=route.technician_id,
                )
                diff.assigned += 1
            elif old_holder.get(order.id) != route.technician_id:
                advance(
                    order,
                    Action.REASSIGN,
                    at=now,
                    actor=actor,
                    reason=f"re-plan: {reason}",
                    technician_id=route.technician_id,
                )
                diff.reassigned += 1
            elif order.planned_start == start and order.id not in unlocked:
                continue
            else:
                diff.retimed += 1
            order.planned_start = start
            window = eta_window(after.order(order.id), visit.start, earliest=after.now, params=params)
            diff.eta_changes += _keep_or_move_eta(order, after.moment(window.start), after.moment(window.end) + _TICK)
            order.version += 1
            _check_no_newcomer_overlaps(uow, order, technician_id=route.technician_id, known=versions)
    for order_id in old_holder:
        if order_id not in placed:
            order = _fresh(uow, order_id, versions)
            advance(order, Action.UNASSIGN, at=now, actor=actor, reason=f"re-plan dropped it: {reason}")
            order.version += 1
            diff.unassigned += 1
    return diff


def _check_no_newcomer_overlaps(
    uow: UnitOfWork, order: WorkOrder, *, technician_id: str, known: dict[str, int]
) -> None:
    """An order booked by hand after the snapshot was taken must not be double-booked by the plan."""
    slot = order.planned_slot
    if slot is None:
        return
    for other in uow.orders.booked_for(technician_id, start=slot.start, end=slot.end):
        if other.id not in known:
            raise Conflict(f"order {other.id} was booked on {technician_id} while re-planning; re-run")


def _fresh(uow: UnitOfWork, order_id: str, versions: dict[str, int]) -> WorkOrder:
    order = uow.orders.get(order_id)
    if order is None or order.version != versions.get(order_id):
        raise Conflict(f"order {order_id} changed while re-planning; re-run on fresh data")
    return order


def _keep_or_move_eta(order: WorkOrder, new_start: datetime, new_end: datetime) -> int:
    """Keep a promised window the new start still falls in; otherwise promise the new one."""
    window = order.eta_window
    start = order.planned_start
    if window is not None and start is not None and window.start <= start < window.end:
        return 0
    order.eta_window = TimeWindow(new_start, new_end)
    order.events.append(EtaChanged(order.id, order.eta_window.start, order.eta_window.end))
    return 1
