"""Which events call for a re-plan: an urgent order, a cancellation, a technician running late or
becoming unavailable, a traffic change. Each handler only asks the scheduler; it never solves."""

from __future__ import annotations

from dataclasses import dataclass

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


@dataclass(frozen=True)
class Focus:
    """Where the changes behind a re-plan are; merged over coalesced requests."""

    orders: tuple[str, ...] = ()
    technicians: tuple[str, ...] = ()

    @classmethod
    def merged(cls, foci: list[Focus]) -> Focus:
        orders = tuple(dict.fromkeys(o for f in foci for o in f.orders))
        technicians = tuple(dict.fromkeys(t for f in foci for t in f.technicians))
        return cls(orders, technicians)


def on_order_created(event: OrderCreated, uow: UnitOfWork, *, replans: ReplanScheduler) -> None:
    if event.priority in URGENT_PRIORITIES:
        replans.request(f"urgent order {event.order_id} (P{event.priority})", orders=(event.order_id,))


def on_status_changed(event: StatusChanged, uow: UnitOfWork, *, replans: ReplanScheduler) -> None:
    if event.to_status == "cancelled" and event.from_status != "new":
        freed = _last_technician(uow, event.order_id)
        replans.request(f"cancellation of {event.order_id}", orders=(event.order_id,), technicians=freed)
    elif event.to_status == "new" and event.action in ("decline", "unassign", "resume"):
        replans.request(f"{event.order_id} back in the pool ({event.action})", orders=(event.order_id,))


def on_technician_late(event: TechnicianRunningLate, uow: UnitOfWork, *, replans: ReplanScheduler) -> None:
    replans.request(
        f"{event.technician_id} running {event.late_seconds // 60} min late for {event.order_id}",
        orders=(event.order_id,),
        technicians=(event.technician_id,),
    )


def on_resource_changed(event: ResourceChanged, uow: UnitOfWork, *, replans: ReplanScheduler) -> None:
    if event.kind == "technician" and event.change in ("updated", "deleted"):
        replans.request(f"technician {event.key} {event.change}", technicians=(event.key,))


def on_traffic_changed(event: TrafficChanged, uow: UnitOfWork, *, replans: ReplanScheduler) -> None:
    replans.request(f"traffic in {event.area} x{event.current:g} (was x{event.previous:g})")


def _last_technician(uow: UnitOfWork, order_id: str) -> tuple[str, ...]:
    """The technician who held the order last (the cancellation freed their time)."""
    with uow:
        order = uow.orders.get(order_id)
    if order is None:
        return ()
    held = next((h.technician_id for h in reversed(order.history) if h.technician_id), None)
    return (held,) if held else ()
