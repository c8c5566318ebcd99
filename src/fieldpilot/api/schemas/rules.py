"""Request and response models for SLA policies (targets, business calendar) and triage rules."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, Field, field_validator

from fieldpilot.api.schemas.common import (
    Code,
    InputModel,
    LocalTimeRangeIn,
    LocalTimeRangeOut,
    Name,
    ObjectId,
    OutputModel,
    PatchModel,
    PriorityField,
    SkillRequirementIn,
    SkillRequirementOut,
    TimezoneName,
)
from fieldpilot.api.schemas.resources import ResourceCreate
from fieldpilot.domain.triage import TriageRule
from fieldpilot.domain.values import CustomerTier
from fieldpilot.domain.work_order import MAX_DURATION_MINUTES, DispatchMode
from fieldpilot.sla.calendar import BusinessCalendar
from fieldpilot.sla.policy import SlaPolicy, SlaTargets

TargetMinutes = Field(default=None, ge=1, le=525_600, description="business minutes")


class SlaTargetsIn(InputModel):
    dispatch: int | None = TargetMinutes
    first_contact: int | None = TargetMinutes
    arrival: int | None = TargetMinutes
    resolution: int | None = TargetMinutes

    def to_domain(self) -> SlaTargets:
        return SlaTargets(**self.domain_fields())


class SlaTargetsOut(BaseModel):
    dispatch: int | None
    first_contact: int | None
    arrival: int | None
    resolution: int | None


class CalendarIn(InputModel):
    """Working hours per weekday (0 = Monday) in the calendar's timezone; omit for 24x7."""

    timezone: TimezoneName = "UTC"
    working_hours: dict[int, tuple[LocalTimeRangeIn, ...]] | None = None
    holidays: frozenset[date] = Field(default=frozenset(), max_length=1000)

    @field_validator("working_hours")
    @classmethod
    def _weekdays(cls, value: dict[int, Any] | None) -> dict[int, Any] | None:
        if value is not None and any(not 0 <= day <= 6 for day in value):
            raise ValueError("weekdays are 0 (Monday) to 6 (Sunday)")
        return value

    def to_domain(self) -> BusinessCalendar:
        if self.working_hours is None:
            always = BusinessCalendar.always(self.timezone)
            return BusinessCalendar(self.timezone, always.working_hours, self.holidays)
        return BusinessCalendar(**self.domain_fields())


class CalendarOut(OutputModel):
    timezone: str
    working_hours: dict[int, list[LocalTimeRangeOut]]
    holidays: list[date]


class SlaPolicyCreate(ResourceCreate):
    id: ObjectId | None = None
    name: Name
    targets: SlaTargetsIn
    calendar: CalendarIn = CalendarIn()
    priority: PriorityField | None = None
    tier: CustomerTier | None = None
    service_type: Code | None = None
    pause_reasons: frozenset[str] | None = Field(
        default=None, description="hold reasons that stop the clock; null = every hold does"
    )
    at_risk_fraction: float = Field(default=0.8, gt=0, lt=1)

    def to_resource(self, new_id: str) -> SlaPolicy:
        return SlaPolicy(id=self.id or new_id, **self.domain_fields(exclude=frozenset({"id"})))


class SlaPolicyPatch(PatchModel):
    nullable = frozenset({"priority", "tier", "service_type", "pause_reasons"})
    name: Name | None = None
    targets: SlaTargetsIn | None = None
    calendar: CalendarIn | None = None
    priority: PriorityField | None = None
    tier: CustomerTier | None = None
    service_type: Code | None = None
    pause_reasons: frozenset[str] | None = None
    at_risk_fraction: float | None = Field(default=None, gt=0, lt=1)


class SlaPolicyOut(OutputModel):
    id: str
    name: str
    targets: SlaTargetsOut
    calendar: CalendarOut
    priority: PriorityField | None
    tier: CustomerTier | None
    service_type: str | None
    pause_reasons: list[str] | None
    at_risk_fraction: float
    version: int = 1


class TriageRuleCreate(ResourceCreate):
    id: ObjectId | None = None
    name: Name
    service_type: Code | None = None
    tier: CustomerTier | None = None
    keywords: tuple[str, ...] = Field(default=(), max_length=50)
    priority: PriorityField | None = None
    required_skills: tuple[SkillRequirementIn, ...] | None = Field(default=None, max_length=20)
    duration_minutes: int | None = Field(default=None, ge=1, le=MAX_DURATION_MINUTES)
    dispatch_mode: DispatchMode | None = None

    def to_resource(self, new_id: str) -> TriageRule:
        return TriageRule(id=self.id or new_id, **self.domain_fields(exclude=frozenset({"id"})))


class TriageRulePatch(PatchModel):
    nullable = frozenset({"service_type", "tier", "priority", "required_skills", "duration_minutes", "dispatch_mode"})
    name: Name | None = None
    service_type: Code | None = None
    tier: CustomerTier | None = None
    keywords: tuple[str, ...] | None = Field(default=None, max_length=50)
    priority: PriorityField | None = None
    required_skills: tuple[SkillRequirementIn, ...] | None = Field(default=None, max_length=20)
    duration_minutes: int | None = Field(default=None, ge=1, le=MAX_DURATION_MINUTES)
    dispatch_mode: DispatchMode | None = None


class TriageRuleOut(OutputModel):
    id: str
    name: str
    service_type: str | None
    tier: CustomerTier | None
    keywords: list[str]
    priority: PriorityField | None
    required_skills: list[SkillRequirementOut] | None
    duration_minutes: int | None
    dispatch_mode: DispatchMode | None
    version: int
