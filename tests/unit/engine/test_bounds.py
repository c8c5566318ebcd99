"""The lower bounds of the candidate search: never above the exact cost, so they only prune.

- the knock-on part (the wait added to the visits pushed later) is at most the exact delay cost of
  every open position, congestion, breaks, absences, warehouse detours and pins included (Hypothesis);
- without congestion or breaks the whole bound is at most the exact cost of every open position (up
  to float rounding: its terms are summed in another order);
- on seeded random cities the decisions (winner, position, cost, runners-up) are the same with and
  without the knock-on term, and, without congestion, the same as replaying every position.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any
from unittest import mock

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fieldpilot.domain.values import CustomerTier
from fieldpilot.engine import candidates
from fieldpilot.engine.candidates import Bounds, place
from fieldpilot.engine.explain import Candidate, RunnerUp
from fieldpilot.engine.insertion import apply_assignment, insert
from fieldpilot.engine.problem import (
    BreakWindow,
    CongestionProfile,
    DispatchProblem,
    OrderRequest,
    PinKind,
    PlannedVisit,
    TechnicianState,
    TravelMatrix,
)
from fieldpilot.engine.team import Positions
from tests.unit.engine.builders import HOUR, MINUTE, a_line_matrix, a_problem, a_technician, an_order, with_route
from tests.unit.engine.test_properties import PARAMS, SETTINGS, dispatch_all, pin_some, snapshots

Searched = dict[tuple[int, int], tuple[float, Candidate | None]]  # (tech, position) -> (bound, exact)


@contextmanager
def without_knock_on() -> Iterator[None]:
    """The search as it was before the knock-on term: that part of every bound is 0."""

    def nothing(self: Positions, rows: Any, arrival: Any) -> Any:
        return np.zeros(len(rows))

    with mock.patch.object(Positions, "knock_on", nothing):
        yield


@contextmanager
def replaying_everything() -> Iterator[None]:
    """The search with no pruning: every open position is replayed."""
    screen = candidates._bounds

    def unbounded(*args: Any, **kwargs: Any) -> Bounds:
        found = screen(*args, **kwargs)
        return replace(found, values=[-np.inf] * len(found.values))

    with mock.patch.object(candidates, "_bounds", unbounded):
        yield


def searched(problem: DispatchProblem, order_id: str) -> Searched:
    """Every open position the search of `insert` would bound, with its bound and exact outcome."""
    seen: dict[str, Any] = {}
    search = candidates._search

    def spy(*args: Any, **kwargs: Any) -> Any:
        seen.update(problem=args[0], team=args[1], plain=args[3], bounds=args[4], **kwargs)
        return search(*args, **kwargs)

    with mock.patch.object(candidates, "_search", spy):
        insert(problem, order_id, params=PARAMS)
    if not seen:
        return {}
    team, bounds = seen["team"], seen["bounds"]
    out: Searched = {}
    for bound, index, position in zip(bounds.values, bounds.technicians, bounds.positions, strict=True):
        outcome = place(
            seen["problem"],
            team.schedule(index),
            seen["detours"].get(index, seen["plain"]),
            position,
            params=PARAMS,
            work_before=float(team.work[index]),
            average_work=team.average_work,
            preference=seen["preferences"][index],
        )
        out[(index, position)] = (bound, outcome if isinstance(outcome, Candidate) else None)
    return out


def routed_and_last(problem: DispatchProblem, pins: list[PinKind]) -> tuple[DispatchProblem, str]:
    """All orders but the last dispatched one by one (some visits then pinned), and the last one's id."""
    last = problem.orders[-1]
    dispatched = pin_some(dispatch_all(replace(problem, orders=problem.orders[:-1])), pins)
    return replace(dispatched, orders=(*dispatched.orders, last)), last.id


@SETTINGS
@given(snapshots(congestion=True), st.lists(st.sampled_from(list(PinKind)), min_size=1, max_size=3))
def test_the_knock_on_bound_never_exceeds_the_exact_delay_cost(problem: DispatchProblem, pins: list[PinKind]) -> None:
    problem, order_id = routed_and_last(problem, pins)
    with_term = searched(problem, order_id)
    with without_knock_on():
        without_term = searched(replace(problem), order_id)
    assert with_term.keys() == without_term.keys()
    for key, (bound, exact) in with_term.items():
        term = bound - without_term[key][0]
        assert term >= 0.0
        if exact is not None:
            assert term <= exact.cost.delay_cost


@SETTINGS
@given(snapshots(congestion=False), st.lists(st.sampled_from(list(PinKind)), min_size=1, max_size=3))
def test_without_congestion_or_breaks_no_bound_exceeds_the_exact_cost(
    problem: DispatchProblem, pins: list[PinKind]
) -> None:
    # (a break may take the idle time before it and let later visits start earlier: their lateness
    # and the overtime may then fall, which only the knock-on part of the bound allows for)
    problem = replace(problem, technicians=tuple(replace(t, breaks=()) for t in problem.technicians))
    problem, order_id = routed_and_last(problem, pins)
    for bound, exact in searched(problem, order_id).values():
        if exact is not None:  # (the terms are summed in another order: equal up to float rounding)
            assert bound <= exact.cost.total + 1e-9


def test_the_knock_on_bound_follows_the_delay_down_a_queue() -> None:
    """Four P3 visits back to back at one place: a 30-minute visit in front of them delays each by
    30 minutes, and the bound of that position sees all four (the exact knock-on)."""
    queued = [an_order(id=f"Q-{i}", location=5, priority=3) for i in range(4)]
    route = [PlannedVisit(o.id, 8 * HOUR + i * 30 * MINUTE) for i, o in enumerate(queued)]
    busy = with_route(a_technician(id="T-1", start_location=5, end_location=5), route)
    problem = a_problem(technicians=[busy], orders=[*queued, an_order(id="NEW", location=5, priority=3)])

    bounds = {key: bound for key, (bound, _) in searched(problem, "NEW").items()}
    with without_knock_on():
        plain = {key: bound for key, (bound, _) in searched(replace(problem), "NEW").items()}

    rate = PARAMS.waiting_cost_per_second(priority=3, tier="standard")
    assert bounds[(0, 0)] - plain[(0, 0)] == pytest.approx(4 * 30 * MINUTE * rate)
    assert bounds[(0, 4)] == plain[(0, 4)]  # at the end nobody is pushed


def test_a_later_departure_that_misses_the_rush_lets_a_later_visit_start_earlier_and_the_bound_allows_it() -> None:
    """Rush hour (x1.5) ends at 09:30. A (P4) waits for 08:55 and ends at 09:25; B (P1) is 40 minutes
    away, an hour in the rush: 10:25. A 10-minute visit at 08:50 in front of A delays it by 5 minutes,
    so the drive to B leaves after the rush and B starts 15 minutes earlier: the knock-on is negative
    and costs nothing. A bound that counted A's delay alone (or each visit's delay only when positive)
    would exceed the exact cost."""
    rush = [1.5 if 30 <= k < 38 else 1.0 for k in range(96)]  # 07:30-09:30
    matrix = TravelMatrix(a_line_matrix(10).durations, a_line_matrix(10).durations * 10, CongestionProfile(tuple(rush)))
    a = an_order(id="A", location=0, earliest_start=8 * HOUR + 55 * MINUTE, latest_start=12 * HOUR, priority=4)
    b = an_order(id="B", location=4, priority=1)
    at = 8 * HOUR + 50 * MINUTE
    new = an_order(id="NEW", location=0, duration=10 * MINUTE, earliest_start=at, latest_start=at)
    tech = a_technician(route=(PlannedVisit("A", 0), PlannedVisit("B", 0)))
    problem = a_problem(technicians=[tech], orders=[a, b, new], matrix=matrix)

    schedule = candidates.team_index(problem, params=PARAMS).schedule(0)
    assert schedule.starts == [8 * HOUR + 55 * MINUTE, 10 * HOUR + 25 * MINUTE]
    bound, exact = searched(problem, "NEW")[(0, 0)]
    assert exact is not None and exact.planned_start == at
    moved = schedule.scheduler.replay(
        [candidates.make_stop(new, params=PARAMS), *schedule.stops], cursor=schedule.cursors[0], record=True
    )
    assert moved.starts[1:] == [9 * HOUR, 10 * HOUR + 10 * MINUTE]  # A 5 minutes later, B 15 earlier
    assert exact.cost.delay_cost == 0.0
    with without_knock_on():
        plain, _ = searched(replace(problem), "NEW")[(0, 0)]
    assert bound == plain


# Seeded random cities: the same decisions with and without the knock-on term in the bound.


def a_city(seed: int, *, congestion: bool, technicians: int = 12, visits: int = 6) -> DispatchProblem:
    """Technicians around their homes in a 30 km square, their days dispatched one order at a time
    (windows, promises, priorities, tiers, some lunch breaks), then new orders still to place."""
    rng = random.Random(seed)
    homes = [(rng.uniform(0, 30_000), rng.uniform(0, 30_000)) for _ in range(technicians)]
    points = list(homes)
    for hx, hy in homes:
        points += [(hx + rng.uniform(-5000, 5000), hy + rng.uniform(-5000, 5000)) for _ in range(visits)]
    news = 12
    points += [(rng.uniform(0, 30_000), rng.uniform(0, 30_000)) for _ in range(news)]
    xy = np.array(points)
    metres = (np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(axis=2)) * 1.3).astype(np.int64)
    profile = None
    if congestion:
        rush = [1.5 if 7.5 <= k / 4 < 9.5 or 16.5 <= k / 4 < 19 else 1.0 for k in range(96)]
        profile = CongestionProfile(tuple(rush))
    matrix = TravelMatrix((metres * 3600) // 35_000, metres, profile)
    techs = [
        TechnicianState(
            id=f"T-{t:02d}",
            start_location=t,
            earliest_start=8 * HOUR,
            end_location=t,
            shift_start=8 * HOUR,
            shift_end=17 * HOUR,
            max_overtime=HOUR,
            breaks=(BreakWindow(12 * HOUR, 14 * HOUR, 30 * MINUTE),) if rng.random() < 0.4 else (),
        )
        for t in range(technicians)
    ]

    def an_order_at(place: int, name: str) -> OrderRequest:
        opens = rng.randint(8, 15) * HOUR if rng.random() < 0.4 else None
        return OrderRequest(
            id=name,
            location=place,
            duration=rng.choice((20, 30, 45, 60, 90)) * MINUTE,
            earliest_start=opens,
            latest_start=None if opens is None else opens + rng.choice((1, 2, 3)) * HOUR,
            priority=rng.randint(1, 4),
            customer_tier=rng.choice(list(CustomerTier)),
            sla_deadline=rng.randint(10, 18) * HOUR if rng.random() < 0.7 else None,
        )

    planned = [an_order_at(technicians + k, f"P-{k:03d}") for k in range(technicians * visits)]
    new = [an_order_at(len(points) - news + k, f"N-{k:02d}") for k in range(news)]
    problem = a_problem(technicians=techs, orders=planned, locations=len(points), matrix=matrix)
    for order in planned:
        decision = insert(problem, order.id, params=PARAMS)
        if decision.assignment is not None:
            problem = apply_assignment(problem, decision.assignment, params=PARAMS)
    return replace(problem, orders=(*problem.orders, *new))


def decisions(problem: DispatchProblem) -> list[tuple[Candidate | None, tuple[RunnerUp, ...]]]:
    """Every new order's decision on the same snapshot, one at a time: winner and runners-up."""
    out = []
    for order in problem.orders:
        if order.id.startswith("N-"):
            decision = insert(problem, order.id, params=PARAMS)
            out.append((decision.assignment, decision.record.runners_up))
    return out


def fresh(problem: DispatchProblem) -> DispatchProblem:
    return replace(problem)  # no cached schedules or team index


def same_decisions(problem: DispatchProblem, other: Callable[[], Any]) -> None:
    expected = decisions(fresh(problem))
    with other():
        found = decisions(fresh(problem))
    assert found == expected
    assert any(winner is not None for winner, _ in expected)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("congestion", [False, True])
def test_the_knock_on_term_leaves_every_decision_unchanged(seed: int, congestion: bool) -> None:
    same_decisions(a_city(seed, congestion=congestion), without_knock_on)


@pytest.mark.parametrize("seed", range(6))
def test_without_congestion_the_search_decides_as_replaying_every_position(seed: int) -> None:
    same_decisions(a_city(seed, congestion=False), replaying_everything)
