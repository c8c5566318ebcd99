"""Position reports from technicians' devices: stored, and checked against the plan for lateness."""

from __future__ import annotations

from datetime import datetime

from fieldpilot.domain import commands as cmd
from fieldpilot.domain.errors import InvalidInput, NotFound
from fieldpilot.domain.events import TechnicianRunningLate
from fieldpilot.domain.work_order import OrderStatus, WorkOrder
from fieldpilot.service.deps import HandlerDeps
from fieldpilot.service.handlers.dispatch import DispatchDeps
from fieldpilot.service.unit_of_work import OrderQuery, TechnicianPosition, UnitOfWork

# Statuses in which the technician is heading for (or about to head for) the visit.
_UPCOMING = frozenset({OrderStatus.EN_ROUTE, OrderStatus.ACCEPTED, OrderStatus.ASSIGNED})


def report_position(command: cmd.ReportPosition, uow: UnitOfWork, deps: HandlerDeps, dispatch: DispatchDeps) -> None:
    now = deps.clock.now()
    at = command.at or now
    if at > now:
        raise InvalidInput("at", "a position cannot be reported from the future")
    with uow:
        if uow.technicians.get(command.technician_id) is None:
            raise NotFound("technician", command.technician_id)
        uow.positions.add(TechnicianPosition(command.technician_id, command.location, at))
        target = _next_visit(uow, command.technician_id)
        if target is not None and target.planned_start is not None:
            late = _lateness(uow, target, command=command, at=at, dispatch=dispatch)
            if late > dispatch.late_threshold_seconds:
                uow.record(TechnicianRunningLate(command.technician_id, target.id, late))
        uow.commit()


def _next_visit(uow: UnitOfWork, technician_id: str) -> WorkOrder | None:
    page = uow.orders.search(
        OrderQuery(technician_id=technician_id, statuses=_UPCOMING, sort="planned_start", limit=20)
    )
    travelling = [o for o in page.items if o.status is OrderStatus.EN_ROUTE]
    candidates = travelling or [o for o in page.items if o.planned_start is not None]
    return candidates[0] if candidates else None


def _lateness(
    uow: UnitOfWork, order: WorkOrder, *, command: cmd.ReportPosition, at: datetime, dispatch: DispatchDeps
) -> int:
    site = uow.sites.get(order.site_id)
    if site is None or order.planned_start is None:
        return 0
    matrix = dispatch.travel.travel_matrix([command.location, site.location], depart_at=at)
    arrival = at.timestamp() + matrix.duration(0, 1, 0)
    return int(arrival - order.planned_start.timestamp())
