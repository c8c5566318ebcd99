"""Shared fixtures: the tiny scenario (4 technicians, ~24 orders, frequent disruptions)."""

from __future__ import annotations

from pathlib import Path

import pytest

from fieldpilot.simulator.scenario import Scenario, load_scenario

DATA = Path(__file__).parents[1] / "data"


@pytest.fixture(scope="session")
def tiny() -> Scenario:
    return load_scenario(DATA / "simulation" / "tiny.toml")
