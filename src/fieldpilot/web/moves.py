"""Drag-and-drop on the schedule board: check a move with the engine, then commit it.

`preview_move` is a pure read: the order is lifted out of its route (if it has one), placed on
the target technician at the dropped time, and the engine's forced-assignment check lists what
that breaks and what it costs, against the engine's best choice and against where it is now.
`commit_move` sends the dispatcher's confirmed choice through the bus as a forced dispatch (an
order already on a route is unassigned first, and restored if the forced dispatch fails).

May import: bootstrap, service, engine (not solvers), domain, the standard library.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from fieldpilot.bootstrap import Services
from fieldpilot.domain import commands as cmd
from fieldpilot.domain.errors import IllegalTransition, InvalidInput, NotFound, VersionMismatch
from fieldpilot.domain.work_order import OrderStatus, WorkOrder
from fieldpilot.engine.filters import clock_for
from fieldpilot.engine.insertion import evaluate_force_assign
from fieldpilot.engine.problem import DispatchProblem
from fieldpilot.service.permissions import Actor
from fieldpilot.service.snapshot import seconds
from fieldpilot.web.board import snapshot

MOVABLE = frozenset({OrderStatus.NEW, OrderStatus.ASSIGNED, OrderStatus.ACCEPTED})


def _load(services: Services, order_id: str, *, now: datetime) -> tuple[WorkOrder, DispatchProblem]:
    with services.uow_factory() as uow:
        order = uow.orders.get(order_id)
        if order is None:
            raise NotFound("work order", order_id)
        if order.status not in MOVABLE:
            raise IllegalTransition(current=order.status.value, action="move", allowed=[])
        problem = snapshot(services, uow, now=now, include=(order_id,))
    return order, released(problem, order_id)


def released(problem: DispatchProblem, order_id: str) -> DispatchProblem:
    """The problem with the order lifted out of whatever route holds it, promised or not."""
    technicians = tuple(
        replace(t, route=tuple(v for v in t.route if v.order_id != order_id)) for t in problem.technicians
    )
    return replace(problem, technicians=technicians)


def drop_position(problem: DispatchProblem, technician_id: str, drop_at: datetime | None) -> int | None:
    """Where in the route a visit dropped at `drop_at` goes: after every visit that starts earlier."""
    if drop_at is None:
        return None
    second = seconds(problem.epoch, drop_at)
    return sum(1 for v in problem.technician(technician_id).route if v.planned_start < second)


def preview_move(
    services: Services, *, order_id: str, technician_id: str, drop_at: datetime | None, now: datetime
) -> dict[str, Any]:
    order, problem = _load(services, order_id, now=now)
    if technician_id not in problem.technicians_by_id:
        raise InvalidInput("technician_id", f"no active technician {technician_id!r}")
    params = services.dispatch.params
    position = drop_position(problem, technician_id, drop_at)
    try:
        forced = evaluate_force_assign(problem, order_id, technician_id, position, params=params)
    except InvalidInput as error:
        if error.field != "position":
            raise
        position = None  # dropped before visits already under way: the first open position
        forced = evaluate_force_assign(problem, order_id, technician_id, None, params=params)
    body = forced.to_dict(problem)
    current_cost = None
    if order.technician_id and order.technician_id in problem.technicians_by_id:
        at = drop_position(problem, order.technician_id, order.planned_start)
        try:
            here = evaluate_force_assign(problem, order_id, order.technician_id, at, params=params)
            current_cost = here.candidate.cost.total
        except InvalidInput:
            current_cost = None
    clock = clock_for(problem)
    candidate = forced.candidate
    return {
        **body,
        "order_id": order_id,
        "order_version": order.version,
        "from_technician_id": order.technician_id,
        "to_technician_id": technician_id,
        "requested_position": position,
        "planned_start_iso": problem.moment(candidate.planned_start).isoformat(),
        "planned_end_iso": problem.moment(candidate.planned_end).isoformat(),
        "eta_window_iso": [
            problem.moment(candidate.eta_window.start).isoformat(),
            problem.moment(candidate.eta_window.end).isoformat(),
        ],
        "eta_window_text": f"{clock(candidate.eta_window.start)}-{clock(candidate.eta_window.end)}",
        "cost_total": round(candidate.cost.total, 3),
        "cost_delta_vs_current": None if current_cost is None else round(candidate.cost.total - current_cost, 3),
    }


def commit_move(
    services: Services,
    actor: Actor,
    *,
    order_id: str,
    technician_id: str,
    position: int | None,
    reason: str,
    expected_version: int,
) -> dict[str, Any]:
    """The dispatcher confirmed: force the order onto the technician, with their reason."""
    reason = reason.strip()
    if not reason:
        raise InvalidInput("reason", "say why you move this visit (it goes into the order's history)")
    bus = services.bus
    with services.uow_factory() as uow:
        order = uow.orders.get(order_id)
    if order is None:
        raise NotFound("work order", order_id)
    if order.version != expected_version:
        raise VersionMismatch(kind="work order", expected=expected_version, actual=order.version)
    if order.status not in MOVABLE:
        raise IllegalTransition(current=order.status.value, action="move", allowed=[])
    version = order.version
    previous = (order.technician_id, order.planned_start)
    if order.status is not OrderStatus.NEW:
        view = bus.handle(
            cmd.TransitionWorkOrder(
                actor=actor.ref, order_id=order_id, action="unassign", expected_version=version, reason=reason
            )
        )
        version = int(view["version"])
    try:
        result: dict[str, Any] = bus.handle(
            cmd.DispatchOrder(
                actor=actor.ref,
                order_id=order_id,
                mode=cmd.DispatchChoice.FORCE,
                expected_version=version,
                technician_id=technician_id,
                position=position,
                reason=reason,
            )
        )
    except Exception:
        if previous[0] is not None:
            bus.handle(
                cmd.TransitionWorkOrder(
                    actor=actor.ref,
                    order_id=order_id,
                    action="assign",
                    expected_version=version,
                    technician_id=previous[0],
                    planned_start=previous[1],
                    reason="move failed; restored",
                )
            )
        raise
    return result
