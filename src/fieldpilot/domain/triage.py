"""Triage rules: how an incoming order's priority, skills and duration are filled in.

A rule matches on service type, customer tier and keywords in the description (all optional);
the most specific matching rule wins, and anything the caller gave explicitly is kept.
"""

from __future__ import annotations

from dataclasses import dataclass

from fieldpilot.domain.errors import InvalidInput
from fieldpilot.domain.values import CustomerTier, Priority, SkillRequirement, check_code
from fieldpilot.domain.work_order import MAX_DURATION_MINUTES, DispatchMode


@dataclass(eq=False)
class TriageRule:
    id: str
    name: str
    service_type: str | None = None
    tier: CustomerTier | None = None
    keywords: tuple[str, ...] = ()
    priority: Priority | None = None
    required_skills: tuple[SkillRequirement, ...] | None = None
    duration_minutes: int | None = None
    dispatch_mode: DispatchMode | None = None
    version: int = 1

    def __post_init__(self) -> None:
        if self.service_type is not None:
            check_code(self.service_type, field="service_type")
        if self.duration_minutes is not None and not 1 <= self.duration_minutes <= MAX_DURATION_MINUTES:
            raise InvalidInput("duration_minutes", f"must be between 1 and {MAX_DURATION_MINUTES}")
        if any(not k.strip() for k in self.keywords):
            raise InvalidInput("keywords", "keywords must not be empty")
        sets = (self.priority, self.required_skills, self.duration_minutes, self.dispatch_mode)
        if all(value is None for value in sets):
            raise InvalidInput("priority", "a rule must set a priority, skills, a duration or a dispatch mode")

    def matches(self, *, service_type: str, tier: CustomerTier, text: str) -> bool:
        lowered = text.lower()
        return (
            (self.service_type is None or self.service_type == service_type)
            and (self.tier is None or self.tier == tier)
            and (not self.keywords or any(k.lower() in lowered for k in self.keywords))
        )

    @property
    def specificity(self) -> int:
        return (self.service_type is not None) * 4 + bool(self.keywords) * 2 + (self.tier is not None)
