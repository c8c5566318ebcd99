"""The re-plan benchmark: a region planned order by order in the morning, then re-planned in batch.

The current plan comes from the real-time insertion (each order placed as it arrived, in id order);
the batch optimizer starts from it under a wall-clock budget. Reported: the current plan's cost, the
time until the search first holds a plan cheaper than its warm start, the final cost after re-timing
and repair, and the checker's verdict.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from typing import Any

from fieldpilot.benchmarking.scenario import a_region
from fieldpilot.engine.checker import check_plan
from fieldpilot.engine.costing import plan_cost
from fieldpilot.engine.insertion import apply_assignment, insert
from fieldpilot.engine.params import DispatchParams
from fieldpilot.engine.problem import DispatchProblem
from fieldpilot.engine.solvers.dispatch import solve_batch
from fieldpilot.engine.solvers.routing import SearchBudget


@dataclass(frozen=True)
class ReplanReport:
    technicians: int
    orders: int
    seconds_budget: float
    seed: int
    insertion_seconds: float
    current_cost: float
    current_unplanned: int
    first_improvement_seconds: float | None
    final_cost: float
    final_unplanned: int
    gain_percent: float
    search_iterations: int
    total_seconds: float
    violations: int
    applied: bool

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def rows(self) -> list[tuple[str, str]]:
        first = self.first_improvement_seconds
        return [
            ("current plan (real-time insertion) cost", f"{self.current_cost:,.0f}"),
            ("current plan unplanned orders", str(self.current_unplanned)),
            ("insertion of all orders, seconds", f"{self.insertion_seconds:.2f}"),
            ("time to first improved plan, seconds", "-" if first is None else f"{first:.2f}"),
            (f"final cost at {self.seconds_budget:g} s", f"{self.final_cost:,.0f}"),
            ("final unplanned orders", str(self.final_unplanned)),
            ("gain, %", f"{self.gain_percent:.1f}"),
            ("search iterations", str(self.search_iterations)),
            ("wall seconds (search + re-timing + checks)", f"{self.total_seconds:.2f}"),
            ("checker violations", str(self.violations)),
            ("seed", str(self.seed)),
        ]


def planned_by_insertion(problem: DispatchProblem, *, params: DispatchParams) -> DispatchProblem:
    for order in problem.orders:
        decision = insert(problem, order.id, params=params)
        if decision.assignment is not None:
            problem = apply_assignment(problem, decision.assignment, params=params)
    return problem


def run_replan(*, technicians: int, orders: int, seconds: float, seed: int) -> ReplanReport:
    params = DispatchParams()
    region = a_region(technicians=technicians, orders=orders, seed=seed)
    started = time.perf_counter()
    current = planned_by_insertion(region, params=params)
    insertion_seconds = time.perf_counter() - started
    current_cost = plan_cost(current, params=params)
    started = time.perf_counter()
    outcome = solve_batch(current, SearchBudget(max_seconds=seconds), seed=seed, params=params)
    total = time.perf_counter() - started
    search = outcome.search
    first = None
    if search is not None and len(search.improvements) > 1:
        first = search.improvements[1][0]
    return ReplanReport(
        technicians=technicians,
        orders=orders,
        seconds_budget=seconds,
        seed=seed,
        insertion_seconds=insertion_seconds,
        current_cost=current_cost,
        current_unplanned=len(current.unplanned_orders()),
        first_improvement_seconds=first,
        final_cost=outcome.cost,
        final_unplanned=len(outcome.plan.unplanned),
        gain_percent=100.0 * (current_cost - outcome.cost) / current_cost if current_cost else 0.0,
        search_iterations=search.iterations if search else 0,
        total_seconds=total,
        violations=len(check_plan(current, outcome.plan, params=params)),
        applied=outcome.replaced_current,
    )
