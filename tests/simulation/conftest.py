"""Shared fixtures: the tiny scenario (4 technicians, ~24 orders, frequent disruptions)."""

from __future__ import annotations

from pathlib import Path

import pytest

from fieldpilot.simulator.scenario import Scenario, load_scenario

DATA = Path(__file__).parents[1] / "data"


@pytest.fixture(scope="session")
def tiny() -> Scenario:
    return load_scenario(DATA / "simulation" / "tiny.toml")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The slow tier runs on demand (`-m slow`), as the marker's description promises."""
    if "slow" in (config.getoption("markexpr") or ""):
        return
    skip = pytest.mark.skip(reason="slow tier: run with -m slow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)
