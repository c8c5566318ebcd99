"""Re-planning arithmetic on snapshots: put a plan into a problem, score it, and fill gaps greedily.

Scores use the engine's own route schedules and the dispatch weights, so a batch solver's plan
and the real-time insertion are judged by one yardstick: travel, lateness against SLA deadlines,
overtime, and a penalty per order left unplanned (by priority).
"""

from __future__ import annotations

from dataclasses import replace

from fieldpilot.engine.insertion import apply_assignment, insert
from fieldpilot.engine.params import DispatchParams
from fieldpilot.engine.plan import Plan
from fieldpilot.engine.problem import DispatchProblem, PlannedVisit
from fieldpilot.engine.schedule import cached_schedule


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


def plan_cost(problem: DispatchProblem, *, params: DispatchParams) -> float:
    """Travel + lateness + overtime of every route as scheduled, plus unplanned penalties."""
    total = 0.0
    for tech in problem.technicians:
        schedule = cached_schedule(problem, tech, params=params)
        overtime = max(0, schedule.home_arrival - tech.shift_end) if tech.route else 0
        total += params.travel_weight * schedule.travel + schedule.lateness + params.overtime_weight * overtime
    for order in problem.unplanned_orders():
        total += params.unplanned_penalties[order.priority - 1]
    return total


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
