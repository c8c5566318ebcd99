"""What the SLA clock reports for one order, and its JSON-ready form for the API.

Standard library and `fieldpilot.domain` only; no I/O.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fieldpilot.sla.policy import Milestone


class SlaState(enum.StrEnum):
    """The state of a whole order, worst first when sorted by `severity`."""

    OK = "ok"
    AT_RISK = "at_risk"
    BREACHED = "breached"

    @property
    def severity(self) -> int:
        return _SEVERITY[self]


_SEVERITY = {SlaState.OK: 0, SlaState.AT_RISK: 1, SlaState.BREACHED: 2}


class MilestoneState(enum.StrEnum):
    OK = "ok"
    AT_RISK = "at_risk"
    BREACHED = "breached"
    MET = "met"
    MET_LATE = "met_late"

    @property
    def order_state(self) -> SlaState:
        """How this milestone weighs on the order: met counts as ok, met late as breached."""
        if self is MilestoneState.MET:
            return SlaState.OK
        if self is MilestoneState.MET_LATE:
            return SlaState.BREACHED
        return SlaState(self.value)


@dataclass(frozen=True, slots=True)
class MilestoneStatus:
    """One milestone. For a met milestone every number is frozen at the moment it was met.

    `deadline` is the first moment at which the milestone counts as breached, assuming no
    further pause or policy change; it is None while the clock is paused short of the target
    (read `remaining_seconds` then). `remaining_seconds` is 0 once the target is reached.
    """

    milestone: Milestone
    target_seconds: int
    elapsed_seconds: int
    remaining_seconds: int
    deadline: datetime | None
    state: MilestoneState
    met_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class SlaStatus:
    """The SLA of one order at `computed_at`.

    `state` is the worst over unmet milestones, and breached if any was met late.
    `next_deadline` is the earliest deadline of an unmet milestone (in the past once breached),
    None when no unmet milestone has one. `paused` says the clock is stopped right now;
    `hold_reason` is set while the order is on hold, whether or not the policy pauses for it.
    """

    policy_id: str
    state: SlaState
    paused: bool
    hold_reason: str | None
    elapsed_seconds: int
    next_deadline: datetime | None
    milestones: tuple[MilestoneStatus, ...]
    computed_at: datetime

    def milestone(self, milestone: Milestone) -> MilestoneStatus | None:
        return next((m for m in self.milestones if m.milestone == milestone), None)


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat()


def milestone_status_to_dict(status: MilestoneStatus) -> dict[str, object]:
    return {
        "milestone": status.milestone.value,
        "state": status.state.value,
        "target_seconds": status.target_seconds,
        "elapsed_seconds": status.elapsed_seconds,
        "remaining_seconds": status.remaining_seconds,
        "deadline": _iso(status.deadline),
        "met_at": _iso(status.met_at),
    }


def sla_status_to_dict(status: SlaStatus) -> dict[str, object]:
    """JSON-ready: strings, ints, bools, None, lists and dicts; times in UTC ISO 8601."""
    return {
        "policy_id": status.policy_id,
        "state": status.state.value,
        "paused": status.paused,
        "hold_reason": status.hold_reason,
        "elapsed_seconds": status.elapsed_seconds,
        "next_deadline": _iso(status.next_deadline),
        "computed_at": _iso(status.computed_at),
        "milestones": [milestone_status_to_dict(m) for m in status.milestones],
    }
