"""What happened to every order and technician during a simulated day, as the events tell it.

The recorder listens on the message bus (like the live map and the notifier do) and keeps each
order's timeline: created, first assigned, ETA promises, reassignments, arrival, completion or
why it was not served. It also keeps the assignment board a dispatcher's console shows: each
technician's queue of orders not yet started, in planned order.

May import: fieldpilot.domain, fieldpilot.service and the standard library.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fieldpilot.domain.events import (
    EtaChanged,
    OrderAssigned,
    OrderReassigned,
    OrderUnassigned,
    StatusChanged,
)
from fieldpilot.service.messagebus import MessageBus
from fieldpilot.service.unit_of_work import UnitOfWork

QUEUED = frozenset({"assigned", "accepted"})


@dataclass
class OrderTimeline:
    order_id: str
    key: str
    priority: int
    service_type: str
    territory: int
    created: int
    estimated_minutes: int
    urgent: bool = False
    technician: str | None = None
    first_assigned: int | None = None
    assignments: int = 0
    reassignments: int = 0
    promises: list[tuple[int, int, int]] = field(default_factory=list)  # (at, start, end)
    planned_start: int | None = None
    departed: int | None = None
    arrived: int | None = None
    completed: int | None = None
    cancelled: int | None = None
    outcome: str = "open"  # served, cancelled, no_show, unserved
    reason: str = ""
    km: float = 0.0

    def promise_at(self, second: int) -> tuple[int, int] | None:
        """The window in force at `second` (the last one promised before it)."""
        found = None
        for at, start, end in self.promises:
            if at <= second:
                found = (start, end)
        return found


@dataclass
class TechnicianLog:
    technician_id: str
    shift_start: int
    shift_end: int
    activities: list[tuple[int, int, str, str]] = field(default_factory=list)  # (start, end, kind, order)
    km: float = 0.0
    jobs: int = 0
    sick_at: int | None = None
    home_at: int | None = None

    def busy_seconds(self, kinds: frozenset[str] = frozenset({"drive", "work"})) -> int:
        return sum(end - start for start, end, kind, _ in self.activities if kind in kinds)


class Recorder:
    """Subscribes to the bus and keeps the timelines, the board and decision latencies."""

    def __init__(self, second_of: Callable[[Any], int]) -> None:
        self.second_of = second_of
        self.orders: dict[str, OrderTimeline] = {}
        self.technicians: dict[str, TechnicianLog] = {}
        self.queues: dict[str, list[str]] = {}
        self.latencies: dict[str, list[float]] = {"dispatch": [], "replan": []}
        self.listeners: list[Callable[[str, str], None]] = []  # (technician, order) on assignment
        self.now: Callable[[], int] = lambda: 0

    def attach(self, bus: MessageBus) -> None:
        handlers: dict[type[Any], Callable[[Any, UnitOfWork], None]] = {
            OrderAssigned: self._assigned,
            OrderReassigned: self._reassigned,
            OrderUnassigned: self._unassigned,
            EtaChanged: self._eta,
            StatusChanged: self._status,
        }
        for kind, handler in handlers.items():
            bus.event_handlers.setdefault(kind, []).append(handler)

    def timed(self, call: Callable[[], Any], *, kind: str) -> Any:
        """Run one decision through the bus, timing it (wall clock, kept apart from results)."""
        began = time.perf_counter()
        try:
            return call()
        finally:
            self.latencies.setdefault(kind, []).append(time.perf_counter() - began)

    def _queue_add(self, technician: str, order_id: str) -> None:
        queue = self.queues.setdefault(technician, [])
        if order_id not in queue:
            queue.append(order_id)
        queue.sort(key=lambda o: (self.orders[o].planned_start or 0, o) if o in self.orders else (0, o))

    def _queue_drop(self, order_id: str) -> None:
        timeline = self.orders.get(order_id)
        if timeline is not None and timeline.technician in self.queues:
            queue = self.queues[timeline.technician]
            if order_id in queue:
                queue.remove(order_id)

    def _assigned(self, event: OrderAssigned, uow: UnitOfWork) -> None:
        timeline = self.orders.get(event.order_id)
        if timeline is None:
            return
        now = self.now()
        timeline.technician = event.technician_id
        timeline.assignments += 1
        if timeline.first_assigned is None:
            timeline.first_assigned = now
        if event.planned_start is not None:
            timeline.planned_start = self.second_of(event.planned_start)
        self._queue_add(event.technician_id, event.order_id)
        for listener in self.listeners:
            listener(event.technician_id, event.order_id)

    def _reassigned(self, event: OrderReassigned, uow: UnitOfWork) -> None:
        timeline = self.orders.get(event.order_id)
        if timeline is None:
            return
        self._queue_drop(event.order_id)
        timeline.reassignments += 1
        timeline.technician = event.to_technician_id
        self._queue_add(event.to_technician_id, event.order_id)
        for listener in self.listeners:
            listener(event.to_technician_id, event.order_id)

    def _unassigned(self, event: OrderUnassigned, uow: UnitOfWork) -> None:
        timeline = self.orders.get(event.order_id)
        if timeline is None:
            return
        self._queue_drop(event.order_id)
        timeline.reassignments += 1
        timeline.technician = None

    def _eta(self, event: EtaChanged, uow: UnitOfWork) -> None:
        timeline = self.orders.get(event.order_id)
        if timeline is None or event.eta_start is None or event.eta_end is None:
            return
        self.promise(event.order_id, self.second_of(event.eta_start), self.second_of(event.eta_end))

    def promise(self, order_id: str, start: int, end: int) -> None:
        timeline = self.orders[order_id]
        if timeline.promises and timeline.promises[-1][1:] == (start, end):
            return
        timeline.promises.append((self.now(), start, end))

    def _status(self, event: StatusChanged, uow: UnitOfWork) -> None:
        timeline = self.orders.get(event.order_id)
        if timeline is None:
            return
        now = self.now()
        if event.to_status not in QUEUED:
            self._queue_drop(event.order_id)
        if event.to_status == "en_route":
            timeline.departed = now
        elif event.to_status == "on_site" and timeline.arrived is None:
            timeline.arrived = now
        elif event.to_status == "completed":
            timeline.completed = now
            timeline.outcome = "served"
        elif event.to_status == "cancelled":
            timeline.cancelled = now
            timeline.outcome = "no_show" if "no-show" in event.reason else "cancelled"
            timeline.reason = event.reason
