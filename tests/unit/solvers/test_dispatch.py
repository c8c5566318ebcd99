"""The batch optimizer on dispatch snapshots: feasible, reproducible, qualified, pins kept."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fieldpilot.benchmarking.replan import planned_by_insertion
from fieldpilot.benchmarking.scenario import a_region
from fieldpilot.engine.checker import check_plan
from fieldpilot.engine.params import DispatchParams
from fieldpilot.engine.plan import Plan
from fieldpilot.engine.problem import DispatchProblem, OrderRequest, PinKind, Window
from fieldpilot.engine.solvers.dispatch import solve, solve_batch
from fieldpilot.engine.solvers.dispatch_model import build_model, qualified
from fieldpilot.engine.solvers.routing import SearchBudget

BUDGET = SearchBudget(max_iterations=80)
PARAMS = DispatchParams()


def a_small_region(seed: int = 1, *, technicians: int = 4, orders: int = 30) -> DispatchProblem:
    return a_region(technicians=technicians, orders=orders, seed=seed, side_m=15_000.0)


def routes_of(plan: Plan) -> dict[str, tuple[str, ...]]:
    return {r.technician_id: r.order_ids for r in plan.routes if r.visits}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_plan_passes_the_checker_and_serves_most_orders(seed: int) -> None:
    problem = a_small_region(seed)
    plan = solve(problem, BUDGET, seed=seed, params=PARAMS)
    assert check_plan(problem, plan, params=PARAMS) == []
    planned = sum(len(r.visits) for r in plan.routes)
    assert planned + len(plan.unplanned) == len(problem.orders)
    assert planned >= len(problem.orders) // 2


@pytest.mark.parametrize("seed", [4, 5])
def test_no_order_goes_to_an_unqualified_technician(seed: int) -> None:
    problem = a_small_region(seed, technicians=6, orders=40)
    plan = solve(problem, BUDGET, seed=seed, params=PARAMS)
    for route in plan.routes:
        tech = problem.technician(route.technician_id)
        for order_id in route.order_ids:
            assert qualified(tech, problem.order(order_id)), (tech.id, order_id)


def test_same_seed_and_problem_give_the_same_plan() -> None:
    problem = a_small_region(6)
    assert solve(problem, BUDGET, seed=11, params=PARAMS) == solve(problem, BUDGET, seed=11, params=PARAMS)


def test_an_order_nobody_can_do_is_left_unplanned() -> None:
    problem = a_small_region(7)
    impossible = OrderRequest(id="O-NOBODY", location=5, duration=1800, required_skills={"welding": 1})
    problem = replace(problem, orders=(*problem.orders, impossible))
    plan = solve(problem, BUDGET, seed=1, params=PARAMS)
    assert "O-NOBODY" in plan.unplanned
    assert check_plan(problem, plan, params=PARAMS) == []


def test_pinned_visits_stay_with_their_technician_in_order() -> None:
    current = planned_by_insertion(a_small_region(8), params=PARAMS)
    tech = next(t for t in current.technicians if len(t.route) >= 4)
    route = list(tech.route)
    route[0] = replace(route[0], pin=PinKind.ON_SITE)
    route[2] = replace(route[2], pin=PinKind.LOCKED)
    route[3] = replace(route[3], pin=PinKind.LOCKED)
    pinned_tech = replace(tech, route=tuple(route), earliest_start=route[0].planned_start)
    problem = replace(current, technicians=tuple(pinned_tech if t.id == tech.id else t for t in current.technicians))
    plan = solve(problem, BUDGET, seed=2, params=PARAMS.__class__(stability_threshold=0.0))
    assert check_plan(problem, plan, params=PARAMS) == []
    kept = plan.route_of(tech.id)
    assert kept is not None
    assert kept.visits[0].order_id == route[0].order_id
    assert kept.visits[0].start == route[0].planned_start
    locked = [o for o in kept.order_ids if o in (route[2].order_id, route[3].order_id)]
    assert locked == [route[2].order_id, route[3].order_id]


def test_promised_visit_starts_within_its_promise_and_tolerance() -> None:
    current = planned_by_insertion(a_small_region(9), params=PARAMS)
    tech = next(t for t in current.technicians if t.route)
    first = tech.route[0]
    promise = Window(first.planned_start - 1800, first.planned_start + 1800)
    promised = replace(first, pin=PinKind.PROMISED, promised_window=promise)
    moved = replace(tech, route=(promised, *tech.route[1:]))
    problem = replace(current, technicians=tuple(moved if t.id == tech.id else t for t in current.technicians))
    plan = solve(problem, BUDGET, seed=3, params=PARAMS)
    assert check_plan(problem, plan, params=PARAMS) == []
    visit = next(v for r in plan.routes for v in r.visits if v.order_id == first.order_id)
    assert plan.technician_of(first.order_id) == tech.id
    assert promise.widened(PARAMS.promise_tolerance).contains(visit.start)


def test_a_small_gain_keeps_the_current_plan() -> None:
    current = planned_by_insertion(a_small_region(10), params=PARAMS)
    stubborn = DispatchParams(stability_threshold=1e12)
    outcome = solve_batch(current, BUDGET, seed=1, params=stubborn)
    assert not outcome.replaced_current
    assert routes_of(outcome.plan) == {t.id: tuple(v.order_id for v in t.route) for t in current.technicians if t.route}


def test_a_large_gain_replaces_the_current_plan() -> None:
    region = a_small_region(11)
    outcome = solve_batch(region, BUDGET, seed=1, params=PARAMS)  # nothing planned yet
    assert outcome.replaced_current
    assert outcome.cost < outcome.current_cost


def test_missing_parts_are_fetched_from_a_warehouse() -> None:
    region = a_small_region(12, technicians=2, orders=6)
    empty_vans = tuple(replace(t, stock={}) for t in region.technicians)
    needy = tuple(replace(o, parts={"valve": 2}) for o in region.orders[:2])
    problem = replace(region, technicians=empty_vans, orders=needy + region.orders[2:])
    plan = solve(problem, BUDGET, seed=1, params=PARAMS)
    assert check_plan(problem, plan, params=PARAMS) == []
    served = {v.order_id: v for r in plan.routes for v in r.visits}
    assert {"O0000", "O0001"} <= set(served)
    assert any(v.restock is not None for v in served.values())


def test_breaks_are_kept() -> None:
    problem = a_small_region(13, technicians=2, orders=20)
    plan = solve(problem, BUDGET, seed=1, params=PARAMS)
    assert check_plan(problem, plan, params=PARAMS) == []
    busy = [r for r in plan.routes if r.visits and r.visits[-1].end > 12 * 3600]
    assert all(r.breaks for r in busy)


def test_an_order_past_its_sla_deadline_is_still_planned_late_at_a_cost() -> None:
    region = a_small_region(14, technicians=2, orders=8)
    hurried = replace(region.orders[0], sla_deadline=8 * 3600 + 60, earliest_start=None, latest_start=None)
    problem = replace(region, orders=(hurried, *region.orders[1:]))
    plan = solve(problem, BUDGET, seed=1, params=PARAMS)
    assert check_plan(problem, plan, params=PARAMS) == []
    visit = next(v for r in plan.routes for v in r.visits if v.order_id == hurried.id)
    assert visit.start > hurried.sla_deadline


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    region_seed=st.integers(0, 10_000),
    seed=st.integers(0, 100),
    technicians=st.integers(1, 4),
    orders=st.integers(1, 25),
)
def test_any_region_gives_a_checker_clean_reproducible_plan(
    region_seed: int, seed: int, technicians: int, orders: int
) -> None:
    problem = a_small_region(region_seed, technicians=technicians, orders=orders)
    plan = solve(problem, SearchBudget(max_iterations=30), seed=seed, params=PARAMS)
    assert check_plan(problem, plan, params=PARAMS) == []
    placed = [o for r in plan.routes for o in r.order_ids]
    assert len(placed) == len(set(placed))
    assert sorted(placed + list(plan.unplanned)) == sorted(o.id for o in problem.orders)
    assert plan == solve(problem, SearchBudget(max_iterations=30), seed=seed, params=PARAMS)


def test_a_visit_on_site_across_the_break_start_gets_its_break_after_it() -> None:
    current = planned_by_insertion(a_small_region(8), params=PARAMS)
    tech = next(t for t in current.technicians if len(t.route) >= 3)
    on_site = tech.route[0].order_id
    long_visit = replace(current.order(on_site), duration=2 * 3600 + 1800)  # 12:45 to 15:15
    start = 12 * 3600 + 45 * 60  # the region's 30-min break must start between 12:00 and 13:30
    route = (replace(tech.route[0], planned_start=start, pin=PinKind.ON_SITE), *tech.route[1:])
    pinned = replace(tech, route=route, earliest_start=start)
    problem = replace(
        current,
        now=start + 600,
        technicians=tuple(pinned if t.id == tech.id else t for t in current.technicians),
        orders=tuple(long_visit if o.id == on_site else o for o in current.orders),
    )
    for params in (PARAMS, DispatchParams(stability_threshold=0.0)):
        plan = solve(problem, BUDGET, seed=1, params=params)
        assert check_plan(problem, plan, params=params) == []
        kept = plan.route_of(tech.id)
        assert kept is not None and kept.visits[0].order_id == on_site
        assert [b.start for b in kept.breaks][:1] == [start + long_visit.duration]


def _time_locked(problem: DispatchProblem, *, index: int = -1) -> tuple[DispatchProblem, str, str, int]:
    """The snapshot with one visit of the longest route time-locked (the last one by default)."""
    tech = max(problem.technicians, key=lambda t: (len(t.route), t.id))
    visit = tech.route[index]
    route = list(tech.route)
    route[index] = replace(visit, pin=PinKind.LOCKED_TIME)
    locked = replace(tech, route=tuple(route))
    technicians = tuple(locked if t.id == tech.id else t for t in problem.technicians)
    return replace(problem, technicians=technicians), tech.id, visit.order_id, visit.planned_start


def test_the_model_collapses_a_time_locked_window_to_its_start_on_its_technician_only() -> None:
    problem, tech_id, order_id, start = _time_locked(planned_by_insertion(a_small_region(8), params=PARAMS))
    built = build_model(problem, params=PARAMS)
    job = built.model.jobs[built.order_ids.index(order_id)]
    assert job.tw_early == job.tw_late == start + built.offset
    assert job.fleets == frozenset({built.technician_ids.index(tech_id)})
    assert built.pinned[order_id] == tech_id and order_id not in {v.order_id for v in built.heads[tech_id]}


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(region_seed=st.integers(0, 10_000), seed=st.integers(0, 100), index=st.sampled_from([0, 1, -1]))
def test_the_solver_never_moves_a_time_locked_visit(region_seed: int, seed: int, index: int) -> None:
    current = planned_by_insertion(a_small_region(region_seed, technicians=3, orders=24), params=PARAMS)
    if max(len(t.route) for t in current.technicians) < 2:
        return
    problem, tech_id, order_id, start = _time_locked(current, index=index)
    plan = solve(problem, SearchBudget(max_iterations=30), seed=seed, params=DispatchParams(stability_threshold=0.0))
    assert check_plan(problem, plan, params=PARAMS) == []
    visit = next(v for r in plan.routes for v in r.visits if v.order_id == order_id)
    assert (plan.technician_of(order_id), visit.start) == (tech_id, start)


def test_a_model_too_large_for_the_profile_encoding_is_declined_and_the_current_plan_stands(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from fieldpilot.engine.insertion import plan_of
    from fieldpilot.engine.solvers import pyvrp_backend

    problem = planned_by_insertion(a_small_region(8), params=PARAMS)
    monkeypatch.setattr(pyvrp_backend, "MAX_PROFILE_CELLS", 10)
    outcome = solve_batch(problem, BUDGET, seed=1, params=PARAMS)
    assert "routing profiles" in outcome.declined
    assert outcome.search is None and not outcome.replaced_current
    assert outcome.plan == plan_of(problem, params=PARAMS)
