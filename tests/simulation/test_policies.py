"""A tiny day end to end under each policy: every order accounted for, nobody double-booked,
the engine's checker content with the booked routes, metrics that add up."""

from __future__ import annotations

import itertools
from collections import Counter

import pytest

from fieldpilot.engine.checker import ViolationCode, check_plan
from fieldpilot.engine.insertion import plan_of
from fieldpilot.service.snapshot import build_snapshot
from fieldpilot.simulator.generate import generate_day
from fieldpilot.simulator.kernel import OBSERVER
from fieldpilot.simulator.metrics import day_metrics
from fieldpilot.simulator.policies import POLICIES
from fieldpilot.simulator.run import DayResult, Simulation
from fieldpilot.simulator.scenario import Scenario

SEED = 11
DOUBLE_BOOKING = {ViolationCode.DUPLICATE_ROUTE, ViolationCode.ORDER_PLANNED_TWICE, ViolationCode.OVERLAP}
ENDINGS = {"served", "cancelled", "no_show", "unserved"}


@pytest.fixture(scope="module")
def runs(tiny: Scenario) -> dict[str, tuple[DayResult, list[str]]]:
    day = generate_day(tiny, SEED)
    found: dict[str, tuple[DayResult, list[str]]] = {}
    for policy in POLICIES:
        simulation = Simulation(day, policy)
        problems: list[str] = []

        def check(sim: Simulation = simulation, found_problems: list[str] = problems) -> None:
            with sim.services.uow_factory() as uow:
                problem = build_snapshot(
                    uow, now=sim.kernel.clock.now(), timezone="UTC", travel=sim.services.dispatch.travel
                )
            violations = check_plan(problem, plan_of(problem))
            found_problems += [v.message for v in violations if v.code in DOUBLE_BOOKING]

        for hour in (9, 11, 13, 15, 17):
            simulation.kernel.at(hour * 3600, check, priority=OBSERVER)
        found[policy] = (simulation.run(), problems)
    return found


@pytest.mark.parametrize("policy", POLICIES)
def test_every_order_ends_served_or_explicitly_not_with_a_reason(runs, policy: str) -> None:
    result, _ = runs[policy]
    assert result.orders
    for order in result.orders:
        assert order.outcome in ENDINGS, order
        if order.outcome != "served":
            assert order.reason, order


@pytest.mark.parametrize("policy", POLICIES)
def test_served_orders_have_an_ordered_timeline(runs, policy: str) -> None:
    result, _ = runs[policy]
    for order in (o for o in result.orders if o.outcome == "served"):
        assert order.first_assigned is not None and order.departed is not None
        assert order.arrived is not None and order.completed is not None
        assert order.created <= order.first_assigned <= order.departed <= order.arrived <= order.completed


@pytest.mark.parametrize("policy", POLICIES)
def test_no_technician_is_in_two_places_at_once(runs, policy: str) -> None:
    result, _ = runs[policy]
    for log in result.technicians:
        spans = sorted((start, end) for start, end, _, _ in log.activities)
        for (_, end), (start, _) in itertools.pairwise(spans):
            assert start >= end, log.technician_id
    worked = Counter(order for log in result.technicians for _, _, kind, order in log.activities if kind == "work")
    served = {o.order_id for o in result.orders if o.outcome == "served"}
    assert {o for o, n in worked.items() if n > 0} == served
    assert all(n == 1 for n in worked.values())


@pytest.mark.parametrize("policy", POLICIES)
def test_the_engine_checker_finds_no_double_booking_in_the_booked_routes(runs, policy: str) -> None:
    _, problems = runs[policy]
    assert problems == []


@pytest.mark.parametrize("policy", POLICIES)
def test_metrics_are_internally_consistent(runs, policy: str) -> None:
    result, _ = runs[policy]
    metrics = day_metrics(result)
    outcomes = sum(metrics[f"{o}_orders"] for o in ENDINGS)
    assert outcomes == metrics["orders"] == len(result.orders)
    for priority in range(1, 5):
        assert 0.0 <= metrics[f"sla_attainment_p{priority}"] <= 1.0
    assert metrics["wait_min_p50"] <= metrics["wait_min_p90"] <= metrics["wait_min_p95"]
    assert 0.0 <= metrics["eta_within_window"] <= 1.0
    assert metrics["km_total"] >= sum(o.km for o in result.orders) - 1e-6
    assert 0.0 < metrics["utilization"] <= 1.5


def test_every_policy_sees_the_same_requests(runs) -> None:
    streams = {p: [(o.order_id, o.created, o.priority) for o in runs[p][0].orders] for p in POLICIES}
    assert streams["static"] == streams["nearest"] == streams["dynamic"]


def test_dynamic_answers_at_once_and_static_waits_for_its_batch(runs) -> None:
    dynamic, static = day_metrics(runs["dynamic"][0]), day_metrics(runs["static"][0])
    assert dynamic["response_min_mean"] < static["response_min_mean"]
