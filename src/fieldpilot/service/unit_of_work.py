"""The unit of work and repository ports. One command = one `with uow:` = one commit.

Repositories hand out live domain objects; changes to them are written when the unit of work
commits, together with an outbox row for every event the touched aggregates recorded.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, Protocol, Self, TypeVar

from fieldpilot.domain.events import Event
from fieldpilot.domain.resources import (
    ApiKey,
    Asset,
    Customer,
    Part,
    Site,
    Skill,
    Technician,
    User,
    Warehouse,
)
from fieldpilot.domain.triage import TriageRule
from fieldpilot.domain.values import Location, Priority
from fieldpilot.domain.work_order import OrderStatus, WorkOrder
from fieldpilot.sla.policy import SlaPolicy

T = TypeVar("T")


class Repository(Protocol[T]):
    """Objects of one kind by key, listed in a stable order (by key)."""

    def get(self, key: str) -> T | None: ...

    def add(self, obj: T) -> None: ...

    def delete(self, obj: T) -> None: ...

    def list(self, *, offset: int = 0, limit: int = 100) -> list[T]: ...

    def count(self) -> int: ...


class TechnicianRepository(Repository[Technician], Protocol):
    def lock(self, key: str) -> Technician | None:
        """Get the technician and hold a write lock on it until commit (serialises bookings)."""
        ...


class UserRepository(Repository[User], Protocol):
    def get_by_username(self, username: str) -> User | None: ...


class ApiKeyRepository(Repository[ApiKey], Protocol):
    def get_by_prefix(self, prefix: str) -> ApiKey | None: ...


@dataclass(frozen=True)
class OrderQuery:
    """Filters for listing orders. Empty filters match everything."""

    statuses: frozenset[OrderStatus] = frozenset()
    priorities: frozenset[Priority] = frozenset()
    technician_id: str | None = None
    customer_id: str | None = None
    sla_states: frozenset[str] = frozenset()
    created_from: datetime | None = None
    created_to: datetime | None = None
    sort: str = "created_at"
    descending: bool = False
    offset: int = 0
    limit: int = 50
    now: datetime | None = None


@dataclass(frozen=True)
class Page(Generic[T]):
    items: Sequence[T]
    total: int
    offset: int
    limit: int


class OrderRepository(Repository[WorkOrder], Protocol):
    def get_by_tracking_token(self, token: str) -> WorkOrder | None: ...

    def search(self, query: OrderQuery) -> Page[WorkOrder]: ...

    def booked_for(self, technician_id: str, *, start: datetime, end: datetime) -> list[WorkOrder]:
        """Open orders of this technician whose planned slot overlaps [start, end)."""
        ...

    def open_orders(self) -> list[WorkOrder]: ...


@dataclass(frozen=True)
class IdempotencyRecord:
    key: str
    scope: str
    fingerprint: str
    resource_kind: str
    resource_id: str
    response: dict[str, Any]
    created_at: datetime


class IdempotencyStore(Protocol):
    def get(self, scope: str, key: str) -> IdempotencyRecord | None: ...

    def add(self, record: IdempotencyRecord) -> None: ...


@dataclass(frozen=True)
class OutboxMessage:
    id: int | None
    name: str
    payload: dict[str, Any]
    created_at: datetime
    published_at: datetime | None = None


class Outbox(Protocol):
    def pending(self, *, limit: int = 100) -> list[OutboxMessage]: ...

    def mark_published(self, ids: Sequence[int], at: datetime) -> None: ...


@dataclass
class DecisionRecord:
    """A stored explanation of a dispatch decision (the engine's record, JSON-ready)."""

    id: str
    order_id: str
    created_at: datetime
    kind: str
    body: dict[str, Any] = field(default_factory=dict)


class DecisionRepository(Protocol):
    def add(self, record: DecisionRecord) -> None: ...

    def for_order(self, order_id: str) -> list[DecisionRecord]: ...


@dataclass(frozen=True)
class StoreChanges:
    """What changed in the store since a revision: keys per kind ("orders", "technicians",
    "positions" by technician id, "sites", ...), committed ones and those this unit of work holds
    changed but not yet committed."""

    revision: int  # the store's revision now; pass it to the next `changes_since`
    committed: dict[str, frozenset[str]]
    uncommitted: dict[str, frozenset[str]]


@dataclass(frozen=True)
class TechnicianPosition:
    """Where a technician's device said they were. Append-only: pings never touch the technician
    row, so they never make a dispatcher's If-Match stale."""

    technician_id: str
    location: Location
    at: datetime


class PositionStore(Protocol):
    def add(self, position: TechnicianPosition) -> None: ...

    def latest(self, technician_ids: Sequence[str] | None = None) -> dict[str, TechnicianPosition]:
        """The newest position of each technician (all technicians when None)."""
        ...


@dataclass(frozen=True)
class FieldReportEntry:
    """One report sent from the field for an order: notes and parts used (its photos and the
    signature are Attachments pointing at it)."""

    id: str
    order_id: str
    technician_id: str | None
    actor: str
    at: datetime
    notes: str = ""
    parts_used: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Attachment:
    """An image kept with a field report: a photo or the customer's signature (`kind`), its
    bytes already stripped of location metadata. Listings may leave `data` empty."""

    id: str
    order_id: str
    entry_id: str
    kind: str  # "photo" | "signature"
    media_type: str
    data: bytes
    at: datetime


class FieldReportStore(Protocol):
    def add(self, entry: FieldReportEntry, attachments: Sequence[Attachment] = ()) -> None: ...

    def entries(self, order_id: str) -> list[FieldReportEntry]:
        """The order's reports, oldest first."""
        ...

    def attachments(self, order_id: str, *, with_data: bool = False) -> list[Attachment]:
        """The order's photos and signatures, oldest first (bytes only `with_data`)."""
        ...

    def attachment(self, order_id: str, attachment_id: str) -> Attachment | None: ...


@dataclass(frozen=True)
class AlertAck:
    """Someone at the console acknowledged an alert: who (`actor` reference and `name`) and when."""

    alert_id: str
    actor: str
    name: str
    at: datetime


class AlertAckStore(Protocol):
    def add(self, ack: AlertAck) -> None: ...

    def get_many(self, alert_ids: Sequence[str]) -> dict[str, AlertAck]: ...


class UnitOfWork(Protocol):
    @property
    def skills(self) -> Repository[Skill]: ...

    @property
    def technicians(self) -> TechnicianRepository: ...

    @property
    def customers(self) -> Repository[Customer]: ...

    @property
    def sites(self) -> Repository[Site]: ...

    @property
    def assets(self) -> Repository[Asset]: ...

    @property
    def parts(self) -> Repository[Part]: ...

    @property
    def warehouses(self) -> Repository[Warehouse]: ...

    @property
    def sla_policies(self) -> Repository[SlaPolicy]: ...

    @property
    def triage_rules(self) -> Repository[TriageRule]: ...

    @property
    def users(self) -> UserRepository: ...

    @property
    def api_keys(self) -> ApiKeyRepository: ...

    @property
    def orders(self) -> OrderRepository: ...

    @property
    def idempotency(self) -> IdempotencyStore: ...

    @property
    def outbox(self) -> Outbox: ...

    @property
    def decisions(self) -> DecisionRepository: ...

    @property
    def positions(self) -> PositionStore: ...

    @property
    def field_reports(self) -> FieldReportStore: ...

    @property
    def alert_acks(self) -> AlertAckStore: ...

    def __enter__(self) -> Self: ...

    def __exit__(self, *args: object) -> None: ...

    def commit(self) -> None:
        """Write every change and an outbox row per new event, in one transaction."""
        ...

    def rollback(self) -> None: ...

    def record(self, event: Event) -> None:
        """Record an event that belongs to no aggregate (e.g. a resource changed)."""
        ...

    def collect_new_events(self) -> Iterator[Event]:
        """Events recorded by aggregates touched in this unit of work since the last call."""
        ...

    def changes_since(self, revision: int | None) -> StoreChanges | None:
        """The keys changed since `revision` (None: only the current revision), for caches derived
        from the store; None when the store keeps no change log (the caller reads afresh)."""
        ...
