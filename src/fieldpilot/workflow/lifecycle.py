"""The work-order lifecycle as one transition table with guards.

    new -> assigned -> accepted -> en_route -> on_site -> completed -> closed
    hold (reason) / resume, cancel (reason), reassign, unassign, decline, reopen (reason)

`advance(order, action, ...)` checks the table, applies the change, appends a history entry and
records the events. It never reads a clock: the caller passes `at`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from fieldpilot.domain.errors import IllegalTransition, InvalidInput
from fieldpilot.domain.events import OrderAssigned, OrderReassigned, OrderUnassigned, StatusChanged
from fieldpilot.domain.work_order import HistoryEntry, OrderLock, OrderStatus, SlaLogEntry, SlaLogKind, WorkOrder

S = OrderStatus


class Action(enum.StrEnum):
    ASSIGN = "assign"
    ACCEPT = "accept"
    DECLINE = "decline"
    START_TRAVEL = "start_travel"
    ARRIVE = "arrive"
    COMPLETE = "complete"
    CLOSE = "close"
    HOLD = "hold"
    RESUME = "resume"
    CANCEL = "cancel"
    REASSIGN = "reassign"
    UNASSIGN = "unassign"
    REOPEN = "reopen"


@dataclass(frozen=True, slots=True)
class Rule:
    sources: frozenset[OrderStatus]
    target: OrderStatus | None  # None: decided by the action (resume returns where it was held)
    needs_reason: bool = False
    needs_technician: bool = False


_ACTIVE = frozenset({S.NEW, S.ASSIGNED, S.ACCEPTED, S.EN_ROUTE, S.ON_SITE})

TRANSITIONS: dict[Action, Rule] = {
    Action.ASSIGN: Rule(frozenset({S.NEW}), S.ASSIGNED, needs_technician=True),
    Action.ACCEPT: Rule(frozenset({S.ASSIGNED}), S.ACCEPTED),
    Action.DECLINE: Rule(frozenset({S.ASSIGNED}), S.NEW, needs_reason=True),
    Action.START_TRAVEL: Rule(frozenset({S.ACCEPTED}), S.EN_ROUTE),
    Action.ARRIVE: Rule(frozenset({S.EN_ROUTE}), S.ON_SITE),
    Action.COMPLETE: Rule(frozenset({S.ON_SITE}), S.COMPLETED),
    Action.CLOSE: Rule(frozenset({S.COMPLETED}), S.CLOSED),
    Action.HOLD: Rule(_ACTIVE, S.ON_HOLD, needs_reason=True),
    Action.RESUME: Rule(frozenset({S.ON_HOLD}), None),
    Action.CANCEL: Rule(_ACTIVE | {S.ON_HOLD}, S.CANCELLED, needs_reason=True),
    Action.REASSIGN: Rule(
        frozenset({S.ASSIGNED, S.ACCEPTED, S.EN_ROUTE}), S.ASSIGNED, needs_reason=True, needs_technician=True
    ),
    Action.UNASSIGN: Rule(frozenset({S.ASSIGNED, S.ACCEPTED}), S.NEW, needs_reason=True),
    Action.REOPEN: Rule(frozenset({S.COMPLETED, S.CLOSED, S.CANCELLED}), S.NEW, needs_reason=True),
}

# Where an order goes when it is resumed: back where it was held, except that a technician who
# was travelling or on site when the hold began has to start the approach again.
_RESUME_TO = {S.EN_ROUTE: S.ACCEPTED, S.ON_SITE: S.ON_SITE}

MILESTONE_OF = {
    S.ASSIGNED: "dispatch",
    S.ACCEPTED: "first_contact",
    S.ON_SITE: "arrival",
    S.COMPLETED: "resolution",
}


def allowed_actions(status: OrderStatus) -> list[str]:
    """Actions the lifecycle allows from `status`, in table order."""
    return [action.value for action, rule in TRANSITIONS.items() if status in rule.sources]


def advance(
    order: WorkOrder,
    action: Action,
    *,
    at: datetime,
    actor: str,
    reason: str = "",
    technician_id: str | None = None,
) -> OrderStatus:
    """Apply `action` to `order` at `at`; return the new status or raise IllegalTransition."""
    rule = TRANSITIONS[action]
    current = order.status
    if current not in rule.sources:
        raise IllegalTransition(current=current.value, action=action.value, allowed=allowed_actions(current))
    reason = reason.strip()
    if rule.needs_reason and not reason:
        raise InvalidInput("reason", f"{action.value} needs a reason")
    if rule.needs_technician and not technician_id:
        raise InvalidInput("technician_id", f"{action.value} needs a technician")
    if action is Action.REASSIGN and technician_id == order.technician_id:
        raise InvalidInput("technician_id", "the order is already assigned to that technician")

    previous_technician = order.technician_id
    target = _target(order, action, rule)
    _apply_side_effects(order, action, at=at, reason=reason, technician_id=technician_id)
    order.status = target
    order.updated_at = at
    order.history.append(
        HistoryEntry(
            at=at,
            actor=actor,
            action=action.value,
            from_status=current,
            to_status=target,
            reason=reason,
            technician_id=order.technician_id,
        )
    )
    milestone = MILESTONE_OF.get(target)
    if milestone and milestone not in order.milestones:
        order.milestones[milestone] = at
    order.events.append(
        StatusChanged(
            order_id=order.id,
            from_status=current.value,
            to_status=target.value,
            action=action.value,
            actor=actor,
            reason=reason,
        )
    )
    if action is Action.ASSIGN and order.technician_id:
        order.events.append(OrderAssigned(order.id, order.technician_id, order.planned_start))
    elif action is Action.REASSIGN and order.technician_id:
        order.events.append(OrderReassigned(order.id, previous_technician, order.technician_id, reason))
    elif action in (Action.UNASSIGN, Action.DECLINE, Action.CANCEL) and previous_technician:
        order.events.append(OrderUnassigned(order.id, previous_technician))
    return target


def _target(order: WorkOrder, action: Action, rule: Rule) -> OrderStatus:
    if rule.target is not None:
        return rule.target
    held_from = order.held_from or S.NEW
    resumed = _RESUME_TO.get(held_from, held_from)
    if resumed is not S.NEW and order.technician_id is None:
        return S.NEW
    return resumed


def _apply_side_effects(
    order: WorkOrder, action: Action, *, at: datetime, reason: str, technician_id: str | None
) -> None:
    if action in (Action.ASSIGN, Action.REASSIGN):
        order.technician_id = technician_id
    elif action in (Action.DECLINE, Action.UNASSIGN, Action.CANCEL, Action.REOPEN):
        order.technician_id = None
        order.planned_start = None
        order.eta_window = None
        if order.lock is OrderLock.TIME:  # the slot it held is gone
            order.lock = OrderLock.NONE
    # The SLA log only exists once a policy started the clock; an order without one has no clock to pause.
    if action is Action.HOLD:
        order.held_from = order.status
        order.hold_reason = reason
        if order.sla_log:
            order.sla_log.append(SlaLogEntry(at=at, kind=SlaLogKind.PAUSE, reason=reason))
    elif action is Action.RESUME:
        order.held_from = None
        order.hold_reason = None
        if order.sla_log:
            order.sla_log.append(SlaLogEntry(at=at, kind=SlaLogKind.RESUME))
    if action is Action.REOPEN:
        order.milestones.pop("resolution", None)
