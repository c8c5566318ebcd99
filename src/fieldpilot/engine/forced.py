"""A dispatcher's forced assignment: what it breaks and what it costs, before anyone commits it.

Used by the manual mode and the console's drag-and-drop. The route is replayed leniently with the
order at the chosen position (or at each position, keeping the one that breaks least, then costs
least); the plan checker lists what the new route breaks that the old one did not, next to the hard
filter reasons. Anything broken means the dispatcher must give a reason.

May import: fieldpilot.domain, fieldpilot.engine (not solvers) and the standard library.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from typing import Any

from fieldpilot.domain.errors import InvalidInput
from fieldpilot.engine.candidates import (
    cost_breakdown,
    customer_wait,
    eta_window,
    preference_bonus,
    team_average_work,
    workload_after,
)
from fieldpilot.engine.checker import ViolationCode, check_route
from fieldpilot.engine.explain import Candidate
from fieldpilot.engine.filters import check_technician, clock_for
from fieldpilot.engine.params import DispatchParams
from fieldpilot.engine.plan import Route, ScheduledVisit
from fieldpilot.engine.problem import DispatchProblem, Restock, Window
from fieldpilot.engine.schedule import cached_schedule, make_stop
from fieldpilot.engine.team import free_flow_work

# Route violations the hard filters already report for the forced order.
_FILTERED = frozenset(
    {
        ViolationCode.SKILL,
        ViolationCode.CERTIFICATION,
        ViolationCode.TOOLS,
        ViolationCode.TERRITORY,
        ViolationCode.CUSTOMER_EXCLUDED,
        ViolationCode.NOT_REQUIRED_TECHNICIAN,
        ViolationCode.PARTS,
    }
)


@dataclass(frozen=True, slots=True)
class BrokenConstraint:
    code: str  # a ReasonCode or a ViolationCode value
    sentence: str
    order_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "sentence": self.sentence, "order_id": self.order_id}


@dataclass(frozen=True, slots=True)
class ForcedAssignment:
    candidate: Candidate
    broken: tuple[BrokenConstraint, ...]
    cost_delta: float | None  # against the best automatic choice; None when there is none

    @property
    def requires_reason(self) -> bool:
        return bool(self.broken)

    def to_dict(self, problem: DispatchProblem) -> dict[str, Any]:
        return {
            **self.candidate.to_dict(clock_for(problem)),
            "broken": [b.to_dict() for b in self.broken],
            "requires_reason": self.requires_reason,
            "cost_delta": None if self.cost_delta is None else round(self.cost_delta, 3),
        }


def evaluate_forced(
    problem: DispatchProblem,
    order_id: str,
    technician_id: str,
    position: int | None,
    *,
    params: DispatchParams,
    best_automatic_cost: float | None,
) -> ForcedAssignment:
    """Place the (unplanned) order on the technician regardless of the rules, and report the damage."""
    order = problem.order(order_id)
    tech = problem.technician(technician_id)
    schedule = cached_schedule(problem, tech, params=params)
    plain = make_stop(order, params=params)
    window = Window(plain.window_start, max(plain.window_start, plain.window_end))
    clock = clock_for(problem)
    verdict = check_technician(problem, order, tech, window=window, clock=clock)
    stop = plain
    if verdict.shortfall and verdict.warehouses:
        stop = replace(plain, restock=Restock(verdict.warehouses[0], dict(verdict.shortfall)))
    n = len(schedule.stops)
    if position is not None and not schedule.first_free <= position <= n:
        message = f"must be within {schedule.first_free}..{n} (after en-route and on-site visits)"
        raise InvalidInput("position", message)
    positions = [position] if position is not None else list(range(schedule.first_free, n + 1))
    filtered = tuple(BrokenConstraint(r.code.value, r.sentence, order.id) for r in verdict.reasons)
    before = Counter((v.code, v.order_id) for v in check_route(problem, schedule.to_route(), params=params))
    average = team_average_work(problem, params=params)
    work_before = float(free_flow_work(problem, tech))
    preference = preference_bonus(order, tech, params=params)
    best: tuple[tuple[int, float, int], ForcedAssignment] | None = None
    for at in positions:
        stops = [*schedule.stops[:at], stop, *schedule.stops[at:]]
        replay = schedule.scheduler.replay(stops, cursor=schedule.scheduler.start_cursor(), strict=False, record=True)
        visits = tuple(
            ScheduledVisit(s.order_id, start, start + s.duration, s.restock)
            for s, start in zip(stops, replay.starts, strict=True)
        )
        route = Route(tech.id, visits, tuple(replay.breaks))
        remaining = Counter(before)
        broken = list(filtered)
        for violation in check_route(problem, route, params=params):
            found = (violation.code, violation.order_id)
            if remaining[found] > 0:
                remaining[found] -= 1
            elif not (violation.order_id == order.id and violation.code in _FILTERED):
                broken.append(BrokenConstraint(violation.code.value, violation.message, violation.order_id))
        start = replay.starts[at]
        cost = cost_breakdown(
            schedule,
            replay,
            stop,
            start=start,
            params=params,
            workload=workload_after(problem, schedule, stop, at, before=work_before),
            average_work=average,
            preference=preference,
            waiting_seconds=customer_wait(problem, order, start),
            waiting_rate=params.waiting_cost_per_second(priority=order.priority, tier=order.customer_tier),
        )
        candidate = Candidate(
            order_id=order.id,
            technician_id=tech.id,
            position=at,
            planned_start=start,
            planned_end=start + stop.duration,
            eta_window=eta_window(order, start, earliest=max(window.start, schedule.cursors[0].time), params=params),
            cost=cost,
            restock=stop.restock,
            after_order_id=schedule.stops[at - 1].order_id if at > 0 else None,
            before_order_id=schedule.stops[at].order_id if at < n else None,
        )
        rank = (len(broken), round(cost.total, 6), at)
        if best is None or rank < best[0]:
            best = (rank, ForcedAssignment(candidate, tuple(broken), None))
    if best is None:
        raise InvalidInput("position", f"{technician_id} has no position open to insertion")
    chosen = best[1]
    if best_automatic_cost is None:
        return chosen
    return replace(chosen, cost_delta=chosen.candidate.cost.total - best_automatic_cost)
