"""Slow tier: one metro day per policy, with the sanity checks of the small runs."""

from __future__ import annotations

import pytest

from fieldpilot.simulator.generate import generate_day
from fieldpilot.simulator.metrics import day_metrics
from fieldpilot.simulator.policies import POLICIES
from fieldpilot.simulator.run import simulate_day
from fieldpilot.simulator.scenario import load_scenario


@pytest.mark.slow
@pytest.mark.parametrize("policy", POLICIES)
def test_a_metro_day_accounts_for_every_order(policy: str) -> None:
    result = simulate_day(generate_day(load_scenario("metro"), 0), policy)
    metrics = day_metrics(result)
    assert metrics["orders"] > 500
    ends = ("served", "cancelled", "no_show", "unserved")
    assert sum(metrics[f"{o}_orders"] for o in ends) == metrics["orders"]
    assert all(o.reason for o in result.orders if o.outcome not in ("served",))
