"""Build the engine's DispatchProblem from the stored state: a pure read of one unit of work.

Times become integer seconds since the snapshot's epoch: the top of the hour of `now`, in the
company's timezone (explanations read in local time), with `problem.now` the seconds since then.
One epoch for the whole hour lets a snapshot kept between commands (`service.warm_snapshot`) be
brought forward in time without re-timing every route. Each technician gets the shift, breaks and absences of the
planning day in their own timezone, the certifications valid that day, and the route of orders
already booked to them, with pins for visits under way and ETAs already promised.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from fieldpilot.domain.resources import Customer, Site, Technician, Warehouse
from fieldpilot.domain.values import Location, TimeWindow
from fieldpilot.domain.work_order import BOOKED_STATUSES, OrderLock, OrderStatus, WorkOrder
from fieldpilot.engine.problem import (
    BreakWindow,
    DispatchProblem,
    OrderRequest,
    PinKind,
    PlannedVisit,
    TechnicianState,
    WarehouseStock,
    Window,
)
from fieldpilot.service.ports import TravelTimes
from fieldpilot.service.sla_tracking import sla_status
from fieldpilot.service.unit_of_work import OrderQuery, TechnicianPosition, UnitOfWork
from fieldpilot.sla.policy import Milestone, SlaPolicy

# A lunch break may move this far either way around its planned slot.
BREAK_FLEX = timedelta(minutes=30)
MAX_ORDERS = 100_000


@dataclass
class _Places:
    """Deduplicated locations, in the order first seen."""

    locations: list[Location]
    index: dict[tuple[float, float], int]

    def of(self, location: Location) -> int:
        key = (location.lat, location.lon)
        found = self.index.get(key)
        if found is None:
            found = self.index[key] = len(self.locations)
            self.locations.append(location)
        return found


def build_snapshot(
    uow: UnitOfWork,
    *,
    now: datetime,
    timezone: str,
    travel: TravelTimes,
    include: Iterable[str] = (),
) -> DispatchProblem:
    """Every active technician with today's booked route, plus the orders named in `include`."""
    epoch = snapshot_epoch(now, timezone)
    places = _Places([], {})
    booked = uow.orders.search(OrderQuery(statuses=BOOKED_STATUSES, limit=MAX_ORDERS, sort="planned_start")).items
    wanted = [o for o in (uow.orders.get(i) for i in include) if o is not None]
    orders = {o.id: o for o in [*booked, *wanted]}
    policies = uow.sla_policies.list(limit=10_000)
    requests: list[OrderRequest] = []
    for order in orders.values():
        site = uow.sites.get(order.site_id)
        customer = uow.customers.get(order.customer_id)
        if site is None or customer is None:
            continue
        deadline = _arrival_deadline(order, policies=policies, now=now)
        requests.append(_request(order, site, customer, places=places, epoch=epoch, now=now, deadline=deadline))
    known = {r.id for r in requests}
    positions = uow.positions.latest()
    technicians = []
    for tech in _active(uow.technicians.list(limit=100_000)):
        route = [o for o in booked if o.technician_id == tech.id and o.id in known]
        state = _technician(tech, route, places=places, epoch=epoch, now=now)
        technicians.append(_from_last_position(state, positions.get(tech.id), places=places, epoch=epoch))
    warehouses = [_warehouse(w, places=places) for w in uow.warehouses.list(limit=10_000)]
    matrix = travel.travel_matrix(places.locations, depart_at=epoch)
    return DispatchProblem(
        epoch=epoch,
        technicians=tuple(technicians),
        orders=tuple(requests),
        locations=tuple(places.locations),
        matrix=matrix,
        warehouses=tuple(warehouses),
        now=seconds(epoch, now),
    )


def snapshot_epoch(now: datetime, timezone: str) -> datetime:
    """Second 0 of a snapshot taken at `now`: the top of its hour (in UTC, so that half-hour zones
    and daylight-saving changes cannot move it), expressed in the company's timezone."""
    hour = now.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    return hour.astimezone(ZoneInfo(timezone))


def _active(technicians: Sequence[Technician]) -> list[Technician]:
    return [t for t in technicians if t.active]


def seconds(epoch: datetime, moment: datetime) -> int:
    return math.floor((moment - epoch).total_seconds())


def _local(day: date, at: time, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, at, tzinfo=tz)


def _technician(
    tech: Technician, route: list[WorkOrder], *, places: _Places, epoch: datetime, now: datetime
) -> TechnicianState:
    tz = ZoneInfo(tech.timezone)
    day = now.astimezone(tz).date()
    shift = next((s for s in tech.shifts if s.weekday == day.weekday()), None)
    home = places.of(tech.home_base)
    if shift is None:
        start = end = 0
        breaks: tuple[BreakWindow, ...] = ()
    else:
        start = seconds(epoch, _local(day, shift.start, tz))
        end = seconds(epoch, _local(day, shift.end, tz))
        breaks = tuple(
            BreakWindow(
                start=max(start, seconds(epoch, _local(day, b.start, tz) - BREAK_FLEX)),
                end=min(end, seconds(epoch, _local(day, b.end, tz) + BREAK_FLEX)),
                duration=seconds(_local(day, b.start, tz), _local(day, b.end, tz)),
            )
            for b in shift.breaks
        )
    absences = tuple(
        Window(seconds(epoch, a.start), seconds(epoch, a.end))
        for a in tech.absences
        if a.end.astimezone(tz).date() >= day >= a.start.astimezone(tz).date()
    )
    visits = [
        PlannedVisit(order_id=o.id, planned_start=seconds(epoch, o.planned_start or now), pin=_pin(o, now))
        for o in sorted(route, key=lambda o: (o.planned_start or now, o.id))
    ]
    return TechnicianState(
        id=tech.id,
        name=tech.name,
        start_location=home,
        earliest_start=max(seconds(epoch, now), start),
        end_location=home,
        shift_start=start,
        shift_end=end,
        skills=dict(tech.skills),
        certifications=frozenset(c.code for c in tech.certifications if c.valid_on(day)),
        expired_certifications=frozenset(c.code for c in tech.certifications if not c.valid_on(day)),
        tools=tech.tools,
        stock=dict(tech.van_stock),
        territories=tech.territories,
        max_overtime=tech.max_overtime_minutes * 60,
        breaks=breaks,
        absences=absences,
        route=tuple(visits),
    )


def _from_last_position(
    state: TechnicianState, position: TechnicianPosition | None, *, places: _Places, epoch: datetime
) -> TechnicianState:
    """A technician at work starts from where they last were, not from home; a visit under way
    (pinned with a start in the past) lets the day start when that visit started."""
    start_location, earliest_start = state.start_location, state.earliest_start
    at = None if position is None else seconds(epoch, position.at)
    if position is not None and at is not None and state.on_shift and state.shift_start <= at <= state.shift_end:
        start_location = places.of(position.location)
    fixed = [v.planned_start for v in state.route if v.pin is not None and v.pin.under_way]
    if fixed:
        earliest_start = min(earliest_start, *fixed)
    return replace(state, start_location=start_location, earliest_start=earliest_start)


def _pin(order: WorkOrder, now: datetime) -> PinKind | None:
    if order.status is OrderStatus.EN_ROUTE:
        return PinKind.EN_ROUTE
    if order.status is OrderStatus.ON_SITE:
        return PinKind.ON_SITE
    if order.lock is OrderLock.TIME and order.planned_start is not None and order.planned_start > now:
        return PinKind.LOCKED_TIME
    if order.locked:  # an assignment lock, or a time lock whose start has passed: it keeps its place
        return PinKind.LOCKED
    if _live_promise(order, now) is not None:
        return PinKind.PROMISED
    return None


def _live_promise(order: WorkOrder, now: datetime) -> TimeWindow | None:
    """The ETA window promised to the customer, while it can still be kept: a window that closed
    before now is already broken, and pinning it would only make every plan infeasible (the
    order then gets a new ETA, which is an EtaChanged to tell the customer)."""
    window = order.eta_window
    return window if window is not None and window.end > now else None


def _request(
    order: WorkOrder,
    site: Site,
    customer: Customer,
    *,
    places: _Places,
    epoch: datetime,
    now: datetime,
    deadline: datetime | None,
) -> OrderRequest:
    """The order as the engine sees it; `deadline` is its arrival deadline (`_arrival_deadline`)."""
    window = order.time_window
    promised = _live_promise(order, now)
    return OrderRequest(
        id=order.id,
        location=places.of(site.location),
        duration=order.estimated_duration_minutes * 60,
        earliest_start=None if window is None else seconds(epoch, window.start),
        latest_start=None if window is None else seconds(epoch, window.end),
        required_skills={r.skill: r.min_level for r in order.required_skills},
        required_tools=order.required_tools,
        parts={p.part: p.quantity for p in order.required_parts},
        priority=int(order.priority),
        customer_tier=customer.tier,
        sla_deadline=None if deadline is None else seconds(epoch, deadline),
        territory=site.territory,
        excluded_technicians=customer.excluded_technicians,
        required_technicians=customer.required_technicians,
        customer_id=customer.id,
        asset_id=order.asset_id,
        promised_window=None
        if promised is None
        else Window(seconds(epoch, promised.start), seconds(epoch, promised.end)),
    )


def _arrival_deadline(order: WorkOrder, *, policies: Sequence[SlaPolicy], now: datetime) -> datetime | None:
    """When the technician should be there by the order's SLA (None: met, or no clock)."""
    status = sla_status(order, policies=policies, now=max(now, order.created_at))
    arrival = status.milestone(Milestone.ARRIVAL) if status else None
    return arrival.deadline if arrival and arrival.met_at is None else None


def _warehouse(warehouse: Warehouse, *, places: _Places) -> WarehouseStock:
    return WarehouseStock(id=warehouse.id, location=places.of(warehouse.location), stock=dict(warehouse.stock))
