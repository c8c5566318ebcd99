"""A library-neutral routing model: what every batch solver backend accepts and returns.

The dispatch adapter (``dispatch.py``) and the benchmark readers both translate into this model, so the
optimization library stays behind one module (``pyvrp_backend.py``) and can be swapped. Everything is in
integers (the caller picks the unit and the scaling). Pure data: no I/O and no optimization library here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum

import numpy as np
from numpy.typing import NDArray

#: Latest time when a window is open-ended.
OPEN_END = 2**40


@dataclass(frozen=True, slots=True)
class Depot:
    """A place where routes start, end or reload; ``location`` indexes the matrices."""

    location: int
    tw_early: int = 0
    tw_late: int = OPEN_END
    name: str = ""
    service: int = 0  # time spent on each visit (e.g. picking up parts at a warehouse)


@dataclass(frozen=True, slots=True)
class Job:
    """One visit to make. ``fleets`` lists the fleets allowed to serve it (None = every fleet).

    A job nobody may serve (an empty ``fleets``) is left unassigned even when ``required``.
    """

    location: int
    service: int = 0
    tw_early: int = 0
    tw_late: int = OPEN_END
    demand: tuple[int, ...] = ()
    required: bool = True
    prize: int = 0
    fleets: frozenset[int] | None = None
    name: str = ""

    def __post_init__(self) -> None:
        if self.service < 0 or self.tw_early > self.tw_late:
            raise ValueError(f"job {self.name!r}: bad service time or window")


@dataclass(frozen=True, slots=True)
class Fleet:
    """``num_available`` identical vehicles (a technician is a fleet of one).

    ``initial_load`` occupies capacity until the first visit to a reload depot: with a large capacity and
    ``initial_load = capacity - carried`` a van carries ``carried`` units before restocking and is
    unlimited after.
    """

    start_depot: int
    end_depot: int
    num_available: int = 1
    tw_early: int = 0
    tw_late: int = OPEN_END
    capacity: tuple[int, ...] = ()
    initial_load: tuple[int, ...] = ()
    reload_depots: tuple[int, ...] = ()
    fixed_cost: int = 0
    unit_distance_cost: int = 1
    unit_duration_cost: int = 0
    name: str = ""

    def __post_init__(self) -> None:
        if self.num_available < 1 or self.tw_early > self.tw_late:
            raise ValueError(f"fleet {self.name!r}: needs a vehicle and a non-empty shift")


@dataclass(frozen=True)
class RoutingModel:
    """Square integer matrices over locations, plus depots, jobs and fleets that index into them."""

    distance: NDArray[np.int64]
    duration: NDArray[np.int64]
    depots: tuple[Depot, ...]
    jobs: tuple[Job, ...]
    fleets: tuple[Fleet, ...]
    num_load_dimensions: int = 0
    #: Optional (x, y) per location; some search operators use geometry to prune moves.
    coordinates: NDArray[np.float64] | None = None

    def __post_init__(self) -> None:
        n = self.distance.shape[0]
        if self.coordinates is not None and self.coordinates.shape != (n, 2):
            raise ValueError("coordinates must hold one (x, y) pair per location")
        if self.distance.shape != (n, n) or self.duration.shape != (n, n):
            raise ValueError("distance and duration must be square matrices of the same size")
        if not self.depots or not self.fleets:
            raise ValueError("a routing model needs at least one depot and one fleet")
        locations = [d.location for d in self.depots] + [j.location for j in self.jobs]
        if any(not 0 <= loc < n for loc in locations):
            raise ValueError("a depot or job refers to a location outside the matrices")
        dims = self.num_load_dimensions
        for job in self.jobs:
            if len(job.demand) not in (0, dims):
                raise ValueError(f"job {job.name!r}: demand must have {dims} dimensions")
            if job.fleets is not None and any(not 0 <= f < len(self.fleets) for f in job.fleets):
                raise ValueError(f"job {job.name!r}: unknown fleet")
        for fleet in self.fleets:
            if len(fleet.capacity) not in (0, dims) or len(fleet.initial_load) not in (0, dims):
                raise ValueError(f"fleet {fleet.name!r}: capacity must have {dims} dimensions")
            depots = (fleet.start_depot, fleet.end_depot, *fleet.reload_depots)
            if any(not 0 <= d < len(self.depots) for d in depots):
                raise ValueError(f"fleet {fleet.name!r}: unknown depot")


class StopKind(Enum):
    """Kinds of stops along a found route."""

    JOB = "job"
    RELOAD = "reload"


@dataclass(frozen=True, slots=True)
class RouteStop:
    """A job served (``index`` into jobs) or a reload depot visited (``index`` into depots)."""

    kind: StopKind
    index: int
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class FoundRoute:
    """One vehicle's route: which fleet it belongs to, when it leaves and returns, and its stops."""

    fleet: int
    start: int
    end: int
    stops: tuple[RouteStop, ...]
    distance: int
    duration: int

    @property
    def job_indices(self) -> tuple[int, ...]:
        return tuple(s.index for s in self.stops if s.kind is StopKind.JOB)


@dataclass(frozen=True)
class RoutingResult:
    """The best solution found; ``feasible`` is False when some hard constraint could not be met."""

    routes: tuple[FoundRoute, ...]
    unassigned: tuple[int, ...]
    cost: int
    feasible: bool
    iterations: int
    seconds: float
    #: (seconds since start, cost) each time the best feasible cost improved.
    improvements: tuple[tuple[float, int], ...] = field(default=())


@dataclass(frozen=True, slots=True)
class SearchBudget:
    """When to stop searching. Iteration limits give reproducible plans; wall-clock limits do not."""

    max_seconds: float | None = None
    max_iterations: int | None = None
    max_no_improvement: int | None = None

    def __post_init__(self) -> None:
        limits: Sequence[float | int | None] = (
            self.max_seconds,
            self.max_iterations,
            self.max_no_improvement,
        )
        if all(limit is None for limit in limits):
            raise ValueError("a search budget needs at least one limit")
        if any(limit is not None and limit < 0 for limit in limits):
            raise ValueError("search limits must be non-negative")
