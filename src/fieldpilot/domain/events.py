"""Domain events: facts in the past tense. Each becomes an outbox row in the same transaction."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class Event:
    @property
    def name(self) -> str:
        return type(self).__name__

    def payload(self) -> dict[str, Any]:
        """The event as plain JSON-ready data."""
        return {k: _plain(v) for k, v in asdict(self).items()}


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


@dataclass(frozen=True, slots=True)
class OrderCreated(Event):
    order_id: str
    priority: int
    service_type: str
    channel: str


@dataclass(frozen=True, slots=True)
class OrderUpdated(Event):
    order_id: str
    fields: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class OrderAssigned(Event):
    order_id: str
    technician_id: str
    planned_start: datetime | None


@dataclass(frozen=True, slots=True)
class OrderReassigned(Event):
    order_id: str
    from_technician_id: str | None
    to_technician_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class OrderUnassigned(Event):
    order_id: str
    technician_id: str | None


@dataclass(frozen=True, slots=True)
class StatusChanged(Event):
    order_id: str
    from_status: str
    to_status: str
    action: str
    actor: str
    reason: str


@dataclass(frozen=True, slots=True)
class EtaChanged(Event):
    order_id: str
    eta_start: datetime | None
    eta_end: datetime | None


@dataclass(frozen=True, slots=True)
class SlaStateChanged(Event):
    order_id: str
    from_state: str
    to_state: str
    next_deadline: datetime | None


@dataclass(frozen=True, slots=True)
class OrderRated(Event):
    order_id: str
    rating: int


@dataclass(frozen=True, slots=True)
class ResourceChanged(Event):
    """A catalogue or resource object (technician, customer, ...) was created or changed."""

    kind: str
    key: str
    change: str


@dataclass(frozen=True, slots=True)
class TechnicianRunningLate(Event):
    """From a position report: the technician will reach the next visit later than planned."""

    technician_id: str
    order_id: str
    late_seconds: int


@dataclass(frozen=True, slots=True)
class PlanChanged(Event):
    """A re-plan applied changes to the plan."""

    trigger: str
    assigned: int
    reassigned: int
    retimed: int
    unassigned: int


@dataclass(frozen=True, slots=True)
class TrafficChanged(Event):
    area: str
    previous: float
    current: float


@dataclass(frozen=True, slots=True)
class OrderOffered(Event):
    order_id: str
    technician_ids: tuple[str, ...]
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class FieldReportAdded(Event):
    order_id: str
    entry_id: str
    photos: int
    signed: bool


@dataclass(frozen=True, slots=True)
class AlertAcknowledged(Event):
    alert_id: str
    by: str
    at: datetime
