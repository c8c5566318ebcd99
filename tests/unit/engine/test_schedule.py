"""Route schedules: earliest starts, breaks, absences, restocks, congestion, and the cached replay."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from fieldpilot.engine.checker import check_plan
from fieldpilot.engine.insertion import plan_of
from fieldpilot.engine.params import DispatchParams
from fieldpilot.engine.problem import (
    BreakWindow,
    CongestionProfile,
    PinKind,
    PlannedVisit,
    Restock,
    TravelMatrix,
    WarehouseStock,
    Window,
)
from fieldpilot.engine.schedule import cached_schedule, carry_schedules, make_stop, schedule_route
from tests.unit.engine.builders import HOUR, MINUTE, a_problem, a_technician, an_order, with_route

PARAMS = DispatchParams()


def test_waits_for_the_window_and_leaves_as_soon_as_a_visit_ends() -> None:
    tech = with_route(a_technician(), [PlannedVisit("A", 0), PlannedVisit("B", 0)])
    orders = [an_order(id="A", location=1, earliest_start=9 * HOUR), an_order(id="B", location=3)]
    schedule = schedule_route(a_problem(technicians=[tech], orders=orders), tech, params=PARAMS)
    assert schedule.starts == [9 * HOUR, 9 * HOUR + 30 * MINUTE + 20 * MINUTE]
    assert schedule.travel == 600 + 1200 + 1800
    assert schedule.feasible


def test_takes_the_break_in_the_first_gap_after_its_window_opens() -> None:
    tech = with_route(
        a_technician(breaks=(BreakWindow(9 * HOUR, 11 * HOUR, 30 * MINUTE),)),
        [PlannedVisit("A", 0), PlannedVisit("B", 0)],
    )
    orders = [an_order(id="A", location=1, duration=HOUR), an_order(id="B", location=1)]
    schedule = schedule_route(a_problem(technicians=[tech], orders=orders), tech, params=PARAMS)
    assert [(b.start, b.end) for b in schedule.breaks] == [(9 * HOUR + 10 * MINUTE, 9 * HOUR + 40 * MINUTE)]
    assert schedule.starts[1] == 9 * HOUR + 40 * MINUTE


def test_takes_the_break_early_when_the_next_visit_would_run_past_it() -> None:
    tech = with_route(a_technician(breaks=(BreakWindow(9 * HOUR, 10 * HOUR, 30 * MINUTE),)), [PlannedVisit("A", 0)])
    orders = [an_order(id="A", location=1, earliest_start=9 * HOUR, duration=2 * HOUR)]
    schedule = schedule_route(a_problem(technicians=[tech], orders=orders), tech, params=PARAMS)
    assert [(b.start, b.end) for b in schedule.breaks] == [(9 * HOUR, 9 * HOUR + 30 * MINUTE)]
    assert schedule.starts == [9 * HOUR + 40 * MINUTE]


def test_skips_past_absences_and_keeps_fixed_starts() -> None:
    tech = with_route(
        a_technician(absences=(Window(7 * HOUR, 10 * HOUR),), start_location=2),
        [PlannedVisit("A", 7 * HOUR, PinKind.ON_SITE), PlannedVisit("B", 0)],
    )
    orders = [an_order(id="A", location=2), an_order(id="B", location=2)]
    schedule = schedule_route(a_problem(technicians=[tech], orders=orders), tech, params=PARAMS)
    assert schedule.starts == [7 * HOUR, 10 * HOUR]
    assert schedule.first_free == 1


def test_restock_detour_adds_the_warehouse_leg_and_pickup() -> None:
    tech = with_route(a_technician(), [PlannedVisit("A", 0, restock=Restock(0, {"valve": 1}))])
    orders = [an_order(id="A", location=2, parts={"valve": 1})]
    stores = [WarehouseStock("W", location=1, stock={"valve": 1}, pickup_seconds=300)]
    problem = a_problem(technicians=[tech], orders=orders, warehouses=stores)
    schedule = schedule_route(problem, tech, params=PARAMS)
    assert schedule.starts == [8 * HOUR + 600 + 300 + 600]
    assert schedule.van_stock == {"valve": 0}


def test_rush_hour_trips_take_longer() -> None:
    factors = tuple(1.5 if 17 <= k < 19 else 1.0 for k in range(24))
    matrix = TravelMatrix([[0, 1200], [1200, 0]], [[0, 1], [1, 0]], CongestionProfile(factors, 3600))
    assert matrix.duration(0, 1, 10 * HOUR) == 1200
    assert matrix.duration(0, 1, 17 * HOUR + 30 * MINUTE) == 1800
    assert matrix.shortest_duration(0, 1) == 1200


def test_replay_from_a_cached_position_matches_a_full_schedule() -> None:
    visits = [PlannedVisit(f"V-{i}", 0) for i in range(5)]
    tech = with_route(a_technician(breaks=(BreakWindow(12 * HOUR, 14 * HOUR, 30 * MINUTE),)), visits)
    orders = [
        an_order(id=f"V-{i}", location=i + 1, earliest_start=(8 + 2 * i) * HOUR, sla_deadline=9 * HOUR)
        for i in range(5)
    ]
    new = an_order(id="NEW", location=4, duration=45 * MINUTE)
    problem = a_problem(technicians=[tech], orders=[*orders, new])
    cached = schedule_route(problem, tech, params=PARAMS)
    stop = make_stop(new, params=PARAMS)
    for position in range(len(visits) + 1):
        quick = cached.scheduler.replay(
            [stop, *cached.stops[position:]],
            cursor=cached.cursors[position],
            rejoin=cached,
            rejoin_at=position,
        )
        full = schedule_route(
            problem, tech, params=PARAMS, stops=[*cached.stops[:position], stop, *cached.stops[position:]]
        )
        assert (quick.travel, quick.lateness, quick.home_arrival) == (
            full.travel,
            full.lateness,
            full.home_arrival,
        )
        assert quick.first_start == full.starts[position]


def test_a_break_already_past_when_the_day_restarts_counts_as_taken() -> None:
    tech = a_technician(earliest_start=15 * HOUR, breaks=(BreakWindow(12 * HOUR, 14 * HOUR, 30 * MINUTE),))
    tech = with_route(tech, [PlannedVisit("A", 0)])
    schedule = schedule_route(a_problem(technicians=[tech], orders=[an_order(id="A")]), tech, params=PARAMS)
    assert schedule.feasible
    assert schedule.breaks == []


def test_promise_narrows_the_window_by_the_tolerance() -> None:
    order = an_order(promised_window=Window(10 * HOUR, 11 * HOUR))
    stop = make_stop(order, params=replace(PARAMS, promise_tolerance=600))
    assert (stop.window_start, stop.window_end, stop.promised) == (10 * HOUR - 600, 11 * HOUR + 600, True)


def _on_site_across_the_break(*, now: int = 11 * HOUR + 30 * MINUTE) -> tuple[Any, Any]:
    """On site since 11:30 for 1 h 45 (to 13:15); the 30-min break must start by 13:00 (12:00-13:30)."""
    tech = with_route(
        a_technician(breaks=(BreakWindow(12 * HOUR, 13 * HOUR + 30 * MINUTE, 30 * MINUTE),), start_location=2),
        [PlannedVisit("A", 11 * HOUR + 30 * MINUTE, PinKind.ON_SITE), PlannedVisit("B", 0)],
    )
    tech = replace(tech, earliest_start=11 * HOUR + 30 * MINUTE)
    orders = [an_order(id="A", location=2, duration=105 * MINUTE), an_order(id="B", location=3)]
    return a_problem(technicians=[tech], orders=orders, now=now), tech


def test_a_break_is_not_taken_in_the_middle_of_a_visit_under_way() -> None:
    problem, tech = _on_site_across_the_break()
    schedule = schedule_route(problem, tech, params=PARAMS)
    visit_end = 13 * HOUR + 15 * MINUTE
    assert [(b.start, b.end) for b in schedule.breaks] == [(visit_end, visit_end + 30 * MINUTE)]
    assert schedule.starts == [11 * HOUR + 30 * MINUTE, visit_end + 30 * MINUTE + 10 * MINUTE]
    assert schedule.feasible
    assert check_plan(problem, plan_of(problem, params=PARAMS), params=PARAMS) == []


def test_a_visit_under_way_since_after_the_break_opened_still_comes_first() -> None:
    problem, tech = _on_site_across_the_break()
    tech = replace(tech, earliest_start=12 * HOUR + 10 * MINUTE)  # en route since 12:10, 1 h 45 on site
    tech = with_route(tech, [PlannedVisit("A", 12 * HOUR + 10 * MINUTE, PinKind.EN_ROUTE), PlannedVisit("B", 0)])
    problem = replace(problem, technicians=(tech,))
    schedule = schedule_route(problem, tech, params=PARAMS)
    visit_end = 13 * HOUR + 55 * MINUTE
    assert [(b.start, b.end) for b in schedule.breaks] == [(visit_end, visit_end + 30 * MINUTE)]
    assert schedule.feasible
    assert check_plan(problem, plan_of(problem, params=PARAMS), params=PARAMS) == []


def test_a_time_locked_visit_starts_at_its_locked_start_whatever_its_window_said() -> None:
    locked = PlannedVisit("A", 10 * HOUR, PinKind.LOCKED_TIME)
    tech = with_route(a_technician(), [locked, PlannedVisit("B", 0)])
    orders = [an_order(id="A", location=1, earliest_start=8 * HOUR, latest_start=9 * HOUR), an_order(id="B")]
    problem = a_problem(technicians=[tech], orders=orders)
    schedule = schedule_route(problem, tech, params=PARAMS)
    assert schedule.starts == [10 * HOUR, 10 * HOUR + 30 * MINUTE]
    assert schedule.feasible and schedule.first_free == 0  # new visits may still go before it
    stop = make_stop(problem.order("A"), params=PARAMS, visit=locked)
    assert (stop.window_start, stop.window_end, stop.fixed_start, stop.time_locked) == (
        10 * HOUR,
        10 * HOUR,
        None,
        True,
    )


def test_a_time_locked_visit_the_technician_cannot_reach_on_time_fails_as_a_time_lock() -> None:
    tech = with_route(a_technician(), [PlannedVisit("A", 8 * HOUR + 5 * MINUTE, PinKind.LOCKED_TIME)])
    problem = a_problem(technicians=[tech], orders=[an_order(id="A", location=1)])  # 10 minutes away
    schedule = schedule_route(problem, tech, params=PARAMS)
    assert schedule.failure is not None
    assert (schedule.failure.kind, schedule.failure.order_id) == ("time_lock", "A")


def test_schedules_are_carried_to_the_next_snapshot_only_for_routes_whose_requests_are_the_same() -> None:
    ada = with_route(a_technician(id="T-1"), [PlannedVisit("A", 0), PlannedVisit("B", 0)])
    lunch = (BreakWindow(12 * HOUR, 14 * HOUR, 30 * MINUTE), BreakWindow(9 * HOUR, 10 * HOUR, 15 * MINUTE))
    bob = with_route(a_technician(id="T-2", start_location=5, end_location=5, breaks=lunch), [PlannedVisit("C", 0)])
    orders = [an_order(id="A", location=1), an_order(id="B", location=2), an_order(id="C", location=6)]
    before = a_problem(technicians=[ada, bob], orders=[*orders, an_order(id="N", location=3)])
    for tech in before.technicians:
        cached_schedule(before, tech, params=PARAMS)
    longer = replace(orders[1], duration=90 * MINUTE)  # B changed: Ada's route must be scheduled again
    after = replace(before, orders=(orders[0], longer, orders[2], an_order(id="M", location=4)))
    assert carry_schedules(before, after) == frozenset({"T-2"})
    assert ("schedule", "T-1") not in after.memo
    carried, fresh = cached_schedule(after, bob, params=PARAMS), schedule_route(after, bob, params=PARAMS)
    assert carried is not cached_schedule(before, bob, params=PARAMS)  # a copy, on the new problem
    assert carried.scheduler.problem is after and carried.scheduler.breaks == fresh.scheduler.breaks
    assert (carried.starts, carried.breaks, carried.cursors) == (fresh.starts, fresh.breaks, fresh.cursors)
    assert cached_schedule(after, ada, params=PARAMS).starts[1] == schedule_route(after, ada, params=PARAMS).starts[1]


def test_a_schedule_with_a_visit_under_way_is_carried_until_that_visit_overruns() -> None:
    on_site = PlannedVisit("A", 8 * HOUR, PinKind.ON_SITE)  # 08:00-08:30
    # the day (re)starts at 09:00 whatever "now" before it: only the overrun makes the schedule depend on now
    ada = with_route(a_technician(id="T-1", earliest_start=9 * HOUR), [on_site, PlannedVisit("B", 0)])
    orders = [an_order(id="A", location=1), an_order(id="B", location=2)]
    before = a_problem(technicians=[ada], orders=orders, now=8 * HOUR + 10 * MINUTE)
    cached_schedule(before, ada, params=PARAMS)
    for now, carried in ((8 * HOUR + 20 * MINUTE, True), (8 * HOUR + 40 * MINUTE, False)):
        after = replace(before, now=now)
        carry_schedules(before, after)
        assert (("schedule", "T-1") in after.memo) is carried
        if carried:
            assert cached_schedule(after, ada, params=PARAMS).starts == schedule_route(after, ada, params=PARAMS).starts


def test_a_route_scheduled_again_because_now_moved_reuses_its_stops() -> None:
    ada = with_route(a_technician(id="T-1"), [PlannedVisit("A", 0), PlannedVisit("B", 0)])
    orders = [an_order(id="A", location=1), an_order(id="B", location=2, earliest_start=11 * HOUR)]
    before = a_problem(technicians=[ada], orders=orders, now=8 * HOUR + 10 * MINUTE)
    stops = cached_schedule(before, ada, params=PARAMS).stops
    after = replace(before, now=8 * HOUR + 20 * MINUTE)  # the day (re)starts at now: not carried
    assert carry_schedules(before, after) == frozenset()
    again, fresh = cached_schedule(after, ada, params=PARAMS), schedule_route(after, ada, params=PARAMS)
    assert again.stops is stops and again.stops == fresh.stops
    assert (again.starts, again.cursors, again.arrival_slack) == (fresh.starts, fresh.cursors, fresh.arrival_slack)
    assert again.cursors[0].time == 8 * HOUR + 20 * MINUTE
    later = replace(before, now=8 * HOUR + 30 * MINUTE)
    carry_schedules(before, later)
    changed = replace(ada, skills={"x": 1})  # another technician object: the stops are made again
    assert cached_schedule(later, changed, params=PARAMS).stops is not stops


def test_a_schedule_copied_with_changes_equals_the_replaced_one() -> None:
    tech = with_route(a_technician(breaks=(BreakWindow(12 * HOUR, 14 * HOUR, 30 * MINUTE),)), [PlannedVisit("A", 0)])
    problem = a_problem(technicians=[tech], orders=[an_order(id="A", location=3)])
    schedule = schedule_route(problem, tech, params=PARAMS)
    cursors = list(reversed(schedule.cursors))
    copied = schedule.copy(cursors=cursors, home_arrival=1)
    assert copied == replace(schedule, cursors=cursors, home_arrival=1) and copied is not schedule
    assert copied.cursors is cursors and schedule.cursors is not cursors
    with pytest.raises(TypeError):
        schedule.copy(cursor=cursors)
