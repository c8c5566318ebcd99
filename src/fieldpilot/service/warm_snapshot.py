"""The dispatch snapshot kept warm between commands and brought up to date from the store's change log.

`build_snapshot` reads every booked order, recomputes each one's SLA clock, rebuilds the travel matrix
over every place and lets the engine schedule every route again: at region scale (400 technicians,
thousands of booked orders) that is most of a real-time dispatch. `WarmSnapshots` keeps what it
derived instead:

- one entry per booked order (its `OrderRequest`, with the SLA deadline computed once) and one per
  active technician (their `TechnicianState`), derived by the very functions `build_snapshot` uses;
- a travel matrix over every place seen, grown by the rows and columns of new places only (when the
  provider offers `TravelBlocks`);
- the store revision it reflects. Each call asks the unit of work what changed since (`changes_since`)
  and re-derives exactly those orders and technicians (and the technicians whose routes they are in);
  everything else keeps its objects, so the engine's per-route schedules cached on the previous
  snapshot (`DispatchProblem.memo`) stay valid and are carried over.

Time moving on is applied too: a technician's earliest start follows `now`, a promised ETA window
that has closed stops pinning its visit, a paused SLA clock is re-read. The result is the snapshot
`build_snapshot` would return, decision for decision (the tests compare both on seeded days); only
the numbering of places differs, which no decision depends on.

It starts over from a full read when it cannot tell what changed: no change log (the SQL store), a
new hour (the snapshot's epoch), live traffic moved, technicians, sites, customers, SLA policies or
warehouses changed, or this unit of work holds uncommitted changes to what the snapshot covers (then
the call is answered by `build_snapshot` and nothing is kept). Calls are serialised by a lock.

May import: fieldpilot.domain, fieldpilot.engine, fieldpilot.sla and fieldpilot.service.
"""

from __future__ import annotations

import threading
from bisect import bisect_left, insort
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

from fieldpilot.domain.resources import Customer, Site, Technician
from fieldpilot.domain.values import Location
from fieldpilot.domain.work_order import BOOKED_STATUSES, WorkOrder
from fieldpilot.engine.params import DispatchParams
from fieldpilot.engine.problem import (
    DispatchProblem,
    OrderRequest,
    PinKind,
    TechnicianState,
    TravelMatrix,
    WarehouseStock,
)
from fieldpilot.engine.schedule import carry_schedules
from fieldpilot.engine.team import carry_team
from fieldpilot.service.order_filters import order_sort_key
from fieldpilot.service.ports import TravelBlocks, TravelTimes, travel_blocks
from fieldpilot.service.sla_tracking import sla_status
from fieldpilot.service.snapshot import (
    MAX_ORDERS,
    _active,
    _from_last_position,
    _Places,
    _request,
    _technician,
    _warehouse,
    build_snapshot,
    seconds,
    snapshot_epoch,
)
from fieldpilot.service.unit_of_work import OrderQuery, StoreChanges, TechnicianPosition, UnitOfWork
from fieldpilot.sla.policy import Milestone, SlaPolicy

# Changes to these kinds start the snapshot over (they are read for every order or technician).
_STRUCTURAL = frozenset({"technicians", "sites", "customers", "sla_policies", "warehouses"})
_BY_PLANNED_START = order_sort_key("planned_start")
Ints = npt.NDArray[np.int64]
_CHUNK = 256  # places per block computed at once


# The kept matrix is dropped at the next full rebuild (each hour) once it holds more places than
# this: positions reported while driving add places, and an n x n matrix grows with their square.
MAX_KEPT_PLACES = 6000


class GrowingMatrix:
    """Free-flow durations and distances over every place seen, grown by blocks for new places."""

    def __init__(self, blocks: TravelBlocks, *, capacity: int = 1024) -> None:
        self.blocks = blocks
        self.revision = blocks.revision
        self.places = _Places([], {})
        self.done = 0  # places whose rows and columns are computed
        self._durations: Ints = np.zeros((capacity, capacity), dtype=np.int64)
        self._distances: Ints = np.zeros((capacity, capacity), dtype=np.int64)

    def flush(self) -> None:
        """Compute the rows and columns of the places added since the last flush."""
        locations = self.places.locations
        size, done = len(locations), self.done
        if size == done:
            return
        capacity = self._durations.shape[0]
        if size > capacity:
            bigger = max(capacity + capacity // 4, size + 256)
            for name in ("_durations", "_distances"):
                grown = np.zeros((bigger, bigger), dtype=np.int64)
                grown[:done, :done] = getattr(self, name)[:done, :done]
                setattr(self, name, grown)
        everything: Sequence[Location] = locations[:size]
        symmetric = getattr(self.blocks, "symmetric_blocks", False) is True
        for first in range(done, size, _CHUNK):  # in slices, so that no temporary grows with size^2
            last = min(size, first + _CHUNK)
            rows_dur, rows_dist = self.blocks.free_flow_block(locations[first:last], everything)
            self._durations[first:last, :size] = rows_dur
            self._distances[first:last, :size] = rows_dist
            if symmetric:  # the columns are the rows transposed
                self._durations[:size, first:last] = rows_dur.T
                self._distances[:size, first:last] = rows_dist.T
        if symmetric:
            self.done = size
            return
        rows = max(_CHUNK, _CHUNK * size // (size - done))  # as many cells per block as a row pass
        for first in range(0, done, rows):
            last = min(done, first + rows)
            cols_dur, cols_dist = self.blocks.free_flow_block(locations[first:last], locations[done:size])
            self._durations[first:last, done:size] = cols_dur
            self._distances[first:last, done:size] = cols_dist
        self.done = size

    def matrix(self, epoch: datetime) -> TravelMatrix:
        self.flush()
        n = self.done
        congestion = self.blocks.congestion_profile(epoch)
        return TravelMatrix.trusted(self._durations[:n, :n], self._distances[:n, :n], congestion)


@dataclass
class _Order:
    order: WorkOrder
    request: OrderRequest
    sort_key: tuple[object, ...]
    refresh_at: datetime | None  # the derived request changes at this moment (a promise closes)
    paused: bool  # the SLA clock is paused: its deadline moves with time
    # who held it when it was derived: the order object may be a unit of work's working copy that a
    # later command changes in place (a move), so its technician_id is not the snapshot's record
    holder: str | None = None


@dataclass
class _Tech:
    tech: Technician
    state: TechnicianState  # with the earliest start of the moment it was derived
    fixed: int | None  # earliest fixed start (en route / on site) in the route
    refresh_at: datetime | None  # a promise in the route closes then (its visit is no longer pinned)


@dataclass
class _State:
    revision: int
    epoch: datetime
    matrix: GrowingMatrix
    policies: list[SlaPolicy]
    sites: dict[str, Site]
    customers: dict[str, Customer]
    warehouses: tuple[WarehouseStock, ...]
    orders: dict[str, _Order] = field(default_factory=dict)  # changed through put() and drop() only
    techs: dict[str, _Tech] = field(default_factory=dict)  # changed through put_tech() only
    tech_order: list[str] = field(default_factory=list)
    routes: dict[str, set[str]] = field(default_factory=dict)  # technician id -> booked order ids
    days: dict[str, date] = field(default_factory=dict)  # each technicians' timezone -> their day
    last: DispatchProblem | None = None
    # Kept with `orders` and `techs`, so that no call has to go through all of them:
    ordered: list[tuple[tuple[object, ...], str]] = field(default_factory=list)  # (sort key, id), sorted
    requests: dict[str, OrderRequest] = field(default_factory=dict)  # id -> request
    timed: dict[str, _Order] = field(default_factory=dict)  # the orders paused or with a refresh_at
    timed_techs: dict[str, datetime] = field(default_factory=dict)  # technician id -> refresh_at

    def same_days(self, now: datetime) -> bool:
        return all(now.astimezone(ZoneInfo(tz)).date() == day for tz, day in self.days.items())

    def put(self, entry: _Order) -> None:
        order_id = entry.order.id
        old = self.orders.get(order_id)
        if old is not None:
            self._unlist(order_id, old)
        self.orders[order_id] = entry
        insort(self.ordered, (entry.sort_key, order_id))
        self.requests[order_id] = entry.request
        if entry.paused or entry.refresh_at is not None:
            self.timed[order_id] = entry

    def drop(self, order_id: str) -> _Order | None:
        old = self.orders.pop(order_id, None)
        if old is not None:
            self._unlist(order_id, old)
        return old

    def _unlist(self, order_id: str, old: _Order) -> None:
        del self.ordered[bisect_left(self.ordered, (old.sort_key, order_id))]
        del self.requests[order_id]
        self.timed.pop(order_id, None)

    def put_tech(self, entry: _Tech) -> None:
        tech_id = entry.state.id
        self.techs[tech_id] = entry
        if entry.refresh_at is None:
            self.timed_techs.pop(tech_id, None)
        else:
            self.timed_techs[tech_id] = entry.refresh_at


@dataclass
class WarmStats:
    """How calls were answered (for benchmarks and tests)."""

    warm: int = 0
    rebuilt: int = 0
    fresh: int = 0


class WarmSnapshots:
    """A snapshot kept between dispatch commands of one process (see the module docstring)."""

    def __init__(self, travel: TravelTimes, timezone: str, params: DispatchParams | None = None) -> None:
        self.travel = travel
        self.timezone = timezone
        self.params = params or DispatchParams()  # the engine's, whose cached team index is carried
        self.blocks = travel_blocks(travel)
        self.stats = WarmStats()
        self._state: _State | None = None
        self._matrix: GrowingMatrix | None = None  # kept across epochs, until live traffic moves
        self._deadlines: dict[str, tuple[tuple[int, int, int], datetime | None]] = {}
        self._lock = threading.Lock()

    def invalidate(self) -> None:
        with self._lock:
            self._state, self._matrix = None, None
            self._deadlines.clear()

    def snapshot(self, uow: UnitOfWork, *, now: datetime, include: Iterable[str] = ()) -> DispatchProblem:
        wanted = list(include)
        with self._lock:
            state = self._state
            changes = uow.changes_since(None if state is None else state.revision) if self.blocks else None
            if changes is None or self.blocks is None or self._touches_base(uow, changes, state):
                self.stats.fresh += 1
                return build_snapshot(uow, now=now, timezone=self.timezone, travel=self.travel, include=wanted)
            epoch = snapshot_epoch(now, self.timezone)
            if (
                state is None
                or state.epoch != epoch
                or state.matrix.revision != self.blocks.revision
                or not state.same_days(now)
                or _STRUCTURAL & changes.committed.keys()
            ):
                self.stats.rebuilt += 1
                if "sla_policies" in changes.committed:
                    self._deadlines.clear()
                if state is not None:
                    _release(state.last)
                state = self._state = self._full(uow, self.blocks, epoch=epoch, now=now, revision=changes.revision)
            else:
                self.stats.warm += 1
                self._apply(uow, state, changes, now=now)
                state.revision = changes.revision
            return self._problem(uow, state, now=now, include=wanted)

    # -- keeping the state ------------------------------------------------------------------------

    def _touches_base(self, uow: UnitOfWork, changes: StoreChanges, state: _State | None) -> bool:
        """This unit of work changed (uncommitted) something the kept snapshot is made of."""
        pending = changes.uncommitted
        if _STRUCTURAL & pending.keys() or pending.get("positions"):
            return True
        for order_id in pending.get("orders", ()):
            if state is not None and order_id in state.orders:
                return True
            order = uow.orders.get(order_id)
            if order is not None and order.status in BOOKED_STATUSES:
                return True
        return False

    def _full(self, uow: UnitOfWork, blocks: TravelBlocks, *, epoch: datetime, now: datetime, revision: int) -> _State:
        matrix = self._matrix
        if matrix is not None and len(matrix.places.locations) > MAX_KEPT_PLACES:
            matrix = None  # every position ever reported is a place: start again from today's
        if matrix is None or matrix.revision != blocks.revision:
            matrix = self._matrix = GrowingMatrix(blocks)
            self._deadlines.clear()
        state = _State(
            revision=revision,
            epoch=epoch,
            matrix=matrix,
            policies=list(uow.sla_policies.list(limit=10_000)),
            sites={s.id: s for s in uow.sites.list(limit=10_000_000)},
            customers={c.id: c for c in uow.customers.list(limit=10_000_000)},
            warehouses=(),
        )
        booked = uow.orders.search(OrderQuery(statuses=BOOKED_STATUSES, limit=MAX_ORDERS, sort="planned_start")).items
        for order in booked:
            self._derive_order(state, order, now=now)
        techs = _active(uow.technicians.list(limit=100_000))
        state.tech_order = [t.id for t in techs]
        state.days = {t.timezone: now.astimezone(ZoneInfo(t.timezone)).date() for t in techs}
        positions = uow.positions.latest()
        for tech in techs:
            self._derive_tech(state, tech, positions.get(tech.id), now=now)
        state.warehouses = tuple(_warehouse(w, places=matrix.places) for w in uow.warehouses.list(limit=10_000))
        return state

    def _apply(self, uow: UnitOfWork, state: _State, changes: StoreChanges, *, now: datetime) -> None:
        dirty: set[str] = set(changes.committed.get("positions", ()))
        for order_id in changes.committed.get("orders", ()):
            old = state.drop(order_id)
            if old is not None and old.holder is not None:
                dirty.add(old.holder)
                state.routes.get(old.holder, set()).discard(order_id)
            order = uow.orders.get(order_id)
            if order is not None and order.status in BOOKED_STATUSES:
                derived = self._derive_order(state, order, now=now)
                if derived is not None and order.technician_id is not None:
                    dirty.add(order.technician_id)
        # time: requests whose promise closed or whose SLA clock is paused are read again
        stale = [e for e in state.timed.values() if e.paused or (e.refresh_at is not None and e.refresh_at <= now)]
        for kept in stale:
            if kept.holder is not None and kept.holder != kept.order.technician_id:
                state.routes.get(kept.holder, set()).discard(kept.order.id)
                dirty.add(kept.holder)
            self._derive_order(state, kept.order, now=now)
            if kept.order.technician_id is not None:
                dirty.add(kept.order.technician_id)
        dirty.update(t for t, refresh_at in state.timed_techs.items() if refresh_at <= now)
        if dirty:
            positions = uow.positions.latest(sorted(dirty))
            for tech_id in sorted(dirty):
                entry = state.techs.get(tech_id)
                if entry is not None:
                    self._derive_tech(state, entry.tech, positions.get(tech_id), now=now)

    def _derive_order(self, state: _State, order: WorkOrder, *, now: datetime) -> _Order | None:
        site, customer = state.sites.get(order.site_id), state.customers.get(order.customer_id)
        if site is None or customer is None:
            state.drop(order.id)
            return None
        deadline, paused = self._deadline(state, order, now=now)
        request = _request(
            order, site, customer, places=state.matrix.places, epoch=state.epoch, now=now, deadline=deadline
        )
        window = order.eta_window
        entry = _Order(
            order=order,
            request=request,
            sort_key=_BY_PLANNED_START(order),
            refresh_at=window.end if window is not None and window.end > now else None,
            paused=paused,
            holder=order.technician_id,
        )
        state.put(entry)
        if order.technician_id is not None:
            state.routes.setdefault(order.technician_id, set()).add(order.id)
        return entry

    def _deadline(self, state: _State, order: WorkOrder, *, now: datetime) -> tuple[datetime | None, bool]:
        """The order's arrival deadline and whether its SLA clock is paused; a running clock's deadline
        is a fixed moment, kept until the order changes (its version, its SLA log, its milestones)."""
        key = (order.version, len(order.sla_log), len(order.milestones))
        found = self._deadlines.get(order.id)
        if found is not None and found[0] == key:
            return found[1], False
        status = sla_status(order, policies=state.policies, now=max(now, order.created_at))
        arrival = status.milestone(Milestone.ARRIVAL) if status else None
        deadline = arrival.deadline if arrival and arrival.met_at is None else None
        paused = status is not None and status.paused
        if not paused:
            self._deadlines[order.id] = (key, deadline)
        return deadline, paused

    def _derive_tech(
        self, state: _State, tech: Technician, position: TechnicianPosition | None, *, now: datetime
    ) -> None:
        route = [state.orders[o].order for o in state.routes.get(tech.id, ()) if o in state.orders]
        places = state.matrix.places
        derived = _technician(tech, route, places=places, epoch=state.epoch, now=now)
        derived = _from_last_position(derived, position, places=places, epoch=state.epoch)
        fixed = [v.planned_start for v in derived.route if v.pin is not None and v.pin.under_way]
        promises = [
            o.eta_window.end
            for o in route
            if o.eta_window is not None and o.eta_window.end > now and _promise_pins(derived, o.id)
        ]
        # a time lock pins the start until that start has come (then the visit keeps its place only)
        promises += [
            o.planned_start for o in route if o.planned_start is not None and _pins(derived, o.id, PinKind.LOCKED_TIME)
        ]
        if any(o.planned_start is None for o in route):
            promises.append(now)  # such a visit is planned "now": read it again next time
        state.put_tech(_Tech(tech, derived, min(fixed, default=None), min(promises, default=None)))

    # -- the snapshot at `now` ----------------------------------------------------------------------

    def _problem(self, uow: UnitOfWork, state: _State, *, now: datetime, include: list[str]) -> DispatchProblem:
        epoch = state.epoch
        clock = seconds(epoch, now)
        technicians = []
        for tech_id in state.tech_order:
            entry = state.techs[tech_id]
            current = entry.state
            earliest = max(clock, current.shift_start)
            if entry.fixed is not None:
                earliest = min(earliest, entry.fixed)
            if earliest != current.earliest_start:
                current = entry.state = _starting_at(current, earliest)
            technicians.append(current)
        by_id = state.requests
        requests = [by_id[order_id] for _, order_id in state.ordered]
        by_id = dict(by_id)
        for order_id in dict.fromkeys(include):
            if order_id in by_id:
                continue
            order = uow.orders.get(order_id)
            if order is None:
                continue
            site, customer = uow.sites.get(order.site_id), uow.customers.get(order.customer_id)
            if site is None or customer is None:
                continue
            places = state.matrix.places
            deadline, _ = self._deadline(state, order, now=now)
            request = _request(order, site, customer, places=places, epoch=epoch, now=now, deadline=deadline)
            requests.append(request)
            by_id[order_id] = request
        problem = DispatchProblem.assembled(  # valid by construction: ids are keys, routes hold known orders
            epoch=epoch,
            technicians=tuple(technicians),
            orders=tuple(requests),
            locations=tuple(state.matrix.places.locations),
            matrix=state.matrix.matrix(epoch),
            warehouses=state.warehouses,
            now=clock,
            orders_by_id=by_id,
        )
        _carry_schedules(state.last, problem, params=self.params)
        _release(state.last)
        state.last = problem
        return problem


_TECH_FIELDS = tuple(f.name for f in fields(TechnicianState))


def _starting_at(state: TechnicianState, earliest: int) -> TechnicianState:
    """`replace(state, earliest_start=earliest)`, copied field by field: the constructor's checks
    (on the shift and overtime) hold already, and `replace` would cost as much as the rest of a call."""
    moved = object.__new__(TechnicianState)
    for name in _TECH_FIELDS:
        object.__setattr__(moved, name, getattr(state, name))
    object.__setattr__(moved, "earliest_start", earliest)
    return moved


def _promise_pins(state: TechnicianState, order_id: str) -> bool:
    return _pins(state, order_id, PinKind.PROMISED)


def _pins(state: TechnicianState, order_id: str, kind: PinKind) -> bool:
    return any(v.order_id == order_id and v.pin is kind for v in state.route)


def _release(previous: DispatchProblem | None) -> None:
    """Drop the caches of a snapshot that is no longer kept (what is worth keeping has been carried).
    Its route schedules (and the team index its lineage keeps) refer back to it, a cycle that only the
    cycle collector would free, after hundreds of schedules per dispatch had been promoted to its
    oldest generation: in a region-scale morning that halved the time spent in full collections. A
    caller still holding that snapshot computes again what it needs."""
    if previous is not None:
        vars(previous).pop("memo", None)
        vars(previous).pop("lineage", None)


def _carry_schedules(previous: DispatchProblem | None, problem: DispatchProblem, *, params: DispatchParams) -> None:
    """Route schedules (and the team index rows made from them) of technicians whose state and route
    requests are the same objects still hold: the matrix only grew by new places (same epoch, same
    travel revision)."""
    if previous is not None and previous.epoch == problem.epoch:
        unchanged = carry_schedules(previous, problem)
        carry_team(previous, problem, unchanged, params=params)
