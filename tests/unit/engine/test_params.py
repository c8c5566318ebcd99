from __future__ import annotations

from pathlib import Path

import pytest

from fieldpilot.domain.errors import InvalidInput
from fieldpilot.engine.params import DEFAULT_PARAMS_PATH, DispatchParams


def test_shipped_toml_equals_the_dataclass_defaults() -> None:
    assert DispatchParams.from_toml(DEFAULT_PARAMS_PATH) == DispatchParams()


def test_lateness_weighs_priority_and_tier() -> None:
    params = DispatchParams()
    assert params.lateness_cost_per_second(priority=1, tier="vip") == 2.0 * 8.0 * 2.0


def test_loads_overrides_from_toml(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text("[cost]\ntravel_weight = 2\npriority_weights = [4, 3, 2, 1]\n")
    params = DispatchParams.from_toml(path)
    assert params.travel_weight == 2.0
    assert params.priority_weight(1) == 4.0


@pytest.mark.parametrize(
    "data",
    [
        {"travel_weight": -1},
        {"no_such_weight": 1},
        {"eta_half_width": 1.5},
        {"tier_weights": {"standard": 1.0}},
        {"priority_weights": [1, 2]},
        {"overtime_weight": "high"},
        {"promise_break_gain": -1.0},
        {"promise_break_gain": float("inf")},
    ],
)
def test_refuses_invalid_values(data: dict[str, object]) -> None:
    with pytest.raises(InvalidInput) as refused:
        DispatchParams.from_mapping(data)
    assert refused.value.field in data or "tier_weights" in data


def test_the_promise_break_gain_loads_from_the_promises_table(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text("[promises]\npromise_break_gain = 30000\n")
    assert DispatchParams.from_toml(path).promise_break_gain == 30000.0
