"""Properties of the insertion over random snapshots (Hypothesis).

- the same snapshot gives the same decision, cached or not;
- every plan the insertion produces passes the independent plan checker;
- pinned visits never move (technician, order, and for en-route, on-site and time-locked visits,
  start), while new visits may still go before a time-locked one;
- the chosen insertion is the cheapest over every technician and every position (exhaustive check);
- the screens (bounds, forward time slack) never hide a feasible insertion, congestion or not;
- every technician appears once in the record: winner, runner-up, outranked or rejected with reasons.
"""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import timedelta

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fieldpilot.engine.candidates import place, preference_bonus, team_average_work
from fieldpilot.engine.checker import check_plan
from fieldpilot.engine.explain import Candidate
from fieldpilot.engine.filters import check_technician, clock_for
from fieldpilot.engine.insertion import apply_assignment, insert, plan_of
from fieldpilot.engine.params import DispatchParams
from fieldpilot.engine.problem import (
    BreakWindow,
    CongestionProfile,
    DispatchProblem,
    OrderRequest,
    PinKind,
    Restock,
    TechnicianState,
    TravelMatrix,
    WarehouseStock,
    Window,
)
from fieldpilot.engine.schedule import cached_schedule, make_stop
from fieldpilot.engine.team import free_flow_work
from tests.unit.engine.builders import HOUR, MINUTE, a_problem

PARAMS = DispatchParams(promise_tolerance=300)
SETTINGS = settings(
    max_examples=int(os.environ.get("ENGINE_EXAMPLES", "40")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@st.composite
def snapshots(draw: st.DrawFn, *, congestion: bool = True) -> DispatchProblem:
    size = draw(st.integers(4, 9))
    raw = np.array(draw(st.lists(st.integers(120, 2400), min_size=size * size, max_size=size * size)))
    durations = raw.reshape(size, size)
    durations = (durations + durations.T) // 2
    np.fill_diagonal(durations, 0)
    profile = None
    if congestion and draw(st.booleans()):
        factors = draw(st.lists(st.sampled_from([0.8, 1.0, 1.3, 1.6]), min_size=24, max_size=24))
        profile = CongestionProfile(tuple(factors), bin_seconds=3600)
    matrix = TravelMatrix(durations, durations * 10, profile)
    techs = []
    for index in range(draw(st.integers(1, 4))):
        home = draw(st.integers(0, size - 1))
        start = draw(st.sampled_from([7, 8, 9])) * HOUR
        breaks = ()
        if draw(st.booleans()):
            breaks = (BreakWindow(12 * HOUR, 14 * HOUR, 30 * MINUTE),)
        absences = ()
        if draw(st.integers(0, 3)) == 0:
            away = draw(st.integers(8, 15)) * HOUR
            absences = (Window(away, away + draw(st.sampled_from([HOUR, 3 * HOUR, 10 * HOUR]))),)
        techs.append(
            TechnicianState(
                id=f"T-{index}",
                start_location=home,
                earliest_start=start,
                end_location=home,
                shift_start=start,
                shift_end=start + draw(st.sampled_from([6, 8, 9])) * HOUR,
                max_overtime=draw(st.sampled_from([0, 1800])),
                skills={"boiler": draw(st.integers(1, 3))},
                stock={"valve": draw(st.integers(0, 2))},
                breaks=breaks,
                absences=absences,
                tools=frozenset({"ladder"}) if draw(st.booleans()) else frozenset(),
                served_customers=frozenset({f"C-{draw(st.integers(0, 2))}"}),
            )
        )
    orders = []
    for index in range(draw(st.integers(1, 8))):
        opens = draw(st.none() | st.integers(7, 15).map(lambda h: h * HOUR))
        width = draw(st.sampled_from([HOUR, 2 * HOUR, 4 * HOUR]))
        promised = None
        if draw(st.integers(0, 4)) == 0:
            at = draw(st.integers(8, 15)) * HOUR
            promised = Window(at, at + 2 * HOUR)
        orders.append(
            OrderRequest(
                id=f"O-{index}",
                location=draw(st.integers(0, size - 1)),
                duration=draw(st.sampled_from([15, 30, 60, 120])) * MINUTE,
                earliest_start=opens,
                latest_start=None if opens is None else opens + width,
                required_skills={"boiler": draw(st.integers(1, 3))} if draw(st.booleans()) else {},
                parts={"valve": draw(st.integers(1, 2))} if draw(st.integers(0, 3)) == 0 else {},
                required_tools=frozenset({"ladder"}) if draw(st.integers(0, 3)) == 0 else frozenset(),
                priority=draw(st.integers(1, 4)),
                sla_deadline=draw(st.none() | st.integers(9, 16).map(lambda h: h * HOUR)),
                customer_id=f"C-{draw(st.integers(0, 2))}",
                promised_window=promised,
            )
        )
    stores = (WarehouseStock("W-1", location=draw(st.integers(0, size - 1)), stock={"valve": 3}),)
    problem = a_problem(technicians=techs, orders=orders, locations=size, matrix=matrix, warehouses=stores)
    return replace(problem, epoch=problem.epoch + timedelta(0))


def pin_some(problem: DispatchProblem, pins: list[PinKind]) -> DispatchProblem:
    """Pin the first visit of each route (en route / locked / promised around its current start);
    a time lock goes on the last visit, so that new visits may be inserted before it."""
    technicians: list[TechnicianState] = []
    for tech, kind in zip(problem.technicians, pins * len(problem.technicians), strict=False):
        if not tech.route:
            technicians.append(tech)
            continue
        at = len(tech.route) - 1 if kind is PinKind.LOCKED_TIME else 0
        chosen = tech.route[at]
        promise = Window(chosen.planned_start - 600, chosen.planned_start + 600)
        chosen = replace(chosen, pin=kind, promised_window=promise if kind is PinKind.PROMISED else None)
        technicians.append(replace(tech, route=(*tech.route[:at], chosen, *tech.route[at + 1 :])))
    return replace(problem, technicians=tuple(technicians))


def dispatch_all(problem: DispatchProblem) -> DispatchProblem:
    for order in problem.unplanned_orders():
        decision = insert(problem, order.id, params=PARAMS)
        if decision.assignment is not None:
            problem = apply_assignment(problem, decision.assignment, params=PARAMS)
            assert check_plan(problem, plan_of(problem, params=PARAMS), params=PARAMS) == []
    return problem


@SETTINGS
@given(snapshots())
def test_every_insertion_keeps_the_plan_valid(problem: DispatchProblem) -> None:
    dispatch_all(problem)


@SETTINGS
@given(snapshots(), st.lists(st.sampled_from(list(PinKind)), min_size=1, max_size=3))
def test_pinned_visits_never_move(problem: DispatchProblem, pins: list[PinKind]) -> None:
    half = problem.unplanned_orders()[: len(problem.orders) // 2]
    for order in half:
        decision = insert(problem, order.id, params=PARAMS)
        if decision.assignment is not None:
            problem = apply_assignment(problem, decision.assignment, params=PARAMS)
    pinned = pin_some(problem, pins)
    before = {
        t.id: [(v.order_id, v.planned_start if v.pin and v.pin.fixes_start else None) for v in t.route if v.pin]
        for t in pinned.technicians
    }
    after = dispatch_all(pinned)
    for tech in after.technicians:
        kept = [(v.order_id, v.planned_start if v.pin and v.pin.fixes_start else None) for v in tech.route if v.pin]
        assert kept == before[tech.id]


@SETTINGS
@given(snapshots())
def test_time_locked_visits_keep_their_technician_and_start(problem: DispatchProblem) -> None:
    half = problem.unplanned_orders()[: max(1, len(problem.orders) // 2)]
    for order in half:
        decision = insert(problem, order.id, params=PARAMS)
        if decision.assignment is not None:
            problem = apply_assignment(problem, decision.assignment, params=PARAMS)
    pinned = pin_some(problem, [PinKind.LOCKED_TIME])
    locked = {v.order_id: (t.id, v.planned_start) for t in pinned.technicians for v in t.route if v.pin}
    after = dispatch_all(pinned)  # checks the plan after every insertion, time locks included
    assert {v.order_id: (t.id, v.planned_start) for t in after.technicians for v in t.route if v.pin} == locked


@SETTINGS
@given(snapshots())
def test_same_snapshot_gives_the_same_decision(problem: DispatchProblem) -> None:
    for order in problem.orders:
        first = insert(problem, order.id, params=PARAMS).record.to_dict()
        assert insert(problem, order.id, params=PARAMS).record.to_dict() == first
        assert insert(replace(problem), order.id, params=PARAMS).record.to_dict() == first


@SETTINGS
@given(snapshots(congestion=False))
def test_chooses_the_cheapest_insertion_over_every_position(problem: DispatchProblem) -> None:
    last = problem.orders[-1]
    dispatched = dispatch_all(replace(problem, orders=problem.orders[:-1]))
    problem = replace(dispatched, orders=(*dispatched.orders, last))
    best = exhaustive_best(problem, last)
    decision = insert(problem, last.id, params=PARAMS)
    if best is None:
        assert decision.assignment is None
    else:
        assert decision.assignment is not None
        assert abs(decision.assignment.cost.total - best) < 1e-6


def exhaustive_best(problem: DispatchProblem, order: OrderRequest) -> float | None:
    stop = make_stop(order, params=PARAMS)
    if stop.window_start > stop.window_end:
        return None
    window = Window(stop.window_start, stop.window_end)
    average = team_average_work(problem, params=PARAMS)
    costs = []
    for tech in problem.technicians:
        schedule = cached_schedule(problem, tech, params=PARAMS)
        verdict = check_technician(problem, order, tech, window=window, clock=clock_for(problem))
        if not verdict.eligible:
            continue
        stop_here = stop
        if verdict.shortfall:
            stop_here = replace(stop, restock=Restock(verdict.warehouses[0], dict(verdict.shortfall)))
        for position in range(schedule.first_free, len(schedule.stops) + 1):
            outcome = place(
                problem,
                schedule,
                stop_here,
                position,
                params=PARAMS,
                work_before=float(free_flow_work(problem, tech)),
                average_work=average,
                preference=preference_bonus(order, tech, params=PARAMS),
            )
            if isinstance(outcome, Candidate):
                costs.append(outcome.cost.total)
    return min(costs) if costs else None


@SETTINGS
@given(snapshots(congestion=True))
def test_never_misses_a_feasible_insertion_even_in_traffic(problem: DispatchProblem) -> None:
    last = problem.orders[-1]
    dispatched = dispatch_all(replace(problem, orders=problem.orders[:-1]))
    problem = replace(dispatched, orders=(*dispatched.orders, last))
    feasible = exhaustive_best(problem, last) is not None
    assert insert(problem, last.id, params=PARAMS).assigned == feasible


@SETTINGS
@given(snapshots())
def test_every_technician_is_accounted_for_once_in_the_record(problem: DispatchProblem) -> None:
    for order in problem.orders:
        record = insert(problem, order.id, params=PARAMS).record
        ranked = [] if record.winner is None else [record.winner.technician_id]
        ranked += [r.candidate.technician_id for r in record.runners_up]
        named = ranked + list(record.outranked) + [r.technician_id for r in record.rejected]
        assert sorted(named) == sorted(t.id for t in problem.technicians)
        assert all(r.reasons for r in record.rejected)
