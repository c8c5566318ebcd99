"""Replaying a small CSV of past orders and technicians."""

from __future__ import annotations

from pathlib import Path

import pytest

from fieldpilot.domain.errors import InvalidInput
from fieldpilot.simulator.replay import load_replay
from fieldpilot.simulator.run import simulate_day
from fieldpilot.simulator.scenario import Scenario, load_scenario

REPLAY = Path(__file__).parents[1] / "data" / "replay"


@pytest.fixture(scope="module")
def small_town() -> Scenario:
    return load_scenario("small-town")


def test_the_files_become_a_day_with_every_order_and_technician(small_town: Scenario) -> None:
    day = load_replay(small_town, orders=REPLAY / "orders.csv", technicians=REPLAY / "technicians.csv")(0)
    assert len(day.arrivals) == 12
    assert [t.technician.id for t in day.technicians] == ["ana", "ben", "chloe"]
    assert day.arrivals[0].second == 8 * 3600 + 5 * 60
    assert day.jams == () and all(t.sick_at is None for t in day.technicians)


@pytest.mark.parametrize("policy", ["nearest", "dynamic"])
def test_replayed_jobs_take_their_recorded_time(small_town: Scenario, policy: str) -> None:
    day = load_replay(small_town, orders=REPLAY / "orders.csv", technicians=REPLAY / "technicians.csv")(0)
    result = simulate_day(day, policy)
    recorded = {f"wo_{a.index:06d}": round(a.median_minutes * 60) for a in day.arrivals}
    assert {o.outcome for o in result.orders} <= {"served", "unserved"}
    assert sum(o.outcome == "served" for o in result.orders) >= 10
    for log in result.technicians:
        for start, end, kind, order in log.activities:
            if kind == "work":
                assert end - start == recorded[order]


def test_a_missing_column_is_named(small_town: Scenario, tmp_path: Path) -> None:
    broken = tmp_path / "orders.csv"
    broken.write_text("created,lat,lon,service_type\n2026-03-02T08:00:00+00:00,45.9,6.1,leak\n")
    with pytest.raises(InvalidInput, match="duration_minutes"):
        load_replay(small_town, orders=broken, technicians=REPLAY / "technicians.csv")
