"""The dispatch problem: an immutable snapshot the engine plans on.

Every time is an integer second relative to the problem's `epoch` (an aware datetime), every
distance an integer metre, every place an index into `DispatchProblem.locations` and the travel
matrix. The service layer builds the snapshot (resolving certifications, shifts, breaks and
absences for the day); the engine and its solvers only read it.

May import: fieldpilot.domain, numpy and the standard library. No I/O, no clock.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property

import numpy as np
import numpy.typing as npt

from fieldpilot.domain.errors import InvalidInput, NotFound
from fieldpilot.domain.values import CustomerTier, Location, check_aware

SECONDS_PER_DAY = 86_400
OPEN_END = 10**12  # stands for "no bound" in windows: far beyond any planning horizon


class PinKind(enum.StrEnum):
    """Why a planned visit may not move (technician, order in the route, and for some, time)."""

    EN_ROUTE = "en_route"  # the technician is driving there: start is fixed
    ON_SITE = "on_site"  # work has started: start is fixed
    LOCKED = "locked"  # a dispatcher locked technician and sequence
    LOCKED_TIME = "locked_time"  # a dispatcher locked technician, sequence and start (an appointment)
    PROMISED = "promised"  # an ETA window was promised: it binds the time (window + tolerance), not who comes

    @property
    def binds_technician(self) -> bool:
        """The visit stays with its technician, in its order among the route's pinned visits."""
        return self is not PinKind.PROMISED

    @property
    def fixes_start(self) -> bool:
        """The visit starts at its planned start in every plan."""
        return self in (PinKind.EN_ROUTE, PinKind.ON_SITE, PinKind.LOCKED_TIME)

    @property
    def under_way(self) -> bool:
        """It is happening already: nothing goes before it, and no travel or window rule applies to it.
        (A time-locked visit is still ahead: the technician must get there on time, and new visits
        may go before it when it still starts on time.)"""
        return self in (PinKind.EN_ROUTE, PinKind.ON_SITE)


@dataclass(frozen=True, slots=True)
class Window:
    """A closed range of seconds [start, end], e.g. the allowed start times of a visit."""

    start: int
    end: int

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise InvalidInput("window", f"end {self.end} is before start {self.start}")

    def contains(self, second: int) -> bool:
        return self.start <= second <= self.end

    def widened(self, seconds: int) -> Window:
        return Window(self.start - seconds, self.end + seconds)


@dataclass(frozen=True, slots=True)
class BreakWindow:
    """A break of `duration` seconds to be taken entirely inside [start, end]."""

    start: int
    end: int
    duration: int

    def __post_init__(self) -> None:
        if self.duration <= 0 or self.end - self.start < self.duration:
            raise InvalidInput("breaks", "a break must be positive and fit inside its window")

    @property
    def latest_start(self) -> int:
        return self.end - self.duration


@dataclass(frozen=True, slots=True)
class Restock:
    """A detour to a warehouse just before a visit, to pick up parts missing from the van."""

    warehouse: int  # index into DispatchProblem.warehouses
    parts: Mapping[str, int]


@dataclass(frozen=True, slots=True)
class PlannedVisit:
    """One visit already in a technician's route."""

    order_id: str
    planned_start: int
    pin: PinKind | None = None
    promised_window: Window | None = None  # overrides the order's promised window when set
    restock: Restock | None = None

    @property
    def pinned(self) -> bool:
        return self.pin is not None


@dataclass(frozen=True, slots=True)
class TechnicianState:
    """A technician as the engine sees them on the planning day."""

    id: str
    start_location: int  # current position, or home
    earliest_start: int  # current time, or shift start
    end_location: int  # home
    shift_start: int
    shift_end: int  # shift_start == shift_end: not working that day
    name: str = ""
    skills: Mapping[str, int] = field(default_factory=dict)
    certifications: frozenset[str] = frozenset()  # valid on the planning day
    expired_certifications: frozenset[str] = frozenset()  # held, but not valid that day
    tools: frozenset[str] = frozenset()
    stock: Mapping[str, int] = field(default_factory=dict)
    territories: frozenset[str] = frozenset()  # empty: may work anywhere
    max_overtime: int = 0
    breaks: tuple[BreakWindow, ...] = ()
    absences: tuple[Window, ...] = ()
    served_customers: frozenset[str] = frozenset()
    served_assets: frozenset[str] = frozenset()
    route: tuple[PlannedVisit, ...] = ()

    def __post_init__(self) -> None:
        if self.shift_end < self.shift_start:
            raise InvalidInput("shift_end", f"technician {self.id}: shift ends before it starts")
        if self.max_overtime < 0:
            raise InvalidInput("max_overtime", "must not be negative")

    @property
    def on_shift(self) -> bool:
        return self.shift_end > self.shift_start

    @property
    def latest_end(self) -> int:
        """The last second the technician may be back home, overtime included."""
        return self.shift_end + self.max_overtime

    @property
    def label(self) -> str:
        return self.name or self.id


@dataclass(frozen=True, slots=True)
class OrderRequest:
    """A work order to place, or already placed in a route."""

    id: str
    location: int
    duration: int
    earliest_start: int | None = None  # None: open
    latest_start: int | None = None  # None: open
    required_skills: Mapping[str, int] = field(default_factory=dict)  # code -> minimum level
    required_certifications: frozenset[str] = frozenset()
    required_tools: frozenset[str] = frozenset()
    parts: Mapping[str, int] = field(default_factory=dict)
    priority: int = 3  # 1 (most urgent) .. 4
    customer_tier: CustomerTier = CustomerTier.STANDARD
    sla_deadline: int | None = None  # the visit should start by then (soft, penalised)
    territory: str | None = None
    excluded_technicians: frozenset[str] = frozenset()
    required_technicians: frozenset[str] = frozenset()  # non-empty: only these may go
    customer_id: str | None = None
    asset_id: str | None = None
    promised_window: Window | None = None

    def __post_init__(self) -> None:
        if self.duration <= 0:
            raise InvalidInput("duration", f"order {self.id}: duration must be positive")
        if not 1 <= self.priority <= 4:
            raise InvalidInput("priority", f"order {self.id}: priority must be 1..4")
        if (
            self.earliest_start is not None
            and self.latest_start is not None
            and self.latest_start < self.earliest_start
        ):
            raise InvalidInput("latest_start", f"order {self.id}: window closes before it opens")

    @property
    def start_window(self) -> Window:
        """Allowed start seconds; open ends become very far bounds."""
        lo = -OPEN_END if self.earliest_start is None else self.earliest_start
        hi = OPEN_END if self.latest_start is None else self.latest_start
        return Window(lo, hi)


@dataclass(frozen=True, slots=True)
class WarehouseStock:
    """A warehouse (or depot) where technicians can pick up parts."""

    id: str
    location: int
    stock: Mapping[str, int]
    pickup_seconds: int = 600


@dataclass(frozen=True, slots=True)
class CongestionProfile:
    """Travel-time factors by time of day: `factors[k]` applies from second k*bin_seconds of the day.

    `epoch_second_of_day` says which second of the local day the problem's epoch falls on.
    """

    factors: tuple[float, ...]
    bin_seconds: int = 900
    epoch_second_of_day: int = 0

    def __post_init__(self) -> None:
        if self.bin_seconds <= 0 or len(self.factors) * self.bin_seconds != SECONDS_PER_DAY:
            raise InvalidInput("factors", "must cover one day exactly in bins of bin_seconds")
        if any(not 0.1 <= f <= 10.0 for f in self.factors):
            raise InvalidInput("factors", "each factor must be within 0.1..10")

    @property
    def lowest_factor(self) -> float:
        return min(self.factors)

    @property
    def highest_factor(self) -> float:
        return max(self.factors)

    def factor_at(self, second: int) -> float:
        return self.factors[((self.epoch_second_of_day + second) % SECONDS_PER_DAY) // self.bin_seconds]


class TravelMatrix:
    """Integer travel seconds and metres between locations, optionally scaled by time of day.

    Backed by read-only numpy arrays; `duration` and `distance` read them through memoryviews
    (no copy, and nothing for the garbage collector to walk, even at 10,000+ locations) because the
    real-time insertion calls them in tight loops.
    """

    __slots__ = (
        "_distance_rows",
        "_duration_rows",
        "_highest",
        "_lowest",
        "congestion",
        "distances",
        "durations",
    )

    def __init__(
        self,
        durations: npt.ArrayLike,
        distances: npt.ArrayLike,
        congestion: CongestionProfile | None = None,
    ) -> None:
        dur = np.array(durations, dtype=np.int64)
        dist = np.array(distances, dtype=np.int64)
        if dur.ndim != 2 or dur.shape[0] != dur.shape[1] or dur.shape != dist.shape:
            raise InvalidInput("matrix", "durations and distances must be square and the same shape")
        if (dur < 0).any() or (dist < 0).any():
            raise InvalidInput("matrix", "travel times and distances must not be negative")
        dur.setflags(write=False)
        dist.setflags(write=False)
        self.durations: npt.NDArray[np.int64] = dur
        self.distances: npt.NDArray[np.int64] = dist
        self.congestion = congestion
        self._duration_rows = dur.data
        self._distance_rows = dist.data
        self._lowest = 1.0 if congestion is None else min(congestion.factors)
        self._highest = 1.0 if congestion is None else max(congestion.factors)

    @classmethod
    def trusted(
        cls,
        durations: npt.NDArray[np.int64],
        distances: npt.NDArray[np.int64],
        congestion: CongestionProfile | None = None,
    ) -> TravelMatrix:
        """Wrap square int64 arrays already known to be valid, without copying or re-checking them
        (views of a matrix the caller keeps and grows; they are made read-only here)."""
        if durations.dtype != np.int64 or distances.dtype != np.int64 or durations.shape != distances.shape:
            raise InvalidInput("matrix", "trusted matrices must be int64 arrays of one shape")
        dur, dist = durations.view(), distances.view()
        dur.setflags(write=False)
        dist.setflags(write=False)
        matrix = cls.__new__(cls)
        matrix.durations, matrix.distances, matrix.congestion = dur, dist, congestion
        matrix._duration_rows, matrix._distance_rows = dur.data, dist.data
        matrix._lowest = 1.0 if congestion is None else min(congestion.factors)
        matrix._highest = 1.0 if congestion is None else max(congestion.factors)
        return matrix

    @property
    def size(self) -> int:
        return int(self.durations.shape[0])

    def duration(self, origin: int, destination: int, depart_second: int) -> int:
        base = self._duration_rows[origin, destination]
        if self.congestion is None or base == 0:
            return base
        return round(base * self.congestion.factor_at(depart_second))

    def free_flow_duration(self, origin: int, destination: int) -> int:
        return self._duration_rows[origin, destination]

    @property
    def free_flow(self) -> memoryview:
        """The free-flow durations, indexed `[origin, destination]` -> int, for tight loops."""
        return self._duration_rows

    @property
    def factor_range(self) -> tuple[float, float]:
        """The lowest and highest time-of-day factor (1.0, 1.0 without congestion)."""
        return self._lowest, self._highest

    def shortest_duration(self, origin: int, destination: int) -> int:
        """A lower bound of `duration` over every departure time."""
        base = self._duration_rows[origin, destination]
        if self.congestion is None:
            return base
        return int(base * self._lowest)

    def distance(self, origin: int, destination: int) -> int:
        return self._distance_rows[origin, destination]


def day_start(problem: DispatchProblem, tech: TechnicianState) -> int:
    """When the technician's day (re)starts for new work: shift start, earliest start, and never before
    the snapshot's `now` (work cannot be planned in the past). Visits under way keep their own start.

    The scheduler, the plan checker and the solver models all read the day's start through this rule.
    """
    return max(tech.earliest_start, tech.shift_start, problem.now)


_UNDER_WAY = frozenset(kind for kind in PinKind if kind.under_way)


def owed_breaks(problem: DispatchProblem, tech: TechnicianState) -> tuple[BreakWindow, ...]:
    """The breaks a technician's day must hold, each in full inside its window; but work under way
    is not interrupted: a break that can neither be taken before a visit under way starts nor after
    it ends inside its window moves to right after that visit (its window is stretched to allow it).

    The scheduler and the plan checker both read breaks through this rule.
    """
    if not tech.breaks:
        return tech.breaks
    under_way = [
        (v.planned_start, v.planned_start + problem.order(v.order_id).duration)
        for v in tech.route
        if v.pin in _UNDER_WAY  # PinKind.under_way, without a property call per visit of every route
    ]
    if not under_way:
        return tech.breaks
    owed = []
    day_starts = day_start(problem, tech)
    for brk in sorted(tech.breaks, key=lambda b: (b.start, b.end)):
        ready = day_starts
        for start, end in under_way:
            if max(ready, brk.start) + brk.duration <= start or brk.latest_start >= end:
                break  # it fits before this visit, or after it
            if brk.latest_start >= ready:  # (a window that closed before the day started is taken)
                brk = BreakWindow(brk.start, end + brk.duration, brk.duration)
            ready = end
        owed.append(brk)
    return tuple(owed)


@dataclass(frozen=True)
class DispatchProblem:
    """Technicians with their routes so far, the open orders (planned and not) and travel data."""

    epoch: datetime
    technicians: tuple[TechnicianState, ...]
    orders: tuple[OrderRequest, ...]
    locations: tuple[Location, ...]
    matrix: TravelMatrix
    warehouses: tuple[WarehouseStock, ...] = ()
    now: int = 0  # the snapshot's moment, seconds since epoch

    def __post_init__(self) -> None:
        check_aware(self.epoch, field="epoch")
        n = len(self.locations)
        if self.matrix.size != n:
            raise InvalidInput("matrix", f"matrix is {self.matrix.size}x{self.matrix.size}, {n} locations")
        _check_unique((t.id for t in self.technicians), kind="technician")
        _check_unique((o.id for o in self.orders), kind="order")
        for place in _all_location_indexes(self):
            if not 0 <= place < n:
                raise InvalidInput("location", f"location index {place} is outside 0..{n - 1}")
        orders = self.orders_by_id
        seen: set[str] = set()
        for tech in self.technicians:
            for visit in tech.route:
                if visit.order_id not in orders:
                    raise InvalidInput("route", f"{tech.id} visits unknown order {visit.order_id}")
                if visit.order_id in seen:
                    raise InvalidInput("route", f"order {visit.order_id} is in two routes")
                seen.add(visit.order_id)
                if visit.restock and not 0 <= visit.restock.warehouse < len(self.warehouses):
                    raise InvalidInput("restock", f"unknown warehouse {visit.restock.warehouse}")

    @classmethod
    def assembled(
        cls,
        *,
        epoch: datetime,
        technicians: tuple[TechnicianState, ...],
        orders: tuple[OrderRequest, ...],
        locations: tuple[Location, ...],
        matrix: TravelMatrix,
        warehouses: tuple[WarehouseStock, ...],
        now: int,
        orders_by_id: dict[str, OrderRequest] | None = None,
    ) -> DispatchProblem:
        """A problem from parts the caller keeps valid (unique ids, routes over its orders, no order in
        two routes, places inside the matrix), without the whole-problem checks of the constructor.
        `orders_by_id`: the orders by id, when the caller has them (a dict the problem then owns)."""
        problem = object.__new__(cls)
        if orders_by_id is not None:
            object.__setattr__(problem, "orders_by_id", orders_by_id)
        for name, value in (
            ("epoch", epoch),
            ("technicians", technicians),
            ("orders", orders),
            ("locations", locations),
            ("matrix", matrix),
            ("warehouses", warehouses),
            ("now", now),
        ):
            object.__setattr__(problem, name, value)
        return problem

    def derived(self, technicians: tuple[TechnicianState, ...]) -> DispatchProblem:
        """The same problem with other technician states, for callers that keep it valid (same ids,
        routes over its orders, no order in two routes): not checked again, the order index shared."""
        derived = object.__new__(DispatchProblem)
        for name, value in vars(self).items():
            if name not in ("assigned_technician", "technicians_by_id", "memo"):
                object.__setattr__(derived, name, value)
        object.__setattr__(derived, "technicians", technicians)
        object.__setattr__(derived, "lineage", self.lineage)
        return derived

    @cached_property
    def orders_by_id(self) -> Mapping[str, OrderRequest]:
        return {o.id: o for o in self.orders}

    @cached_property
    def technicians_by_id(self) -> Mapping[str, TechnicianState]:
        return {t.id: t for t in self.technicians}

    @cached_property
    def assigned_technician(self) -> Mapping[str, str]:
        """order id -> id of the technician whose route holds it."""
        return {v.order_id: t.id for t in self.technicians for v in t.route}

    @cached_property
    def memo(self) -> dict[object, object]:
        """Scratch space for data derived from this snapshot (route schedules); not part of its value."""
        return {}

    @cached_property
    def lineage(self) -> dict[object, object]:
        """Scratch space shared with every problem `derived` from this one, which differ only in
        technician states: data that depends on one technician's state and on what they share (orders,
        places, travel, warehouses, now), kept under the identity of that (frozen) state, which the
        entry holds so that its id is not reused. Not part of the problem's value."""
        return {}

    def order(self, order_id: str) -> OrderRequest:
        try:
            return self.orders_by_id[order_id]
        except KeyError:
            raise NotFound("order", order_id) from None

    def technician(self, technician_id: str) -> TechnicianState:
        try:
            return self.technicians_by_id[technician_id]
        except KeyError:
            raise NotFound("technician", technician_id) from None

    def unplanned_orders(self) -> tuple[OrderRequest, ...]:
        planned = self.assigned_technician
        return tuple(o for o in self.orders if o.id not in planned)

    def moment(self, second: int) -> datetime:
        """The aware datetime of a second of this problem."""
        return self.epoch + timedelta(seconds=second)


def _check_unique(ids: Iterable[str], *, kind: str) -> None:
    seen: set[str] = set()
    for key in ids:
        if key in seen:
            raise InvalidInput(kind, f"{kind} {key} appears twice")
        seen.add(key)


def _all_location_indexes(problem: DispatchProblem) -> list[int]:
    places = [o.location for o in problem.orders] + [w.location for w in problem.warehouses]
    for tech in problem.technicians:
        places += [tech.start_location, tech.end_location]
    return places
