"""How an OrderQuery selects and sorts orders, in plain Python (storage does the same in SQL)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from fieldpilot.domain.work_order import WorkOrder
from fieldpilot.service.unit_of_work import OrderQuery

SORT_FIELDS = ("created_at", "priority", "sla_deadline", "planned_start")

_FAR = datetime.max.replace(tzinfo=None)


def effective_sla_state(order: WorkOrder, now: datetime | None) -> str:
    """The SLA state at `now`, from the stored state and the stored risk/breach moments."""
    if order.sla_state == "breached" or not order.is_open or now is None:
        return order.sla_state
    if order.sla_next_deadline is not None and order.sla_next_deadline <= now:
        return "breached"
    risk_at = order.sla_risk_at
    if risk_at is not None and risk_at <= now:
        return "at_risk"
    return order.sla_state


def order_matches(order: WorkOrder, query: OrderQuery) -> bool:
    checks = (
        not query.statuses or order.status in query.statuses,
        not query.priorities or order.priority in query.priorities,
        query.technician_id is None or order.technician_id == query.technician_id,
        query.customer_id is None or order.customer_id == query.customer_id,
        not query.sla_states or effective_sla_state(order, query.now) in query.sla_states,
        query.created_from is None or order.created_at >= query.created_from,
        query.created_to is None or order.created_at < query.created_to,
    )
    return all(checks)


def order_sort_key(sort: str) -> Callable[[WorkOrder], tuple[object, ...]]:
    """A total order: the sort field (missing values last), then the id as a tie-break."""

    def key(order: WorkOrder) -> tuple[object, ...]:
        if sort == "priority":
            return (int(order.priority), order.created_at, order.id)
        if sort == "sla_deadline":
            value = order.sla_next_deadline
        elif sort == "planned_start":
            value = order.planned_start
        else:
            value = order.created_at
        return (value is None, value.timestamp() if value else 0.0, order.id)

    return key
