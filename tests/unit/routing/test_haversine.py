"""The offline provider: road distances, road-class speeds, rush hours, areas and live traffic."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from fieldpilot.domain.errors import InvalidInput
from fieldpilot.domain.values import Location
from fieldpilot.routing import Area, HaversineTravelTimes, LiveTraffic, SpeedProfile

LYON = Location(45.7640, 4.8357)
VILLEURBANNE = Location(45.7719, 4.8902)
GRENOBLE = Location(45.1885, 5.7245)
TEN = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
RUSH = datetime(2026, 3, 2, 17, 30, tzinfo=UTC)


def test_distances_are_road_metres_and_times_integer_seconds() -> None:
    durations, distances = HaversineTravelTimes().matrix([LYON, VILLEURBANNE, GRENOBLE], TEN)
    assert durations.dtype == np.int64
    assert distances.dtype == np.int64
    assert durations[0, 0] == 0
    assert 4_300 * 1.3 < distances[0, 1] < 4_500 * 1.3  # ~4.4 km as the crow flies
    assert (distances == distances.T).all()


def test_long_trips_run_faster_on_average_than_short_ones() -> None:
    durations, distances = HaversineTravelTimes().matrix([LYON, VILLEURBANNE, GRENOBLE], TEN)
    short_speed = distances[0, 1] / durations[0, 1]
    long_speed = distances[0, 2] / durations[0, 2]
    assert long_speed > short_speed * 1.5


def test_a_1730_trip_takes_longer_than_a_1000_one() -> None:
    travel = HaversineTravelTimes()
    assert travel.route(LYON, GRENOBLE, RUSH).duration > travel.route(LYON, GRENOBLE, TEN).duration
    assert travel.route(LYON, GRENOBLE, RUSH).distance == travel.route(LYON, GRENOBLE, TEN).distance


def test_engine_matrix_carries_the_congestion_profile_from_the_epoch() -> None:
    travel = HaversineTravelTimes()
    epoch = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)
    matrix = travel.travel_matrix([LYON, GRENOBLE], depart_at=epoch)
    at_ten = matrix.duration(0, 1, 10 * 3600)
    at_rush = matrix.duration(0, 1, 17 * 3600 + 1800)
    assert at_ten == travel.route(LYON, GRENOBLE, TEN).duration
    assert at_rush == travel.route(LYON, GRENOBLE, RUSH).duration


def test_congestion_follows_the_local_timezone() -> None:
    paris = HaversineTravelTimes(profile=SpeedProfile(timezone="Europe/Paris"))
    utc = HaversineTravelTimes()
    # 16:30 UTC is 17:30 in Paris in March (UTC+1): rush hour there, not yet in UTC
    moment = datetime(2026, 3, 2, 16, 0, tzinfo=UTC)
    assert paris.route(LYON, GRENOBLE, moment).duration > utc.route(LYON, GRENOBLE, moment).duration


def test_live_traffic_in_an_area_slows_trips_touching_it_and_reports_the_change() -> None:
    centre = Area("lyon-centre", LYON, radius_metres=2_000)
    traffic = LiveTraffic([centre])
    travel = HaversineTravelTimes(traffic=traffic)
    before = travel.route(LYON, VILLEURBANNE, TEN).duration
    change = traffic.set_factor("lyon-centre", 1.5)
    assert change is not None
    assert (change.area, change.previous, change.current, change.version) == ("lyon-centre", 1.0, 1.5, 1)
    assert travel.route(LYON, VILLEURBANNE, TEN).duration == pytest.approx(before * 1.5, abs=1)
    assert (
        travel.route(VILLEURBANNE, GRENOBLE, TEN).duration
        == HaversineTravelTimes().route(VILLEURBANNE, GRENOBLE, TEN).duration
    )
    assert traffic.set_factor("lyon-centre", 1.5) is None


def test_refuses_unknown_areas_and_silly_factors() -> None:
    traffic = LiveTraffic([Area("a", LYON, 1000)])
    with pytest.raises(InvalidInput):
        traffic.set_factor("b", 1.2)
    with pytest.raises(InvalidInput):
        traffic.set_factor("a", 0.0)
    with pytest.raises(InvalidInput):
        SpeedProfile(urban_kmh=0)
    with pytest.raises(InvalidInput):
        HaversineTravelTimes().matrix([LYON], datetime(2026, 3, 2, 10, 0))


def test_blocks_are_symmetric_value_for_value_as_the_provider_says() -> None:
    rng = np.random.default_rng(7)
    places = [Location(45.5 + rng.uniform(0, 0.6), 4.5 + rng.uniform(0, 0.8)) for _ in range(300)]
    traffic = LiveTraffic([Area("centre", LYON, 6_000, 1.3), Area("east", VILLEURBANNE, 3_000)])
    traffic.set_factor("east", 2.0)
    travel = HaversineTravelTimes(traffic=traffic)
    assert travel.symmetric_blocks
    a, b = places[:120], places[120:]
    forth, back = travel.free_flow_block(a, b), travel.free_flow_block(b, a)
    assert np.array_equal(forth[0], back[0].T) and np.array_equal(forth[1], back[1].T)
    durations, distances = travel.free_flow(places)
    assert np.array_equal(durations[:120, 120:], forth[0]) and np.array_equal(distances[120:, :120], back[1])
