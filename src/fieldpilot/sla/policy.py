"""SLA policies: targets per milestone, the calendar they run on, which holds pause them, and the
rule that picks the most specific policy for an order.

Standard library and `fieldpilot.domain` only; no I/O.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Iterable
from dataclasses import dataclass

from fieldpilot.domain.errors import InvalidInput
from fieldpilot.domain.values import CustomerTier, Priority, check_code
from fieldpilot.sla.calendar import BusinessCalendar


class Milestone(enum.StrEnum):
    """What an SLA promises, in the order an order usually meets them."""

    DISPATCH = "dispatch"
    FIRST_CONTACT = "first_contact"
    ARRIVAL = "arrival"
    RESOLUTION = "resolution"


@dataclass(frozen=True, slots=True)
class SlaTargets:
    """Business minutes allowed to reach each milestone; None means no promise for it."""

    dispatch: int | None = None
    first_contact: int | None = None
    arrival: int | None = None
    resolution: int | None = None

    def __post_init__(self) -> None:
        for milestone in Milestone:
            minutes = getattr(self, milestone.value)
            if minutes is None:
                continue
            if isinstance(minutes, bool) or not isinstance(minutes, int) or minutes < 1:
                raise InvalidInput(milestone.value, f"target {minutes!r} must be positive minutes")

    def minutes(self, milestone: Milestone) -> int | None:
        value: int | None = getattr(self, milestone.value)
        return value

    def items(self) -> tuple[tuple[Milestone, int], ...]:
        """The milestones that have a target, with their minutes, in milestone order."""
        return tuple((m, minutes) for m in Milestone if (minutes := self.minutes(m)) is not None)


@dataclass(frozen=True, slots=True)
class SlaPolicy:
    """One SLA. `priority`, `tier` and `service_type` say whom it applies to (None = any).

    `pause_reasons` lists the hold reason codes that stop the clock; None means every hold does,
    an empty set means none does. An unmet milestone is at risk once its elapsed business time
    reaches `at_risk_fraction` of its target.
    """

    id: str
    name: str
    targets: SlaTargets
    calendar: BusinessCalendar
    priority: Priority | None = None
    tier: CustomerTier | None = None
    service_type: str | None = None
    pause_reasons: frozenset[str] | None = None
    at_risk_fraction: float = 0.8
    version: int = 1  # bumped by the service on every replacement (the API's ETag)

    def __post_init__(self) -> None:
        if not self.id.strip():
            raise InvalidInput("id", "must not be empty")
        if not self.name.strip():
            raise InvalidInput("name", "must not be empty")
        if self.service_type is not None:
            check_code(self.service_type, field="service_type")
        if not self.targets.items():
            raise InvalidInput("targets", "a policy needs at least one target")
        fraction = self.at_risk_fraction
        if not (isinstance(fraction, float | int) and math.isfinite(fraction) and 0 < fraction < 1):
            raise InvalidInput("at_risk_fraction", f"{fraction!r} must lie strictly between 0 and 1")

    def pauses_for(self, reason: str) -> bool:
        """Whether a hold with this reason code stops the clock under this policy."""
        return self.pause_reasons is None or reason in self.pause_reasons

    @property
    def specificity(self) -> int:
        """How many of priority, tier and service type the policy pins down."""
        return sum(value is not None for value in (self.priority, self.tier, self.service_type))

    def applies_to(self, *, priority: Priority, tier: CustomerTier, service_type: str) -> bool:
        return (
            (self.priority is None or self.priority == priority)
            and (self.tier is None or self.tier == tier)
            and (self.service_type is None or self.service_type == service_type)
        )


def select_policy(
    policies: Iterable[SlaPolicy], *, priority: Priority, tier: CustomerTier, service_type: str
) -> SlaPolicy | None:
    """The matching policy that pins down the most attributes; ties go to the smallest id."""
    matching = [p for p in policies if p.applies_to(priority=priority, tier=tier, service_type=service_type)]
    if not matching:
        return None
    return min(matching, key=lambda p: (-p.specificity, p.id))
