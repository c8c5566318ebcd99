"""Building blocks shared by the request and response models, and the conversion to domain values.

Request models forbid unknown fields and mirror the domain's container types (tuple, frozenset,
dict) so that `domain_value` can turn any of them into domain objects; the domain's own checks
run on construction and raise InvalidInput, which the problem table maps to 422 with the field.
"""

from __future__ import annotations

from datetime import time
from typing import Annotated, Any, ClassVar, Generic, Self, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    WithJsonSchema,
    model_validator,
)

from fieldpilot.domain.errors import InvalidInput
from fieldpilot.domain.values import (
    LocalTimeRange,
    Location,
    PartLine,
    Priority,
    SkillRequirement,
    TimeWindow,
)

Code = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_.-]{0,63}$", examples=["hvac"])]
ObjectId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")]
SkillLevel = Annotated[int, Field(ge=1, le=5)]
Quantity = Annotated[int, Field(ge=0, le=1_000_000)]
Text = Annotated[str, Field(max_length=2000)]
Name = Annotated[str, Field(min_length=1, max_length=200)]


def _check_timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{value!r} is not an IANA timezone") from None
    return value


TimezoneName = Annotated[
    str, Field(min_length=1, max_length=64, examples=["Europe/Berlin"]), AfterValidator(_check_timezone)
]


def _parse_priority(value: object) -> object:
    if isinstance(value, str) and len(value) == 2 and value[0] in "Pp" and value[1] in "1234":
        return int(value[1])
    if isinstance(value, str):
        raise ValueError("priority must be one of P1, P2, P3, P4")
    return value


def _priority_label(value: Priority) -> str:
    return f"P{int(value)}"


PriorityField = Annotated[
    Priority,
    BeforeValidator(_parse_priority),
    PlainSerializer(_priority_label, return_type=str),
    WithJsonSchema({"type": "string", "enum": ["P1", "P2", "P3", "P4"]}),
]


class InputModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    def to_domain(self) -> Any:  # overridden by models that stand for one domain value
        raise NotImplementedError

    def domain_fields(self, *, only_set: bool = False, exclude: frozenset[str] = frozenset()) -> dict[str, Any]:
        """The model's fields as domain values, by field name (only those sent, for a PATCH)."""
        names = self.model_fields_set if only_set else type(self).model_fields.keys()
        return {name: domain_value(getattr(self, name)) for name in names if name not in exclude}


class PatchModel(InputModel):
    """All fields optional; `changes()` returns those sent, refusing null for required ones."""

    nullable: ClassVar[frozenset[str]] = frozenset()

    def changes(self) -> dict[str, Any]:
        found = self.domain_fields(only_set=True)
        for name, value in found.items():
            if value is None and name not in type(self).nullable:
                raise InvalidInput(f"body.{name}", "must not be null")
        return found


class OutputModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)


def domain_value(value: Any) -> Any:
    if isinstance(value, InputModel):
        return value.to_domain()
    if isinstance(value, tuple):
        return tuple(domain_value(v) for v in value)
    if isinstance(value, frozenset):
        return frozenset(domain_value(v) for v in value)
    if isinstance(value, dict):
        return {k: domain_value(v) for k, v in value.items()}
    return value


class LocationIn(InputModel):
    lat: float = Field(ge=-90, le=90, allow_inf_nan=False, examples=[52.52])
    lon: float = Field(ge=-180, le=180, allow_inf_nan=False, examples=[13.405])

    def to_domain(self) -> Location:
        return Location(self.lat, self.lon)


class LocationOut(OutputModel):
    lat: float
    lon: float


class TimeWindowIn(InputModel):
    start: AwareDatetime
    end: AwareDatetime

    @model_validator(mode="after")
    def _end_after_start(self) -> Self:
        if self.end <= self.start:
            raise ValueError("end must be after start")
        return self

    def to_domain(self) -> TimeWindow:
        return TimeWindow(self.start, self.end)


class TimeWindowOut(OutputModel):
    start: AwareDatetime
    end: AwareDatetime


class LocalTimeRangeIn(InputModel):
    start: time
    end: time

    @model_validator(mode="after")
    def _end_after_start(self) -> Self:
        if self.end <= self.start:
            raise ValueError("end must be after start")
        return self

    def to_domain(self) -> LocalTimeRange:
        return LocalTimeRange(self.start, self.end)


class LocalTimeRangeOut(OutputModel):
    start: time
    end: time


class SkillRequirementIn(InputModel):
    skill: Code
    min_level: SkillLevel = 1

    def to_domain(self) -> SkillRequirement:
        return SkillRequirement(self.skill, self.min_level)


class SkillRequirementOut(OutputModel):
    skill: str
    min_level: int


class PartLineIn(InputModel):
    part: Code
    quantity: int = Field(default=1, ge=1, le=10_000)

    def to_domain(self) -> PartLine:
        return PartLine(self.part, self.quantity)


class PartLineOut(OutputModel):
    part: str
    quantity: int


T = TypeVar("T")


class PageOut(BaseModel, Generic[T]):
    items: list[T]
    total: int
    offset: int
    limit: int


class ProblemOut(BaseModel):
    """RFC 9457 problem details; members beyond the five standard ones depend on the type."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(examples=["urn:fieldpilot:problem:illegal-transition"])
    title: str
    status: int
    detail: str
    instance: str | None = None
    field: str | None = Field(default=None, description="the offending input, e.g. body.site.lat")


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` entries documenting problem+json bodies for these statuses."""
    return {
        status: {"model": ProblemOut, "content": {"application/problem+json": {}}, "description": "Problem"}
        for status in statuses
    }
