"""One yardstick for whole plans: what the real-time insertion, the batch solver and the re-plan's
stability threshold all compare.

May import: fieldpilot.engine (not solvers) and the standard library.
"""

from __future__ import annotations

from fieldpilot.engine.candidates import customer_wait
from fieldpilot.engine.params import DispatchParams
from fieldpilot.engine.problem import DispatchProblem
from fieldpilot.engine.schedule import schedule_route


def plan_cost(problem: DispatchProblem, *, params: DispatchParams) -> float:
    """Weighted travel, customer waiting, lateness and overtime of the snapshot's routes, plus
    unplanned penalties (the same components the real-time insertion weighs)."""
    total = 0.0
    for tech in problem.technicians:
        if not tech.route:
            continue
        schedule = schedule_route(problem, tech, params=params)
        total += params.travel_weight * schedule.travel + schedule.lateness
        total += params.overtime_weight * schedule.overtime
        for visit, start in zip(tech.route, schedule.starts, strict=True):
            order = problem.order(visit.order_id)
            rate = params.waiting_cost_per_second(priority=order.priority, tier=order.customer_tier)
            total += rate * customer_wait(problem, order, start)
    return total + sum(params.unplanned_penalty(o.priority) for o in problem.unplanned_orders())
