"""The plan: what the engine (insertion or a batch solver) proposes, and the plan checker reads.

A plan holds one route per technician: the visits in driving order with their start and end
seconds (relative to the problem's epoch), the breaks as taken, and the orders left unplanned.

May import: fieldpilot.domain, fieldpilot.engine.problem and the standard library.
"""

from __future__ import annotations

from dataclasses import dataclass

from fieldpilot.domain.errors import InvalidInput
from fieldpilot.engine.problem import DispatchProblem, Restock


@dataclass(frozen=True, slots=True)
class ScheduledVisit:
    order_id: str
    start: int
    end: int
    restock: Restock | None = None  # warehouse detour driven just before this visit

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise InvalidInput("end", f"visit {self.order_id} ends before it starts")


@dataclass(frozen=True, slots=True)
class ScheduledBreak:
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Route:
    technician_id: str
    visits: tuple[ScheduledVisit, ...] = ()
    breaks: tuple[ScheduledBreak, ...] = ()

    @property
    def order_ids(self) -> tuple[str, ...]:
        return tuple(v.order_id for v in self.visits)


@dataclass(frozen=True, slots=True)
class Plan:
    routes: tuple[Route, ...]
    unplanned: tuple[str, ...] = ()

    def route_of(self, technician_id: str) -> Route | None:
        for route in self.routes:
            if route.technician_id == technician_id:
                return route
        return None

    def technician_of(self, order_id: str) -> str | None:
        for route in self.routes:
            if order_id in route.order_ids:
                return route.technician_id
        return None


def current_plan(problem: DispatchProblem) -> Plan:
    """The problem's routes as they stand, with their planned starts (no breaks recorded)."""
    routes = []
    for tech in problem.technicians:
        visits = tuple(
            ScheduledVisit(
                order_id=v.order_id,
                start=v.planned_start,
                end=v.planned_start + problem.order(v.order_id).duration,
                restock=v.restock,
            )
            for v in tech.route
        )
        routes.append(Route(technician_id=tech.id, visits=visits))
    return Plan(routes=tuple(routes), unplanned=tuple(o.id for o in problem.unplanned_orders()))
