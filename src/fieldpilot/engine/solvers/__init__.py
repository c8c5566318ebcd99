"""Batch optimization behind one interface; the only package that imports the optimization library.

    solve(problem, stop, *, seed, params) -> Plan          the plan to apply (or the current one)
    solve_batch(problem, stop, *, seed, params) -> BatchOutcome   the same, with costs and search stats
    SearchBudget(max_seconds=..., max_iterations=...)     when to stop (iterations: reproducible)

Modules: ``routing`` (library-neutral model), ``pyvrp_backend`` (PyVRP), ``dispatch_model``
(DispatchProblem -> routing model), ``dispatch`` (solve, re-timing, repair, stability).
"""

from __future__ import annotations

from fieldpilot.engine.costing import plan_cost
from fieldpilot.engine.solvers.dispatch import BatchOutcome, solve, solve_batch
from fieldpilot.engine.solvers.routing import SearchBudget

__all__ = ["BatchOutcome", "SearchBudget", "plan_cost", "solve", "solve_batch"]
