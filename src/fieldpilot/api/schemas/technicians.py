"""Request and response models for technicians: skills with levels, certifications, shifts with
breaks, absences, van stock and tools, territories, home base."""

from __future__ import annotations

from datetime import date, time
from typing import Self

from pydantic import AwareDatetime, Field, model_validator

from fieldpilot.api.schemas.common import (
    Code,
    InputModel,
    LocalTimeRangeIn,
    LocalTimeRangeOut,
    LocationIn,
    LocationOut,
    Name,
    ObjectId,
    OutputModel,
    PatchModel,
    Quantity,
    SkillLevel,
    TimezoneName,
)
from fieldpilot.api.schemas.resources import ResourceCreate
from fieldpilot.domain.resources import Absence, Certification, Technician, WeeklyShift

Weekday = Field(ge=0, le=6, description="0 = Monday")
Overtime = Field(default=0, ge=0, le=600)


class CertificationIn(InputModel):
    code: Code
    expires_on: date | None = None

    def to_domain(self) -> Certification:
        return Certification(self.code, self.expires_on)


class CertificationOut(OutputModel):
    code: str
    expires_on: date | None


class WeeklyShiftIn(InputModel):
    weekday: int = Weekday
    start: time
    end: time
    breaks: tuple[LocalTimeRangeIn, ...] = Field(default=(), max_length=6)

    @model_validator(mode="after")
    def _end_after_start(self) -> Self:
        if self.end <= self.start:
            raise ValueError("end must be after start")
        return self

    def to_domain(self) -> WeeklyShift:
        return WeeklyShift(**self.domain_fields())


class WeeklyShiftOut(OutputModel):
    weekday: int
    start: time
    end: time
    breaks: list[LocalTimeRangeOut]


class AbsenceIn(InputModel):
    start: AwareDatetime
    end: AwareDatetime
    reason: str = Field(default="", max_length=200)

    @model_validator(mode="after")
    def _end_after_start(self) -> Self:
        if self.end <= self.start:
            raise ValueError("end must be after start")
        return self

    def to_domain(self) -> Absence:
        return Absence(self.start, self.end, self.reason)


class AbsenceOut(OutputModel):
    start: AwareDatetime
    end: AwareDatetime
    reason: str


class TechnicianCreate(ResourceCreate):
    id: ObjectId | None = None
    first_name: Name
    last_name: str = Field(default="", max_length=200)
    home_base: LocationIn
    timezone: TimezoneName = "UTC"
    skills: dict[Code, SkillLevel] = Field(default_factory=dict, max_length=100)
    certifications: tuple[CertificationIn, ...] = Field(default=(), max_length=100)
    shifts: tuple[WeeklyShiftIn, ...] = Field(default=(), max_length=7)
    absences: tuple[AbsenceIn, ...] = Field(default=(), max_length=500)
    van_stock: dict[Code, Quantity] = Field(default_factory=dict, max_length=10_000)
    tools: frozenset[Code] = frozenset()
    territories: frozenset[Code] = frozenset()
    depot_id: ObjectId | None = None
    max_overtime_minutes: int = Overtime
    active: bool = True

    def to_resource(self, new_id: str) -> Technician:
        return Technician(id=self.id or new_id, **self.domain_fields(exclude=frozenset({"id"})))


class TechnicianPatch(PatchModel):
    nullable = frozenset({"depot_id"})
    first_name: Name | None = None
    last_name: str | None = Field(default=None, max_length=200)
    home_base: LocationIn | None = None
    timezone: TimezoneName | None = None
    skills: dict[Code, SkillLevel] | None = Field(default=None, max_length=100)
    certifications: tuple[CertificationIn, ...] | None = Field(default=None, max_length=100)
    shifts: tuple[WeeklyShiftIn, ...] | None = Field(default=None, max_length=7)
    absences: tuple[AbsenceIn, ...] | None = Field(default=None, max_length=500)
    van_stock: dict[Code, Quantity] | None = Field(default=None, max_length=10_000)
    tools: frozenset[Code] | None = None
    territories: frozenset[Code] | None = None
    depot_id: ObjectId | None = None
    max_overtime_minutes: int | None = Field(default=None, ge=0, le=600)
    active: bool | None = None


class TechnicianOut(OutputModel):
    id: str
    first_name: str
    last_name: str
    home_base: LocationOut
    timezone: str
    skills: dict[str, int]
    certifications: list[CertificationOut]
    shifts: list[WeeklyShiftOut]
    absences: list[AbsenceOut]
    van_stock: dict[str, int]
    tools: list[str]
    territories: list[str]
    depot_id: str | None
    max_overtime_minutes: int
    user_id: str | None
    active: bool
    version: int
