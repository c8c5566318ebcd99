"""One yardstick for whole plans: what the real-time insertion, the batch solver and the re-plan's
stability threshold all compare.

May import: fieldpilot.engine (not solvers) and the standard library.
"""

from __future__ import annotations

from fieldpilot.engine.candidates import customer_wait
from fieldpilot.engine.params import DispatchParams
from fieldpilot.engine.problem import DispatchProblem, TechnicianState
from fieldpilot.engine.schedule import cached_schedule


def route_cost(problem: DispatchProblem, tech: TechnicianState, *, params: DispatchParams) -> float:
    """Weighted travel, lateness, overtime and customer waiting of one technician's route."""
    if not tech.route:
        return 0.0
    schedule = cached_schedule(problem, tech, params=params)
    total = params.travel_weight * schedule.travel + schedule.lateness
    total += params.overtime_weight * schedule.overtime
    for stop, start in zip(schedule.stops, schedule.starts, strict=True):
        total += stop.waiting_rate * customer_wait(problem, problem.order(stop.order_id), start)
    return total


def plan_cost(problem: DispatchProblem, *, params: DispatchParams) -> float:
    """Weighted travel, customer waiting, lateness and overtime of the snapshot's routes, plus
    unplanned penalties (the same components the real-time insertion weighs)."""
    total = sum(route_cost(problem, tech, params=params) for tech in problem.technicians)
    return total + sum(params.unplanned_penalty(o.priority) for o in problem.unplanned_orders())
