"""Re-plan neighbourhoods: which technicians and orders a scoped re-plan works on."""

from __future__ import annotations

from dataclasses import replace

from fieldpilot.engine.checker import check_plan
from fieldpilot.engine.insertion import plan_of
from fieldpilot.engine.params import DispatchParams
from fieldpilot.engine.problem import PlannedVisit, Restock, WarehouseStock
from fieldpilot.engine.scope import at_risk, neighbourhood
from fieldpilot.service.replan import greedy_fill
from tests.unit.engine.builders import HOUR, a_problem, a_technician, an_order, with_route

PARAMS = DispatchParams()


def a_line_of_technicians(count: int = 10, *, unplanned: tuple[int, ...] = (), now: int = 8 * HOUR):
    """Technicians T-00.. at places 0, 4, 8, ... of a line, each with one visit one step further on;
    unplanned orders at the given places."""
    techs, orders = [], []
    for i in range(count):
        visit = an_order(id=f"V-{i:02d}", location=4 * i + 1)
        orders.append(visit)
        tech = a_technician(id=f"T-{i:02d}", start_location=4 * i, end_location=4 * i)
        techs.append(with_route(tech, [PlannedVisit(visit.id, 9 * HOUR)]))
    for k, place in enumerate(unplanned):
        orders.append(an_order(id=f"N-{k}", location=place, priority=2))
    return a_problem(technicians=techs, orders=orders, locations=4 * count, now=now)


def test_a_fleet_no_larger_than_the_size_is_replanned_whole() -> None:
    problem = a_line_of_technicians(5)
    assert neighbourhood(problem, size=5, orders=["V-00"]) is problem


def test_the_technicians_nearest_the_focus_order_are_taken_with_their_visits() -> None:
    problem = a_line_of_technicians(10, unplanned=(22,))
    scoped = neighbourhood(problem, size=3, orders=["N-0"])
    # 22 is nearest T-05 (place 20, visiting 21) then T-06 (24, 25), then T-04 (16, 17) and T-07 (28)
    assert sorted(t.id for t in scoped.technicians) == ["T-04", "T-05", "T-06"]
    assert sorted(o.id for o in scoped.orders) == ["N-0", "V-04", "V-05", "V-06"]
    assert scoped.matrix is problem.matrix and scoped.now == problem.now


def test_named_technicians_come_first_then_the_neighbours_of_each_focus_in_turn() -> None:
    problem = a_line_of_technicians(10, unplanned=(2, 37))
    scoped = neighbourhood(problem, size=4, orders=["N-0", "N-1"], technicians=["T-05"])
    # T-05, then N-0's nearest (T-00), N-1's (T-09, whose visit is there), N-0's next (T-01)
    assert [t.id for t in scoped.technicians] == ["T-00", "T-01", "T-05", "T-09"]


def test_unplanned_orders_go_with_the_neighbourhood_that_holds_their_nearest_technician() -> None:
    problem = a_line_of_technicians(10, unplanned=(1, 38))
    scoped = neighbourhood(problem, size=2, technicians=["T-00", "T-01"])
    assert {o.id for o in scoped.orders} == {"V-00", "V-01", "N-0"}  # N-1 is T-09's


def test_a_periodic_replan_centres_on_what_is_at_risk() -> None:
    problem = a_line_of_technicians(10, unplanned=(30,))
    assert at_risk(problem, params=PARAMS) == ["N-0"]
    scoped = neighbourhood(problem, size=2)
    assert sorted(t.id for t in scoped.technicians) == ["T-07", "T-08"]


def test_late_and_broken_promise_visits_are_at_risk_most_urgent_first() -> None:
    problem = a_line_of_technicians(3)
    late = an_order(id="V-00", location=1, sla_deadline=8 * HOUR, priority=3)
    urgent = an_order(id="V-01", location=5, sla_deadline=8 * HOUR, priority=1)
    orders = (late, urgent, *problem.orders[2:])
    problem = a_problem(technicians=problem.technicians, orders=orders, locations=12)
    assert at_risk(problem, params=PARAMS) == ["V-01", "V-00"]


def test_with_nothing_at_risk_periodic_replans_sweep_the_technicians_in_turn() -> None:
    seen = {
        tuple(t.id for t in neighbourhood(a_line_of_technicians(10, now=8 * HOUR + 60 * k), size=1).technicians)
        for k in range(10)
    }
    assert len(seen) == 10


def test_parts_fetched_by_technicians_outside_stay_reserved() -> None:
    problem = a_line_of_technicians(4)
    store = WarehouseStock("W-1", 0, {"valve": 3})
    outside = with_route(problem.technicians[3], [PlannedVisit("V-03", 9 * HOUR, restock=Restock(0, {"valve": 2}))])
    problem = a_problem(
        technicians=(*problem.technicians[:3], outside), orders=problem.orders, locations=16, warehouses=[store]
    )
    scoped = neighbourhood(problem, size=1, technicians=["T-00"])
    assert dict(scoped.warehouses[0].stock) == {"valve": 1}
    inside = neighbourhood(problem, size=1, technicians=["T-03"])
    assert dict(inside.warehouses[0].stock) == {"valve": 3}


def test_a_plan_of_the_neighbourhood_with_everyone_else_unchanged_passes_the_checker() -> None:
    problem = a_line_of_technicians(10, unplanned=(9, 10, 11, 13))
    scoped = neighbourhood(problem, size=3, orders=["N-1"])
    solved = greedy_fill(scoped, params=PARAMS)
    assert not solved.unplanned_orders()
    routes = {t.id: t for t in solved.technicians}
    merged = problem.derived(tuple(routes.get(t.id, t) for t in problem.technicians))
    assert [
        v for v in check_plan(problem, plan_of(merged, params=PARAMS), params=PARAMS) if v.code != "UNPLANNED"
    ] == []


def test_technicians_off_shift_today_are_taken_only_when_nobody_else_is_left() -> None:
    problem = a_line_of_technicians(5, unplanned=(0,))
    first, *middle, last = problem.technicians
    resting = [replace(t, shift_end=t.shift_start) for t in (first, last)]
    problem = a_problem(technicians=(resting[0], *middle, resting[1]), orders=problem.orders, locations=20)
    assert [t.id for t in neighbourhood(problem, size=2, orders=["N-0"]).technicians] == ["T-01", "T-02"]
    # three on shift, then the resting technician nearest the order
    assert [t.id for t in neighbourhood(problem, size=4, orders=["N-0"]).technicians] == [
        "T-00",
        "T-01",
        "T-02",
        "T-03",
    ]
