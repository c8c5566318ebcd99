"""Customers' waiting in the engine's cost: the knock-on wait of visits pushed later, and the
re-plan's relocation search that lowers the plan cost one visit at a time."""

from __future__ import annotations

from dataclasses import replace

import pytest

from fieldpilot.engine.checker import check_plan
from fieldpilot.engine.costing import plan_cost
from fieldpilot.engine.improve import relocate
from fieldpilot.engine.insertion import apply_assignment, evaluate_force_assign, insert, plan_of
from fieldpilot.engine.params import DispatchParams
from fieldpilot.engine.problem import DispatchProblem, PinKind, PlannedVisit, Window
from tests.unit.engine.builders import HOUR, MINUTE, a_problem, a_technician, an_order, with_route

PARAMS = DispatchParams()


def _busy_and_idle(new_priority: int = 4) -> DispatchProblem:
    """T-1 sits at place 5 with four P3 visits there (30 min each); T-2 is idle two steps away."""
    queued = [an_order(id=f"Q-{i}", location=5, priority=3) for i in range(4)]
    route = [PlannedVisit(o.id, 8 * HOUR + i * 30 * MINUTE) for i, o in enumerate(queued)]
    busy = with_route(a_technician(id="T-1", start_location=5, end_location=5), route)
    idle = a_technician(id="T-2", start_location=7, end_location=7)
    new = an_order(id="NEW", location=5, priority=new_priority)
    return a_problem(technicians=[busy, idle], orders=[*queued, new])


def test_pushing_queued_visits_later_costs_their_customers_wait() -> None:
    problem = _busy_and_idle()

    front = evaluate_force_assign(problem, "NEW", "T-1", 0, params=PARAMS).candidate

    # four P3 customers wait 30 more minutes each
    rate = PARAMS.waiting_cost_per_second(priority=3, tier="standard")
    assert front.cost.delay_cost == pytest.approx(4 * 30 * MINUTE * rate)
    assert front.cost.waiting == pytest.approx(front.cost.delay_cost)  # the new customer waits 0


def test_a_low_priority_order_goes_to_the_idle_technician_rather_than_in_front_of_a_queue() -> None:
    decision = insert(_busy_and_idle(), "NEW", params=PARAMS)

    assert decision.assignment is not None
    assert decision.assignment.technician_id == "T-2"
    assert decision.record.to_dict()["winner"]["cost"]["delay_cost"] == 0


def test_an_emergency_still_jumps_the_queue_when_that_is_cheapest() -> None:
    decision = insert(_busy_and_idle(new_priority=1), "NEW", params=PARAMS)

    assert decision.assignment is not None
    assert (decision.assignment.technician_id, decision.assignment.position) in {("T-1", 0), ("T-2", 0)}
    assert decision.assignment.planned_start <= 8 * HOUR + 20 * MINUTE


def _badly_placed() -> DispatchProblem:
    """T-1 holds three visits at place 1 (the first on its way there); T-2 is idle at place 1."""
    orders = [an_order(id=f"V-{i}", location=1, priority=3) for i in range(3)]
    route = [
        PlannedVisit("V-0", 8 * HOUR + 10 * MINUTE, pin=PinKind.EN_ROUTE),
        PlannedVisit("V-1", 8 * HOUR + 40 * MINUTE),
        PlannedVisit("V-2", 9 * HOUR + 10 * MINUTE),
    ]
    busy = with_route(a_technician(id="T-1", start_location=0), route)
    idle = a_technician(id="T-2", start_location=1, end_location=1)
    return a_problem(technicians=[busy, idle], orders=orders)


def test_relocation_lowers_the_plan_cost_and_keeps_the_plan_valid() -> None:
    problem = _badly_placed()
    before = plan_cost(problem, params=PARAMS)

    result = relocate(problem, params=PARAMS)

    assert result.moves >= 1
    assert plan_cost(result.problem, params=PARAMS) == pytest.approx(before - result.gain)
    assert result.gain > 0
    assert check_plan(problem, plan_of(result.problem, params=PARAMS), params=PARAMS) == []  # pins of the input
    assert result.problem.assigned_technician["V-0"] == "T-1"  # en route: never moves
    assert {result.problem.assigned_technician[o] for o in ("V-1", "V-2")} & {"T-2"}


def test_relocation_keeps_a_promise_and_leaves_locked_visits_alone() -> None:
    problem = _badly_placed()
    promise = Window(9 * HOUR, 10 * HOUR)
    orders = tuple(
        o if o.id != "V-2" else an_order(id="V-2", location=1, priority=3, promised_window=promise)
        for o in problem.orders
    )
    tech = problem.technicians[0]
    route = (
        tech.route[0],
        PlannedVisit("V-1", 8 * HOUR + 40 * MINUTE, pin=PinKind.LOCKED),
        PlannedVisit("V-2", 9 * HOUR + 10 * MINUTE, pin=PinKind.PROMISED, promised_window=promise),
    )
    problem = replace(problem, orders=orders, technicians=(replace(tech, route=route), problem.technicians[1]))

    result = relocate(problem, params=PARAMS)

    assert result.problem.assigned_technician["V-1"] == "T-1"
    plan = plan_of(result.problem, params=PARAMS)
    start = next(v.start for r in plan.routes for v in r.visits if v.order_id == "V-2")
    assert promise.start - PARAMS.promise_tolerance <= start <= promise.end + PARAMS.promise_tolerance
    assert check_plan(problem, plan, params=PARAMS) == []  # judged against the input's pins


def test_relocation_is_deterministic() -> None:
    first = relocate(_badly_placed(), params=PARAMS)
    second = relocate(_badly_placed(), params=PARAMS)

    assert plan_of(first.problem, params=PARAMS) == plan_of(second.problem, params=PARAMS)
    assert (first.moves, first.gain) == (second.moves, second.gain)


def test_a_visit_under_way_that_overran_keeps_the_technician_busy_until_now() -> None:
    long_job = an_order(id="ON", location=1, priority=3)
    route = [PlannedVisit("ON", 8 * HOUR, pin=PinKind.ON_SITE)]  # estimated 30 min, still there at 10:00
    stuck = with_route(a_technician(id="T-1", start_location=1, end_location=1), route)
    new = an_order(id="NEW", location=1, priority=1)
    problem = a_problem(technicians=[stuck], orders=[long_job, new], now=10 * HOUR)

    decision = insert(problem, "NEW", params=PARAMS)

    assert decision.assignment is not None
    assert decision.assignment.planned_start >= 10 * HOUR


def test_an_emergency_may_be_served_before_its_promised_window_but_a_routine_visit_may_not() -> None:
    promise = Window(12 * HOUR, 13 * HOUR)
    for priority, early in ((1, True), (3, False)):
        order = an_order(id="P", location=1, priority=priority, promised_window=promise)
        problem = a_problem(technicians=[a_technician(id="T-1", start_location=1)], orders=[order])

        decision = insert(problem, "P", params=PARAMS)

        assert decision.assignment is not None
        assert (decision.assignment.planned_start < promise.start - PARAMS.promise_tolerance) is early
        assert check_plan(problem, plan_of(apply_assignment(problem, decision.assignment), params=PARAMS)) == []
    assert (
        DispatchParams(early_service_priorities=0).keeps_promise(
            priority=1, start=0, promised_start=promise.start, promised_end=promise.end
        )
        is False
    )


def test_a_promise_binds_the_time_not_the_technician_while_a_lock_binds_both() -> None:
    promise = Window(8 * HOUR, 9 * HOUR)
    order = an_order(id="V", location=1, priority=3, promised_window=promise)
    for pin, allowed in ((PinKind.PROMISED, True), (PinKind.LOCKED, False)):
        holder = with_route(a_technician(id="T-1"), [PlannedVisit("V", 8 * HOUR + 10 * MINUTE, pin=pin)])
        other = a_technician(id="T-2", start_location=1)
        problem = a_problem(technicians=[holder, other], orders=[order])
        moved = replace(
            problem, technicians=(replace(holder, route=()), with_route(other, [PlannedVisit("V", 8 * HOUR)]))
        )

        codes = {v.code.value for v in check_plan(problem, plan_of(moved, params=PARAMS), params=PARAMS)}

        assert ("PIN_MOVED" not in codes) is allowed
