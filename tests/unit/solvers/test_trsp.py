"""TRSP reader, the independent checker on hand-made plans, and solver plans the checker accepts."""

from __future__ import annotations

from pathlib import Path

import pytest

from fieldpilot.benchmarking import trsp
from fieldpilot.benchmarking.runner import feasible_subplan, run_trsp, trsp_plan
from fieldpilot.benchmarking.trsp_check import check_trsp_plan
from fieldpilot.engine.solvers.pyvrp_backend import solve_routing
from fieldpilot.engine.solvers.routing import SearchBudget

# Technician 1 at (0,10): skill 0, tool 0, one unit of part 0. Technician 2 at (10,0): skills 0 and 1,
# no tools, no parts, shift ends at 125. Depot at (0,0).
TINY = """TINY

INFO
CREW COUNT  SKILLS  TOOLS   SPARE PARTS
2      2       2       2

DEPOT TECHNICIANS AND REQUESTS
ID   X     Y     TWS    TWE    Serv   SKILLS   TOOLS    SPARE PARTS
0    0     0     0      1000   0      [] \t[] \t[]
1    0     10    0      1000   0      [0] \t[0] \t[1,0]
2    10    0     0      125    0      [0,1] \t[] \t[0,0]
3    0     20    0      1000   10     [0] \t[0] \t[1,0]
4    20    0     100    200    10     [1] \t[] \t[0,0]
5    0     30    0      1000   10     [0] \t[1] \t[0,1]
6    0     25    0      1000   10     [0] \t[0] \t[1,0]
7    0     50    0      5      10     [0] \t[] \t[0,0]
8    30    0     0      1000   10     [1] \t[] \t[0,0]
"""


@pytest.fixture
def tiny(tmp_path: Path) -> trsp.TrspInstance:
    path = tmp_path / "TINY.txt"
    path.write_text(TINY)
    return trsp.read_trsp(path)


def test_reads_depot_technicians_and_requests(trsp_dir: Path) -> None:
    instance = trsp.read_trsp(trsp_dir / "C103.100_25-5-5-5.txt")
    assert instance.name == "C103.100_25-5-5-5"
    assert (len(instance.technicians), len(instance.requests)) == (25, 100)
    assert instance.technicians[0].skills == frozenset({1, 2, 3, 4})
    assert instance.technicians[0].parts == (5, 0, 3, 0, 0)
    first = instance.requests[0]
    assert (first.id, first.tw_end, first.service, first.tools) == (26, 1127, 90, frozenset({1}))


def test_a_simple_route_costs_its_travel_and_service(tiny: trsp.TrspInstance) -> None:
    verdict = check_trsp_plan(tiny, {1: [3]})
    assert verdict.feasible, verdict.violations
    assert verdict.duration == pytest.approx(30.0)
    assert verdict.unserved == (4, 5, 6, 7, 8)


def test_waiting_avoided_by_leaving_later_is_not_counted(tiny: trsp.TrspInstance) -> None:
    verdict = check_trsp_plan(tiny, {2: [4]})
    assert verdict.feasible, verdict.violations
    assert verdict.duration == pytest.approx(30.0)  # 120 back home, minus 90 of avoidable waiting


def test_skills_are_never_picked_up(tiny: trsp.TrspInstance) -> None:
    verdict = check_trsp_plan(tiny, {1: [0, 4]})
    assert not verdict.feasible
    assert any("lacks skills" in v for v in verdict.violations)


def test_missing_tool_is_allowed_only_after_a_depot_visit(tiny: trsp.TrspInstance) -> None:
    assert any("lacks tools" in v for v in check_trsp_plan(tiny, {1: [5]}).violations)
    after_depot = check_trsp_plan(tiny, {1: [0, 5]})
    assert after_depot.feasible, after_depot.violations
    assert after_depot.duration == pytest.approx(10 + 30 + 10 + 20)


def test_parts_run_out_unless_restocked(tiny: trsp.TrspInstance) -> None:
    assert any("runs out of part 0" in v for v in check_trsp_plan(tiny, {1: [3, 6]}).violations)
    assert check_trsp_plan(tiny, {1: [3, 0, 6]}).feasible


def test_late_arrival_and_late_return_are_violations(tiny: trsp.TrspInstance) -> None:
    assert any("window ends" in v for v in check_trsp_plan(tiny, {1: [7]}).violations)
    assert any("shift ends" in v for v in check_trsp_plan(tiny, {2: [4, 8]}).violations)


def test_a_request_served_twice_or_by_a_stranger_is_refused(tiny: trsp.TrspInstance) -> None:
    assert not check_trsp_plan(tiny, {1: [3], 2: [3]}).feasible
    assert not check_trsp_plan(tiny, {9: [3]}).feasible
    assert not check_trsp_plan(tiny, {1: [2]}).feasible  # another technician's home


def test_solver_plan_on_the_tiny_instance_is_feasible_and_skilled(tiny: trsp.TrspInstance) -> None:
    model = trsp.to_routing_model(tiny)
    result = solve_routing(model, SearchBudget(max_iterations=200), seed=3)
    verdict = check_trsp_plan(tiny, trsp_plan(tiny, result.routes))
    assert verdict.feasible, verdict.violations
    assert 7 in verdict.unserved  # nobody reaches (0,50) by time 5
    assert set(verdict.unserved) == {7}


@pytest.mark.parametrize("name", ["C103.100_25-5-5-5", "R201.100_25-5-5-5"])
def test_solver_plans_pass_the_independent_checker(trsp_dir: Path, name: str) -> None:
    instance = trsp.read_trsp(trsp_dir / f"{name}.txt")
    result = solve_routing(trsp.to_routing_model(instance), SearchBudget(max_iterations=150), seed=1)
    plan = trsp_plan(instance, result.routes)
    verdict = check_trsp_plan(instance, plan)
    assert verdict.feasible, verdict.violations[:3]
    for tech_id, stops in plan.items():
        tech = instance.site(tech_id)
        for site in stops:
            if site:
                assert instance.site(site).skills <= tech.skills
    solver_duration = sum(r.duration for r in result.routes) / trsp.SCALE
    assert verdict.duration == pytest.approx(solver_duration, rel=1e-3)


def test_trsp_runner_reports_unserved_and_gap(trsp_dir: Path) -> None:
    rows = list(run_trsp(trsp_dir, seconds=0.2, seed=1, limit=1))
    assert rows[0].instance == "C103.100_25-5-5-5"
    assert rows[0].feasible
    assert rows[0].bks == pytest.approx(10281.862)


def test_an_infeasible_plan_is_cut_down_to_a_feasible_one(tiny: trsp.TrspInstance) -> None:
    repaired = feasible_subplan(tiny, {1: [3, 6, 4], 2: [4, 8]})
    verdict = check_trsp_plan(tiny, repaired)
    assert verdict.feasible, verdict.violations
    assert repaired[1] in ([3], [6])  # one of the two part-0 requests, and no skill-1 request
    assert repaired[2] in ([4], [8])
