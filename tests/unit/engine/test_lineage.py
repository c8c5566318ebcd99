"""What problems derived from one another share, and the local search's shortcuts, change no result.

The shortcuts: insertion-position rows and workloads kept per technician state for a problem's lineage
(`DispatchProblem.lineage`), team indexes made from a relative's, the wider vector screen of the hard
filters, schedules edited (one visit taken out or put in) or re-timed rather than made afresh, the
rankings `relocate` asks for without explanations, and its skipping of a visit already tried on the
same plan. With every one of them turned off (`no_shortcuts`) and `relocate` as it was before them
(`plain_relocate`), seeded random cities (skills, certifications, tools, territories, customers'
technician lists, parts and warehouses, breaks, absences, pins, promises, congestion) and Hypothesis
snapshots give the same moves, gains, routes, plans, costs and decision records.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import fields, replace
from typing import Any
from unittest import mock

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fieldpilot.domain.values import CustomerTier
from fieldpilot.engine import candidates, improve, insertion
from fieldpilot.engine.candidates import rank
from fieldpilot.engine.costing import plan_cost, route_cost
from fieldpilot.engine.filters import clock_for
from fieldpilot.engine.improve import MOVABLE, Relocation, relocate
from fieldpilot.engine.insertion import apply_assignment, insert, plan_of, with_technician
from fieldpilot.engine.params import DispatchParams
from fieldpilot.engine.problem import (
    BreakWindow,
    CongestionProfile,
    DispatchProblem,
    OrderRequest,
    PinKind,
    TechnicianState,
    TravelMatrix,
    WarehouseStock,
    Window,
)
from fieldpilot.engine.schedule import RouteSchedule, cached_schedule, schedule_route
from fieldpilot.engine.team import Positions, Screen, TeamIndex, needs_per_technician_filters, screen, team_index
from tests.unit.engine.builders import HOUR, MINUTE, a_problem
from tests.unit.engine.test_properties import PARAMS, SETTINGS, dispatch_all, pin_some, snapshots


@contextmanager
def no_shortcuts() -> Iterator[None]:
    """Every problem keeps its own caches, the vector screen clears only orders without per-technician
    rules (the filters judge every technician for the others), schedules are always made afresh and
    every ranking is explained."""
    derived = DispatchProblem.derived

    def alone(self: DispatchProblem, technicians: tuple[TechnicianState, ...]) -> DispatchProblem:
        problem = derived(self, technicians)
        object.__setattr__(problem, "lineage", {})
        return problem

    def common_only(problem: DispatchProblem, team: Any, order: OrderRequest, *, window: Window) -> Screen:
        nobody = np.zeros(len(problem.technicians), dtype=np.bool_)
        if needs_per_technician_filters(order):
            return Screen(nobody, nobody)
        return Screen(screen(problem, team, order, window=window).cleared, nobody)

    def explained(*args: Any, **kwargs: Any) -> Any:
        return rank(*args, **{**kwargs, "explain": True})

    with (
        mock.patch.object(DispatchProblem, "derived", alone),
        mock.patch.object(candidates, "screen", common_only),
        mock.patch.object(insertion, "carry_edited", return_value=None),
        mock.patch.object(insertion, "retimed", return_value=None),
        mock.patch.object(improve, "rank", explained),
    ):
        yield


def plain_relocate(problem: DispatchProblem, *, params: DispatchParams) -> Relocation:
    """`relocate` as it was: every movable visit tried in every pass, every ranking explained."""
    clock = clock_for(problem)
    moves, gain = 0, 0.0
    for _ in range(2):
        moved = False
        for order_id in [v.order_id for t in problem.technicians for v in t.route if v.pin in MOVABLE]:
            holder = problem.technician(problem.assigned_technician[order_id])
            if not cached_schedule(problem, holder, params=params).feasible:
                continue
            old_position = next(i for i, v in enumerate(holder.route) if v.order_id == order_id)
            rest = tuple(v for v in holder.route if v.order_id != order_id)
            stripped = with_technician(problem, replace(holder, route=rest))
            ranking = rank(stripped, stripped.order(order_id), params=params, keep=1, clock=clock)
            if not ranking.ranked:
                continue
            best = ranking.ranked[0]
            if best.technician_id == holder.id and best.position == old_position:
                continue
            candidate = apply_assignment(stripped, best, params=params)
            touched = {holder.id, best.technician_id}
            before = sum(route_cost(problem, problem.technician(t), params=params) for t in touched)
            after = sum(route_cost(candidate, candidate.technician(t), params=params) for t in touched)
            if before - after > 1.0:
                problem, moves, gain, moved = candidate, moves + 1, gain + before - after, True
        if not moved:
            break
    return Relocation(problem, moves, gain)


def fresh(problem: DispatchProblem) -> DispatchProblem:
    return replace(problem)  # no cached schedules, team index or lineage


def greedy(problem: DispatchProblem, *, params: DispatchParams) -> tuple[list[Any], DispatchProblem]:
    """Every unplanned order inserted, most urgent first (as the re-plan's greedy fill), with each
    decision record; then every unpinned visit of the result ranked again where it stands."""
    records: list[Any] = []
    for order in sorted(problem.unplanned_orders(), key=lambda o: (o.priority, o.id)):
        decision = insert(problem, order.id, params=params)
        records.append((decision.assignment, decision.record, decision.to_dict()))
        if decision.assignment is not None:
            problem = apply_assignment(problem, decision.assignment, params=params)
    for tech in problem.technicians:
        for visit in tech.route:
            if visit.pin is None:
                decision = insert(problem, visit.order_id, params=params)
                records.append((decision.assignment, decision.record, decision.to_dict()))
    return records, problem


def a_busy_city(seed: int, *, congestion: bool) -> DispatchProblem:
    """Ten technicians with mixed skills, certifications (some expired), tools, territories, vans and
    days (breaks, absences, one off shift), two warehouses, and orders asking for all of those; about
    half of the orders dispatched one by one in a random order (so the plan has room to improve),
    some visits then pinned, the rest still to place."""
    rng = random.Random(seed)
    size = 70
    xy = np.array([(rng.uniform(0, 25_000), rng.uniform(0, 25_000)) for _ in range(size)])
    metres = (np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(axis=2)) * 1.3).astype(np.int64)
    profile = None
    if congestion:
        profile = CongestionProfile(tuple(1.4 if 30 <= k < 38 or 66 <= k < 76 else 1.0 for k in range(96)))
    matrix = TravelMatrix((metres * 3600) // 30_000, metres, profile)
    techs = []
    for t in range(10):
        start = rng.choice((7, 8, 9)) * HOUR
        away = rng.randint(9, 15) * HOUR
        techs.append(
            TechnicianState(
                id=f"T-{t:02d}",
                start_location=t,
                earliest_start=start,
                end_location=t,
                shift_start=start,
                shift_end=start if t == 9 else start + rng.choice((6, 8, 9)) * HOUR,
                name=f"Tech {t}",
                skills={"hvac": rng.randint(0, 3), "plumbing": rng.randint(0, 2)},
                certifications=frozenset({"gas"}) if rng.random() < 0.6 else frozenset(),
                expired_certifications=frozenset({"gas"}) if rng.random() < 0.2 else frozenset(),
                tools=frozenset({"ladder"}) if rng.random() < 0.6 else frozenset(),
                stock={"valve": rng.randint(0, 2)},
                territories=frozenset({rng.choice(("north", "south"))}) if rng.random() < 0.3 else frozenset(),
                max_overtime=rng.choice((0, 1800, 3600)),
                breaks=(BreakWindow(12 * HOUR, 14 * HOUR, 30 * MINUTE),) if rng.random() < 0.5 else (),
                absences=(Window(away, away + HOUR),) if rng.random() < 0.15 else (),
                served_customers=frozenset({f"C-{rng.randint(0, 5)}"}),
            )
        )
    ids = [t.id for t in techs]
    orders = []
    for k in range(55):
        opens = rng.randint(8, 15) * HOUR if rng.random() < 0.4 else None
        promised = None
        if rng.random() < 0.1:
            at = rng.randint(9, 15) * HOUR
            promised = Window(at, at + 2 * HOUR)
        orders.append(
            OrderRequest(
                id=f"O-{k:03d}",
                location=rng.randint(10, size - 1),
                duration=rng.choice((20, 30, 45, 60, 90)) * MINUTE,
                earliest_start=opens,
                latest_start=None if opens is None else opens + rng.choice((1, 2, 3)) * HOUR,
                required_skills={rng.choice(("hvac", "plumbing")): rng.randint(0, 2)} if rng.random() < 0.8 else {},
                required_certifications=frozenset({"gas"}) if rng.random() < 0.15 else frozenset(),
                required_tools=frozenset({"ladder"}) if rng.random() < 0.15 else frozenset(),
                parts={"valve": rng.randint(1, 2)} if rng.random() < 0.12 else {},
                priority=rng.randint(1, 4),
                customer_tier=rng.choice(list(CustomerTier)),
                sla_deadline=rng.randint(10, 18) * HOUR if rng.random() < 0.6 else None,
                territory=rng.choice(("north", "south")) if rng.random() < 0.4 else None,
                excluded_technicians=frozenset(rng.sample(ids, 2)) if rng.random() < 0.1 else frozenset(),
                required_technicians=frozenset(rng.sample(ids, 3)) if rng.random() < 0.05 else frozenset(),
                customer_id=f"C-{rng.randint(0, 5)}",
                promised_window=promised,
            )
        )
    stores = (
        WarehouseStock("W-1", location=rng.randint(10, size - 1), stock={"valve": 4}),
        WarehouseStock("W-2", location=rng.randint(10, size - 1), stock={"valve": 2}),
    )
    first = rng.sample(orders[:30], 30)  # dispatched in a random order: the plan has room to improve
    problem = a_problem(technicians=techs, orders=first, locations=size, matrix=matrix, warehouses=stores)
    problem = dispatch_all(problem)
    pins = [PinKind.EN_ROUTE, PinKind.LOCKED, PinKind.PROMISED, PinKind.LOCKED_TIME, PinKind.ON_SITE]
    problem = pin_some(problem, [rng.choice(pins) for _ in range(3)])
    return replace(problem, orders=(*problem.orders, *orders[30:]))


def same_schedule(found: RouteSchedule, expected: RouteSchedule) -> None:
    for field in fields(RouteSchedule):
        if field.name != "scheduler":
            assert getattr(found, field.name) == getattr(expected, field.name), field.name
    assert found.scheduler.breaks == expected.scheduler.breaks
    assert found.scheduler.tech is found.tech


def same_relocation(problem: DispatchProblem) -> int:
    """`relocate` with every shortcut, and as it was without them: the same result. Its move count."""
    with no_shortcuts():
        expected = plain_relocate(fresh(problem), params=PARAMS)
    found = relocate(fresh(problem), params=PARAMS)
    assert (found.moves, found.gain) == (expected.moves, expected.gain)
    assert found.problem.technicians == expected.problem.technicians
    assert plan_of(found.problem, params=PARAMS) == plan_of(expected.problem, params=PARAMS)
    assert plan_cost(found.problem, params=PARAMS) == plan_cost(expected.problem, params=PARAMS)
    return found.moves


def same_greedy(problem: DispatchProblem) -> None:
    with no_shortcuts():
        expected, planned = greedy(fresh(problem), params=PARAMS)
    found, result = greedy(fresh(problem), params=PARAMS)
    assert found == expected
    assert result.technicians == planned.technicians
    assert plan_of(result, params=PARAMS) == plan_of(planned, params=PARAMS)
    assert any(assignment is not None for assignment, _, _ in found)
    assert any(record.rejected for _, record, _ in found)


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("congestion", [False, True])
def test_greedy_insertion_decides_alike_with_and_without_the_shortcuts(seed: int, congestion: bool) -> None:
    same_greedy(a_busy_city(seed, congestion=congestion))


@pytest.mark.parametrize("congestion", [False, True])
def test_relocation_moves_alike_with_and_without_the_shortcuts(congestion: bool) -> None:
    moves = []
    for seed in range(8):
        city = a_busy_city(seed, congestion=congestion)
        _, planned = greedy(city, params=PARAMS)
        moves += [same_relocation(city), same_relocation(planned)]
    assert sum(moves) >= 10  # (the cities leave room to improve: the comparison sees moves)


@SETTINGS
@given(snapshots(), st.lists(st.sampled_from(list(PinKind)), min_size=1, max_size=3))
def test_relocation_and_insertion_alike_on_random_snapshots(problem: DispatchProblem, pins: list[PinKind]) -> None:
    half = replace(problem, orders=problem.orders[: len(problem.orders) // 2 + 1])
    planned = pin_some(dispatch_all(half), pins)
    problem = replace(planned, orders=(*planned.orders, *problem.orders[len(half.orders) :]))
    same_relocation(problem)
    with no_shortcuts():
        expected, _ = greedy(fresh(problem), params=PARAMS)
    found, _ = greedy(fresh(problem), params=PARAMS)
    assert found == expected


@pytest.mark.parametrize("seed", range(4))
def test_a_schedule_edited_or_retimed_is_the_one_made_afresh(seed: int) -> None:
    """Every unpinned visit taken out of its route, and put back at every position: the schedule the
    derived problem caches is the one `schedule_route` makes."""
    problem = a_busy_city(seed, congestion=True)
    checked = 0
    for tech in problem.technicians:
        if not cached_schedule(problem, tech, params=PARAMS).feasible:
            continue
        for visit in tech.route:
            if visit.pin is not None and visit.pin.under_way:
                continue
            rest = replace(tech, route=tuple(v for v in tech.route if v is not visit))
            out = with_technician(problem, rest)
            assert ("schedule", tech.id) in out.memo
            same_schedule(cached_schedule(out, rest, params=PARAMS), schedule_route(fresh(out), rest, params=PARAMS))
            for position in range(len(rest.route) + 1):
                back = replace(rest, route=(*rest.route[:position], visit, *rest.route[position:]))
                if not cached_schedule(out, rest, params=PARAMS).feasible:
                    continue
                again = with_technician(out, back)
                found = cached_schedule(again, back, params=PARAMS)
                same_schedule(found, schedule_route(fresh(again), back, params=PARAMS))
                checked += 1
    assert checked > 20


def test_apply_assignment_caches_the_retimed_schedule_it_made() -> None:
    problem = a_busy_city(3, congestion=False)
    for order in problem.unplanned_orders():
        decision = insert(problem, order.id, params=PARAMS)
        if decision.assignment is None:
            continue
        after = apply_assignment(problem, decision.assignment, params=PARAMS)
        tech = after.technician(decision.assignment.technician_id)
        cached = after.memo.get(("schedule", tech.id))
        assert isinstance(cached, tuple) and cached[1].tech is tech
        same_schedule(cached[1], schedule_route(fresh(after), tech, params=PARAMS))
        problem = after


def same_team(found: TeamIndex, expected: TeamIndex) -> None:
    for name in ("on_shift", "available", "latest_end", "start_location", "end_location", "work", "has_absences"):
        assert np.array_equal(getattr(found, name), getattr(expected, name)), name
    assert found.average_work == expected.average_work
    assert np.array_equal(found.id_rank, expected.id_rank)
    for skill in ("hvac", "plumbing", "welding"):
        assert np.array_equal(found.levels(skill), expected.levels(skill))
    for kind, value in (("certification", "gas"), ("tool", "ladder"), ("territory", "north"), ("territory", "x")):
        assert np.array_equal(found.holders(kind, value), expected.holders(kind, value))
    everyone = range(len(found.problem.technicians))
    mine, theirs = found.positions(everyone), expected.positions(everyone)
    for field in fields(Positions):
        assert np.array_equal(getattr(mine, field.name), getattr(theirs, field.name)), field.name


changes: list[dict[str, Any]] = [
    {"skills": {"hvac": 3, "welding": 2}},
    {"certifications": frozenset({"gas"}), "tools": frozenset()},
    {"territories": frozenset({"north"})},
    {"shift_start": 10 * HOUR, "earliest_start": 10 * HOUR, "shift_end": 15 * HOUR, "max_overtime": 0},
    {"shift_end": 7 * HOUR, "shift_start": 7 * HOUR, "earliest_start": 7 * HOUR},  # off shift
    {"absences": (Window(12 * HOUR, 13 * HOUR),), "start_location": 33, "end_location": 34},
    {"id": "A-00", "route": ()},  # another technician altogether, first in id order
]


@pytest.mark.parametrize("change", changes)
def test_a_team_index_made_from_a_relatives_is_the_one_built_afresh(change: dict[str, Any]) -> None:
    problem = a_busy_city(1, congestion=True)
    before = team_index(problem, params=PARAMS)
    for skill in ("hvac", "plumbing", "welding"):
        before.levels(skill)  # (kept, so that the relative's copies are patched)
    before.holders("territory", "north")
    before.positions(range(len(problem.technicians)))
    techs = list(problem.technicians)
    techs[2] = replace(techs[2], **change)
    techs[5] = replace(techs[5], route=techs[5].route[1:])
    derived = problem.derived(tuple(techs))

    found = team_index(derived, params=PARAMS)

    assert found is not before and found.problem is derived and found._schedules  # (made from the relative's)
    same_team(found, team_index(fresh(derived), params=PARAMS))
