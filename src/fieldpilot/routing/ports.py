"""The travel-times port as routing implements it, and the small values it returns.

    TravelTimes.matrix(locations, depart_at)      -> (durations, distances)   int64 seconds / metres
    TravelTimes.route(origin, destination, depart_at) -> Leg
    TravelTimes.travel_matrix(locations, depart_at=...) -> engine TravelMatrix  (free-flow + profile)

`matrix` answers for trips leaving at `depart_at` (congestion applied); `travel_matrix` gives the
engine free-flow times with the congestion profile attached, so a route's 17:30 leg is slower than
its 10:00 one. The service layer's own `TravelTimes` Protocol is a subset of this one.

May import: fieldpilot.domain, fieldpilot.engine, numpy and the standard library.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import numpy as np
import numpy.typing as npt

from fieldpilot.domain.values import Location
from fieldpilot.engine.problem import TravelMatrix

IntMatrix = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class Leg:
    """One trip: integer seconds and metres."""

    duration: int
    distance: int


class TravelTimes(Protocol):
    """Driving times and distances between places, for trips leaving at `depart_at` (aware)."""

    def matrix(self, locations: Sequence[Location], depart_at: datetime) -> tuple[IntMatrix, IntMatrix]:
        """Durations (s) and distances (m) between every pair, as square int64 arrays."""
        ...

    def route(self, origin: Location, destination: Location, depart_at: datetime) -> Leg:
        """One trip."""
        ...

    def travel_matrix(self, locations: Sequence[Location], *, depart_at: datetime) -> TravelMatrix:
        """The engine's matrix: free-flow times with the time-of-day profile from `depart_at`'s day."""
        ...
