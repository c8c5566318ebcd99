"""Which events call for a re-plan: an urgent order, a cancellation, a technician running late or
becoming unavailable, a traffic change. Each handler only asks the scheduler; it never solves."""

from __future__ import annotations

from fieldpilot.domain.events import (
    OrderCreated,
    ResourceChanged,
    StatusChanged,
    TechnicianRunningLate,
    TrafficChanged,
)
from fieldpilot.service.ports import ReplanScheduler
from fieldpilot.service.unit_of_work import UnitOfWork

URGENT_PRIORITIES = frozenset({1, 2})


def on_order_created(event: OrderCreated, uow: UnitOfWork, *, replans: ReplanScheduler) -> None:
    if event.priority in URGENT_PRIORITIES:
        replans.request(f"urgent order {event.order_id} (P{event.priority})")


def on_status_changed(event: StatusChanged, uow: UnitOfWork, *, replans: ReplanScheduler) -> None:
    if event.to_status == "cancelled" and event.from_status != "new":
        replans.request(f"cancellation of {event.order_id}")
    elif event.to_status == "new" and event.action in ("decline", "unassign", "resume"):
        replans.request(f"{event.order_id} back in the pool ({event.action})")


def on_technician_late(event: TechnicianRunningLate, uow: UnitOfWork, *, replans: ReplanScheduler) -> None:
    replans.request(f"{event.technician_id} running {event.late_seconds // 60} min late for {event.order_id}")


def on_resource_changed(event: ResourceChanged, uow: UnitOfWork, *, replans: ReplanScheduler) -> None:
    if event.kind == "technician" and event.change in ("updated", "deleted"):
        replans.request(f"technician {event.key} {event.change}")


def on_traffic_changed(event: TrafficChanged, uow: UnitOfWork, *, replans: ReplanScheduler) -> None:
    replans.request(f"traffic in {event.area} x{event.current:g} (was x{event.previous:g})")
