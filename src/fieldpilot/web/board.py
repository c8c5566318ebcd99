"""Read models of the dispatcher console: the schedule board and the live map.

Both read one unit of work through the service layer's snapshot (the same one the engine
dispatches from), so the board shows the day exactly as the engine would run it: visits,
the travel before each, breaks and shift bounds. Nothing here writes.

May import: bootstrap, service, engine (not solvers), domain, the standard library.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fieldpilot.bootstrap import Services
from fieldpilot.domain.values import Location
from fieldpilot.domain.work_order import BOOKED_STATUSES, OPEN_STATUSES, OrderStatus, WorkOrder
from fieldpilot.engine.insertion import plan_of
from fieldpilot.engine.plan import Route
from fieldpilot.engine.problem import DispatchProblem, TechnicianState
from fieldpilot.service.snapshot import build_snapshot
from fieldpilot.service.unit_of_work import OrderQuery, TechnicianPosition, UnitOfWork
from fieldpilot.web.live import LiveHub, Position

MAX_ROWS = 100_000
PINNED = frozenset({OrderStatus.EN_ROUTE, OrderStatus.ON_SITE})


def snapshot(services: Services, uow: UnitOfWork, *, now: datetime, include: tuple[str, ...] = ()) -> DispatchProblem:
    return build_snapshot(
        uow, now=now, timezone=services.dispatch.timezone, travel=services.dispatch.travel, include=include
    )


def open_orders(uow: UnitOfWork, statuses: frozenset[OrderStatus] = OPEN_STATUSES) -> list[WorkOrder]:
    return list(uow.orders.search(OrderQuery(statuses=statuses, limit=MAX_ROWS, sort="created_at")).items)


def schedule_board(services: Services, *, now: datetime) -> dict[str, Any]:
    """One row per active technician: shift bounds, breaks, visits and the travel before each."""
    with services.uow_factory() as uow:
        problem = snapshot(services, uow, now=now)
        orders = {o.id: o for o in open_orders(uow, BOOKED_STATUSES)}
        sites = {s.id: s for s in uow.sites.list(limit=MAX_ROWS)}
    plan = plan_of(problem, params=services.dispatch.params)

    def iso(second: int) -> str:
        return problem.moment(second).isoformat()

    requests = problem.orders_by_id
    rows = []
    for tech in problem.technicians:
        route = plan.route_of(tech.id)
        visits = []
        place = tech.start_location
        for visit in route.visits if route else ():
            request = requests[visit.order_id]
            order = orders.get(visit.order_id)
            travel = problem.matrix.duration(place, request.location, visit.start)
            place = request.location
            site = sites.get(order.site_id) if order else None
            visits.append(
                {
                    "order_id": visit.order_id,
                    "start": iso(visit.start),
                    "end": iso(visit.end),
                    "travel_start": iso(visit.start - travel),
                    "travel_minutes": round(travel / 60),
                    "priority": f"P{request.priority}",
                    "status": order.status.value if order else "assigned",
                    "service_type": order.service_type if order else "",
                    "site": site.name if site else "",
                    "eta_window": None
                    if order is None or order.eta_window is None
                    else [order.eta_window.start.isoformat(), order.eta_window.end.isoformat()],
                    "movable": order is not None and order.status not in PINNED,
                    "version": order.version if order else None,
                }
            )
        rows.append(
            {
                "technician_id": tech.id,
                "name": tech.label,
                "on_shift": tech.on_shift,
                "shift": [iso(tech.shift_start), iso(tech.shift_end)] if tech.on_shift else None,
                "breaks": [[iso(start), iso(end)] for start, end in _breaks(tech, route)],
                "visits": visits,
            }
        )
    return {"now": now.isoformat(), "timezone": services.dispatch.timezone, "technicians": rows}


def _breaks(tech: TechnicianState, route: Route | None) -> list[tuple[int, int]]:
    """Breaks as scheduled; a day without visits shows each break in the middle of its window."""
    if route is not None and route.breaks:
        return [(b.start, b.end) for b in route.breaks]
    middle = [b.start + (b.end - b.start - b.duration) // 2 for b in tech.breaks]
    return [(start, start + b.duration) for start, b in zip(middle, tech.breaks, strict=True)]


def _status_of(route: list[WorkOrder]) -> tuple[str, str | None]:
    """The technician's colour on the map, and the order they are heading to or working on."""
    for wanted, label in ((OrderStatus.ON_SITE, "on_site"), (OrderStatus.EN_ROUTE, "en_route")):
        for order in route:
            if order.status is wanted:
                return label, order.id
    upcoming = sorted((o for o in route if o.planned_start), key=lambda o: o.planned_start or o.created_at)
    return ("assigned", upcoming[0].id) if upcoming else ("idle", None)


def _last_seen(pinged: Position | None, stored: TechnicianPosition | None) -> Location | None:
    """The newer of the screen's last ping (which may carry no stored copy) and the stored position."""
    if pinged is not None and (stored is None or pinged.at >= stored.at):
        return Location(pinged.lat, pinged.lon)
    return stored.location if stored is not None else None


def live_map(services: Services, hub: LiveHub, *, now: datetime) -> dict[str, Any]:
    """Technicians (position, status colour, heading to), open orders, depots, territories."""
    with services.uow_factory() as uow:
        technicians = [t for t in uow.technicians.list(limit=MAX_ROWS) if t.active]
        orders = open_orders(uow)
        sites = {s.id: s for s in uow.sites.list(limit=MAX_ROWS)}
        warehouses = uow.warehouses.list(limit=MAX_ROWS)
        stored = uow.positions.latest([t.id for t in technicians])  # reported through the API or the bus
    by_tech: dict[str, list[WorkOrder]] = {}
    for order in orders:
        if order.technician_id:
            by_tech.setdefault(order.technician_id, []).append(order)
    tech_rows = []
    for tech in technicians:
        status, heading = _status_of(by_tech.get(tech.id, []))
        seen = _last_seen(hub.position_of(tech.id), stored.get(tech.id))
        where = seen or tech.home_base
        tech_rows.append(
            {
                "id": tech.id,
                "name": tech.name,
                "lat": where.lat,
                "lon": where.lon,
                "reported": seen is not None,
                "status": status,
                "heading_to": heading,
            }
        )
    order_rows = []
    territory_points: dict[str, list[tuple[float, float]]] = {}
    for site in sites.values():
        if site.territory:
            territory_points.setdefault(site.territory, []).append((site.location.lon, site.location.lat))
    for order in orders:
        found = sites.get(order.site_id)
        if found is None:
            continue
        site = found
        order_rows.append(
            {
                "id": order.id,
                "lat": site.location.lat,
                "lon": site.location.lon,
                "priority": f"P{int(order.priority)}",
                "status": order.status.value,
                "sla_state": order.sla_state,
                "technician_id": order.technician_id,
            }
        )
    return {
        "now": now.isoformat(),
        "tile_url": services.settings.tile_url,
        "technicians": tech_rows,
        "orders": order_rows,
        "depots": [{"id": w.id, "name": w.name, "lat": w.location.lat, "lon": w.location.lon} for w in warehouses],
        "territories": [
            {"code": code, "outline": [[lat, lon] for lon, lat in convex_hull(points)]}
            for code, points in sorted(territory_points.items())
        ],
    }


def convex_hull(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Andrew's monotone chain: the outline of a territory's sites."""
    unique = sorted(set(points))
    if len(unique) < 3:
        return unique

    def cross(o: tuple[float, float], a: tuple[float, float], b: tuple[float, float]) -> float:
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    def half(seq: list[tuple[float, float]]) -> list[tuple[float, float]]:
        chain: list[tuple[float, float]] = []
        for p in seq:
            while len(chain) >= 2 and cross(chain[-2], chain[-1], p) <= 0:
                chain.pop()
            chain.append(p)
        return chain

    lower, upper = half(unique), half(unique[::-1])
    return lower[:-1] + upper[:-1]
