"""The hindsight bound: the whole day planned offline, reported like a policy."""

from __future__ import annotations

from fieldpilot.simulator.generate import generate_day
from fieldpilot.simulator.hindsight import hindsight_day, hindsight_problem
from fieldpilot.simulator.metrics import day_metrics
from fieldpilot.simulator.scenario import Scenario


def test_knows_every_request_but_never_visits_before_the_call(tiny: Scenario) -> None:
    day = generate_day(tiny, 4)
    problem = hindsight_problem(day)
    kept = [a for a in day.arrivals if a.cancel_after is None]
    assert len(problem.orders) == len(kept)
    result = hindsight_day(day, iterations=50)
    created = {o.order_id: o.created for o in result.orders}
    for order in result.orders:
        if order.outcome == "served":
            assert order.arrived is not None and order.arrived >= created[order.order_id]
        else:
            assert order.reason


def test_reports_plan_metrics_and_no_eta_metrics(tiny: Scenario) -> None:
    metrics = day_metrics(hindsight_day(generate_day(tiny, 4), iterations=50))
    assert metrics["served_orders"] + metrics["unserved_orders"] + metrics["cancelled_orders"] == metrics["orders"]
    assert "wait_min_mean" in metrics and "km_total" in metrics
    assert "eta_within_window" not in metrics
