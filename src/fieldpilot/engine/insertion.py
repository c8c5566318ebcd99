"""Real-time dispatch of one order: auto-assign, offer to the best few, or a dispatcher's forced choice.

    insert(problem, order_id, *, params)                 -> InsertionDecision   (auto-assign)
    rank_candidates(problem, order_id, *, params, top_n) -> Offer               (grab pool)
    evaluate_force_assign(problem, order_id, technician_id, position, *, params)
                                                         -> ForcedAssignment    (manual, drag-and-drop)
    apply_assignment(problem, candidate, *, params)      -> DispatchProblem     (the snapshot after it)
    plan_of(problem, *, params)                          -> Plan                (every route, scheduled)

All are pure: no clock, no I/O; the same snapshot and params give the same answer. An order that is
already in a route is taken out of it first (unless pinned). Nobody able to take an order is a result
(`InsertionDecision.assignment is None` with unblock hints), not an exception.

May import: fieldpilot.domain, fieldpilot.engine (not solvers), numpy and the standard library.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from fieldpilot.domain.errors import InvalidInput
from fieldpilot.engine.candidates import Ranking, rank
from fieldpilot.engine.explain import (
    Candidate,
    DecisionRecord,
    RunnerUp,
    blocked_summary,
    unblock_hints,
    why_lost,
)
from fieldpilot.engine.filters import clock_for
from fieldpilot.engine.forced import ForcedAssignment, evaluate_forced
from fieldpilot.engine.params import DispatchParams
from fieldpilot.engine.plan import Plan
from fieldpilot.engine.problem import DispatchProblem, PlannedVisit, TechnicianState
from fieldpilot.engine.schedule import cached_schedule, carry_edited, retimed

__all__ = [
    "ForcedAssignment",
    "InsertionDecision",
    "Offer",
    "apply_assignment",
    "evaluate_force_assign",
    "insert",
    "plan_of",
    "rank_candidates",
    "with_technician",
]

_DEFAULT_PARAMS = DispatchParams()


@dataclass(frozen=True, slots=True)
class InsertionDecision:
    order_id: str
    assignment: Candidate | None
    record: DecisionRecord

    @property
    def assigned(self) -> bool:
        return self.assignment is not None

    def to_dict(self) -> dict[str, Any]:
        """The decision record as plain JSON data (what the service stores and the API serves)."""
        return self.record.to_dict()


@dataclass(frozen=True, slots=True)
class Offer:
    """The order offered to the best few technicians; the first to accept before expiry gets it."""

    order_id: str
    candidates: tuple[Candidate, ...]
    expires_at: int  # second relative to the epoch
    record: DecisionRecord

    def to_dict(self) -> dict[str, Any]:
        return {
            "order_id": self.order_id,
            "technician_ids": [c.technician_id for c in self.candidates],
            "expires_at": self.expires_at,
            "record": self.record.to_dict(),
        }


def insert(problem: DispatchProblem, order_id: str, *, params: DispatchParams = _DEFAULT_PARAMS) -> InsertionDecision:
    """The cheapest feasible technician and position for the order, with its decision record."""
    problem = without_order(problem, order_id)
    clock = clock_for(problem)
    ranking = rank(problem, problem.order(order_id), params=params, keep=params.runners_up + 1, clock=clock)
    record = decision_record(problem, ranking, mode="auto", params=params)
    return InsertionDecision(order_id, record.winner, record)


def rank_candidates(
    problem: DispatchProblem,
    order_id: str,
    *,
    params: DispatchParams = _DEFAULT_PARAMS,
    top_n: int | None = None,
) -> Offer:
    """The `top_n` best technicians (default `params.offer_size`) to offer the order to."""
    size = params.offer_size if top_n is None else top_n
    if size < 1:
        raise InvalidInput("top_n", "must be at least 1")
    problem = without_order(problem, order_id)
    clock = clock_for(problem)
    keep = max(size, params.runners_up + 1)
    ranking = rank(problem, problem.order(order_id), params=params, keep=keep, clock=clock)
    record = decision_record(problem, ranking, mode="offer", params=params)
    expires = problem.now + params.offer_expiry_seconds
    return Offer(order_id, ranking.ranked[:size], expires, record)


def evaluate_force_assign(
    problem: DispatchProblem,
    order_id: str,
    technician_id: str,
    position: int | None = None,
    *,
    params: DispatchParams = _DEFAULT_PARAMS,
) -> ForcedAssignment:
    """What putting the order on this technician (at `position`, or their best one) would break and cost."""
    problem = without_order(problem, order_id)
    best = rank(problem, problem.order(order_id), params=params, keep=1, clock=clock_for(problem))
    reference = best.ranked[0].cost.total if best.ranked else None
    return evaluate_forced(problem, order_id, technician_id, position, params=params, best_automatic_cost=reference)


def decision_record(problem: DispatchProblem, ranking: Ranking, *, mode: str, params: DispatchParams) -> DecisionRecord:
    clock = clock_for(problem)
    order = ranking.order
    winner = ranking.ranked[0] if ranking.ranked else None
    runners: tuple[RunnerUp, ...] = ()
    if winner is None:
        window_end = order.latest_start if order.latest_start is not None else None
        if order.promised_window is not None:
            window_end = ranking.window.end
        summary = blocked_summary(order.id, ranking.rejected, window_end=window_end, clock=clock)
        hints = unblock_hints(ranking.rejected, clock=clock)
    else:
        runners = tuple(
            RunnerUp(c, c.cost.total - winner.cost.total, why_lost(c, winner))
            for c in ranking.ranked[1 : 1 + params.runners_up]
        )
        cost = winner.cost
        summary = (
            f"{order.id} goes to {winner.technician_id} at {clock(winner.planned_start)} "
            f"(ETA {clock(winner.eta_window.start)}-{clock(winner.eta_window.end)}): cost {cost.total:.0f} "
            f"(waiting {cost.waiting:.0f}, travel {cost.travel:.0f}, lateness {cost.lateness:.0f}, "
            f"overtime {cost.overtime:.0f}, "
            f"workload {cost.workload:.0f}, preference {cost.preference:.0f}); "
            f"{len(ranking.ranked) + len(ranking.outranked)} qualified, {len(ranking.rejected)} rejected."
        )
        hints = ()
    return DecisionRecord(
        order_id=order.id,
        mode=mode,
        epoch_iso=problem.epoch.isoformat(),
        summary=summary,
        winner=winner,
        runners_up=runners,
        rejected=ranking.rejected,
        outranked=ranking.outranked,
        unblock=hints,
        clock=clock,
    )


def without_order(problem: DispatchProblem, order_id: str) -> DispatchProblem:
    """The problem with the order taken out of the route that holds it (if any)."""
    problem.order(order_id)
    holder = problem.assigned_technician.get(order_id)
    if holder is None:
        return problem
    tech = problem.technician(holder)
    visit = next(v for v in tech.route if v.order_id == order_id)
    if visit.pin is not None:
        raise InvalidInput("order_id", f"order {order_id} is pinned ({visit.pin}) on {holder}")
    route = tuple(v for v in tech.route if v.order_id != order_id)
    return with_technician(problem, replace(tech, route=route))


def apply_assignment(
    problem: DispatchProblem, candidate: Candidate, *, params: DispatchParams = _DEFAULT_PARAMS
) -> DispatchProblem:
    """The snapshot after placing the candidate: the route gets the visit, planned starts are re-timed."""
    problem = without_order(problem, candidate.order_id)
    tech = problem.technician(candidate.technician_id)
    if not 0 <= candidate.position <= len(tech.route):
        raise InvalidInput("position", f"{tech.id}'s route has {len(tech.route)} visits; the candidate is stale")
    visit = PlannedVisit(candidate.order_id, candidate.planned_start, restock=candidate.restock)
    route = list(tech.route)
    route.insert(candidate.position, visit)
    moved = replace(tech, route=tuple(route))
    derived = with_technician(problem, moved)
    schedule = cached_schedule(derived, moved, params=params)
    timed = replace(
        moved, route=tuple(replace(v, planned_start=s) for v, s in zip(moved.route, schedule.starts, strict=True))
    )
    after = with_technician(derived, timed)
    same = retimed(after, timed, schedule, params=params)  # the new starts are the ones scheduled
    if same is not None:
        after.memo[("schedule", timed.id)] = (params, same)
    return after


def plan_of(problem: DispatchProblem, *, params: DispatchParams = _DEFAULT_PARAMS) -> Plan:
    """Every technician's route scheduled as the engine would run it (breaks included)."""
    routes = tuple(cached_schedule(problem, t, params=params).to_route() for t in problem.technicians)
    return Plan(routes=routes, unplanned=tuple(o.id for o in problem.unplanned_orders()))


def with_technician(problem: DispatchProblem, tech: TechnicianState) -> DispatchProblem:
    """The problem with one technician's route changed. The callers only take a visit out of a route
    or put one of the problem's unplanned orders in (at a checked position), which keeps the problem
    valid, so the whole-problem checks are not run again; the order index is shared."""
    technicians = tuple(tech if t.id == tech.id else t for t in problem.technicians)
    derived = problem.derived(technicians)
    for key, value in problem.memo.items():
        if isinstance(key, tuple) and key[0] == "schedule" and key[1] != tech.id:
            derived.memo[key] = value
    carry_edited(problem, derived, tech)
    return derived
