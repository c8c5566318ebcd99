"""Scenario files and day generation: shipped files load, typos fail, seeds reproduce the day."""

from __future__ import annotations

import dataclasses

import pytest

from fieldpilot.domain.errors import InvalidInput
from fieldpilot.simulator.generate import generate_day
from fieldpilot.simulator.scenario import Scenario, load_scenario, scenario_from_mapping, shipped_scenarios


@pytest.mark.parametrize(("name", "technicians"), [("small-town", 8), ("metro", 60), ("region-scale", 400)])
def test_shipped_scenarios_load_with_their_fleet_size(name: str, technicians: int) -> None:
    scenario = load_scenario(name)
    assert scenario.name == name
    assert scenario.fleet.technicians == technicians


def test_the_three_required_scenarios_are_shipped() -> None:
    assert {"small-town", "metro", "region-scale"} <= set(shipped_scenarios())


def test_metro_generates_about_600_orders_a_day() -> None:
    day = generate_day(load_scenario("metro"), 0)
    assert 520 <= len(day.arrivals) <= 700
    assert len(day.technicians) == 60


def test_an_unknown_setting_is_refused() -> None:
    with pytest.raises(InvalidInput, match="speed_kmhh"):
        scenario_from_mapping({"name": "x", "day": "2026-03-02", "travel": {"speed_kmhh": 30},
                               "service_types": [{"code": "a", "share": 1.0, "skill": "general"}]})  # fmt: skip


def test_an_unknown_scenario_name_says_which_exist() -> None:
    with pytest.raises(InvalidInput, match="small-town"):
        load_scenario("atlantis")


def test_same_seed_same_day_and_another_seed_another_day(tiny: Scenario) -> None:
    first, again, other = generate_day(tiny, 7), generate_day(tiny, 7), generate_day(tiny, 8)
    assert first.arrivals == again.arrivals
    assert repr(first.technicians) == repr(again.technicians)  # Technician compares by identity
    assert first.arrivals != other.arrivals


def test_more_disruptions_leave_the_arrival_stream_unchanged(tiny: Scenario) -> None:
    calmer = dataclasses.replace(tiny, disruptions=dataclasses.replace(tiny.disruptions, sick_technicians=0))
    base, calm = generate_day(tiny, 3), generate_day(calmer, 3)
    assert [(a.second, a.location, a.priority) for a in base.arrivals] == [
        (a.second, a.location, a.priority) for a in calm.arrivals
    ]
    assert all(t.sick_at is None for t in calm.technicians)
