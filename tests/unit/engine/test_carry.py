"""Carrying route schedules to the next snapshot (`carry_schedules`) as the clock moves: what is
carried is exactly what scheduling afresh gives.

- a technician at work on a visit keeps their schedule when "now" moves (only its start changes);
- one with no visit under way, whose day restarts at "now", is scheduled afresh, and so is one whose
  break, owed after the visit under way, counts as taken once its window closed before "now";
- over random snapshots with visits under way (Hypothesis), every carried schedule equals a fresh
  one and the decisions on the next snapshot are those of a fresh read.
"""

from __future__ import annotations

from dataclasses import fields, replace

from hypothesis import given
from hypothesis import strategies as st

from fieldpilot.engine.insertion import insert
from fieldpilot.engine.problem import BreakWindow, DispatchProblem, PinKind, PlannedVisit
from fieldpilot.engine.schedule import RouteSchedule, cached_schedule, carry_schedules, schedule_route
from fieldpilot.engine.team import carry_team
from tests.unit.engine.builders import HOUR, MINUTE, a_problem, a_technician, an_order
from tests.unit.engine.test_properties import PARAMS, SETTINGS, dispatch_all, pin_some, snapshots


def assert_same_schedule(carried: RouteSchedule, fresh: RouteSchedule) -> None:
    for field in fields(RouteSchedule):
        if field.name != "scheduler":
            assert getattr(carried, field.name) == getattr(fresh, field.name), field.name


def moved(problem: DispatchProblem, seconds: int) -> tuple[DispatchProblem, frozenset[str]]:
    """The same snapshot `seconds` later, with what `carry_schedules` and `carry_team` carried over."""
    later = replace(problem, now=problem.now + seconds)
    unchanged = carry_schedules(problem, later)
    carry_team(problem, later, unchanged, params=PARAMS)
    return later, unchanged


def on_site_and_idle() -> DispatchProblem:
    """T-1 is on site at A since 08:00 (then B at 10:00); T-2 has C planned but has not left yet."""
    a, b = an_order(id="A", location=1, duration=HOUR), an_order(id="B", location=2, earliest_start=10 * HOUR)
    c = an_order(id="C", location=3)
    busy = a_technician(
        id="T-1", route=(PlannedVisit("A", 8 * HOUR, pin=PinKind.ON_SITE), PlannedVisit("B", 10 * HOUR))
    )
    idle = a_technician(id="T-2", route=(PlannedVisit("C", 8 * HOUR + 30 * MINUTE),))
    new = an_order(id="NEW", location=4)
    return a_problem(technicians=[busy, idle], orders=[a, b, c, new])


def test_a_technician_at_work_keeps_their_schedule_when_the_clock_moves() -> None:
    problem = on_site_and_idle()
    before = cached_schedule(problem, problem.technicians[0], params=PARAMS)

    later, unchanged = moved(problem, 10 * MINUTE)

    assert "T-1" in unchanged
    carried = later.memo[("schedule", "T-1")][1]
    assert carried.stops is before.stops  # carried, not scheduled again
    assert carried.cursors[0].time == 8 * HOUR + 10 * MINUTE  # the day restarts at the new "now"
    assert_same_schedule(carried, schedule_route(later, later.technicians[0], params=PARAMS))


def test_a_technician_whose_day_restarts_at_now_is_scheduled_afresh() -> None:
    problem = on_site_and_idle()
    cached_schedule(problem, problem.technicians[1], params=PARAMS)

    later, unchanged = moved(problem, 10 * MINUTE)

    assert "T-2" not in unchanged
    assert ("schedule", "T-2") not in later.memo


def test_a_break_owed_after_the_visit_under_way_is_dropped_once_its_window_closed_before_now() -> None:
    """On site 07:50-09:50, the 08:00-09:00 break is owed right after the visit while its window is
    still open at "now" (08:00); at 08:40 it has closed and counts as taken: B starts 30 minutes
    earlier, though the visit under way ends as before."""
    a, b = an_order(id="A", location=1, duration=2 * HOUR), an_order(id="B", location=1)
    tech = a_technician(
        shift_start=7 * HOUR,
        earliest_start=7 * HOUR,
        breaks=(BreakWindow(8 * HOUR, 9 * HOUR, 30 * MINUTE),),
        route=(PlannedVisit("A", 7 * HOUR + 50 * MINUTE, pin=PinKind.ON_SITE), PlannedVisit("B", 0)),
    )
    problem = a_problem(technicians=[tech], orders=[a, b, an_order(id="NEW")])
    assert cached_schedule(problem, tech, params=PARAMS).starts[1] == 10 * HOUR + 20 * MINUTE

    later, _ = moved(problem, 40 * MINUTE)

    assert ("schedule", "T-1") not in later.memo
    assert cached_schedule(later, tech, params=PARAMS).starts[1] == 9 * HOUR + 50 * MINUTE


@SETTINGS
@given(
    snapshots(),
    st.lists(st.sampled_from([PinKind.EN_ROUTE, PinKind.ON_SITE, PinKind.LOCKED]), min_size=1, max_size=3),
    st.integers(1, 4 * HOUR),
)
def test_carried_schedules_are_the_fresh_ones_and_decide_alike(
    problem: DispatchProblem, pins: list[PinKind], seconds: int
) -> None:
    last = problem.orders[-1]
    dispatched = pin_some(dispatch_all(replace(problem, orders=problem.orders[:-1])), pins)
    problem = replace(dispatched, orders=(*dispatched.orders, last))
    insert(problem, last.id, params=PARAMS)  # fills the caches: schedules and the team index
    for tech in problem.technicians:
        cached_schedule(problem, tech, params=PARAMS)

    later, unchanged = moved(problem, seconds)

    for tech in later.technicians:
        found = later.memo.get(("schedule", tech.id))
        if found is not None:
            assert tech.id in unchanged
            assert_same_schedule(found[1], schedule_route(later, tech, params=PARAMS))
    fresh = replace(later)  # no caches
    assert insert(later, last.id, params=PARAMS).to_dict() == insert(fresh, last.id, params=PARAMS).to_dict()
