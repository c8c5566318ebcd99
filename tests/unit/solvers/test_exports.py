"""The solvers package's public surface is exactly what it re-exports."""

from __future__ import annotations

import fieldpilot.engine.solvers as solvers


def test_public_names_are_the_documented_ones() -> None:
    public = {name for name in dir(solvers) if not name.startswith("_")}
    modules = {"dispatch", "dispatch_model", "pyvrp_backend", "routing", "annotations"}
    assert public - modules == set(solvers.__all__)
    assert set(solvers.__all__) == {"BatchOutcome", "SearchBudget", "plan_cost", "solve", "solve_batch"}
