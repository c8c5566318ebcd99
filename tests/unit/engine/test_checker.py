"""The plan checker finds each kind of broken rule, and passes a plan that holds."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from fieldpilot.engine.checker import ViolationCode, check_plan
from fieldpilot.engine.params import DispatchParams
from fieldpilot.engine.plan import Plan, Route, ScheduledBreak, ScheduledVisit
from fieldpilot.engine.problem import (
    BreakWindow,
    PinKind,
    PlannedVisit,
    Restock,
    WarehouseStock,
    Window,
)
from tests.unit.engine.builders import HOUR, MINUTE, a_problem, a_technician, an_order, with_route

START = 8 * HOUR + 10 * MINUTE  # the first visit, one step (10 min) from home


def one_visit(*, start: int = START, duration: int = 30 * MINUTE, **extra: Any) -> Plan:
    visit = ScheduledVisit("O-1", start, start + duration, extra.pop("restock", None))
    return Plan((Route("T-1", (visit,), tuple(extra.pop("breaks", ()))),))


def codes(tech: Any = None, orders: Any = None, plan: Plan | None = None, **problem: Any) -> set[ViolationCode]:
    technicians = [tech or a_technician()]
    found = check_plan(
        a_problem(technicians=technicians, orders=orders or [an_order()], **problem),
        plan or one_visit(),
        params=DispatchParams(promise_tolerance=0),
    )
    return {v.code for v in found}


def test_a_plan_that_holds_has_no_violations() -> None:
    assert codes() == set()


@pytest.mark.parametrize(
    ("order", "expected"),
    [
        ({"required_skills": {"boiler": 1}}, ViolationCode.SKILL),
        ({"required_certifications": frozenset({"gas"})}, ViolationCode.CERTIFICATION),
        ({"required_tools": frozenset({"ladder"})}, ViolationCode.TOOLS),
        ({"territory": "south"}, None),
        ({"excluded_technicians": frozenset({"T-1"})}, ViolationCode.CUSTOMER_EXCLUDED),
        ({"required_technicians": frozenset({"T-2"})}, ViolationCode.NOT_REQUIRED_TECHNICIAN),
        ({"parts": {"valve": 1}}, ViolationCode.PARTS),
        ({"duration": 20 * MINUTE}, ViolationCode.WRONG_DURATION),
        ({"latest_start": 8 * HOUR}, ViolationCode.TIME_WINDOW),
        ({"earliest_start": 9 * HOUR}, ViolationCode.TIME_WINDOW),
        ({"promised_window": Window(10 * HOUR, 11 * HOUR)}, ViolationCode.PROMISED_WINDOW),
    ],
)
def test_finds_order_rule_violations(order: dict[str, Any], expected: ViolationCode | None) -> None:
    assert codes(orders=[an_order(**order)]) == ({expected} if expected else set())


def test_finds_territory_violation_when_the_technician_is_bound_to_one() -> None:
    tech = a_technician(territories=frozenset({"north"}))
    assert codes(tech=tech, orders=[an_order(territory="south")]) == {ViolationCode.TERRITORY}


def test_finds_time_violations() -> None:
    assert ViolationCode.TRAVEL_TOO_SHORT in codes(plan=one_visit(start=8 * HOUR + 5 * MINUTE))
    assert ViolationCode.BEFORE_SHIFT in codes(plan=one_visit(start=7 * HOUR))
    late = a_technician(shift_end=9 * HOUR)
    assert ViolationCode.AFTER_SHIFT in codes(tech=late, plan=one_visit(start=8 * HOUR + 40 * MINUTE))
    absent = a_technician(absences=(Window(8 * HOUR + 20 * MINUTE, 9 * HOUR),))
    assert codes(tech=absent) == {ViolationCode.ABSENCE}


def test_breaks_must_be_taken_inside_their_window_and_apart_from_visits() -> None:
    tech = a_technician(breaks=(BreakWindow(8 * HOUR, 9 * HOUR, 30 * MINUTE),))
    assert codes(tech=tech) == {ViolationCode.BREAK_MISSING}
    taken = ScheduledBreak(8 * HOUR + 40 * MINUTE, 9 * HOUR + 10 * MINUTE)
    assert codes(tech=tech, plan=one_visit(breaks=[taken])) == {ViolationCode.BREAK_MISSING}
    good = ScheduledBreak(8 * HOUR + 30 * MINUTE, 9 * HOUR)
    overlapping = one_visit(start=8 * HOUR + 40 * MINUTE, breaks=[good])
    assert ViolationCode.BREAK_OVERLAP in codes(tech=tech, plan=overlapping)
    assert codes(tech=tech, plan=one_visit(start=9 * HOUR + 10 * MINUTE, breaks=[good])) == set()


def test_finds_double_booking_and_orders_planned_twice() -> None:
    first = ScheduledVisit("O-1", START, START + 30 * MINUTE)
    second = ScheduledVisit("O-2", START + 20 * MINUTE, START + 50 * MINUTE)
    plan = Plan((Route("T-1", (first, second)),))
    orders = [an_order(), an_order(id="O-2")]
    assert ViolationCode.OVERLAP in codes(orders=orders, plan=plan)
    twice = Plan((Route("T-1", (first,)),), unplanned=("O-1",))
    assert ViolationCode.ORDER_PLANNED_TWICE in codes(plan=twice)
    unknown = Plan((Route("T-9", ()), Route("T-1", (replace(first, order_id="O-9"),))))
    assert {ViolationCode.UNKNOWN_TECHNICIAN, ViolationCode.UNKNOWN_ORDER} <= codes(plan=unknown)


def test_restocks_count_against_warehouse_stock_and_feed_the_van() -> None:
    store = [WarehouseStock("W-1", location=1, stock={"valve": 1}, pickup_seconds=0)]
    order = an_order(location=1, parts={"valve": 1})
    fed = one_visit(restock=Restock(0, {"valve": 1}))
    assert codes(orders=[order], plan=fed, warehouses=store) == set()
    greedy = one_visit(restock=Restock(0, {"valve": 2}))
    assert codes(orders=[order], plan=greedy, warehouses=store) == {ViolationCode.WAREHOUSE_STOCK}


def test_pins_must_stay_with_their_technician_in_order_and_fixed_starts_must_not_move() -> None:
    pinned = with_route(
        a_technician(),
        [PlannedVisit("O-1", START, PinKind.ON_SITE), PlannedVisit("O-2", START + HOUR, PinKind.LOCKED)],
    )
    other = a_technician(id="T-2")
    orders = [an_order(), an_order(id="O-2")]
    problem = a_problem(technicians=[pinned, other], orders=orders)
    on_site = ScheduledVisit("O-1", START, START + 30 * MINUTE)
    locked = ScheduledVisit("O-2", START + HOUR, START + HOUR + 30 * MINUTE)

    def found(plan: Plan) -> set[ViolationCode]:
        return {v.code for v in check_plan(problem, plan)}

    assert found(Plan((Route("T-1", (on_site, locked)), Route("T-2")))) == set()
    assert ViolationCode.PIN_MOVED in found(Plan((Route("T-1", (on_site,)), Route("T-2", (locked,)))))
    assert ViolationCode.PIN_DROPPED in found(Plan((Route("T-1", (on_site,)),), unplanned=("O-2",)))
    moved = replace(on_site, start=START + 60, end=START + 60 + 30 * MINUTE)
    assert ViolationCode.FIXED_START_MOVED in found(Plan((Route("T-1", (moved, locked)),)))


@pytest.mark.parametrize(("pin", "owed"), [(PinKind.ON_SITE, True), (None, False)])
def test_a_break_after_a_visit_under_way_may_come_past_its_window_but_never_during_it(
    pin: PinKind | None, owed: bool
) -> None:
    """On site 11:30-13:15; the 30-min break should start by 13:00, but the visit is not interrupted."""
    start, end = 11 * HOUR + 30 * MINUTE, 13 * HOUR + 15 * MINUTE
    tech = with_route(
        a_technician(breaks=(BreakWindow(12 * HOUR, 13 * HOUR + 30 * MINUTE, 30 * MINUTE),), start_location=1),
        [PlannedVisit("O-1", start, pin)],
    )
    tech = replace(tech, earliest_start=start)
    problem = a_problem(technicians=[tech], orders=[an_order(duration=end - start)], now=start)
    visit = ScheduledVisit("O-1", start, end)

    def found(*breaks: ScheduledBreak) -> set[ViolationCode]:
        return {v.code for v in check_plan(problem, Plan((Route("T-1", (visit,), breaks),)))}

    assert found(ScheduledBreak(end, end + 30 * MINUTE)) == (set() if owed else {ViolationCode.BREAK_MISSING})
    assert ViolationCode.BREAK_OVERLAP in found(ScheduledBreak(12 * HOUR, 12 * HOUR + 30 * MINUTE))


def test_a_time_locked_visit_must_keep_its_start_and_its_technician() -> None:
    at = 10 * HOUR
    tech = with_route(a_technician(), [PlannedVisit("O-1", at, PinKind.LOCKED_TIME)])
    problem = a_problem(technicians=[tech, a_technician(id="T-2")], orders=[an_order(latest_start=9 * HOUR)])

    def found(plan: Plan) -> set[ViolationCode]:
        return {v.code for v in check_plan(problem, plan)}

    kept = ScheduledVisit("O-1", at, at + 30 * MINUTE)
    # the locked start replaces the order's window (it closed at 9:00)
    assert found(Plan((Route("T-1", (kept,)),))) == set()
    later = ScheduledVisit("O-1", at + 60, at + 60 + 30 * MINUTE)
    assert found(Plan((Route("T-1", (later,)),))) == {ViolationCode.TIME_LOCK_MOVED}
    assert ViolationCode.TIME_LOCK_MOVED in found(Plan((Route("T-1"), Route("T-2", (kept,)))))
    assert found(Plan((Route("T-1"),), unplanned=("O-1",))) == {ViolationCode.PIN_DROPPED}
    # unlike a visit under way, it must still be reached in time
    rushed = with_route(a_technician(), [PlannedVisit("O-1", 8 * HOUR + 5 * MINUTE, PinKind.LOCKED_TIME)])
    early = ScheduledVisit("O-1", 8 * HOUR + 5 * MINUTE, 8 * HOUR + 35 * MINUTE)
    codes_found = {
        v.code
        for v in check_plan(a_problem(technicians=[rushed], orders=[an_order()]), Plan((Route("T-1", (early,)),)))
    }
    assert codes_found == {ViolationCode.TRAVEL_TOO_SHORT}
