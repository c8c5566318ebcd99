"""Same scenario and seed, same bytes: the JSON report and the order timelines."""

from __future__ import annotations

import pytest

from fieldpilot.simulator.compare import run_comparison
from fieldpilot.simulator.report import metrics_json, order_rows
from fieldpilot.simulator.scenario import Scenario


@pytest.mark.parametrize("policy", ["static", "nearest", "dynamic"])
def test_same_seed_gives_identical_json_bytes(tiny: Scenario, policy: str) -> None:
    first = run_comparison(tiny, [policy], seeds=[5])
    again = run_comparison(tiny, [policy], seeds=[5])
    assert metrics_json(first) == metrics_json(again)
    assert order_rows(first.results[policy][5]) == order_rows(again.results[policy][5])


def test_another_seed_gives_another_day(tiny: Scenario) -> None:
    assert metrics_json(run_comparison(tiny, ["nearest"], seeds=[5])) != metrics_json(
        run_comparison(tiny, ["nearest"], seeds=[6])
    )
