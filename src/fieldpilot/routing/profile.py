"""How fast vans go: road classes by trip length, a time-of-day congestion profile, areas and live traffic.

- `SpeedProfile`: the first kilometres of a trip run on urban streets, the next on arterials, the
  rest on highways, each at its own speed; a road factor turns straight lines into road metres;
  `congestion` holds 96 quarter-hour factors of local time (rush hours slower).
- `Area`: a named circle (a city centre, an industrial zone) whose trips run slower or faster.
- `LiveTraffic`: a live factor per area, set by an operator or a feed. Setting it returns a
  `TrafficChange` when the factor actually moves: the service layer turns that into a re-plan.

May import: fieldpilot.domain, fieldpilot.engine, numpy and the standard library.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

from fieldpilot.domain.errors import InvalidInput
from fieldpilot.domain.values import Location
from fieldpilot.engine.problem import SECONDS_PER_DAY, CongestionProfile

EARTH_RADIUS_METRES = 6_371_008.8
QUARTER_HOUR = 900


def default_congestion() -> tuple[float, ...]:
    """Quarter-hour factors: morning peak 07:30-09:30, evening peak 16:30-19:00, quiet nights."""
    factors = []
    for quarter in range(96):
        hour = quarter / 4
        if 7.5 <= hour < 9.5:
            factors.append(1.35)
        elif 16.5 <= hour < 19.0:
            factors.append(1.5)
        elif 6.0 <= hour < 21.0:
            factors.append(1.1)
        else:
            factors.append(0.9)
    return tuple(factors)


@dataclass(frozen=True, slots=True)
class SpeedProfile:
    road_factor: float = 1.3  # road metres per straight-line metre
    urban_kmh: float = 25.0
    arterial_kmh: float = 45.0
    highway_kmh: float = 85.0
    urban_km: float = 2.0  # the first kilometres of a trip are on urban streets
    arterial_km: float = 12.0  # then arterials, then highway
    congestion: tuple[float, ...] = field(default_factory=default_congestion)
    timezone: str = "UTC"  # the congestion profile is in this local time

    def __post_init__(self) -> None:
        speeds = (self.urban_kmh, self.arterial_kmh, self.highway_kmh)
        if not all(math.isfinite(v) and v > 0 for v in (*speeds, self.road_factor)):
            raise InvalidInput("speed_profile", "speeds and road factor must be positive")
        if self.urban_km < 0 or self.arterial_km < 0:
            raise InvalidInput("speed_profile", "road-class lengths must not be negative")
        if len(self.congestion) != 96 or not all(0.1 <= f <= 10 for f in self.congestion):
            raise InvalidInput("congestion", "needs 96 quarter-hour factors within 0.1..10")
        ZoneInfo(self.timezone)

    def free_flow_seconds(self, road_metres: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        km = road_metres / 1000.0
        urban = np.minimum(km, self.urban_km)
        arterial = np.clip(km - self.urban_km, 0.0, self.arterial_km)
        highway = np.maximum(km - self.urban_km - self.arterial_km, 0.0)
        hours = urban / self.urban_kmh + arterial / self.arterial_kmh + highway / self.highway_kmh
        result: npt.NDArray[np.float64] = hours * 3600.0
        return result

    def second_of_day(self, moment: datetime) -> int:
        local = moment.astimezone(ZoneInfo(self.timezone))
        return local.hour * 3600 + local.minute * 60 + local.second

    def factor_at(self, moment: datetime) -> float:
        return self.congestion[self.second_of_day(moment) // QUARTER_HOUR]

    def congestion_profile(self, epoch: datetime) -> CongestionProfile:
        """The engine's profile for a problem whose second 0 is `epoch`."""
        return CongestionProfile(self.congestion, QUARTER_HOUR, self.second_of_day(epoch) % SECONDS_PER_DAY)


@dataclass(frozen=True, slots=True)
class Area:
    name: str
    center: Location
    radius_metres: float
    speed_factor: float = 1.0  # > 1: trips touching the area take longer

    def __post_init__(self) -> None:
        if self.radius_metres <= 0 or not 0.1 <= self.speed_factor <= 10:
            raise InvalidInput("area", f"area {self.name}: radius > 0 and factor within 0.1..10")


@dataclass(frozen=True, slots=True)
class TrafficChange:
    """A live traffic factor moved: a re-plan trigger for the service layer."""

    area: str
    previous: float
    current: float
    version: int


class LiveTraffic:
    """Live traffic factors per area (1.0 = normal). Thread-safe; `version` moves on every change."""

    def __init__(self, areas: Sequence[Area] = ()) -> None:
        self._areas = {a.name: a for a in areas}
        self._factors: dict[str, float] = {}
        self._version = 0
        self._lock = threading.Lock()

    @property
    def areas(self) -> Mapping[str, Area]:
        return dict(self._areas)

    @property
    def version(self) -> int:
        return self._version

    def factor(self, area: str) -> float:
        return self._factors.get(area, 1.0)

    def set_factor(self, area: str, factor: float) -> TrafficChange | None:
        """Set an area's live factor; the change (a re-plan trigger), or None if nothing moved."""
        if area not in self._areas:
            raise InvalidInput("area", f"unknown area {area!r}")
        if not (math.isfinite(factor) and 0.1 <= factor <= 10):
            raise InvalidInput("factor", "must be within 0.1..10")
        with self._lock:
            previous = self._factors.get(area, 1.0)
            if previous == factor:
                return None
            self._factors[area] = factor
            self._version += 1
            return TrafficChange(area, previous, factor, self._version)

    def location_factors(self, locations: Sequence[Location]) -> npt.NDArray[np.float64]:
        """Per location: the largest (area speed factor x live factor) of the areas it lies in."""
        result = np.ones(len(locations))
        if not self._areas or not locations:
            return result
        lat = np.radians([p.lat for p in locations])
        lon = np.radians([p.lon for p in locations])
        for area in self._areas.values():
            inside = _haversine(lat, lon, math.radians(area.center.lat), math.radians(area.center.lon))
            factor = area.speed_factor * self.factor(area.name)
            result = np.where(inside <= area.radius_metres, np.maximum(result, factor), result)
        return result


def _haversine(
    lat: npt.NDArray[np.float64], lon: npt.NDArray[np.float64], lat0: float, lon0: float
) -> npt.NDArray[np.float64]:
    a = np.sin((lat - lat0) / 2) ** 2 + np.cos(lat) * math.cos(lat0) * np.sin((lon - lon0) / 2) ** 2
    metres: npt.NDArray[np.float64] = 2 * EARTH_RADIUS_METRES * np.arcsin(np.sqrt(np.clip(a, 0, 1)))
    return metres


def straight_line_metres(locations: Sequence[Location]) -> npt.NDArray[np.float64]:
    """Great-circle distances between every pair, metres."""
    return straight_line_block(locations, locations)


def straight_line_block(origins: Sequence[Location], destinations: Sequence[Location]) -> npt.NDArray[np.float64]:
    """Great-circle distances from each origin (rows) to each destination (columns), metres; the
    same value for a pair whatever else the lists hold, and the same either way (a -> b, b -> a:
    the half-angle sines are taken of the differences' absolute values)."""
    lat = np.radians([p.lat for p in origins])
    lon = np.radians([p.lon for p in origins])
    lat2 = np.radians([p.lat for p in destinations])
    lon2 = np.radians([p.lon for p in destinations])
    a = (
        np.sin(np.abs(lat[:, None] - lat2[None, :]) / 2) ** 2
        + np.cos(lat)[:, None] * np.cos(lat2)[None, :] * np.sin(np.abs(lon[:, None] - lon2[None, :]) / 2) ** 2
    )
    metres: npt.NDArray[np.float64] = 2 * EARTH_RADIUS_METRES * np.arcsin(np.sqrt(np.clip(a, 0, 1)))
    return metres
