"""The OSRM provider against a stub server on 127.0.0.1 that speaks OSRM's response format."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from fieldpilot.domain.values import Location
from fieldpilot.routing import HaversineTravelTimes, OsrmTravelTimes, SpeedProfile
from tests.unit.routing.stub_osrm import StubState, stub_osrm

FLAT = SpeedProfile(congestion=(1.0,) * 96)  # keeps the stub's numbers as they are
TEN = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
PLACES = [Location(45.0, 4.0), Location(45.0, 4.5), Location(45.0, 5.0)]


@pytest.fixture
def osrm() -> Iterator[tuple[OsrmTravelTimes, StubState]]:
    with stub_osrm() as (url, state):
        fallback = HaversineTravelTimes(profile=FLAT)
        with OsrmTravelTimes(url, timeout_seconds=0.5, fallback=fallback) as travel:
            yield travel, state


def test_reads_the_table_service(osrm: tuple[OsrmTravelTimes, StubState]) -> None:
    travel, state = osrm
    durations, distances = travel.matrix(PLACES, TEN)
    assert durations.tolist() == [[0, 50, 100], [50, 0, 50], [100, 50, 0]]
    assert distances.tolist() == [[0, 500, 1000], [500, 0, 500], [1000, 500, 0]]
    assert state.requests[0].startswith("/table/v1/driving/4.000000,45.000000;4.500000,45.000000;")
    assert "annotations=duration%2Cdistance" in state.requests[0]


def test_reads_the_route_service(osrm: tuple[OsrmTravelTimes, StubState]) -> None:
    travel, _ = osrm
    leg = travel.route(PLACES[0], PLACES[2], TEN)
    assert (leg.duration, leg.distance) == (100, 1000)


def test_splits_big_tables_into_blocks_the_server_accepts() -> None:
    places = [Location(45.0, 4.0 + i / 10) for i in range(7)]
    fallback = HaversineTravelTimes(profile=FLAT)
    with stub_osrm() as (url, state), OsrmTravelTimes(url, max_table_size=4, fallback=fallback) as travel:
        durations, _ = travel.matrix(places, TEN)
    assert len(state.requests) == 16  # 4 blocks of 2 sources x 4 blocks of 2 destinations
    assert durations[0, 6] == 60
    assert durations[6, 0] == 60


@pytest.mark.parametrize("mode", ["error", "garbage"])
def test_falls_back_and_logs_when_osrm_answers_badly(
    osrm: tuple[OsrmTravelTimes, StubState], mode: str, caplog: pytest.LogCaptureFixture
) -> None:
    travel, state = osrm
    state.mode = mode
    with caplog.at_level(logging.WARNING, logger="fieldpilot.routing.osrm"):
        durations, _ = travel.matrix(PLACES, TEN)
        leg = travel.route(PLACES[0], PLACES[1], TEN)
    expected, _ = HaversineTravelTimes(profile=FLAT).matrix(PLACES, TEN)
    assert (durations == expected).all()
    assert leg == HaversineTravelTimes(profile=FLAT).route(PLACES[0], PLACES[1], TEN)
    assert "using the offline travel times" in caplog.text


def test_falls_back_on_timeout(osrm: tuple[OsrmTravelTimes, StubState], caplog: pytest.LogCaptureFixture) -> None:
    travel, state = osrm
    state.delay_seconds = 1.0
    with caplog.at_level(logging.WARNING, logger="fieldpilot.routing.osrm"):
        leg = travel.route(PLACES[0], PLACES[1], TEN)
    assert leg == HaversineTravelTimes(profile=FLAT).route(PLACES[0], PLACES[1], TEN)
    assert "Timeout" in caplog.text


def test_falls_back_when_nothing_listens(caplog: pytest.LogCaptureFixture) -> None:
    with stub_osrm() as (url, _):
        pass  # the server is gone: connection refused
    with (
        OsrmTravelTimes(url, fallback=HaversineTravelTimes(profile=FLAT)) as travel,
        caplog.at_level(logging.WARNING, logger="fieldpilot.routing.osrm"),
    ):
        matrix = travel.travel_matrix(PLACES, depart_at=TEN)
    assert matrix.duration(0, 1, 0) > 0
    assert "ConnectError" in caplog.text


def test_fills_unroutable_pairs_from_the_offline_model(osrm: tuple[OsrmTravelTimes, StubState]) -> None:
    travel, state = osrm
    state.mode = "unroutable"
    durations, _ = travel.matrix(PLACES, TEN)
    offline, _ = HaversineTravelTimes(profile=FLAT).matrix(PLACES, TEN)
    assert durations[0, 2] == offline[0, 2]
    assert durations[0, 1] == 50
