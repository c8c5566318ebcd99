"""Request and response models for work orders, their history, decisions and tracking links."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from fieldpilot.api.schemas.common import (
    Code,
    InputModel,
    ObjectId,
    OutputModel,
    PartLineIn,
    PartLineOut,
    PatchModel,
    PriorityField,
    SkillRequirementIn,
    SkillRequirementOut,
    Text,
    TimeWindowIn,
    TimeWindowOut,
)
from fieldpilot.domain import commands as cmd
from fieldpilot.domain.values import Channel
from fieldpilot.domain.work_order import MAX_DURATION_MINUTES, DispatchMode, OrderLock, OrderStatus

CustomValue = str | int | float | bool
DurationMinutes = Annotated[int, Field(ge=1, le=MAX_DURATION_MINUTES, description="minutes")]


class OrderCreate(InputModel):
    customer_id: ObjectId
    site_id: ObjectId
    service_type: Code
    channel: Channel = Channel.API
    description: Text = ""
    asset_id: ObjectId | None = None
    required_skills: tuple[SkillRequirementIn, ...] | None = Field(
        default=None, description="omit to let triage rules fill them", max_length=20
    )
    required_parts: tuple[PartLineIn, ...] = Field(default=(), max_length=50)
    required_tools: frozenset[Code] = frozenset()
    estimated_duration_minutes: DurationMinutes | None = None
    priority: PriorityField | None = Field(default=None, description="omit to let triage rules decide")
    time_window: TimeWindowIn | None = None
    is_appointment: bool = False
    custom_fields: dict[str, CustomValue] = Field(default_factory=dict, max_length=50)
    dispatch_mode: DispatchMode | None = Field(
        default=None,
        description="auto (the engine assigns it now), offer (to the best few, first to grab it), or "
        "manual (a dispatcher decides); omit to let triage rules or the server default decide",
    )

    def to_command(self, *, actor: str, idempotency_key: str | None, fingerprint: str) -> cmd.CreateWorkOrder:
        return cmd.CreateWorkOrder(
            actor=actor,
            idempotency_key=idempotency_key,
            fingerprint=fingerprint,
            **self.domain_fields(),
        )


class OrderPatch(PatchModel):
    nullable = frozenset({"asset_id", "time_window"})
    description: Text | None = None
    priority: PriorityField | None = None
    service_type: Code | None = None
    asset_id: ObjectId | None = None
    required_skills: tuple[SkillRequirementIn, ...] | None = Field(default=None, max_length=20)
    required_parts: tuple[PartLineIn, ...] | None = Field(default=None, max_length=50)
    required_tools: frozenset[Code] | None = None
    estimated_duration_minutes: DurationMinutes | None = None
    time_window: TimeWindowIn | None = None
    is_appointment: bool | None = None
    custom_fields: dict[str, CustomValue] | None = Field(default=None, max_length=50)
    lock: OrderLock | None = Field(
        default=None,
        description="none; assignment: re-plans keep the visit with its technician, in sequence; "
        "time: and at its planned start (needs a technician and a planned start)",
    )
    locked: bool | None = Field(
        default=None, description="older form of `lock`: true locks the assignment, false removes any lock"
    )


class ActionRequest(InputModel):
    reason: Text = ""
    technician_id: ObjectId | None = None
    planned_start: AwareDatetime | None = None
    occurred_at: AwareDatetime | None = Field(
        default=None,
        description="When the action really happened (a device replaying actions taken offline); "
        "not ahead of the server's clock by more than 2 minutes, not before the order's previous "
        "change. Default: now. Used for the history, milestones and the SLA clock.",
    )


class DispatchRequest(InputModel):
    """`auto`: the engine's cheapest feasible insertion; `force`: the dispatcher's technician
    (a reason is needed when the choice breaks constraints)."""

    mode: cmd.DispatchChoice = cmd.DispatchChoice.AUTO
    technician_id: ObjectId | None = None
    position: int | None = Field(default=None, ge=0, le=1000, description="index in the route")
    reason: Text = ""


class SlaMilestoneOut(BaseModel):
    milestone: str
    state: Literal["ok", "at_risk", "breached", "met", "met_late"]
    target_seconds: int
    elapsed_seconds: int
    remaining_seconds: int
    deadline: datetime | None
    met_at: datetime | None


class SlaOut(BaseModel):
    policy_id: str
    state: Literal["ok", "at_risk", "breached"]
    paused: bool
    hold_reason: str | None
    elapsed_seconds: int = Field(description="business seconds elapsed on the clock")
    next_deadline: datetime | None
    computed_at: datetime
    milestones: list[SlaMilestoneOut]


class OrderOut(OutputModel):
    id: str
    customer_id: str
    site_id: str
    service_type: str
    channel: Channel
    description: str
    asset_id: str | None
    required_skills: list[SkillRequirementOut]
    required_parts: list[PartLineOut]
    required_tools: list[str]
    estimated_duration_minutes: int
    priority: PriorityField
    time_window: TimeWindowOut | None
    is_appointment: bool
    custom_fields: dict[str, CustomValue]
    status: OrderStatus
    technician_id: str | None
    planned_start: datetime | None
    eta_window: TimeWindowOut | None
    held_from: OrderStatus | None
    hold_reason: str | None
    sla_policy_id: str | None
    sla_state: str
    sla_next_deadline: datetime | None
    milestones: dict[str, datetime]
    lock: OrderLock
    locked: bool = Field(description="any lock (assignment or time)")
    dispatch_mode: DispatchMode
    offered_to: list[str]
    offer_expires_at: datetime | None
    rating: int | None
    rating_comment: str | None
    tracking_token: str = Field(description="the customer's tracking link: /api/v1/track/{token}")
    created_at: datetime
    updated_at: datetime | None
    version: int
    allowed_actions: list[str]
    sla: SlaOut | None


class DispatchDecisionOut(BaseModel):
    """The engine's explanation: winner and cost breakdown, runners-up and why they lost."""

    model_config = ConfigDict(extra="allow")

    id: str
    mode: str
    outcome: str
    summary: str | None = None


class DispatchOut(BaseModel):
    order: OrderOut
    decision: DispatchDecisionOut


class HistoryEntryOut(OutputModel):
    at: datetime
    actor: str
    action: str
    from_status: OrderStatus | None
    to_status: OrderStatus
    reason: str
    technician_id: str | None


class DecisionOut(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: str
    kind: str
    created_at: datetime


class TrackingOut(BaseModel):
    """Everything a customer's tracking link shows, and nothing more."""

    status: OrderStatus
    eta_window: TimeWindowOut | None
    technician_first_name: str | None
    can_rate: bool
    rating: int | None


class RatingIn(InputModel):
    rating: int = Field(ge=1, le=5)
    comment: Text = ""


class RatingOut(BaseModel):
    rating: int


SORT_FIELDS = ("created_at", "priority", "sla_deadline", "planned_start")
SortParam = Literal[
    "created_at",
    "-created_at",
    "priority",
    "-priority",
    "sla_deadline",
    "-sla_deadline",
    "planned_start",
    "-planned_start",
]
