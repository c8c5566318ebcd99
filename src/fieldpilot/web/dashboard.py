"""The manager's dashboard: today's figures and a seven-day trend, and the same as CSV.

Figures come from the orders' milestones and histories (one read, no writes): orders by state,
mean wait (created -> dispatched) and response (created -> on site), SLA attainment by priority,
utilization (booked minutes over shift minutes), first-time fix rate (completed without a hold
or a reopen), kilometres driven today (home base, then the sites of the visits finished today in
arrival order, on the configured travel model) and planned for the rest of today's routes, the
latest technicians and the worst breaches.

May import: bootstrap, service, engine (not solvers), domain, the standard library.
"""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from statistics import mean
from typing import Any
from zoneinfo import ZoneInfo

from fieldpilot.bootstrap import Services
from fieldpilot.domain.resources import Technician
from fieldpilot.domain.work_order import BOOKED_STATUSES, OrderStatus, WorkOrder
from fieldpilot.engine.insertion import plan_of
from fieldpilot.service.unit_of_work import OrderQuery, UnitOfWork
from fieldpilot.web.board import snapshot

MAX_ROWS = 100_000
TREND_DAYS = 7
DONE = frozenset({OrderStatus.COMPLETED, OrderStatus.CLOSED})


def _minutes(start: datetime, end: datetime | None) -> float | None:
    return None if end is None else (end - start).total_seconds() / 60


def _avg(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return round(mean(present), 1) if present else None


def _first_time_fix(order: WorkOrder) -> bool:
    return not any(h.action in ("hold", "reopen") for h in order.history)


def _late(order: WorkOrder) -> bool:
    arrived = order.milestones.get("arrival")
    return bool(arrived and order.eta_window and arrived > order.eta_window.end)


def dashboard(services: Services, *, now: datetime) -> dict[str, Any]:
    tz = ZoneInfo(services.dispatch.timezone)
    today = now.astimezone(tz).date()
    with services.uow_factory() as uow:
        orders = list(uow.orders.search(OrderQuery(limit=MAX_ROWS)).items)
        technicians = {t.id: t for t in uow.technicians.list(limit=MAX_ROWS) if t.active}
        problem = snapshot(services, uow, now=now)
        driven = _km_driven(services, uow, orders, technicians, today=today, tz=tz, now=now)
    todays = [o for o in orders if o.created_at.astimezone(tz).date() == today]
    attainment: dict[str, dict[str, Any]] = {}
    for label in ("P1", "P2", "P3", "P4"):
        group = [o for o in todays if f"P{int(o.priority)}" == label]
        met = sum(1 for o in group if o.sla_state != "breached")
        attainment[label] = {
            "orders": len(group),
            "met": met,
            "rate": round(met / len(group), 3) if group else None,
        }
    booked = [o for o in orders if o.status in BOOKED_STATUSES or o.status in DONE]
    busy: Counter[str] = Counter()
    for order in booked:
        if order.technician_id and order.planned_start and order.planned_start.astimezone(tz).date() == today:
            busy[order.technician_id] += order.estimated_duration_minutes
    shift_minutes = {t.id: (t.shift_end - t.shift_start) / 60 for t in problem.technicians if t.on_shift}
    total_shift = sum(shift_minutes.values())
    plan = plan_of(problem, params=services.dispatch.params)
    metres = 0
    for route in plan.routes:
        place = problem.technician(route.technician_id).start_location
        for visit in route.visits:
            where = problem.order(visit.order_id).location
            metres += problem.matrix.distance(place, where)
            place = where
    completed = [o for o in orders if o.status in DONE]
    late = Counter(o.technician_id for o in orders if o.technician_id and _late(o))
    breaches = sorted(
        (o for o in orders if o.sla_state == "breached"),
        key=lambda o: o.sla_next_deadline or o.created_at,
    )
    return {
        "date": today.isoformat(),
        "orders_by_state": dict(sorted(Counter(o.status.value for o in orders).items())),
        "mean_wait_minutes": _avg([_minutes(o.created_at, o.milestones.get("dispatch")) for o in todays]),
        "mean_response_minutes": _avg([_minutes(o.created_at, o.milestones.get("arrival")) for o in todays]),
        "sla_attainment": attainment,
        "utilization": round(sum(busy.values()) / total_shift, 3) if total_shift else None,
        "first_time_fix_rate": round(sum(map(_first_time_fix, completed)) / len(completed), 3) if completed else None,
        "km_planned_today": round(metres / 1000, 1),
        "km_driven_today": driven,
        "top_late_technicians": [
            {"technician_id": t, "name": technicians[t].name if t in technicians else t, "late_visits": n}
            for t, n in late.most_common(5)
        ],
        "top_sla_breaches": [
            {
                "order_id": o.id,
                "priority": f"P{int(o.priority)}",
                "status": o.status.value,
                "deadline": o.sla_next_deadline.isoformat() if o.sla_next_deadline else None,
            }
            for o in breaches[:5]
        ],
        "trend": _trend(orders, today=today, tz=tz),
    }


def _km_driven(
    services: Services,
    uow: UnitOfWork,
    orders: list[WorkOrder],
    technicians: dict[str, Technician],
    *,
    today: Any,
    tz: ZoneInfo,
    now: datetime,
) -> float:
    """Kilometres behind today's finished visits: each technician from their home base through
    the sites in the order they arrived (what the travel model says those trips are)."""
    trips: dict[str, list[WorkOrder]] = defaultdict(list)
    for order in orders:
        done = order.milestones.get("resolution")
        if order.technician_id in technicians and done is not None and done.astimezone(tz).date() == today:
            trips[str(order.technician_id)].append(order)
    metres = 0
    for technician_id, done_today in trips.items():
        done_today.sort(key=lambda o: o.milestones.get("arrival") or o.milestones["resolution"])
        sites = [uow.sites.get(o.site_id) for o in done_today]
        path = [technicians[technician_id].home_base, *(s.location for s in sites if s is not None)]
        matrix = services.dispatch.travel.travel_matrix(path, depart_at=now)
        metres += sum(matrix.distance(i, i + 1) for i in range(len(path) - 1))
    return round(metres / 1000, 1)


def _trend(orders: list[WorkOrder], *, today: Any, tz: ZoneInfo) -> list[dict[str, Any]]:
    days = [today - timedelta(days=n) for n in range(TREND_DAYS - 1, -1, -1)]
    created: dict[Any, int] = defaultdict(int)
    done: dict[Any, int] = defaultdict(int)
    breached: dict[Any, int] = defaultdict(int)
    for order in orders:
        day = order.created_at.astimezone(tz).date()
        created[day] += 1
        breached[day] += order.sla_state == "breached"
        resolved = order.milestones.get("resolution")
        if resolved is not None:
            done[resolved.astimezone(tz).date()] += 1
    return [{"date": d.isoformat(), "created": created[d], "completed": done[d], "breached": breached[d]} for d in days]


def dashboard_csv(figures: dict[str, Any]) -> str:
    """The dashboard as `section,key,value` rows (one table a spreadsheet opens as is)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["section", "key", "value"])
    for key in (
        "date",
        "mean_wait_minutes",
        "mean_response_minutes",
        "utilization",
        "first_time_fix_rate",
        "km_planned_today",
        "km_driven_today",
    ):
        writer.writerow(["today", key, figures[key]])
    for state, count in figures["orders_by_state"].items():
        writer.writerow(["orders_by_state", state, count])
    for priority, row in figures["sla_attainment"].items():
        writer.writerow(["sla_attainment", priority, row["rate"]])
    for row in figures["top_late_technicians"]:
        writer.writerow(["late_visits", row["technician_id"], row["late_visits"]])
    for row in figures["top_sla_breaches"]:
        writer.writerow(["sla_breach", row["order_id"], row["deadline"]])
    for row in figures["trend"]:
        for key in ("created", "completed", "breached"):
            writer.writerow([f"trend:{row['date']}", key, row[key]])
    return out.getvalue()
