"""Ports: what the service layer needs from the outside world, as Protocols.

Implementations live in adapters (storage, routing, events, api) and in `service.fakes` for
tests; none of them inherit from these classes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from fieldpilot.domain.values import Location
from fieldpilot.engine.params import DispatchParams
from fieldpilot.engine.plan import Plan
from fieldpilot.engine.problem import CongestionProfile, DispatchProblem, TravelMatrix


class Clock(Protocol):
    """The current time, timezone-aware UTC. Injected so that runs are reproducible."""

    def now(self) -> datetime: ...


class IdGenerator(Protocol):
    """New object ids, e.g. `wo_3f9c...`. Deterministic in tests and simulations."""

    def new_id(self, prefix: str) -> str: ...


class SecretSource(Protocol):
    """Unguessable tokens (tracking links, API keys): `nbytes` random bytes, URL-safe text."""

    def token(self, nbytes: int) -> str: ...


class PasswordHasher(Protocol):
    """One-way password hashing (argon2 in production)."""

    def hash(self, password: str) -> str: ...

    def verify(self, password_hash: str, password: str) -> bool: ...


class TravelTimes(Protocol):
    """Driving times and distances between places, for trips leaving around `depart_at`.

    Implementations: routing's haversine model (default, offline) and OSRM (production).
    """

    def travel_matrix(self, locations: Sequence[Location], *, depart_at: datetime) -> TravelMatrix: ...


@runtime_checkable
class TravelBlocks(Protocol):
    """Optional: blocks of the free-flow matrix, so a snapshot kept between commands can grow its
    matrix by the new places only. `free_flow_block` must give, pair for pair, what
    `travel_matrix` gives over any list of places; `revision` moves whenever free-flow times may
    change (live traffic). A provider may also say `symmetric_blocks = True` when
    `free_flow_block(b, a)` is always `free_flow_block(a, b)` transposed, value for value (the
    places' rows are then computed, not their columns)."""

    @property
    def revision(self) -> int: ...

    def free_flow_block(
        self, origins: Sequence[Location], destinations: Sequence[Location]
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]: ...

    def congestion_profile(self, epoch: datetime) -> CongestionProfile: ...


def travel_blocks(travel: TravelTimes) -> TravelBlocks | None:
    """The provider's block interface, if it (or the provider it caches) has one."""
    if isinstance(travel, TravelBlocks):
        return travel
    inner = getattr(travel, "blocks", None)
    return inner if isinstance(inner, TravelBlocks) else None


class BatchSolver(Protocol):
    """Optimise every route of a snapshot within a time budget. With `max_iterations` set, the
    same seed and snapshot give the same plan (wall-clock budgets cannot promise that).

    Must keep pinned visits where they are and promised visits within tolerance.
    """

    def __call__(
        self,
        problem: DispatchProblem,
        *,
        time_budget_seconds: float,
        seed: int,
        params: DispatchParams,
        max_iterations: int | None = None,
    ) -> Plan: ...


class ReplanScheduler(Protocol):
    """Asks for a re-plan. In the server a background worker coalesces requests so intake never
    waits for the solver; in simulations and tests it runs at once."""

    def request(self, trigger: str, *, orders: tuple[str, ...] = (), technicians: tuple[str, ...] = ()) -> None:
        """Ask for a re-plan; `orders` and `technicians` say where the change is (none: anywhere)."""
        ...


class TrafficFeed(Protocol):
    """Live traffic factors per named area, read by the travel-time provider."""

    def set_factor(self, area: str, factor: float) -> tuple[float, float] | None:
        """Set an area's factor; (previous, current) when it moved, None when unchanged."""
        ...

    def factors(self) -> dict[str, float]:
        """Every known area with its current factor."""
        ...
