"""Hard filters: may this technician take this order at all? Every failed rule becomes a `Reason`.

Checked per technician, cheapest first-class data only (no route replay): skills and levels,
certifications valid on the day, tools, parts (van stock left after the route, else a warehouse
that has the shortfall), territory, the customer's excluded and required technicians, shift,
absences, and whether the visit fits in the shift at all (allowing overtime).

May import: fieldpilot.domain, fieldpilot.engine.{problem,reasons} and the standard library.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fieldpilot.engine.problem import OPEN_END, DispatchProblem, OrderRequest, TechnicianState, Window, day_start
from fieldpilot.engine.reasons import Clock, Reason, ReasonCode, sentence_for


@dataclass(frozen=True, slots=True)
class Eligibility:
    """The filters' verdict on one technician: reasons against, or a go with the parts shortfall."""

    technician_id: str
    reasons: tuple[Reason, ...]
    shortfall: Mapping[str, int]  # parts to fetch from a warehouse before the visit
    warehouses: tuple[int, ...]  # warehouses holding the whole shortfall, nearest to the order first

    @property
    def eligible(self) -> bool:
        return not self.reasons


def clock_for(problem: DispatchProblem) -> Clock:
    """Seconds -> 'HH:MM' on the epoch's day (the weekday and day are added on other days)."""
    day = problem.epoch.date()

    def render(second: int) -> str:
        if abs(second) >= OPEN_END:
            return "any time"
        moment = problem.moment(second)
        return moment.strftime("%H:%M") if moment.date() == day else moment.strftime("%a %d %H:%M")

    return render


def warehouse_stock_left(problem: DispatchProblem) -> list[dict[str, int]]:
    """Each warehouse's stock minus what planned restocks already take from it."""
    key = ("warehouse_stock_left",)
    found = problem.memo.get(key)
    if isinstance(found, list):
        return found
    left = [dict(w.stock) for w in problem.warehouses]
    for tech in problem.technicians:
        for visit in tech.route:
            if visit.restock is not None:
                stock = left[visit.restock.warehouse]
                for part, qty in visit.restock.parts.items():
                    stock[part] = stock.get(part, 0) - qty
    problem.memo[key] = left
    return left


def van_stock_left(problem: DispatchProblem, tech: TechnicianState) -> Mapping[str, int]:
    """What is left on the van once the route's visits are served (restocks included)."""
    key = ("van_stock_left", tech.id)
    found = problem.memo.get(key)
    if isinstance(found, tuple) and found[0] is tech:
        left: Mapping[str, int] = found[1]
        return left
    van = dict(tech.stock)
    for visit in tech.route:
        for part, qty in problem.order(visit.order_id).parts.items():
            picked = visit.restock.parts.get(part, 0) if visit.restock else 0
            van[part] = van.get(part, 0) - qty + picked
    problem.memo[key] = (tech, van)
    return van


def check_technician(
    problem: DispatchProblem,
    order: OrderRequest,
    tech: TechnicianState,
    *,
    window: Window,
    clock: Clock,
) -> Eligibility:
    """Apply every hard filter; `window` is the order's allowed start window (promise included)."""
    found: list[tuple[ReasonCode, dict[str, Any]]] = []
    for skill, required in order.required_skills.items():
        level = tech.skills.get(skill, 0)
        if level == 0:
            found.append((ReasonCode.SKILL_MISSING, {"skill": skill, "required": required}))
        elif level < required:
            detail = {"skill": skill, "required": required, "level": level}
            found.append((ReasonCode.SKILL_LEVEL_TOO_LOW, detail))
    for cert in sorted(order.required_certifications - tech.certifications):
        code = ReasonCode.CERT_EXPIRED if cert in tech.expired_certifications else ReasonCode.CERT_MISSING
        found.append((code, {"certification": cert}))
    missing_tools = order.required_tools - tech.tools
    if missing_tools:
        found.append((ReasonCode.MISSING_TOOLS, {"missing": sorted(missing_tools)}))
    if order.territory and tech.territories and order.territory not in tech.territories:
        detail = {"territory": order.territory, "works_in": sorted(tech.territories)}
        found.append((ReasonCode.TERRITORY, detail))
    if tech.id in order.excluded_technicians:
        found.append((ReasonCode.CUSTOMER_EXCLUDED, {"customer_id": order.customer_id}))
    if order.required_technicians and tech.id not in order.required_technicians:
        found.append((ReasonCode.NOT_REQUIRED_TECHNICIAN, {"required": sorted(order.required_technicians)}))
    found += _shift_reasons(problem, order, tech, window=window)
    shortfall: dict[str, int] = {}
    if order.parts:
        van = van_stock_left(problem, tech)
        shortfall = {
            part: qty - max(0, van.get(part, 0)) for part, qty in order.parts.items() if qty > van.get(part, 0)
        }
    warehouses: tuple[int, ...] = ()
    if shortfall:
        warehouses = _warehouses_with(problem, order, shortfall)
        if not warehouses:
            found.append((ReasonCode.MISSING_PARTS, {"missing": shortfall}))
    who = tech.label
    reasons = tuple(Reason(code, tech.id, sentence_for(code, who, d, clock), d) for code, d in found)
    return Eligibility(tech.id, reasons, shortfall, warehouses)


def _shift_reasons(
    problem: DispatchProblem, order: OrderRequest, tech: TechnicianState, *, window: Window
) -> list[tuple[ReasonCode, dict[str, Any]]]:
    latest_end = tech.shift_end + tech.max_overtime
    available = day_start(problem, tech)
    first_start = window.start if window.start > available else available
    if tech.shift_end <= tech.shift_start or first_start > window.end or first_start >= latest_end:
        detail = {
            "shift_start": tech.shift_start,
            "shift_end": tech.shift_end,
            "window_start": window.start,
            "window_end": window.end,
        }
        if tech.shift_end > tech.shift_start:
            detail["available_from"] = available
        return [(ReasonCode.OFF_SHIFT, detail)]
    if tech.absences:
        last_start = min(window.end, latest_end - order.duration)
        for absence in tech.absences:
            if absence.start <= first_start and absence.end >= last_start:
                detail = {"absent_from": absence.start, "absent_until": absence.end}
                return [(ReasonCode.ABSENT, detail)]
    matrix = problem.matrix
    reach = available + matrix.shortest_duration(tech.start_location, order.location)
    start = window.start if window.start > reach else reach
    back = start + order.duration + matrix.shortest_duration(order.location, tech.end_location)
    if back > latest_end and start <= window.end:
        detail = {
            "shift_start": tech.shift_start,
            "shift_end": tech.shift_end,
            "back_at": back,
            "overtime_needed": back - tech.shift_end,
            "overtime_allowed": tech.max_overtime,
        }
        return [(ReasonCode.SHIFT_TOO_SHORT, detail)]
    return []


def _warehouses_with(problem: DispatchProblem, order: OrderRequest, shortfall: Mapping[str, int]) -> tuple[int, ...]:
    left = warehouse_stock_left(problem)
    matrix = problem.matrix
    holding = [
        index for index, stock in enumerate(left) if all(stock.get(part, 0) >= qty for part, qty in shortfall.items())
    ]
    by_distance = sorted(
        holding, key=lambda i: (matrix.shortest_duration(problem.warehouses[i].location, order.location), i)
    )
    return tuple(by_distance)
