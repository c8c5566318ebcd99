"""Apply triage rules to an incoming order: each field comes from the most specific rule that sets it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from fieldpilot.domain.triage import TriageRule
from fieldpilot.domain.values import CustomerTier, Priority, SkillRequirement
from fieldpilot.domain.work_order import DispatchMode

DEFAULT_PRIORITY = Priority.P3
DEFAULT_DURATION_MINUTES = 60


@dataclass(frozen=True)
class Triaged:
    priority: Priority
    required_skills: tuple[SkillRequirement, ...]
    duration_minutes: int
    dispatch_mode: DispatchMode | None
    rule_ids: tuple[str, ...]


def triage(rules: Iterable[TriageRule], *, service_type: str, tier: CustomerTier, text: str) -> Triaged:
    matching = sorted(
        (r for r in rules if r.matches(service_type=service_type, tier=tier, text=text)),
        key=lambda r: (-r.specificity, r.id),
    )
    priority = next((r.priority for r in matching if r.priority is not None), None)
    skills = next((r.required_skills for r in matching if r.required_skills is not None), None)
    duration = next((r.duration_minutes for r in matching if r.duration_minutes is not None), None)
    mode = next((r.dispatch_mode for r in matching if r.dispatch_mode is not None), None)
    # Keyword rules may only raise urgency: the most urgent matching priority wins.
    urgent = min((r.priority for r in matching if r.priority is not None and r.keywords), default=None)
    if urgent is not None and (priority is None or urgent < priority):
        priority = urgent
    return Triaged(
        priority=priority or DEFAULT_PRIORITY,
        required_skills=skills or (),
        duration_minutes=duration or DEFAULT_DURATION_MINUTES,
        dispatch_mode=mode,
        rule_ids=tuple(r.id for r in matching),
    )
