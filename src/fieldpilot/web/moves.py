"""Drag-and-drop on the schedule board: check a move with the engine, then commit it.

`preview_move` is a pure read: the order is lifted out of its route (if it has one), placed on
the target technician at the dropped time, and the engine's forced-assignment check lists what
that breaks and what it costs, against the engine's best choice and against where it is now.
`commit_move` sends the dispatcher's confirmed choice through the bus as one MoveVisit command
(the same check again, inside the transaction that applies it).

May import: bootstrap, service, engine (not solvers), domain, the standard library.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fieldpilot.bootstrap import Services
from fieldpilot.domain import commands as cmd
from fieldpilot.domain.errors import IllegalTransition, InvalidInput, NotFound
from fieldpilot.domain.work_order import WorkOrder
from fieldpilot.engine.filters import clock_for
from fieldpilot.engine.insertion import evaluate_force_assign
from fieldpilot.engine.problem import DispatchProblem
from fieldpilot.service.handlers.dispatch import MOVABLE, drop_position, released
from fieldpilot.service.permissions import Actor
from fieldpilot.web.board import snapshot


def _load(services: Services, order_id: str, *, now: datetime) -> tuple[WorkOrder, DispatchProblem]:
    with services.uow_factory() as uow:
        order = uow.orders.get(order_id)
        if order is None:
            raise NotFound("work order", order_id)
        if order.status not in MOVABLE:
            raise IllegalTransition(current=order.status.value, action="move", allowed=[])
        problem = snapshot(services, uow, now=now, include=(order_id,))
    return order, released(problem, order_id)


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
    planned_start: datetime | None = None,
) -> dict[str, Any]:
    """The dispatcher confirmed: one MoveVisit command, applied whole or not at all."""
    result: dict[str, Any] = services.bus.handle(
        cmd.MoveVisit(
            actor=actor.ref,
            order_id=order_id,
            technician_id=technician_id,
            expected_version=expected_version,
            reason=reason,
            position=position,
            planned_start=planned_start,
        )
    )
    return result
