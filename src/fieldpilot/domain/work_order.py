"""The work order: the aggregate that dispatch, the lifecycle and the SLA clock revolve around.

The lifecycle rules live in `fieldpilot.workflow`; this module holds the data and the invariants
that hold in every state (a window ends after it starts, a duration is positive, ...).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from fieldpilot.domain.errors import InvalidInput
from fieldpilot.domain.values import (
    Channel,
    PartLine,
    Priority,
    SkillRequirement,
    TimeWindow,
    check_aware,
    check_code,
)

if TYPE_CHECKING:
    from fieldpilot.domain.events import Event

CustomValue = str | int | float | bool

MAX_DURATION_MINUTES = 24 * 60


class OrderStatus(enum.StrEnum):
    NEW = "new"
    ASSIGNED = "assigned"
    ACCEPTED = "accepted"
    EN_ROUTE = "en_route"
    ON_SITE = "on_site"
    COMPLETED = "completed"
    CLOSED = "closed"
    ON_HOLD = "on_hold"
    CANCELLED = "cancelled"


OPEN_STATUSES = frozenset(
    {
        OrderStatus.NEW,
        OrderStatus.ASSIGNED,
        OrderStatus.ACCEPTED,
        OrderStatus.EN_ROUTE,
        OrderStatus.ON_SITE,
        OrderStatus.ON_HOLD,
    }
)

# States in which an order holds a slot in its technician's day.
BOOKED_STATUSES = frozenset({OrderStatus.ASSIGNED, OrderStatus.ACCEPTED, OrderStatus.EN_ROUTE, OrderStatus.ON_SITE})


class DispatchMode(enum.StrEnum):
    """How a new order finds its technician."""

    AUTO = "auto"  # the engine assigns it on arrival
    OFFER = "offer"  # offered to the best few; the first to grab it gets it, else auto at expiry
    MANUAL = "manual"  # waits in the queue for a dispatcher


class OrderLock(enum.StrEnum):
    """A dispatcher's lock on a planned visit; re-plans respect it."""

    NONE = "none"
    ASSIGNMENT = "assignment"  # the visit stays with its technician, in its place in the route
    TIME = "time"  # ... and keeps its planned start too (e.g. an appointment agreed by phone)


class SlaLogKind(enum.StrEnum):
    START = "start"
    PAUSE = "pause"
    RESUME = "resume"
    POLICY = "policy"


@dataclass(frozen=True, slots=True)
class SlaLogEntry:
    """One fact the SLA clock is computed from: started, paused, resumed, or policy switched."""

    at: datetime
    kind: SlaLogKind
    policy_id: str | None = None
    reason: str = ""


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    at: datetime
    actor: str
    action: str
    from_status: OrderStatus | None
    to_status: OrderStatus
    reason: str = ""
    technician_id: str | None = None


@dataclass(eq=False)
class WorkOrder:
    id: str
    customer_id: str
    site_id: str
    service_type: str
    created_at: datetime
    tracking_token: str
    description: str = ""
    channel: Channel = Channel.API
    asset_id: str | None = None
    required_skills: tuple[SkillRequirement, ...] = ()
    required_parts: tuple[PartLine, ...] = ()
    required_tools: frozenset[str] = frozenset()
    estimated_duration_minutes: int = 60
    priority: Priority = Priority.P3
    time_window: TimeWindow | None = None
    is_appointment: bool = False
    custom_fields: dict[str, CustomValue] = field(default_factory=dict)
    status: OrderStatus = OrderStatus.NEW
    technician_id: str | None = None
    planned_start: datetime | None = None
    eta_window: TimeWindow | None = None
    held_from: OrderStatus | None = None
    hold_reason: str | None = None
    sla_policy_id: str | None = None
    sla_log: list[SlaLogEntry] = field(default_factory=list)
    sla_state: str = "ok"
    sla_next_deadline: datetime | None = None
    sla_risk_at: datetime | None = None
    sla_paused: bool = False
    milestones: dict[str, datetime] = field(default_factory=dict)
    # A dispatcher's lock: re-plans keep the order with its technician, in its place in the route
    # (and, for a time lock, at its planned start).
    lock: OrderLock = OrderLock.NONE
    dispatch_mode: DispatchMode = DispatchMode.AUTO
    offered_to: tuple[str, ...] = ()
    offer_expires_at: datetime | None = None
    rating: int | None = None
    rating_comment: str | None = None
    history: list[HistoryEntry] = field(default_factory=list)
    updated_at: datetime | None = None
    version: int = 1
    events: list[Event] = field(default_factory=list, compare=False, repr=False)

    def __post_init__(self) -> None:
        check_code(self.service_type, field="service_type")
        check_aware(self.created_at, field="created_at")
        if not 1 <= self.estimated_duration_minutes <= MAX_DURATION_MINUTES:
            raise InvalidInput("estimated_duration_minutes", f"must be between 1 and {MAX_DURATION_MINUTES} minutes")
        skills = [r.skill for r in self.required_skills]
        if len(skills) != len(set(skills)):
            raise InvalidInput("required_skills", "each skill may be listed once")
        for key in self.custom_fields:
            if not key or len(key) > 64:
                raise InvalidInput("custom_fields", f"key {key!r} must be 1-64 characters")
        if self.lock is OrderLock.TIME and (self.technician_id is None or self.planned_start is None):
            raise InvalidInput("lock", "only a visit with a technician and a planned start can have its time locked")

    @property
    def locked(self) -> bool:
        """Locked in any way (assignment or time)."""
        return self.lock is not OrderLock.NONE

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def planned_end(self) -> datetime | None:
        if self.planned_start is None:
            return None
        return self.planned_start + timedelta(minutes=self.estimated_duration_minutes)

    @property
    def planned_slot(self) -> TimeWindow | None:
        end = self.planned_end
        if self.planned_start is None or end is None:
            return None
        return TimeWindow(self.planned_start, end)
