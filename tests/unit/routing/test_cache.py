"""The LRU cache: same places and quarter hour hit; a traffic change or another hour misses."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from fieldpilot.domain.values import Location
from fieldpilot.routing import Area, CachedTravelTimes, HaversineTravelTimes, LiveTraffic

PLACES = [Location(45.76, 4.83), Location(45.77, 4.89)]
TEN = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def test_answers_repeated_questions_from_the_cache() -> None:
    cached = CachedTravelTimes(HaversineTravelTimes())
    first = cached.matrix(PLACES, TEN)
    again = cached.matrix(PLACES, TEN.replace(minute=10))
    assert again[0] is first[0]
    assert (cached.hits, cached.misses) == (1, 1)
    with pytest.raises(ValueError, match="read-only"):
        first[0][0, 1] = 1


def test_a_traffic_change_or_another_quarter_hour_is_a_miss() -> None:
    traffic = LiveTraffic([Area("centre", PLACES[0], 1000)])
    cached = CachedTravelTimes(HaversineTravelTimes(traffic=traffic))
    before = cached.route(PLACES[0], PLACES[1], TEN)
    traffic.set_factor("centre", 2.0)
    after = cached.route(PLACES[0], PLACES[1], TEN)
    assert after.duration > before.duration
    cached.travel_matrix(PLACES, depart_at=TEN)
    cached.travel_matrix(PLACES, depart_at=TEN.replace(hour=11))
    assert cached.hits == 0


def test_keeps_only_the_most_recent_entries() -> None:
    cached = CachedTravelTimes(HaversineTravelTimes(), maxsize=2)
    for hour in (8, 9, 10):
        cached.matrix(PLACES, TEN.replace(hour=hour))
    cached.matrix(PLACES, TEN.replace(hour=8))
    assert cached.hits == 0
    cached.matrix(PLACES, TEN.replace(hour=10))
    assert cached.hits == 1
