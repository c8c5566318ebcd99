from __future__ import annotations

import pytest

from fieldpilot.domain.errors import InvalidInput, NotFound
from fieldpilot.engine.plan import current_plan
from fieldpilot.engine.problem import CongestionProfile, PlannedVisit, TravelMatrix, Window
from tests.unit.engine.builders import HOUR, a_line_matrix, a_problem, a_technician, an_order, with_route


def test_problem_indexes_orders_and_technicians() -> None:
    tech = with_route(a_technician(), [PlannedVisit("O-1", 9 * HOUR)])
    problem = a_problem(technicians=[tech], orders=[an_order(), an_order(id="O-2")])
    assert problem.order("O-2").id == "O-2"
    assert problem.assigned_technician == {"O-1": "T-1"}
    assert [o.id for o in problem.unplanned_orders()] == ["O-2"]
    with pytest.raises(NotFound):
        problem.technician("T-9")


def test_current_plan_copies_routes() -> None:
    tech = with_route(a_technician(), [PlannedVisit("O-1", 9 * HOUR)])
    plan = current_plan(a_problem(technicians=[tech], orders=[an_order(duration=1800)]))
    assert plan.routes[0].visits[0].end == 9 * HOUR + 1800


@pytest.mark.parametrize(
    "build",
    [
        lambda: a_problem(orders=[an_order(location=42)]),
        lambda: a_problem(orders=[an_order(), an_order()]),
        lambda: a_problem(technicians=[with_route(a_technician(), [PlannedVisit("nope", 0)])]),
        lambda: a_problem(matrix=a_line_matrix(3)),
    ],
)
def test_problem_refuses_inconsistent_snapshots(build: object) -> None:
    with pytest.raises(InvalidInput):
        build()  # type: ignore[operator]


def test_order_window_must_not_close_before_it_opens() -> None:
    with pytest.raises(InvalidInput):
        an_order(earliest_start=10, latest_start=5)
    assert an_order().start_window.contains(0)
    assert not Window(0, 10).contains(11)


def test_matrix_applies_time_of_day_factor() -> None:
    factors = tuple(1.5 if 68 <= k < 76 else 1.0 for k in range(96))  # 17:00-19:00 slower
    matrix = TravelMatrix([[0, 1000], [1000, 0]], [[0, 9000], [9000, 0]], CongestionProfile(factors))
    assert matrix.duration(0, 1, 10 * HOUR) == 1000
    assert matrix.duration(0, 1, 17 * HOUR + 1800) == 1500
    assert matrix.distance(0, 1) == 9000
