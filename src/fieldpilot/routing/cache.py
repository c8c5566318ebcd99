"""A small LRU cache in front of any travel-times provider.

Keys are the exact list of places, the departure time rounded down to its quarter hour (the
congestion profile's resolution), and the live-traffic version, so a traffic change is never
answered from a stale entry. Cached arrays are read-only; callers get them without copying.

May import: fieldpilot.domain, fieldpilot.engine, fieldpilot.routing, numpy and the standard library.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from fieldpilot.domain.errors import InvalidInput
from fieldpilot.domain.values import Location
from fieldpilot.engine.problem import TravelMatrix
from fieldpilot.routing.ports import IntMatrix, Leg, TravelTimes
from fieldpilot.routing.profile import LiveTraffic


class _WithTraffic(Protocol):
    traffic: LiveTraffic


class CachedTravelTimes:
    """Remembers the last `maxsize` answers of `inner` (matrices, engine matrices and legs)."""

    def __init__(
        self,
        inner: TravelTimes,
        *,
        maxsize: int = 64,
        bucket_seconds: int = 900,
        traffic: LiveTraffic | None = None,
    ) -> None:
        if maxsize < 1 or bucket_seconds < 1:
            raise InvalidInput("maxsize", "maxsize and bucket_seconds must be positive")
        self.inner = inner
        self.maxsize = maxsize
        self.bucket_seconds = bucket_seconds
        self.traffic = traffic if traffic is not None else _traffic_of(inner)
        self._entries: OrderedDict[tuple[object, ...], object] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def _key(self, kind: str, places: Sequence[Location], depart_at: datetime) -> tuple[object, ...]:
        bucket = int(depart_at.timestamp()) // self.bucket_seconds
        version = self.traffic.version if self.traffic is not None else 0
        return (kind, tuple((p.lat, p.lon) for p in places), bucket, version)

    def _lookup(self, key: tuple[object, ...]) -> object | None:
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
                self.hits += 1
            else:
                self.misses += 1
            return found

    def _store(self, key: tuple[object, ...], value: object) -> None:
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self.maxsize:
                self._entries.popitem(last=False)

    def matrix(self, locations: Sequence[Location], depart_at: datetime) -> tuple[IntMatrix, IntMatrix]:
        key = self._key("matrix", locations, depart_at)
        found = self._lookup(key)
        if isinstance(found, tuple):
            return found[0], found[1]
        durations, distances = self.inner.matrix(locations, depart_at)
        durations.setflags(write=False)
        distances.setflags(write=False)
        self._store(key, (durations, distances))
        return durations, distances

    def route(self, origin: Location, destination: Location, depart_at: datetime) -> Leg:
        key = self._key("route", (origin, destination), depart_at)
        found = self._lookup(key)
        if isinstance(found, Leg):
            return found
        leg = self.inner.route(origin, destination, depart_at)
        self._store(key, leg)
        return leg

    def travel_matrix(self, locations: Sequence[Location], *, depart_at: datetime) -> TravelMatrix:
        # keyed on the exact epoch: the profile's alignment depends on it
        key = (*self._key("travel_matrix", locations, depart_at), int(depart_at.timestamp()))
        found = self._lookup(key)
        if isinstance(found, TravelMatrix):
            return found
        matrix = self.inner.travel_matrix(locations, depart_at=depart_at)
        self._store(key, matrix)
        return matrix

    @property
    def blocks(self) -> object | None:
        """The provider itself when it answers blocks of the free-flow matrix (`free_flow_block`),
        for callers that keep and grow their own matrix; such blocks bypass this cache."""
        return self.inner if hasattr(self.inner, "free_flow_block") else None

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def _traffic_of(inner: object) -> LiveTraffic | None:
    traffic = getattr(inner, "traffic", None)
    if isinstance(traffic, LiveTraffic):
        return traffic
    fallback = getattr(inner, "fallback", None)
    traffic = getattr(fallback, "traffic", None)
    return traffic if isinstance(traffic, LiveTraffic) else None
