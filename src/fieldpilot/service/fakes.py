"""Deterministic implementations of the ports, for tests and the simulator."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np

from fieldpilot.domain.values import Location
from fieldpilot.engine.problem import TravelMatrix


@dataclass
class FixedClock:
    """A clock that only moves when told to."""

    current: datetime

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)


@dataclass
class SequentialIds:
    counters: dict[str, int] = field(default_factory=dict)

    def new_id(self, prefix: str) -> str:
        self.counters[prefix] = self.counters.get(prefix, 0) + 1
        return f"{prefix}_{self.counters[prefix]:06d}"


class SeededSecrets:
    """Reproducible tokens from a seed (never use outside tests and simulations)."""

    def __init__(self, seed: int = 0) -> None:
        self._rng = random.Random(seed)

    def token(self, nbytes: int) -> str:
        import base64

        raw = self._rng.getrandbits(nbytes * 8).to_bytes(nbytes, "big")
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


class PlainHasher:
    """A fast salted SHA-256 stand-in for argon2 in unit tests."""

    def hash(self, password: str) -> str:
        return "sha256$" + hashlib.sha256(("salt:" + password).encode()).hexdigest()

    def verify(self, password_hash: str, password: str) -> bool:
        return password_hash == self.hash(password)


class StraightLineTravel:
    """Equirectangular distance at a constant speed: a simple, exact-to-reason-about travel model."""

    def __init__(self, speed_kmh: float = 36.0) -> None:
        self.metres_per_second = speed_kmh / 3.6

    def travel_matrix(self, locations: Sequence[Location], *, depart_at: datetime) -> TravelMatrix:
        lat = np.radians([p.lat for p in locations])
        lon = np.radians([p.lon for p in locations])
        mean_lat = float(lat.mean()) if len(locations) else 0.0
        x = lon * np.cos(mean_lat) * 6_371_000.0
        y = lat * 6_371_000.0
        metres = np.hypot(x[:, None] - x[None, :], y[:, None] - y[None, :]).round().astype(np.int64)
        seconds = np.round(metres / self.metres_per_second).astype(np.int64)
        return TravelMatrix(seconds, metres)
