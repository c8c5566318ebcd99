"""The plan checker: an independent second opinion on any plan the engine or a solver produces.

It re-derives every rule from the problem and the plan alone (it shares no code with the scheduler):
qualifications (skills and levels, certifications, tools, territory, customer exclusions), parts
on the van with warehouse restocks and warehouse stock, time windows and promised windows, shifts
with overtime, absences, breaks, pins (time locks included), double booking and overlaps, and travel
time between stops.
It returns violations; an empty list means the plan holds.

May import: fieldpilot.domain, fieldpilot.engine.{problem,params,plan} and the standard library.
"""

from __future__ import annotations

import enum
from collections import Counter
from dataclasses import dataclass
from typing import Any

from fieldpilot.engine.params import DispatchParams
from fieldpilot.engine.plan import Plan, Route, ScheduledVisit
from fieldpilot.engine.problem import (
    DispatchProblem,
    OrderRequest,
    PinKind,
    PlannedVisit,
    TechnicianState,
    day_start,
    owed_breaks,
)


class ViolationCode(enum.StrEnum):
    UNKNOWN_TECHNICIAN = "UNKNOWN_TECHNICIAN"
    UNKNOWN_ORDER = "UNKNOWN_ORDER"
    DUPLICATE_ROUTE = "DUPLICATE_ROUTE"
    ORDER_PLANNED_TWICE = "ORDER_PLANNED_TWICE"
    SKILL = "SKILL"
    CERTIFICATION = "CERTIFICATION"
    TOOLS = "TOOLS"
    TERRITORY = "TERRITORY"
    CUSTOMER_EXCLUDED = "CUSTOMER_EXCLUDED"
    NOT_REQUIRED_TECHNICIAN = "NOT_REQUIRED_TECHNICIAN"
    PARTS = "PARTS"
    WAREHOUSE_STOCK = "WAREHOUSE_STOCK"
    WRONG_DURATION = "WRONG_DURATION"
    TIME_WINDOW = "TIME_WINDOW"
    PROMISED_WINDOW = "PROMISED_WINDOW"
    BEFORE_SHIFT = "BEFORE_SHIFT"
    AFTER_SHIFT = "AFTER_SHIFT"
    ABSENCE = "ABSENCE"
    BREAK_MISSING = "BREAK_MISSING"
    BREAK_OVERLAP = "BREAK_OVERLAP"
    OVERLAP = "OVERLAP"
    TRAVEL_TOO_SHORT = "TRAVEL_TOO_SHORT"
    FIXED_START_MOVED = "FIXED_START_MOVED"
    TIME_LOCK_MOVED = "TIME_LOCK_MOVED"  # a time-locked visit changed its start or its technician
    PIN_MOVED = "PIN_MOVED"
    PIN_DROPPED = "PIN_DROPPED"


@dataclass(frozen=True, slots=True)
class Violation:
    code: ViolationCode
    technician_id: str | None
    order_id: str | None
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code.value,
            "technician_id": self.technician_id,
            "order_id": self.order_id,
            "message": self.message,
        }


def check_plan(problem: DispatchProblem, plan: Plan, *, params: DispatchParams | None = None) -> list[Violation]:
    """Every rule the plan breaks, across routes and within each route."""
    params = params or DispatchParams()
    found: list[Violation] = []
    route_count = Counter(r.technician_id for r in plan.routes)
    for tech_id, count in sorted(route_count.items()):
        if count > 1:
            found.append(Violation(ViolationCode.DUPLICATE_ROUTE, tech_id, None, f"{count} routes"))
    order_count = Counter(v.order_id for r in plan.routes for v in r.visits)
    order_count.update(plan.unplanned)
    for order_id, count in sorted(order_count.items()):
        if count > 1:
            message = f"order {order_id} is planned {count} times"
            found.append(Violation(ViolationCode.ORDER_PLANNED_TWICE, None, order_id, message))
    for route in plan.routes:
        found += check_route(problem, route, params=params)
    found += _warehouse_stock(problem, plan)
    found += _pins(problem, plan)
    return found


def check_route(problem: DispatchProblem, route: Route, *, params: DispatchParams) -> list[Violation]:
    """The rules one technician's route breaks."""
    tech = problem.technicians_by_id.get(route.technician_id)
    if tech is None:
        message = f"technician {route.technician_id} is not in the problem"
        return [Violation(ViolationCode.UNKNOWN_TECHNICIAN, route.technician_id, None, message)]
    found: list[Violation] = []
    planned = {v.order_id: v for v in tech.route}
    orders: list[tuple[ScheduledVisit, OrderRequest]] = []
    for visit in route.visits:
        order = problem.orders_by_id.get(visit.order_id)
        if order is None:
            message = f"order {visit.order_id} is not in the problem"
            found.append(Violation(ViolationCode.UNKNOWN_ORDER, tech.id, visit.order_id, message))
            continue
        orders.append((visit, order))
        found += _qualification(tech, order)
        found += _visit_times(problem, tech, visit, order, planned.get(order.id), params=params)
    found += _parts(problem, tech, orders)
    found += _sequence(problem, tech, route, orders, planned)
    return found


def _v(code: ViolationCode, tech: TechnicianState, order_id: str | None, message: str) -> Violation:
    return Violation(code, tech.id, order_id, message)


def _qualification(tech: TechnicianState, order: OrderRequest) -> list[Violation]:
    found = []
    for skill, level in order.required_skills.items():
        if tech.skills.get(skill, 0) < level:
            message = f"needs {skill} >= {level}, has {tech.skills.get(skill, 0)}"
            found.append(_v(ViolationCode.SKILL, tech, order.id, message))
    for cert in sorted(order.required_certifications - tech.certifications):
        found.append(_v(ViolationCode.CERTIFICATION, tech, order.id, f"no valid {cert}"))
    if order.required_tools - tech.tools:
        missing = ", ".join(sorted(order.required_tools - tech.tools))
        found.append(_v(ViolationCode.TOOLS, tech, order.id, f"missing tools {missing}"))
    if order.territory and tech.territories and order.territory not in tech.territories:
        found.append(_v(ViolationCode.TERRITORY, tech, order.id, f"outside territory {order.territory}"))
    if tech.id in order.excluded_technicians:
        found.append(_v(ViolationCode.CUSTOMER_EXCLUDED, tech, order.id, "excluded by the customer"))
    if order.required_technicians and tech.id not in order.required_technicians:
        found.append(_v(ViolationCode.NOT_REQUIRED_TECHNICIAN, tech, order.id, "not a required technician"))
    return found


def _visit_times(
    problem: DispatchProblem,
    tech: TechnicianState,
    visit: ScheduledVisit,
    order: OrderRequest,
    planned: PlannedVisit | None,
    *,
    params: DispatchParams,
) -> list[Violation]:
    found = []
    oid = order.id
    if visit.end - visit.start != order.duration:
        found.append(_v(ViolationCode.WRONG_DURATION, tech, oid, f"lasts {visit.end - visit.start} s"))
    pin = None if planned is None else planned.pin
    fixed = pin is not None and pin.under_way
    if planned is not None and pin is not None and pin.fixes_start and visit.start != planned.planned_start:
        if pin is PinKind.LOCKED_TIME:
            message = f"time-locked visit moved from {planned.planned_start} to {visit.start}"
            found.append(_v(ViolationCode.TIME_LOCK_MOVED, tech, oid, message))
        else:
            message = f"en route/on site visit moved from {planned.planned_start} to {visit.start}"
            found.append(_v(ViolationCode.FIXED_START_MOVED, tech, oid, message))
    if not fixed:
        if pin is not PinKind.LOCKED_TIME:  # the locked start replaces the order's window and promise
            found += _windows(tech, visit, order, planned, params=params)
        if visit.start < day_start(problem, tech):  # not before the shift, nor in the past
            found.append(_v(ViolationCode.BEFORE_SHIFT, tech, oid, f"starts at {visit.start}"))
    if visit.end > tech.shift_end + tech.max_overtime:
        found.append(_v(ViolationCode.AFTER_SHIFT, tech, oid, f"ends at {visit.end}"))
    for absence in tech.absences:
        if visit.start < absence.end and absence.start < visit.end and not fixed:
            message = f"overlaps the absence {absence.start}..{absence.end}"
            found.append(_v(ViolationCode.ABSENCE, tech, oid, message))
    return found


def _windows(
    tech: TechnicianState,
    visit: ScheduledVisit,
    order: OrderRequest,
    planned: PlannedVisit | None,
    *,
    params: DispatchParams,
) -> list[Violation]:
    found = []
    if (order.earliest_start is not None and visit.start < order.earliest_start) or (
        order.latest_start is not None and visit.start > order.latest_start
    ):
        message = f"starts at {visit.start}, window {order.earliest_start}..{order.latest_start}"
        found.append(_v(ViolationCode.TIME_WINDOW, tech, order.id, message))
    promise = planned.promised_window if planned and planned.promised_window else order.promised_window
    if promise is not None and not params.keeps_promise(
        priority=order.priority, start=visit.start, promised_start=promise.start, promised_end=promise.end
    ):
        message = f"starts at {visit.start}, promised {promise.start}..{promise.end}"
        found.append(_v(ViolationCode.PROMISED_WINDOW, tech, order.id, message))
    return found


def _parts(
    problem: DispatchProblem, tech: TechnicianState, orders: list[tuple[ScheduledVisit, OrderRequest]]
) -> list[Violation]:
    found = []
    van = Counter(dict(tech.stock))
    for visit, order in orders:
        if visit.restock is not None:
            if not 0 <= visit.restock.warehouse < len(problem.warehouses):
                message = f"unknown warehouse {visit.restock.warehouse}"
                found.append(_v(ViolationCode.PARTS, tech, order.id, message))
                continue
            van.update(dict(visit.restock.parts))
        van.subtract(dict(order.parts))
        short = sorted(part for part, qty in van.items() if qty < 0)
        if short:
            found.append(_v(ViolationCode.PARTS, tech, order.id, f"van runs out of {', '.join(short)}"))
            for part in short:
                van[part] = 0
    return found


def _sequence(
    problem: DispatchProblem,
    tech: TechnicianState,
    route: Route,
    orders: list[tuple[ScheduledVisit, OrderRequest]],
    planned: dict[str, PlannedVisit],
) -> list[Violation]:
    """Overlaps, travel between stops, breaks and the way home."""
    found = []
    matrix = problem.matrix
    breaks = sorted((b.start, b.end) for b in route.breaks)
    for visit, order in orders:
        for b_start, b_end in breaks:
            if b_start < visit.end and visit.start < b_end:
                found.append(_v(ViolationCode.BREAK_OVERLAP, tech, order.id, f"break {b_start}..{b_end}"))
    ready, place = day_start(problem, tech), tech.start_location
    for index, (visit, order) in enumerate(orders):
        if index and visit.start < ready:
            found.append(_v(ViolationCode.OVERLAP, tech, order.id, "starts before the previous visit ends"))
        depart = max([ready] + [e for s, e in breaks if s >= ready and e <= visit.start])
        arrival = depart
        if visit.restock is not None and 0 <= visit.restock.warehouse < len(problem.warehouses):
            depot = problem.warehouses[visit.restock.warehouse]
            arrival += matrix.duration(place, depot.location, arrival) + depot.pickup_seconds
            place = depot.location
        arrival += matrix.duration(place, order.location, arrival)
        pin = planned.get(order.id)
        fixed = pin is not None and pin.pin is not None and pin.pin.under_way
        if visit.start < arrival and not fixed:
            message = f"starts at {visit.start}, cannot arrive before {arrival}"
            found.append(_v(ViolationCode.TRAVEL_TOO_SHORT, tech, order.id, message))
        ready, place = visit.end, order.location
    if orders:
        depart = max([ready] + [e for s, e in breaks if s >= ready])
        home = depart + matrix.duration(place, tech.end_location, depart)
        if home > tech.shift_end + tech.max_overtime:
            message = f"back home at {home}, after shift end plus overtime"
            found.append(_v(ViolationCode.AFTER_SHIFT, tech, None, message))
        last_end = orders[-1][0].end
        day_end = last_end + matrix.duration(place, tech.end_location, last_end)
        free = list(breaks)
        day_starts = day_start(problem, tech)
        for brk in sorted(owed_breaks(problem, tech), key=lambda b: (b.start, b.end)):
            if day_end <= brk.start or brk.latest_start < day_starts:
                continue
            match = next(
                (b for b in free if b[1] - b[0] >= brk.duration and brk.start <= b[0] and b[1] <= brk.end),
                None,
            )
            if match is None:
                message = f"no {brk.duration} s break inside {brk.start}..{brk.end}"
                found.append(_v(ViolationCode.BREAK_MISSING, tech, None, message))
            else:
                free.remove(match)
    return found


def _warehouse_stock(problem: DispatchProblem, plan: Plan) -> list[Violation]:
    taken: dict[int, Counter[str]] = {}
    for route in plan.routes:
        for visit in route.visits:
            if visit.restock is not None:
                taken.setdefault(visit.restock.warehouse, Counter()).update(dict(visit.restock.parts))
    found = []
    for index, parts in sorted(taken.items()):
        if not 0 <= index < len(problem.warehouses):
            continue
        stock = problem.warehouses[index].stock
        for part, qty in sorted(parts.items()):
            if qty > stock.get(part, 0):
                message = f"warehouse {problem.warehouses[index].id} has {stock.get(part, 0)} {part}, {qty} taken"
                found.append(Violation(ViolationCode.WAREHOUSE_STOCK, None, None, message))
    return found


def _pins(problem: DispatchProblem, plan: Plan) -> list[Violation]:
    found = []
    for tech in problem.technicians:
        pinned = [v.order_id for v in tech.route if v.pin is not None and v.pin.binds_technician]
        if not pinned:
            continue
        route = plan.route_of(tech.id)
        kept = [o for o in (route.order_ids if route else ()) if o in set(pinned)]
        for visit in tech.route:
            if visit.pin is not None and visit.pin.binds_technician and visit.order_id not in kept:
                code = ViolationCode.PIN_DROPPED
                if plan.technician_of(visit.order_id):
                    time_lock = visit.pin is PinKind.LOCKED_TIME
                    code = ViolationCode.TIME_LOCK_MOVED if time_lock else ViolationCode.PIN_MOVED
                found.append(Violation(code, tech.id, visit.order_id, "a pinned visit left its technician"))
        if [o for o in pinned if o in kept] != kept:
            found.append(Violation(ViolationCode.PIN_MOVED, tech.id, None, "pinned visits were reordered"))
    return found
