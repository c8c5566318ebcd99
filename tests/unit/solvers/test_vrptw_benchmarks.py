"""Solomon / Gehring–Homberger readers, scoring, and the PyVRP backend on them (iteration budgets)."""

from __future__ import annotations

from pathlib import Path

import pytest

from fieldpilot.benchmarking import vrptw
from fieldpilot.benchmarking.runner import run_vrptw
from fieldpilot.engine.solvers.pyvrp_backend import solve_routing
from fieldpilot.engine.solvers.routing import SearchBudget

QUICK = SearchBudget(max_iterations=300)


def test_reads_solomon_header_depot_and_customers(solomon_dir: Path) -> None:
    instance = vrptw.read_vrptw(solomon_dir / "R101.txt")
    assert (instance.name, instance.vehicles, instance.capacity, instance.num_customers) == ("R101", 25, 200, 100)
    assert (instance.x[0], instance.y[0], instance.due[0]) == (35.0, 35.0, 230)
    assert (instance.demand[1], instance.ready[1], instance.due[1], instance.service[1]) == (10, 161, 171, 10)


def test_reads_homberger_layout(homberger_dir: Path) -> None:
    instance = vrptw.read_vrptw(homberger_dir / "c1_2_1.txt")
    assert instance.num_customers == 200
    assert instance.vehicles == 50


def test_distance_only_bks_is_picked_when_asked(solomon_dir: Path) -> None:
    path = solomon_dir / "vroom-scripts_VRPTW_BKS.json"
    distance = vrptw.read_vrptw_bks(path, distance_only=True)
    hierarchical = vrptw.read_vrptw_bks(path, distance_only=False)
    assert distance["R101"].cost == pytest.approx(1642.88)
    assert hierarchical["R101"].cost == pytest.approx(1645.79)
    assert hierarchical["R101"].vehicles == 19


def test_score_flags_late_customers_and_missing_ones(solomon_dir: Path) -> None:
    instance = vrptw.read_vrptw(solomon_dir / "R101.txt")
    one_route_each = [[c] for c in range(1, 101)]
    assert vrptw.score_routes(instance, one_route_each).violations  # 100 vehicles > 25
    reversed_route = [list(range(100, 0, -1))]
    verdict = vrptw.score_routes(instance, reversed_route)
    assert any("after" in v for v in verdict.violations)
    assert vrptw.score_routes(instance, [[1, 2]]).served == 2


@pytest.mark.parametrize("name", ["C101", "R101", "RC201"])
def test_solver_routes_are_feasible_in_double_precision(solomon_dir: Path, name: str) -> None:
    instance = vrptw.read_vrptw(solomon_dir / f"{name}.txt")
    result = solve_routing(vrptw.to_routing_model(instance), QUICK, seed=1)
    score = vrptw.score_routes(instance, [[j + 1 for j in r.job_indices] for r in result.routes])
    assert result.feasible
    assert score.violations == ()
    assert score.served == 100
    best = vrptw.read_vrptw_bks(solomon_dir / "vroom-scripts_VRPTW_BKS.json", distance_only=True)[name]
    assert best.cost * 0.999 <= score.distance <= best.cost * 1.25


def test_same_seed_and_iterations_give_the_same_routes(solomon_dir: Path) -> None:
    model = vrptw.to_routing_model(vrptw.read_vrptw(solomon_dir / "RC201.txt"))
    first = solve_routing(model, SearchBudget(max_iterations=150), seed=7)
    second = solve_routing(model, SearchBudget(max_iterations=150), seed=7)
    assert [r.job_indices for r in first.routes] == [r.job_indices for r in second.routes]
    assert first.cost == second.cost


def test_runner_scores_every_instance_against_its_bks(solomon_dir: Path) -> None:
    rows = list(run_vrptw(solomon_dir, seconds=0.05, seed=1, limit=2))
    assert [r.instance for r in rows] == ["C101", "R101"]
    assert all(r.bks > 0 for r in rows)
