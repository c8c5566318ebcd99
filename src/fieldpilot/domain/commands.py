"""Commands: what someone asks the system to do, in the imperative. Frozen, data only."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from fieldpilot.domain.values import Channel, Location, PartLine, Priority, Role, SkillRequirement, TimeWindow
from fieldpilot.domain.work_order import DispatchMode


@dataclass(frozen=True)
class Command:
    actor: str = field(default="system", kw_only=True)


class ResourceKind(enum.StrEnum):
    SKILL = "skill"
    TECHNICIAN = "technician"
    CUSTOMER = "customer"
    SITE = "site"
    ASSET = "asset"
    PART = "part"
    WAREHOUSE = "warehouse"
    SLA_POLICY = "sla_policy"
    TRIAGE_RULE = "triage_rule"


@dataclass(frozen=True)
class CreateResource(Command):
    kind: ResourceKind
    resource: Any
    idempotency_key: str | None = None
    fingerprint: str = ""


@dataclass(frozen=True)
class UpdateResource(Command):
    kind: ResourceKind
    key: str
    changes: Mapping[str, Any]
    expected_version: int | None


@dataclass(frozen=True)
class DeleteResource(Command):
    kind: ResourceKind
    key: str
    expected_version: int | None


@dataclass(frozen=True)
class CreateWorkOrder(Command):
    customer_id: str
    site_id: str
    service_type: str
    channel: Channel = Channel.API
    description: str = ""
    asset_id: str | None = None
    required_skills: tuple[SkillRequirement, ...] | None = None
    required_parts: tuple[PartLine, ...] = ()
    required_tools: frozenset[str] = frozenset()
    estimated_duration_minutes: int | None = None
    priority: Priority | None = None
    time_window: TimeWindow | None = None
    is_appointment: bool = False
    custom_fields: Mapping[str, str | int | float | bool] = field(default_factory=dict)
    dispatch_mode: DispatchMode | None = None  # None: from triage rules, else the default
    idempotency_key: str | None = None
    fingerprint: str = ""


@dataclass(frozen=True)
class UpdateWorkOrder(Command):
    order_id: str
    changes: Mapping[str, Any]
    expected_version: int | None


@dataclass(frozen=True)
class TransitionWorkOrder(Command):
    order_id: str
    action: str
    expected_version: int | None
    reason: str = ""
    technician_id: str | None = None
    planned_start: datetime | None = None
    # When the action really happened (a technician's device replaying actions taken offline);
    # None: now. Checked against the clock and the order's previous transition.
    occurred_at: datetime | None = None


@dataclass(frozen=True)
class RateWorkOrder(Command):
    tracking_token: str
    rating: int
    comment: str = ""


@dataclass(frozen=True)
class RefreshSlaStates(Command):
    """Recompute the SLA state of every open order (periodic sweep)."""


@dataclass(frozen=True)
class CreateUser(Command):
    username: str
    password: str
    role: Role
    full_name: str = ""
    technician_id: str | None = None


@dataclass(frozen=True)
class CreateApiKey(Command):
    name: str
    role: Role = Role.INTEGRATION


@dataclass(frozen=True)
class RevokeApiKey(Command):
    key_id: str


class DispatchChoice(enum.StrEnum):
    """Who picks the technician in a DispatchOrder: the engine (auto) or the dispatcher (force).
    Not to be confused with an order's DispatchMode (auto / offer / manual) on arrival."""

    AUTO = "auto"
    FORCE = "force"


@dataclass(frozen=True)
class DispatchOrder(Command):
    """Find the order a technician: the engine's best (auto), or the dispatcher's choice (force)."""

    order_id: str
    mode: DispatchChoice = DispatchChoice.AUTO
    expected_version: int | None = None
    technician_id: str | None = None
    position: int | None = None
    reason: str = ""


@dataclass(frozen=True)
class MoveVisit(Command):
    """The dispatcher drags a visit on the schedule board to a technician (the same or another)
    and a place in their day, in one step: checked by the engine and applied whole, or not at all.
    An order still waiting is assigned; an assigned one is reassigned (or only re-timed)."""

    order_id: str
    technician_id: str
    expected_version: int | None
    reason: str
    position: int | None = None  # index in the target route; None: from `planned_start`, else best
    planned_start: datetime | None = None  # where it was dropped on the board


@dataclass(frozen=True)
class Image:
    """An image as sent (JPEG or PNG bytes); metadata is stripped by the handler."""

    media_type: str
    data: bytes


@dataclass(frozen=True)
class RecordFieldReport(Command):
    """A technician's report from a visit: notes, parts used, photos, the customer's signature."""

    order_id: str
    notes: str = ""
    parts_used: Mapping[str, int] = field(default_factory=dict)
    photos: tuple[Image, ...] = ()
    signature: Image | None = None
    occurred_at: datetime | None = None  # written offline at this time; None: now
    # The device's id for this report: a replay after a lost reply returns the first answer.
    idempotency_key: str | None = None


@dataclass(frozen=True)
class AcknowledgeAlert(Command):
    """A dispatcher saw an alert and is dealing with it."""

    alert_id: str
    name: str = ""  # who, as people read it (the actor is the reference)


@dataclass(frozen=True)
class ReportPosition(Command):
    """A technician's device reports where they are (feeds ETAs, lateness and the live map)."""

    technician_id: str
    location: Location
    at: datetime | None = None


@dataclass(frozen=True)
class Replan(Command):
    """Re-optimise today's open work with the batch solver and apply what improves enough.

    Pinned visits (en route, on site, locked) stay; promised ETAs move only within tolerance.
    """

    time_budget_seconds: float = 2.0
    seed: int = 0
    trigger: str = "periodic"
    # Set it for reproducible runs (simulations): the solver then stops after this many iterations.
    max_iterations: int | None = None
    # What changed, for a fleet larger than the engine's `replan_max_technicians`: the re-plan then
    # works on the neighbourhood of these orders and technicians (none: of the orders at risk).
    focus_orders: tuple[str, ...] = ()
    focus_technicians: tuple[str, ...] = ()
    whole_region: bool = False  # re-plan every technician however large the fleet
    # Run the batch solver: always, never, or (None) only when greedy re-insertion leaves orders
    # unplanned. Its routing objective (travel under time windows) does not see the customers'
    # waiting, which re-insertion and relocation optimise; on a plan kept up to date by both, it
    # rarely finds a better one.
    use_solver: bool | None = None


@dataclass(frozen=True)
class SetTrafficFactor(Command):
    """Live traffic in an area: 1.0 is normal, 1.5 means trips touching it take 50% longer."""

    area: str
    factor: float


@dataclass(frozen=True)
class GrabOrder(Command):
    """A technician takes an order offered to them, before the offer expires."""

    order_id: str
    technician_id: str


@dataclass(frozen=True)
class ExpireOffers(Command):
    """Offers past their expiry go to the engine (auto-assign); run periodically."""
