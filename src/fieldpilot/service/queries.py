"""Read-side queries. They open a unit of work, read, and never commit."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from fieldpilot.domain.errors import NotFound
from fieldpilot.domain.work_order import OrderStatus, WorkOrder
from fieldpilot.service.sla_tracking import sla_status
from fieldpilot.service.unit_of_work import OrderQuery, Page, UnitOfWork
from fieldpilot.service.views import history_view, order_view, tracking_view
from fieldpilot.sla.status import sla_status_to_dict

UowFactory = Callable[[], UnitOfWork]


def _with_sla(uow: UnitOfWork, order: WorkOrder, now: datetime) -> dict[str, Any]:
    status = sla_status(order, policies=uow.sla_policies.list(limit=10_000), now=now)
    return order_view(order, sla=None if status is None else sla_status_to_dict(status))


def get_order(uow_factory: UowFactory, order_id: str, *, now: datetime) -> dict[str, Any]:
    with uow_factory() as uow:
        order = uow.orders.get(order_id)
        if order is None:
            raise NotFound("work order", order_id)
        return _with_sla(uow, order, now)


def load_order(uow_factory: UowFactory, order_id: str) -> WorkOrder:
    """The order itself (for permission checks on its technician)."""
    with uow_factory() as uow:
        order = uow.orders.get(order_id)
        if order is None:
            raise NotFound("work order", order_id)
        return order


def list_orders(uow_factory: UowFactory, query: OrderQuery) -> Page[dict[str, Any]]:
    now = query.now
    with uow_factory() as uow:
        page = uow.orders.search(query)
        policies = uow.sla_policies.list(limit=10_000)
        items = []
        for order in page.items:
            status = sla_status(order, policies=policies, now=now) if now else None
            items.append(order_view(order, sla=None if status is None else sla_status_to_dict(status)))
        return Page(items, page.total, page.offset, page.limit)


def order_history(uow_factory: UowFactory, order_id: str) -> list[dict[str, Any]]:
    with uow_factory() as uow:
        order = uow.orders.get(order_id)
        if order is None:
            raise NotFound("work order", order_id)
        return history_view(order)


def tracking(uow_factory: UowFactory, token: str) -> dict[str, Any]:
    with uow_factory() as uow:
        order = uow.orders.get_by_tracking_token(token)
        if order is None:
            raise NotFound("tracking link", "")
        first_name = None
        if order.technician_id:
            technician = uow.technicians.get(order.technician_id)
            first_name = technician.first_name if technician else None
        return tracking_view(order, technician_first_name=first_name)


def decisions_for(uow_factory: UowFactory, order_id: str) -> list[dict[str, Any]]:
    with uow_factory() as uow:
        if uow.orders.get(order_id) is None:
            raise NotFound("work order", order_id)
        return [
            {"id": d.id, "kind": d.kind, "created_at": d.created_at.isoformat(), **d.body}
            for d in uow.decisions.for_order(order_id)
        ]


def offers_for(uow_factory: UowFactory, technician_id: str, *, now: datetime) -> list[dict[str, Any]]:
    """New orders currently offered to this technician (grab pool), soonest expiry first."""
    with uow_factory() as uow:
        waiting = uow.orders.search(OrderQuery(statuses=frozenset({OrderStatus.NEW}), limit=100_000)).items
        offered = [
            o
            for o in waiting
            if technician_id in o.offered_to and o.offer_expires_at is not None and o.offer_expires_at > now
        ]
        offered.sort(key=lambda o: (o.offer_expires_at, o.id))
        return [_with_sla(uow, o, now) for o in offered]
